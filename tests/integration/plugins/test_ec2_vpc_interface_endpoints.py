"""ec2_vpc_interface_endpoints against the emulator: check mode, create with private DNS, no-op rerun, subnets,
groups and tags repaired in place, deletion."""

from __future__ import annotations

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
MODULE = "dataeng.platform.ec2_vpc_interface_endpoints"
ECR_API = "com.amazonaws.us-east-2.ecr.api"
LOGS = "com.amazonaws.us-east-2.logs"


@pytest.fixture
def vpc(aws_emulator):
    aws = Aws(aws_emulator)
    vpc_id = aws.ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        aws.ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.60.{n}.0/24", AvailabilityZone=f"us-east-2{zone}")["Subnet"][
            "SubnetId"
        ]
        for n, zone in ((1, "a"), (2, "b"))
    ]
    groups = [
        aws.ec2.create_security_group(VpcId=vpc_id, GroupName=name, Description=name)["GroupId"]
        for name in ("endpoints", "other")
    ]
    yield aws, vpc_id, subnets, groups
    for endpoint in endpoints_of(aws, vpc_id).values():
        aws.ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
    for group in groups:
        aws.ec2.delete_security_group(GroupId=group)
    for subnet in subnets:
        aws.ec2.delete_subnet(SubnetId=subnet)
    aws.ec2.delete_vpc(VpcId=vpc_id)


def endpoints_of(aws, vpc_id: str) -> dict:
    found = aws.ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    return {e["ServiceName"]: e for e in found if e["State"] not in ("deleting", "deleted")}


def test_interface_endpoints_converge_in_one_task(aws_emulator, vpc):
    aws, vpc_id, subnets, (group, other_group) = vpc
    args = {
        "vpc_id": vpc_id,
        "endpoints": [
            {"service": service, "subnets": subnets, "security_groups": [group], "tags": {"Name": service}}
            for service in (ECR_API, LOGS)
        ],
    }

    planned = run_module(aws_emulator, MODULE, args, check=True, diff=True)
    assert planned["changed"] is True, planned.get("msg")
    assert planned["actions"] == [f"{ECR_API}: create_vpc_endpoint", f"{LOGS}: create_vpc_endpoint"]
    assert planned["diff"]["after"][LOGS]["subnet_ids"] == sorted(subnets)
    assert endpoints_of(aws, vpc_id) == {}

    created = run_module(aws_emulator, MODULE, args)
    assert created["changed"] is True, created.get("msg")
    found = endpoints_of(aws, vpc_id)
    assert set(found) == {ECR_API, LOGS}
    for endpoint in found.values():
        assert endpoint["VpcEndpointType"] == "Interface"
        assert endpoint["PrivateDnsEnabled"] is True
        assert sorted(endpoint["SubnetIds"]) == sorted(subnets)
        assert [g["GroupId"] for g in endpoint["Groups"]] == [group]
    assert [e["id"] for e in created["endpoints"]] == [found[ECR_API]["VpcEndpointId"], found[LOGS]["VpcEndpointId"]]
    assert all(e["state"] == "available" for e in created["endpoints"])

    rerun = run_module(aws_emulator, MODULE, args)
    assert rerun["changed"] is False, rerun["actions"]
    assert rerun["endpoints"] == created["endpoints"]

    # By hand: one zone dropped and a second group added to the ECR endpoint, a tag added to the logs one.
    ecr_id = found[ECR_API]["VpcEndpointId"]
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=ecr_id, RemoveSubnetIds=[subnets[1]], AddSecurityGroupIds=[other_group])
    aws.ec2.create_tags(Resources=[found[LOGS]["VpcEndpointId"]], Tags=[{"Key": "Owner", "Value": "someone"}])
    assert run_module(aws_emulator, MODULE, args, check=True)["actions"] == [
        f"{ECR_API}: modify_vpc_endpoint",
        f"{LOGS}: delete_tags",
    ]
    repaired = run_module(aws_emulator, MODULE, args, diff=True)
    assert repaired["changed"] is True
    assert repaired["diff"]["before"][ECR_API]["subnet_ids"] == [subnets[0]]
    found = endpoints_of(aws, vpc_id)
    assert sorted(found[ECR_API]["SubnetIds"]) == sorted(subnets)
    assert [g["GroupId"] for g in found[ECR_API]["Groups"]] == [group]
    assert {tag["Key"] for tag in found[LOGS]["Tags"]} == {"Name"}
    assert run_module(aws_emulator, MODULE, args)["changed"] is False

    services = {
        "vpc_id": vpc_id,
        "state": "absent",
        "endpoints": [{"service": LOGS}, {"service": "com.amazonaws.us-east-2.sts"}],
    }
    assert run_module(aws_emulator, MODULE, services, check=True)["actions"] == [f"{LOGS}: delete_vpc_endpoints"]
    assert set(endpoints_of(aws, vpc_id)) == {ECR_API, LOGS}
    deleted = run_module(aws_emulator, MODULE, services)
    assert deleted["actions"] == [f"{LOGS}: delete_vpc_endpoints"]
    assert set(endpoints_of(aws, vpc_id)) == {ECR_API}
    assert run_module(aws_emulator, MODULE, services)["changed"] is False
