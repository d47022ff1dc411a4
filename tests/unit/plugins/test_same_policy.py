"""The same_policy test: two policy documents say the same when amazon.aws' comparison (the one s3_bucket makes
before it writes a policy) finds no difference."""

from __future__ import annotations

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dataeng.platform.plugins.test.same_policy import same_policy

STATEMENT = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::lake", "arn:aws:s3:::lake/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
POLICY = {"Version": "2012-10-17", "Statement": [STATEMENT]}


@pytest.mark.parametrize(
    "found",
    [
        POLICY,
        json.dumps(POLICY),
        json.dumps(POLICY, indent=2, sort_keys=True),
        {"Version": "2012-10-17", "Statement": STATEMENT},
        {**POLICY, "Statement": [{**STATEMENT, "Principal": {"AWS": "*"}}]},
        {**POLICY, "Statement": [{**STATEMENT, "Resource": list(reversed(STATEMENT["Resource"]))}]},
        {**POLICY, "Statement": [{**STATEMENT, "Condition": {"Bool": {"aws:SecureTransport": False}}}]},
    ],
    ids=[
        "same",
        "as JSON text",
        "formatted",
        "one statement not in a list",
        "anonymous as AWS *",
        "reordered",
        "a boolean as text",
    ],
)
def test_documents_that_say_the_same_are_the_same(found):
    assert same_policy(found, POLICY) is True


@pytest.mark.parametrize(
    "found",
    [
        {**POLICY, "Statement": [{**STATEMENT, "Effect": "Allow"}]},
        {**POLICY, "Statement": [{**STATEMENT, "Resource": STATEMENT["Resource"][:1]}]},
        {**POLICY, "Statement": [STATEMENT, {**STATEMENT, "Sid": "Another"}]},
        {},
        "",
    ],
    ids=["another effect", "a resource less", "a statement more", "none", "empty text"],
)
def test_documents_that_say_otherwise_differ(found):
    assert same_policy(found, POLICY) is False


def test_two_empty_documents_are_the_same():
    assert same_policy("", {}) is True


def test_text_that_is_not_json_fails_naming_the_side():
    with pytest.raises(AnsibleFilterError, match="tested policy is not JSON"):
        same_policy("{not json", POLICY)
