"""A security audit of an account inventory (support/account/), in the spirit of tfsec or
checkov: generic rules that hold for any well-kept AWS account, independent of the platform's own
expectations (support/expectations/). RULES below are the rules as data, one named rule per check,
so a test can require a weakening of the account for each; `findings()` lists every breach, one Finding each, naming the
rule and the resource.

The established scanner (Prowler, tests/integration/test_scanner.py) judges the same account, so this
audit keeps only what Prowler 5.46.0 does not check, read from its checks' code:
- world-open-port: Prowler fails all ports open to the internet and a list of named ports (SSH, RDP,
  databases, Kafka, Kibana... and its "high risk" list), not any port but the web tier's 80 and 443
  (8443 or 9090 open to the world passes it).
- role-trust: Prowler looks for the conditions on a service's trust (confused deputy), and for
  ReadOnlyAccess granted across accounts, not for a role that anyone or any AWS account may assume.
- role-administrator-policy: Prowler fails AdministratorAccess attached to a role, not PowerUserAccess or
  IAMFullAccess.
- policy-every-action, policy-unscoped-write: Prowler fails `*` on `*` and full access to KMS or CloudTrail,
  and privilege escalation paths, not `service:*`, NotAction or a write on every resource of a kind.
- kms-rotation: Prowler checks it (kms_cmk_rotation_enabled), but on the emulator that check is muted for
  every key (docs/prowler-mutelist.yaml: moto makes the aws/ebs key a customer key without rotation, under
  an id drawn at random), so this rule, which skips the aws/ managed aliases, stays the one that holds.
- secret-customer-key: Prowler has no check of the key a secret is encrypted with.
- weak_credentials: Prowler does not read secret values.
What Prowler checks as this audit did, and so no longer here: bucket default encryption
(s3_bucket_default_encryption), public access block (s3_bucket_level_public_access_block), versioning
(s3_bucket_object_versioning), IMDSv2 (ec2_instance_imdsv2_enabled), encrypted volumes
(ec2_ebs_volume_encryption) and ECR scan on push (ecr_repositories_scan_images_on_push_enabled).

The IAM rules read any policy the IAM grammar allows (Action/NotAction, Resource/NotResource as a
string or a list, wildcards, a Statement object or list, Principal "*") and report what they cannot
prove harmless rather than fail on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from support.expectations import as_list

WORLD = ("0.0.0.0/0", "::/0")
# The only ports the platform may open to the internet: the web tier's HTTP and HTTPS.
PUBLIC_PORTS = {80, 443}
ADMINISTRATOR_POLICIES = ("/AdministratorAccess", "/PowerUserAccess", "/IAMFullAccess")
# Values that are someone's default password, never a generated one.
DEFAULT_PASSWORDS = {"", "admin", "password", "changeme", "changeit", "elastic", "secret", "grafana", "argocd"}
# Actions that only read, by the verb IAM action names start with (names are case-insensitive:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
READ_VERBS = ("describe", "list", "get")
WILDCARDS = "*?"

# Which conditions narrow an unscoped statement to some resources. Only a positive match counts:
# a key the request does not carry makes StringEquals/ArnLike false, but makes a negated operator
# (StringNotEquals, ArnNotLike...) and any ...IfExists operator true, so those narrow nothing
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
# "...IfExists condition operators"); nor does ForAllValues, which is also true when the key is
# missing or empty (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
# Bool, Numeric, Date, IpAddress and Null test how a request is made (TLS, MFA, the caller's
# network, a key's presence), not which resource it acts on.
NARROWING_OPERATORS = ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike")
# Keys whose value names the resource acted on, or who it is acted on for
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html), and the
# service keys the platform relies on: cloudwatch:namespace (PutMetricData has no resource,
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html)
# and kms:ResourceAliases (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html).
# Key names are case-insensitive. A key not listed narrows nothing until it is added here with its page.
NARROWING_KEYS = {
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "cloudwatch:namespace",
    "kms:resourcealiases",
}
# aws:ResourceTag/<key> and a service's own <service>:ResourceTag/<key>.
RESOURCE_TAG_KEY = re.compile(r"^[a-z0-9-]+:resourcetag/.+", re.IGNORECASE)
# The resource type in front of an ARN's resource part (role/, key/, log-group:, secret:...). S3's
# resource part starts with a bucket name instead.
RESOURCE_TYPE = re.compile(r"^[A-Za-z0-9-]+[/:]")


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    problem: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.problem}"


@dataclass(frozen=True)
class Rule:
    name: str
    # The inventory kind the rule reads, and what one item of it is called in a finding.
    kind: str
    what: str
    # One item of the kind -> its problems, one line each.
    check: Callable[[dict], list[str]]
    # The item's field that names it.
    name_field: str = "name"


# Security groups.


def _ports(permission: dict) -> set[int]:
    if permission.get("IpProtocol") == "-1":
        return set(range(65536))
    return set(range(permission.get("FromPort", 0), permission.get("ToPort", 65535) + 1))


def _world_open_ports(group: dict) -> list[str]:
    problems = []
    for permission in group["ingress"]:
        ranges = [r["CidrIp"] for r in permission.get("IpRanges", [])]
        ranges += [r["CidrIpv6"] for r in permission.get("Ipv6Ranges", [])]
        world = sorted(cidr for cidr in ranges if cidr in WORLD)
        exposed = sorted(_ports(permission) - PUBLIC_PORTS)
        if not (world and exposed):
            continue
        if permission.get("IpProtocol") == "-1":
            problems.append(f"every protocol and port open to the internet ({', '.join(world)})")
        else:
            problems.append(f"ports {exposed[:5]} open to the internet ({', '.join(world)})")
    return problems


# IAM.


def _statements(document) -> list[dict]:
    """A policy's statements: the grammar allows one object or a list."""
    statements = as_list((document or {}).get("Statement", []))
    return [statement for statement in statements if isinstance(statement, dict)]


def _allows(statement: dict) -> bool:
    # Effect is required and AWS refuses a policy without it; one read without is treated as Allow.
    return statement.get("Effect", "Allow") != "Deny"


def _only_wildcards(text: str) -> bool:
    return text.strip(WILDCARDS) == ""


def _any_resource(pattern) -> bool:
    """Whether a Resource pattern matches every resource of a service or of a resource type:
    `*`, `arn:aws:s3:::*`, `arn:aws:iam::*:role/*`, `arn:aws:kms:<region>:<account>:key/*`, `arn:*`.
    A pattern that names something before its first wildcard (a bucket, a path, a name prefix) is scoped
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html)."""
    text = str(pattern)
    parts = text.split(":", 5)
    if len(parts) < 6:
        return any(wildcard in text for wildcard in WILDCARDS)
    service, resource = parts[2], parts[5]
    if _only_wildcards(service):
        return True
    if service.lower() != "s3":
        resource = RESOURCE_TYPE.sub("", resource, count=1)
    return resource == "" or resource[0] in WILDCARDS


def _value_narrows(value) -> bool:
    if not isinstance(value, str) or _only_wildcards(value):
        return False
    return not (value.lower().startswith("arn:") and _any_resource(value))


def _narrowing(condition) -> bool:
    """Whether a Condition limits a statement to some resources: one positive match of a narrowing key
    on values that all name something (conditions are ANDed, a key's values ORed:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html)."""
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        qualifier, base = str(operator).rpartition(":")[::2]
        if qualifier == "ForAllValues" or base not in NARROWING_OPERATORS or not isinstance(tests, dict):
            continue
        for key, values in tests.items():
            key = str(key).lower()
            named = key in NARROWING_KEYS or RESOURCE_TAG_KEY.match(key)
            if named and as_list(values) and all(map(_value_narrows, as_list(values))):
                return True
    return False


def _every_action(statement: dict) -> list[str]:
    """`*`, `service:*`, or NotAction, which with Allow grants every action not listed, in every service
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html)."""
    if "NotAction" in statement:
        return [f"every action but {as_list(statement['NotAction'])} (NotAction)"]
    actions = [str(action) for action in as_list(statement.get("Action", []))]
    broad = [action for action in actions if _only_wildcards(action.partition(":")[2] if ":" in action else action)]
    return [f"every action of a service ({broad})"] if broad else []


def _read_only(action: str) -> bool:
    service, name = action.partition(":")[::2]
    return bool(service) and not _only_wildcards(service) and name.lower().startswith(READ_VERBS)


def _unscoped_write(statement: dict) -> list[str]:
    """An action that is not a read, on every resource of a kind (or NotResource: every resource but the
    listed, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html),
    unless the condition narrows it."""
    if "NotResource" in statement:
        resources = f"every resource but {as_list(statement['NotResource'])}"
    else:
        # Resource is required with Allow in an identity policy; read without, it is no limit.
        patterns = as_list(statement.get("Resource", "*"))
        unscoped = [str(pattern) for pattern in patterns if _any_resource(pattern)]
        if not unscoped:
            return []
        resources = ", ".join(unscoped)
    if "NotAction" in statement:
        writes = [f"all but {as_list(statement['NotAction'])}"]
    else:
        writes = [str(action) for action in as_list(statement.get("Action", [])) if not _read_only(str(action))]
    if not writes or _narrowing(statement.get("Condition")):
        return []
    return [f"changes any resource ({writes} on {resources})"]


def _inline_policies(check: Callable[[dict], list[str]]) -> Callable[[dict], list[str]]:
    """A statement check applied to every allowing statement of a role's inline policies."""

    def checked(role: dict) -> list[str]:
        return [
            f"policy {name}: {problem}"
            for name, document in role["inline"].items()
            for statement in _statements(document)
            if _allows(statement)
            for problem in check(statement)
        ]

    return checked


def _trusted_beyond_services(role: dict) -> list[str]:
    problems = []
    for statement in _statements(role["trust"]):
        if not _allows(statement):
            continue
        principal = statement.get("Principal")
        services = principal.get("Service") if isinstance(principal, dict) and set(principal) == {"Service"} else None
        if services is None or not all(isinstance(s, str) and not _only_wildcards(s) for s in as_list(services)):
            shown = principal if principal is not None else {"NotPrincipal": statement.get("NotPrincipal")}
            problems.append(f"trusted by {shown}, not by an AWS service")
    return problems


def _administrator_policy(role: dict) -> list[str]:
    attached = [arn for arn in role["attached"] if arn.endswith(ADMINISTRATOR_POLICIES)]
    return [f"an administrator policy is attached ({attached})"] if attached else []


# Keys and secrets.


def _no_rotation(key: dict) -> list[str]:
    aws_managed = (key["alias"] or "").startswith("alias/aws/")
    return [] if key["rotation"] or aws_managed else ["no automatic rotation"]


def _no_customer_key(secret: dict) -> list[str]:
    # Secrets Manager leaves KmsKeyId out for a secret under the AWS managed key aws/secretsmanager
    # (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html).
    return [] if secret["kms_key"] else ["not encrypted with a customer key"]


RULES: tuple[Rule, ...] = (
    Rule("world-open-port", "security_groups", "security group", _world_open_ports),
    Rule("role-trust", "roles", "role", _trusted_beyond_services),
    Rule("role-administrator-policy", "roles", "role", _administrator_policy),
    Rule("policy-every-action", "roles", "role", _inline_policies(_every_action)),
    Rule("policy-unscoped-write", "roles", "role", _inline_policies(_unscoped_write)),
    Rule("kms-rotation", "kms_keys", "KMS key", _no_rotation, name_field="alias"),
    Rule("secret-customer-key", "secrets", "secret", _no_customer_key),
)


def findings(inventory: dict) -> list[Finding]:
    """Every insecure setting in the account, rule by rule."""
    return [
        Finding(rule.name, f"{rule.what} {item[rule.name_field]}", problem)
        for rule in RULES
        for item in inventory[rule.kind]
        for problem in rule.check(item)
    ]


def weak_credentials(secret_values: dict[str, dict]) -> list[str]:
    """Logins (Grafana, ArgoCD, the databases) with an empty, default or short password."""
    return [
        f"secret {name}: weak password"
        for name, fields in secret_values.items()
        if "password" in fields and (fields["password"].lower() in DEFAULT_PASSWORDS or len(fields["password"]) < 12)
    ]
