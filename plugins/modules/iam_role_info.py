#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_role_info
version_added: 0.1.0
short_description: Read IAM roles by name, with their instance profiles
description:
  - Reads the named IAM roles and returns those that exist, in the order given, as M(dataeng.platform.iam_role)
    returns a role, with the instance profiles that hold each. Names that do not exist are listed in RV(missing).
  - Unlike M(amazon.aws.iam_role_info), it reads several roles in one task and prints no deprecation warning.
options:
  names:
    description:
      - Names of the roles to read.
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reads only, in check mode too.
  diff_mode:
    support: none
    description: Reads only; there is nothing to compare.
"""

EXAMPLES = r"""
- name: Read the hosts' roles
  dataeng.platform.iam_role_info:
    names: [dataeng-dev-monitoring-host, dataeng-dev-kubernetes-host]
  register: host_roles

- name: Say which instance profile carries the monitoring host's role
  ansible.builtin.debug:
    msg: "{{ host_roles.iam_roles[0].instance_profiles[0].instance_profile_name }}"
"""

RETURN = r"""
iam_roles:
  description: The roles that exist, in the order of O(names), as M(dataeng.platform.iam_role) returns a role
    (RV(dataeng.platform.iam_role#module:iam_role)), with their instance profiles.
  returned: always
  type: list
  elements: dict
  contains:
    role_name:
      description: Name of the role.
      type: str
      sample: dataeng-dev-monitoring-host
    arn:
      description: ARN of the role, as IAM returns it.
      type: str
      sample: arn:aws:iam::123456789012:role/dataeng-dev-monitoring-host
    role_id:
      description: The role's unique id.
      type: str
      sample: AROA1234567890EXAMPLE
    path:
      description: Path of the role.
      type: str
      sample: /
    create_date:
      description: When the role was created (ISO 8601).
      type: str
      sample: "2026-01-31T12:00:00+00:00"
    description:
      description: Description of the role (empty when none).
      type: str
    max_session_duration:
      description: Longest session, in seconds.
      type: int
      sample: 3600
    assume_role_policy_document:
      description: The trust policy, decoded.
      type: dict
    permissions_boundary:
      description: ARN of the permissions boundary (empty when none).
      type: str
    attached_policies:
      description: The attached managed policies (C(policy_arn), C(policy_name)), by ARN.
      type: list
      elements: dict
    tags:
      description: Tags of the role.
      type: dict
      sample: {"Environment": "dev"}
    instance_profiles:
      description: The instance profiles that hold the role.
      type: list
      elements: dict
      contains:
        instance_profile_name:
          description: Name of the instance profile.
          type: str
          sample: dataeng-dev-monitoring-host
        instance_profile_id:
          description: The instance profile's unique id.
          type: str
          sample: AIPA1234567890EXAMPLE
        arn:
          description: ARN of the instance profile.
          type: str
          sample: arn:aws:iam::123456789012:instance-profile/dataeng-dev-monitoring-host
        path:
          description: Path of the instance profile.
          type: str
          sample: /
missing:
  description: The names of O(names) that no role has.
  returned: always
  type: list
  elements: str
  sample: [dataeng-dev-kubernetes-host]
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dataeng.platform.plugins.module_utils.iam import instance_profiles_of, read_role


def read_roles(client, names):
    """The roles of `names` that exist, in that order, each with its instance profiles, and the names of none."""
    found, missing = [], []
    for name in names:
        role = read_role(client, name)
        if role is None:
            missing.append(name)
            continue
        found.append({**role, "instance_profiles": instance_profiles_of(client, name)})
    return found, missing


def main():
    argument_spec = dict(names=dict(type="list", elements="str", required=True))
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    try:
        found, missing = read_roles(client, module.params["names"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to read the IAM roles")
    module.exit_json(changed=False, iam_roles=found, missing=missing)


if __name__ == "__main__":
    main()
