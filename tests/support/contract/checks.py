"""Checks, made from what a page says: each takes the value found and what the recording created,
and returns what is wrong with it, or None."""

from __future__ import annotations

import ipaddress
import json
import re

import parliament

from support.contract.model import Call, Check, Seen, policy_size


def pattern(regex: str, max_length: int, min_length: int = 1, what: str = "") -> Check:
    compiled = re.compile(regex)

    def check(value, _seen):
        value = str(value)
        if not min_length <= len(value) <= max_length:
            return f"{value!r} is {len(value)} characters, allowed {min_length}-{max_length}"
        if not compiled.fullmatch(value):
            # For a character set, the characters it refuses.
            bad = sorted({c for c in value if not compiled.fullmatch(c)}) if re.fullmatch(r"\[.*\][*+]", regex) else []
            return f"{value!r} does not match {what or regex}" + (f" (refused: {''.join(bad)!r})" if bad else "")
        return None

    return check


def all_of(*checks: Check) -> Check:
    def check(value, seen):
        return next((problem for c in checks if (problem := c(value, seen))), None)

    return check


def not_matching(regex: str, why: str) -> Check:
    compiled = re.compile(regex)
    return lambda value, _seen: f"{value!r}: {why}" if compiled.search(str(value)) else None


# EC2 security group names, descriptions and rule descriptions (VPC): "a-z, A-Z, 0-9, spaces, and
# ._-:/()#,@[]+=&;{}!$*".
EC2_SG_TEXT = r"[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]*"
# Glue's "Single-line string pattern" and "URI address multi-line string pattern".
GLUE_SINGLE_LINE = "[\u0020-\ud7ff\ue000-\ufffd\t]*"
GLUE_MULTI_LINE = "[\u0020-\ud7ff\ue000-\ufffd\r\n\t]*"
IAM_NAME = r"[\w+=,.@-]+"
IAM_TEXT = "[\u0009\u000a\u000d\u0020-\u007e\u00a1-\u00ff]*"
ECS_NAME = r"[a-zA-Z0-9_-]+"
TAG_PUNCTUATION = set("_.:/=+-@")


def bucket_name(value, _seen) -> str | None:
    """https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"""
    problem = pattern(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", 63, 3, "lowercase letters, digits, dots, hyphens")(value, _seen)
    if problem:
        return problem
    if ".." in value:
        return f"{value!r} has two adjacent periods"
    with_ip = False
    try:
        ipaddress.IPv4Address(value)
        with_ip = True
    except ValueError:
        pass
    if with_ip:
        return f"{value!r} is formatted as an IP address"
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if value.startswith(prefix):
            return f"{value!r} starts with the reserved prefix {prefix}"
    for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"):
        if value.endswith(suffix):
            return f"{value!r} ends with the reserved suffix {suffix}"
    return None


def json_size(limit: int, what: str) -> Check:
    def check(document, _seen):
        size = policy_size(document)
        return f"{what} is {size} characters without whitespace, the limit is {limit}" if size > limit else None

    return check


def role_inline_policies_size(role_name, seen: Seen) -> str | None:
    """All of a role's inline policies together: 10,240 characters (IAM and AWS STS quotas)."""
    sizes = seen.inline_policy_sizes.get(role_name, {})
    total = sum(sizes.values())
    if total > 10240:
        return f"the inline policies {sorted(sizes)} are {total} characters without whitespace, the limit is 10240"
    return None


def byte_size(limit: int, what: str) -> Check:
    def check(document, _seen):
        size = len(str(document).encode())
        return f"{what} is {size} bytes, the limit is {limit}" if size > limit else None

    return check


# parliament's findings that mean AWS refuses the policy, or that a statement can never match.
PARLIAMENT_ERRORS = {
    "MALFORMED_JSON",
    "MALFORMED",
    "UNKNOWN_ACTION",
    "UNKNOWN_PREFIX",
    "UNKNOWN_PRINCIPAL",
    "UNKNOWN_CONDITION_FOR_ACTION",
    "UNKNOWN_OPERATOR",
    "MISMATCHED_TYPE",
    "INVALID_ARN",
    "RESOURCE_MISMATCH",
}


def iam_policy(document, _seen) -> str | None:
    """Action names exist and each action has a resource of the type it needs (parliament carries
    the Service Authorization Reference)."""
    text = document if isinstance(document, str) else json.dumps(document)
    findings = [
        f
        for f in parliament.analyze_policy_string(text).findings
        if f.issue in PARLIAMENT_ERRORS and not _resource_condition_key(f)
    ]
    return "; ".join(f"{f.issue} {f.detail}" for f in findings) or None


UNKNOWN_CONDITION = re.compile(r"Unknown condition (?P<key>\S+) for action (?P<prefix>[^:]+):(?P<action>\S+)")


def _resource_condition_key(finding) -> bool:
    """parliament knows only the keys of the action itself; a key of a resource type the action
    requires is as valid (e.g. kms:ResourceAliases for kms:Decrypt)."""
    match = (
        UNKNOWN_CONDITION.fullmatch(str(finding.detail)) if finding.issue == "UNKNOWN_CONDITION_FOR_ACTION" else None
    )
    if not match:
        return False
    service = next(s for s in parliament.iam_definition if s["prefix"] == match["prefix"])
    privilege = next(p for p in service["privileges"] if p["privilege"].lower() == match["action"].lower())
    required = {r["resource_type"].rstrip("*") for r in privilege["resource_types"]}
    return any(
        match["key"].lower() in (k.lower() for k in resource["condition_keys"])
        for resource in service["resources"]
        if resource["resource"] in required
    )


# The source keys each service principal puts in the request context when it assumes a role: a
# trust policy conditioned on a key the service never sends denies the service itself (a missing
# key fails StringEquals and ArnLike; https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
SOURCE_KEYS = {
    # The task role's trust policy example conditions on both:
    # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
    "ecs-tasks.amazonaws.com": {"aws:sourceaccount", "aws:sourcearn"},
    # Glue's role page shows a trust policy without a condition and no Glue page says Glue sends a
    # source key (https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html): a positive
    # condition on one could deny Glue its own role, only an ...IfExists one is safe.
    "glue.amazonaws.com": set(),
    # EC2 assumes an instance profile's role for the instance, not for a resource of an account:
    # its trust policy takes no source keys
    # (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html).
    "ec2.amazonaws.com": set(),
}
GLOBAL_SOURCE_KEYS = {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}


def trust_condition_keys(document, _seen) -> str | None:
    policy = json.loads(document) if isinstance(document, str) else document
    statements = policy.get("Statement", [])
    problems = []
    for statement in statements if isinstance(statements, list) else [statements]:
        services = (statement.get("Principal") or {}).get("Service", [])
        # A key missing from the request passes an ...IfExists operator
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists).
        keys = {
            key.lower()
            for operator, condition in (statement.get("Condition") or {}).items()
            if not operator.endswith("IfExists")
            for key in condition
        }
        for service in [services] if isinstance(services, str) else services:
            sets = SOURCE_KEYS.get(service)
            if sets is None:
                continue
            never_sent = sorted((keys & GLOBAL_SOURCE_KEYS) - sets)
            if never_sent:
                problems.append(f"{service} does not set {', '.join(never_sent)} when it assumes a role")
    return "; ".join(problems) or None


SECRET_ARN = re.compile(r"arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:(?P<id>[^:]+)(?P<rest>(:[^:]*){0,3})")


def secret_arn_as_returned(value, seen: Seen) -> str | None:
    """The full ARN with the 6 random characters Secrets Manager appends, never an ARN made from
    the name (a partial ARN resolves by prefix, and to another secret whose name ends in -XXXXXX)."""
    match = SECRET_ARN.fullmatch(str(value))
    if not str(value).startswith("arn:"):
        return None
    if not match:
        return f"{value!r} is not a Secrets Manager secret ARN"
    secret_id = match.group("id")
    if secret_id in seen.secret_names or not re.search(r"-[A-Za-z0-9]{6}$", secret_id):
        return f"{value!r} is assembled from the secret's name, without the suffix Secrets Manager returned"
    return None


def role_arn_as_returned(value, seen: Seen) -> str | None:
    match = re.fullmatch(r"arn:[^:]+:iam::\d{12}:role(?P<path>/(?:[!-~]+/)?)(?P<name>[\w+=,.@-]+)", str(value))
    if not match:
        return f"{value!r} is not an IAM role ARN"
    created_path = seen.role_paths.get(match.group("name"))
    if created_path is not None and created_path != match.group("path"):
        return f"{value!r} lacks the role's path {created_path}: assembled from its name, not the ARN IAM returned"
    return None


def kms_key_reference(value, _seen) -> str | None:
    """Key ID, key ARN, alias name or alias ARN (KMS API reference, KeyId)."""
    uuid = r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    forms = (
        uuid,
        rf"arn:[^:]+:kms:[^:]+:\d{{12}}:key/{uuid}",
        r"alias/[a-zA-Z0-9/_-]+",
        r"arn:[^:]+:kms:[^:]+:\d{12}:alias/[a-zA-Z0-9/_-]+",
    )
    return None if any(re.fullmatch(form, str(value)) for form in forms) else f"{value!r} is not a KMS key reference"


# Fargate task sizes: CPU units -> the memory (MiB) each allows (ECS task definition parameters,
# "Task size").
FARGATE_MEMORY = {
    256: {512, 1024, 2048},
    512: set(range(1024, 4097, 1024)),
    1024: set(range(2048, 8193, 1024)),
    2048: set(range(4096, 16385, 1024)),
    4096: set(range(8192, 30721, 1024)),
    8192: set(range(16384, 61441, 4096)),
    16384: set(range(32768, 122881, 8192)),
}


def fargate_size(definition, _seen) -> str | None:
    if "FARGATE" not in definition.get("requiresCompatibilities", []):
        return None
    try:
        cpu, memory = int(definition.get("cpu")), int(definition.get("memory"))
    except (TypeError, ValueError):
        return f"cpu {definition.get('cpu')!r} and memory {definition.get('memory')!r} must both be set, in units"
    if memory not in FARGATE_MEMORY.get(cpu, set()):
        return f"cpu {cpu} with memory {memory} is not a Fargate task size"
    if definition.get("networkMode") != "awsvpc":
        return f"networkMode {definition.get('networkMode')!r}: Fargate needs awsvpc"
    platform = definition.get("runtimePlatform") or {}
    family = platform.get("operatingSystemFamily", "LINUX")
    if family.startswith("WINDOWS") and (cpu < 1024 or platform.get("cpuArchitecture", "X86_64") != "X86_64"):
        return f"{family} on Fargate needs X86_64 and at least 1024 CPU units"
    return None


# Glue: worker types per command (CreateJob, WorkerType; "Defining job properties for Spark jobs").
GLUE_WORKER_TYPES = {
    "glueetl": {"G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X"},
    "gluestreaming": {"G.025X", "G.1X", "G.2X", "G.4X", "G.8X"},
    "glueray": {"Z.2X"},
    "pythonshell": set(),
}
# Worker types that need at least this Glue version.
GLUE_WORKER_MIN_VERSION = {
    "G.4X": 3.0,
    "G.8X": 3.0,
    "G.025X": 3.0,
    "G.12X": 4.0,
    "G.16X": 4.0,
    "R.1X": 4.0,
    "R.2X": 4.0,
    "R.4X": 4.0,
    "R.8X": 4.0,
}


def glue_job(job, _seen) -> str | None:
    command = (job.get("Command") or {}).get("Name", "glueetl")
    version = float(job.get("GlueVersion") or 0.9)
    worker, workers, capacity = job.get("WorkerType"), job.get("NumberOfWorkers"), job.get("MaxCapacity")
    timeout = job.get("Timeout")
    if command == "pythonshell":
        if worker or workers:
            return "pythonshell jobs take MaxCapacity (0.0625 or 1), not WorkerType or NumberOfWorkers"
        if capacity is not None and capacity not in (0.0625, 1, 1.0):
            return f"pythonshell MaxCapacity {capacity} is neither 0.0625 nor 1"
        if version >= 4.0:
            return f"pythonshell jobs run on Glue 1.0 or 3.0, not {job.get('GlueVersion')}"
    elif command in GLUE_WORKER_TYPES:
        if capacity is not None and (worker or workers):
            return "MaxCapacity and WorkerType/NumberOfWorkers are mutually exclusive"
        if bool(worker) != (workers is not None):
            return "WorkerType and NumberOfWorkers go together"
        if worker and worker not in GLUE_WORKER_TYPES[command] | ({"Standard"} if version < 2.0 else set()):
            return f"WorkerType {worker} is not available to {command} jobs"
        if worker and version < GLUE_WORKER_MIN_VERSION.get(worker, 0):
            return f"WorkerType {worker} needs Glue {GLUE_WORKER_MIN_VERSION[worker]} or later, not {version}"
        if workers is not None and command == "glueetl" and workers < 2:
            return f"NumberOfWorkers {workers}: a Spark job needs at least 2"
    if timeout is not None and not (command == "gluestreaming" and timeout == 0) and not 1 <= timeout <= 10080:
        return f"Timeout {timeout} minutes is outside 1-10080 (7 days)"
    return None


def tag_sets(call: Call) -> list[list[tuple[str, str]]]:
    """Every set of tags the request puts on one resource, as (key, value) pairs, in whatever
    shape its service sends them."""
    params = call.params
    sets = []
    for spec in params.get("TagSpecification", []) or []:
        sets.append(_pairs((spec or {}).get("Tag", [])))
    for name in ("Tags", "tags", "Tag"):
        if name in params:
            sets.append(_pairs(params[name]))
    tagging = params.get("Tagging") or {}
    if tagging:
        tags = (tagging.get("TagSet") or {}) or {}
        tags = tags.get("Tag", []) if isinstance(tags, dict) else tags
        sets.append(_pairs(tags if isinstance(tags, list) else [tags]))
    return sets


def _pairs(tags) -> list[tuple[str, str]]:
    if isinstance(tags, dict):
        return [(str(k), str(v)) for k, v in tags.items()]
    pairs = []
    for tag in tags or []:
        tag = tag or {}
        key = next((tag[k] for k in ("Key", "key", "TagKey") if k in tag), "")
        value = next((tag[k] for k in ("Value", "value", "TagValue") if k in tag), "")
        pairs.append((str(key), str(value)))
    return pairs


def _tag_text_ok(text: str) -> bool:
    return all(c.isalnum() or c.isspace() or c in TAG_PUNCTUATION for c in text)


def tags_valid(tags, _seen) -> str | None:
    """https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html (tag naming limits)."""
    if len(tags) > 50:
        return f"{len(tags)} tags, at most 50 per resource"
    for key, value in tags:
        if not 1 <= len(key) <= 128 or len(value) > 256:
            return f"tag {key!r}: keys are 1-128 characters, values 0-256"
        if key.lower().startswith("aws:"):
            return f"tag {key!r}: the aws: prefix is reserved for AWS"
    return None


def tag_characters(tags, _seen) -> str | None:
    bad = [f"{k}={v}" for k, v in tags if not (_tag_text_ok(k) and _tag_text_ok(v))]
    return f"tags {bad} use characters outside letters, digits, spaces and _.:/=+-@" if bad else None
