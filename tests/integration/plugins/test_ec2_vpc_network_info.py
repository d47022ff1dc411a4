"""ec2_vpc_network_info against the emulator: in one module run, what the four amazon.aws info modules it stands in
for return, in their shapes."""

from __future__ import annotations

import json

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow


def tagged(name: str) -> list[dict]:
    return [{"Key": "Name", "Value": name}, {"Key": "Environment", "Value": "it"}]


def test_it_reads_what_the_info_modules_read(aws_emulator):
    aws = Aws(aws_emulator)
    vpc_id = aws.ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnet_id = aws.ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.60.1.0/24")["Subnet"]["SubnetId"]
    attached = aws.ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": tagged("it-igw")}]
    )["InternetGateway"]["InternetGatewayId"]
    aws.ec2.attach_internet_gateway(InternetGatewayId=attached, VpcId=vpc_id)
    detached = aws.ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": tagged("it-igw")}]
    )["InternetGateway"]["InternetGatewayId"]
    acl_id = aws.ec2.create_network_acl(
        VpcId=vpc_id, TagSpecifications=[{"ResourceType": "network-acl", "Tags": tagged("it-public")}]
    )["NetworkAcl"]["NetworkAclId"]
    for number, protocol, ports in ((100, "-1", None), (300, "6", {"From": 443, "To": 443})):
        aws.ec2.create_network_acl_entry(
            NetworkAclId=acl_id,
            RuleNumber=number,
            Protocol=protocol,
            RuleAction="allow",
            Egress=False,
            CidrBlock="10.60.0.0/16",
            **({"PortRange": ports} if ports else {}),
        )
    default_acl = aws.ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"][0]
    association = next(a for a in default_acl["Associations"] if a["SubnetId"] == subnet_id)
    aws.ec2.replace_network_acl_association(AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl_id)
    allocation = aws.ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = aws.ec2.create_nat_gateway(
        SubnetId=subnet_id,
        AllocationId=allocation,
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": tagged("it-nat")}],
    )["NatGateway"]["NatGatewayId"]

    table_id = aws.ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    endpoint_policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}
    endpoint_id = aws.ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        VpcEndpointType="Gateway",
        ServiceName=f"com.amazonaws.{aws.region}.s3",
        RouteTableIds=[table_id],
        PolicyDocument=json.dumps(endpoint_policy),
        TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": tagged("it-s3")}],
    )["VpcEndpoint"]["VpcEndpointId"]

    found = run_module(
        aws_emulator,
        "dataeng.platform.ec2_vpc_network_info",
        {"vpc_id": vpc_id, "internet_gateway_filters": {"tag:Name": "it-igw", "tag:Environment": "it"}},
        check=True,
    )
    assert found["changed"] is False, found.get("msg")

    gateways = run_module(
        aws_emulator, "amazon.aws.ec2_vpc_igw_info", {"filters": {"tag:Name": "it-igw", "tag:Environment": "it"}}
    )["internet_gateways"]
    assert sorted(gateway["internet_gateway_id"] for gateway in found["internet_gateways"]) == sorted(
        [attached, detached]
    )
    assert sorted(found["internet_gateways"], key=str) == sorted(gateways, key=str)

    acls = run_module(aws_emulator, "amazon.aws.ec2_vpc_nacl_info", {"filters": {"vpc-id": vpc_id}})["nacls"]
    assert sorted(found["network_acls"], key=str) == sorted(acls, key=str)
    public = next(acl for acl in found["network_acls"] if acl["nacl_id"] == acl_id)
    assert public["subnets"] == [subnet_id]
    assert public["ingress"] == [
        [100, "all", "allow", "10.60.0.0/16", None, None, 0, 65535],
        [300, "tcp", "allow", "10.60.0.0/16", None, None, 443, 443],
    ]

    nat_gateways = run_module(aws_emulator, "amazon.aws.ec2_vpc_nat_gateway_info", {"filters": {"vpc-id": vpc_id}})[
        "result"
    ]
    assert [gateway["nat_gateway_id"] for gateway in found["nat_gateways"]] == [nat_id]
    assert found["nat_gateways"] == nat_gateways
    assert found["nat_gateways"][0]["tags"] == {"Name": "it-nat", "Environment": "it"}

    group = found["default_security_group"]
    assert (group["group_name"], group["vpc_id"]) == ("default", vpc_id)
    assert (
        group["group_id"]
        == aws.ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"][0]["GroupId"]
    )

    endpoints = run_module(aws_emulator, "amazon.aws.ec2_vpc_endpoint_info", {"filters": {"vpc-id": vpc_id}})[
        "vpc_endpoints"
    ]
    assert [endpoint["vpc_endpoint_id"] for endpoint in found["vpc_endpoints"]] == [endpoint_id]
    # ec2_vpc_endpoint_info lists the tags as EC2 does; the module gives them as a dict, as its other parts.
    assert [{**endpoint, "tags": {}} for endpoint in found["vpc_endpoints"]] == [
        {**endpoint, "tags": {}} for endpoint in endpoints
    ]
    assert found["vpc_endpoints"][0]["tags"] == {"Name": "it-s3", "Environment": "it"}
    assert found["vpc_endpoints"][0]["route_table_ids"] == [table_id]
    assert json.loads(found["vpc_endpoints"][0]["policy_document"]) == endpoint_policy

    attached_only = run_module(aws_emulator, "dataeng.platform.ec2_vpc_network_info", {"vpc_id": vpc_id})
    assert [gateway["internet_gateway_id"] for gateway in attached_only["internet_gateways"]] == [attached]
