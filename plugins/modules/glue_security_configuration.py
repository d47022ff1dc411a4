#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: glue_security_configuration
version_added: 0.2.0
short_description: Manage an AWS Glue security configuration that encrypts with one KMS key
description:
  - Creates or deletes an AWS Glue security configuration, which says how the jobs and crawlers that name it
    encrypt what they write to S3, their CloudWatch logs and their job bookmarks
    (U(https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html)).
  - Glue has no call that changes a security configuration. When the one that exists differs from the one asked
    for, the module deletes it and creates it again under the same name, so the jobs and crawlers that name it
    need no change; a run that starts in the second between the two calls fails to find it. Glue reads the
    configuration when a run starts, so runs under way keep the settings they started with.
options:
  name:
    description:
      - Name of the security configuration.
    required: true
    type: str
  state:
    description:
      - Whether the security configuration should exist.
    choices: [present, absent]
    default: present
    type: str
  kms_key_arn:
    description:
      - ARN of the KMS key every C(SSE-KMS) or C(CSE-KMS) mode below encrypts with.
      - Required with O(state=present) unless every mode is C(DISABLED) (or O(s3_encryption_mode=SSE-S3)).
    type: str
    default: ""
  s3_encryption_mode:
    description:
      - How jobs encrypt the S3 objects they write.
    choices: [SSE-KMS, SSE-S3, DISABLED]
    default: SSE-KMS
    type: str
  cloudwatch_encryption_mode:
    description:
      - How jobs and crawlers encrypt their CloudWatch logs; C(SSE-KMS) needs the key policy to allow the
        CloudWatch Logs service.
    choices: [SSE-KMS, DISABLED]
    default: SSE-KMS
    type: str
  job_bookmarks_encryption_mode:
    description:
      - How jobs encrypt their bookmarks (client side, with the key).
    choices: [CSE-KMS, DISABLED]
    default: CSE-KMS
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
    description: Shows the security configuration before and after.
"""

EXAMPLES = r"""
- name: S3 output, CloudWatch logs and job bookmarks encrypted with the platform's key
  dataeng.platform.glue_security_configuration:
    name: dataeng-dev-glue-kms
    kms_key_arn: arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: The API calls a change made (or would make, in check mode).
  returned: when an existing security configuration changed
  type: list
  elements: str
  sample: ["delete_security_configuration", "create_security_configuration"]
security_configuration:
  description: The security configuration as it is after the task (empty when absent).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the security configuration.
      type: str
      sample: dataeng-dev-glue-kms
    s3_encryption_mode:
      description: How jobs encrypt their S3 output.
      type: str
      sample: SSE-KMS
    cloudwatch_encryption_mode:
      description: How jobs and crawlers encrypt their logs.
      type: str
      sample: SSE-KMS
    job_bookmarks_encryption_mode:
      description: How jobs encrypt their bookmarks.
      type: str
      sample: CSE-KMS
    kms_key_arns:
      description: The keys the modes encrypt with (empty when no mode uses one).
      type: list
      elements: str
      sample: ["arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
"""


from ansible_collections.dataeng.platform.plugins.module_utils.glue import glue_client, not_found
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action, ManagedResource, run

MODES = ("s3_encryption_mode", "cloudwatch_encryption_mode", "job_bookmarks_encryption_mode")
KEYLESS_MODES = ("DISABLED", "SSE-S3")


def uses_key(params):
    return any(params[mode] not in KEYLESS_MODES for mode in MODES)


def desired(params):
    """What the task asks for, in the shape from_glue reads: no key when no mode uses one."""
    return {
        "name": params["name"],
        **{mode: params[mode] for mode in MODES},
        "kms_key_arns": [params["kms_key_arn"]] if uses_key(params) else [],
    }


def from_glue(configuration):
    """A get_security_configuration answer in the module's terms (each part names its own key)."""
    encryption = configuration.get("EncryptionConfiguration") or {}
    parts = {
        "s3_encryption_mode": ((encryption.get("S3Encryption") or [{}])[0], "S3EncryptionMode"),
        "cloudwatch_encryption_mode": (encryption.get("CloudWatchEncryption") or {}, "CloudWatchEncryptionMode"),
        "job_bookmarks_encryption_mode": (encryption.get("JobBookmarksEncryption") or {}, "JobBookmarksEncryptionMode"),
    }
    return {
        "name": configuration["Name"],
        **{mode: part.get(mode_key, "DISABLED") for mode, (part, mode_key) in parts.items()},
        "kms_key_arns": sorted({part["KmsKeyArn"] for part, _mode_key in parts.values() if part.get("KmsKeyArn")}),
    }


def encryption_configuration(params):
    """The EncryptionConfiguration create_security_configuration takes."""

    def part(mode_key, mode):
        return {mode_key: mode} if mode in KEYLESS_MODES else {mode_key: mode, "KmsKeyArn": params["kms_key_arn"]}

    return {
        "S3Encryption": [part("S3EncryptionMode", params["s3_encryption_mode"])],
        "CloudWatchEncryption": part("CloudWatchEncryptionMode", params["cloudwatch_encryption_mode"]),
        "JobBookmarksEncryption": part("JobBookmarksEncryptionMode", params["job_bookmarks_encryption_mode"]),
    }


def plan_security_configuration(current, params):
    """Glue has no call that changes a security configuration: any difference is a delete, then a create."""
    if current != desired(params):
        return [Action("delete_security_configuration"), Action("create_security_configuration")]
    return []


def check_params(params):
    """What argument_spec cannot say; returns an error message or None."""
    if params["state"] == "present" and uses_key(params) and not params["kms_key_arn"].startswith("arn:"):
        return (
            f"kms_key_arn must be the ARN of a KMS key when a mode is SSE-KMS or CSE-KMS, got {params['kms_key_arn']!r}"
        )
    return None


class GlueSecurityConfiguration(ManagedResource):
    kind = "Glue security configuration"

    def __init__(self, module):
        super().__init__(module)
        self.client = glue_client(module)

    def describe(self):
        try:
            configuration = self.client.get_security_configuration(aws_retry=True, Name=self.name)
        except not_found():
            return None
        return from_glue(configuration["SecurityConfiguration"])

    def plan(self, current):
        return plan_security_configuration(current, self.params)

    def expected(self, current):
        return desired(self.params)

    def create(self):
        self.client.create_security_configuration(
            aws_retry=True, Name=self.name, EncryptionConfiguration=encryption_configuration(self.params)
        )

    def update(self, current, actions):
        self.delete(current)
        self.create()

    def delete(self, current):
        self.client.delete_security_configuration(aws_retry=True, Name=self.name)


def main():
    options = dict(
        kms_key_arn=dict(type="str", default="", no_log=False),
        s3_encryption_mode=dict(type="str", default="SSE-KMS", choices=["SSE-KMS", "SSE-S3", "DISABLED"]),
        cloudwatch_encryption_mode=dict(type="str", default="SSE-KMS", choices=["SSE-KMS", "DISABLED"]),
        job_bookmarks_encryption_mode=dict(type="str", default="CSE-KMS", choices=["CSE-KMS", "DISABLED"]),
    )
    run(GlueSecurityConfiguration, "security_configuration", options, check_params)


if __name__ == "__main__":
    main()
