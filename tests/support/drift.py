"""Changes made to a converged account outside the collection, as someone in the console would make them, each with
the planned change that would put it back: what the plan must name (tests/integration/test_plan.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from support.aws import Aws
from support.expectations import identity

PREFIX = "dataeng-local"
ACCOUNT = "123456789012"
LAKE_BUCKET = f"{PREFIX}-data-lake-{ACCOUNT}"
OUTPUTS_BUCKET = f"{PREFIX}-glue-outputs-{ACCOUNT}"


@dataclass(frozen=True)
class Expected:
    """The planned change that undoes a drift: the resource, and one attribute with its old and new value (each the
    value itself, or a test of it where the module's whole list is more than the drift knows). No attribute: a stock
    module's change, which the plan marks partial (it does not say what it changes)."""

    kind: str
    name: str
    attribute: str | None = None
    old: Any = None
    new: Any = None

    def matches(self, change: dict) -> bool:
        """Whether a planned change of this resource undoes the drift."""
        if self.attribute is None:
            return change["changes"] == [] and change.get("note", "").startswith("partial: ")
        return any(self._matches_attribute(attribute) for attribute in change["changes"])

    def _matches_attribute(self, attribute: dict) -> bool:
        return (
            attribute["attribute"] == self.attribute
            and _is(attribute["old"], self.old)
            and _is(attribute["new"], self.new)
        )


def _is(value: Any, expected: Any) -> bool:
    return expected(value) if callable(expected) else value == expected


@dataclass(frozen=True)
class Drift:
    what: str
    make: Callable[[Aws], Expected]


def _group(aws: Aws, name: str) -> dict:
    return aws.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"][0]


def rule_added(aws: Aws) -> Expected:
    group = _group(aws, f"{PREFIX}-bastion")
    aws.ec2.authorize_security_group_ingress(
        GroupId=group["GroupId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )

    def opened(rules):
        return {"ports": "3389", "proto": "tcp", "rule_desc": None, "source": "0.0.0.0/0"} in rules

    return Expected("security group", f"{PREFIX}-bastion", "ingress", opened, lambda rules: rules and not opened(rules))


def versioning_suspended(aws: Aws) -> Expected:
    aws.s3.put_bucket_versioning(Bucket=OUTPUTS_BUCKET, VersioningConfiguration={"Status": "Suspended"})
    return Expected("bucket", OUTPUTS_BUCKET, "versioning", "Suspended", "Enabled")


def tag_removed(aws: Aws) -> Expected:
    subnet = aws.ec2.describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.0.1.0/24"]}])["Subnets"][0]
    aws.ec2.delete_tags(Resources=[subnet["SubnetId"]], Tags=[{"Key": "Tier"}])
    return Expected("subnet", "10.0.1.0/24", "tags.Tier", None, "public")


def lifecycle_rule_deleted(aws: Aws) -> Expected:
    rules = aws.s3.get_bucket_lifecycle_configuration(Bucket=LAKE_BUCKET)["Rules"]
    kept = [rule for rule in rules if rule["ID"] != "expire-access-logs"]
    aws.s3.put_bucket_lifecycle_configuration(Bucket=LAKE_BUCKET, LifecycleConfiguration={"Rules": kept})

    def ids(rules):
        return sorted(rule["rule_id"] for rule in rules)

    return Expected(
        "bucket",
        LAKE_BUCKET,
        "lifecycle_rules",
        lambda old: ids(old) == sorted(rule["ID"] for rule in kept),
        lambda new: ids(new) == sorted(rule["ID"] for rule in rules),
    )


def secret_key_changed(aws: Aws) -> Expected:
    # The key Secrets Manager uses when none is named: what choosing the default in the console does.
    # DescribeSecret then omits KmsKeyId ("If the secret is encrypted with the Amazon Web Services managed key
    # aws/secretsmanager, this field is omitted", https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html).
    aws.secretsmanager.update_secret(SecretId=f"{PREFIX}/mysql", KmsKeyId="alias/aws/secretsmanager")
    return Expected("secret", f"{PREFIX}/mysql", "kms_key_id", None, f"alias/{PREFIX}-secrets")


def scan_on_push_off(aws: Aws) -> Expected:
    aws.ecr.put_image_scanning_configuration(
        repositoryName="local-data-jobs", imageScanningConfiguration={"scanOnPush": False}
    )
    return Expected("ECR repository", "local-data-jobs", "scan_on_push", False, True)


def route_deleted(aws: Aws) -> Expected:
    table = aws.ec2.describe_route_tables(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-public"]}])[
        "RouteTables"
    ][0]
    gateway = next(route["GatewayId"] for route in table["Routes"] if route.get("DestinationCidrBlock") == "0.0.0.0/0")
    aws.ec2.delete_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0")
    return Expected("route table", f"{PREFIX}-public", "routes.0.0.0.0/0", None, gateway)


def ecr_lifecycle_policy_deleted(aws: Aws) -> Expected:
    policy = aws.ecr.get_lifecycle_policy(repositoryName="local-glue-jobs")["lifecyclePolicyText"]
    aws.ecr.delete_lifecycle_policy(repositoryName="local-glue-jobs")
    return Expected("ECR repository", "local-glue-jobs", "lifecycle_policy", None, json.loads(policy))


def ebs_encryption_off(aws: Aws) -> Expected:
    aws.ec2.disable_ebs_encryption_by_default()
    return Expected("EBS encryption by default of region", "us-east-2", "enabled", False, True)


def inline_policy_deleted(aws: Aws) -> Expected:
    role = f"{PREFIX}-glue-service"
    document = aws.iam.get_role_policy(RoleName=role, PolicyName=role)["PolicyDocument"]
    aws.iam.delete_role_policy(RoleName=role, PolicyName=role)

    # The plan shows the document as the module compares it (canonical: one-element lists as lists...), so the
    # statements are recognised by their ids.
    def same_statements(new):
        return new and sorted(s["Sid"] for s in new["Statement"]) == sorted(s["Sid"] for s in document["Statement"])

    return Expected("IAM role", role, f"inline_policies.{role}", None, same_statements)


def database_described_otherwise(aws: Aws) -> Expected:
    database = aws.glue.get_database(Name="local_data_lake_catalog")["Database"]
    aws.glue.update_database(
        Name=database["Name"],
        DatabaseInput={
            "Name": database["Name"],
            "Description": "changed in the console",
            "LocationUri": database["LocationUri"],
        },
    )
    return Expected("Glue database", database["Name"], "description", "changed in the console", database["Description"])


def container_insights_off(aws: Aws) -> Expected:
    aws.ecs.update_cluster(
        cluster="local-data-processing-cluster", settings=[{"name": "containerInsights", "value": "disabled"}]
    )
    return Expected(
        "settings of ECS cluster", "local-data-processing-cluster", "container_insights", "disabled", "enabled"
    )


def secret_described_otherwise(aws: Aws) -> Expected:
    name = f"{PREFIX}/redis"
    description = aws.secretsmanager.describe_secret(SecretId=name)["Description"]
    aws.secretsmanager.update_secret(SecretId=name, Description="changed in the console")
    return Expected("secret", name, "description", "changed in the console", description)


def registry_scanning_reset(aws: Aws) -> Expected:
    rules = aws.ecr.get_registry_scanning_configuration()["scanningConfiguration"]["rules"]
    aws.ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[])
    wanted = [
        {
            "repository_filters": [found["filter"] for found in rule["repositoryFilters"]],
            "scan_frequency": rule["scanFrequency"],
        }
        for rule in rules
    ]
    return Expected("ECR registry scanning configuration of region", "us-east-2", "rules", [], wanted)


# Changes the roles find by a read and mend with a stock module only when what they read differs (a module run saved
# when nothing did): each must be found and mended all the same.
def acl_rule_deleted(aws: Aws) -> Expected:
    name = f"{PREFIX}-private"
    acl = aws.ec2.describe_network_acls(Filters=[{"Name": "tag:Name", "Values": [name]}])["NetworkAcls"][0]
    rule = min(entry["RuleNumber"] for entry in acl["Entries"] if not entry["Egress"])
    aws.ec2.delete_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=rule, Egress=False)
    return Expected("network ACL", name)


def default_group_opened(aws: Aws) -> Expected:
    vpc = aws.ec2.describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.0.1.0/24"]}])["Subnets"][0]["VpcId"]
    group = aws.ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    aws.ec2.authorize_security_group_ingress(
        GroupId=group["GroupId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    return Expected("security group", "default")


def key_rotation_off(aws: Aws) -> Expected:
    alias = f"alias/{PREFIX}-secrets"
    aws.kms.disable_key_rotation(KeyId=aws.kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"])
    return Expected("KMS key", alias)


def role_out_of_its_instance_profile(aws: Aws) -> Expected:
    name = f"{PREFIX}-kubernetes-host"
    aws.iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=name)
    return Expected("instance profile", name)


# Changes a read shows the roles before they run a module (a module run saved when nothing changed): the bucket's
# settings (s3_buckets_info), the S3 gateway endpoint and the endpoints' policies (ec2_vpc_network_info), a host
# (ec2_hosts_info).
def ownership_controls_changed(aws: Aws) -> Expected:
    aws.s3.put_bucket_ownership_controls(
        Bucket=OUTPUTS_BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    return Expected("bucket", OUTPUTS_BUCKET, "object_ownership", "ObjectWriter", "BucketOwnerEnforced")


def _s3_endpoint(aws: Aws) -> dict:
    return aws.ec2.describe_vpc_endpoints(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-s3"]}])["VpcEndpoints"][0]


def endpoint_tag_removed(aws: Aws) -> Expected:
    endpoint = _s3_endpoint(aws)
    aws.ec2.delete_tags(Resources=[endpoint["VpcEndpointId"]], Tags=[{"Key": "Environment"}])
    return Expected("VPC endpoint", endpoint["ServiceName"])


def endpoint_policy_opened(aws: Aws) -> Expected:
    endpoint = _s3_endpoint(aws)
    opened = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], PolicyDocument=json.dumps(opened))
    return Expected(
        "policy of VPC endpoint",
        endpoint["VpcEndpointId"],
        "Statement",
        opened["Statement"],
        lambda statements: statements != opened["Statement"],
    )


def host_tagged_by_hand(aws: Aws) -> Expected:
    # Not its metadata options: the emulator's ModifyInstanceMetadataOptions drops the options it is not given.
    name = f"{PREFIX}-kubernetes"
    host = aws.ec2.describe_instances(
        Filters=[
            {"Name": "tag:Name", "Values": [name]},
            {"Name": "instance-state-name", "Values": ["running"]},
        ]
    )["Reservations"][0]["Instances"][0]
    aws.ec2.create_tags(Resources=[host["InstanceId"]], Tags=[{"Key": "Owner", "Value": "someone"}])
    return Expected("instance", name)


DRIFTS = [
    Drift(function.__name__.replace("_", " "), function)
    for function in (
        rule_added,
        versioning_suspended,
        tag_removed,
        lifecycle_rule_deleted,
        secret_key_changed,
        scan_on_push_off,
        route_deleted,
        ecr_lifecycle_policy_deleted,
        ebs_encryption_off,
        inline_policy_deleted,
        database_described_otherwise,
        container_insights_off,
        secret_described_otherwise,
        registry_scanning_reset,
        acl_rule_deleted,
        default_group_opened,
        key_rotation_off,
        role_out_of_its_instance_profile,
        ownership_controls_changed,
        endpoint_tag_removed,
        endpoint_policy_opened,
        host_tagged_by_hand,
    )
]


def drifted(aws: Aws) -> dict[str, Expected]:
    """Make every drift; what each was, with the change that would undo it."""
    return {drift.what: drift.make(aws) for drift in DRIFTS}


# The tags every platform resource of the local environment carries.
IDENTITY_TAGS = {**identity.IDENTITY_TAGS, "Environment": "local"}
OLD = f"{PREFIX}-old"


@dataclass(frozen=True)
class LeftBehind:
    """A resource with the platform's tags that the inventory does not declare, as a rename or a removal from the
    inventory leaves one; `remove` deletes it."""

    kind: str
    name: str
    remove: Callable[[], Any]


def _tag_list(**extra: str) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in {**IDENTITY_TAGS, **extra}.items()]


def _delete_glue_job(aws: Aws, name: str) -> None:
    """Delete a Glue job, its tags first: the emulator (moto 5.2.5) keeps a deleted job's tags, and the Resource Groups
    Tagging API then goes on listing the job."""
    (arn,) = [
        mapping["ResourceARN"]
        for mapping in aws.resourcegroupstaggingapi.get_resources(ResourceTypeFilters=["glue:job"])[
            "ResourceTagMappingList"
        ]
        if mapping["ResourceARN"].endswith(f":job/{name}")
    ]
    aws.glue.untag_resource(ResourceArn=arn, TagsToRemove=list(IDENTITY_TAGS))
    aws.glue.delete_job(JobName=name)


def left_behind(aws: Aws) -> list[LeftBehind]:
    """One resource of each kind a rename leaves: a security group, a Glue job, a bucket, a secret, an IAM role."""
    vpc = aws.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-vpc"]}])["Vpcs"][0]["VpcId"]
    group = aws.ec2.create_security_group(
        GroupName=f"{OLD}-admin",
        Description="renamed since",
        VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": _tag_list(Name=f"{OLD}-admin")}],
    )["GroupId"]
    role = aws.iam.create_role(
        RoleName=f"{OLD}-host",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
        Tags=_tag_list(),
    )["Role"]
    aws.glue.create_job(
        Name=f"{OLD}-processing",
        Role=role["Arn"],
        Command={"Name": "glueetl", "ScriptLocation": "s3://x/y.py"},
        Tags=IDENTITY_TAGS,
    )
    bucket = f"{OLD}-lake-{ACCOUNT}"
    aws.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.region})
    aws.s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tag_list()})
    secret = aws.secretsmanager.create_secret(Name=f"{OLD}/grafana", SecretString="unused", Tags=_tag_list())["ARN"]
    return [
        LeftBehind("security group", f"{OLD}-admin", lambda: aws.ec2.delete_security_group(GroupId=group)),
        LeftBehind("IAM role", f"{OLD}-host", lambda: aws.iam.delete_role(RoleName=f"{OLD}-host")),
        LeftBehind("Glue job", f"{OLD}-processing", lambda: _delete_glue_job(aws, f"{OLD}-processing")),
        LeftBehind("bucket", bucket, lambda: aws.s3.delete_bucket(Bucket=bucket)),
        LeftBehind(
            "secret",
            f"{OLD}/grafana",
            lambda: aws.secretsmanager.delete_secret(SecretId=secret, ForceDeleteWithoutRecovery=True),
        ),
    ]
