"""The secretsmanager_secrets module: passwords of every class, and plans that never touch a value."""

from __future__ import annotations

import string

from ansible_collections.dataeng.platform.plugins.modules import secretsmanager_secrets as module
from support.module_requests import shown

CURRENT = {
    "name": "dev/mysql",
    "arn": "arn:secret",
    "description": "MySQL",
    "kms_key_id": "alias/k",
    "tags": {"A": "1"},
}
WANTED = {"name": "dev/mysql", "description": "MySQL", "fields": {}, "generated": ["password"], "tags": {"A": "1"}}


def test_a_password_has_every_class_and_only_the_given_specials():
    for length in (4, 16, 40):
        password = module.new_password(length, "!#")
        assert len(password) == length
        assert set(password) <= set(string.ascii_letters + string.digits + "!#")
        for characters in (string.ascii_lowercase, string.ascii_uppercase, string.digits, "!#"):
            assert set(password) & set(characters), (password, characters)
    assert len({module.new_password(16, "!") for _attempt in range(20)}) == 20


def test_a_secret_as_asked_for_needs_no_call():
    calls, after = module.plan_secret(CURRENT, WANTED, kms_key_matches=True, purge_tags=True)
    assert calls == []
    assert after == CURRENT


def test_description_key_and_tags_are_set_and_a_deleted_secret_restored_first():
    deleted = {**CURRENT, "deleted": True, "description": "old", "tags": {"A": "1", "By": "hand"}}
    calls, after = module.plan_secret(deleted, WANTED, kms_key_matches=False, purge_tags=True)
    assert shown(calls) == ["restore_secret", "update_secret", "untag_resource"]
    assert after == CURRENT
    assert shown(module.plan_secret(deleted, WANTED, kms_key_matches=True, purge_tags=False)[0]) == [
        "restore_secret",
        "update_secret",
    ]


def test_no_tags_given_leaves_the_tags_alone():
    calls, after = module.plan_secret(CURRENT, {**WANTED, "tags": None}, kms_key_matches=True, purge_tags=True)
    assert calls == []
    assert after["tags"] == CURRENT["tags"]


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "secretsmanager:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalArn": ["arn:aws:iam::1:role/reader"]}},
        }
    ],
}


def test_a_resource_policy_is_put_when_missing_or_different_and_left_when_equal():
    assert shown(module.plan_resource_policy({}, POLICY)) == ["put_resource_policy"]
    assert shown(module.plan_resource_policy(None, POLICY)) == ["put_resource_policy"]
    other = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Action": "secretsmanager:GetSecretValue"}]}
    assert shown(module.plan_resource_policy(other, POLICY)) == ["put_resource_policy"]
    # Secrets Manager may give a one-element list back as a string: the same policy.
    reformatted = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Action": ["secretsmanager:*"]}]}
    assert shown(module.plan_resource_policy(reformatted, POLICY)) == []


def test_an_empty_resource_policy_removes_it_and_none_leaves_it_alone():
    assert shown(module.plan_resource_policy(POLICY, {})) == ["delete_resource_policy"]
    assert shown(module.plan_resource_policy({}, {})) == []
    assert shown(module.plan_resource_policy(POLICY, None)) == []


def test_a_secret_gets_its_resource_policy_after_its_other_changes():
    calls, after = module.plan_secret(
        {**CURRENT, "deleted": True, "resource_policy": None},
        {**WANTED, "description": "new", "resource_policy": POLICY},
        kms_key_matches=True,
        purge_tags=True,
    )
    assert shown(calls) == ["restore_secret", "update_secret", "put_resource_policy"]
    assert after == {**CURRENT, "description": "new", "resource_policy": POLICY}
    calls, after = module.plan_secret(
        {**CURRENT, "resource_policy": POLICY}, {**WANTED, "resource_policy": POLICY}, True, True
    )
    assert (calls, after) == ([], {**CURRENT, "resource_policy": POLICY})
