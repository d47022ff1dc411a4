"""The inventory as a whole: read from every service, identifiers replaced by names, counted and
compared."""

from __future__ import annotations

import json
import re
from collections import Counter

from support.account.ec2 import read_ec2
from support.account.services import (
    read_dlm,
    read_ecr,
    read_ecr_registry,
    read_ecs,
    read_glue,
    read_iam,
    read_kms,
    read_logs,
    read_s3,
    read_secrets,
)

# EC2 identifiers moto generates: replaced by the resource's Name tag, or by their kind alone.
EC2_ID = re.compile(
    r"\b(?:vpc|subnet|sg|igw|rtb|nat|vpce|i|eipalloc|eipassoc|eni|vol|pl|rtbassoc|key|acl)-[0-9a-f]{8,17}\b"
)
KMS_KEY_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
# The six random characters Secrets Manager appends to a secret's name in its ARN
# (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources).
SECRET_ARN_SUFFIX = re.compile(r"(?P<name>:secret:[^:\"]+)-[A-Za-z0-9]{6}\b")


def normalised(value, ids: dict[str, str]):
    """A JSON value with what differs between two emulators replaced as the inventory replaces it."""
    text = json.dumps(value, sort_keys=True, default=str)
    text = EC2_ID.sub(lambda match: ids.get(match.group(0), match.group(0).split("-")[0] + "-?"), text)
    text = KMS_KEY_ID.sub("key-?", text)
    text = SECRET_ARN_SUFFIX.sub(r"\g<name>-??????", text)
    return json.loads(text)


def inventory(aws) -> dict:
    """Every resource in the account, identifiers replaced by names, each kind sorted."""
    return inventory_and_ids(aws)[0]


def inventory_and_ids(aws) -> tuple[dict, dict[str, str]]:
    """The inventory, and what it calls each EC2 identifier in the account instead (for `unread`), from one read."""
    ec2, ids = read_ec2(aws)
    iam = read_iam(aws)
    raw = {
        **ec2,
        **iam,
        "buckets": read_s3(aws),
        "glue": read_glue(aws, aws.sts.get_caller_identity()["Account"]),
        "kms_keys": read_kms(aws),
        "secrets": read_secrets(aws),
        "ecr": read_ecr(aws),
        "ecr_registry": read_ecr_registry(aws),
        "dlm_policies": read_dlm(aws),
        "ecs": read_ecs(aws),
        "log_groups": read_logs(aws),
    }
    return _sorted(normalised(raw, ids)), ids


def counts(inventory: dict) -> dict[str, int]:
    """How many resources of each kind the inventory holds, kinds with none left out."""
    sizes = {
        kind: sum(map(len, items.values())) if isinstance(items, dict) else len(items)
        for kind, items in inventory.items()
    }
    return {kind: size for kind, size in sizes.items() if size}


BUCKET_SETTINGS = ("versioning", "encryption", "public_access_block", "lifecycle", "policy", "logging")


def managed_resources(inventory: dict) -> Counter:
    """The inventory's resources counted as Terraform counts them: a bucket's settings, a route
    table's associations and routes, a role's policies and attachments are resources of their own."""
    count = Counter()
    count["vpc"] = len(inventory["vpcs"])
    count["subnet"] = len(inventory["subnets"])
    count["internet_gateway"] = len(inventory["internet_gateways"])
    count["nat_gateway + eip"] = len(inventory["nat_gateways"]) + len(inventory["elastic_ips"])
    for table in inventory["route_tables"]:
        if table["main"]:
            continue
        count["route_table"] += 1
        count["route_table_association"] += len(table["subnets"])
        # "local" comes with the VPC, prefix-list routes with the endpoint's table associations.
        count["route"] += sum(
            1
            for route in table["routes"]
            if route.get("GatewayId") != "local" and "DestinationPrefixListId" not in route
        )
    for endpoint in inventory["vpc_endpoints"]:
        count["vpc_endpoint"] += 1
        count["vpc_endpoint_route_table_association"] += len(endpoint["route_tables"])
    for group in inventory["security_groups"]:
        count["security_group"] += 1
        count["security_group_rule_set"] += len(group["ingress"]) + len(group["egress"])
    count["instance"] = len(inventory["instances"])
    count["key_pair"] = len(inventory["key_pairs"])
    for role in inventory["roles"]:
        count["iam_role"] += 1
        count["iam_role_policy"] += len(role["inline"])
        count["iam_role_policy_attachment"] += len(role["attached"])
    count["iam_instance_profile"] = len(inventory["instance_profiles"])
    count["iam_policy"] = len(inventory["policies"])
    for bucket in inventory["buckets"]:
        count["s3_bucket"] += 1
        count["s3_bucket_setting"] += sum(1 for setting in BUCKET_SETTINGS if bucket[setting])
        count["s3_object"] += len(bucket["objects"])
    for kind, items in inventory["glue"].items():
        count[f"glue_{kind}"] = len(items)
    for key in inventory["kms_keys"]:
        if not (key["alias"] or "").startswith("alias/aws/"):
            count["kms_key + alias"] += 1 + bool(key["alias"])
    count["secret + version"] = 2 * len(inventory["secrets"])
    count["ecr_repository + lifecycle"] = sum(1 + bool(r["lifecycle"]) for r in inventory["ecr"])
    # A cluster's capacity providers are a resource of their own (aws_ecs_cluster_capacity_providers).
    count["ecs"] = 2 * len(inventory["ecs"]["clusters"]) + sum(
        map(len, (inventory["ecs"]["services"], inventory["ecs"]["task_definitions"]))
    )
    count["log_group"] = len(inventory["log_groups"])
    count["dlm_lifecycle_policy"] = len(inventory["dlm_policies"])
    return +count


def _sorted(value):
    if isinstance(value, dict):
        return {key: _sorted(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_sorted(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def differences(expected: dict, actual: dict, path: str = "") -> list[str]:
    """Where two inventories differ, one line per differing value, for an assertion message."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return [
            line
            for key in sorted(set(expected) | set(actual))
            for line in differences(expected.get(key), actual.get(key), f"{path}.{key}")
        ]
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        pairs = enumerate(zip(expected, actual, strict=True))
        return [line for i, pair in pairs for line in differences(*pair, f"{path}[{i}]")]
    if expected != actual:
        shown = [json.dumps(value, default=str)[:600] for value in (expected, actual)]
        return [f"{path or '.'}: expected {shown[0]}, got {shown[1]}"]
    return []
