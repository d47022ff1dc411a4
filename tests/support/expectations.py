"""What the cloud layer promises, checked with boto3; shared by the integration and molecule tests.

Each function takes an `Aws` (clients for one emulator) and the platform's name prefix and
environment, and asserts the seed's figures (INFRASTRUCTURE_OVERVIEW.md) on what exists.
"""

from __future__ import annotations

IDENTITY_TAGS = {"Project": "dataeng", "ManagedBy": "ansible"}


def tags(resource: dict) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def assert_identity_tags(resource: dict, env: str) -> None:
    assert tags(resource).items() >= {**IDENTITY_TAGS, "Environment": env}.items(), tags(resource)


def platform_vpc(aws, prefix: str) -> dict | None:
    vpcs = aws.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{prefix}-vpc"]}])["Vpcs"]
    assert len(vpcs) <= 1, f"duplicate VPCs named {prefix}-vpc"
    return vpcs[0] if vpcs else None


def network(aws, prefix: str = "dataeng-local", env: str = "local", region: str = "us-east-2") -> dict:
    vpc = platform_vpc(aws, prefix)
    assert vpc is not None, f"no VPC named {prefix}-vpc"
    vpc_id = vpc["VpcId"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert_identity_tags(vpc, env)
    for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        assert aws.ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"] is True

    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    subnets = {s["CidrBlock"]: s for s in aws.ec2.describe_subnets(Filters=in_vpc)["Subnets"]}
    expected = {
        "10.0.1.0/24": ("public", f"{region}a"),
        "10.0.2.0/24": ("public", f"{region}b"),
        "10.0.10.0/24": ("private", f"{region}a"),
        "10.0.20.0/24": ("private", f"{region}b"),
    }
    assert set(subnets) == set(expected)
    for cidr, (tier, zone) in expected.items():
        subnet = subnets[cidr]
        assert subnet["AvailabilityZone"] == zone
        assert tags(subnet)["Tier"] == tier
        assert subnet["MapPublicIpOnLaunch"] is (tier == "public")
        assert_identity_tags(subnet, env)

    gateways = aws.ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    (igw,) = gateways["InternetGateways"]
    tables = {tags(table).get("Tier"): table for table in aws.ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]}
    for tier in ("public", "private"):
        associated = {a["SubnetId"] for a in tables[tier]["Associations"] if a.get("SubnetId")}
        assert associated == {s["SubnetId"] for s in subnets.values() if tags(s)["Tier"] == tier}
    default_routes = {
        tier: [r for r in tables[tier]["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        for tier in ("public", "private")
    }
    assert [r["GatewayId"] for r in default_routes["public"]] == [igw["InternetGatewayId"]]
    assert default_routes["private"] == [], "private subnets must have no internet route"

    (endpoint,) = aws.ec2.describe_vpc_endpoints(
        Filters=[*in_vpc, {"Name": "service-name", "Values": [f"com.amazonaws.{region}.s3"]}]
    )["VpcEndpoints"]
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert set(endpoint["RouteTableIds"]) == {tables["public"]["RouteTableId"], tables["private"]["RouteTableId"]}
    return {"vpc_id": vpc_id, "subnets": subnets, "route_tables": tables}


def platform_resources(aws, env: str = "local") -> list[str]:
    """Every resource tagged as the platform's (IAM and S3 are listed by name as well)."""
    pages = aws.resourcegroupstaggingapi.get_paginator("get_resources").paginate(
        TagFilters=[{"Key": key, "Values": [value]} for key, value in {**IDENTITY_TAGS, "Environment": env}.items()]
    )
    return sorted(item["ResourceARN"] for page in pages for item in page["ResourceTagMappingList"])
