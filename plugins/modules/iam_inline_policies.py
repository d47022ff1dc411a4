#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_inline_policies
version_added: 0.1.0
short_description: Set the inline policies of several IAM roles at once
description:
  - Makes the inline policies of a list of existing IAM roles what the task says, in one task.
  - Does in one process what M(amazon.aws.iam_policy) does one policy per task, with the same API requests (one
    read per policy, one write per changed policy).
  - Policies compare by meaning, not text - key order, whitespace and a single action or resource given as a string
    or a one-element list make no difference.
  - With O(purge=true) a listed role keeps no inline policy the task does not give it, as Terraform's
    C(aws_iam_role) does with C(inline_policy) blocks.
options:
  roles:
    description:
      - The roles and the inline policies each should have.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the role.
        type: str
        required: true
      policies:
        description:
          - Inline policy documents by policy name (each a dict or JSON text).
        type: dict
        default: {}
  purge:
    description:
      - Delete the inline policies of the listed roles that O(roles[].policies) does not name.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports what would change without changing it.
  diff_mode:
    description: Shows each changed role's inline policies before and after.
"""

EXAMPLES = r"""
- name: Each role gets exactly its own inline policy
  dataeng.platform.iam_inline_policies:
    purge: true
    roles:
      - name: dev-glue-service
        policies:
          dev-glue-service:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: arn:aws:s3:::dev-glue-scripts/scripts/*
      - name: dev-ecs-task
        policies:
          dev-ecs-task: "{{ lookup('ansible.builtin.file', 'ecs-task-policy.json') }}"
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: "The changes made (or that would be made, in check mode), each as C(<role>: <API call> <policy>)."
  returned: always
  type: list
  elements: str
  sample: ["dev-ecs-task: put_role_policy dev-ecs-task", "dev-ecs-task: delete_role_policy by-hand"]
roles:
  description: Each role's inline policies after the task, by name, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the role.
      type: str
      sample: dev-ecs-task
    policies:
      description: The inline policy documents by policy name - those the task names, and with O(purge=false) none
        of the others (they are not read).
      type: dict
      sample: {"dev-ecs-task": {"Version": "2012-10-17", "Statement": []}}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dataeng.platform.plugins.module_utils.iam import (
    apply_inline_policies,
    canonical_policy,
    plan_inline_policies,
    read_inline_policies,
)
from ansible_collections.dataeng.platform.plugins.module_utils.lists import ListMember, MemberList
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import reconcile


class RolePolicies(ListMember):
    """Reads and changes the inline policies of one role."""

    kind = "IAM role"
    part = "inline policies of"
    creates = False
    doing = "set the inline policies of IAM role"
    missing_error = "NoSuchEntity"
    created_by = "dataeng.platform.iam_role"

    def __init__(self, client, role, purge):
        super().__init__(client, role["name"])
        self.given = role["policies"]
        self.wanted = {name: canonical_policy(document) for name, document in self.given.items()}
        self.purge = purge

    def read(self):
        return read_inline_policies(self.client, self.name, self.wanted, self.purge)

    def plan(self, current):
        return plan_inline_policies(current, self.wanted, self.purge)

    def result(self, after):
        return {"name": self.name, "policies": after}

    def apply(self, actions, after):
        apply_inline_policies(self.client, self.name, actions, self.given)


def main():
    argument_spec = dict(
        roles=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(name=dict(type="str", required=True), policies=dict(type="dict", default={})),
        ),
        purge=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    try:
        members = [RolePolicies(client, role, module.params["purge"]) for role in module.params["roles"]]
    except ValueError as e:
        module.fail_json(msg=f"roles: a policy document is not valid JSON: {e}")
    reconcile(module, MemberList(module, client, members), "roles")


if __name__ == "__main__":
    main()
