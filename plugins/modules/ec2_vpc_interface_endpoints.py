#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vpc_interface_endpoints
version_added: 0.1.0
short_description: Manage several interface VPC endpoints of one VPC at once
description:
  - Makes a list of interface VPC endpoints (AWS PrivateLink) of one VPC, each known by its service, exist in the
    subnets, with the security groups, private DNS setting and tags the task gives, or deletes them.
  - Creates every missing endpoint before it waits, and waits once for all of them to be available, where
    M(amazon.aws.ec2_vpc_endpoint) creates and waits one endpoint per task; changes the subnets, groups and
    private DNS of an existing endpoint in place (ModifyVpcEndpoint), which that module never compares.
  - With O(state=absent), waits until the endpoints are gone, so the subnets and security groups they used can
    be deleted next (AWS refuses to delete them while an endpoint's network interfaces remain).
options:
  vpc_id:
    description:
      - The VPC the endpoints belong to.
    type: str
    required: true
  endpoints:
    description:
      - The endpoints, by service name. Endpoints that are being deleted or have failed are not counted as
        existing.
    type: list
    elements: dict
    required: true
    suboptions:
      service:
        description:
          - The service name, such as C(com.amazonaws.us-east-2.ecr.api).
        type: str
        required: true
      subnets:
        description:
          - The subnets the endpoint has a network interface in, at most one per availability zone.
          - Required with O(state=present).
        type: list
        elements: str
        default: []
      security_groups:
        description:
          - The security groups of the endpoint's network interfaces; they decide who may connect to it.
          - Required with O(state=present).
        type: list
        elements: str
        default: []
      private_dns:
        description:
          - Make the service's public DNS name resolve to the endpoint inside the VPC, so clients need no
            change. The VPC needs DNS support and DNS hostnames.
        type: bool
        default: true
      tags:
        description:
          - Tags of the endpoint.
        type: dict
  purge_tags:
    description:
      - Remove the tags of the listed endpoints that O(endpoints[].tags) does not give. Without
        O(endpoints[].tags) an endpoint's tags are left as they are.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for new endpoints to be available, or deleted ones to be gone.
    type: int
    default: 600
  state:
    description:
      - Whether the endpoints should exist.
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
    description: Shows each changed endpoint's subnets, groups, private DNS setting and tags before and after.
"""

EXAMPLES = r"""
- name: Pull images from ECR and read secrets from private subnets
  dataeng.platform.ec2_vpc_interface_endpoints:
    vpc_id: vpc-0123456789abcdef0
    endpoints:
      - service: com.amazonaws.us-east-2.ecr.api
        subnets: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]
        security_groups: [sg-0123456789abcdef0]
        tags: {Name: dev-ecr-api}
      - service: com.amazonaws.us-east-2.secretsmanager
        subnets: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]
        security_groups: [sg-0123456789abcdef0]
        tags: {Name: dev-secretsmanager}

- name: Delete them
  dataeng.platform.ec2_vpc_interface_endpoints:
    vpc_id: vpc-0123456789abcdef0
    state: absent
    endpoints:
      - service: com.amazonaws.us-east-2.ecr.api
      - service: com.amazonaws.us-east-2.secretsmanager
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: "The API calls made (or that would be made, in check mode), each as C(<service>: <call>)."
  returned: always
  type: list
  elements: str
  sample: ["com.amazonaws.us-east-2.ecr.api: create_vpc_endpoint"]
endpoints:
  description: The endpoints after the task, in the order given; empty with O(state=absent).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the endpoint; missing for an endpoint check mode would create.
      type: str
      sample: vpce-0123456789abcdef0
    service:
      description: The service name.
      type: str
    state:
      description: The endpoint's state; missing for an endpoint check mode would create.
      type: str
      sample: available
    subnet_ids:
      description: The subnets of its network interfaces, sorted.
      type: list
      elements: str
    security_group_ids:
      description: Its security groups, sorted.
      type: list
      elements: str
    private_dns_enabled:
      description: Whether the service's DNS name resolves to the endpoint inside the VPC.
      type: bool
    tags:
      description: Tags of the endpoint.
      type: dict
"""

import time
import uuid

from ansible_collections.dataeng.platform.plugins.module_utils import ec2
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action

# States of an endpoint that is, or is becoming, usable; the others (deleting, deleted, failed, rejected,
# expired) stand for an endpoint that no longer counts and that a new one replaces.
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html
LIVE_STATES = ("pendingAcceptance", "pending", "available", "modifying")
# An endpoint being deleted still holds its network interfaces in the subnets and groups.
GOING_STATES = LIVE_STATES + ("deleting",)
POLL_SECONDS = 5


def state_of(endpoint):
    """An endpoint as DescribeVpcEndpoints gives it, as the module returns it."""
    return {
        "id": endpoint["VpcEndpointId"],
        "service": endpoint["ServiceName"],
        "state": endpoint["State"],
        "subnet_ids": sorted(endpoint.get("SubnetIds", [])),
        "security_group_ids": sorted(group["GroupId"] for group in endpoint.get("Groups", [])),
        "private_dns_enabled": bool(endpoint.get("PrivateDnsEnabled")),
        "tags": ec2.tags_of(endpoint),
    }


def plan_endpoint(current, wanted, purge_tags):
    """The Actions that turn an existing endpoint into the one asked for, each with what it takes, and the endpoint
    after. One ModifyVpcEndpoint request carries every subnet, group and private DNS change."""
    change = {}
    for option, key, add, remove in (
        ("subnets", "subnet_ids", "AddSubnetIds", "RemoveSubnetIds"),
        ("security_groups", "security_group_ids", "AddSecurityGroupIds", "RemoveSecurityGroupIds"),
    ):
        to_add = sorted(set(wanted[option]) - set(current[key]))
        to_remove = sorted(set(current[key]) - set(wanted[option]))
        change.update({add: to_add} if to_add else {})
        change.update({remove: to_remove} if to_remove else {})
    if current["private_dns_enabled"] != wanted["private_dns"]:
        change["PrivateDnsEnabled"] = wanted["private_dns"]
    return ec2.with_tag_changes(
        current,
        [Action("modify_vpc_endpoint", change)] if change else [],
        wanted["tags"],
        purge_tags,
        subnet_ids=sorted(wanted["subnets"]),
        security_group_ids=sorted(wanted["security_groups"]),
        private_dns_enabled=wanted["private_dns"],
    )


class Endpoints(ec2.VpcList):
    """The listed interface endpoints of one VPC, as the task asks for them."""

    member_kind = "interface endpoint"
    option = "endpoints"
    key = "service"
    result_key = "endpoints"

    def read(self, services=None, states=LIVE_STATES):
        """The VPC's interface endpoints of the listed services in one of `states`, by service name."""
        found = self.client.describe_vpc_endpoints(
            aws_retry=True,
            Filters=[
                {"Name": "vpc-id", "Values": [self.params["vpc_id"]]},
                {"Name": "service-name", "Values": services or [e["service"] for e in self.params["endpoints"]]},
            ],
        )["VpcEndpoints"]
        return {
            endpoint["ServiceName"]: state_of(endpoint)
            for endpoint in found
            if endpoint["VpcEndpointType"] == "Interface" and endpoint["State"] in states
        }

    def present(self):
        for wanted in self.params["endpoints"]:
            if not (wanted["subnets"] and wanted["security_groups"]):
                self.module.fail_json(
                    msg=f"endpoint {wanted['service']}: endpoints[].subnets and endpoints[].security_groups are"
                    " required with state=present"
                )
        existing = self.read()
        results = {}
        for wanted in self.params["endpoints"]:
            service = wanted["service"]
            if service in existing:
                actions, after = plan_endpoint(existing[service], wanted, self.params["purge_tags"])
            else:
                actions = [Action("create_vpc_endpoint")]
                after = {
                    "service": service,
                    "subnet_ids": sorted(wanted["subnets"]),
                    "security_group_ids": sorted(wanted["security_groups"]),
                    "private_dns_enabled": wanted["private_dns"],
                    "tags": wanted["tags"] or {},
                }
            self.record(service, actions, existing.get(service, {}), after)
            if actions and not self.module.check_mode:
                if service in existing:
                    self.apply(existing[service]["id"], actions)
                else:
                    self.create(wanted)
            results[service] = after

        if self.actions and not self.module.check_mode:
            results = self.wait_until(lambda found: all(found[s]["state"] == "available" for s in results))
        return [results[endpoint["service"]] for endpoint in self.params["endpoints"]]

    def absent(self):
        existing = self.read()
        for endpoint in self.params["endpoints"]:
            if endpoint["service"] in existing:
                self.record(endpoint["service"], [Action("delete_vpc_endpoints")], existing[endpoint["service"]], {})
        if self.actions and not self.module.check_mode:
            ids = [existing[service]["id"] for service in self.diff["before"]]
            unsuccessful = self.client.delete_vpc_endpoints(aws_retry=True, VpcEndpointIds=ids).get("Unsuccessful")
            if unsuccessful:
                self.module.fail_json(
                    msg=f"AWS did not delete every endpoint of {self.params['vpc_id']}: {unsuccessful}"
                )
            # The endpoints' network interfaces go with them, a while after the call.
            self.wait_until(lambda found: not found, services=list(self.diff["before"]), states=GOING_STATES)
        return []

    def create(self, wanted):
        """Create an endpoint with its tags."""
        request = {
            "VpcId": self.params["vpc_id"],
            "VpcEndpointType": "Interface",
            "ServiceName": wanted["service"],
            "SubnetIds": wanted["subnets"],
            "SecurityGroupIds": wanted["security_groups"],
            "PrivateDnsEnabled": wanted["private_dns"],
            # One token per endpoint and run: a retried request whose first attempt reached AWS gets the same
            # endpoint back instead of a second one.
            "ClientToken": str(uuid.uuid4()),
        }
        if wanted["tags"]:
            request["TagSpecifications"] = ec2.tag_specifications(wanted["tags"], "vpc-endpoint")
        self.client.create_vpc_endpoint(aws_retry=True, **request)

    def apply(self, endpoint_id, actions):
        for action in actions:
            if action.call == "modify_vpc_endpoint":
                self.client.modify_vpc_endpoint(aws_retry=True, VpcEndpointId=endpoint_id, **action.argument)
            else:
                ec2.apply_ec2_tags(self.client, endpoint_id, action)

    def wait_until(self, done, services=None, states=LIVE_STATES):
        """Read the endpoints until `done(found)` holds, and return what was found last."""
        deadline = time.monotonic() + self.params["wait_timeout"]
        found = self.read(services, states)
        while not done(found):
            if time.monotonic() > deadline:
                self.module.fail_json(
                    msg=f"The endpoints of {self.params['vpc_id']} did not settle within {self.params['wait_timeout']}"
                    f" seconds: {sorted((s, e['state']) for s, e in found.items())}"
                )
            time.sleep(POLL_SECONDS)
            found = self.read(services, states)
        return found


def main():
    endpoint_options = dict(
        service=dict(type="str", required=True),
        subnets=dict(type="list", elements="str", default=[]),
        security_groups=dict(type="list", elements="str", default=[]),
        private_dns=dict(type="bool", default=True),
        tags=dict(type="dict"),
    )
    # An endpoint AWS has just created may not be visible to the next call yet; a subnet or group just
    # created may not be visible to CreateVpcEndpoint yet.
    ec2.run_vpc_list(
        Endpoints,
        endpoint_options,
        dict(wait_timeout=dict(type="int", default=600)),
        ["InvalidVpcEndpointId.NotFound", "InvalidSubnetID.NotFound", "InvalidGroup.NotFound"],
    )


if __name__ == "__main__":
    main()
