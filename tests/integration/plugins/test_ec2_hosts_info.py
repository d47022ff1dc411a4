"""ec2_hosts_info against the emulator: in one module run, what the four amazon.aws info modules it stands in for
return, in their shapes, and the region's EBS encryption default."""

from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
# The Debian images the emulator publishes (tools/emulator_amis.json), as the instances role selects them.
DEBIAN = "136693071363"
IMAGE_FILTERS = {"name": "debian-13-amd64-*", "architecture": "x86_64", "state": "available"}


def public_key() -> str:
    return (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def test_it_reads_what_the_info_modules_read(aws_emulator):
    aws = Aws(aws_emulator)
    run = uuid.uuid4().hex[:8]
    tags = [{"Key": "Run", "Value": run}]
    image_id = aws.ec2.describe_images(Owners=[DEBIAN])["Images"][0]["ImageId"]
    launched = aws.ec2.run_instances(
        ImageId=image_id,
        MinCount=2,
        MaxCount=2,
        InstanceType="t3.micro",
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )["Instances"]
    instance_ids = sorted(instance["InstanceId"] for instance in launched)
    extra = aws.ec2.create_volume(Size=8, AvailabilityZone=launched[0]["Placement"]["AvailabilityZone"])["VolumeId"]
    aws.ec2.attach_volume(VolumeId=extra, InstanceId=instance_ids[0], Device="/dev/sdf")
    aws.ec2.create_tags(Resources=[extra], Tags=[{"Key": "Snapshots", "Value": run}])
    key_name = f"it-{run}"
    key = public_key()
    aws.ec2.import_key_pair(
        KeyName=key_name,
        PublicKeyMaterial=key.encode(),
        TagSpecifications=[{"ResourceType": "key-pair", "Tags": tags}],
    )
    instance_filters = {"tag:Run": run}

    found = run_module(
        aws_emulator,
        "dataeng.platform.ec2_hosts_info",
        {
            "image_owners": [DEBIAN],
            "image_filters": IMAGE_FILTERS,
            "instance_filters": instance_filters,
            "key_name": key_name,
        },
        check=True,
    )
    assert found["changed"] is False, found.get("msg")

    images = run_module(aws_emulator, "amazon.aws.ec2_ami_info", {"owners": [DEBIAN], "filters": IMAGE_FILTERS})
    assert found["images"] == images["images"]
    assert len(found["images"]) > 1, "the emulator publishes more than one Debian 13 image: the order is tested"

    instances = run_module(aws_emulator, "amazon.aws.ec2_instance_info", {"filters": instance_filters})["instances"]
    assert sorted(instance["instance_id"] for instance in found["instances"]) == instance_ids
    assert sorted(found["instances"], key=str) == sorted(instances, key=str)

    volumes = run_module(
        aws_emulator, "amazon.aws.ec2_vol_info", {"filters": {"attachment.instance-id": instance_ids}}
    )["volumes"]
    assert len(found["volumes"]) == 3, "a root volume per host and the one attached"
    assert sorted(found["volumes"], key=str) == sorted(volumes, key=str)
    assert next(volume for volume in found["volumes"] if volume["id"] == extra)["tags"] == {"Snapshots": run}

    keypairs = run_module(
        aws_emulator, "amazon.aws.ec2_key_info", {"filters": {"key-name": key_name}, "include_public_key": True}
    )["keypairs"]
    assert [key["key_name"] for key in found["keypairs"]] == [key_name]
    assert found["keypairs"] == keypairs
    assert found["keypairs"][0]["public_key"].split()[:2] == key.split()[:2]

    assert found["ebs_encryption_by_default"] is aws.ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]

    by_id = run_module(
        aws_emulator,
        "dataeng.platform.ec2_hosts_info",
        {"image_ids": [image_id], "instance_filters": {"tag:Run": f"{run}-none"}, "key_name": f"{key_name}-none"},
    )
    assert [image["image_id"] for image in by_id["images"]] == [image_id]
    assert (by_id["instances"], by_id["volumes"], by_id["keypairs"]) == ([], [], [])

    nothing_selected = run_module(
        aws_emulator, "dataeng.platform.ec2_hosts_info", {"instance_filters": {"tag:Run": f"{run}-none"}}
    )
    assert nothing_selected["images"] == [], "no image selector must not list every image the account may launch"
