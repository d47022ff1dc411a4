"""ec2_vpc_route_tables against the emulator: check mode, create, no-op rerun, a subnet moved from another table,
drift repaired, deletion."""

from __future__ import annotations

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
MODULE = "dataeng.platform.ec2_vpc_route_tables"


@pytest.fixture
def network(aws_emulator):
    aws = Aws(aws_emulator)
    vpc_id = aws.ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    igw = aws.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    subnets = [
        aws.ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr)["Subnet"]["SubnetId"]
        for cidr in ("10.60.1.0/24", "10.60.2.0/24", "10.60.10.0/24")
    ]
    yield aws, vpc_id, igw, subnets
    for table in tables_of(aws, vpc_id).values():
        for association in table["Associations"]:
            if not association["Main"]:
                aws.ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
        aws.ec2.delete_route_table(RouteTableId=table["RouteTableId"])
    for subnet in subnets:
        aws.ec2.delete_subnet(SubnetId=subnet)
    aws.ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    aws.ec2.delete_internet_gateway(InternetGatewayId=igw)
    aws.ec2.delete_vpc(VpcId=vpc_id)


def tables_of(aws, vpc_id: str) -> dict:
    """The VPC's tables but the main one, by Name tag."""
    found = aws.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    return {
        {tag["Key"]: tag["Value"] for tag in table.get("Tags", [])}.get("Name", table["RouteTableId"]): table
        for table in found
        if not any(association["Main"] for association in table.get("Associations", []))
    }


def test_route_tables_converge_in_one_task(aws_emulator, network):
    aws, vpc_id, igw, (public_a, public_b, private) = network
    # Another table holds a subnet the public table is to have.
    by_hand = aws.ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    aws.ec2.associate_route_table(RouteTableId=by_hand, SubnetId=public_b)
    args = {
        "vpc_id": vpc_id,
        "route_tables": [
            {
                "name": "it-public",
                "routes": [{"dest": "0.0.0.0/0", "gateway_id": igw}],
                "subnets": [public_a, public_b],
                "tags": {"Tier": "public"},
            },
            {"name": "it-private", "subnets": [private], "tags": {"Tier": "private"}},
        ],
    }

    planned = run_module(aws_emulator, MODULE, args, check=True, diff=True)
    assert planned["actions"] == [
        "it-public: create_route_table",
        "it-public: create_route 0.0.0.0/0",
        f"it-public: associate_route_table {public_a}",
        f"it-public: replace_route_table_association {public_b}",
        "it-private: create_route_table",
        f"it-private: associate_route_table {private}",
    ], planned.get("msg")
    assert set(tables_of(aws, vpc_id)) == {by_hand}

    created = run_module(aws_emulator, MODULE, args)
    assert created["changed"] is True, created.get("msg")
    tables = tables_of(aws, vpc_id)
    public = tables["it-public"]
    assert {(r["DestinationCidrBlock"], r["GatewayId"]) for r in public["Routes"]} == {
        ("10.60.0.0/16", "local"),
        ("0.0.0.0/0", igw),
    }
    assert {a["SubnetId"] for a in public["Associations"]} == {public_a, public_b}
    assert {a.get("SubnetId") for a in tables["it-private"]["Associations"]} == {private}
    assert tables[by_hand]["Associations"] == []
    assert [table["id"] for table in created["route_tables"]] == [
        public["RouteTableId"],
        tables["it-private"]["RouteTableId"],
    ]

    rerun = run_module(aws_emulator, MODULE, args)
    assert rerun["changed"] is False
    assert rerun["route_tables"] == created["route_tables"]

    # By hand: the default route deleted, a tag added.
    aws.ec2.delete_route(RouteTableId=public["RouteTableId"], DestinationCidrBlock="0.0.0.0/0")
    aws.ec2.create_tags(Resources=[public["RouteTableId"]], Tags=[{"Key": "Owner", "Value": "someone"}])
    repaired = run_module(aws_emulator, MODULE, args)
    assert repaired["actions"] == ["it-public: create_route 0.0.0.0/0", "it-public: delete_tags"]
    assert repaired["route_tables"][0]["routes"]["0.0.0.0/0"] == igw
    public = tables_of(aws, vpc_id)["it-public"]
    assert {(r["DestinationCidrBlock"], r["GatewayId"]) for r in public["Routes"]} == {
        ("10.60.0.0/16", "local"),
        ("0.0.0.0/0", igw),
    }
    assert {tag["Key"]: tag["Value"] for tag in public["Tags"]} == {"Name": "it-public", "Tier": "public"}

    deleted = run_module(aws_emulator, MODULE, {**args, "state": "absent"})
    assert deleted["actions"] == [
        *(f"it-public: disassociate_route_table {subnet}" for subnet in sorted([public_a, public_b])),
        "it-public: delete_route_table",
        f"it-private: disassociate_route_table {private}",
        "it-private: delete_route_table",
    ]
    assert set(tables_of(aws, vpc_id)) == {by_hand}
    assert run_module(aws_emulator, MODULE, {**args, "state": "absent"})["changed"] is False
