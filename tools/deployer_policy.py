"""The least-privilege IAM policy of whoever runs the platform, generated from the requests a run really sent.

Input: the requests the emulator's recorder kept of a check-mode run, a converge, a no-op rerun and a destroy
with `destroy_data=true` (tests/integration/test_site.py records them; `make deployer-policy` regenerates
docs/deployer-policy.json from there). Each request is mapped to the IAM action AWS authorizes it by, plus
the permissions AWS checks without an API call of their own (iam:PassRole, service-linked roles, tagging on
create, KMS through Secrets Manager). Resources are scoped to the platform's names wherever the Service
Authorization Reference lists a resource type for the action, and are `*` only where it lists none.

The policy is a template: `{project}`, `{environment}`, `{region}` and `{account}` stand for the platform's
values; `render` fills them in:

    python tools/deployer_policy.py render --environment dev [--region eu-west-1] [--account 123456789012]
    python tools/deployer_policy.py render --environment local --for-emulator > policy.json
    python tools/emulator.py start --iam-policy policy.json          # the emulator then enforces it
    python tools/deployer_policy.py generate --recording .local/emulator/requests.jsonl   # from your own recording
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import parliament

from request_actions import IAM_PREFIX, PolicyError, actions, parameters

REPO = Path(__file__).resolve().parent.parent
SHIPPED_POLICY = REPO / "docs" / "deployer-policy.json"
PLACEHOLDERS = ("project", "environment", "region", "account")
# When set, the site test writes what it generated to SHIPPED_POLICY (`make deployer-policy`).
UPDATE_VARIABLE = "DEPLOYER_POLICY_UPDATE"
PREFIX = "{project}-{environment}"

# Actions a real account is asked for that the emulator is not, because inventories/local turns them off:
# bucket policies (data_lake_apply_bucket_policies: moto evaluates a Condition that does not match as a deny)
# and the KMS key's deletion (secrets_kms_key_deletion: moto 5.2.5 fails ScheduleKeyDeletion given an ARN);
# and the deletion of the hosts' snapshots by destroy_data, which only a real Data Lifecycle Manager takes.
REAL_AWS_ONLY = ("s3:PutBucketPolicy", "kms:ScheduleKeyDeletion", "ec2:DeleteSnapshot")
# Actions that bring an account converged by an earlier release (or with other settings) to this one's, which a
# fresh converge and its rerun never send: public subnets that mapped public addresses, repositories whose tags
# were all mutable, a snapshot policy whose tags changed, a host given a new instance type (stopped, changed,
# started) or a larger root volume.
ON_CHANGE_ONLY = (
    "ec2:ModifySubnetAttribute",
    "ecr:PutImageTagMutability",
    "dlm:TagResource",
    "dlm:UntagResource",
    "ec2:StopInstances",
    "ec2:StartInstances",
    "ec2:ModifyVolume",
)
# Actions of a NAT gateway for the private subnets (network_private_egress: nat_gateway, not the default, so no recorded
# run sends them): amazon.aws.ec2_vpc_nat_gateway allocates the gateway's Elastic IP, creates the gateway, and when
# the egress moves away deletes it and releases the address (roles/network/tasks/routing.yml).
NAT_GATEWAY_EGRESS = (
    "ec2:AllocateAddress",
    "ec2:CreateNatGateway",
    "ec2:DescribeAddresses",
    "ec2:DeleteNatGateway",
    "ec2:ReleaseAddress",
)
# Actions only the plan sends (playbooks/plan.yml, after the cloud layer's check run that the recording holds): the
# listing of what carries the platform's tags, which the Resource Groups Tagging API does for every service but IAM
# roles (dataeng.platform.tagged_resources_info).
PLAN_ONLY = ("tag:GetResources", "iam:ListRoles", "iam:ListRoleTags")

# Where the platform's resources are, by IAM prefix and the resource type the Service Authorization
# Reference names (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
# Names come from roles/common/vars/main.yml (platform_names) and each role's defaults.
RESOURCES = {
    "iam": {
        "role": [f"arn:aws:iam::{{account}}:role/{PREFIX}-*"],
        "instance-profile": [f"arn:aws:iam::{{account}}:instance-profile/{PREFIX}-*"],
        "policy": [f"arn:aws:iam::{{account}}:policy/{PREFIX}-*"],
    },
    "s3": {
        "bucket": [f"arn:aws:s3:::{PREFIX}-*"],
        "object": [f"arn:aws:s3:::{PREFIX}-*/*"],
    },
    "glue": {
        "rootcatalog": ["arn:aws:glue:{region}:{account}:catalog"],
        "catalog": ["arn:aws:glue:{region}:{account}:catalog"],
        "database": ["arn:aws:glue:{region}:{account}:database/{environment}_data_lake_catalog"],
        "table": ["arn:aws:glue:{region}:{account}:table/{environment}_data_lake_catalog/*"],
        "userdefinedfunction": [
            "arn:aws:glue:{region}:{account}:userDefinedFunction/{environment}_data_lake_catalog/*"
        ],
        "job": [f"arn:aws:glue:{{region}}:{{account}}:job/{PREFIX}-*"],
        "crawler": [f"arn:aws:glue:{{region}}:{{account}}:crawler/{PREFIX}-*"],
        "trigger": [f"arn:aws:glue:{{region}}:{{account}}:trigger/{PREFIX}-*"],
        "workflow": [f"arn:aws:glue:{{region}}:{{account}}:workflow/{PREFIX}-*"],
    },
    # The cluster and the repositories are "<env>-<name>" (ecs and ecr defaults).
    "ecs": {
        "cluster": ["arn:aws:ecs:{region}:{account}:cluster/{environment}-*"],
        "service": [f"arn:aws:ecs:{{region}}:{{account}}:service/{{environment}}-*/{PREFIX}-*"],
        "task-definition": [f"arn:aws:ecs:{{region}}:{{account}}:task-definition/{PREFIX}-*:*"],
        "task": ["arn:aws:ecs:{region}:{account}:task/{environment}-*/*"],
        "container-instance": ["arn:aws:ecs:{region}:{account}:container-instance/{environment}-*/*"],
        "capacity-provider": ["arn:aws:ecs:{region}:{account}:capacity-provider/*"],
    },
    "ecr": {"repository": ["arn:aws:ecr:{region}:{account}:repository/{environment}-*"]},
    "secretsmanager": {"Secret": [f"arn:aws:secretsmanager:{{region}}:{{account}}:secret:{PREFIX}/*"]},
    # Key ids are generated, so keys are scoped to the account and region; the alias is the platform's.
    "kms": {
        "key": ["arn:aws:kms:{region}:{account}:key/*"],
        "alias": [f"arn:aws:kms:{{region}}:{{account}}:alias/{PREFIX}-*"],
    },
    # The run lock (plugins/module_utils/run_lock.py), the one parameter the platform writes.
    "ssm": {"parameter": [f"arn:aws:ssm:{{region}}:{{account}}:parameter/{PREFIX}/run-lock"]},
    # Data Lifecycle Manager generates its policies' ids: policies are scoped to the account and region.
    "dlm": {"policy": ["arn:aws:dlm:{region}:{account}:policy/*"]},
    "logs": {
        "log-group": [f"arn:aws:logs:{{region}}:{{account}}:log-group:/ecs/{PREFIX}*"],
        "log-stream": [f"arn:aws:logs:{{region}}:{{account}}:log-group:/ecs/{PREFIX}*:log-stream:*"],
    },
}
# EC2 names its resources by generated ids and looks up public AMIs owned by other accounts, so every EC2
# resource type is scoped to the region only (tag conditions could narrow it further; see docs/real-aws.md).
EC2_RESOURCES = ["arn:aws:ec2:{region}:*:*"]

# iam:PassRole is authorized when a request hands a role to a service, never called itself: "Granting a
# user permissions to pass a role to an AWS service",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
# (service, operation): the parameters naming the role (or instance profile), and the service it goes to.
PASSES_ROLE = {
    ("glue", "CreateJob"): (("Role",), "glue.amazonaws.com"),
    ("glue", "UpdateJob"): (("JobUpdate.Role",), "glue.amazonaws.com"),
    ("glue", "CreateCrawler"): (("Role",), "glue.amazonaws.com"),
    ("glue", "UpdateCrawler"): (("Role",), "glue.amazonaws.com"),
    ("ecs", "RegisterTaskDefinition"): (("executionRoleArn", "taskRoleArn"), "ecs-tasks.amazonaws.com"),
    ("ec2", "RunInstances"): (("IamInstanceProfile.Name", "IamInstanceProfile.Arn"), "ec2.amazonaws.com"),
    ("dlm", "CreateLifecyclePolicy"): (("ExecutionRoleArn",), "dlm.amazonaws.com"),
    ("dlm", "UpdateLifecyclePolicy"): (("ExecutionRoleArn",), "dlm.amazonaws.com"),
    ("ec2", "AssociateIamInstanceProfile"): (
        ("IamInstanceProfile.Name", "IamInstanceProfile.Arn"),
        "ec2.amazonaws.com",
    ),
}
# The first ECS cluster of an account creates ECS's service-linked role (which Fargate Spot uses too), as the
# caller: "Using service-linked roles for Amazon ECS",
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html
CREATES_SERVICE_LINKED_ROLE = {("ecs", "CreateCluster"): "ecs.amazonaws.com"}
SERVICE_LINKED_ROLES = {
    "ecs.amazonaws.com": "arn:aws:iam::{account}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
}
# A secret encrypted with a customer managed key: Secrets Manager asks KMS as the caller, so the caller
# needs kms:GenerateDataKey to write a value and kms:Decrypt to read one ("Secret encryption and decryption
# in AWS Secrets Manager", https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
SECRETS_KMS = {"CreateSecret": "GenerateDataKey", "PutSecretValue": "GenerateDataKey", "GetSecretValue": "Decrypt"}
# An object written to or read from a bucket whose default encryption is SSE-KMS (data_lake_encryption): S3
# asks KMS as the caller, who needs kms:GenerateDataKey to upload and kms:Decrypt to download ("Using
# server-side encryption with AWS KMS keys (SSE-KMS)", Permissions,
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html).
S3_KMS = {"s3:PutObject": "kms:GenerateDataKey", "s3:GetObject": "kms:Decrypt"}

# What the emulator's authorization (moto/iam/access_control.py) checks differently from AWS: it checks the
# action under the request's signing name and S3's HeadBucket under a name of its own, and resolves no
# resource outside S3 and existing IAM roles (it compares "*" with every other statement's Resource).
EMULATOR_ACTION_ALIASES = {"s3:ListBucket": ["s3:HeadBucket"]}
EMULATOR_PREFIX_ALIASES = {prefix: signing for signing, prefix in IAM_PREFIX.items()}

_SERVICE_DEFINITIONS = {service["prefix"]: service for service in parliament.iam_definition}


def _resources_of(action: str) -> list[str]:
    """The platform's ARNs of every resource type the Service Authorization Reference lists for `action`;
    `*` when it lists none (the action supports no resource-level permissions)."""
    types = resource_types(action)
    if not types:
        return ["*"]
    prefix = action.split(":")[0]
    if prefix == "ec2":
        return EC2_RESOURCES
    known = RESOURCES.get(prefix, {})
    missing = sorted(kind for kind, required in types.items() if required and kind not in known)
    if missing:
        raise PolicyError(f"{action} needs a resource of type {', '.join(missing)}: name the platform's in RESOURCES")
    return sorted({arn for kind in types for arn in known.get(kind, [])})


# Request parameters that name a resource, by IAM prefix: (resource type, ARN of the name in any region and
# account). The site test checks each such name against the statements that allow the request, so a resource
# outside the platform's names fails there even though the emulator does not check resources.
NAMED_RESOURCES = {
    "iam": {
        "RoleName": ("role", "arn:aws:iam::*:role/{name}"),
        "InstanceProfileName": ("instance-profile", "arn:aws:iam::*:instance-profile/{name}"),
    },
    "ecr": {"repositoryName": ("repository", "arn:aws:ecr:*:*:repository/{name}")},
    "logs": {"logGroupName": ("log-group", "arn:aws:logs:*:*:log-group:{name}")},
    # A hierarchical parameter's name starts with "/", which its ARN drops after "parameter".
    "ssm": {"Name": ("parameter", "arn:aws:ssm:*:*:parameter{name}")},
    "secretsmanager": {
        "Name": ("Secret", "arn:aws:secretsmanager:*:*:secret:{name}"),
        "SecretId": ("Secret", "arn:aws:secretsmanager:*:*:secret:{name}"),
    },
}


def named_resources(request) -> list[tuple[str, str]]:
    """(resource type, ARN) of what the request names, where its parameters say (see NAMED_RESOURCES)."""
    if request.service == "s3":
        path = urllib.parse.unquote(urllib.parse.urlsplit(request.path).path.strip("/"))
        return [("object" if "/" in path else "bucket", f"arn:aws:s3:::{path}")] if path else []
    params = parameters(request)
    named = []
    for parameter, (kind, arn) in NAMED_RESOURCES.get(IAM_PREFIX.get(request.service, request.service), {}).items():
        if params.get(parameter):
            name = params[parameter]
            named.append((kind, name if name.startswith("arn:") else arn.replace("{name}", name)))
    return named


def _matches(pattern: str, arn: str) -> bool:
    """IAM's wildcard matching: `*` for any run of characters, `?` for one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, arn) is not None


def outside_the_policy(policy: dict, requests: Iterable) -> list[str]:
    """Each named resource (`action arn`) a request reached that no statement allowing its action covers;
    `policy` is rendered with any account and region."""
    found = []
    for request in requests:
        for action in actions(request):
            types = resource_types(action)
            statements = [s for s in policy["Statement"] if action in s["Action"] and "Condition" not in s]
            for kind, arn in named_resources(request):
                if kind not in types:
                    continue
                covered = any(
                    _matches(pattern, arn)
                    for statement in statements
                    for pattern in (
                        [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
                    )
                )
                if not covered:
                    found.append(f"{action} {arn}")
    return sorted(set(found))


def resource_types(action: str) -> dict[str, bool]:
    """The resource types the Service Authorization Reference lists for `action`: whether each is required."""
    prefix, name = action.split(":")
    service = _SERVICE_DEFINITIONS.get(prefix)
    privilege = next((p for p in service["privileges"] if p["privilege"] == name), None) if service else None
    if privilege is None:
        raise PolicyError(f"{action} is not an action of the Service Authorization Reference")
    kinds = [entry["resource_type"] for entry in privilege["resource_types"] if entry["resource_type"]]
    return {kind.rstrip("*"): kind.endswith("*") for kind in kinds}


_RESOURCE_TYPE_OF = {arn: kind for kinds in RESOURCES.values() for kind, arns in kinds.items() for arn in arns}
_RESOURCE_TYPE_OF.update({arn: "region" for arn in EC2_RESOURCES})


def _statement_id(prefix: str, resources: tuple[str, ...]) -> str:
    kinds = ["any resource"] if resources == ("*",) else sorted({_RESOURCE_TYPE_OF[arn] for arn in resources})
    words = [prefix, "on", *kinds]
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", " ".join(words)) if word)


def generate(requests: Iterable) -> dict:
    """The policy template that allows exactly what `requests` needed."""
    needed: set[str] = set()
    passed_to: dict[str, set[str]] = defaultdict(set)
    service_linked: set[str] = set()
    uses_secrets_key = False
    secret_operations: set[str] = set()
    s3_kms_actions: set[str] = set()
    for request in requests:
        requested = actions(request)
        needed |= requested
        s3_kms_actions |= {S3_KMS[action] for action in requested if action in S3_KMS}
        key = (request.service, request.operation)
        params = parameters(request) if key in PASSES_ROLE or request.service == "secretsmanager" else {}
        if key in PASSES_ROLE:
            names, principal = PASSES_ROLE[key]
            for role in (params[name] for name in names if params.get(name)):
                if not re.search(r"(^|/)[^/]+-[^/]+-[^/]+$", role):
                    raise PolicyError(f"{request.operation} passes {role}, outside the platform's names")
                passed_to[principal].add(role)
        if key in CREATES_SERVICE_LINKED_ROLE:
            service_linked.add(CREATES_SERVICE_LINKED_ROLE[key])
        if request.service == "secretsmanager":
            uses_secrets_key |= bool(params.get("KmsKeyId"))
            secret_operations.add(request.operation)

    needed |= set(REAL_AWS_ONLY) | set(ON_CHANGE_ONLY) | set(NAT_GATEWAY_EGRESS) | set(PLAN_ONLY)

    # (Sid, resources, condition): actions
    statements: dict[tuple, set[str]] = defaultdict(set)
    for action in needed:
        resources = tuple(_resources_of(action))
        statements[_statement_id(action.split(":")[0], resources), resources, None] |= {action}
    if passed_to:
        condition = {"StringEquals": {"iam:PassedToService": sorted(passed_to)}}
        statements["IamPassRoleToServices", tuple(RESOURCES["iam"]["role"]), json.dumps(condition)] |= {"iam:PassRole"}
    for service in sorted(service_linked):
        condition = {"StringEquals": {"iam:AWSServiceName": service}}
        key = ("IamCreateServiceLinkedRole", (SERVICE_LINKED_ROLES[service],), json.dumps(condition))
        statements[key] |= {"iam:CreateServiceLinkedRole"}
    if uses_secrets_key:
        kms_actions = {f"kms:{SECRETS_KMS[op]}" for op in secret_operations if op in SECRETS_KMS}
        condition = {"StringEquals": {"kms:ViaService": "secretsmanager.{region}.amazonaws.com"}}
        statements["KmsThroughSecretsManager", tuple(RESOURCES["kms"]["key"]), json.dumps(condition)] |= kms_actions
    if s3_kms_actions:
        condition = {"StringEquals": {"kms:ViaService": "s3.{region}.amazonaws.com"}}
        statements["KmsThroughS3", tuple(RESOURCES["kms"]["key"]), json.dumps(condition)] |= s3_kms_actions

    policy = []
    for (sid, resources, condition), granted in sorted(statements.items(), key=lambda item: item[0][0]):
        statement = {
            "Sid": sid,
            "Effect": "Allow",
            "Action": sorted(granted),
            "Resource": list(resources) if len(resources) > 1 else resources[0],
        }
        if condition:
            statement["Condition"] = json.loads(condition)
        policy.append(statement)
    return {"Version": "2012-10-17", "Statement": policy}


def render(template: dict, **values: str) -> dict:
    """The template with its placeholders filled in (account and region default to `*`)."""
    text = json.dumps(template)
    for name in PLACEHOLDERS:
        text = text.replace(f"{{{name}}}", values.get(name) or "*")
    return json.loads(text)


def as_emulator_enforces(policy: dict) -> dict:
    """`policy` widened to what the emulator can check: the same actions (plus the names the emulator asks
    for in their place) on any resource, without conditions, which it evaluates only for trust policies."""
    statements = []
    for statement in policy["Statement"]:
        granted = set(statement["Action"])
        for action in statement["Action"]:
            prefix, name = action.split(":")
            granted.update(EMULATOR_ACTION_ALIASES.get(action, []))
            if prefix in EMULATOR_PREFIX_ALIASES:
                granted.add(f"{EMULATOR_PREFIX_ALIASES[prefix]}:{name}")
        statements.append({"Sid": statement["Sid"], "Effect": "Allow", "Action": sorted(granted), "Resource": "*"})
    return {"Version": policy["Version"], "Statement": statements}


def without_action(policy: dict, action: str) -> dict:
    """`policy` minus one action, wherever it is granted."""
    statements = [
        {**statement, "Action": [a for a in statement["Action"] if a != action]}
        for statement in policy["Statement"]
        if statement["Action"] != [action]
    ]
    if statements == policy["Statement"]:
        raise PolicyError(f"{action} is not in the policy")
    return {**policy, "Statement": statements}


def recorded_requests(recording: Path) -> list:
    """The requests of a moto recording (MOTO_RECORDER_FILEPATH) that Ansible sent."""
    sys.path.insert(0, str(REPO / "tests"))
    from support.emulator import parse_recording  # the tests' decoding of service and operation

    return [request for request in parse_recording(recording.read_text()) if sent_by_ansible(request)]


def sent_by_ansible(request) -> bool:
    """Whether a module or inventory plugin sent it (the amazon.aws user agent), not a test's own client."""
    return "Ansible/" in request.headers.get("user-agent", "")


def dumps(policy: dict) -> str:
    return json.dumps(policy, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    generate_cmd = commands.add_parser("generate", help="print the policy template a recording needed")
    generate_cmd.add_argument("--recording", type=Path, required=True, help="a moto request recording (JSON lines)")
    render_cmd = commands.add_parser("render", help="print docs/deployer-policy.json for one environment")
    render_cmd.add_argument("--environment", required=True)
    render_cmd.add_argument("--project", default="dataeng")
    render_cmd.add_argument("--region", help="default: any region (*)")
    render_cmd.add_argument("--account", help="default: any account (*)")
    render_cmd.add_argument("--template", type=Path, default=SHIPPED_POLICY)
    render_cmd.add_argument(
        "--for-emulator", action="store_true", help="widened to what the emulator checks (emulator.py --iam-policy)"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "generate":
            print(dumps(generate(recorded_requests(args.recording))), end="")
        else:
            template = json.loads(args.template.read_text())
            policy = render(template, **{name: getattr(args, name) for name in PLACEHOLDERS})
            print(dumps(as_emulator_enforces(policy) if args.for_emulator else policy), end="")
    except PolicyError as exc:
        print(f"deployer_policy: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
