"""When the network role runs the stock S3 gateway endpoint module and its own endpoint policies module
(roles/network/vars/main.yml): only when the read before them (ec2_vpc_network_info) found something to change."""

from __future__ import annotations

import json

import pytest

from support.role_vars import templated

REGION = "eu-west-1"
ACCOUNT = "123456789012"
TAGS = {"Project": "platform", "Environment": "dev"}
TABLES = ["rtb-0000000000000000a", "rtb-0000000000000000b"]
S3 = f"com.amazonaws.{REGION}.s3"
S3_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PlatformAccountAndBucketsOnly",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT, "aws:ResourceAccount": ACCOUNT}},
        }
    ],
}


def endpoint(**changed) -> dict:
    """The S3 gateway endpoint as the read finds it after a converge, but for `changed`."""
    return {
        "vpc_endpoint_id": "vpce-0000000000000000s",
        "vpc_endpoint_type": "Gateway",
        "service_name": S3,
        "state": "available",
        "route_table_ids": list(reversed(TABLES)),
        "policy_document": json.dumps(S3_POLICY),
        "tags": {**TAGS, "Name": "dev-s3"},
        **changed,
    }


def value(name: str, *endpoints: dict, **facts) -> object:
    settings = {
        "aws_region": REGION,
        "platform_aws_account_id": ACCOUNT,
        "platform_prefix": "dev",
        "platform_resource_tags": TAGS,
        "network_s3_endpoint_enabled": True,
        "network_s3_endpoint_foreign_buckets": [],
        "network_endpoint_policies_scoped": True,
        "_network_converged_table_list": [{"id": table} for table in TABLES],
        "_network_parts": {"vpc_endpoints": list(endpoints)},
        "_network_s3_endpoint": {"skipped": True},
    }
    return templated("network", name, **{**settings, **facts})


def test_an_endpoint_as_the_module_leaves_it_is_not_converged_again():
    assert value("_network_s3_endpoint_in_place", endpoint())["vpc_endpoint_id"] == "vpce-0000000000000000s"
    assert value("_network_s3_endpoint_id", endpoint()) == "vpce-0000000000000000s"


@pytest.mark.parametrize(
    "changed",
    [
        {"route_table_ids": TABLES[:1]},
        {"route_table_ids": [*TABLES, "rtb-0000000000000000c"]},
        {"tags": {**TAGS, "Name": "dev-s3", "Owner": "someone"}},
        {"tags": TAGS},
        {"state": "pending"},
        {"state": "deleted"},
        {"service_name": f"com.amazonaws.{REGION}.dynamodb"},
    ],
    ids=[
        "a route table less",
        "a route table more",
        "a tag added",
        "a tag missing",
        "pending",
        "deleted",
        "another service",
    ],
)
def test_an_endpoint_the_module_would_change_or_make_runs_it(changed):
    assert value("_network_s3_endpoint_in_place", endpoint(**changed)) == {}


def test_no_endpoint_runs_the_module_and_its_answer_names_the_endpoint():
    assert value("_network_s3_endpoint_in_place") == {}
    made = {"result": {"vpc_endpoint_id": "vpce-0000000000000000n"}}
    assert value("_network_s3_endpoint_id", _network_s3_endpoint=made) == "vpce-0000000000000000n"


def test_a_disabled_endpoint_is_neither_converged_nor_published():
    assert value("_network_s3_endpoint_in_place", endpoint(), network_s3_endpoint_enabled=False) == {}
    assert value("_network_s3_endpoint_id", endpoint(), network_s3_endpoint_enabled=False) == ""


def test_policies_in_place_cost_no_module_run():
    assert value("_network_endpoint_policies_in_place", endpoint()) is True


@pytest.mark.parametrize(
    "policy",
    [
        {**S3_POLICY, "Statement": [{**S3_POLICY["Statement"][0], "Condition": {}}]},
        {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]},
    ],
    ids=["condition removed", "the default policy"],
)
def test_a_policy_changed_behind_the_role_runs_the_module(policy):
    assert value("_network_endpoint_policies_in_place", endpoint(policy_document=json.dumps(policy))) is False


def test_an_endpoint_the_read_did_not_find_runs_the_module():
    made = {"result": {"vpc_endpoint_id": "vpce-0000000000000000n"}}
    assert value("_network_endpoint_policies_in_place", endpoint(), _network_s3_endpoint=made) is False


def test_unscoped_endpoints_keep_the_default_policy():
    default = {
        "Version": "2008-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
    }
    unscoped = {"network_endpoint_policies_scoped": False}
    assert value("_network_endpoint_policies_in_place", endpoint(policy_document=json.dumps(default)), **unscoped)
    assert not value("_network_endpoint_policies_in_place", endpoint(), **unscoped)
