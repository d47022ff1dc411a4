"""The inline policies' planning (module_utils/iam.py, which iam_inline_policies and iam_role share): policies
compare by meaning, purge removes the unnamed."""

from __future__ import annotations

import json

from ansible_collections.dataeng.platform.plugins.module_utils import iam
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
    assert iam.canonical_policy(respelled) == iam.canonical_policy(READ)
    actions = ["s3:PutObject", "s3:GetObject", "s3:GetObject"]
    reordered = {**READ, "Statement": [{**READ["Statement"][0], "Action": actions}]}
    both = {**READ, "Statement": [{**READ["Statement"][0], "Action": ["s3:GetObject", "s3:PutObject"]}]}
    assert iam.canonical_policy(reordered) == iam.canonical_policy(both)


def test_a_different_meaning_compares_different():
    writing = {**READ, "Statement": [{**READ["Statement"][0], "Action": "s3:PutObject"}]}
    assert iam.canonical_policy(writing) != iam.canonical_policy(READ)
    denied = {**READ, "Statement": [{**READ["Statement"][0], "Effect": "Deny"}]}
    assert iam.canonical_policy(denied) != iam.canonical_policy(READ)


def test_only_differing_or_missing_policies_are_put():
    wanted = {"read": iam.canonical_policy(READ), "other": iam.canonical_policy(READ)}
    current = {"read": iam.canonical_policy(READ)}
    actions, after = iam.plan_inline_policies(current, wanted, purge=False)
    assert shown(actions) == ["put_role_policy other"]
    assert after == wanted
    assert iam.plan_inline_policies(wanted, wanted, purge=False)[0] == []


def test_purge_deletes_the_policies_the_task_does_not_name_and_only_then():
    wanted = {"read": iam.canonical_policy(READ)}
    current = {**wanted, "by-hand": iam.canonical_policy(READ)}
    assert iam.plan_inline_policies(current, wanted, purge=False)[0] == []
    actions, after = iam.plan_inline_policies(current, wanted, purge=True)
    assert shown(actions) == ["delete_role_policy by-hand"]
    assert after == wanted
