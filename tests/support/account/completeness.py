"""Whether the inventory reads everything a converge set: `unread`."""

from __future__ import annotations

import contextlib
import json
import re

from support.account.inventories import normalised

# The operations that set something; every other recorded operation must read (READS) or remove
# (REMOVALS), so a new kind of call cannot slip past `unread`.
SETTERS = (
    "Create",
    "Put",
    "Modify",
    "Update",
    "Register",
    "Attach",
    "Tag",
    "Enable",
    "Associate",
    "Authorize",
    "Add",
    "Run",
    "Import",
    "Start",
    "Replace",
    "PUT ",
)
READS = ("Describe", "List", "Get", "BatchGet", "Search", "GET ", "HEAD ")
REMOVALS = ("Delete", "Revoke", "Detach", "Disassociate", "Remove", "Untag", "Disable", "Stop", "Deregister", "DELETE ")

# Request parameters whose values the inventory deliberately does not hold, and why.
LEFT_OUT = {
    "Action": "the query protocol's envelope (the operation), not a setting",
    "Version": "the query protocol's envelope (the API version), not a setting",
    "ClientToken": "an idempotency token, new on every run",
    "AssociationId": "the id of a subnet's association with its network ACL, new on every association (the "
    "inventory holds which ACL each subnet is on)",
    "clientToken": "an idempotency token, new on every run",
    "ClientRequestToken": "an idempotency token (a secret's version id), new on every generated value",
    "SecretString": "a secret value: compared through every snapshot by expectations.secret_values "
    "(Converge.secrets), never put in an inventory an assertion message prints",
    "PublicKeyMaterial": "read back as the key pair's KeyFingerprint",
    "MinCount": "how many instances one RunInstances launches: the inventory lists the instances",
    "MaxCount": "how many instances one RunInstances launches: the inventory lists the instances",
    "BypassPolicyLockoutSafetyCheck": "a safety switch of the CreateKey call, not a setting of the key",
    "BlockPublicPolicy": "a check of the PutResourcePolicy call (Secrets Manager refuses a policy open beyond the "
    "account), not a setting of the secret",
    "ResourceType": "what a TagSpecification tags: the tags are read on that resource",
}
# Resources that exist only while a run holds them, so that no inventory taken after a run holds them, by service:
# the environment's run lock (plugins/module_utils/run_lock.py), created when a run starts and deleted when it ends.
RUN_SCOPED = {"ssm": re.compile(r"^/[^/]+/run-lock$")}
# Settings AWS reads back as another attribute: (parameter, value sent) -> (attribute, value read).
READ_BACK_AS = {
    # https://docs.aws.amazon.com/glue/latest/webapi/API_CreateTrigger.html: StartOnCreation "Set to true
    # to start SCHEDULED and CONDITIONAL triggers when created".
    ("StartOnCreation", "true"): ("State", "ACTIVATED"),
}
# Where the inventory keeps a setting under a name of its own (the audit reads these), by the
# request parameter's name.
INVENTORY_NAMES = {
    "VolumeSize": "size",
    "VolumeType": "type",
    "InstanceType": "type",
    "MapPublicIpOnLaunch": "public_ips",
    "capacityProviders": "providers",
    "imageTagMutability": "mutability",
    "scanOnPush": "scan_on_push",
    "retentionInDays": "retention",
    # KMS renamed CustomerMasterKeySpec KeySpec and answers both; CreateKey still takes the old name.
    "CustomerMasterKeySpec": "KeySpec",
}
# Settings the emulator accepts and forgets, so no inventory of it can hold them (on AWS the
# inventory reads them: ec2.py asks for them all the same).
NOT_KEPT_BY_THE_EMULATOR = {
    "Throughput": "moto's DescribeVolumes answers no Throughput for a gp3 volume",
}
# Request parameters that name what a request is about, most specific first: a request's values are
# looked for in the inventory entries named after its subject (a Name tag first).
SUBJECTS = (
    "Name",
    "InstanceProfileName",
    "RoleName",
    "GroupId",
    "NetworkAclId",
    "VpcEndpointId",
    "InstanceId",
    "RouteTableId",
    "InternetGatewayId",
    "SubnetId",
    "VpcId",
    "KeyName",
    "serviceName",
    "family",
    "clusterName",
    "cluster",
    "SecretId",
    "repositoryName",
    "logGroupName",
    "AliasName",
    "KeyId",
    "Bucket",
)
# The inventory's kinds by the service that holds them (EC2: every other kind). A Glue job, the ECS
# service and its task definition share a name: each request is checked against its own service's.
SERVICE_KINDS = {
    "iam": ("roles", "instance_profiles", "policies"),
    "s3": ("buckets",),
    "glue": ("glue",),
    "kms": ("kms_keys",),
    "secretsmanager": ("secrets",),
    "ecr": ("ecr", "ecr_registry"),
    "dlm": ("dlm_policies",),
    "ecs": ("ecs",),
    "logs": ("log_groups",),
}
# The attributes an inventory entry is named by.
IDENTITIES = ("name", "Name", "alias", "arn", "family", "serviceName")
# Values that only mean something with their name (true, 20, AES256, standard): found only under
# the same parameter name. Anything else (a name, an ARN, a CIDR, a description) is found by value.
ENUM_LIKE = re.compile(r"[A-Za-z0-9_.]{0,24}")
TAG_PAIRS = (("Key", "Value"), ("key", "value"), ("TagKey", "TagValue"), ("name", "value"))


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _leaves(value, key: str = "") -> list[tuple[str, str]]:
    """(parameter name, value as text) of each scalar in a value: JSON documents held as strings
    opened, tag-like {Key, Value} pairs as {Key: Value}, {"Value": x} wrappers as x, empty values
    (unset) left out."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, dict):
        for name, content in TAG_PAIRS:
            if set(value) == {name, content} and isinstance(value[name], str):
                return _leaves(value[content], value[name])
        if set(value) == {"Value"}:
            return _leaves(value["Value"], key)
        return [leaf for name, item in value.items() for leaf in _leaves(item, name)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item, key)]
    if value is None or value == "":
        return []
    return [(key, _text(value))]


def _resources(inventory: dict, service: str) -> list[dict]:
    """Each resource of the inventory (an entry of a kind's list) of one service."""
    others = {kind for kinds in SERVICE_KINDS.values() for kind in kinds}
    groups = [
        items
        for kind, items in inventory.items()
        if kind in SERVICE_KINDS.get(service, ()) or (service == "ec2" and kind not in others)
    ]
    kinds = [items for items in groups if isinstance(items, list)]
    kinds += [items for group in groups if isinstance(group, dict) for items in group.values()]
    return [resource for items in kinds for resource in items if isinstance(resource, dict)]


def _subject(params: dict) -> str | None:
    for tag in _leaves({k: v for k, v in params.items() if k.lower() in ("tags", "tag", "tagspecification")}):
        if tag[0] == "Name":
            return tag[1]
    for name in SUBJECTS:
        if isinstance(params.get(name), str) and params[name]:
            return params[name]
    database = params.get("DatabaseInput")
    return database.get("Name") if isinstance(database, dict) else None


def _same(found: str, sent: str) -> bool:
    """Equal, or an ARN the inventory holds for a name the request sent (a task definition, a cluster)."""
    return found == sent or (found.startswith("arn:") and found.endswith("/" + sent))


def _named(resource: dict, subject: str) -> bool:
    # Where the inventory replaced an id, it refers to the resource as "kind:Name"; the resource's own
    # entry holds the Name alone.
    plain = subject.split(":", 1)[1] if re.match(r"^[a-z]+:[^:/]+$", subject) else subject
    names = [resource.get(key) for key in IDENTITIES if isinstance(resource.get(key), str)]
    return any(_same(name, subject) or name == plain for name in names)


def setting_operation(operation: str) -> bool:
    """Whether a recorded operation sets something; a ValueError for one this module does not classify."""
    if operation.startswith(SETTERS):
        return True
    if operation.startswith(READS + REMOVALS):
        return False
    raise ValueError(f"{operation}: neither a setter, a read nor a removal (account.SETTERS, READS, REMOVALS)")


def unread(inventory: dict, calls, ids: dict[str, str]) -> list[str]:
    """Each value a setting request sent (calls: support.contract.Call) that the inventory does not
    hold for the resource the request is about, as "service Operation subject: parameter=value".

    `ids` (from `inventory_and_ids`) turns the generated identifiers the requests carry into the inventory's names."""
    missing = []
    for call in calls:
        if not setting_operation(call.operation):
            continue
        resources = _resources(inventory, call.service)
        params = normalised({k: v for k, v in call.params.items() if k not in LEFT_OUT}, ids)
        subject = _subject(params)
        if call.service in RUN_SCOPED and RUN_SCOPED[call.service].match(subject or ""):
            continue
        # A request that names nothing sets a setting of its service's (the registry's scanning, a DLM policy
        # found by its id in the path): its values are looked for in all of that service's resources.
        scope = [
            leaf for resource in resources if not subject or _named(resource, subject) for leaf in _leaves(resource)
        ]
        for key, value in _leaves(params):
            # The subject is how the request found its resource (by name, or by an id the inventory calls
            # "kind:Name"), not something it set on it.
            if key in LEFT_OUT or key in NOT_KEPT_BY_THE_EMULATOR or subject in (value, value.partition(":")[2]):
                continue
            key, value = READ_BACK_AS.get((key, value), (key, value))
            wanted = {key.lower(), INVENTORY_NAMES.get(key, key).lower()}
            by_value = not ENUM_LIKE.fullmatch(value)
            if not any(_same(found, value) and (by_value or name.lower() in wanted) for name, found in scope):
                missing.append(f"{call.service} {call.operation} {subject}: {key}={value[:120]}")
    return sorted(set(missing))
