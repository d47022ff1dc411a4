"""Secure by default: the account a converge with the shipped defaults leaves passes a generic
security audit (support/audit.py: what the scanner of test_scanner.py does not check), and the audit
catches each insecure setting it looks for when that setting is made in the account itself: each
weakening below changes the reference scenario's live account with boto3, the account is read back
through the same reader (support/account/), the audit must report exactly the new finding, and the
weakening is undone before the next one.

Where the rest is checked: the audit's decisions on every policy shape in tests/unit/test_audit.py,
the bucket policies (TLS only; the emulator cannot hold them) in test_bucket_policies.py, the
monitoring stack's credentials and private env files in monitoring_config/test_secrets.py, ArgoCD's admin
password in molecule/argocd, admin_cidrs required against real AWS and 0.0.0.0/0 refused in
test_preflight.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import pytest

from support import account, audit, expectations
from support.aws import Aws

pytestmark = pytest.mark.slow

PREFIX = "dataeng-local"
LAKE_BUCKET = f"{PREFIX}-data-lake-123456789012"
GLUE_ROLE = f"{PREFIX}-glue-service"
WEAKENING_POLICY = "audit-weakening"


@pytest.fixture(scope="module")
def reference(converges):
    return converges["reference"]


@pytest.fixture(scope="module")
def account_before(reference) -> dict:
    """The live account as the weakenings find it, read once."""
    return account.inventory(reference.aws)


def test_the_account_a_converge_leaves_has_no_insecure_setting(reference):
    assert reference.last.returncode == 0, reference.last.output[-3000:]
    assert audit.findings(reference.inventory) == []
    assert audit.weak_credentials(reference.secrets) == []
    # What the audit read: a real account, not an empty one.
    kinds = ("security_groups", "roles", "kms_keys", "secrets")
    assert all(reference.inventory[kind] for kind in kinds)


def test_the_hosts_volumes_are_snapshotted_daily_by_a_role_only_dlm_of_this_account_may_take(reference):
    """The snapshot policy is on by default: every host volume carries the tag it selects by, and its role
    is DLM's alone, for this account only (Prowler's ec2_ebs_volume_snapshots_exists and
    iam_role_cross_service_confused_deputy_prevention)."""
    (policy,) = reference.inventory["dlm_policies"]
    (schedule,) = policy["PolicyDetails"]["Schedules"]
    assert (policy["State"], policy["ExecutionRoleArn"]) == (
        "ENABLED",
        f"arn:aws:iam::123456789012:role/{PREFIX}-snapshots",
    )
    assert policy["PolicyDetails"]["TargetTags"] == [{"Key": "Snapshots", "Value": PREFIX}]
    assert (schedule["CreateRule"]["Interval"], schedule["RetainRule"], schedule["CopyTags"]) == (
        24,
        {"Count": 7},
        True,
    )
    host_volumes = [volume for volume in reference.inventory["volumes"] if volume["attached"]]
    assert len(host_volumes) == 2
    assert all({"Key": "Snapshots", "Value": PREFIX} in volume["tags"] for volume in host_volumes)
    (role,) = [role for role in reference.inventory["roles"] if role["name"] == f"{PREFIX}-snapshots"]
    assert role["attached"] == ["arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole"]
    (trust,) = role["trust"]["Statement"]
    assert trust["Principal"] == {"Service": "dlm.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def _group_id(aws, name: str) -> str:
    (group,) = aws.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    return group["GroupId"]


@contextmanager
def _ingress(aws, group: str, protocol: str, port: int | None, cidr: str) -> Iterator[None]:
    ranges = {"Ipv6Ranges": [{"CidrIpv6": cidr}]} if ":" in cidr else {"IpRanges": [{"CidrIp": cidr}]}
    permission = {"IpProtocol": protocol, **({} if port is None else {"FromPort": port, "ToPort": port}), **ranges}
    group_id = _group_id(aws, group)
    aws.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
    try:
        yield
    finally:
        aws.ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[permission])


@contextmanager
def _trusted_by(aws, role: str, principal) -> Iterator[None]:
    saved = aws.iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    aws.iam.update_assume_role_policy(
        RoleName=role, PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    try:
        yield
    finally:
        aws.iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(saved))


@contextmanager
def _attached(aws, role: str, policy_arn: str) -> Iterator[None]:
    aws.iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
    try:
        yield
    finally:
        aws.iam.detach_role_policy(RoleName=role, PolicyArn=policy_arn)


@contextmanager
def _inline_statement(aws, statement: dict) -> Iterator[None]:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}
    aws.iam.put_role_policy(RoleName=GLUE_ROLE, PolicyName=WEAKENING_POLICY, PolicyDocument=json.dumps(document))
    try:
        yield
    finally:
        aws.iam.delete_role_policy(RoleName=GLUE_ROLE, PolicyName=WEAKENING_POLICY)


@contextmanager
def _rotation_off(aws, alias: str) -> Iterator[None]:
    key_id = aws.kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"]
    aws.kms.disable_key_rotation(KeyId=key_id)
    try:
        yield
    finally:
        aws.kms.enable_key_rotation(KeyId=key_id)


@contextmanager
def _secret_under(aws, secret: str, key: str) -> Iterator[None]:
    saved = aws.secretsmanager.describe_secret(SecretId=secret)["KmsKeyId"]
    aws.secretsmanager.update_secret(SecretId=secret, KmsKeyId=key)
    try:
        yield
    finally:
        aws.secretsmanager.update_secret(SecretId=secret, KmsKeyId=saved)


@dataclass(frozen=True)
class Weakening:
    rule: str
    # Makes the insecure setting in the account for as long as it is entered.
    made: Callable[[Aws], AbstractContextManager[None]]
    # What the audit must report then, and nothing else.
    findings: tuple[str, ...]


TLS_ONLY = {"Bool": {"aws:SecureTransport": "true"}}
WEAKENINGS = {
    "ssh open to the internet": Weakening(
        "world-open-port",
        lambda aws: _ingress(aws, f"{PREFIX}-bastion", "tcp", 22, "0.0.0.0/0"),
        (f"security group {PREFIX}-bastion: ports [22] open to the internet (0.0.0.0/0)",),
    ),
    "kubernetes api open to the IPv6 internet": Weakening(
        "world-open-port",
        lambda aws: _ingress(aws, f"{PREFIX}-kubernetes", "tcp", 8443, "::/0"),
        (f"security group {PREFIX}-kubernetes: ports [8443] open to the internet (::/0)",),
    ),
    "every protocol open to the internet": Weakening(
        "world-open-port",
        lambda aws: _ingress(aws, f"{PREFIX}-monitoring", "-1", None, "0.0.0.0/0"),
        (f"security group {PREFIX}-monitoring: every protocol and port open to the internet (0.0.0.0/0)",),
    ),
    "role any AWS principal may assume": Weakening(
        "role-trust",
        lambda aws: _trusted_by(aws, GLUE_ROLE, {"AWS": "*"}),
        (f"role {GLUE_ROLE}: trusted by {{'AWS': '*'}}, not by an AWS service",),
    ),
    "role anyone may assume": Weakening(
        "role-trust",
        lambda aws: _trusted_by(aws, f"{PREFIX}-ecs-task", "*"),
        (f"role {PREFIX}-ecs-task: trusted by *, not by an AWS service",),
    ),
    "administrator policy attached": Weakening(
        "role-administrator-policy",
        lambda aws: _attached(aws, f"{PREFIX}-ecs-task", "arn:aws:iam::aws:policy/AdministratorAccess"),
        (
            f"role {PREFIX}-ecs-task: an administrator policy is attached "
            "(['arn:aws:iam::aws:policy/AdministratorAccess'])",
        ),
    ),
    "every action of a service": Weakening(
        "policy-every-action",
        lambda aws: _inline_statement(aws, {"Action": "s3:*", "Resource": f"arn:aws:s3:::{LAKE_BUCKET}"}),
        (f"role {GLUE_ROLE}: policy {WEAKENING_POLICY}: every action of a service (['s3:*'])",),
    ),
    "every action but IAM (NotAction)": Weakening(
        "policy-every-action",
        lambda aws: _inline_statement(aws, {"NotAction": "iam:*", "Resource": f"arn:aws:s3:::{LAKE_BUCKET}/raw/*"}),
        (f"role {GLUE_ROLE}: policy {WEAKENING_POLICY}: every action but ['iam:*'] (NotAction)",),
    ),
    "every action on every resource": Weakening(
        "policy-every-action",
        lambda aws: _inline_statement(aws, {"Action": "*", "Resource": "*"}),
        (
            f"role {GLUE_ROLE}: policy {WEAKENING_POLICY}: every action of a service (['*'])",
            f"role {GLUE_ROLE}: policy {WEAKENING_POLICY}: changes any resource (['*'] on *)",
        ),
    ),
    "writes to any resource": Weakening(
        "policy-unscoped-write",
        lambda aws: _inline_statement(aws, {"Action": ["s3:PutObject"], "Resource": "*"}),
        (f"role {GLUE_ROLE}: policy {WEAKENING_POLICY}: changes any resource (['s3:PutObject'] on *)",),
    ),
    "Put* on any bucket": Weakening(
        "policy-unscoped-write",
        lambda aws: _inline_statement(aws, {"Action": "s3:Put*", "Resource": "arn:aws:s3:::*"}),
        (f"role {GLUE_ROLE}: policy {WEAKENING_POLICY}: changes any resource (['s3:Put*'] on arn:aws:s3:::*)",),
    ),
    "writes everywhere but the lake (NotResource)": Weakening(
        "policy-unscoped-write",
        lambda aws: _inline_statement(aws, {"Action": "s3:PutObject", "NotResource": f"arn:aws:s3:::{LAKE_BUCKET}/*"}),
        (
            f"role {GLUE_ROLE}: policy {WEAKENING_POLICY}: changes any resource (['s3:PutObject'] on every "
            f"resource but ['arn:aws:s3:::{LAKE_BUCKET}/*'])",
        ),
    ),
    "writes to any resource over TLS": Weakening(
        "policy-unscoped-write",
        lambda aws: _inline_statement(
            aws, {"Action": "cloudwatch:PutMetricData", "Resource": "*", "Condition": TLS_ONLY}
        ),
        (f"role {GLUE_ROLE}: policy {WEAKENING_POLICY}: changes any resource (['cloudwatch:PutMetricData'] on *)",),
    ),
    "writes to any resource if a namespace exists": Weakening(
        "policy-unscoped-write",
        lambda aws: _inline_statement(
            aws,
            {
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": {"StringEqualsIfExists": {"cloudwatch:namespace": "Glue"}},
            },
        ),
        (f"role {GLUE_ROLE}: policy {WEAKENING_POLICY}: changes any resource (['cloudwatch:PutMetricData'] on *)",),
    ),
    "key without rotation": Weakening(
        "kms-rotation",
        lambda aws: _rotation_off(aws, f"alias/{PREFIX}-secrets"),
        (f"KMS key alias/{PREFIX}-secrets: no automatic rotation",),
    ),
    "secret under the AWS managed key": Weakening(
        "secret-customer-key",
        lambda aws: _secret_under(aws, f"{PREFIX}/grafana", "alias/aws/secretsmanager"),
        (f"secret {PREFIX}/grafana: not encrypted with a customer key",),
    ),
}


def test_every_audit_rule_is_proven_by_a_weakening_of_the_account():
    assert {rule.name for rule in audit.RULES} == {weakening.rule for weakening in WEAKENINGS.values()}


@pytest.mark.parametrize("name", WEAKENINGS)
def test_the_audit_finds_each_weakening_made_in_the_account(reference, account_before, name):
    weakening = WEAKENINGS[name]
    before = audit.findings(account_before)
    with weakening.made(reference.aws):
        found = [finding for finding in audit.findings(account.inventory(reference.aws)) if finding not in before]
    assert [str(finding) for finding in found] == list(weakening.findings)
    assert found[0].rule == weakening.rule


@contextmanager
def _password(aws, secret: str, password: str) -> Iterator[None]:
    saved = aws.secretsmanager.get_secret_value(SecretId=secret)["SecretString"]
    aws.secretsmanager.put_secret_value(
        SecretId=secret, SecretString=json.dumps({**json.loads(saved), "password": password})
    )
    try:
        yield
    finally:
        aws.secretsmanager.put_secret_value(SecretId=secret, SecretString=saved)


@pytest.mark.parametrize("password", ["", "admin", "changeme", "Short-1a"])
def test_the_audit_finds_default_empty_or_short_passwords(reference, password):
    with _password(reference.aws, f"{PREFIX}/grafana", password):
        assert audit.weak_credentials(expectations.secret_values(reference.aws)) == ["secret grafana: weak password"]


def test_every_weakening_was_undone(reference, account_before):
    """Last in the file: the account is as the weakenings found it (the tests after this one, and
    anyone reading the reference account, see the converge's account)."""
    assert account.differences(account_before, account.inventory(reference.aws)) == []
