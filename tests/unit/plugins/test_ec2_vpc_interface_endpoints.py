"""The ec2_vpc_interface_endpoints module's planning: one ModifyVpcEndpoint carries every difference."""

from __future__ import annotations

from ansible_collections.dataeng.platform.plugins.modules import ec2_vpc_interface_endpoints as module
from support.module_requests import calls_with_arguments

CURRENT = {
    "id": "vpce-1",
    "service": "com.amazonaws.us-east-2.ecr.api",
    "state": "available",
    "subnet_ids": ["subnet-a", "subnet-b"],
    "security_group_ids": ["sg-endpoints"],
    "private_dns_enabled": True,
    "tags": {"Name": "ecr-api"},
}
WANTED = {
    "service": "com.amazonaws.us-east-2.ecr.api",
    "subnets": ["subnet-b", "subnet-a"],
    "security_groups": ["sg-endpoints"],
    "private_dns": True,
    "tags": {"Name": "ecr-api"},
}


def test_an_endpoint_as_asked_for_needs_no_call_whatever_the_order_of_its_subnets():
    calls, after = module.plan_endpoint(CURRENT, WANTED, purge_tags=True)
    assert calls == []
    assert after == CURRENT


def test_subnets_groups_and_private_dns_change_in_one_request():
    wanted = {**WANTED, "subnets": ["subnet-a", "subnet-c"], "security_groups": ["sg-new"], "private_dns": False}
    calls, after = module.plan_endpoint(CURRENT, wanted, purge_tags=True)
    assert calls_with_arguments(calls) == [
        (
            "modify_vpc_endpoint",
            {
                "AddSubnetIds": ["subnet-c"],
                "RemoveSubnetIds": ["subnet-b"],
                "AddSecurityGroupIds": ["sg-new"],
                "RemoveSecurityGroupIds": ["sg-endpoints"],
                "PrivateDnsEnabled": False,
            },
        )
    ]
    assert after == {
        **CURRENT,
        "subnet_ids": ["subnet-a", "subnet-c"],
        "security_group_ids": ["sg-new"],
        "private_dns_enabled": False,
    }


def test_tags_follow_the_modify_request_and_none_leaves_them_alone():
    calls, _after = module.plan_endpoint(CURRENT, {**WANTED, "tags": {"Name": "ecr-api", "Tier": "x"}}, True)
    assert calls_with_arguments(calls) == [("create_tags", {"Tier": "x"})]
    assert module.plan_endpoint(CURRENT, {**WANTED, "tags": None}, purge_tags=True)[0] == []


def test_describe_output_becomes_the_returned_shape():
    described = {
        "VpcEndpointId": "vpce-1",
        "ServiceName": "com.amazonaws.us-east-2.ecr.api",
        "State": "available",
        "SubnetIds": ["subnet-b", "subnet-a"],
        "Groups": [{"GroupId": "sg-endpoints", "GroupName": "endpoints"}],
        "PrivateDnsEnabled": True,
        "Tags": [{"Key": "Name", "Value": "ecr-api"}],
    }
    assert module.state_of(described) == CURRENT


class FakeModule:
    check_mode = False

    def __init__(self, **params):
        self.params = {"purge_tags": True, "wait_timeout": 60, **params}

    def fail_json(self, msg):
        raise AssertionError(msg)


class DeletingClient:
    """DescribeVpcEndpoints as AWS answers it after DeleteVpcEndpoints: deleting a while, then deleted."""

    def __init__(self, states):
        self.states = list(states)
        self.deleted = []

    def describe_vpc_endpoints(self, aws_retry, Filters):
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        endpoint = {"VpcEndpointId": "vpce-1", "ServiceName": CURRENT["service"], "VpcEndpointType": "Interface"}
        return {"VpcEndpoints": [{**endpoint, "State": state}]}

    def delete_vpc_endpoints(self, aws_retry, VpcEndpointIds):
        self.deleted += VpcEndpointIds
        return {"Unsuccessful": []}


def test_deletion_waits_while_the_endpoint_is_deleting(monkeypatch):
    monkeypatch.setattr(module, "POLL_SECONDS", 0)
    client = DeletingClient(["available", "deleting", "deleting", "deleted"])
    members = module.Endpoints(FakeModule(vpc_id="vpc-1", endpoints=[{"service": CURRENT["service"]}]), client)
    results = members.absent()
    assert (results, members.diff["after"]) == ([], {CURRENT["service"]: {}})
    assert client.deleted == ["vpce-1"]
    # Read once to plan, then until the endpoint left "deleting".
    assert client.states == ["deleted"]
