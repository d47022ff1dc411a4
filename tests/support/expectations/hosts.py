"""The two EC2 hosts."""

from __future__ import annotations

from support.expectations.identity import assert_identity_tags, tags
from support.expectations.networking import network_subnets


def instances(aws, prefix: str = "dataeng-local", env: str = "local") -> dict[str, dict]:
    """The two hosts. platform: t3.small, 20 GB gp3 encrypted, a public subnet. collection: the newest Debian 13
    image (instances_ami_name, in place of Amazon Linux 2, past end of life), one host per zone, IMDSv2
    with hop limit 2 (instances_metadata_hop_limit), standard CPU credits (instances_cpu_credits)."""
    running = aws.ec2.describe_instances(
        Filters=[
            {"Name": "tag:Environment", "Values": [env]},
            {"Name": "tag:Project", "Values": ["dataeng"]},
            {"Name": "instance-state-name", "Values": ["pending", "running"]},
        ]
    )["Reservations"]
    hosts = {tags(host)["Role"]: host for reservation in running for host in reservation["Instances"]}
    assert sorted(hosts) == ["kubernetes", "monitoring"], f"expected one host per role, found {sorted(hosts)}"
    assert len([host for reservation in running for host in reservation["Instances"]]) == 2, "duplicate hosts"

    debian = aws.ec2.describe_images(
        Owners=["136693071363"],
        Filters=[
            {"Name": "name", "Values": ["debian-13-amd64-*"]},
            {"Name": "architecture", "Values": ["x86_64"]},
            {"Name": "state", "Values": ["available"]},
        ],
    )["Images"]
    newest = max(debian, key=lambda image: image["CreationDate"])
    public = {s["SubnetId"]: s["AvailabilityZone"] for s in network_subnets(aws, prefix, "public")}
    key_pairs = aws.ec2.describe_key_pairs(KeyNames=[f"{prefix}-admin"])["KeyPairs"]
    assert len(key_pairs) == 1
    # collection: EBS encryption by default, account-wide (instances_ebs_encryption_by_default).
    assert aws.ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True

    for role, host in hosts.items():
        assert_identity_tags(host, env)
        assert tags(host)["Name"] == f"{prefix}-{role}"
        assert host["InstanceType"] == "t3.small"
        assert host["ImageId"] == newest["ImageId"], (role, host["ImageId"], newest["Name"])
        assert host["KeyName"] == f"{prefix}-admin"
        assert host["SubnetId"] in public
        assert host.get("PublicIpAddress"), f"{role} has no public address"
        (group,) = host["SecurityGroups"]
        assert group["GroupName"] == f"{prefix}-{role}"
        assert host["IamInstanceProfile"]["Arn"].endswith(f":instance-profile/{prefix}-{role}-host")
        metadata = host["MetadataOptions"]
        assert (metadata["HttpTokens"], metadata["HttpEndpoint"], metadata["HttpPutResponseHopLimit"]) == (
            "required",
            "enabled",
            2,
        ), metadata
        (root,) = host["BlockDeviceMappings"]
        assert root["DeviceName"] == newest["RootDeviceName"]
        assert root["Ebs"]["DeleteOnTermination"] is True
        (volume,) = aws.ec2.describe_volumes(VolumeIds=[root["Ebs"]["VolumeId"]])["Volumes"]
        assert (volume["Size"], volume["VolumeType"], volume["Encrypted"]) == (20, "gp3", True), volume
        (credits,) = aws.ec2.describe_instance_credit_specifications(InstanceIds=[host["InstanceId"]])[
            "InstanceCreditSpecifications"
        ]
        assert credits["CpuCredits"] == "standard"
    # One host per availability zone.
    assert {public[host["SubnetId"]] for host in hosts.values()} == set(public.values())
    return hosts
