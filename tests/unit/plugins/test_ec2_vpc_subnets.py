"""The ec2_vpc_subnets module's planning: only the differences are called for, a zone is never changed."""

from __future__ import annotations

import pytest

from ansible_collections.dataeng.platform.plugins.modules import ec2_vpc_subnets as module
from support.module_requests import calls_with_arguments

CURRENT = {
    "id": "subnet-1",
    "cidr_block": "10.0.1.0/24",
    "availability_zone": "us-east-2a",
    "map_public_ip_on_launch": True,
    "vpc_id": "vpc-1",
    "tags": {"Name": "public-a", "Tier": "public"},
}
WANTED = {"cidr": "10.0.1.0/24", "az": "us-east-2a", "map_public": True, "tags": {"Name": "public-a", "Tier": "public"}}


def test_a_subnet_as_asked_for_needs_no_call():
    calls, after = module.plan_subnet(CURRENT, WANTED, purge_tags=True)
    assert calls == []
    assert after == CURRENT


def test_the_public_ip_setting_and_the_tags_are_changed_in_place():
    wanted = {**WANTED, "map_public": False, "tags": {"Name": "public-a"}}
    calls, after = module.plan_subnet(CURRENT, wanted, purge_tags=True)
    assert calls_with_arguments(calls) == [("modify_subnet_attribute", False), ("delete_tags", ["Tier"])]
    assert after == {**CURRENT, "map_public_ip_on_launch": False, "tags": {"Name": "public-a"}}
    assert calls_with_arguments(module.plan_subnet(CURRENT, wanted, purge_tags=False)[0]) == [
        ("modify_subnet_attribute", False)
    ]


def test_no_tags_given_leaves_the_tags_alone():
    calls, after = module.plan_subnet(CURRENT, {**WANTED, "tags": None}, purge_tags=True)
    assert calls == []
    assert after["tags"] == CURRENT["tags"]


def test_any_zone_will_do_when_none_is_given_but_a_different_one_is_refused():
    assert module.plan_subnet(CURRENT, {**WANTED, "az": None}, purge_tags=True)[0] == []
    with pytest.raises(ValueError, match="is in us-east-2a, not us-east-2b; AWS cannot move a subnet"):
        module.plan_subnet(CURRENT, {**WANTED, "az": "us-east-2b"}, purge_tags=True)
