# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: same_policy
version_added: 0.2.0
short_description: Whether two policy documents say the same, as the AWS modules compare them
description:
  - True when the policy document under test says what the one given says, as amazon.aws' modules decide whether
    to write a policy (M(amazon.aws.s3_bucket) among them). The order of statements, keys and list items does not
    count, nor a one-item list against its item, a number or boolean against its text, the principal C("*") against
    the C(AWS) principal C("*"), an account's root ARN against its id, nor a missing C(Version) against
    C(2008-10-17).
  - Either side may be a document or its JSON text; an empty or missing one says nothing.
options:
  _input:
    description: The policy as it is, such as what S3's C(GetBucketPolicy) returned.
    type: raw
    required: true
  wanted:
    description: The policy as it should be.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Write the bucket policy only when S3 holds another one
  amazon.aws.s3_bucket:
    name: "{{ bucket }}"
    policy: "{{ wanted_policy | to_json }}"
  when: not (found.bucket_policy.Policy | default('') is dataeng.platform.same_policy(wanted_policy))
"""

RETURN = r"""
_value:
  description: Whether the two documents say the same.
  type: bool
"""

import json

from ansible.errors import AnsibleFilterError
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies


def document(policy, side):
    """`policy` as a dict: parsed when it is JSON text, empty when it is empty."""
    if not policy:
        return {}
    if isinstance(policy, str):
        try:
            return json.loads(policy)
        except ValueError as e:
            raise AnsibleFilterError(f"same_policy: the {side} policy is not JSON: {e}") from e
    return policy


def same_policy(policy, wanted):
    current, expected = document(policy, "tested"), document(wanted, "wanted")
    if not current or not expected:
        return current == expected
    return not compare_policies(current, expected)


class TestModule:
    def tests(self):
        return {"same_policy": same_policy}
