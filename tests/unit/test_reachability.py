"""The reachability check's decisions (support/reachability.py) on hand-built accounts: the platform's network with
each way out of the private subnets, and each thing that can stop traffic on the way."""

from __future__ import annotations

import copy

import pytest

from support import reachability

REGION = "us-east-2"
ALL_OUT = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "UserIdGroupPairs": [], "PrefixListIds": []}]
HTTPS_FROM_VPC = [
    {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
        "UserIdGroupPairs": [],
    }
]
OPEN_ACL = [
    {"egress": egress, "number": number, "protocol": "-1", "cidr": "0.0.0.0/0", "ports": None, "allow": allow}
    for egress in (True, False)
    for number, allow in ((100, True), (32767, False))
]
ECS_NEEDS = ["ecr.api", "ecr.dkr", "logs", "s3", "secretsmanager"]
INTERFACE_SERVICES = ("ecr.api", "ecr.dkr", "secretsmanager", "logs")


def _interface(service: str) -> dict:
    return {
        "id": f"vpce-{service}",
        "vpc": "vpc-1",
        "type": "Interface",
        "service": f"com.amazonaws.{REGION}.{service}",
        "state": "available",
        "subnets": ["subnet-private-a", "subnet-private-b"],
        "groups": ["sg-endpoints"],
        "private_dns": True,
        "route_tables": [],
    }


def seed_account(egress: str = "endpoints") -> dict:
    """The network the platform converges with `network_private_egress: <egress>`, an ECS service and a host."""
    private_routes = [{"dest": "pl-s3", "target": "vpce-s3", "state": "active"}]
    if egress == "nat_gateway":
        private_routes.append({"dest": "0.0.0.0/0", "target": "nat-1", "state": "active"})
    return {
        "region": REGION,
        "vpcs": [{"id": "vpc-1", "cidr": "10.0.0.0/16", "dns": True}],
        "subnets": [
            {"id": "subnet-public-a", "vpc": "vpc-1", "cidr": "10.0.1.0/24", "public_ips": True},
            {"id": "subnet-public-b", "vpc": "vpc-1", "cidr": "10.0.2.0/24", "public_ips": True},
            {"id": "subnet-private-a", "vpc": "vpc-1", "cidr": "10.0.10.0/24", "public_ips": False},
            {"id": "subnet-private-b", "vpc": "vpc-1", "cidr": "10.0.20.0/24", "public_ips": False},
        ],
        "route_tables": [
            {"id": "rtb-main", "vpc": "vpc-1", "main": True, "subnets": [], "routes": []},
            {
                "id": "rtb-public",
                "vpc": "vpc-1",
                "main": False,
                "subnets": ["subnet-public-a", "subnet-public-b"],
                "routes": [
                    {"dest": "0.0.0.0/0", "target": "igw-1", "state": "active"},
                    {"dest": "pl-s3", "target": "vpce-s3", "state": "active"},
                ],
            },
            {
                "id": "rtb-private",
                "vpc": "vpc-1",
                "main": False,
                "subnets": ["subnet-private-a", "subnet-private-b"],
                "routes": private_routes,
            },
        ],
        "network_acls": [{"vpc": "vpc-1", "subnets": [], "default": True, "entries": copy.deepcopy(OPEN_ACL)}],
        "security_groups": [
            {"id": "sg-app", "name": "app", "ingress": [], "egress": copy.deepcopy(ALL_OUT)},
            {"id": "sg-host", "name": "bastion", "ingress": [], "egress": copy.deepcopy(ALL_OUT)},
            {"id": "sg-endpoints", "name": "endpoints", "ingress": copy.deepcopy(HTTPS_FROM_VPC), "egress": []},
        ],
        "endpoints": [
            {
                "id": "vpce-s3",
                "vpc": "vpc-1",
                "type": "Gateway",
                "service": f"com.amazonaws.{REGION}.s3",
                "state": "available",
                "subnets": [],
                "groups": [],
                "private_dns": False,
                "route_tables": ["rtb-public", "rtb-private"],
            }
        ]
        + ([_interface(service) for service in INTERFACE_SERVICES] if egress == "endpoints" else []),
        "nat_gateways": [{"id": "nat-1", "subnet": "subnet-public-a", "state": "available"}]
        if egress == "nat_gateway"
        else [],
        "internet_gateways": [{"id": "igw-1", "vpcs": ["vpc-1"]}],
        "workloads": [
            {
                "name": "ECS service data-processing",
                "subnets": ["subnet-private-a", "subnet-private-b"],
                "groups": ["sg-app"],
                "public_ip": False,
                "needs": ECS_NEEDS,
            },
            {
                "name": "host bastion",
                "subnets": ["subnet-public-a"],
                "groups": ["sg-host"],
                "public_ip": True,
                "needs": ["internet", "secretsmanager"],
            },
        ],
    }


def messages(account: dict) -> list[str]:
    return [str(finding) for finding in reachability.findings(account)]


@pytest.mark.parametrize("egress", ["endpoints", "nat_gateway"])
def test_every_workload_reaches_what_it_needs_with_either_way_out(egress):
    assert messages(seed_account(egress)) == []


def test_no_way_out_leaves_the_ecs_tasks_without_ecr_secrets_and_logs_naming_the_setting():
    found = reachability.findings(seed_account("none"))
    ecs = [f for f in found if f.workload.startswith("ECS service data-processing")]
    # S3 still answers through the gateway endpoint; everything else is cut off, in both subnets.
    assert sorted({f.destination for f in ecs}) == ["CloudWatch Logs", "ECR (api)", "ECR (dkr)", "Secrets Manager"]
    assert len(ecs) == 8
    assert all("network_private_egress" in f.why and "no route to the internet" in f.why for f in ecs)
    assert "com.amazonaws.us-east-2.ecr.dkr" in next(f.why for f in ecs if f.destination == "ECR (dkr)")
    # The host in the public subnet gets out through the internet gateway.
    assert all(f.workload.startswith("ECS") for f in found)


def test_an_endpoint_without_private_dns_is_not_used():
    account = seed_account()
    next(e for e in account["endpoints"] if e["service"].endswith(".logs"))["private_dns"] = False
    assert [(f.destination, f.why.split(",")[0]) for f in reachability.findings(account)] == [
        ("CloudWatch Logs", "no interface endpoint with private DNS for com.amazonaws.us-east-2.logs")
    ] * 2


def test_an_endpoint_group_that_admits_only_the_private_subnets_shuts_the_hosts_out_of_secrets_manager():
    account = seed_account()
    endpoints = next(g for g in account["security_groups"] if g["id"] == "sg-endpoints")
    endpoints["ingress"][0]["IpRanges"] = [{"CidrIp": "10.0.10.0/24"}, {"CidrIp": "10.0.20.0/24"}]
    assert messages(account) == [
        "host bastion (in subnet-public-a) cannot reach Secrets Manager: through its endpoint vpce-secretsmanager, "
        "the endpoint's security groups ['sg-endpoints'] admit no HTTPS from 10.0.1.0/24"
    ]


def test_an_endpoint_group_may_admit_the_app_group_instead_of_addresses():
    account = seed_account()
    endpoints = next(g for g in account["security_groups"] if g["id"] == "sg-endpoints")
    endpoints["ingress"][0]["IpRanges"] = []
    endpoints["ingress"][0]["UserIdGroupPairs"] = [{"GroupId": "sg-app"}]
    assert {f.workload.split(" (")[0] for f in reachability.findings(account)} == {"host bastion"}


def test_closed_group_egress_is_named():
    account = seed_account()
    next(g for g in account["security_groups"] if g["id"] == "sg-app")["egress"] = []
    found = reachability.findings(account)
    assert {f.destination for f in found} == {"CloudWatch Logs", "ECR (api)", "ECR (dkr)", "S3", "Secrets Manager"}
    assert "its security groups ['sg-app'] let no HTTPS out to 10.0.10.0/24" in found[0].why


def test_a_network_acl_denying_the_replies_is_named():
    account = seed_account("nat_gateway")
    acl = {
        "vpc": "vpc-1",
        "subnets": ["subnet-private-a"],
        "default": False,
        "entries": [
            {"egress": True, "number": 100, "protocol": "6", "cidr": "0.0.0.0/0", "ports": [443, 443], "allow": True},
            {
                "egress": False,
                "number": 100,
                "protocol": "6",
                "cidr": "10.0.0.0/16",
                "ports": [0, 65535],
                "allow": True,
            },
        ],
    }
    account["network_acls"].append(acl)
    found = reachability.findings(account)
    assert {f.workload for f in found} == {"ECS service data-processing (in subnet-private-a)"}
    assert all(
        "the network ACL of subnet-private-a stops the replies (TCP 32768-60999) of 0.0.0.0/0" in f.why for f in found
    )


def test_a_nat_gateway_in_a_private_subnet_does_not_reach_the_internet():
    account = seed_account("nat_gateway")
    account["nat_gateways"][0]["subnet"] = "subnet-private-b"
    found = reachability.findings(account)
    assert found
    assert all("its NAT gateway nat-1 is in a subnet without a route to an internet gateway" in f.why for f in found)


def test_a_host_without_a_public_address_cannot_use_the_internet_gateway():
    account = seed_account()
    account["workloads"][1]["public_ip"] = False
    assert messages(account) == [
        "host bastion (in subnet-public-a) cannot reach the internet (Debian mirrors, GitHub releases, ArgoCD's "
        "manifest): it routes to the internet gateway but has no public IP address"
    ]


def test_without_the_s3_gateway_endpoint_the_image_layers_need_a_way_out():
    account = seed_account()
    account["endpoints"] = [e for e in account["endpoints"] if e["type"] != "Gateway"]
    found = reachability.findings(account)
    assert {f.destination for f in found} == {"S3"}
    assert "network_s3_endpoint_enabled" in found[0].why


def test_task_needs_follow_the_container_definitions():
    container = {
        "image": "123456789012.dkr.ecr.us-east-2.amazonaws.com/data-jobs:latest",
        "secrets": [{"name": "API_KEY", "valueFrom": "arn:aws:secretsmanager:us-east-2:123456789012:secret:app"}],
        "logConfiguration": {"logDriver": "awslogs"},
    }
    assert reachability.task_needs([container]) == ECS_NEEDS
    assert reachability.task_needs([{"image": "public.ecr.aws/nginx/nginx:1"}]) == []
    assert reachability.task_needs([{"image": "busybox", "secrets": [{"valueFrom": "/app/key"}]}]) == ["ssm"]


def _entry(egress: bool, number: int, cidr: str, ports=None, protocol: str = "6") -> dict:
    return {"egress": egress, "number": number, "protocol": protocol, "cidr": cidr, "ports": ports, "allow": True}


def platform_acls(egress: str, admin_cidr: str | None = None) -> list[dict]:
    """The network ACLs the network role puts on the platform's subnets (roles/network/vars/main.yml)."""
    vpc = _entry(False, 100, "10.0.0.0/16", protocol="-1")
    admin = [_entry(False, 200, admin_cidr, [0, 65535])] if admin_cidr else []
    web = [_entry(False, 300, "0.0.0.0/0", [80, 80]), _entry(False, 301, "0.0.0.0/0", [443, 443])]
    replies = [[1024, 3388], [3390, 65535]] if egress == "nat_gateway" else [[32768, 65535]]
    out = _entry(True, 100, "0.0.0.0/0", protocol="-1")
    return [
        {
            "vpc": "vpc-1",
            "subnets": ["subnet-public-a", "subnet-public-b"],
            "default": False,
            "entries": [
                vpc,
                *admin,
                *web,
                *(_entry(False, 400 + i, "0.0.0.0/0", r) for i, r in enumerate(replies)),
                out,
            ],
        },
        {
            "vpc": "vpc-1",
            "subnets": ["subnet-private-a", "subnet-private-b"],
            "default": False,
            "entries": [vpc, _entry(False, 400, "0.0.0.0/0", [32768, 65535]), out],
        },
    ]


SSH_FROM_ADMINS = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
    "UserIdGroupPairs": [],
}


@pytest.mark.parametrize("egress", ["endpoints", "nat_gateway"])
def test_the_platforms_network_acls_let_every_workload_through_and_the_admins_in(egress):
    account = seed_account(egress)
    account["network_acls"] += platform_acls(egress, admin_cidr="203.0.113.0/24")
    account["security_groups"][1]["ingress"].append(copy.deepcopy(SSH_FROM_ADMINS))
    assert messages(account) == []


def test_a_network_acl_that_shuts_a_port_the_security_groups_serve_is_named():
    account = seed_account()
    account["network_acls"] += platform_acls("endpoints")
    account["security_groups"][1]["ingress"].append(copy.deepcopy(SSH_FROM_ADMINS))
    assert messages(account) == [
        "203.0.113.0/24 cannot reach host bastion (in subnet-public-a) on TCP 22-22: "
        "the network ACL of subnet-public-a lets no TCP 22-22 in from 203.0.113.0/24"
    ]


def test_a_nat_gateway_subnet_admitting_only_linux_reply_ports_stops_the_nat_replies():
    # The endpoints' ACLs under a NAT gateway: the gateway opens its connections from 1024-65535.
    account = seed_account("nat_gateway")
    account["network_acls"] += platform_acls("endpoints")
    found = reachability.findings(account)
    assert {f.destination for f in found} == {"ECR (api)", "ECR (dkr)", "Secrets Manager", "CloudWatch Logs"}
    assert all(
        "through its NAT gateway nat-1, the network ACL of subnet-public-a stops the replies (TCP 1024-65535)" in f.why
        for f in found
    ), found
