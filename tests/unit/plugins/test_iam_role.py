"""iam_role: what IAM returns reads back equal, trust policies compare by meaning, and the calls a difference needs
(each replayed against botocore's model of the IAM API by the conftest)."""

from __future__ import annotations

import datetime
import json
from urllib.parse import quote

import pytest

from ansible_collections.dataeng.platform.plugins.module_utils.iam import (
    canonical_policy,
    instance_profile_from_iam,
    role_from_iam,
)
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import RefusedChange
from ansible_collections.dataeng.platform.plugins.modules import iam_role
from support.module_requests import calls_with_arguments, shown

ACCOUNT = "123456789012"
SSM = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/Boundary"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ],
}
# A get_role answer as boto3 returns it (the trust policy decoded, the tags a list).
ROLE = {
    "Path": "/",
    "RoleName": "dataeng-dev-ecs-task",
    "RoleId": "AROA1234567890EXAMPLE",
    "Arn": f"arn:aws:iam::{ACCOUNT}:role/dataeng-dev-ecs-task",
    "CreateDate": datetime.datetime(2026, 1, 31, 12, 0, tzinfo=datetime.UTC),
    "AssumeRolePolicyDocument": TRUST,
    "Description": "Application code in the platform's ECS tasks",
    "MaxSessionDuration": 3600,
    "Tags": [{"Key": "Environment", "Value": "dev"}, {"Key": "Name", "Value": "dataeng-dev-ecs-task"}],
    "RoleLastUsed": {},
}
ATTACHED = [{"PolicyName": "AmazonSSMManagedInstanceCore", "PolicyArn": SSM}]
PARAMS = {
    "name": "dataeng-dev-ecs-task",
    "state": "present",
    "path": "/",
    "description": "Application code in the platform's ECS tasks",
    "assume_role_policy_document": json.dumps(TRUST),
    "managed_policies": [SSM],
    "purge_policies": True,
    "max_session_duration": 3600,
    "boundary": "",
    "tags": {"Environment": "dev", "Name": "dataeng-dev-ecs-task"},
    "purge_tags": True,
}


def role_now(**overrides):
    return role_from_iam({**ROLE, **overrides}, overrides.pop("attached", ATTACHED))


def plan(current=None, **params):
    return iam_role.plan_role(current or role_now(), {**PARAMS, **params})


def test_a_role_as_iam_returns_it_reads_back_in_the_modules_terms_and_needs_no_change():
    assert role_now() == {
        "role_name": "dataeng-dev-ecs-task",
        "arn": f"arn:aws:iam::{ACCOUNT}:role/dataeng-dev-ecs-task",
        "role_id": "AROA1234567890EXAMPLE",
        "path": "/",
        "create_date": "2026-01-31T12:00:00+00:00",
        "description": "Application code in the platform's ECS tasks",
        "max_session_duration": 3600,
        "assume_role_policy_document": TRUST,
        "permissions_boundary": "",
        "attached_policies": [{"policy_arn": SSM, "policy_name": "AmazonSSMManagedInstanceCore"}],
        "tags": {"Environment": "dev", "Name": "dataeng-dev-ecs-task"},
    }
    assert plan() == []


def test_a_trust_policy_iam_returns_url_encoded_reads_as_the_document():
    encoded = quote(json.dumps(TRUST), safe="")
    assert role_now(AssumeRolePolicyDocument=encoded)["assume_role_policy_document"] == TRUST
    assert plan(role_now(AssumeRolePolicyDocument=encoded)) == []


def test_a_trust_policy_respelled_or_reordered_by_iam_is_the_same_policy():
    (statement,) = TRUST["Statement"]
    respelled = {
        "Statement": {
            "Condition": {"StringEquals": {"aws:SourceAccount": [ACCOUNT]}},
            "Action": ["sts:AssumeRole"],
            "Principal": {"Service": ["ecs-tasks.amazonaws.com"]},
            "Effect": "Allow",
        },
        "Version": "2012-10-17",
    }
    assert canonical_policy(json.dumps(respelled, indent=2)) == canonical_policy(TRUST)
    assert plan(role_now(AssumeRolePolicyDocument=respelled)) == []
    # An account by its ID or by its root ARN; an empty Condition or none.
    by_id = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "*"}]}
    by_arn = {**by_id, "Statement": [{**by_id["Statement"][0], "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
    empty_condition = {**by_id, "Statement": [{**by_id["Statement"][0], "Condition": {}}]}
    assert canonical_policy(by_id) == canonical_policy(by_arn) == canonical_policy(empty_condition)
    assert statement["Condition"]  # the role's own condition is not dropped
    unconditioned = {**TRUST, "Statement": [{k: v for k, v in statement.items() if k != "Condition"}]}
    assert canonical_policy(unconditioned) != canonical_policy(TRUST)


def test_another_trust_policy_is_an_update_that_sends_the_document_as_given():
    glue = {**TRUST, "Statement": [{**TRUST["Statement"][0], "Principal": {"Service": "glue.amazonaws.com"}}]}
    text = json.dumps(glue)
    assert calls_with_arguments(plan(assume_role_policy_document=text)) == [("update_assume_role_policy", text)]
    other_account = {**TRUST, "Statement": [{**TRUST["Statement"][0], "Condition": {"StringEquals": {}}}]}
    other_account["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"] = "210987654321"
    assert shown(plan(assume_role_policy_document=other_account)) == ["update_assume_role_policy"]
    # A dict is sent as JSON text.
    assert calls_with_arguments(plan(assume_role_policy_document=glue)) == [("update_assume_role_policy", text)]


def test_description_and_session_duration_change_in_one_update_that_carries_both():
    assert calls_with_arguments(plan(description="Spark jobs")) == [
        ("update_role", {"Description": "Spark jobs", "MaxSessionDuration": 3600})
    ]
    assert calls_with_arguments(plan(max_session_duration=7200)) == [
        ("update_role", {"Description": "Application code in the platform's ECS tasks", "MaxSessionDuration": 7200})
    ]
    assert plan(description=None, max_session_duration=None) == []  # omitted: left as they are
    assert shown(plan(role_now(Description=None))) == ["update_role"]  # a role without one has ""
    assert plan(role_now(Description=None), description="") == []


def test_a_boundary_is_put_an_empty_one_deleted_and_an_omitted_one_left_alone():
    assert calls_with_arguments(plan(boundary=BOUNDARY)) == [("put_role_permissions_boundary", BOUNDARY)]
    bounded = role_now(PermissionsBoundary={"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": BOUNDARY})
    assert bounded["permissions_boundary"] == BOUNDARY
    assert plan(bounded, boundary=BOUNDARY) == []
    assert shown(plan(bounded, boundary="")) == ["delete_role_permissions_boundary"]
    assert plan(bounded, boundary=None) == []


def test_managed_policies_are_detached_then_attached_and_only_with_purge_detached():
    by_hand = [*ATTACHED, {"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}]
    extra = role_now(attached=by_hand)
    assert shown(plan(extra)) == [f"detach_role_policy {READ_ONLY}"]
    assert plan(extra, purge_policies=False) == []
    other = f"arn:aws:iam::{ACCOUNT}:policy/other"
    assert shown(plan(extra, managed_policies=[other])) == [
        f"detach_role_policy {SSM}",
        f"detach_role_policy {READ_ONLY}",
        f"attach_role_policy {other}",
    ]
    assert shown(plan(managed_policies=[])) == [f"detach_role_policy {SSM}"]
    assert plan(managed_policies=None) == []  # omitted: left as they are


def test_tags_are_untagged_and_tagged_with_the_role_tag_calls():
    current = role_now(Tags=[{"Key": "Environment", "Value": "prod"}, {"Key": "Owner", "Value": "someone"}])
    assert calls_with_arguments(plan(current)) == [
        ("untag_role", ["Owner"]),
        ("tag_role", {"Environment": "dev", "Name": "dataeng-dev-ecs-task"}),
    ]
    assert shown(plan(current, tags={"Environment": "prod"}, purge_tags=False)) == []


def test_a_change_of_path_is_refused_with_what_to_do():
    with pytest.raises(RefusedChange, match="its path is /, not /platform/, and IAM cannot move a role"):
        plan(path="/platform/")


def test_every_difference_at_once_is_planned_in_the_order_it_is_made():
    current = role_now(Description="old", Tags=[])
    actions = plan(
        current,
        assume_role_policy_document={**TRUST, "Statement": []},
        boundary=BOUNDARY,
        managed_policies=[READ_ONLY],
    )
    assert [action.call for action in actions] == [
        "update_assume_role_policy",
        "update_role",
        "put_role_permissions_boundary",
        "detach_role_policy",
        "attach_role_policy",
        "tag_role",
    ]


def test_a_new_role_is_created_with_what_the_task_gives_and_iams_defaults_for_the_rest():
    assert iam_role.create_request(PARAMS) == {
        "Path": "/",
        "RoleName": "dataeng-dev-ecs-task",
        "AssumeRolePolicyDocument": json.dumps(TRUST),
        "Description": "Application code in the platform's ECS tasks",
        "MaxSessionDuration": 3600,
        "Tags": [{"Key": "Environment", "Value": "dev"}, {"Key": "Name", "Value": "dataeng-dev-ecs-task"}],
    }
    sparse = {**PARAMS, "description": None, "max_session_duration": None, "tags": None, "boundary": BOUNDARY}
    assert iam_role.create_request(sparse) == {
        "Path": "/",
        "RoleName": "dataeng-dev-ecs-task",
        "AssumeRolePolicyDocument": json.dumps(TRUST),
        "PermissionsBoundary": BOUNDARY,
    }


def test_check_mode_predicts_a_new_role_without_the_ids_iam_gives_it():
    predicted = iam_role.expected_role(None, PARAMS)
    assert predicted == {
        "role_name": "dataeng-dev-ecs-task",
        "path": "/",
        "description": "Application code in the platform's ECS tasks",
        "max_session_duration": 3600,
        "permissions_boundary": "",
        "assume_role_policy_document": TRUST,
        "attached_policies": [{"policy_arn": SSM, "policy_name": "AmazonSSMManagedInstanceCore"}],
        "tags": {"Environment": "dev", "Name": "dataeng-dev-ecs-task"},
    }
    assert "arn" not in predicted
    bare = iam_role.expected_role(None, {**PARAMS, "description": None, "max_session_duration": None})
    assert (bare["description"], bare["max_session_duration"]) == ("", 3600)


def test_check_mode_predicts_an_update_and_keeps_iams_spelling_of_an_equal_trust_policy():
    respelled = {**TRUST, "Statement": [{**TRUST["Statement"][0], "Action": ["sts:AssumeRole"]}]}
    current = role_now(AssumeRolePolicyDocument=respelled, Tags=[])
    predicted = iam_role.expected_role(current, {**PARAMS, "max_session_duration": 7200})
    assert predicted == {**current, "max_session_duration": 7200, "tags": PARAMS["tags"]}
    changed = iam_role.expected_role(current, {**PARAMS, "assume_role_policy_document": {"Statement": []}})
    assert changed["assume_role_policy_document"] == {"Statement": []}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"name": "a role"}, "name must be 1 to 64 letters"),
        ({"name": "r" * 65}, "name must be 1 to 64 letters"),
        ({"path": "platform"}, "path must be / or start and end with /"),
        ({"assume_role_policy_document": "{not json"}, "assume_role_policy_document is not valid JSON"),
        ({"assume_role_policy_document": "[]"}, "must be a policy document"),
        ({"description": "d" * 1001}, "description must be at most 1000 characters"),
        ({"description": "emoji \U0001f600"}, "description must be at most 1000 characters of printable Latin-1"),
        ({"max_session_duration": 3599}, "max_session_duration must be 3600 to 43200 seconds"),
        ({"max_session_duration": 43201}, "max_session_duration must be 3600 to 43200 seconds"),
        ({"boundary": "Boundary"}, "boundary must be a managed policy's ARN or empty"),
        ({"managed_policies": [SSM, "AmazonSSMManagedInstanceCore"]}, "must be policy ARNs"),
    ],
)
def test_what_iam_would_refuse_fails_before_any_request(params, message):
    assert message in iam_role.check_params({**PARAMS, **params})


def test_the_limits_themselves_pass_and_absent_needs_only_a_name():
    assert iam_role.check_params({**PARAMS, "max_session_duration": 43200, "description": "d" * 1000}) is None
    assert iam_role.check_params({**PARAMS, "max_session_duration": 3600, "path": "/platform/hosts/"}) is None
    absent = {"name": "dataeng-dev-ecs-task", "state": "absent", "assume_role_policy_document": None}
    assert iam_role.check_params(absent) is None


def test_an_instance_profile_reads_as_iam_role_info_returns_it():
    profile = {
        "Path": "/",
        "InstanceProfileName": "dataeng-dev-monitoring-host",
        "InstanceProfileId": "AIPA1234567890EXAMPLE",
        "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/dataeng-dev-monitoring-host",
        "CreateDate": datetime.datetime(2026, 1, 31, 12, 0, tzinfo=datetime.UTC),
        "Roles": [ROLE],
    }
    assert instance_profile_from_iam(profile) == {
        "instance_profile_name": "dataeng-dev-monitoring-host",
        "instance_profile_id": "AIPA1234567890EXAMPLE",
        "arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/dataeng-dev-monitoring-host",
        "path": "/",
    }


INLINE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lake/*"}],
}


def test_inline_policies_are_put_when_they_differ_and_the_unnamed_deleted_with_purge():
    by_hand = {**role_now(), "inline_policies": {"by-hand": canonical_policy(INLINE)}}
    assert shown(plan(by_hand, inline_policies={"read": INLINE}, purge_inline_policies=True)) == [
        "put_role_policy read",
        "delete_role_policy by-hand",
    ]
    assert shown(plan(by_hand, inline_policies={"read": INLINE}, purge_inline_policies=False)) == [
        "put_role_policy read"
    ]
    assert plan(by_hand, inline_policies=None) == []  # omitted: left as they are
    # Compared by meaning: the same policy as other JSON text needs no call.
    respelled = {**INLINE, "Statement": [{**INLINE["Statement"][0], "Action": ["s3:GetObject"]}]}
    same = {**role_now(), "inline_policies": {"read": canonical_policy(INLINE)}}
    assert plan(same, inline_policies={"read": json.dumps(respelled)}, purge_inline_policies=True) == []


def test_check_mode_predicts_a_new_roles_inline_policies():
    params = {**PARAMS, "inline_policies": {"read": INLINE}, "purge_inline_policies": True}
    assert iam_role.expected_role(None, params)["inline_policies"] == {"read": canonical_policy(INLINE)}
    assert "inline_policies" not in iam_role.expected_role(None, PARAMS)


def test_an_inline_policy_that_is_not_json_fails_before_any_request():
    error = iam_role.check_params({**PARAMS, "inline_policies": {"read": "{not json"}})
    assert error.startswith("inline_policies: each must be a policy document")
