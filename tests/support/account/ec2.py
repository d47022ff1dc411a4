"""What the account's EC2 holds: VPCs and everything in them, instances, volumes, network
interfaces, key pairs, EBS encryption by default; and the name the inventory gives each EC2 id."""

from __future__ import annotations

from support.expectations import tags

# What a route says (where to, through what), not how it came to be (Origin) or whether its target is up (State).
ROUTE_SETTINGS = (
    "DestinationCidrBlock",
    "DestinationIpv6CidrBlock",
    "DestinationPrefixListId",
    "GatewayId",
    "NatGatewayId",
    "InstanceId",
    "NetworkInterfaceId",
    "VpcEndpointId",
    "VpcPeeringConnectionId",
    "TransitGatewayId",
)


def name_tag(resource: dict) -> str | None:
    return tags(resource).get("Name")


def read_ec2(aws) -> tuple[dict, dict[str, str]]:
    ec2 = aws.ec2
    vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    vpc_ids = [v["VpcId"] for v in vpcs]
    in_vpcs = [{"Name": "vpc-id", "Values": vpc_ids}] if vpc_ids else None

    def described(call, key, filters=True, **kwargs):
        if filters and not in_vpcs:
            return []
        return getattr(ec2, call)(**({"Filters": in_vpcs} if filters else {}), **kwargs)[key]

    subnets = described("describe_subnets", "Subnets")
    all_groups = described("describe_security_groups", "SecurityGroups")
    groups = [g for g in all_groups if g["GroupName"] != "default"]
    network_acls = described("describe_network_acls", "NetworkAcls")
    tables = described("describe_route_tables", "RouteTables")
    gateways = ec2.describe_internet_gateways()["InternetGateways"]
    nats = [n for n in described("describe_nat_gateways", "NatGateways", filters=False) if n["State"] != "deleted"]
    endpoints = described("describe_vpc_endpoints", "VpcEndpoints")
    addresses = ec2.describe_addresses()["Addresses"]
    instances = [
        i
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
        if i["State"]["Name"] not in ("terminated", "shutting-down")
    ]
    key_pairs = ec2.describe_key_pairs()["KeyPairs"]
    # Every volume and network interface, attached or not: a stray one left by a killed run shows.
    volumes = {v["VolumeId"]: v for v in ec2.describe_volumes()["Volumes"]}
    interfaces = described("describe_network_interfaces", "NetworkInterfaces")
    credits = {
        c["InstanceId"]: c["CpuCredits"]
        for c in (
            ec2.describe_instance_credit_specifications(InstanceIds=[i["InstanceId"] for i in instances])[
                "InstanceCreditSpecifications"
            ]
            if instances
            else []
        )
    }

    names = {}
    for kind, items, id_key in (
        ("vpc", vpcs, "VpcId"),
        ("subnet", subnets, "SubnetId"),
        ("rtb", tables, "RouteTableId"),
        ("igw", gateways, "InternetGatewayId"),
        ("nat", nats, "NatGatewayId"),
        ("vpce", endpoints, "VpcEndpointId"),
        ("i", instances, "InstanceId"),
        ("eipalloc", addresses, "AllocationId"),
        ("acl", network_acls, "NetworkAclId"),
    ):
        for item in items:
            names[item[id_key]] = f"{kind}:{name_tag(item)}"
    names.update({g["GroupId"]: f"sg:{g['GroupName']}" for g in groups})

    state = {
        "vpcs": [
            {
                "name": name_tag(v),
                "cidr": v["CidrBlock"],
                "InstanceTenancy": v["InstanceTenancy"],
                **_vpc_dns(ec2, v["VpcId"]),
                "tags": v.get("Tags"),
            }
            for v in vpcs
        ],
        "subnets": [
            {
                "name": name_tag(s),
                "cidr": s["CidrBlock"],
                "zone": s["AvailabilityZone"],
                "vpc": s["VpcId"],
                "public_ips": s["MapPublicIpOnLaunch"],
                "tags": s.get("Tags"),
            }
            for s in subnets
        ],
        "internet_gateways": [
            {
                "name": name_tag(g),
                "attached": sorted(a["VpcId"] for a in g.get("Attachments", [])),
                "tags": g.get("Tags"),
            }
            for g in gateways
        ],
        "route_tables": [
            {
                "name": name_tag(t),
                "main": any(a.get("Main") for a in t.get("Associations", [])),
                "subnets": sorted(a["SubnetId"] for a in t.get("Associations", []) if "SubnetId" in a),
                "vpc": t["VpcId"],
                "routes": [{k: v for k, v in r.items() if k in ROUTE_SETTINGS} for r in t["Routes"]],
                "tags": t.get("Tags"),
            }
            for t in tables
        ],
        "nat_gateways": [
            {"name": name_tag(n), "subnet": n["SubnetId"], "state": n["State"], "tags": n.get("Tags")} for n in nats
        ],
        "elastic_ips": [
            {"name": name_tag(a), "nat": a.get("NetworkInterfaceId") is not None, "tags": a.get("Tags")}
            for a in addresses
        ],
        "vpc_endpoints": [
            {
                "name": name_tag(e),
                "service": e["ServiceName"],
                "VpcEndpointType": e["VpcEndpointType"],
                "vpc": e["VpcId"],
                "route_tables": sorted(e.get("RouteTableIds", [])),
                "subnets": sorted(e.get("SubnetIds", [])),
                "groups": sorted(g["GroupId"] for g in e.get("Groups", [])),
                "PrivateDnsEnabled": e.get("PrivateDnsEnabled"),
                "PolicyDocument": e.get("PolicyDocument"),
                "tags": e.get("Tags"),
            }
            for e in endpoints
        ],
        "network_acls": [
            {
                "name": name_tag(a),
                "vpc": a["VpcId"],
                "default": a["IsDefault"],
                "subnets": sorted(s["SubnetId"] for s in a["Associations"]),
                "entries": sorted(
                    (e for e in a["Entries"] if e["RuleNumber"] != 32767), key=lambda e: (e["Egress"], e["RuleNumber"])
                ),
                "tags": a.get("Tags"),
            }
            for a in network_acls
        ],
        # What the network role leaves of each VPC's default group (network_default_security_group_restricted).
        "default_security_groups": [
            {"vpc": g["VpcId"], "ingress": g["IpPermissions"], "egress": g["IpPermissionsEgress"]}
            for g in all_groups
            if g["GroupName"] == "default"
        ],
        "security_groups": [
            {
                "name": g["GroupName"],
                "description": g["Description"],
                "vpc": g["VpcId"],
                "ingress": g["IpPermissions"],
                "egress": g["IpPermissionsEgress"],
                "tags": g.get("Tags"),
            }
            for g in groups
        ],
        "instances": [
            {
                "name": name_tag(i),
                "state": i["State"]["Name"],
                "type": i["InstanceType"],
                "image": i["ImageId"],
                "subnet": i.get("SubnetId"),
                "groups": sorted(g["GroupId"] for g in i["SecurityGroups"]),
                "profile": i.get("IamInstanceProfile", {}).get("Arn"),
                "key": i.get("KeyName"),
                "metadata": {k: v for k, v in i.get("MetadataOptions", {}).items() if k != "State"},
                "CpuCredits": credits.get(i["InstanceId"]),
                "volumes": [
                    {
                        "device": m["DeviceName"],
                        "size": volumes[m["Ebs"]["VolumeId"]]["Size"],
                        "type": volumes[m["Ebs"]["VolumeId"]]["VolumeType"],
                        "encrypted": volumes[m["Ebs"]["VolumeId"]]["Encrypted"],
                        "DeleteOnTermination": m["Ebs"].get("DeleteOnTermination"),
                    }
                    for m in i.get("BlockDeviceMappings", [])
                    if "Ebs" in m
                ],
                "network_interfaces": [
                    {
                        "DeviceIndex": n["Attachment"]["DeviceIndex"],
                        "DeleteOnTermination": n["Attachment"].get("DeleteOnTermination"),
                        "subnet": n.get("SubnetId"),
                        "groups": sorted(g["GroupId"] for g in n.get("Groups", [])),
                        "AssociatePublicIpAddress": "PublicIp" in n.get("Association", {}),
                    }
                    for n in i.get("NetworkInterfaces", [])
                ],
                "tags": i.get("Tags"),
            }
            for i in instances
        ],
        "key_pairs": [
            {"name": k["KeyName"], "KeyFingerprint": k.get("KeyFingerprint"), "tags": k.get("Tags")} for k in key_pairs
        ],
        "volumes": [
            {
                "name": name_tag(v),
                "attached": sorted(f"{a['InstanceId']} {a['Device']}" for a in v.get("Attachments", [])),
                "zone": v["AvailabilityZone"],
                "Size": v["Size"],
                "VolumeType": v["VolumeType"],
                "Iops": v.get("Iops"),
                "Throughput": v.get("Throughput"),
                "Encrypted": v["Encrypted"],
                "KmsKeyId": v.get("KmsKeyId"),
                "tags": v.get("Tags"),
            }
            for v in volumes.values()
        ],
        "network_interfaces": [
            {
                "attached": (n.get("Attachment") or {}).get("InstanceId"),
                "type": n.get("InterfaceType"),
                "description": n.get("Description"),
                "subnet": n["SubnetId"],
                "groups": sorted(g["GroupId"] for g in n.get("Groups", [])),
                "status": n["Status"],
                "SourceDestCheck": n.get("SourceDestCheck"),
                "tags": n.get("TagSet"),
            }
            for n in interfaces
        ],
        # An account-wide setting (instances_ebs_encryption_by_default), listed while it is on: an account
        # that never turned it on, like an empty emulator, has none.
        "ebs_encryption_by_default": [{"name": "ebs_encryption_by_default"}]
        if ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
        else [],
    }
    return state, names


def _vpc_dns(ec2, vpc_id: str) -> dict[str, bool]:
    """A VPC's DNS attributes (DescribeVpcAttribute answers one per call)."""
    return {
        name: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=name[0].lower() + name[1:])[name]["Value"]
        for name in ("EnableDnsSupport", "EnableDnsHostnames")
    }
