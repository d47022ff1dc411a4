"""The ec2_vpc_endpoint_policies module's planning: a policy is compared by its content, and no policy means AWS's
default one."""

from __future__ import annotations

import json

from ansible_collections.dataeng.platform.plugins.modules import ec2_vpc_endpoint_policies as module
from support.module_requests import calls_with_arguments

SCOPED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}},
        }
    ],
}
AWS_DEFAULT = {
    "Version": "2008-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
}


def test_the_same_policy_in_another_key_order_needs_no_call():
    reordered = json.loads(json.dumps(SCOPED, sort_keys=True))
    assert module.plan_policy(reordered, SCOPED) == []


def test_the_default_policy_is_replaced_by_the_document_sent_whole():
    assert calls_with_arguments(module.plan_policy(AWS_DEFAULT, SCOPED)) == [
        ("modify_vpc_endpoint", {"PolicyDocument": json.dumps(SCOPED, sort_keys=True)})
    ]


def test_no_policy_resets_a_scoped_endpoint_and_leaves_a_default_one_alone():
    assert calls_with_arguments(module.plan_policy(SCOPED, None)) == [("modify_vpc_endpoint", {"ResetPolicy": True})]
    assert module.plan_policy(AWS_DEFAULT, None) == []
