"""The iam_inline_policies module's planning: policies compare by meaning, purge removes the unnamed."""

from __future__ import annotations

import json

from ansible_collections.dataeng.platform.plugins.modules import iam_inline_policies as module
from support.module_requests import shown

READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}],
}


def test_a_policy_compares_equal_whatever_its_spelling():
    respelled = json.dumps(
        {
            "Statement": [{"Resource": ["arn:aws:s3:::b/*"], "Action": "s3:GetObject", "Effect": "Allow"}],
            "Version": "2012-10-17",
        },
        indent=4,
    )
    assert module.canonical_policy(respelled) == module.canonical_policy(READ)
    actions = ["s3:PutObject", "s3:GetObject", "s3:GetObject"]
    reordered = {**READ, "Statement": [{**READ["Statement"][0], "Action": actions}]}
    both = {**READ, "Statement": [{**READ["Statement"][0], "Action": ["s3:GetObject", "s3:PutObject"]}]}
    assert module.canonical_policy(reordered) == module.canonical_policy(both)


def test_a_different_meaning_compares_different():
    writing = {**READ, "Statement": [{**READ["Statement"][0], "Action": "s3:PutObject"}]}
    assert module.canonical_policy(writing) != module.canonical_policy(READ)
    denied = {**READ, "Statement": [{**READ["Statement"][0], "Effect": "Deny"}]}
    assert module.canonical_policy(denied) != module.canonical_policy(READ)


def test_only_differing_or_missing_policies_are_put():
    wanted = {"read": module.canonical_policy(READ), "other": module.canonical_policy(READ)}
    current = {"read": module.canonical_policy(READ)}
    actions, after = module.plan_role(current, wanted, purge=False)
    assert shown(actions) == ["put_role_policy other"]
    assert after == wanted
    assert module.plan_role(wanted, wanted, purge=False)[0] == []


def test_purge_deletes_the_policies_the_task_does_not_name_and_only_then():
    wanted = {"read": module.canonical_policy(READ)}
    current = {**wanted, "by-hand": module.canonical_policy(READ)}
    assert module.plan_role(current, wanted, purge=False)[0] == []
    actions, after = module.plan_role(current, wanted, purge=True)
    assert shown(actions) == ["delete_role_policy by-hand"]
    assert after == wanted
