#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vpc_endpoint_policies
version_added: 0.1.0
short_description: Set the policies of existing VPC endpoints, gateway or interface
description:
  - Gives each listed VPC endpoint the policy the task gives, or the default full-access one, in place
    (ModifyVpcEndpoint). M(amazon.aws.ec2_vpc_endpoint) sends a policy only when it creates an endpoint and never
    compares it afterwards, and M(dataeng.platform.ec2_vpc_interface_endpoints) leaves policies alone.
  - An endpoint policy limits what may be done through the endpoint, whoever asks; it grants nothing.
    U(https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)
options:
  endpoints:
    description:
      - The endpoints, by id.
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description:
          - The endpoint's id.
        type: str
        required: true
      policy:
        description:
          - The policy document. Without it the endpoint gets AWS's default policy, full access to the service.
        type: json
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports what would change without changing it.
  diff_mode:
    description: Shows each changed endpoint's policy before and after.
"""

EXAMPLES = r"""
- name: Only the account's own principals and buckets through the S3 endpoint
  dataeng.platform.ec2_vpc_endpoint_policies:
    endpoints:
      - id: vpce-0123456789abcdef0
        policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: "*"
              Action: "*"
              Resource: "*"
              Condition:
                StringEquals:
                  aws:PrincipalAccount: "123456789012"
                  aws:ResourceAccount: "123456789012"
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: "The API calls made (or that would be made, in check mode), each as C(<endpoint id>: <call>)."
  returned: always
  type: list
  elements: str
  sample: ["vpce-0123456789abcdef0: modify_vpc_endpoint"]
endpoints:
  description: The endpoints after the task, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the endpoint.
      type: str
    policy:
      description: Its policy document.
      type: dict
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action, ResourceList, reconcile

# The policy an endpoint has when none is given, as DescribeVpcEndpoints shows it.
# https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html#default-endpoint-policy
DEFAULT_POLICY = {"Statement": [{"Action": "*", "Effect": "Allow", "Principal": "*", "Resource": "*"}]}


def plan_policy(current, wanted):
    """The Actions that give an endpoint whose policy is `current` the policy `wanted` (None: the default one), each
    with what it takes; none when it has it already. Policies are compared as documents, not as text."""
    target = DEFAULT_POLICY if wanted is None else wanted
    if current.get("Statement") == target.get("Statement") and (wanted is None or current == wanted):
        return []
    change = {"ResetPolicy": True} if wanted is None else {"PolicyDocument": json.dumps(wanted, sort_keys=True)}
    return [Action("modify_vpc_endpoint", change)]


def apply_policy(client, endpoint_id, actions):
    for action in actions:
        client.modify_vpc_endpoint(aws_retry=True, VpcEndpointId=endpoint_id, **action.argument)


class EndpointPolicies(ResourceList):
    """The policies of the listed endpoints, which exist already."""

    member_kind = "policy of VPC endpoint"

    def present(self):
        wanted = {e["id"]: json.loads(e["policy"]) if e["policy"] else None for e in self.params["endpoints"]}
        with self.failing_as(f"Could not read the endpoints {sorted(wanted)}"):
            found = self.client.describe_vpc_endpoints(aws_retry=True, VpcEndpointIds=list(wanted))["VpcEndpoints"]
        current = {e["VpcEndpointId"]: json.loads(e.get("PolicyDocument") or "{}") for e in found}
        results = []
        for endpoint_id, policy in wanted.items():
            actions = plan_policy(current[endpoint_id], policy)
            after = DEFAULT_POLICY if policy is None else policy
            results.append({"id": endpoint_id, "policy": after})
            self.record(endpoint_id, actions, current[endpoint_id], after)
            if actions and not self.module.check_mode:
                with self.failing_as(f"Could not set the policy of {endpoint_id}"):
                    apply_policy(self.client, endpoint_id, actions)
        return results


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            endpoints=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(id=dict(type="str", required=True), policy=dict(type="json")),
            ),
        ),
        supports_check_mode=True,
    )
    # The endpoints are the ones the task before created: EC2 may not show one it has just created yet
    # ("Eventual consistency in the Amazon EC2 API",
    # https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html), so its not-found is retried.
    retries = AWSRetry.jittered_backoff(catch_extra_error_codes=["InvalidVpcEndpointId.NotFound"])
    reconcile(module, EndpointPolicies(module, module.client("ec2", retry_decorator=retries)), "endpoints")


if __name__ == "__main__":
    main()
