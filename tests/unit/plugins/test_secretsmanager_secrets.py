"""The secretsmanager_secrets module: passwords of every class, and plans that never touch a value."""

from __future__ import annotations

import string

from ansible_collections.dataeng.platform.plugins.modules import secretsmanager_secrets as module

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
    assert calls == ["restore_secret", "update_secret", "untag_resource"]
    assert after == CURRENT
    assert module.plan_secret(deleted, WANTED, kms_key_matches=True, purge_tags=False)[0] == [
        "restore_secret",
        "update_secret",
    ]


def test_no_tags_given_leaves_the_tags_alone():
    calls, after = module.plan_secret(CURRENT, {**WANTED, "tags": None}, kms_key_matches=True, purge_tags=True)
    assert calls == []
    assert after["tags"] == CURRENT["tags"]
