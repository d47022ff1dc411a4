"""iam_role against the emulator: check mode, create, no-op rerun, every kind of change, absent with a role held by an
instance profile and carrying policies, absent again; iam_role_info reading it with its instance profile; the role's
inline policies kept and purged; no deprecation warning on the way."""

from __future__ import annotations

import json

import pytest

from support.aws import Aws
from support.emulator import RequestRecording
from support.modules import run_module

pytestmark = pytest.mark.slow
MODULE = "dataeng.platform.iam_role"
INFO = "dataeng.platform.iam_role_info"
NAME = "it-role-host"
ACCOUNT = "123456789012"
SSM = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
BOUNDARY = "arn:aws:iam::aws:policy/PowerUserAccess"


def trust(service: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }


ARGS = {
    "name": NAME,
    "description": "A host of the integration test",
    "assume_role_policy_document": trust("ec2.amazonaws.com"),
    "managed_policies": [SSM],
    "max_session_duration": 7200,
    "tags": {"Environment": "it", "Name": NAME},
}


def exists(aws: Aws, name: str = NAME) -> bool:
    return any(role["RoleName"] == name for role in aws.iam.list_roles()["Roles"])


def attached(aws: Aws, name: str = NAME) -> list[str]:
    return sorted(p["PolicyArn"] for p in aws.iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])


def writes(recording: RequestRecording) -> list[str]:
    """The IAM requests recorded that are not reads."""
    return [
        request.operation
        for request in recording.requests()
        if request.service == "iam" and not request.operation.startswith(("Get", "List"))
    ]


def assert_quiet(result: dict):
    """No deprecation and no warning: what amazon.aws.iam_role printed on every call."""
    assert "deprecations" not in result, result["deprecations"]
    assert "warnings" not in result, result["warnings"]


@pytest.fixture
def aws(aws_emulator):
    aws = Aws(aws_emulator)
    yield aws
    # What a failed test leaves: the role, out of its profiles and without its policies, and the profile.
    for profile in aws.iam.list_instance_profiles()["InstanceProfiles"]:
        if profile["InstanceProfileName"].startswith("it-role-"):
            for role in profile["Roles"]:
                aws.iam.remove_role_from_instance_profile(
                    InstanceProfileName=profile["InstanceProfileName"], RoleName=role["RoleName"]
                )
            aws.iam.delete_instance_profile(InstanceProfileName=profile["InstanceProfileName"])
    if exists(aws):
        for arn in attached(aws):
            aws.iam.detach_role_policy(RoleName=NAME, PolicyArn=arn)
        for policy in aws.iam.list_role_policies(RoleName=NAME)["PolicyNames"]:
            aws.iam.delete_role_policy(RoleName=NAME, PolicyName=policy)
        aws.iam.delete_role(RoleName=NAME)


def test_a_role_is_created_left_alone_and_changed_as_asked(aws_emulator, aws):
    recording = RequestRecording(aws_emulator)
    recording.restart()
    try:
        planned = run_module(aws_emulator, MODULE, {**ARGS, "instance_profiles": True}, check=True, diff=True)
    finally:
        recording.stop()
    assert planned["changed"] is True, planned.get("msg")
    assert_quiet(planned)
    assert planned["planned"][0]["action"] == "create"
    assert planned["iam_role"]["attached_policies"] == [
        {"policy_arn": SSM, "policy_name": "AmazonSSMManagedInstanceCore"}
    ]
    assert "arn" not in planned["iam_role"]
    assert planned["diff"]["before"] == {}
    assert not exists(aws)
    assert writes(recording) == []

    created = run_module(aws_emulator, MODULE, {**ARGS, "instance_profiles": True})
    assert created["changed"] is True, created.get("msg")
    assert_quiet(created)
    # A role just made (or that check mode would make) is in no instance profile.
    assert planned["iam_role"]["instance_profiles"] == created["iam_role"]["instance_profiles"] == []
    role = aws.iam.get_role(RoleName=NAME)["Role"]
    assert created["iam_role"]["arn"] == role["Arn"]
    assert created["iam_role"]["role_id"] == role["RoleId"]
    assert created["iam_role"]["assume_role_policy_document"] == trust("ec2.amazonaws.com")
    assert role["MaxSessionDuration"] == 7200
    assert role["Description"] == "A host of the integration test"
    assert attached(aws) == [SSM]
    assert {tag["Key"]: tag["Value"] for tag in role["Tags"]} == {"Environment": "it", "Name": NAME}
    # What check mode predicted is what IAM reports, but the ids and the date IAM gave the new role.
    given = {key: created["iam_role"][key] for key in planned["iam_role"]}
    assert given == planned["iam_role"]

    rerun = run_module(aws_emulator, MODULE, ARGS)
    assert rerun["changed"] is False
    assert_quiet(rerun)
    # The trust policy as other JSON text meaning the same: key order, lists of one, indentation.
    respelled = {
        "Statement": [
            {
                "Condition": {"StringEquals": {"aws:SourceAccount": [ACCOUNT]}},
                "Action": ["sts:AssumeRole"],
                "Principal": {"Service": ["ec2.amazonaws.com"]},
                "Effect": "Allow",
            }
        ],
        "Version": "2012-10-17",
    }
    assert (
        run_module(aws_emulator, MODULE, {**ARGS, "assume_role_policy_document": json.dumps(respelled, indent=4)})[
            "changed"
        ]
        is False
    )

    changed_args = {
        **ARGS,
        "description": "A Glue role now",
        "assume_role_policy_document": trust("glue.amazonaws.com"),
        "managed_policies": [READ_ONLY],
        "boundary": BOUNDARY,
        "tags": {"Environment": "it2", "Owner": "data"},
    }
    before = aws.iam.get_role(RoleName=NAME)["Role"]
    recording.restart()
    try:
        predicted = run_module(aws_emulator, MODULE, changed_args, check=True, diff=True)
    finally:
        recording.stop()
    expected_actions = [
        "update_assume_role_policy",
        "update_role",
        "put_role_permissions_boundary",
        f"detach_role_policy {SSM}",
        f"attach_role_policy {READ_ONLY}",
        "untag_role",
        "tag_role",
    ]
    assert predicted["changed"] is True
    assert predicted["actions"] == expected_actions
    assert writes(recording) == []
    assert aws.iam.get_role(RoleName=NAME)["Role"] == before
    assert attached(aws) == [SSM]
    (change,) = predicted["planned"]
    assert (change["kind"], change["name"], change["action"]) == ("IAM role", NAME, "update")
    assert {"attribute": "description", "old": "A host of the integration test", "new": "A Glue role now"} in change[
        "changes"
    ]
    assert {"attribute": "permissions_boundary", "old": "", "new": BOUNDARY} in change["changes"]

    applied = run_module(aws_emulator, MODULE, changed_args)
    assert applied["changed"] is True, applied.get("msg")
    assert applied["actions"] == expected_actions
    assert_quiet(applied)
    role = aws.iam.get_role(RoleName=NAME)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "glue.amazonaws.com"}
    assert role["Description"] == "A Glue role now"
    assert role["MaxSessionDuration"] == 7200  # UpdateRole carried it with the description
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == BOUNDARY
    assert attached(aws) == [READ_ONLY]
    assert {tag["Key"]: tag["Value"] for tag in role["Tags"]} == {"Environment": "it2", "Owner": "data"}
    assert applied["iam_role"] == predicted["iam_role"]
    assert run_module(aws_emulator, MODULE, changed_args)["changed"] is False

    # Omitted settings are left as they are; an empty boundary is removed; purge_policies=false keeps the others.
    aws.iam.attach_role_policy(RoleName=NAME, PolicyArn=SSM)
    omitted = {
        "name": NAME,
        "assume_role_policy_document": trust("glue.amazonaws.com"),
        "managed_policies": [READ_ONLY],
        "purge_policies": False,
    }
    assert run_module(aws_emulator, MODULE, omitted)["changed"] is False
    unbounded = run_module(aws_emulator, MODULE, {**omitted, "boundary": ""})
    assert unbounded["actions"] == ["delete_role_permissions_boundary"]
    assert "PermissionsBoundary" not in aws.iam.get_role(RoleName=NAME)["Role"]
    assert attached(aws) == [SSM, READ_ONLY]
    shorter = run_module(aws_emulator, MODULE, {**omitted, "max_session_duration": 3600})
    assert shorter["actions"] == ["update_role"]
    assert aws.iam.get_role(RoleName=NAME)["Role"]["Description"] == "A Glue role now"


def test_absent_takes_the_role_out_of_its_instance_profile_and_deletes_its_policies_first(aws_emulator, aws):
    assert run_module(aws_emulator, MODULE, ARGS)["changed"] is True
    profile = "it-role-profile"
    aws.iam.create_instance_profile(InstanceProfileName=profile)
    aws.iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=NAME)
    aws.iam.put_role_policy(
        RoleName=NAME,
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
        ),
    )

    read = run_module(aws_emulator, INFO, {"names": [NAME, "it-role-missing"]}, check=True)
    assert_quiet(read)
    assert read["changed"] is False
    assert read["missing"] == ["it-role-missing"]
    (role,) = read["iam_roles"]
    profile_arn = aws.iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Arn"]
    assert [(p["instance_profile_name"], p["arn"]) for p in role.pop("instance_profiles")] == [(profile, profile_arn)]
    assert role == run_module(aws_emulator, MODULE, ARGS)["iam_role"]  # as the role module returns it
    # Asked for, the role module returns the profiles that hold the role too, as the info module reads them.
    with_profiles = run_module(aws_emulator, MODULE, {**ARGS, "instance_profiles": True})
    assert with_profiles["changed"] is False
    assert [(p["instance_profile_name"], p["arn"]) for p in with_profiles["iam_role"]["instance_profiles"]] == [
        (profile, profile_arn)
    ]

    recording = RequestRecording(aws_emulator)
    recording.restart()
    try:
        planned = run_module(aws_emulator, MODULE, {"name": NAME, "state": "absent"}, check=True)
    finally:
        recording.stop()
    assert planned["changed"] is True
    assert planned["planned"][0]["action"] == "delete"
    assert writes(recording) == []
    assert exists(aws)

    recording.restart()
    try:
        deleted = run_module(aws_emulator, MODULE, {"name": NAME, "state": "absent"})
    finally:
        recording.stop()
    assert deleted["changed"] is True, deleted.get("msg")
    assert_quiet(deleted)
    assert deleted["iam_role"] == {}
    assert not exists(aws)
    # The emulator, as IAM, refuses DeleteRole while any of them is left: they went first, in AWS's order.
    assert writes(recording) == [
        "RemoveRoleFromInstanceProfile",
        "DetachRolePolicy",
        "DeleteRolePolicy",
        "DeleteRole",
    ]
    assert aws.iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"] == []

    again = run_module(aws_emulator, MODULE, {"name": NAME, "state": "absent"})
    assert again["changed"] is False
    assert_quiet(again)


def test_what_iam_cannot_do_fails_with_what_to_do_instead(aws_emulator, aws):
    assert run_module(aws_emulator, MODULE, ARGS)["changed"] is True
    moved = run_module(aws_emulator, MODULE, {**ARGS, "path": "/platform/"})
    assert moved.get("failed") is True
    assert f"IAM role {NAME}: its path is /, not /platform/, and IAM cannot move a role" in moved["msg"]
    too_long = run_module(aws_emulator, MODULE, {**ARGS, "max_session_duration": 50000})
    assert too_long.get("failed") is True
    assert "max_session_duration must be 3600 to 43200 seconds" in too_long["msg"]
    assert aws.iam.get_role(RoleName=NAME)["Role"]["MaxSessionDuration"] == 7200


def test_inline_policies_are_put_with_the_role_kept_and_purged(aws_emulator, aws):
    read = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::it/*"}],
    }
    args = {**ARGS, "inline_policies": {NAME: read}}

    planned = run_module(aws_emulator, MODULE, args, check=True)
    assert planned["iam_role"]["inline_policies"][NAME]["Statement"][0]["Sid"] == "Read"
    assert not exists(aws)

    created = run_module(aws_emulator, MODULE, args)
    assert created["changed"] is True, created.get("msg")
    assert aws.iam.get_role_policy(RoleName=NAME, PolicyName=NAME)["PolicyDocument"] == read
    # The same document as other JSON text: nothing to do.
    respelled = {**read, "Statement": [{**read["Statement"][0], "Action": ["s3:GetObject"]}]}
    rerun = run_module(aws_emulator, MODULE, {**ARGS, "inline_policies": {NAME: json.dumps(respelled)}})
    assert rerun["changed"] is False, rerun.get("actions")

    # Changed by hand: one deleted, one added. The role gets its own back and keeps no other.
    aws.iam.delete_role_policy(RoleName=NAME, PolicyName=NAME)
    aws.iam.put_role_policy(RoleName=NAME, PolicyName="by-hand", PolicyDocument=json.dumps(read))
    mended = run_module(aws_emulator, MODULE, args, diff=True)
    assert mended["actions"] == [f"put_role_policy {NAME}", "delete_role_policy by-hand"]
    assert aws.iam.list_role_policies(RoleName=NAME)["PolicyNames"] == [NAME]
    assert list(mended["diff"]["before"]["inline_policies"]) == ["by-hand"]
    # Without purge, another one is left alone; without inline_policies, all of them are.
    aws.iam.put_role_policy(RoleName=NAME, PolicyName="by-hand", PolicyDocument=json.dumps(read))
    assert run_module(aws_emulator, MODULE, {**args, "purge_inline_policies": False})["changed"] is False
    assert run_module(aws_emulator, MODULE, ARGS)["changed"] is False
