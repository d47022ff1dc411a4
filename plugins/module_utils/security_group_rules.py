# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Inbound rules of an EC2 security group: as the task gives them, as AWS keeps them, as the module returns them."""

from __future__ import annotations

from collections import namedtuple

# One inbound rule as AWS keeps it: one protocol, one port range and one source.
Rule = namedtuple("Rule", "proto from_port to_port kind source")

# Where each kind of source lives in an IpPermission, and under which key.
_SOURCES = {
    "cidr": ("IpRanges", "CidrIp"),
    "ipv6": ("Ipv6Ranges", "CidrIpv6"),
    "group": ("UserIdGroupPairs", "GroupId"),
    "prefix": ("PrefixListIds", "PrefixListId"),
}
PROTOCOLS = {"tcp": "tcp", "udp": "udp", "all": "-1"}


class InvalidRule(ValueError):
    """A rule the task gives that AWS could not take; the message names it."""


def port_range(port):
    """(from, to) of a port (a number) or a range ("from-to"); raises InvalidRule for anything else."""
    text = str(port)
    bounds = text.split("-", 1)
    if not all(bound.isdigit() for bound in bounds) or isinstance(port, bool):
        raise InvalidRule(f"{port!r} is neither a port nor a range from-to")
    low, high = int(bounds[0]), int(bounds[-1])
    if not 1 <= low <= high <= 65535:
        raise InvalidRule(f"{port!r} is not a port or range within 1-65535 (from <= to)")
    return low, high


def wanted_rules(rules, group_ids):
    """The task's rules as {Rule: description}; `group_ids` resolves a source group's name."""
    wanted = {}
    for rule in rules:
        proto = PROTOCOLS[rule["proto"]]
        if proto == "-1":
            if rule["ports"]:
                raise InvalidRule("proto all opens every port: give it no ports")
            ranges = [(None, None)]
        else:
            if not rule["ports"]:
                raise InvalidRule(f"a {rule['proto']} rule needs ports")
            ranges = [port_range(port) for port in rule["ports"]]
        sources = [("ipv6" if ":" in cidr else "cidr", cidr) for cidr in rule["cidr_ip"]]
        if rule.get("group_name"):
            if rule["group_name"] not in group_ids:
                raise InvalidRule(f"group_name {rule['group_name']} is no group of this task or of the VPC")
            sources.append(("group", group_ids[rule["group_name"]]))
        if not sources:
            raise InvalidRule("a rule needs cidr_ip or group_name")
        for low, high in ranges:
            for kind, source in sources:
                wanted[Rule(proto, low, high, kind, source)] = rule.get("rule_desc")
    return wanted


def current_rules(permissions):
    """An IpPermissions list as {Rule: description}."""
    rules = {}
    for permission in permissions:
        proto = permission["IpProtocol"]
        low, high = (None, None) if proto == "-1" else (permission.get("FromPort"), permission.get("ToPort"))
        for kind, (list_key, source_key) in _SOURCES.items():
            for entry in permission.get(list_key, []):
                rules[Rule(proto, low, high, kind, entry[source_key])] = entry.get("Description")
    return rules


def ip_permissions(rules):
    """{Rule: description} as the IpPermissions list the ingress calls take, one permission per rule."""
    permissions = []
    for rule, description in sorted(rules.items(), key=lambda item: _sort_key(item[0])):
        list_key, source_key = _SOURCES[rule.kind]
        entry = {source_key: rule.source}
        if description:
            entry["Description"] = description
        permission = {"IpProtocol": rule.proto, list_key: [entry]}
        if rule.proto != "-1":
            permission.update(FromPort=rule.from_port, ToPort=rule.to_port)
        permissions.append(permission)
    return permissions


def _sort_key(rule):
    return (rule.proto, rule.from_port or 0, rule.to_port or 0, rule.kind, rule.source)


def readable_rules(rules):
    """{Rule: description} as the module returns rules."""
    readable = []
    for rule in sorted(rules, key=_sort_key):
        if rule.proto == "-1":
            ports = "all"
        elif rule.from_port == rule.to_port:
            ports = str(rule.from_port)
        else:
            ports = f"{rule.from_port}-{rule.to_port}"
        proto = "all" if rule.proto == "-1" else rule.proto
        readable.append({"proto": proto, "ports": ports, "source": rule.source, "rule_desc": rules[rule]})
    return readable
