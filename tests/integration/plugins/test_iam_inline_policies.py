"""iam_inline_policies against the emulator: check mode, put, no-op rerun, drift and purge, a missing role."""

from __future__ import annotations

import json

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
MODULE = "dataeng.platform.iam_inline_policies"
ROLES = ("it-policies-glue", "it-policies-ecs")
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def policy(*actions: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}


def inline(aws, role: str) -> dict:
    names = aws.iam.list_role_policies(RoleName=role)["PolicyNames"]
    return {name: aws.iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"] for name in names}


@pytest.fixture
def roles(aws_emulator):
    aws = Aws(aws_emulator)
    for role in ROLES:
        aws.iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    yield aws
    for role in ROLES:
        for name in aws.iam.list_role_policies(RoleName=role)["PolicyNames"]:
            aws.iam.delete_role_policy(RoleName=role, PolicyName=name)
        aws.iam.delete_role(RoleName=role)


def test_every_role_gets_exactly_its_policies(aws_emulator, roles):
    aws = roles
    glue, ecs = ROLES
    args = {
        "purge": True,
        "roles": [
            {"name": glue, "policies": {glue: policy("s3:GetObject", "glue:GetTable")}},
            {"name": ecs, "policies": {ecs: json.dumps(policy("secretsmanager:GetSecretValue"))}},
        ],
    }

    planned = run_module(aws_emulator, MODULE, args, check=True, diff=True)
    assert planned["changed"] is True, planned.get("msg")
    assert planned["actions"] == [f"{glue}: put_role_policy {glue}", f"{ecs}: put_role_policy {ecs}"]
    assert planned["diff"]["before"][glue] == {}
    assert inline(aws, glue) == {}

    assert run_module(aws_emulator, MODULE, args)["changed"] is True
    assert inline(aws, glue)[glue]["Statement"][0]["Action"] == ["s3:GetObject", "glue:GetTable"]
    assert inline(aws, ecs)[ecs]["Statement"][0]["Action"] == ["secretsmanager:GetSecretValue"]

    rerun = run_module(aws_emulator, MODULE, args)
    assert rerun["changed"] is False
    assert rerun["actions"] == []

    # By hand: a wider policy on one role, an extra one on the other.
    aws.iam.put_role_policy(RoleName=glue, PolicyName=glue, PolicyDocument=json.dumps(policy("s3:*")))
    aws.iam.put_role_policy(RoleName=ecs, PolicyName="by-hand", PolicyDocument=json.dumps(policy("iam:*")))
    kept = run_module(aws_emulator, MODULE, {**args, "purge": False})
    assert kept["actions"] == [f"{glue}: put_role_policy {glue}"]
    assert "by-hand" in inline(aws, ecs)
    purged = run_module(aws_emulator, MODULE, args)
    assert purged["actions"] == [f"{ecs}: delete_role_policy by-hand"]
    assert set(inline(aws, ecs)) == {ecs}
    assert inline(aws, glue)[glue]["Statement"][0]["Action"] == ["s3:GetObject", "glue:GetTable"]


def test_a_missing_role_fails_with_its_name(aws_emulator):
    failed = run_module(
        aws_emulator, MODULE, {"roles": [{"name": "it-policies-missing", "policies": {"p": policy("s3:GetObject")}}]}
    )
    assert failed.get("failed") is True
    assert "IAM role it-policies-missing does not exist" in failed["msg"]


def test_a_document_that_is_not_json_fails_before_any_request(aws_emulator):
    failed = run_module(
        aws_emulator, MODULE, {"roles": [{"name": "it-policies-missing", "policies": {"p": "{not json"}}]}
    )
    assert failed.get("failed") is True
    assert "a policy document is not valid JSON" in failed["msg"]
