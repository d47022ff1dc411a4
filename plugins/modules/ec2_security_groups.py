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
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
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

from ansible_collections.dataeng.platform.plugins.module_utils import ec2
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action
from ansible_collections.dataeng.platform.plugins.module_utils.security_group_rules import (
    PROTOCOLS,
    InvalidRule,
    current_rules,
    ip_permissions,
    readable_rules,
    wanted_rules,
)


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

    Returns the Actions in order, each with the rules or tags it takes.
    """
    actions = []
    revoke = {rule: desc for rule, desc in current["rules"].items() if rule not in wanted} if purge_rules else {}
    authorize = {rule: desc for rule, desc in wanted.items() if rule not in current["rules"]}
    redescribe = {
        rule: desc for rule, desc in wanted.items() if rule in current["rules"] and current["rules"][rule] != desc
    }
    if revoke:
        actions.append(Action("revoke_security_group_ingress", revoke))
    if authorize:
        actions.append(Action("authorize_security_group_ingress", authorize))
    if redescribe:
        actions.append(Action("update_security_group_rule_descriptions_ingress", redescribe))
    return actions + ec2.plan_ec2_tags(current["tags"], wanted_tags, purge_tags)


def expected_rules(current, actions):
    """The rules after `actions`."""
    rules = dict(current)
    for action in actions:
        if action.call == "revoke_security_group_ingress":
            for rule in action.argument:
                del rules[rule]
        elif action.call in ("authorize_security_group_ingress", "update_security_group_rule_descriptions_ingress"):
            rules.update(action.argument)
    return rules


class SecurityGroups(ec2.VpcList):
    """The listed groups of one VPC, as the task asks for them."""

    member_kind = "security group"
    option = "groups"
    key = "name"
    result_key = "security_groups"

    @classmethod
    def check(cls, module):
        present = module.params["state"] == "present"
        undescribed = [group["name"] for group in module.params["groups"] if present and not group["description"]]
        if undescribed:
            module.fail_json(msg=f"groups: state=present needs a description for {', '.join(undescribed)}")
        if present:
            # Ports and sources before any request; the groups rules name are checked once the VPC's are read.
            named = {rule["group_name"]: "" for group in module.params["groups"] for rule in group["rules"]}
            check_rules(module, module.params["groups"], named)

    @property
    def names(self):
        return [group["name"] for group in self.params["groups"]]

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
            self.actions.append(Action("create_security_group", resource=group["name"]))
            if not self.module.check_mode:
                group_ids[group["name"]] = self.create(group)
            state[group["name"]] = {
                "group_id": None if self.module.check_mode else group_ids[group["name"]],
                "description": group["description"],
                "rules": {},
                "tags": group["tags"] or {},
            }

        results = {}
        for group in self.params["groups"]:
            name = group["name"]
            before = state[name]
            if before["description"] != group["description"] and name in existing:
                self.module.warn(
                    f"security group {name}: AWS cannot change the description of a group; it stays"
                    f" {before['description']!r}, delete the group to change it"
                )
            actions = plan_group(
                before,
                wanted_rules(group["rules"], group_ids),
                group["tags"],
                self.params["purge_rules"],
                self.params["purge_tags"],
            )
            if actions and not self.module.check_mode:
                self.apply(group_ids[name], actions)
            after = dict(
                before,
                rules=expected_rules(before["rules"], actions),
                tags=self.expected_tags(before["tags"], group["tags"]),
            )
            shown_before = self.shown(name, state[name]) if name in existing else {}
            self.record(name, actions, shown_before, self.shown(name, after), changed=name not in existing)
            results[name] = after

        if self.actions and not self.module.check_mode:
            # What AWS holds now, not what was asked for: one read for all the groups.
            read_back = self.client.describe_security_groups(
                aws_retry=True, GroupIds=[group_ids[name] for name in self.names]
            )["SecurityGroups"]
            by_id = {group["GroupId"]: group for group in read_back}
            results = {name: self.state_of(by_id[group_ids[name]]) for name in self.names}
        return [self.shown(name, results[name]) for name in self.names]

    def absent(self):
        existing = self.read(self.names)
        ids = {group["GroupId"] for group in existing.values()}
        for name, group in existing.items():
            # Rules naming another group of the list would stop that group's deletion.
            naming_others = {
                rule: desc
                for rule, desc in current_rules(group["IpPermissions"]).items()
                if rule.kind == "group" and rule.source in ids and rule.source != group["GroupId"]
            }
            if naming_others:
                self.actions.append(Action("revoke_security_group_ingress", naming_others, resource=name))
                if not self.module.check_mode:
                    self.client.revoke_security_group_ingress(
                        aws_retry=True, GroupId=group["GroupId"], IpPermissions=ip_permissions(naming_others)
                    )
        for name in reversed(self.names):
            if name not in existing:
                continue
            self.record(name, [Action("delete_security_group")], self.shown(name, self.state_of(existing[name])), {})
            if not self.module.check_mode:
                self.client.delete_security_group(aws_retry=True, GroupId=existing[name]["GroupId"])
        return []

    def create(self, group):
        """Create a group with its tags and return its id."""
        created = self.client.create_security_group(
            aws_retry=True,
            GroupName=group["name"],
            Description=group["description"],
            VpcId=self.params["vpc_id"],
            **({"TagSpecifications": ec2.tag_specifications(group["tags"], "security-group")} if group["tags"] else {}),
        )
        return created["GroupId"]

    def apply(self, group_id, actions):
        for action in actions:
            if action.call in ("delete_tags", "create_tags"):
                ec2.apply_ec2_tags(self.client, group_id, action)
            else:
                getattr(self.client, action.call)(
                    aws_retry=True, GroupId=group_id, IpPermissions=ip_permissions(action.argument)
                )

    @staticmethod
    def state_of(group):
        return {
            "group_id": group["GroupId"],
            "description": group["Description"],
            "rules": current_rules(group["IpPermissions"]),
            "tags": ec2.tags_of(group),
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
        proto=dict(type="str", choices=sorted(PROTOCOLS), default="tcp"),
        ports=dict(type="list", elements="raw", default=[]),
        cidr_ip=dict(type="list", elements="str", default=[]),
        group_name=dict(type="str"),
        rule_desc=dict(type="str"),
    )
    group_options = dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        rules=dict(type="list", elements="dict", default=[], options=rule_spec),
        tags=dict(type="dict"),
    )
    # A group AWS has just created may not be visible to the next call yet; a group whose instances were just
    # terminated keeps their network interfaces a while.
    ec2.run_vpc_list(
        SecurityGroups,
        group_options,
        dict(purge_rules=dict(type="bool", default=True)),
        ["InvalidGroup.NotFound", "DependencyViolation"],
    )


if __name__ == "__main__":
    main()
