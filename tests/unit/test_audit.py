"""The security audit (tests/support/audit.py) on hand-made inventories: every rule reports a setting
that breaks it and passes one that keeps it, and the IAM rules read any policy shape the grammar
allows (wildcards, NotAction, NotResource, conditions) without failing on it. The same rules are
proven against a real account in tests/integration/test_secure_defaults.py."""

from __future__ import annotations

import copy

import pytest

from support import audit

KINDS = ("security_groups", "roles", "kms_keys", "secrets")
SERVICE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
SECURE = {
    "security_groups": {
        "name": "web",
        "ingress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        "egress": [],
    },
    "roles": {"name": "glue", "trust": SERVICE_TRUST, "attached": [], "inline": {}},
    "kms_keys": {"alias": "alias/platform", "rotation": True},
    "secrets": {"name": "platform/grafana", "kms_key": "arn:aws:kms:us-east-2:123456789012:key/key-?"},
}


def inventory_with(kind: str, **changes) -> dict:
    """An inventory of one secure item of each kind, the one of `kind` changed."""
    inventory = {each: [copy.deepcopy(SECURE[each])] for each in KINDS}
    inventory[kind][0].update(changes)
    return inventory


def rules_found(inventory: dict) -> list[str]:
    return [finding.rule for finding in audit.findings(inventory)]


def world_ingress(protocol: str, port: int | None, cidr: str) -> list[dict]:
    ranges = {"Ipv6Ranges": [{"CidrIpv6": cidr}]} if ":" in cidr else {"IpRanges": [{"CidrIp": cidr}]}
    ports = {} if port is None else {"FromPort": port, "ToPort": port}
    return [{"IpProtocol": protocol, **ports, **ranges}]


def inline(*statements: dict) -> dict:
    return {"platform": {"Version": "2012-10-17", "Statement": list(statements)}}


# (rule, kind, a change that breaks the rule)
BREAKING = [
    ("world-open-port", "security_groups", {"ingress": world_ingress("tcp", 22, "0.0.0.0/0")}),
    ("world-open-port", "security_groups", {"ingress": world_ingress("tcp", 22, "::/0")}),
    ("world-open-port", "security_groups", {"ingress": world_ingress("-1", None, "0.0.0.0/0")}),
    ("role-trust", "roles", {"trust": {"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}}}}),
    ("role-trust", "roles", {"trust": {"Statement": [{"Effect": "Allow", "Principal": "*"}]}}),
    ("role-trust", "roles", {"trust": {"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "x"}}]}}),
    ("role-administrator-policy", "roles", {"attached": ["arn:aws:iam::aws:policy/AdministratorAccess"]}),
    ("policy-every-action", "roles", {"inline": inline({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:x"})}),
    (
        "policy-unscoped-write",
        "roles",
        {"inline": inline({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"})},
    ),
    ("kms-rotation", "kms_keys", {"rotation": False}),
    ("secret-customer-key", "secrets", {"kms_key": None}),
]


def test_the_secure_inventory_has_no_finding():
    assert audit.findings(inventory_with("roles")) == []


@pytest.mark.parametrize(
    ("rule", "kind", "change"), BREAKING, ids=[f"{case[0]}-{i}" for i, case in enumerate(BREAKING)]
)
def test_each_rule_reports_a_setting_that_breaks_it(rule, kind, change):
    assert rules_found(inventory_with(kind, **change)) == [rule]


def test_every_rule_is_proven_by_a_breaking_case():
    assert {rule.name for rule in audit.RULES} == {case[0] for case in BREAKING}


def test_a_finding_names_the_resource_and_what_is_wrong():
    (finding,) = audit.findings(inventory_with("security_groups", ingress=world_ingress("tcp", 22, "::/0")))
    assert str(finding) == "security group web: ports [22] open to the internet (::/0)"


@pytest.mark.parametrize(
    "ingress",
    [
        world_ingress("tcp", 80, "0.0.0.0/0"),
        world_ingress("tcp", 443, "::/0"),
        world_ingress("tcp", 22, "10.0.0.0/16"),
        world_ingress("-1", None, "10.0.0.0/8"),
        [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg:bastion"}]}],
    ],
)
def test_web_ports_and_private_sources_are_not_open_to_the_internet(ingress):
    assert audit.findings(inventory_with("security_groups", ingress=ingress)) == []


STAR = {"Effect": "Allow", "Resource": "*"}
LAKE = "arn:aws:s3:::lake/raw/*"
# (statement, the rules it breaks): every shape the IAM grammar allows, reported or not, never an error.
POLICY_SHAPES = {
    "every action on every resource": ({**STAR, "Action": "*"}, ["policy-every-action", "policy-unscoped-write"]),
    "every action as a list": ({**STAR, "Action": ["*"]}, ["policy-every-action", "policy-unscoped-write"]),
    "every action of a service on one bucket": (
        {"Effect": "Allow", "Action": "s3:*", "Resource": LAKE},
        ["policy-every-action"],
    ),
    "NotAction on every resource": (
        {**STAR, "NotAction": "iam:*"},
        ["policy-every-action", "policy-unscoped-write"],
    ),
    "NotAction on one bucket": (
        {"Effect": "Allow", "NotAction": ["s3:DeleteObject"], "Resource": LAKE},
        ["policy-every-action"],
    ),
    "NotResource": ({"Effect": "Allow", "Action": "s3:PutObject", "NotResource": LAKE}, ["policy-unscoped-write"]),
    "NotResource with reads only": ({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": [LAKE]}, []),
    "Put* on any bucket": (
        {"Effect": "Allow", "Action": "s3:Put*", "Resource": "arn:aws:s3:::*"},
        ["policy-unscoped-write"],
    ),
    "*Object on any object": (
        {"Effect": "Allow", "Action": "s3:*Object", "Resource": "arn:aws:s3:::*/*"},
        ["policy-unscoped-write"],
    ),
    "Get* on any bucket": ({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::*"}, []),
    "any role of any account": (
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/*"},
        ["policy-unscoped-write"],
    ),
    "any key of the account": (
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-2:123456789012:key/*"},
        ["policy-unscoped-write"],
    ),
    "any ARN": ({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:*"}, ["policy-unscoped-write"]),
    "any service's ARN": (
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:*:*:*:*"},
        ["policy-unscoped-write"],
    ),
    "one scoped, one unscoped resource": (
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": [LAKE, "*"]},
        ["policy-unscoped-write"],
    ),
    "lower-case action": ({**STAR, "Action": "s3:putobject"}, ["policy-unscoped-write"]),
    "lower-case read": ({**STAR, "Action": "cloudwatch:getmetricdata"}, []),
    "reads on every resource": ({**STAR, "Action": ["cloudwatch:GetMetricData", "tag:GetResources"]}, []),
    "writes under a path": ({"Effect": "Allow", "Action": "s3:PutObject", "Resource": LAKE}, []),
    "a secret name prefix": (
        {
            "Effect": "Allow",
            "Action": "secretsmanager:PutSecretValue",
            "Resource": "arn:aws:secretsmanager:us-east-2:123456789012:secret:platform/*",
        },
        [],
    ),
    "a log group prefix": (
        {
            "Effect": "Allow",
            "Action": "logs:PutLogEvents",
            "Resource": "arn:aws:logs:us-east-2:1:log-group:/aws-glue/*",
        },
        [],
    ),
    "any log group": (
        {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:aws:logs:us-east-2:1:log-group:*"},
        ["policy-unscoped-write"],
    ),
    "a Deny on everything": ({"Effect": "Deny", "Action": "*", "Resource": "*"}, []),
    "a Deny with NotAction": ({"Effect": "Deny", "NotAction": "s3:*", "NotResource": "*"}, []),
    "no Effect": ({"Action": "*", "Resource": "*"}, ["policy-every-action", "policy-unscoped-write"]),
    "no Resource": ({"Effect": "Allow", "Action": "s3:PutObject"}, ["policy-unscoped-write"]),
    "no Action": ({"Effect": "Allow", "Resource": "*"}, []),
    "an action without a service": ({**STAR, "Action": "PutObject"}, ["policy-unscoped-write"]),
}


@pytest.mark.parametrize("shape", POLICY_SHAPES)
def test_the_iam_rules_report_any_policy_shape_without_failing(shape):
    statement, rules = POLICY_SHAPES[shape]
    assert rules_found(inventory_with("roles", inline=inline(statement))) == rules


def test_a_single_statement_object_is_read_like_a_list():
    document = {"platform": {"Version": "2012-10-17", "Statement": {**STAR, "Action": "*"}}}
    assert rules_found(inventory_with("roles", inline=document)) == ["policy-every-action", "policy-unscoped-write"]


PUT_METRICS = {**STAR, "Action": "cloudwatch:PutMetricData"}
# (condition, whether it limits PutMetricData on * to some resources)
CONDITIONS = {
    "the platform's namespace": ({"StringEquals": {"cloudwatch:namespace": "Glue"}}, True),
    "namespaces, one of two": ({"StringEquals": {"cloudwatch:namespace": ["Glue", "Spark"]}}, True),
    "a namespace key in another case": ({"StringEquals": {"CloudWatch:Namespace": "Glue"}}, True),
    "a namespace like Glue*": ({"StringLike": {"cloudwatch:namespace": "Glue*"}}, True),
    "a resource tag": ({"StringEquals": {"aws:ResourceTag/team": "data"}}, True),
    "a service's resource tag": ({"StringEquals": {"ec2:ResourceTag/team": "data"}}, True),
    "the source account": ({"StringEquals": {"aws:SourceAccount": "123456789012"}}, True),
    "the source ARN": ({"ArnLike": {"aws:SourceArn": "arn:aws:glue:us-east-2:123456789012:job/etl"}}, True),
    "a key alias, for any of the key's aliases": (
        {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/platform"}},
        True,
    ),
    "TLS only": ({"Bool": {"aws:SecureTransport": "true"}}, False),
    "MFA": ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, False),
    "the caller's network": ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, False),
    "a namespace if the request has one": ({"StringEqualsIfExists": {"cloudwatch:namespace": "Glue"}}, False),
    "any namespace": ({"StringLike": {"cloudwatch:namespace": "*"}}, False),
    "a namespace among which any": ({"StringLike": {"cloudwatch:namespace": ["Glue", "*"]}}, False),
    "every namespace but one": ({"StringNotEquals": {"cloudwatch:namespace": "AWS/EC2"}}, False),
    "for all values, true when the key is missing": (
        {"ForAllValues:StringEquals": {"kms:ResourceAliases": "alias/platform"}},
        False,
    ),
    "any source ARN": ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}, False),
    "a key the audit does not know": ({"StringEquals": {"aws:RequestedRegion": "us-east-2"}}, False),
    "the key present": ({"Null": {"cloudwatch:namespace": "false"}}, False),
    "no values": ({"StringEquals": {"cloudwatch:namespace": []}}, False),
    "an empty condition": ({}, False),
    "TLS and the namespace": (
        {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"cloudwatch:namespace": "Glue"}},
        True,
    ),
}


@pytest.mark.parametrize("condition", CONDITIONS)
def test_a_condition_exempts_an_unscoped_write_only_when_it_narrows_it(condition):
    block, narrows = CONDITIONS[condition]
    statement = {**PUT_METRICS, "Condition": block}
    assert rules_found(inventory_with("roles", inline=inline(statement))) == (
        [] if narrows else ["policy-unscoped-write"]
    )


def test_a_condition_does_not_exempt_every_action_of_a_service():
    statement = {**STAR, "Action": "s3:*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "data"}}}
    assert rules_found(inventory_with("roles", inline=inline(statement))) == ["policy-every-action"]


def test_trust_in_a_service_with_a_condition_or_a_list_of_services_passes():
    trust = copy.deepcopy(SERVICE_TRUST)
    trust["Statement"][0]["Principal"] = {"Service": ["glue.amazonaws.com", "ecs-tasks.amazonaws.com"]}
    trust["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    trust["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"})
    assert audit.findings(inventory_with("roles", trust=trust)) == []
