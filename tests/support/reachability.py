"""Whether what the platform runs can reach what it needs, decided from a converged account's network.

`read(aws)` takes what decides it from the account with boto3 (subnets, route tables, network ACLs, security
groups, VPC endpoints, NAT and internet gateways, and the workloads: ECS services with their task definitions,
EC2 hosts, Glue connections), as plain data a test can keep and weaken. `findings(account)` follows each
workload's traffic to each destination it needs, the way AWS would route and filter it, and names for each one
that does not get through the workload, the destination and why, with the setting that decides it.

What each workload needs:
- an ECS task on Fargate (platform 1.4 or later) pulls its image from ECR (api and dkr, the layers from S3),
  reads the secrets its definition injects and sends its logs to CloudWatch Logs before its container starts;
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html
- the hosts download packages (Debian mirrors, HTTP and HTTPS), minikube, kubectl, Helm and ArgoCD's manifest
  (HTTPS), and read Secrets Manager;
- a Glue job or crawler with a VPC connection reaches S3 from that connection's subnet; without one it runs
  in Glue's own network and reaches the lake there.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

HTTPS = 443
HTTP = 80
RDP = 3389
# A client's side of a connection: its reply comes back to one of these ports, so a network ACL (stateless)
# must let them in. Linux (the hosts, Fargate tasks) opens its connections from 32768-60999, a NAT gateway from
# 1024-65535, a client on the internet from anywhere above 1023.
# https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html#nacl-ephemeral-ports
LINUX_CLIENT_PORTS = (32768, 60999)
NAT_CLIENT_PORTS = (1024, 65535)
ANY_CLIENT_PORTS = (1024, 65535)
# The platform's ACLs keep RDP shut to the internet even among the NAT gateway's ports (roles/network/vars/main.yml):
# the one connection in 64512 the gateway opens from it gets no reply and is retried.
NAT_PORTS_LEFT_SHUT = (RDP,)
INTERNET = "0.0.0.0/0"
EGRESS_SETTING = "network_private_egress"
S3_SETTING = "network_s3_endpoint_enabled"


@dataclass(frozen=True)
class Finding:
    workload: str
    destination: str
    why: str

    def __str__(self) -> str:
        return f"{self.workload} cannot reach {self.destination}: {self.why}"


# ---------------------------------------------------------------------------------------------------- reading


def read(aws) -> dict:
    """The account's network and workloads, as `findings` takes them (only JSON types)."""
    ec2 = aws.ec2
    vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    in_vpcs = [{"Name": "vpc-id", "Values": [v["VpcId"] for v in vpcs]}]
    dns = {
        v["VpcId"]: all(
            ec2.describe_vpc_attribute(VpcId=v["VpcId"], Attribute=attribute)[key]["Value"]
            for attribute, key in (
                ("enableDnsSupport", "EnableDnsSupport"),
                ("enableDnsHostnames", "EnableDnsHostnames"),
            )
        )
        for v in vpcs
    }
    account = {
        "region": aws.region,
        "vpcs": [{"id": v["VpcId"], "cidr": v["CidrBlock"], "dns": dns[v["VpcId"]]} for v in vpcs],
        "subnets": [
            {"id": s["SubnetId"], "vpc": s["VpcId"], "cidr": s["CidrBlock"], "public_ips": s["MapPublicIpOnLaunch"]}
            for s in ec2.describe_subnets(Filters=in_vpcs)["Subnets"]
        ],
        "route_tables": [
            {
                "id": t["RouteTableId"],
                "vpc": t["VpcId"],
                "main": any(a.get("Main") for a in t.get("Associations", [])),
                "subnets": [a["SubnetId"] for a in t.get("Associations", []) if "SubnetId" in a],
                "routes": [
                    {
                        "dest": r.get("DestinationCidrBlock") or r.get("DestinationPrefixListId"),
                        "target": r.get("GatewayId") or r.get("NatGatewayId") or r.get("InstanceId"),
                        "state": r.get("State", "active"),
                    }
                    for r in t["Routes"]
                ],
            }
            for t in ec2.describe_route_tables(Filters=in_vpcs)["RouteTables"]
        ],
        "network_acls": [
            {
                "vpc": acl["VpcId"],
                "subnets": [a["SubnetId"] for a in acl.get("Associations", [])],
                "default": acl["IsDefault"],
                "entries": [
                    {
                        "egress": e["Egress"],
                        "number": e["RuleNumber"],
                        "protocol": e["Protocol"],
                        "cidr": e.get("CidrBlock", "::/0"),
                        "ports": [e["PortRange"]["From"], e["PortRange"]["To"]] if "PortRange" in e else None,
                        "allow": e["RuleAction"] == "allow",
                    }
                    for e in acl["Entries"]
                ],
            }
            for acl in ec2.describe_network_acls(Filters=in_vpcs)["NetworkAcls"]
        ],
        "security_groups": [
            {
                "id": g["GroupId"],
                "name": g["GroupName"],
                "ingress": g["IpPermissions"],
                "egress": g["IpPermissionsEgress"],
            }
            for g in ec2.describe_security_groups(Filters=in_vpcs)["SecurityGroups"]
        ],
        "endpoints": [
            {
                "id": e["VpcEndpointId"],
                "vpc": e["VpcId"],
                "type": e["VpcEndpointType"],
                "service": e["ServiceName"],
                "state": e["State"],
                "subnets": e.get("SubnetIds", []),
                "groups": [g["GroupId"] for g in e.get("Groups", [])],
                "private_dns": bool(e.get("PrivateDnsEnabled")),
                "route_tables": e.get("RouteTableIds", []),
            }
            for e in ec2.describe_vpc_endpoints(Filters=in_vpcs)["VpcEndpoints"]
        ],
        "nat_gateways": [
            {"id": n["NatGatewayId"], "subnet": n["SubnetId"], "state": n["State"]}
            for n in ec2.describe_nat_gateways(Filter=in_vpcs)["NatGateways"]
        ],
        "internet_gateways": [
            {"id": g["InternetGatewayId"], "vpcs": [a["VpcId"] for a in g.get("Attachments", [])]}
            for g in ec2.describe_internet_gateways()["InternetGateways"]
        ],
    }
    account["workloads"] = _ecs_services(aws) + _hosts(ec2, in_vpcs) + _glue_connections(aws)
    return account


def _ecs_services(aws) -> list[dict]:
    workloads = []
    for cluster in aws.ecs.list_clusters()["clusterArns"]:
        arns = aws.ecs.list_services(cluster=cluster)["serviceArns"]
        for service in aws.ecs.describe_services(cluster=cluster, services=arns)["services"] if arns else []:
            network = service["networkConfiguration"]["awsvpcConfiguration"]
            definition = aws.ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
            workloads.append(
                {
                    "name": f"ECS service {service['serviceName']}",
                    "subnets": network["subnets"],
                    "groups": network.get("securityGroups", []),
                    "public_ip": network.get("assignPublicIp") == "ENABLED",
                    "needs": task_needs(definition["containerDefinitions"]),
                }
            )
    return workloads


def task_needs(containers: list[dict]) -> list[str]:
    """The services a task's containers need before they start, from their definitions."""
    needs = set()
    for container in containers:
        if ".dkr.ecr." in container["image"]:
            # The image manifest through the registry API, the layers from S3.
            needs |= {"ecr.api", "ecr.dkr", "s3"}
        sources = [secret["valueFrom"] for secret in container.get("secrets", [])]
        needs |= {"secretsmanager" for source in sources if source.startswith("arn:") and ":secretsmanager:" in source}
        needs |= {"ssm" for source in sources if not (source.startswith("arn:") and ":secretsmanager:" in source)}
        if container.get("logConfiguration", {}).get("logDriver") == "awslogs":
            needs.add("logs")
    return sorted(needs)


def _hosts(ec2, in_vpcs) -> list[dict]:
    return [
        {
            "name": f"host {_name(i) or i['InstanceId']}",
            "subnets": [i["SubnetId"]],
            "groups": [g["GroupId"] for g in i["SecurityGroups"]],
            "public_ip": bool(i.get("PublicIpAddress")),
            "needs": ["internet", "secretsmanager"],
        }
        for r in ec2.describe_instances(Filters=in_vpcs)["Reservations"]
        for i in r["Instances"]
        if i["State"]["Name"] in ("pending", "running", "stopped")
    ]


def _glue_connections(aws) -> list[dict]:
    """Glue connections in a VPC: the jobs and crawlers that use one reach S3 from its subnet."""
    workloads = []
    for connection in aws.glue.get_connections()["ConnectionList"]:
        placement = connection.get("PhysicalConnectionRequirements", {})
        if placement.get("SubnetId"):
            workloads.append(
                {
                    "name": f"Glue connection {connection['Name']}",
                    "subnets": [placement["SubnetId"]],
                    "groups": placement.get("SecurityGroupIdList", []),
                    "public_ip": False,
                    "needs": ["s3"],
                }
            )
    return workloads


def _name(resource: dict) -> str | None:
    return next((t["Value"] for t in resource.get("Tags", []) if t["Key"] == "Name"), None)


# --------------------------------------------------------------------------------------------------- deciding


def findings(account: dict) -> list[Finding]:
    """Every destination a workload of `account` needs and cannot reach, and every port its security groups
    open to an address range that the network ACLs keep that range from reaching, with why."""
    network = Network(account)
    found = []
    for workload in account["workloads"]:
        for subnet in workload["subnets"]:
            for need in workload["needs"]:
                why = network.blocked(workload, subnet, need)
                if why:
                    found.append(Finding(f"{workload['name']} (in {subnet})", _destination(need), why))
            for cidr, ports in network.served(workload):
                why = network.blocked_by_acls(subnet, cidr, ports, inbound=True, client_ports=ANY_CLIENT_PORTS)
                if why:
                    low, high = ports
                    found.append(Finding(cidr, f"{workload['name']} (in {subnet}) on TCP {low}-{high}", why))
    return found


def _destination(need: str) -> str:
    return {
        "internet": "the internet (Debian mirrors, GitHub releases, ArgoCD's manifest)",
        "s3": "S3",
        "ecr.api": "ECR (api)",
        "ecr.dkr": "ECR (dkr)",
        "secretsmanager": "Secrets Manager",
        "logs": "CloudWatch Logs",
        "ssm": "Systems Manager Parameter Store",
    }[need]


def _covers(cidr: str, target: str) -> bool:
    outer, inner = ipaddress.ip_network(cidr), ipaddress.ip_network(target)
    return outer.version == inner.version and inner.subnet_of(outer)


def _overlaps(cidr: str, target: str) -> bool:
    outer, inner = ipaddress.ip_network(cidr), ipaddress.ip_network(target)
    return outer.version == inner.version and outer.overlaps(inner)


def _opens(permission: dict, port: int) -> bool:
    if permission["IpProtocol"] == "-1":
        return True
    return permission["IpProtocol"] in ("tcp", "6") and permission["FromPort"] <= port <= permission["ToPort"]


def group_allows(rules: list[dict], port: int, cidr: str | None = None, groups=(), prefix_list=None) -> bool:
    """Whether security group rules let TCP `port` through to or from `cidr`, a member of `groups`, or the
    prefix list `prefix_list`."""
    for permission in rules:
        if not _opens(permission, port):
            continue
        if cidr and any(_covers(r["CidrIp"], cidr) for r in permission.get("IpRanges", [])):
            return True
        if any(pair["GroupId"] in groups for pair in permission.get("UserIdGroupPairs", [])):
            return True
        if prefix_list and any(p["PrefixListId"] == prefix_list for p in permission.get("PrefixListIds", [])):
            return True
    return False


def acl_allows_ports(entries: list[dict], egress: bool, ports: tuple[int, int], cidr: str, shut=()) -> bool:
    """Whether a network ACL lets every TCP port of the range `ports` but those of `shut` through: the decision
    only changes where a rule's range starts or ends, so those ports and the range's first one decide it."""
    low, high = ports
    edges = {low} | {e["ports"][0] for e in entries if e["ports"]} | {e["ports"][1] + 1 for e in entries if e["ports"]}
    edges |= {port + 1 for port in shut}
    return all(acl_allows(entries, egress, port, cidr) for port in edges if low <= port <= high and port not in shut)


def acl_allows(entries: list[dict], egress: bool, port: int, cidr: str) -> bool:
    """Whether a network ACL lets TCP `port` out to (egress) or in from every address of `cidr`: rules apply in
    the order of their numbers; one that covers all of `cidr` decides, a deny of part of it blocks, an allow of
    part of it (the VPC's own range within the internet's) leaves the rest to the rules after it."""
    for entry in sorted((e for e in entries if e["egress"] == egress), key=lambda e: e["number"]):
        protocol_matches = entry["protocol"] in ("-1", "6")
        port_matches = entry["ports"] is None or entry["ports"][0] <= port <= entry["ports"][1]
        if not (protocol_matches and port_matches and _overlaps(entry["cidr"], cidr)):
            continue
        if _covers(entry["cidr"], cidr) or not entry["allow"]:
            return entry["allow"]
    return False


class Network:
    """One account's network, indexed for following traffic through it."""

    def __init__(self, account: dict):
        self.region = account["region"]
        self.vpcs = {v["id"]: v for v in account["vpcs"]}
        self.subnets = {s["id"]: s for s in account["subnets"]}
        self.groups = {g["id"]: g for g in account["security_groups"]}
        self.tables = account["route_tables"]
        self.acls = account["network_acls"]
        self.endpoints = [e for e in account["endpoints"] if e["state"] == "available"]
        self.nats = {n["id"]: n for n in account["nat_gateways"] if n["state"] == "available"}
        self.igws = {g["id"]: g for g in account["internet_gateways"]}

    def route_table(self, subnet_id: str) -> dict:
        vpc = self.subnets[subnet_id]["vpc"]
        tables = [t for t in self.tables if t["vpc"] == vpc]
        return next((t for t in tables if subnet_id in t["subnets"]), None) or next(t for t in tables if t["main"])

    def acl(self, subnet_id: str) -> list[dict]:
        vpc = self.subnets[subnet_id]["vpc"]
        acls = [a for a in self.acls if a["vpc"] == vpc]
        return (next((a for a in acls if subnet_id in a["subnets"]), None) or next(a for a in acls if a["default"]))[
            "entries"
        ]

    def egress_rules(self, workload: dict) -> list[dict]:
        return [rule for group in workload["groups"] for rule in self.groups[group]["egress"]]

    def service_name(self, need: str) -> str:
        return f"com.amazonaws.{self.region}.{need}"

    def blocked(self, workload: dict, subnet_id: str, need: str) -> str | None:
        """Why `workload`, from `subnet_id`, cannot reach `need`; None when it can."""
        vpc = self.vpcs[self.subnets[subnet_id]["vpc"]]
        if need == "internet":
            return self.blocked_to_internet(workload, subnet_id, (HTTP, HTTPS))
        if need == "s3":
            gateway = next(
                (
                    e
                    for e in self.endpoints
                    if e["type"] == "Gateway"
                    and e["service"] == self.service_name("s3")
                    and self.route_table(subnet_id)["id"] in e["route_tables"]
                ),
                None,
            )
            if gateway:
                return self.blocked_to_gateway_endpoint(workload, subnet_id)
        interface = next(
            (
                e
                for e in self.endpoints
                if e["type"] == "Interface" and e["vpc"] == vpc["id"] and e["service"] == self.service_name(need)
            ),
            None,
        )
        # With private DNS the service's usual name resolves to the endpoint anywhere in the VPC; without it
        # clients keep using the public endpoint.
        # https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#private-dns
        if interface and interface["private_dns"] and vpc["dns"]:
            return self.blocked_to_interface_endpoint(workload, subnet_id, interface)
        why = self.blocked_to_internet(workload, subnet_id, (HTTPS,))
        if why and need != "s3":
            return f"no interface endpoint with private DNS for {self.service_name(need)}, and {why}"
        if why:
            return f"no S3 gateway endpoint on its route table ({S3_SETTING}), and {why}"
        return None

    def blocked_to_internet(self, workload: dict, subnet_id: str, ports) -> str | None:
        route = next((r for r in self.route_table(subnet_id)["routes"] if r["dest"] == INTERNET), None)
        if route is None or route["state"] != "active":
            return f"its route table has no route to the internet ({EGRESS_SETTING} decides the private subnets')"
        target = route["target"]
        if target in self.nats:
            # A NAT gateway sends on through its own subnet's route to an internet gateway.
            nat_subnet = self.nats[target]["subnet"]
            if not any(self.to_internet_gateway(r, nat_subnet) for r in self.route_table(nat_subnet)["routes"]):
                return f"its NAT gateway {target} is in a subnet without a route to an internet gateway"
            source = self.subnets[subnet_id]["cidr"]
            for port in ports:
                why = self.blocked_by_acls(nat_subnet, source, port, inbound=True) or self.blocked_by_acls(
                    nat_subnet, INTERNET, port, client_ports=NAT_CLIENT_PORTS, shut=NAT_PORTS_LEFT_SHUT
                )
                if why:
                    return f"through its NAT gateway {target}, {why}"
        elif self.to_internet_gateway(route, subnet_id):
            if not workload["public_ip"]:
                return "it routes to the internet gateway but has no public IP address"
        else:
            return (
                f"its route to the internet leads to {target}, neither a NAT gateway nor an attached internet gateway"
            )
        for port in ports:
            if not group_allows(self.egress_rules(workload), port, cidr=INTERNET):
                return f"its security groups {workload['groups']} let no TCP {port} out to the internet"
            why = self.blocked_by_acls(subnet_id, INTERNET, port)
            if why:
                return why
        return None

    def to_internet_gateway(self, route: dict, subnet_id: str) -> bool:
        target = route["target"]
        return (
            route["dest"] == INTERNET
            and route["state"] == "active"
            and target in self.igws
            and self.subnets[subnet_id]["vpc"] in self.igws[target]["vpcs"]
        )

    def blocked_to_gateway_endpoint(self, workload: dict, subnet_id: str) -> str | None:
        # The gateway's routes lead to S3's prefix list, whose addresses are public ones.
        if not (
            group_allows(self.egress_rules(workload), HTTPS, cidr=INTERNET)
            or group_allows(self.egress_rules(workload), HTTPS, prefix_list=self.s3_prefix_list(subnet_id))
        ):
            return f"its security groups {workload['groups']} let no HTTPS out to S3's prefix list"
        return self.blocked_by_acls(subnet_id, INTERNET, HTTPS)

    def s3_prefix_list(self, subnet_id: str) -> str | None:
        return next((r["dest"] for r in self.route_table(subnet_id)["routes"] if r["dest"].startswith("pl-")), None)

    def blocked_to_interface_endpoint(self, workload: dict, subnet_id: str, endpoint: dict) -> str | None:
        source = self.subnets[subnet_id]["cidr"]
        reasons = []
        # Any of the endpoint's network interfaces will do: its DNS name answers with all of them.
        for endpoint_subnet in endpoint["subnets"]:
            target = self.subnets[endpoint_subnet]["cidr"]
            ingress = [rule for group in endpoint["groups"] for rule in self.groups[group]["ingress"]]
            if not group_allows(self.egress_rules(workload), HTTPS, cidr=target, groups=endpoint["groups"]):
                reasons.append(f"its security groups {workload['groups']} let no HTTPS out to {target}")
            elif not group_allows(ingress, HTTPS, cidr=source, groups=workload["groups"]):
                reasons.append(f"the endpoint's security groups {endpoint['groups']} admit no HTTPS from {source}")
            else:
                why = self.blocked_by_acls(subnet_id, target, HTTPS) or self.blocked_by_acls(
                    endpoint_subnet, source, HTTPS, inbound=True
                )
                if not why:
                    return None
                reasons.append(why)
        return f"through its endpoint {endpoint['id']}, " + ("; ".join(sorted(set(reasons))) or "which has no subnet")

    def served(self, workload: dict) -> list[tuple[str, tuple[int, int]]]:
        """The (address range, TCP ports) its security groups admit connections from."""
        return [
            (r["CidrIp"], (permission.get("FromPort", 0), permission.get("ToPort", 65535)))
            for group in workload["groups"]
            for permission in self.groups[group]["ingress"]
            if permission["IpProtocol"] in ("tcp", "6", "-1")
            for r in permission.get("IpRanges", [])
        ]

    def blocked_by_acls(
        self,
        subnet_id: str,
        peer: str,
        port: int | tuple[int, int],
        inbound: bool = False,
        client_ports: tuple[int, int] = LINUX_CLIENT_PORTS,
        shut=(),
    ) -> str | None:
        """Why the network ACL of `subnet_id` stops a TCP connection to `port` (or ports) of `peer` (or,
        `inbound`, from `peer` to `port` here), its request or its reply to the client's `client_ports` but
        those of `shut`."""
        entries = self.acl(subnet_id)
        ports = port if isinstance(port, tuple) else (port, port)
        if not acl_allows_ports(entries, egress=not inbound, ports=ports, cidr=peer):
            direction = f"in from {peer}" if inbound else f"out to {peer}"
            shown = str(port) if isinstance(port, int) else f"{ports[0]}-{ports[1]}"
            return f"the network ACL of {subnet_id} lets no TCP {shown} {direction}"
        if not acl_allows_ports(entries, egress=inbound, ports=client_ports, cidr=peer, shut=shut):
            low, high = client_ports
            return f"the network ACL of {subnet_id} stops the replies (TCP {low}-{high}) of {peer}"
        return None
