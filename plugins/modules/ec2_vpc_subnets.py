#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vpc_subnets
version_added: 0.1.0
short_description: Manage several subnets of one VPC at once
description:
  - Makes a list of subnets of one VPC, each known by its CIDR block, exist with the zone, public IP setting and tags
    the task gives, or deletes them.
  - Does in one process and one read what M(amazon.aws.ec2_vpc_subnet) does one subnet per task.
  - AWS cannot move a subnet to another zone; a subnet found in another zone than the task gives fails the task
    before any change.
options:
  vpc_id:
    description:
      - The VPC the subnets belong to.
    type: str
    required: true
  subnets:
    description:
      - The subnets, by CIDR block.
    type: list
    elements: dict
    required: true
    suboptions:
      cidr:
        description:
          - The subnet's IPv4 CIDR block, inside the VPC's.
        type: str
        required: true
        aliases: [cidr_block]
      az:
        description:
          - The availability zone; without it AWS chooses one for a new subnet and any zone is accepted.
        type: str
      map_public:
        description:
          - Give instances launched in the subnet a public IPv4 address.
        type: bool
        default: false
      tags:
        description:
          - Tags of the subnet.
        type: dict
  purge_tags:
    description:
      - Remove the tags of the listed subnets that O(subnets[].tags) does not give. Without O(subnets[].tags) a
        subnet's tags are left as they are.
    type: bool
    default: true
  state:
    description:
      - Whether the subnets should exist.
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
    description: Shows each changed subnet's zone, public IP setting and tags before and after.
"""

EXAMPLES = r"""
- name: One public and one private subnet in each of two zones
  dataeng.platform.ec2_vpc_subnets:
    vpc_id: vpc-0123456789abcdef0
    subnets:
      - {cidr: 10.0.1.0/24, az: us-east-2a, map_public: true, tags: {Name: dev-public-a, Tier: public}}
      - {cidr: 10.0.2.0/24, az: us-east-2b, map_public: true, tags: {Name: dev-public-b, Tier: public}}
      - {cidr: 10.0.10.0/24, az: us-east-2a, tags: {Name: dev-private-a, Tier: private}}
      - {cidr: 10.0.20.0/24, az: us-east-2b, tags: {Name: dev-private-b, Tier: private}}

- name: Delete two of them
  dataeng.platform.ec2_vpc_subnets:
    vpc_id: vpc-0123456789abcdef0
    state: absent
    subnets:
      - cidr: 10.0.10.0/24
      - cidr: 10.0.20.0/24
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: "The API calls made (or that would be made, in check mode), each as C(<cidr>: <call>)."
  returned: always
  type: list
  elements: str
  sample: ["10.0.1.0/24: create_subnet", "10.0.1.0/24: modify_subnet_attribute"]
subnets:
  description: The subnets after the task, in the order given; empty with O(state=absent).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the subnet; missing for a subnet check mode would create.
      type: str
      sample: subnet-0123456789abcdef0
    cidr_block:
      description: The subnet's CIDR block.
      type: str
      sample: 10.0.1.0/24
    availability_zone:
      description: The subnet's zone; missing for a subnet check mode would create in a zone AWS chooses.
      type: str
      sample: us-east-2a
    map_public_ip_on_launch:
      description: Whether instances get a public IPv4 address.
      type: bool
    vpc_id:
      description: The VPC of the subnet.
      type: str
    tags:
      description: Tags of the subnet.
      type: dict
"""

from ansible_collections.dataeng.platform.plugins.module_utils import ec2
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action


def state_of(subnet):
    """A subnet as DescribeSubnets gives it, as the module returns it."""
    return {
        "id": subnet["SubnetId"],
        "cidr_block": subnet["CidrBlock"],
        "availability_zone": subnet["AvailabilityZone"],
        "map_public_ip_on_launch": subnet["MapPublicIpOnLaunch"],
        "vpc_id": subnet["VpcId"],
        "tags": ec2.tags_of(subnet),
    }


def plan_subnet(current, wanted, purge_tags):
    """The Actions that turn an existing subnet into the one asked for, each with what it takes, and the subnet after.

    Raises ValueError when the subnet is in another zone than the one asked for."""
    if wanted["az"] and current["availability_zone"] != wanted["az"]:
        raise ValueError(
            f"is in {current['availability_zone']}, not {wanted['az']}; AWS cannot move a subnet to another zone:"
            " delete it first (state=absent) or keep its zone"
        )
    actions = []
    if current["map_public_ip_on_launch"] != wanted["map_public"]:
        actions.append(Action("modify_subnet_attribute", wanted["map_public"]))
    return ec2.with_tag_changes(
        current, actions, wanted["tags"], purge_tags, map_public_ip_on_launch=wanted["map_public"]
    )


class Subnets(ec2.VpcList):
    """The listed subnets of one VPC, as the task asks for them."""

    member_kind = "subnet"
    option = "subnets"
    key = "cidr"
    result_key = "subnets"

    def read(self):
        """The VPC's subnets of the listed CIDR blocks, by CIDR block."""
        found = self.client.describe_subnets(
            aws_retry=True,
            Filters=[
                {"Name": "vpc-id", "Values": [self.params["vpc_id"]]},
                {"Name": "cidr-block", "Values": [subnet["cidr"] for subnet in self.params["subnets"]]},
            ],
        )["Subnets"]
        return {subnet["CidrBlock"]: state_of(subnet) for subnet in found}

    def present(self):
        existing = self.read()
        plans = {}
        for wanted in self.params["subnets"]:
            if wanted["cidr"] in existing:
                try:
                    plans[wanted["cidr"]] = plan_subnet(existing[wanted["cidr"]], wanted, self.params["purge_tags"])
                except ValueError as e:
                    self.module.fail_json(msg=f"subnet {wanted['cidr']} of {self.params['vpc_id']} {e}")

        results, created_ids = {}, []
        for wanted in self.params["subnets"]:
            cidr = wanted["cidr"]
            if cidr in existing:
                actions, after = plans[cidr]
            else:
                actions = [Action("create_subnet")] + (
                    [Action("modify_subnet_attribute", True)] if wanted["map_public"] else []
                )
                after = {
                    "cidr_block": cidr,
                    "map_public_ip_on_launch": wanted["map_public"],
                    "vpc_id": self.params["vpc_id"],
                    "tags": wanted["tags"] or {},
                    **({"availability_zone": wanted["az"]} if wanted["az"] else {}),
                }
            self.record(cidr, actions, existing.get(cidr, {}), after)
            if actions and not self.module.check_mode:
                if cidr in existing:
                    self.apply(existing[cidr]["id"], actions)
                else:
                    created_ids.append(self.create(wanted))
                    self.apply(created_ids[-1], actions[1:])
            results[cidr] = after

        if self.actions and not self.module.check_mode:
            if created_ids:
                self.wait_available(created_ids)
            # What AWS holds now, not what was asked for: one read for all the subnets.
            results = self.read()
        return [results[subnet["cidr"]] for subnet in self.params["subnets"]]

    def wait_available(self, subnet_ids):
        """Until AWS shows the new subnets, and shows them available.

        DescribeSubnets by id answers InvalidSubnetID.NotFound until a new subnet has propagated ("Eventual
        consistency in the Amazon EC2 API"), which botocore's subnet_available waiter takes for a failure: the
        retrying client waits that out first, and the waiter runs only for a subnet still pending."""
        subnets = self.client.describe_subnets(aws_retry=True, SubnetIds=subnet_ids)["Subnets"]
        if any(subnet["State"] != "available" for subnet in subnets):
            self.client.get_waiter("subnet_available").wait(SubnetIds=subnet_ids)

    def absent(self):
        existing = self.read()
        for subnet in self.params["subnets"]:
            if subnet["cidr"] not in existing:
                continue
            self.record(subnet["cidr"], [Action("delete_subnet")], existing[subnet["cidr"]], {})
            if not self.module.check_mode:
                self.client.delete_subnet(aws_retry=True, SubnetId=existing[subnet["cidr"]]["id"])
        return []

    def create(self, wanted):
        """Create a subnet with its tags and return its id."""
        request = {"VpcId": self.params["vpc_id"], "CidrBlock": wanted["cidr"]}
        if wanted["az"]:
            request["AvailabilityZone"] = wanted["az"]
        if wanted["tags"]:
            request["TagSpecifications"] = ec2.tag_specifications(wanted["tags"], "subnet")
        return self.client.create_subnet(aws_retry=True, **request)["Subnet"]["SubnetId"]

    def apply(self, subnet_id, actions):
        for action in actions:
            if action.call == "modify_subnet_attribute":
                self.client.modify_subnet_attribute(
                    aws_retry=True, SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": action.argument}
                )
            else:
                ec2.apply_ec2_tags(self.client, subnet_id, action)


def main():
    subnet_options = dict(
        cidr=dict(type="str", required=True, aliases=["cidr_block"]),
        az=dict(type="str"),
        map_public=dict(type="bool", default=False),
        tags=dict(type="dict"),
    )
    # A subnet AWS has just created may not be visible to the next call yet; a subnet whose instances or
    # gateways were just deleted keeps their network interfaces a while.
    ec2.run_vpc_list(Subnets, subnet_options, retried_error_codes=["InvalidSubnetID.NotFound", "DependencyViolation"])


if __name__ == "__main__":
    main()
