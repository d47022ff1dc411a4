"""How `account.unread` decides whether the inventory holds what a request set, on hand-built
inventories and requests (tests/integration/test_account.py runs it on a whole converge)."""

from __future__ import annotations

import pytest

from support import account
from support.contract import Call

VPC_ID = "vpc-0123456789abcdef0"
IDS = {VPC_ID: "vpc:platform"}


def inventory(**vpc) -> dict:
    return account.normalised({"vpcs": [{"name": "platform", "cidr": "10.0.0.0/16", **vpc}]}, IDS)


def modify_vpc(**attribute) -> Call:
    return Call("ec2", "ModifyVpcAttribute", {"Action": "ModifyVpcAttribute", "VpcId": VPC_ID, **attribute})


def test_a_setting_the_inventory_does_not_read_is_named():
    request = modify_vpc(EnableDnsHostnames={"Value": "true"})
    assert account.unread(inventory(), [request], IDS) == [
        "ec2 ModifyVpcAttribute vpc:platform: EnableDnsHostnames=true"
    ]
    assert account.unread(inventory(EnableDnsHostnames=True), [request], IDS) == []


def test_a_value_like_true_counts_only_under_its_own_name():
    request = modify_vpc(EnableDnsHostnames={"Value": "true"})
    assert account.unread(inventory(EnableDnsSupport=True), [request], IDS) == [
        "ec2 ModifyVpcAttribute vpc:platform: EnableDnsHostnames=true"
    ]


def test_a_value_counts_only_on_the_resource_the_request_is_about():
    request = Call("glue", "CreateJob", {"Name": "job", "Tags": {"Environment": "local"}})
    elsewhere = {
        "glue": {"jobs": [{"Name": "job"}], "crawlers": [{"Name": "crawler", "Tags": {"Environment": "local"}}]}
    }
    assert account.unread(elsewhere, [request], {}) == ["glue CreateJob job: Environment=local"]


def test_tags_compare_whatever_form_each_api_gives_them():
    request = Call("glue", "CreateJob", {"Name": "job", "Tags": {"Environment": "local"}})
    read = {"glue": {"jobs": [{"Name": "job", "tags": [{"Key": "Environment", "Value": "local"}]}]}}
    assert account.unread(read, [request], {}) == []


def test_a_setting_aws_reads_back_as_another_attribute():
    request = Call("glue", "CreateTrigger", {"Name": "trigger", "StartOnCreation": True})
    assert account.unread({"glue": {"triggers": [{"Name": "trigger"}]}}, [request], {}) == [
        "glue CreateTrigger trigger: State=ACTIVATED"
    ]
    assert account.unread({"glue": {"triggers": [{"Name": "trigger", "State": "ACTIVATED"}]}}, [request], {}) == []


def test_left_out_parameters_and_reads_are_not_looked_for():
    requests = [
        Call(
            "ec2",
            "CreateVpc",
            {
                "Action": "CreateVpc",
                "ClientToken": "abc",
                "CidrBlock": "10.0.0.0/16",
                "TagSpecification": [{"ResourceType": "vpc", "Tag": [{"Key": "Name", "Value": "platform"}]}],
            },
        ),
        Call("ec2", "DescribeVpcs", {"VpcId": VPC_ID, "MaxResults": "5"}),
    ]
    assert account.unread(inventory(), requests, IDS) == []


def test_an_operation_neither_setting_reading_nor_removing_is_refused():
    with pytest.raises(ValueError, match="RebootInstances: neither a setter"):
        account.unread(inventory(), [Call("ec2", "RebootInstances", {})], IDS)


def test_the_run_lock_is_not_looked_for_but_other_parameters_are():
    """The lock exists only while a run holds it; any other parameter a converge puts stays."""
    lock = Call("ssm", "PutParameter", {"Name": "/dataeng-local/run-lock", "Value": '{"token": "abc"}'})
    output = Call("ssm", "PutParameter", {"Name": "/dataeng-local/outputs", "Value": "kept"})
    assert account.unread({"ssm": {"parameters": []}}, [lock, output], {}) == [
        "ssm PutParameter /dataeng-local/outputs: Value=kept"
    ]
