#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_security_groups
version_added: 0.1.0
short_description: Manage several security groups of one VPC, with their inbound rules and tags, at once
description:
  - Makes a list of security groups of one VPC exist with exactly the inbound rules and tags the task gives, or
    deletes them.
  - Creates the missing groups before it sets any rule, so a rule may name any group of the list, whatever its
    place in the list, and the groups need no creation order.
  - Does in one process and one read what M(amazon.aws.ec2_security_group) does one group per task, and does not
    pause after creating a group (that module sleeps 3 seconds per new group); a write that reaches a group
    AWS does not show yet is retried.
  - Outbound rules are not managed - a new group keeps the rule AWS gives it (all traffic to anywhere), as
    M(amazon.aws.ec2_security_group) does when it is given no O(groups[].rules).
options:
  vpc_id:
    description:
      - The VPC the groups belong to.
    type: str
    required: true
  groups:
    description:
      - The security groups, by name.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the group, unique in the VPC.
        type: str
        required: true
      description:
        description:
          - Description of the group. AWS cannot change it once the group exists; a different one is reported as a
            warning.
          - Required with O(state=present).
        type: str
      rules:
        description:
          - The inbound rules. Each rule opens each of its ports to each of its sources.
        type: list
        elements: dict
        default: []
        suboptions:
          proto:
            description:
              - The protocol; C(all) opens every protocol and port and takes no O(groups[].rules[].ports).
            type: str
            choices: [tcp, udp, all]
            default: tcp
          ports:
            description:
              - Ports, each a number from 1 to 65535 or a range C(from-to), such as C(30000-32767).
            type: list
            elements: raw
            default: []
          cidr_ip:
            description:
              - Source networks, IPv4 or IPv6 CIDRs.
            type: list
            elements: str
            default: []
          group_name:
            description:
              - Source group, by name - a group of O(groups) or another group of the VPC.
            type: str
          rule_desc:
            description:
              - Description of the rule.
            type: str
      tags:
        description:
          - Tags of the group.
        type: dict
  purge_rules:
    description:
      - Revoke the inbound rules of the listed groups that the task does not give.
    type: bool
    default: true
  purge_tags:
    description:
      - Remove the tags of the listed groups that O(groups[].tags) does not give. Without O(groups[].tags) a group's
        tags are left as they are.
    type: bool
    default: true
  state:
    description:
      - Whether the groups should exist. With C(absent), the rules by which the listed groups name each other are
        revoked first, so they can be deleted in any order.
    choices: [present, absent]
    default: present
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports what would change without changing it.
  diff_mode:
    description: Shows each changed group's description, inbound rules and tags before and after.
"""

EXAMPLES = r"""
- name: A web tier open to the world and an app tier reachable from the web tier only
  dataeng.platform.ec2_security_groups:
    vpc_id: vpc-0123456789abcdef0
    groups:
      - name: dev-web
        description: Web tier
        rules:
          - {ports: [80, 443], cidr_ip: [0.0.0.0/0], rule_desc: web clients}
        tags: {Environment: dev}
      - name: dev-app
        description: Application tier
        rules:
          - {ports: [8080, "9000-9010"], group_name: dev-web, rule_desc: from the web tier}
        tags: {Environment: dev}

- name: Delete them
  dataeng.platform.ec2_security_groups:
    vpc_id: vpc-0123456789abcdef0
    state: absent
    groups:
      - name: dev-web
      - name: dev-app
"""

RETURN = r"""
actions:
  description: "The API calls made (or that would be made, in check mode), each as C(<group>: <call>)."
  returned: always
  type: list
  elements: str
  sample: ["dev-app: create_security_group", "dev-app: authorize_security_group_ingress"]
security_groups:
  description: The groups after the task, in the order given; empty with O(state=absent).
  returned: always
  type: list
  elements: dict
  contains:
    group_id:
      description: Id of the group; missing for a group check mode would create.
      type: str
      sample: sg-0123456789abcdef0
    group_name:
      description: Name of the group.
      type: str
      sample: dev-web
    description:
      description: Description of the group.
      type: str
    vpc_id:
      description: The VPC of the group.
      type: str
    ingress:
      description: The inbound rules, one per port (or range) and source, sorted.
      type: list
      elements: dict
      contains:
        proto:
          description: C(tcp), C(udp) or C(all).
          type: str
        ports:
          description: The port or range (C(from-to)); C(all) for every port.
          type: str
          sample: "30000-32767"
        source:
          description: A CIDR, a security group id, or a prefix list id; a group check mode would create is
            named C(<name> (new)).
          type: str
        rule_desc:
          description: Description of the rule, or null.
          type: str
    tags:
      description: Tags of the group.
      type: dict
"""

from collections import namedtuple

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    boto3_tag_list_to_ansible_dict,
    boto3_tag_specifications,
)

from ansible_collections.dataeng.platform.plugins.module_utils.ec2_lists import (
    apply_ec2_tags,
    plan_ec2_tags,
    run_ec2_list,
)
from ansible_collections.dataeng.platform.plugins.module_utils.resource import expected_tags

# One inbound rule as AWS keeps it: one protocol, one port range and one source.
Rule = namedtuple("Rule", "proto from_port to_port kind source")

# Where each kind of source lives in an IpPermission, and under which key.
_SOURCES = {
    "cidr": ("IpRanges", "CidrIp"),
    "ipv6": ("Ipv6Ranges", "CidrIpv6"),
    "group": ("UserIdGroupPairs", "GroupId"),
    "prefix": ("PrefixListIds", "PrefixListId"),
}
_PROTOCOLS = {"tcp": "tcp", "udp": "udp", "all": "-1"}


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
        proto = _PROTOCOLS[rule["proto"]]
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


def check_rules(module, groups, group_ids):
    """Fail, naming the group, on the first rule AWS could not take; `group_ids` holds the group names rules may
    name."""
    for group in groups:
        try:
            wanted_rules(group["rules"], group_ids)
        except InvalidRule as e:
            module.fail_json(msg=f"groups[{group['name']}].rules: {e}")


def plan_group(current, wanted, wanted_tags, purge_rules, purge_tags):
    """The calls that turn `current` (rules and tags as they are) into what the task asks for.

    Returns the calls in order, with for each the rules or tags it takes.
    """
    calls = []
    revoke = {rule: desc for rule, desc in current["rules"].items() if rule not in wanted} if purge_rules else {}
    authorize = {rule: desc for rule, desc in wanted.items() if rule not in current["rules"]}
    redescribe = {
        rule: desc for rule, desc in wanted.items() if rule in current["rules"] and current["rules"][rule] != desc
    }
    if revoke:
        calls.append(("revoke_security_group_ingress", revoke))
    if authorize:
        calls.append(("authorize_security_group_ingress", authorize))
    if redescribe:
        calls.append(("update_security_group_rule_descriptions_ingress", redescribe))
    return calls + plan_ec2_tags(current["tags"], wanted_tags, purge_tags)


def expected_rules(current, calls):
    """The rules after `calls`."""
    rules = dict(current)
    for call, argument in calls:
        if call == "revoke_security_group_ingress":
            for rule in argument:
                del rules[rule]
        elif call in ("authorize_security_group_ingress", "update_security_group_rule_descriptions_ingress"):
            rules.update(argument)
    return rules


class SecurityGroups:
    """The listed groups of one VPC, as the task asks for them."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.names = [group["name"] for group in self.params["groups"]]
        self.actions = []

    def read(self, names):
        """The VPC's groups of these names, by name."""
        found = self.client.describe_security_groups(
            aws_retry=True,
            Filters=[{"Name": "vpc-id", "Values": [self.params["vpc_id"]]}, {"Name": "group-name", "Values": names}],
        )["SecurityGroups"]
        return {group["GroupName"]: group for group in found}

    def present(self):
        referenced = {
            rule["group_name"] for group in self.params["groups"] for rule in group["rules"] if rule.get("group_name")
        }
        existing = self.read(sorted(set(self.names) | referenced))
        group_ids = {name: group["GroupId"] for name, group in existing.items()}
        created = [group for group in self.params["groups"] if group["name"] not in existing]
        # A group to be created goes by a placeholder until it is (and in check mode): every rule is checked, a
        # rule naming a group neither the task nor the VPC has included, before any change.
        group_ids.update({group["name"]: f"{group['name']} (new)" for group in created})
        check_rules(self.module, self.params["groups"], group_ids)
        state = {name: self.state_of(group) for name, group in existing.items() if name in self.names}
        for group in created:
            self.actions.append(f"{group['name']}: create_security_group")
            if not self.module.check_mode:
                group_ids[group["name"]] = self.create(group)
            state[group["name"]] = {
                "group_id": None if self.module.check_mode else group_ids[group["name"]],
                "description": group["description"],
                "rules": {},
                "tags": group["tags"] or {},
            }

        diff = {"before": {}, "after": {}}
        results = {}
        for group in self.params["groups"]:
            name = group["name"]
            before = state[name]
            if before["description"] != group["description"] and name in existing:
                self.module.warn(
                    f"security group {name}: AWS cannot change the description of a group; it stays"
                    f" {before['description']!r}, delete the group to change it"
                )
            calls = plan_group(
                before,
                wanted_rules(group["rules"], group_ids),
                group["tags"],
                self.params["purge_rules"],
                self.params["purge_tags"],
            )
            if calls and not self.module.check_mode:
                self.apply(group_ids[name], calls)
            after = dict(
                before,
                rules=expected_rules(before["rules"], calls),
                tags=expected_tags(before["tags"], {"tags": group["tags"], "purge_tags": self.params["purge_tags"]}),
            )
            self.actions.extend(f"{name}: {call}" for call, _argument in calls)
            if calls or name not in existing:
                diff["before"][name] = self.shown(name, state[name]) if name in existing else {}
                diff["after"][name] = self.shown(name, after)
            results[name] = after

        if self.actions and not self.module.check_mode:
            # What AWS holds now, not what was asked for: one read for all the groups.
            read_back = self.client.describe_security_groups(
                aws_retry=True, GroupIds=[group_ids[name] for name in self.names]
            )["SecurityGroups"]
            by_id = {group["GroupId"]: group for group in read_back}
            results = {name: self.state_of(by_id[group_ids[name]]) for name in self.names}
        return [self.shown(name, results[name]) for name in self.names], diff

    def absent(self):
        existing = self.read(self.names)
        ids = {group["GroupId"] for group in existing.values()}
        diff = {"before": {}, "after": {}}
        for name, group in existing.items():
            # Rules naming another group of the list would stop that group's deletion.
            naming_others = {
                rule: desc
                for rule, desc in current_rules(group["IpPermissions"]).items()
                if rule.kind == "group" and rule.source in ids and rule.source != group["GroupId"]
            }
            if naming_others:
                self.actions.append(f"{name}: revoke_security_group_ingress")
                if not self.module.check_mode:
                    self.client.revoke_security_group_ingress(
                        aws_retry=True, GroupId=group["GroupId"], IpPermissions=ip_permissions(naming_others)
                    )
        for name in reversed(self.names):
            if name not in existing:
                continue
            self.actions.append(f"{name}: delete_security_group")
            diff["before"][name] = self.shown(name, self.state_of(existing[name]))
            diff["after"][name] = {}
            if not self.module.check_mode:
                self.client.delete_security_group(aws_retry=True, GroupId=existing[name]["GroupId"])
        return [], diff

    def create(self, group):
        """Create a group with its tags and return its id."""
        created = self.client.create_security_group(
            aws_retry=True,
            GroupName=group["name"],
            Description=group["description"],
            VpcId=self.params["vpc_id"],
            **(
                {"TagSpecifications": boto3_tag_specifications(group["tags"], ["security-group"])}
                if group["tags"]
                else {}
            ),
        )
        return created["GroupId"]

    def apply(self, group_id, calls):
        for call, argument in calls:
            if call in ("delete_tags", "create_tags"):
                apply_ec2_tags(self.client, group_id, call, argument)
            else:
                getattr(self.client, call)(aws_retry=True, GroupId=group_id, IpPermissions=ip_permissions(argument))

    @staticmethod
    def state_of(group):
        return {
            "group_id": group["GroupId"],
            "description": group["Description"],
            "rules": current_rules(group["IpPermissions"]),
            "tags": boto3_tag_list_to_ansible_dict(group.get("Tags", [])),
        }

    def shown(self, name, state):
        shown = {
            "group_name": name,
            "description": state["description"],
            "vpc_id": self.params["vpc_id"],
            "ingress": readable_rules(state["rules"]),
            "tags": state["tags"],
        }
        if state["group_id"]:
            shown["group_id"] = state["group_id"]
        return shown


def main():
    rule_spec = dict(
        proto=dict(type="str", choices=sorted(_PROTOCOLS), default="tcp"),
        ports=dict(type="list", elements="raw", default=[]),
        cidr_ip=dict(type="list", elements="str", default=[]),
        group_name=dict(type="str"),
        rule_desc=dict(type="str"),
    )
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        groups=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str"),
                rules=dict(type="list", elements="dict", default=[], options=rule_spec),
                tags=dict(type="dict"),
            ),
        ),
        purge_rules=dict(type="bool", default=True),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    present = module.params["state"] == "present"
    undescribed = [group["name"] for group in module.params["groups"] if present and not group["description"]]
    if undescribed:
        module.fail_json(msg=f"groups: state=present needs a description for {', '.join(undescribed)}")
    if present:
        # Ports and sources before any request; the groups rules name are checked once the VPC's are read.
        named = {rule["group_name"]: "" for group in module.params["groups"] for rule in group["rules"]}
        check_rules(module, module.params["groups"], named)

    # A group AWS has just created may not be visible to the next call yet; a group whose instances were just
    # terminated keeps their network interfaces a while.
    run_ec2_list(
        module, SecurityGroups, "groups", "name", "security_groups", ["InvalidGroup.NotFound", "DependencyViolation"]
    )


if __name__ == "__main__":
    main()
