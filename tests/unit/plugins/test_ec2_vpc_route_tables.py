"""The ec2_vpc_route_tables module's planning: routes, subnets and tags, each call only where they differ."""

from __future__ import annotations

import pytest

from ansible_collections.dataeng.platform.plugins.modules import ec2_vpc_route_tables as module
from support.module_requests import calls_with_arguments

DESCRIBED = {
    "RouteTableId": "rtb-1",
    "Routes": [
        {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"},
        {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-1"},
    ],
    "Associations": [
        {"Main": False, "SubnetId": "subnet-a", "RouteTableAssociationId": "rtbassoc-a"},
        {"Main": True, "RouteTableAssociationId": "rtbassoc-main"},
    ],
    "Tags": [{"Key": "Name", "Value": "public"}, {"Key": "Tier", "Value": "public"}],
}
WANTED = {
    "name": "public",
    "routes": [{"dest": "0.0.0.0/0", "gateway_id": "igw-1", "nat_gateway_id": None}],
    "subnets": ["subnet-a"],
    "tags": {"Tier": "public"},
}


def test_a_table_reads_as_its_routes_subnets_and_tags():
    current = module.state_of(DESCRIBED)
    assert current["routes"] == {"10.0.0.0/16": "local", "0.0.0.0/0": "igw-1"}
    assert current["subnets"] == ["subnet-a"]
    assert current["associations"] == {"subnet-a": "rtbassoc-a"}
    assert module.plan_table(current, WANTED, {}, purge_routes=True, purge_tags=True) == ([], current)


def test_only_the_differences_are_called_for():
    current = module.state_of(DESCRIBED)
    wanted = {
        **WANTED,
        "routes": [{"dest": "0.0.0.0/0", "gateway_id": None, "nat_gateway_id": "nat-1"}],
        "subnets": ["subnet-b", "subnet-c"],
        "tags": {},
    }
    calls, after = module.plan_table(current, wanted, {"subnet-c": "rtbassoc-c"}, purge_routes=False, purge_tags=True)
    assert calls_with_arguments(calls) == [
        ("replace_route", "0.0.0.0/0"),
        ("associate_route_table", "subnet-b"),
        ("replace_route_table_association", "subnet-c"),
        ("disassociate_route_table", "subnet-a"),
        ("delete_tags", ["Tier"]),
    ]
    assert after["routes"] == {"10.0.0.0/16": "local", "0.0.0.0/0": "nat-1"}
    assert after["subnets"] == ["subnet-b", "subnet-c"]
    assert after["tags"] == {"Name": "public"}


def test_purge_deletes_the_routes_not_given_but_never_the_local_one():
    current = module.state_of(DESCRIBED)
    calls, after = module.plan_table(current, {**WANTED, "routes": []}, {}, purge_routes=True, purge_tags=True)
    assert calls_with_arguments(calls) == [("delete_route", "0.0.0.0/0")]
    assert after["routes"] == {"10.0.0.0/16": "local"}
    assert module.plan_table(current, {**WANTED, "routes": []}, {}, purge_routes=False, purge_tags=True)[0] == []


def test_a_route_needs_exactly_one_target():
    with pytest.raises(ValueError, match="route to 0.0.0.0/0 needs exactly one of gateway_id and nat_gateway_id"):
        module.wanted_routes([{"dest": "0.0.0.0/0", "gateway_id": "igw-1", "nat_gateway_id": "nat-1"}])
    with pytest.raises(ValueError, match="exactly one"):
        module.wanted_routes([{"dest": "0.0.0.0/0", "gateway_id": None, "nat_gateway_id": None}])
