#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vpc_route_tables
version_added: 0.1.0
short_description: Manage several route tables of one VPC, with their routes and subnets, at once
description:
  - Makes a list of route tables of one VPC, each known by its C(Name) tag, exist with the routes, subnet
    associations and tags the task gives, or deletes them.
  - Does in one process and one read what M(amazon.aws.ec2_vpc_route_table) does one table per task, and does not
    pause after a change (that module sleeps 5 seconds whenever it changed a table); a call that reaches a table
    AWS does not show yet is retried.
  - A subnet the task gives that is associated with another table of the VPC is moved to its table.
options:
  vpc_id:
    description:
      - The VPC the route tables belong to.
    type: str
    required: true
  route_tables:
    description:
      - The route tables, by name (their C(Name) tag).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the table, kept in its C(Name) tag, unique in the VPC.
        type: str
        required: true
      routes:
        description:
          - Routes to IPv4 destinations, each through an internet gateway or a NAT gateway.
        type: list
        elements: dict
        default: []
        suboptions:
          dest:
            description:
              - The destination CIDR block, such as C(0.0.0.0/0).
            type: str
            required: true
          gateway_id:
            description:
              - An internet gateway.
            type: str
          nat_gateway_id:
            description:
              - A NAT gateway.
            type: str
      subnets:
        description:
          - The subnets (ids) associated with the table; its other subnet associations are removed.
        type: list
        elements: str
        default: []
      tags:
        description:
          - Tags of the table, besides its C(Name).
        type: dict
        default: {}
  purge_routes:
    description:
      - Delete the routes to IPv4 destinations the task does not give. The C(local) route and the routes gateway
        endpoints add (to prefix lists) are always kept.
    type: bool
    default: false
  purge_tags:
    description:
      - Remove the tags of the listed tables that O(route_tables[].tags) does not give.
    type: bool
    default: true
  state:
    description:
      - Whether the route tables should exist. With C(absent) their subnets go back to the VPC's main table.
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
    description: Shows each changed table's routes, subnets and tags before and after.
"""

EXAMPLES = r"""
- name: Public subnets through the internet gateway, private ones through the NAT gateway
  dataeng.platform.ec2_vpc_route_tables:
    vpc_id: vpc-0123456789abcdef0
    route_tables:
      - name: dev-public
        routes: [{dest: 0.0.0.0/0, gateway_id: igw-0123456789abcdef0}]
        subnets: [subnet-0aaaaaaaaaaaaaaaa, subnet-0bbbbbbbbbbbbbbbb]
        tags: {Tier: public}
      - name: dev-private
        routes: [{dest: 0.0.0.0/0, nat_gateway_id: nat-0123456789abcdef0}]
        subnets: [subnet-0cccccccccccccccc, subnet-0dddddddddddddddd]
        tags: {Tier: private}
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: "The API calls made (or that would be made, in check mode), each as C(<table>: <call> <what>)."
  returned: always
  type: list
  elements: str
  sample: ["dev-public: create_route_table", "dev-public: create_route 0.0.0.0/0"]
route_tables:
  description: The route tables after the task, in the order given; empty with O(state=absent).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the table; missing for a table check mode would create.
      type: str
      sample: rtb-0123456789abcdef0
    name:
      description: Name of the table.
      type: str
    routes:
      description: The routes to IPv4 destinations, by destination, each to its target (an id, or C(local)).
      type: dict
      sample: {"10.0.0.0/16": "local", "0.0.0.0/0": "igw-0123456789abcdef0"}
    subnets:
      description: The associated subnets, sorted.
      type: list
      elements: str
    tags:
      description: Tags of the table.
      type: dict
"""

from ansible_collections.dataeng.platform.plugins.module_utils import ec2
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action

# Route targets the module manages, as CreateRoute names them.
_TARGETS = ("gateway_id", "nat_gateway_id")
_TARGET_KEYS = {"gateway_id": "GatewayId", "nat_gateway_id": "NatGatewayId"}


def state_of(table):
    """A route table as DescribeRouteTables gives it, as the module returns it (with the association ids by subnet
    under `associations`, for the module's own use)."""
    routes = {}
    for route in table.get("Routes", []):
        if "DestinationCidrBlock" in route:
            routes[route["DestinationCidrBlock"]] = next(
                (
                    route[key]
                    for key in (
                        "GatewayId",
                        "NatGatewayId",
                        "TransitGatewayId",
                        "NetworkInterfaceId",
                        "VpcPeeringConnectionId",
                        "InstanceId",
                    )
                    if route.get(key)
                ),
                "",
            )
    associations = {
        association["SubnetId"]: association["RouteTableAssociationId"]
        for association in table.get("Associations", [])
        if association.get("SubnetId")
    }
    return {
        "id": table["RouteTableId"],
        "routes": routes,
        "subnets": sorted(associations),
        "associations": associations,
        "tags": ec2.tags_of(table),
    }


def wanted_routes(routes):
    """The task's routes as {destination: target}; raises ValueError for a route without exactly one target."""
    wanted = {}
    for route in routes:
        targets = [route[key] for key in _TARGETS if route.get(key)]
        if len(targets) != 1:
            raise ValueError(f"route to {route['dest']} needs exactly one of gateway_id and nat_gateway_id")
        wanted[route["dest"]] = targets[0]
    return wanted


def on(call, what):
    """The Action `call` on a route (its destination) or a subnet, which the module's `actions` name."""
    return Action(call, what, target=what)


def plan_table(current, wanted, subnet_owners, purge_routes, purge_tags):
    """The Actions that turn `current` (as state_of shows it) into the table asked for, and the table after.
    `subnet_owners` maps a subnet associated with another table of the VPC to that association."""
    routes = wanted_routes(wanted["routes"])
    deleted = [
        destination
        for destination, target in current["routes"].items()
        if purge_routes and destination not in routes and target != "local"
    ]
    actions = [on("delete_route", destination) for destination in deleted]
    for destination, target in routes.items():
        if destination not in current["routes"]:
            actions.append(on("create_route", destination))
        elif current["routes"][destination] != target:
            actions.append(on("replace_route", destination))
    for subnet in wanted["subnets"]:
        if subnet in subnet_owners:
            actions.append(on("replace_route_table_association", subnet))
        elif subnet not in current["subnets"]:
            actions.append(on("associate_route_table", subnet))
    actions += [
        on("disassociate_route_table", subnet) for subnet in current["subnets"] if subnet not in wanted["subnets"]
    ]
    after_routes = {
        destination: target for destination, target in current["routes"].items() if destination not in deleted
    }
    after_routes.update(routes)
    wanted_tags = dict(wanted["tags"], Name=wanted["name"])
    return ec2.with_tag_changes(
        current, actions, wanted_tags, purge_tags, routes=after_routes, subnets=sorted(wanted["subnets"])
    )


class RouteTables(ec2.VpcList):
    """The listed route tables of one VPC, as the task asks for them."""

    member_kind = "route table"
    option = "route_tables"
    key = "name"
    result_key = "route_tables"

    @classmethod
    def check(cls, module):
        for table in module.params["route_tables"]:
            try:
                wanted_routes(table["routes"])
            except ValueError as e:
                module.fail_json(msg=f"route_tables[{table['name']}]: {e}")

    def read(self):
        """Every route table of the VPC, as state_of shows it, and the listed ones by name."""
        tables = [
            state_of(table)
            for table in self.client.describe_route_tables(
                aws_retry=True, Filters=[{"Name": "vpc-id", "Values": [self.params["vpc_id"]]}]
            )["RouteTables"]
        ]
        names = {table["name"] for table in self.params["route_tables"]}
        return tables, {table["tags"]["Name"]: table for table in tables if table["tags"].get("Name") in names}

    def present(self):
        tables, listed = self.read()
        results = {}
        for wanted in self.params["route_tables"]:
            name = wanted["name"]
            current = listed.get(name)
            actions = []
            if current is None:
                actions.append(Action("create_route_table"))
                tags = dict(wanted["tags"], Name=name)
                current = {"id": None, "routes": {}, "subnets": [], "associations": {}, "tags": tags}
                if not self.module.check_mode:
                    current["id"] = self.create(wanted)
            subnet_owners = {
                subnet: association
                for table in tables
                if table["id"] != current["id"]
                for subnet, association in table["associations"].items()
            }
            # Every route's target was checked before any request (main).
            table_actions, after = plan_table(
                current, wanted, subnet_owners, self.params["purge_routes"], self.params["purge_tags"]
            )
            if table_actions and not self.module.check_mode:
                self.apply(current, wanted, table_actions, subnet_owners)
            before = self.shown(name, listed[name]) if name in listed else {}
            self.record(name, actions + table_actions, before, self.shown(name, after))
            results[name] = after

        if self.actions and not self.module.check_mode:
            # What AWS holds now, not what was asked for: one read for all the tables.
            _tables, results = self.read()
        return [self.shown(wanted["name"], results[wanted["name"]]) for wanted in self.params["route_tables"]]

    def absent(self):
        _tables, listed = self.read()
        for wanted in self.params["route_tables"]:
            name = wanted["name"]
            if name not in listed:
                continue
            table = listed[name]
            actions = [on("disassociate_route_table", subnet) for subnet in table["subnets"]]
            self.record(name, actions + [Action("delete_route_table")], self.shown(name, table), {})
            if not self.module.check_mode:
                for association in table["associations"].values():
                    self.client.disassociate_route_table(aws_retry=True, AssociationId=association)
                self.client.delete_route_table(aws_retry=True, RouteTableId=table["id"])
        return []

    def create(self, wanted):
        """Create a table with its tags and return its id."""
        tags = dict(wanted["tags"], Name=wanted["name"])
        return self.client.create_route_table(
            aws_retry=True,
            VpcId=self.params["vpc_id"],
            TagSpecifications=ec2.tag_specifications(tags, "route-table"),
        )["RouteTable"]["RouteTableId"]

    def apply(self, current, wanted, actions, subnet_owners):
        table_id = current["id"]
        # Each route's target, under the key CreateRoute names it with (GatewayId, NatGatewayId).
        targets = {
            route["dest"]: {_TARGET_KEYS[key]: route[key] for key in _TARGETS if route.get(key)}
            for route in wanted["routes"]
        }
        for action in actions:
            call, what = action.call, action.argument
            if call in ("create_route", "replace_route"):
                getattr(self.client, call)(
                    aws_retry=True, RouteTableId=table_id, DestinationCidrBlock=what, **targets[what]
                )
            elif call == "delete_route":
                self.client.delete_route(aws_retry=True, RouteTableId=table_id, DestinationCidrBlock=what)
            elif call == "associate_route_table":
                self.client.associate_route_table(aws_retry=True, RouteTableId=table_id, SubnetId=what)
            elif call == "replace_route_table_association":
                self.client.replace_route_table_association(
                    aws_retry=True, RouteTableId=table_id, AssociationId=subnet_owners[what]
                )
            elif call == "disassociate_route_table":
                self.client.disassociate_route_table(aws_retry=True, AssociationId=current["associations"][what])
            else:
                ec2.apply_ec2_tags(self.client, table_id, action)

    def shown(self, name, table):
        shown = {"name": name, "routes": table["routes"], "subnets": table["subnets"], "tags": table["tags"]}
        if table["id"]:
            shown["id"] = table["id"]
        return shown


def main():
    route_options = dict(
        dest=dict(type="str", required=True),
        gateway_id=dict(type="str"),
        nat_gateway_id=dict(type="str"),
    )
    table_options = dict(
        name=dict(type="str", required=True),
        routes=dict(type="list", elements="dict", default=[], options=route_options),
        subnets=dict(type="list", elements="str", default=[]),
        tags=dict(type="dict", default={}),
    )
    # A table AWS has just created, or a gateway just attached, may not be visible to the next call yet.
    retried = ["InvalidRouteTableID.NotFound", "InvalidGatewayID.NotFound", "InvalidNatGatewayID.NotFound"]
    ec2.run_vpc_list(RouteTables, table_options, dict(purge_routes=dict(type="bool", default=False)), retried)


if __name__ == "__main__":
    main()
