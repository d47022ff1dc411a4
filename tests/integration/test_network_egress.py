"""An egress turned off removes what it made: moving the private subnets from a NAT gateway to the interface
endpoints deletes the NAT gateway the role made, releases its Elastic IP and drops the private route to it, says
so in check mode first, and the rerun changes nothing. A NAT gateway someone else made in the VPC (by hand, or
Terraform's in an adopted VPC) is not the role's to delete. The network role alone, against a fresh emulator."""

from __future__ import annotations

import json

import pytest

from support.aws import Aws
from support.emulator import running_emulator

pytestmark = [pytest.mark.slow, pytest.mark.extended]

NETWORK = ("playbooks/cloud.yml", "-i", "inventories/local", "--tags", "network")
NAT_GATEWAY = ("-e", "network_private_egress=nat_gateway")
ENDPOINTS = ("-e", "network_private_egress=endpoints")
# platform_prefix in inventories/local.
PREFIX = "dataeng-local"


def live_nat_gateways(aws: Aws) -> list[dict]:
    """The NAT gateways that bill: those not deleting or deleted."""
    return aws.ec2.describe_nat_gateways(Filters=[{"Name": "state", "Values": ["pending", "available"]}])["NatGateways"]


def make_foreign_nat_gateway(aws: Aws) -> dict:
    """A NAT gateway with an address of its own in the second public subnet, as a user or Terraform makes one."""
    (subnet,) = aws.ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-public-b"]}])["Subnets"]
    allocation = aws.ec2.allocate_address(Domain="vpc")
    return aws.ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], AllocationId=allocation["AllocationId"])[
        "NatGateway"
    ]


def private_default_routes(aws: Aws) -> list[dict]:
    tables = aws.ec2.describe_route_tables(Filters=[{"Name": "tag:Tier", "Values": ["private"]}])["RouteTables"]
    return [route for table in tables for route in table["Routes"] if route.get("DestinationCidrBlock") == "0.0.0.0/0"]


def planned_changes(json_output: str) -> list[dict]:
    """Every resource change the run's tasks reported under `planned` (the ansible.posix.json callback's output;
    a loop's task has one result per item)."""
    report = json.loads(json_output[json_output.index("{") :])
    return [
        change
        for play in report["plays"]
        for task in play["tasks"]
        for result in task["hosts"].values()
        for item in result.get("results", [result])
        for change in item.get("planned", [])
    ]


def test_moving_from_a_nat_gateway_to_endpoints_removes_the_gateway_and_its_address(playbook, tmp_path):
    with running_emulator(tmp_path / "emulator") as emulator:
        env = playbook.environment(**emulator.environment())
        aws = Aws(emulator)
        with_nat = playbook.run(*NETWORK, *NAT_GATEWAY, env=env)
        assert with_nat.returncode == 0, with_nat.output[-3000:]
        nat_gateways = live_nat_gateways(aws)
        assert len(nat_gateways) == 1, nat_gateways
        address = nat_gateways[0]["NatGatewayAddresses"][0]["PublicIp"]
        assert [route.get("NatGatewayId") for route in private_default_routes(aws)] == [nat_gateways[0]["NatGatewayId"]]

        foreign = make_foreign_nat_gateway(aws)

        check = playbook.run(
            *NETWORK,
            *ENDPOINTS,
            "--check",
            env=playbook.environment(**emulator.environment(), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"),
        )
        assert check.returncode == 0, check.output[-3000:]
        assert len(live_nat_gateways(aws)) == 2, "check mode deleted a NAT gateway"
        deletes = [change for change in planned_changes(check.output) if change["action"] == "delete"]

        to_endpoints = playbook.run(*NETWORK, *ENDPOINTS, env=env)
        assert to_endpoints.returncode == 0, to_endpoints.output[-3000:]
        left_nat_gateways = live_nat_gateways(aws)
        left_addresses = aws.ec2.describe_addresses()["Addresses"]
        left_routes = private_default_routes(aws)
        rerun = playbook.run(*NETWORK, *ENDPOINTS, env=env)

    assert [nat["NatGatewayId"] for nat in left_nat_gateways] == [foreign["NatGatewayId"]]
    assert [allocated["AllocationId"] for allocated in left_addresses] == [
        foreign["NatGatewayAddresses"][0]["AllocationId"]
    ]
    assert left_routes == []
    assert [(change["kind"], change["name"]) for change in deletes] == [("NAT gateway", f"{PREFIX}-nat")], deletes
    assert address in deletes[0]["note"], deletes
    assert rerun.returncode == 0, rerun.output[-3000:]
    assert rerun.totals()["changed"] == 0, rerun.output[-3000:]
