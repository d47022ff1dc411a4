#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: tagged_resources_info
version_added: 0.1.0
short_description: List the resources of a region that carry a set of tags, IAM roles included
description:
  - Lists every resource of the region that carries all of O(tags) (key and value), through the Resource Groups
    Tagging API (C(GetResources)), with its kind and the name a user knows it by (its C(Name) tag, else the name or
    id its ARN ends with).
  - C(GetResources) does not list IAM roles, so the roles whose names begin with O(iam_role_prefix) are read from IAM
    and listed when they carry O(tags).
  - Leaves out what AWS makes on a tagged resource's behalf and tags with a key of its own (C(aws:) prefix, reserved
    to AWS), such as the snapshots a Data Lifecycle Manager policy takes, and the tasks an ECS service runs.
  - The plan (C(playbooks/plan.yml)) lists those of them that no task of the run declared as unmanaged.
options:
  tags:
    description:
      - The tags (key and value) every listed resource carries, all of them.
    required: true
    type: dict
  iam_role_prefix:
    description:
      - Read the IAM roles whose names begin with this prefix too; empty reads none.
    type: str
    default: ""
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reads only, in check mode too.
  diff_mode:
    support: none
    description: Reads only; there is nothing to compare.
"""

EXAMPLES = r"""
- name: List what carries the platform's identity tags
  dataeng.platform.tagged_resources_info:
    tags:
      Environment: dev
      Project: dataeng
      ManagedBy: ansible
    iam_role_prefix: dataeng-dev-
  register: tagged
"""

RETURN = r"""
resources:
  description: The resources that carry every tag of O(tags), sorted by kind and name.
  returned: always
  type: list
  elements: dict
  contains:
    arn:
      description: The resource's ARN, as AWS returns it.
      type: str
    kind:
      description: What the resource is, as the plan names it.
      type: str
    name:
      description: Its C(Name) tag, else the name or id its ARN ends with.
      type: str
    id:
      description: The name or id its ARN ends with.
      type: str
  sample:
    - arn: arn:aws:ec2:us-east-2:123456789012:security-group/sg-0123456789abcdef0
      kind: security group
      name: dataeng-dev-bastion
      id: sg-0123456789abcdef0
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

# (service, resource type in the ARN) -> the kind as the plan names it; anything else is "<service> <type>".
KINDS = {
    ("dlm", "policy"): "DLM lifecycle policy",
    ("ec2", "elastic-ip"): "Elastic IP",
    ("ec2", "instance"): "instance",
    ("ec2", "internet-gateway"): "internet gateway",
    ("ec2", "key-pair"): "key pair",
    ("ec2", "natgateway"): "NAT gateway",
    ("ec2", "network-acl"): "network ACL",
    ("ec2", "route-table"): "route table",
    ("ec2", "security-group"): "security group",
    ("ec2", "subnet"): "subnet",
    ("ec2", "volume"): "volume",
    ("ec2", "vpc"): "VPC",
    ("ec2", "vpc-endpoint"): "VPC endpoint",
    ("ecr", "repository"): "ECR repository",
    ("ecs", "cluster"): "ECS cluster",
    ("ecs", "service"): "ECS service",
    ("ecs", "task-definition"): "ECS task definition",
    ("glue", "crawler"): "Glue crawler",
    ("glue", "database"): "Glue database",
    ("glue", "job"): "Glue job",
    ("glue", "trigger"): "Glue trigger",
    ("glue", "workflow"): "Glue workflow",
    ("iam", "role"): "IAM role",
    ("kms", "key"): "KMS key",
    ("logs", "log-group"): "log group",
    ("s3", ""): "bucket",
    ("secretsmanager", "secret"): "secret",
    ("ssm", "parameter"): "SSM parameter",
}
# What a listed resource runs or makes, which carries its tags and comes and goes with it: an ECS service's tasks
# (propagate_tags), named by no task of a run.
RUN_BY_ANOTHER = {("ecs", "task")}
# Tag keys with this prefix are AWS's own ("reserved for AWS use", tag restrictions,
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions): AWS puts them on what it
# makes for a resource.
AWS_TAG_PREFIX = "aws:"


def arn_parts(arn):
    """(service, resource type, resource id) of an ARN: arn:partition:service:region:account:resource, where the
    resource is "type/id", "type:id" or an id alone (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html);
    the id may hold either separator itself (a log group's "/ecs/...", a task definition's "family:3")."""
    _arn, _partition, service, _region, _account, resource = arn.split(":", 5)
    separators = [index for index in (resource.find("/"), resource.find(":")) if index >= 0]
    if service == "s3" or not separators:
        return service, "", resource
    first = min(separators)
    return service, resource[:first], resource[first + 1 :]


def described(arn, tags):
    """A listed resource: its ARN, kind, id and the name a user knows it by."""
    service, kind, identifier = arn_parts(arn)
    name = identifier
    if service == "secretsmanager":
        # A secret's ARN ends with its name, a hyphen and six random characters
        # (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources).
        name = identifier[:-7]
    return {
        "arn": arn,
        "kind": KINDS.get((service, kind), f"{service} {kind}".strip()),
        "name": tags.get("Name") or name,
        "id": identifier,
    }


def carries(tags, wanted):
    """Whether `tags` holds every key and value of `wanted`, and none of AWS's own."""
    return all(tags.get(key) == value for key, value in wanted.items()) and not any(
        key.startswith(AWS_TAG_PREFIX) for key in tags
    )


def tagged_resources(client, wanted):
    """What GetResources lists with every tag of `wanted` (it filters by key and value; AWS's own tags are left out
    here). https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html"""
    filters = [{"Key": key, "Values": [value]} for key, value in sorted(wanted.items())]
    found = []
    for mapping in paginated_query_with_retries(client, "get_resources", TagFilters=filters)["ResourceTagMappingList"]:
        tags = boto3_tag_list_to_ansible_dict(mapping.get("Tags", []))
        if carries(tags, wanted) and arn_parts(mapping["ResourceARN"])[:2] not in RUN_BY_ANOTHER:
            found.append(described(mapping["ResourceARN"], tags))
    return found


def tagged_roles(client, wanted, prefix):
    """The IAM roles named `prefix`... that carry every tag of `wanted`: "The GetResources operation does not
    currently support IAM users and roles"
    (https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html)."""
    found = []
    for role in paginated_query_with_retries(client, "list_roles")["Roles"]:
        if not role["RoleName"].startswith(prefix):
            continue
        listed = paginated_query_with_retries(client, "list_role_tags", RoleName=role["RoleName"])
        tags = boto3_tag_list_to_ansible_dict(listed.get("Tags", []))
        if carries(tags, wanted):
            found.append(described(role["Arn"], {"Name": role["RoleName"]}))
    return found


def main():
    argument_spec = dict(
        tags=dict(type="dict", required=True),
        iam_role_prefix=dict(type="str", default=""),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    wanted = {str(key): str(value) for key, value in module.params["tags"].items()}
    try:
        found = tagged_resources(module.client("resourcegroupstaggingapi"), wanted)
        if module.params["iam_role_prefix"]:
            found += tagged_roles(module.client("iam"), wanted, module.params["iam_role_prefix"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to list the resources that carry the tags")
    module.exit_json(changed=False, resources=sorted(found, key=lambda resource: (resource["kind"], resource["name"])))


if __name__ == "__main__":
    main()
