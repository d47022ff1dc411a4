"""The ec2_hosts inventory plugin's pure functions: the host name an instance gets, its host variables, the
DescribeInstances filters of the `filters` option, the credentials of the session, without AWS or mocks.

The instance below has the shape of one of DescribeInstances' answer (botocore's model of EC2 holds it:
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html)."""

from __future__ import annotations

import datetime
import json
import re

import pytest

from ansible_collections.dataeng.platform.plugins.inventory import ec2_hosts
from support.botocore_shape import service_model, validate

LAUNCHED = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def instance(**changes) -> dict:
    described = {
        "InstanceId": "i-0123456789abcdef0",
        "ImageId": "ami-0abcdef1234567890",
        "InstanceType": "t3.small",
        "LaunchTime": LAUNCHED,
        "Placement": {"AvailabilityZone": "us-east-2b", "Tenancy": "default"},
        "PrivateDnsName": "ip-10-0-1-5.us-east-2.compute.internal",
        "PrivateIpAddress": "10.0.1.5",
        "PublicDnsName": "ec2-3-14-15-92.us-east-2.compute.amazonaws.com",
        "PublicIpAddress": "3.14.15.92",
        "State": {"Code": 16, "Name": "running"},
        "SubnetId": "subnet-0123456789abcdef0",
        "VpcId": "vpc-0123456789abcdef0",
        "SecurityGroups": [{"GroupId": "sg-0123456789abcdef0", "GroupName": "dataeng-dev-monitoring"}],
        "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"},
        "Tags": [
            {"Key": "Name", "Value": "dataeng-dev-monitoring"},
            {"Key": "Role", "Value": "monitoring"},
            {"Key": "aws:cloudformation:stack-name", "Value": "CaseSensitive"},
        ],
    }
    described.update(changes)
    return {key: value for key, value in described.items() if value is not None}


# --------------------------------------------------------------------------------------------------- host names


def test_the_first_hostnames_entry_the_instance_has_wins():
    assert ec2_hosts.hostname(instance(), ["tag:Name", "instance-id"]) == "dataeng-dev-monitoring"
    assert ec2_hosts.hostname(instance(), ["instance-id", "tag:Name"]) == "i-0123456789abcdef0"


def test_an_instance_without_the_tag_falls_to_the_next_entry():
    untagged = instance(Tags=[{"Key": "Role", "Value": "monitoring"}])
    assert ec2_hosts.hostname(untagged, ["tag:Name", "instance-id"]) == "i-0123456789abcdef0"
    assert ec2_hosts.hostname(instance(Tags=None), ["tag:Name", "instance-id"]) == "i-0123456789abcdef0"


def test_an_empty_value_counts_as_none():
    # An instance without a public address has an empty PublicDnsName in DescribeInstances' answer.
    private = instance(PublicDnsName="", PublicIpAddress=None, Tags=[{"Key": "Name", "Value": ""}])
    assert ec2_hosts.hostname(private, ["tag:Name", "dns-name", "ip-address", "private-ip-address"]) == "10.0.1.5"


def test_attributes_are_read_where_describe_instances_puts_them():
    described = instance()
    expected = {
        "dns-name": "ec2-3-14-15-92.us-east-2.compute.amazonaws.com",
        "private-dns-name": "ip-10-0-1-5.us-east-2.compute.internal",
        "ip-address": "3.14.15.92",
        "private-ip-address": "10.0.1.5",
        "availability-zone": "us-east-2b",
        "instance-type": "t3.small",
        "vpc-id": "vpc-0123456789abcdef0",
    }
    assert {entry: ec2_hosts.hostname(described, [entry]) for entry in expected} == expected


def test_tag_keys_are_case_sensitive_and_may_hold_colons():
    described = instance()
    assert ec2_hosts.hostname(described, ["tag:aws:cloudformation:stack-name"]) == "CaseSensitive"
    assert ec2_hosts.hostname(described, ["tag:name"]) is None


def test_an_instance_with_none_of_the_entries_gets_no_name():
    assert ec2_hosts.hostname(instance(Tags=None), ["tag:Name"]) is None


def test_the_default_hostnames_are_aws_ec2s():
    assert ec2_hosts.check_hostnames([]) == ["dns-name", "private-dns-name"]
    assert ec2_hosts.hostname(instance(), ec2_hosts.check_hostnames([])) == instance()["PublicDnsName"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("public-ip-address", "unknown hostnames entry 'public-ip-address'"),
        ("tag:", "names no tag key"),
        ({"name": "tag:Name", "prefix": "aws"}, "hostnames entries are text"),
    ],
)
def test_an_entry_the_plugin_does_not_know_is_an_error_not_a_literal_name(entry, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ec2_hosts.check_hostnames(["tag:Name", entry])


def test_every_attribute_entry_is_a_describe_instances_filter_of_a_field_of_the_instance():
    operation = service_model("ec2").operation_model("DescribeInstances")
    documented = set(
        re.findall(r"<code>([a-z0-9.:-]+)</code> - ", operation.input_shape.members["Filters"].documentation)
    )
    assert set(ec2_hosts.HOSTNAME_ATTRIBUTES) <= documented
    instance_shape = service_model("ec2").shape_for("Instance")
    for entry, path in ec2_hosts.HOSTNAME_ATTRIBUTES.items():
        shape = instance_shape
        for key in path:
            assert key in shape.members, (entry, path)
            shape = shape.members[key]
        assert shape.type_name == "string", (entry, path)


# ----------------------------------------------------------------------------------------------- host variables


def test_host_variables_are_the_attributes_in_snake_case_as_aws_ec2_gives_them():
    variables = ec2_hosts.host_variables(ec2_hosts._plain(instance()), "us-east-2")
    assert variables["instance_id"] == "i-0123456789abcdef0"
    assert variables["private_ip_address"] == "10.0.1.5"
    assert variables["public_ip_address"] == "3.14.15.92"
    assert variables["state"] == {"code": 16, "name": "running"}
    assert variables["placement"] == {"availability_zone": "us-east-2b", "tenancy": "default", "region": "us-east-2"}
    assert variables["security_groups"] == [
        {"group_id": "sg-0123456789abcdef0", "group_name": "dataeng-dev-monitoring"}
    ]
    assert variables["metadata_options"]["http_tokens"] == "required"
    assert variables["launch_time"] == "2026-01-02T03:04:05+00:00"


def test_the_tags_are_ec2_tags_and_there_is_no_tags_variable():
    variables = ec2_hosts.host_variables(instance(), "us-east-2")
    assert "tags" not in variables
    assert variables["ec2_tags"] == {
        "Name": "dataeng-dev-monitoring",
        "Role": "monitoring",
        "aws:cloudformation:stack-name": "CaseSensitive",
    }
    assert ec2_hosts.host_variables(instance(Tags=None), "us-east-2")["ec2_tags"] == {}


def test_the_region_is_the_one_read_not_guessed_from_the_zone():
    # A Local Zone's name is not its region's with a letter added.
    local_zone = instance(Placement={"AvailabilityZone": "us-west-2-lax-1a"})
    assert ec2_hosts.host_variables(local_zone, "us-west-2")["placement"]["region"] == "us-west-2"


def test_the_pages_give_every_instance_with_its_reservation_in_instance_id_order_as_plain_json():
    pages = [
        {
            "Reservations": [
                {
                    "OwnerId": "123456789012",
                    "ReservationId": "r-2",
                    "Instances": [instance(InstanceId="i-0000000000000000b")],
                }
            ],
            "NextToken": "page-2",
        },
        {
            "Reservations": [
                {
                    "OwnerId": "123456789012",
                    "RequesterId": "940372691376",
                    "ReservationId": "r-1",
                    "Instances": [
                        instance(InstanceId="i-0000000000000000c"),
                        instance(InstanceId="i-0000000000000000a"),
                    ],
                }
            ]
        },
        {"Reservations": []},
    ]
    found = ec2_hosts.instances_of_pages(pages, "us-east-2")
    assert [entry["instance"]["InstanceId"] for entry in found] == [
        "i-0000000000000000a",
        "i-0000000000000000b",
        "i-0000000000000000c",
    ]
    assert {entry["region"] for entry in found} == {"us-east-2"}
    first = found[0]["instance"]
    assert (first["OwnerId"], first["RequesterId"], first["ReservationId"]) == ("123456789012", "940372691376", "r-1")
    assert found[1]["instance"]["RequesterId"] == ""
    # What a JSON cache gives back is what was described.
    assert json.loads(json.dumps(found)) == found
    variables = ec2_hosts.host_variables(first, "us-east-2")
    assert (variables["owner_id"], variables["reservation_id"]) == ("123456789012", "r-1")


# ------------------------------------------------------------------------------------------------------ filters


def test_filters_become_describe_instances_filters_with_every_value_as_text():
    filters = ec2_hosts.boto3_filters(
        {
            "tag:Project": "dataeng",
            "tag:Environment": ["dev", "qa"],
            "instance-state-name": "running",
            "ebs-optimized": True,
            "launch-index": 0,
        }
    )
    assert filters == [
        {"Name": "tag:Project", "Values": ["dataeng"]},
        {"Name": "tag:Environment", "Values": ["dev", "qa"]},
        {"Name": "instance-state-name", "Values": ["running"]},
        {"Name": "ebs-optimized", "Values": ["true"]},
        {"Name": "launch-index", "Values": ["0"]},
    ]
    validate("ec2", "DescribeInstances", {"Filters": filters, "MaxResults": ec2_hosts.PAGE_SIZE})


def test_without_a_state_filter_terminated_instances_are_left_out_as_aws_ec2_does():
    assert ec2_hosts.boto3_filters({}) == [
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}
    ]
    assert ec2_hosts.boto3_filters({"tag:Role": "monitoring"})[-1]["Name"] == "instance-state-name"


def test_the_page_size_is_one_describe_instances_accepts():
    # MaxResults: 5 to 1000 (API_DescribeInstances.html).
    assert 5 <= ec2_hosts.PAGE_SIZE <= 1000


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"tag:Role": []}, "filter 'tag:Role' has no value"),
        ({"tag:Role": None}, "neither text, a number nor a boolean"),
        ({"tag:Role": {"Key": "Role"}}, "neither text, a number nor a boolean"),
        (["tag:Role=monitoring"], "filters must be a mapping"),
    ],
)
def test_a_filter_the_api_cannot_take_is_an_error(filters, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ec2_hosts.boto3_filters(filters)


# -------------------------------------------------------------------------------------------------- credentials

FILE = "Direct"
ENV = "env: AWS_PROFILE"


def test_without_credentials_boto3_finds_its_own():
    assert ec2_hosts.session_arguments({"access_key": None, "profile": ""}, {}) == {}


def test_keys_of_the_inventory_file_are_used_even_with_a_profile_in_the_environment():
    values = {"access_key": "testing", "secret_key": "secret", "profile": "developer"}
    origins = {"access_key": FILE, "secret_key": FILE, "profile": ENV}
    assert ec2_hosts.session_arguments(values, origins) == {
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "secret",
    }


def test_a_profile_of_the_inventory_file_wins_over_keys_of_the_environment():
    values = {"access_key": "AKIAENV", "secret_key": "env-secret", "session_token": "env-token", "profile": "ops"}
    origins = {
        "access_key": "env: AWS_ACCESS_KEY_ID",
        "secret_key": "env: X",
        "session_token": "env: Y",
        "profile": FILE,
    }
    assert ec2_hosts.session_arguments(values, origins) == {"profile_name": "ops"}


def test_from_the_environment_keys_win_over_a_profile_as_in_boto3():
    values = {"access_key": "AKIAENV", "secret_key": "env-secret", "session_token": "token", "profile": "ops"}
    origins = {name: "env: X" for name in values}
    assert ec2_hosts.session_arguments(values, origins) == {
        "aws_access_key_id": "AKIAENV",
        "aws_secret_access_key": "env-secret",
        "aws_session_token": "token",
    }


def test_verify_file_takes_ec2_hosts_and_aws_ec2_file_names(tmp_path):
    plugin = ec2_hosts.InventoryModule()
    for name, taken in [
        ("ec2_hosts.yml", True),
        ("dev.ec2_hosts.yaml", True),
        ("aws_ec2.yml", True),
        ("hosts.yml", False),
        ("ec2_hosts.yml.orig", False),
    ]:
        path = tmp_path / name
        path.write_text("plugin: dataeng.platform.ec2_hosts\n")
        assert plugin.verify_file(str(path)) is taken, name
    assert plugin.verify_file(str(tmp_path / "missing.ec2_hosts.yml")) is False
