#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_registry_scanning
version_added: 0.1.0
short_description: Set the scanning configuration of the account's private ECR registry in one region
description:
  - Sets the registry's scan type and its scanning rules, which decide which repositories' images are scanned and
    when (U(https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html)).
  - The registry belongs to the account and region, so the configuration applies to every repository in it, the
    platform's and any other; PutRegistryScanningConfiguration replaces the whole configuration.
  - amazon.aws and community.aws have no module for it.
options:
  scan_type:
    description:
      - C(BASIC) scans with ECR's own scanner at no charge; C(ENHANCED) with Amazon Inspector, which bills each image
        scanned.
    choices: [BASIC, ENHANCED]
    default: BASIC
    type: str
  rules:
    description:
      - The scanning rules, replacing the registry's.
    type: list
    elements: dict
    required: true
    suboptions:
      scan_frequency:
        description:
          - When matching images are scanned; C(BASIC) takes C(SCAN_ON_PUSH) and C(MANUAL) only.
        choices: [SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL]
        type: str
        required: true
      repository_filters:
        description:
          - Repository name patterns (C(*) wildcard) the rule applies to.
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
    description: Reports what would change without changing it.
  diff_mode:
    description: Shows the configuration before and after.
"""

EXAMPLES = r"""
- name: Scan every image pushed to any repository of the registry, with ECR's free scanner
  dataeng.platform.ecr_registry_scanning:
    scan_type: BASIC
    rules:
      - scan_frequency: SCAN_ON_PUSH
        repository_filters: ["*"]
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
scanning_configuration:
  description: The registry's scanning configuration after the task, in the module's terms.
  returned: always
  type: dict
  sample: {"scan_type": "BASIC", "rules": [{"scan_frequency": "SCAN_ON_PUSH", "repository_filters": ["*"]}]}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Setting, reconcile


def configuration_of(answer):
    """A GetRegistryScanningConfiguration answer's configuration, in the module's terms, rules in a fixed order."""
    configuration = answer.get("scanningConfiguration", {})
    rules = [
        {
            "scan_frequency": rule["scanFrequency"],
            "repository_filters": sorted(f["filter"] for f in rule.get("repositoryFilters", [])),
        }
        for rule in configuration.get("rules", [])
    ]
    return {"scan_type": configuration.get("scanType", "BASIC"), "rules": sorted(rules, key=repr)}


def wanted_configuration(params):
    """The configuration the task asks for, in the same terms and order as configuration_of."""
    rules = [
        {"scan_frequency": rule["scan_frequency"], "repository_filters": sorted(rule["repository_filters"])}
        for rule in params["rules"]
    ]
    return {"scan_type": params["scan_type"], "rules": sorted(rules, key=repr)}


def scanning_request(configuration):
    """The PutRegistryScanningConfiguration parameters that set `configuration`."""
    return {
        "scanType": configuration["scan_type"],
        "rules": [
            {
                "scanFrequency": rule["scan_frequency"],
                "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in rule["repository_filters"]],
            }
            for rule in configuration["rules"]
        ],
    }


class RegistryScanning(Setting):
    failure = "Unable to read or set the registry's scanning configuration"
    kind = "ECR registry scanning configuration of region"

    def read(self):
        return configuration_of(self.client.get_registry_scanning_configuration(aws_retry=True))

    def write(self):
        self.client.put_registry_scanning_configuration(aws_retry=True, **scanning_request(self.wanted))


def main():
    argument_spec = dict(
        scan_type=dict(type="str", default="BASIC", choices=["BASIC", "ENHANCED"]),
        rules=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                scan_frequency=dict(type="str", required=True, choices=["SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL"]),
                repository_filters=dict(type="list", elements="str", required=True),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    reconcile(module, RegistryScanning(module, client, wanted_configuration(module.params)), "scanning_configuration")


if __name__ == "__main__":
    main()
