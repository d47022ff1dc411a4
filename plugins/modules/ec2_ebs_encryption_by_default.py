#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_ebs_encryption_by_default
version_added: 0.1.0
short_description: Turn EBS encryption by default on or off for the account in one region
description:
  - With EBS encryption by default on, every new EBS volume and snapshot copy the account creates in the region is
    encrypted, whoever creates it and whatever the request asks
    (U(https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html)).
  - The setting belongs to the account and region, not to one resource; volumes that exist keep their encryption.
  - amazon.aws and community.aws have no module for it.
options:
  enabled:
    description:
      - Whether new EBS volumes of the account in the region are encrypted by default.
    required: true
    type: bool
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports what would change without changing it.
  diff_mode:
    description: Shows the setting before and after.
"""

EXAMPLES = r"""
- name: Encrypt every new EBS volume of the account in this region
  dataeng.platform.ec2_ebs_encryption_by_default:
    enabled: true
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
enabled:
  description: Whether EBS encryption by default is on after the task.
  returned: always
  type: bool
  sample: true
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dataeng.platform.plugins.module_utils.ec2 import ebs_encryption_by_default
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Setting, reconcile


def call_to_make(enabled_now, wanted):
    """The EC2 operation that brings the setting from `enabled_now` to `wanted`, or None when it is there."""
    if enabled_now == wanted:
        return None
    return "enable_ebs_encryption_by_default" if wanted else "disable_ebs_encryption_by_default"


class EncryptionByDefault(Setting):
    failure = "Unable to read or change EBS encryption by default"
    kind = "EBS encryption by default of region"

    def read(self):
        return ebs_encryption_by_default(self.client)

    def write(self):
        # Called only when the setting is not the wanted one.
        getattr(self.client, call_to_make(not self.wanted, self.wanted))(aws_retry=True)

    def shown(self, value):
        return {"enabled": value}


def main():
    module = AnsibleAWSModule(argument_spec=dict(enabled=dict(type="bool", required=True)), supports_check_mode=True)
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    reconcile(module, EncryptionByDefault(module, client, module.params["enabled"]), "enabled")


if __name__ == "__main__":
    main()
