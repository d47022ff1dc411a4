#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vpc_network_info
version_added: 0.2.0
short_description: Read a VPC's internet gateways, NAT gateways, network ACLs, default security group and endpoints at
  once
description:
  - Reads in one module run what M(amazon.aws.ec2_vpc_igw_info), M(amazon.aws.ec2_vpc_nat_gateway_info),
    M(amazon.aws.ec2_vpc_nacl_info), M(amazon.aws.ec2_security_group_info) and M(amazon.aws.ec2_vpc_endpoint_info)
    read in five, each in the shape those modules return it, so that a role can tell which of a VPC's parts are as
    it asks before it runs a module for them.
  - EC2's Describe calls are eventually consistent, so a part just made or changed may be missing from the answer or
    read as it was (U(https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html)).
options:
  vpc_id:
    description:
      - The VPC whose NAT gateways, network ACLs, default security group and endpoints are read.
    type: str
    required: true
  internet_gateway_filters:
    description:
      - The filters of C(DescribeInternetGateways), such as C(tag:Name); without any, the gateways attached to
        O(vpc_id). A gateway that is attached nowhere belongs to no VPC; filter by its tags to find it.
    type: dict
    default: {}
  nat_gateway_states:
    description:
      - The states of the NAT gateways read.
    type: list
    elements: str
    default: [pending, available]
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
- name: Read the VPC's gateways, network ACLs and default security group
  dataeng.platform.ec2_vpc_network_info:
    vpc_id: vpc-0123456789abcdef0
    internet_gateway_filters:
      tag:Name: dev-igw
  register: network
"""

RETURN = r"""
internet_gateways:
  description: The internet gateways O(internet_gateway_filters) selects, as M(amazon.aws.ec2_vpc_igw_info) returns
    them (their id, attachments and tags as a dict).
  returned: always
  type: list
  elements: dict
  sample: [{"internet_gateway_id": "igw-0123456789abcdef0", "attachments": [{"state": "available",
           "vpc_id": "vpc-0123456789abcdef0"}], "tags": {"Name": "dev-igw"}}]
nat_gateways:
  description: The VPC's NAT gateways in one of O(nat_gateway_states), as M(amazon.aws.ec2_vpc_nat_gateway_info)
    returns them under C(result) (snake_case, tags as a dict).
  returned: always
  type: list
  elements: dict
network_acls:
  description: The VPC's network ACLs, as M(amazon.aws.ec2_vpc_nacl_info) returns them under C(nacls). Each rule is
    a list, C([number, protocol, action, CIDR, ICMP type, ICMP code, from port, to port]), the protocol named when
    it is C(all), C(icmp), C(tcp) or C(udp); a rule of another protocol than TCP, UDP and ICMP has ports 0 to 65535.
  returned: always
  type: list
  elements: dict
  sample: [{"nacl_id": "acl-0123456789abcdef0", "vpc_id": "vpc-0123456789abcdef0", "is_default": false,
           "subnets": ["subnet-0123456789abcdef0"], "tags": {"Name": "dev-public"},
           "ingress": [[100, "tcp", "allow", "0.0.0.0/0", null, null, 443, 443]],
           "egress": [[100, "all", "allow", "0.0.0.0/0", null, null, 0, 65535]]}]
default_security_group:
  description: The VPC's default security group (snake_case, tags as a dict), with its rules as EC2 describes them
    (C(ip_permissions), C(ip_permissions_egress)); empty when EC2 returned none.
  returned: always
  type: dict
vpc_endpoints:
  description: The VPC's endpoints, gateway and interface, as M(amazon.aws.ec2_vpc_endpoint_info) returns them
    (snake_case, the policy as its JSON text in C(policy_document)) but with the tags as a dict. EC2 lists an
    endpoint deleted lately too, in the state C(deleted).
  returned: always
  type: list
  elements: dict
  sample: [{"vpc_endpoint_id": "vpce-0123456789abcdef0", "vpc_endpoint_type": "Gateway", "state": "available",
           "service_name": "com.amazonaws.eu-west-1.s3", "route_table_ids": ["rtb-0123456789abcdef0"],
           "policy_document": "{\"Version\": \"2008-10-17\", \"Statement\": []}", "tags": {"Name": "dev-s3"}}]
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import (
    AnsibleEC2Error,
    describe_internet_gateways,
    describe_nat_gateways,
    describe_network_acls,
    describe_security_groups,
    describe_vpc_endpoints,
)
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.dataeng.platform.plugins.module_utils.ec2 import snake_with_tags, tags_of

# The protocols EC2 numbers in a network ACL entry that the rules name, as ec2_vpc_nacl takes and returns them.
PROTOCOL_NAMES = {"-1": "all", "1": "icmp", "6": "tcp", "17": "udp"}
ICMP = ("1", "58")
WITH_PORTS = ("1", "6", "17", "58")


def internet_gateway(described):
    """A DescribeInternetGateways answer's gateway as ec2_vpc_igw_info returns it: its id, attachments and tags."""
    return {
        "internet_gateway_id": described["InternetGatewayId"],
        "attachments": camel_dict_to_snake_dict({"Attachments": described.get("Attachments", [])})["attachments"],
        "tags": tags_of(described),
    }


def acl_rule(entry):
    """A NetworkAclEntry as a rule list: [number, protocol, action, CIDR, ICMP type, ICMP code, from, to]."""
    protocol = entry["Protocol"]
    icmp = entry.get("IcmpTypeCode", {}) if protocol in ICMP else {}
    if protocol not in WITH_PORTS:
        ports = [0, 65535]
    else:
        port_range = entry.get("PortRange")
        ports = [port_range["From"], port_range["To"]] if port_range else [None, None]
    return [
        entry["RuleNumber"],
        PROTOCOL_NAMES.get(protocol, protocol),
        entry["RuleAction"],
        entry.get("CidrBlock") or entry.get("Ipv6CidrBlock"),
        icmp.get("Type"),
        icmp.get("Code"),
        *ports,
    ]


def network_acl(described):
    """A DescribeNetworkAcls answer's ACL as ec2_vpc_nacl_info returns it. EC2 lists each direction's default rule
    (number 32767, deny everything), which no task sets: it is left out, as ec2_vpc_nacl_info leaves it."""
    entries = [entry for entry in described.get("Entries", []) if entry["RuleNumber"] < 32767]
    return {
        "nacl_id": described["NetworkAclId"],
        "vpc_id": described["VpcId"],
        "owner_id": described.get("OwnerId"),
        "is_default": described.get("IsDefault", False),
        "subnets": [association["SubnetId"] for association in described.get("Associations", [])],
        "tags": tags_of(described),
        "ingress": [acl_rule(entry) for entry in entries if not entry["Egress"]],
        "egress": [acl_rule(entry) for entry in entries if entry["Egress"]],
    }


def read(client, params):
    vpc = {"vpc-id": params["vpc_id"]}
    gateway_filters = params["internet_gateway_filters"] or {"attachment.vpc-id": params["vpc_id"]}
    gateways = describe_internet_gateways(client, Filters=ansible_dict_to_boto3_filter_list(gateway_filters))
    # DescribeNatGateways names its filters Filter, not Filters
    # (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNatGateways.html).
    nat_gateways = describe_nat_gateways(
        client, Filter=ansible_dict_to_boto3_filter_list({**vpc, "state": params["nat_gateway_states"]})
    )
    acls = describe_network_acls(client, Filters=ansible_dict_to_boto3_filter_list(vpc))
    default_groups = describe_security_groups(
        client, Filters=ansible_dict_to_boto3_filter_list({**vpc, "group-name": "default"})
    )
    endpoints = describe_vpc_endpoints(client, Filters=ansible_dict_to_boto3_filter_list(vpc))
    return {
        "internet_gateways": [internet_gateway(gateway) for gateway in gateways],
        "nat_gateways": [snake_with_tags(gateway) for gateway in nat_gateways],
        "network_acls": [network_acl(acl) for acl in acls],
        "default_security_group": snake_with_tags(default_groups[0]) if default_groups else {},
        "vpc_endpoints": [snake_with_tags(endpoint) for endpoint in endpoints],
    }


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        internet_gateway_filters=dict(type="dict", default={}),
        nat_gateway_states=dict(type="list", elements="str", default=["pending", "available"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        found = read(client, module.params)
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, **found)


if __name__ == "__main__":
    main()
