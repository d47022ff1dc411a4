"""The ec2_security_groups module's planning: rules as AWS keeps them, compared one port and source at a time."""

from __future__ import annotations

import pytest

from ansible_collections.dataeng.platform.plugins.module_utils import security_group_rules as rules_of_groups
from ansible_collections.dataeng.platform.plugins.modules import ec2_security_groups as module
from support.module_requests import calls_with_arguments

WEB = {"proto": "tcp", "ports": [80, "8000-8010"], "cidr_ip": ["0.0.0.0/0", "2001:db8::/32"], "rule_desc": "web"}
FROM_WEB = {"proto": "tcp", "ports": [8080], "cidr_ip": [], "group_name": "web", "rule_desc": "from web"}
CURRENT = [
    {
        "IpProtocol": "tcp",
        "FromPort": 80,
        "ToPort": 80,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "web"}],
        "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32", "Description": "web"}],
        "UserIdGroupPairs": [],
        "PrefixListIds": [],
    },
    {
        "IpProtocol": "tcp",
        "FromPort": 8000,
        "ToPort": 8010,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "web"}],
        "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32", "Description": "web"}],
    },
]


def test_each_port_and_source_is_one_rule():
    rules = module.wanted_rules([WEB, FROM_WEB], {"web": "sg-1"})
    assert set(rules) == {
        rules_of_groups.Rule("tcp", 80, 80, "cidr", "0.0.0.0/0"),
        rules_of_groups.Rule("tcp", 80, 80, "ipv6", "2001:db8::/32"),
        rules_of_groups.Rule("tcp", 8000, 8010, "cidr", "0.0.0.0/0"),
        rules_of_groups.Rule("tcp", 8000, 8010, "ipv6", "2001:db8::/32"),
        rules_of_groups.Rule("tcp", 8080, 8080, "group", "sg-1"),
    }
    assert rules[rules_of_groups.Rule("tcp", 8080, 8080, "group", "sg-1")] == "from web"


def test_rules_read_from_aws_compare_equal_to_the_same_rules_asked_for():
    current = {"rules": module.current_rules(CURRENT), "tags": {"Name": "web"}}
    wanted = module.wanted_rules([WEB], {})
    assert current["rules"] == wanted
    assert module.plan_group(current, wanted, {"Name": "web"}, purge_rules=True, purge_tags=True) == []
    assert module.current_rules(module.ip_permissions(wanted)) == wanted


def test_only_the_differences_are_called_for():
    current = {"rules": module.current_rules(CURRENT), "tags": {"Name": "web", "Owner": "someone"}}
    wider = {**WEB, "ports": [80, 443], "rule_desc": "web"}
    wanted = module.wanted_rules([wider], {})
    calls = dict(
        calls_with_arguments(module.plan_group(current, wanted, {"Name": "web"}, purge_rules=True, purge_tags=True))
    )
    assert set(calls) == {"revoke_security_group_ingress", "authorize_security_group_ingress", "delete_tags"}
    assert {rule.from_port for rule in calls["revoke_security_group_ingress"]} == {8000}
    assert {rule.from_port for rule in calls["authorize_security_group_ingress"]} == {443}
    assert calls["delete_tags"] == ["Owner"]
    kept = dict(
        calls_with_arguments(module.plan_group(current, wanted, {"Name": "web"}, purge_rules=False, purge_tags=False))
    )
    assert set(kept) == {"authorize_security_group_ingress"}


def test_a_new_description_is_set_in_place():
    current = {"rules": module.current_rules(CURRENT), "tags": {}}
    wanted = module.wanted_rules([{**WEB, "rule_desc": "web clients"}], {})
    calls = module.plan_group(current, wanted, None, purge_rules=True, purge_tags=True)
    assert [call for call, _rules in calls_with_arguments(calls)] == ["update_security_group_rule_descriptions_ingress"]
    after = module.expected_rules(current["rules"], calls)
    assert set(after.values()) == {"web clients"}


def test_rules_read_back_as_the_module_returns_them():
    readable = module.readable_rules(
        module.wanted_rules([WEB, {"proto": "all", "ports": [], "cidr_ip": ["10.0.0.0/8"]}], {})
    )
    assert readable[0] == {"proto": "all", "ports": "all", "source": "10.0.0.0/8", "rule_desc": None}
    assert {"proto": "tcp", "ports": "8000-8010", "source": "0.0.0.0/0", "rule_desc": "web"} in readable


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"proto": "tcp", "ports": [0], "cidr_ip": ["0.0.0.0/0"]}, "within 1-65535"),
        ({"proto": "tcp", "ports": ["90-80"], "cidr_ip": ["0.0.0.0/0"]}, "within 1-65535"),
        ({"proto": "tcp", "ports": ["http"], "cidr_ip": ["0.0.0.0/0"]}, "neither a port nor a range"),
        ({"proto": "tcp", "ports": [True], "cidr_ip": ["0.0.0.0/0"]}, "neither a port nor a range"),
        ({"proto": "tcp", "ports": [], "cidr_ip": ["0.0.0.0/0"]}, "needs ports"),
        ({"proto": "all", "ports": [22], "cidr_ip": ["0.0.0.0/0"]}, "give it no ports"),
        ({"proto": "tcp", "ports": [22], "cidr_ip": []}, "needs cidr_ip or group_name"),
        ({"proto": "tcp", "ports": [22], "cidr_ip": [], "group_name": "elsewhere"}, "no group of this task"),
    ],
)
def test_a_rule_aws_could_not_take_is_refused_with_what_is_wrong(rule, message):
    with pytest.raises(module.InvalidRule, match=message):
        module.wanted_rules([rule], {})
