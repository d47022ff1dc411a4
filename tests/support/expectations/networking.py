"""The VPC, its subnets, routes and S3 endpoint, and the security groups."""

from __future__ import annotations

from support.expectations.identity import assert_identity_tags, tags


def platform_vpc(aws, prefix: str) -> dict | None:
    vpcs = aws.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{prefix}-vpc"]}])["Vpcs"]
    assert len(vpcs) <= 1, f"duplicate VPCs named {prefix}-vpc"
    return vpcs[0] if vpcs else None


def network(aws, prefix: str = "dataeng-local", env: str = "local", region: str = "us-east-2") -> dict:
    vpc = platform_vpc(aws, prefix)
    assert vpc is not None, f"no VPC named {prefix}-vpc"
    vpc_id = vpc["VpcId"]
    # platform, VPC: the CIDR block, DNS support and hostnames, the four subnets and their two zones.
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
        # collection: the Tier tag; no subnet hands out public addresses, the hosts ask for theirs at launch
        # (network_public_ip_on_launch).
        assert tags(subnet)["Tier"] == tier
        assert subnet["MapPublicIpOnLaunch"] is False
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
    # platform, VPC: private subnets have no direct internet access (network_private_egress: endpoints, the default).
    assert default_routes["private"] == [], "private subnets must have no internet route"
    # collection: an S3 gateway endpoint on every route table (network role defaults, "A gateway endpoint for S3").

    (endpoint,) = aws.ec2.describe_vpc_endpoints(
        Filters=[*in_vpc, {"Name": "service-name", "Values": [f"com.amazonaws.{region}.s3"]}]
    )["VpcEndpoints"]
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert set(endpoint["RouteTableIds"]) == {tables["public"]["RouteTableId"], tables["private"]["RouteTableId"]}
    return {"vpc_id": vpc_id, "subnets": subnets, "route_tables": tables}


def network_subnets(aws, prefix: str, tier: str) -> list[dict]:
    vpc = platform_vpc(aws, prefix)
    return aws.ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "tag:Tier", "Values": [tier]}]
    )["Subnets"]


def ingress(group: dict, names: dict[str, str]) -> set[tuple[int, int, str]]:
    """(from port, to port, source) for every ingress permission; sources named by purpose or CIDR."""
    flat = set()
    for permission in group["IpPermissions"]:
        ports = (permission["FromPort"], permission["ToPort"])
        flat |= {(*ports, source["CidrIp"]) for source in permission.get("IpRanges", [])}
        flat |= {(*ports, source["CidrIpv6"]) for source in permission.get("Ipv6Ranges", [])}
        flat |= {(*ports, names[pair["GroupId"]]) for pair in permission.get("UserIdGroupPairs", [])}
    return flat


def security_groups(aws, prefix: str = "dataeng-local", env: str = "local", admin_cidrs=("127.0.0.1/32",)) -> dict:
    vpc = platform_vpc(aws, prefix)
    found = aws.ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "tag:Environment", "Values": [env]}]
    )["SecurityGroups"]
    groups = {tags(group)["Purpose"]: group for group in found}
    # platform, security groups: web, database, app, bastion, kubernetes, monitoring; collection: endpoints, the
    # group of the interface endpoints (network role, network_private_egress: endpoints).
    assert set(groups) == {"web", "app", "database", "bastion", "monitoring", "kubernetes", "endpoints"}
    names = {group["GroupId"]: purpose for purpose, group in groups.items()}
    for purpose, group in groups.items():
        assert group["GroupName"] == f"{prefix}-{purpose}"
        assert len(group["Description"]) > 20, "each group says what it is for"
        assert_identity_tags(group, env)

    def from_each(ports, sources):
        return {(*((p, p) if isinstance(p, int) else map(int, p.split("-"))), s) for p in ports for s in sources}

    admin = list(admin_cidrs)
    # platform, security groups: every group's ports, and web from 0.0.0.0/0, app from web, database from app.
    # collection: the bastion, kubernetes and monitoring ports open to admin_cidrs only, not to 0.0.0.0/0 or to
    # one address (docs/reliability.md, "Secure defaults"); the agents' ports from the VPC
    # (security_groups_monitoring_vpc_ports), the scrape ports from monitoring
    # (security_groups_kubernetes_scrape_ports), 443 to the endpoints.
    expected = {
        "web": from_each([80, 443], ["0.0.0.0/0"]),
        "app": from_each([8080, 3000, 5000], ["web"]),
        "database": from_each([3306, 5432, 6379], ["app"]),
        "bastion": from_each([22], admin),
        "kubernetes": from_each([22, 8443, "30000-32767"], admin) | from_each([9100, 8080], ["monitoring"]),
        "monitoring": from_each([22, 3000, 5601, 9090, 9091, 16686], admin)
        | from_each([5044, 9091, 14268, 4317, 4318], ["10.0.0.0/16"]),
        "endpoints": from_each([443], ["10.0.0.0/16"]),
    }
    for purpose, rules in expected.items():
        assert ingress(groups[purpose], names) == rules, purpose
    open_to_world = [p for p, g in groups.items() if any(r[2] in ("0.0.0.0/0", "::/0") for r in ingress(g, names))]
    assert open_to_world == ["web"], "only the web tier may be open to the internet"
    return {purpose: group["GroupId"] for purpose, group in groups.items()}
