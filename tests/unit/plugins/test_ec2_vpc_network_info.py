"""The ec2_vpc_network_info module's shapes: a network ACL as ec2_vpc_nacl_info returns it, a tagged resource in
snake_case with its tags as a dict."""

from __future__ import annotations

import datetime

from ansible_collections.dataeng.platform.plugins.modules import ec2_vpc_network_info as module

# A DescribeNetworkAcls answer's ACL, as the EC2 API reference documents NetworkAcl and NetworkAclEntry
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkAclEntry.html).
DESCRIBED_ACL = {
    "NetworkAclId": "acl-1",
    "VpcId": "vpc-1",
    "OwnerId": "123456789012",
    "IsDefault": False,
    "Associations": [
        {"NetworkAclAssociationId": "aclassoc-1", "NetworkAclId": "acl-1", "SubnetId": "subnet-1"},
        {"NetworkAclAssociationId": "aclassoc-2", "NetworkAclId": "acl-1", "SubnetId": "subnet-2"},
    ],
    "Entries": [
        {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": False, "CidrBlock": "10.0.0.0/16"},
        {
            "RuleNumber": 300,
            "Protocol": "6",
            "RuleAction": "allow",
            "Egress": False,
            "CidrBlock": "0.0.0.0/0",
            "PortRange": {"From": 443, "To": 443},
        },
        {
            "RuleNumber": 310,
            "Protocol": "1",
            "RuleAction": "deny",
            "Egress": False,
            "CidrBlock": "0.0.0.0/0",
            "IcmpTypeCode": {"Type": 8, "Code": -1},
        },
        {"RuleNumber": 320, "Protocol": "50", "RuleAction": "allow", "Egress": False, "Ipv6CidrBlock": "::/0"},
        {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": False, "CidrBlock": "0.0.0.0/0"},
        {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": True, "CidrBlock": "0.0.0.0/0"},
        {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": True, "CidrBlock": "0.0.0.0/0"},
    ],
    "Tags": [{"Key": "Name", "Value": "dev-public"}],
}


def test_a_network_acl_reads_as_ec2_vpc_nacl_info_returns_it():
    assert module.network_acl(DESCRIBED_ACL) == {
        "nacl_id": "acl-1",
        "vpc_id": "vpc-1",
        "owner_id": "123456789012",
        "is_default": False,
        "subnets": ["subnet-1", "subnet-2"],
        "tags": {"Name": "dev-public"},
        "ingress": [
            [100, "all", "allow", "10.0.0.0/16", None, None, 0, 65535],
            [300, "tcp", "allow", "0.0.0.0/0", None, None, 443, 443],
            [310, "icmp", "deny", "0.0.0.0/0", 8, -1, None, None],
            [320, "50", "allow", "::/0", None, None, 0, 65535],
        ],
        "egress": [[100, "all", "allow", "0.0.0.0/0", None, None, 0, 65535]],
    }


def test_an_acl_without_rules_or_subnets_reads_as_empty_lists():
    described = {"NetworkAclId": "acl-2", "VpcId": "vpc-1", "IsDefault": True, "Entries": [], "Associations": []}
    acl = module.network_acl(described)
    assert (acl["ingress"], acl["egress"], acl["subnets"], acl["tags"], acl["is_default"]) == ([], [], [], {}, True)


def test_a_gateway_reads_in_snake_case_with_its_tags_as_a_dict_and_its_times_as_text():
    described = {
        "NatGatewayId": "nat-1",
        "CreateTime": datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC),
        "NatGatewayAddresses": [{"PublicIp": "203.0.113.5", "AllocationId": "eipalloc-1"}],
        "Tags": [{"Key": "Name", "Value": "dev-nat"}, {"Key": "CostCenter", "Value": "42"}],
    }
    assert module.snake_with_tags(described) == {
        "nat_gateway_id": "nat-1",
        "create_time": "2026-12-07T12:00:00+00:00",
        "nat_gateway_addresses": [{"public_ip": "203.0.113.5", "allocation_id": "eipalloc-1"}],
        "tags": {"Name": "dev-nat", "CostCenter": "42"},
    }


def test_an_internet_gateway_reads_as_ec2_vpc_igw_info_returns_it():
    described = {
        "InternetGatewayId": "igw-1",
        "OwnerId": "123456789012",
        "Attachments": [{"State": "available", "VpcId": "vpc-1"}],
        "Tags": [{"Key": "Name", "Value": "dev-igw"}],
    }
    assert module.internet_gateway(described) == {
        "internet_gateway_id": "igw-1",
        "attachments": [{"state": "available", "vpc_id": "vpc-1"}],
        "tags": {"Name": "dev-igw"},
    }
