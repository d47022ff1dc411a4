"""ec2_vpc_subnets against the emulator: check mode, create, no-op rerun, drift repaired, a zone never moved,
deletion."""

from __future__ import annotations

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
MODULE = "dataeng.platform.ec2_vpc_subnets"


@pytest.fixture
def vpc(aws_emulator):
    aws = Aws(aws_emulator)
    vpc_id = aws.ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    yield aws, vpc_id
    for subnet in subnets_of(aws, vpc_id).values():
        aws.ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    aws.ec2.delete_vpc(VpcId=vpc_id)


def subnets_of(aws, vpc_id: str) -> dict:
    found = aws.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    return {subnet["CidrBlock"]: subnet for subnet in found}


def test_subnets_converge_in_one_task(aws_emulator, vpc):
    aws, vpc_id = vpc
    args = {
        "vpc_id": vpc_id,
        "subnets": [
            {"cidr": "10.50.1.0/24", "az": "us-east-2a", "map_public": True, "tags": {"Tier": "public"}},
            {"cidr": "10.50.10.0/24", "az": "us-east-2b", "tags": {"Tier": "private"}},
        ],
    }

    planned = run_module(aws_emulator, MODULE, args, check=True, diff=True)
    assert planned["changed"] is True, planned.get("msg")
    assert planned["actions"] == [
        "10.50.1.0/24: create_subnet",
        "10.50.1.0/24: modify_subnet_attribute",
        "10.50.10.0/24: create_subnet",
    ]
    assert planned["diff"]["after"]["10.50.1.0/24"]["availability_zone"] == "us-east-2a"
    assert subnets_of(aws, vpc_id) == {}

    created = run_module(aws_emulator, MODULE, args)
    assert created["changed"] is True, created.get("msg")
    found = subnets_of(aws, vpc_id)
    public, private = found["10.50.1.0/24"], found["10.50.10.0/24"]
    assert (public["AvailabilityZone"], public["MapPublicIpOnLaunch"]) == ("us-east-2a", True)
    assert (private["AvailabilityZone"], private["MapPublicIpOnLaunch"]) == ("us-east-2b", False)
    assert {tag["Key"]: tag["Value"] for tag in private["Tags"]} == {"Tier": "private"}
    assert [subnet["id"] for subnet in created["subnets"]] == [public["SubnetId"], private["SubnetId"]]

    rerun = run_module(aws_emulator, MODULE, args)
    assert rerun["changed"] is False
    assert rerun["subnets"] == created["subnets"]

    # By hand: public IPs on in the private subnet, an extra tag on the public one.
    aws.ec2.modify_subnet_attribute(SubnetId=private["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    aws.ec2.create_tags(Resources=[public["SubnetId"]], Tags=[{"Key": "Owner", "Value": "someone"}])
    repaired = run_module(aws_emulator, MODULE, args, diff=True)
    assert repaired["actions"] == ["10.50.1.0/24: delete_tags", "10.50.10.0/24: modify_subnet_attribute"]
    assert repaired["diff"]["before"]["10.50.10.0/24"]["map_public_ip_on_launch"] is True
    found = subnets_of(aws, vpc_id)
    assert found["10.50.10.0/24"]["MapPublicIpOnLaunch"] is False
    assert {tag["Key"] for tag in found["10.50.1.0/24"]["Tags"]} == {"Tier"}

    moved = {**args, "subnets": [{**args["subnets"][0], "az": "us-east-2c"}, {**args["subnets"][1], "tags": {}}]}
    refused = run_module(aws_emulator, MODULE, moved)
    assert refused.get("failed") is True
    assert "10.50.1.0/24" in refused["msg"]
    assert "AWS cannot move a subnet" in refused["msg"]
    # Refused before any change: the other subnet keeps its tags.
    assert subnets_of(aws, vpc_id)["10.50.10.0/24"]["Tags"]

    cidrs = {"vpc_id": vpc_id, "state": "absent", "subnets": [{"cidr": "10.50.10.0/24"}, {"cidr": "10.50.99.0/24"}]}
    deleted = run_module(aws_emulator, MODULE, cidrs)
    assert deleted["actions"] == ["10.50.10.0/24: delete_subnet"]
    assert set(subnets_of(aws, vpc_id)) == {"10.50.1.0/24"}
    assert run_module(aws_emulator, MODULE, cidrs)["changed"] is False
