"""The AWS contract check (tests/support/contract/): every rule refuses a request that breaks it
and accepts one that keeps it, and the recorder's requests decode into the parameters the rules read."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from support import contract
from support.aws_proxy import Request

ACCOUNT = "123456789012"
SIGNED = "AWS4-HMAC-SHA256 Credential=testing/20261206/us-east-2/{service}/aws4_request, SignedHeaders=host"


def request(service: str, body: bytes, path: str = "/", method: str = "POST", **headers: str) -> Request:
    return Request(
        method, f"https://127.0.0.1:5000{path}", {"authorization": SIGNED.format(service=service), **headers}, body
    )


FORM = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


def form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(service: str, condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return policy({**statement, "Condition": condition} if condition else statement)


SECRET = f"arn:aws:secretsmanager:us-east-2:{ACCOUNT}:secret:dataeng-dev/app"
TASK = {
    "family": "dataeng-dev-data-processing",
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "1024",
    "memory": "2048",
    "containerDefinitions": [
        {"name": "data-processing", "secrets": [{"name": "K", "valueFrom": SECRET + "-AbC123:k::"}]}
    ],
    "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/dataeng-dev-ecs-task",
}
JOB = {
    "Name": "dataeng-dev-data-processing",
    "Role": "dataeng-dev-glue-service",
    "Command": {"Name": "glueetl"},
    "GlueVersion": "5.0",
    "WorkerType": "G.1X",
    "NumberOfWorkers": 2,
    "Timeout": 60,
}
PYTHON_SHELL = {"Name": "small", "Command": {"Name": "pythonshell"}, "GlueVersion": "3.0", "MaxCapacity": 0.0625}


def tags(n: int, key: str = "Project", value: str = "dataeng") -> list[dict]:
    return [{"Key": f"{key}{i or ''}", "Value": value} for i in range(n)]


# (rule, service, operation, parameters that keep it, parameters that break it)
CASES = [
    (
        "ec2-security-group-name",
        "ec2",
        "CreateSecurityGroup",
        {"GroupName": "dataeng-dev-web"},
        {"GroupName": "sg-web"},
    ),
    (
        "ec2-security-group-description",
        "ec2",
        "CreateSecurityGroup",
        {"GroupDescription": "Bastion - SSH from the administrator networks (admin_cidrs)"},
        {"GroupDescription": "Bastion - SSH from the administrators' networks"},
    ),
    (
        "ec2-security-group-rule-description",
        "ec2",
        "AuthorizeSecurityGroupIngress",
        {"IpPermissions": [{"IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "platform VPC"}]}]},
        {"IpPermissions": [{"UserIdGroupPairs": [{"GroupId": "sg-1", "Description": "from the app tier – MySQL"}]}]},
    ),
    ("iam-role-name", "iam", "CreateRole", {"RoleName": "dataeng-dev-glue-service"}, {"RoleName": "x" * 65}),
    ("iam-path", "iam", "CreateRole", {"Path": "/platform/"}, {"Path": "/platform"}),
    ("iam-role-description", "iam", "CreateRole", {"Description": "Glue's role"}, {"Description": "Glue → S3"}),
    (
        "iam-instance-profile-name",
        "iam",
        "CreateInstanceProfile",
        {"InstanceProfileName": "host"},
        {"InstanceProfileName": "a host"},
    ),
    ("iam-policy-name", "iam", "PutRolePolicy", {"PolicyName": "dataeng-dev-glue"}, {"PolicyName": "glue policy"}),
    (
        "iam-inline-policy-size",
        "iam",
        "PutRolePolicy",
        # Whitespace does not count.
        {"RoleName": "r", "PolicyName": "p", "PolicyDocument": policy({"Sid": "A" * 10000 + " " * 5000})},
        {"RoleName": "r", "PolicyName": "p", "PolicyDocument": policy({"Sid": "A" * 10300})},
    ),
    (
        "iam-trust-policy-size",
        "iam",
        "CreateRole",
        {"AssumeRolePolicyDocument": trust("glue.amazonaws.com")},
        {"AssumeRolePolicyDocument": policy({"Sid": "A" * 2100})},
    ),
    (
        "iam-policy-actions-and-resources",
        "iam",
        "PutRolePolicy",
        {
            "PolicyDocument": policy(
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lake/raw/*"},
                # A condition key of the key resource type, which parliament alone calls unknown.
                {
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": f"arn:aws:kms:us-east-2:{ACCOUNT}:key/*",
                    "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/dataeng-dev-secrets"}},
                },
            )
        },
        {"PolicyDocument": policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lake"})},
    ),
    (
        "iam-policy-actions-and-resources",
        "iam",
        "PutRolePolicy",
        {"PolicyDocument": policy({"Effect": "Allow", "Action": "glue:GetTable", "Resource": "*"})},
        {"PolicyDocument": policy({"Effect": "Allow", "Action": "glue:ReadTable", "Resource": "*"})},
    ),
    (
        "iam-trust-condition-keys-the-service-sets",
        "iam",
        "CreateRole",
        {
            "AssumeRolePolicyDocument": trust(
                "glue.amazonaws.com", {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}
            )
        },
        {"AssumeRolePolicyDocument": trust("glue.amazonaws.com", {"StringEquals": {"aws:SourceAccount": ACCOUNT}})},
    ),
    ("glue-name", "glue", "CreateJob", {"Name": "dataeng-dev-data-processing"}, {"Name": "two\nlines"}),
    (
        "glue-database-name",
        "glue",
        "CreateDatabase",
        {"DatabaseInput": {"Name": "dev_lake"}},
        {"DatabaseInput": {"Name": ""}},
    ),
    (
        "glue-description",
        "glue",
        "CreateCrawler",
        {"Description": "Raw zone;\nper dataset"},
        {"Description": "x" * 2049},
    ),
    ("glue-job-capacity-version-and-timeout", "glue", "CreateJob", JOB, {**JOB, "MaxCapacity": 2.0}),
    ("glue-job-capacity-version-and-timeout", "glue", "CreateJob", JOB, {**JOB, "WorkerType": "Z.2X"}),
    (
        "glue-job-capacity-version-and-timeout",
        "glue",
        "CreateJob",
        JOB,
        {**JOB, "GlueVersion": "2.0", "WorkerType": "G.8X"},
    ),
    ("glue-job-capacity-version-and-timeout", "glue", "CreateJob", JOB, {**JOB, "NumberOfWorkers": 1}),
    ("glue-job-capacity-version-and-timeout", "glue", "CreateJob", JOB, {**JOB, "Timeout": 20000}),
    (
        "glue-job-capacity-version-and-timeout",
        "glue",
        "CreateJob",
        PYTHON_SHELL,
        {**PYTHON_SHELL, "WorkerType": "G.1X"},
    ),
    ("glue-job-capacity-version-and-timeout", "glue", "CreateJob", PYTHON_SHELL, {**PYTHON_SHELL, "MaxCapacity": 2.0}),
    (
        "glue-job-capacity-version-and-timeout",
        "glue",
        "CreateJob",
        PYTHON_SHELL,
        {**PYTHON_SHELL, "GlueVersion": "5.0"},
    ),
    (
        "glue-job-update-capacity-version-and-timeout",
        "glue",
        "UpdateJob",
        {"JobName": "j", "JobUpdate": JOB},
        {"JobName": "j", "JobUpdate": {**JOB, "WorkerType": None}},
    ),
    ("ecs-cluster-name", "ecs", "CreateCluster", {"clusterName": "dev-cluster"}, {"clusterName": "dev.cluster"}),
    ("ecs-service-name", "ecs", "CreateService", {"serviceName": "dataeng-dev"}, {"serviceName": "dataeng dev"}),
    ("ecs-task-family-and-container-names", "ecs", "RegisterTaskDefinition", TASK, {**TASK, "family": "a:b"}),
    ("ecs-fargate-task-size-and-platform", "ecs", "RegisterTaskDefinition", TASK, {**TASK, "memory": "1024"}),
    ("ecs-fargate-task-size-and-platform", "ecs", "RegisterTaskDefinition", TASK, {**TASK, "networkMode": "bridge"}),
    (
        "ecs-fargate-task-size-and-platform",
        "ecs",
        "RegisterTaskDefinition",
        {**TASK, "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}},
        {
            **TASK,
            "cpu": "512",
            "memory": "1024",
            "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"},
        },
    ),
    (
        "ecs-secret-arn-as-returned",
        "ecs",
        "RegisterTaskDefinition",
        TASK,
        {**TASK, "containerDefinitions": [{"name": "c", "secrets": [{"name": "K", "valueFrom": SECRET + ":k::"}]}]},
    ),
    (
        "ecs-role-arn-as-returned",
        "ecs",
        "RegisterTaskDefinition",
        TASK,
        {**TASK, "executionRoleArn": "dataeng-dev-ecs-task-execution"},
    ),
    (
        "glue-role-arn-as-returned",
        "glue",
        "CreateCrawler",
        {"Role": f"arn:aws:iam::{ACCOUNT}:role/dataeng-dev-glue-service"},
        {"Role": f"arn:aws:iam::{ACCOUNT}:user/dataeng-dev-glue-service"},
    ),
    (
        "ec2-instance-profile-arn-as-returned",
        "ec2",
        "RunInstances",
        {"IamInstanceProfile": {"Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/host"}},
        {"IamInstanceProfile": {"Arn": f"arn:aws:iam::{ACCOUNT}:role/host"}},
    ),
    (
        "kms-key-reference",
        "secretsmanager",
        "CreateSecret",
        {"KmsKeyId": "alias/dataeng-dev-secrets"},
        {"KmsKeyId": "dataeng-dev-secrets"},
    ),
    (
        "kms-key-reference",
        "kms",
        "CreateAlias",
        {"TargetKeyId": f"arn:aws:kms:us-east-2:{ACCOUNT}:key/105ff754-420a-4ee7-92ec-ca5bcdbe0945"},
        {"TargetKeyId": f"arn:aws:kms:us-east-2:{ACCOUNT}:key/secrets"},
    ),
    (
        "secretsmanager-secret-name",
        "secretsmanager",
        "CreateSecret",
        {"Name": "dataeng-dev/app"},
        {"Name": "dev/app-secret"},
    ),
    ("secretsmanager-secret-name", "secretsmanager", "CreateSecret", {"Name": "dataeng-dev/app"}, {"Name": "dev app"}),
    (
        "ecr-repository-name",
        "ecr",
        "CreateRepository",
        {"repositoryName": "dev-data-jobs"},
        {"repositoryName": "Dev-Jobs"},
    ),
    (
        "logs-log-group-name",
        "logs",
        "CreateLogGroup",
        {"logGroupName": "/ecs/dataeng-dev"},
        {"logGroupName": "aws/ecs"},
    ),
    ("kms-alias-name", "kms", "CreateAlias", {"AliasName": "alias/dataeng-dev"}, {"AliasName": "alias/aws/dataeng"}),
    ("kms-key-description", "kms", "CreateKey", {"Description": "Encrypts"}, {"Description": "x" * 8193}),
    ("s3-bucket-name", "s3", "PUT bucket", {"Bucket": "dataeng-dev-lake-1234"}, {"Bucket": "Dataeng_Dev"}),
    ("s3-bucket-name", "s3", "PUT bucket", {"Bucket": "dataeng-dev-lake-1234"}, {"Bucket": "192.168.1.10"}),
    ("s3-bucket-name", "s3", "PUT bucket", {"Bucket": "dataeng-dev-lake-1234"}, {"Bucket": "xn--lake"}),
    (
        "s3-bucket-policy-size",
        "s3",
        "PUT bucket?policy",
        {"Policy": policy({"Sid": "A" * 100})},
        {"Policy": policy({"Sid": "A" * 21000})},
    ),
    (
        "s3-bucket-policy-actions-and-resources",
        "s3",
        "PUT bucket?policy",
        {"Policy": policy({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::lake/*"})},
        {"Policy": policy({"Effect": "Deny", "Principal": "*", "Action": "s3:GetObjects", "Resource": "*"})},
    ),
    ("tags-per-resource-length-and-prefix", "ecr", "CreateRepository", {"tags": tags(50)}, {"tags": tags(51)}),
    (
        "tags-per-resource-length-and-prefix",
        "glue",
        "CreateJob",
        {"Tags": {"Project": ""}},
        {"Tags": {"aws:owner": "me"}},
    ),
    ("tags-per-resource-length-and-prefix", "iam", "CreateRole", {"Tags": tags(1)}, {"Tags": tags(1, value="v" * 257)}),
    (
        "tags-per-resource-length-and-prefix",
        "ec2",
        "CreateVpc",
        {"TagSpecification": [{"Tag": tags(50)}]},
        {"TagSpecification": [{"Tag": tags(2, key="aws:")}]},
    ),
    (
        "tags-characters",
        "kms",
        "CreateKey",
        {"Tags": [{"TagKey": "Name", "TagValue": "alias/x"}]},
        {"Tags": [{"TagKey": "Owner", "TagValue": "Jo's team"}]},
    ),
    (
        "tags-characters",
        "ecs",
        "CreateService",
        {"tags": [{"key": "Team", "value": "data é"}]},
        {"tags": [{"key": "Team", "value": "data, eng"}]},
    ),
]


def broken(rule: str, service: str, operation: str, params: dict) -> list[str]:
    """The problems the rule finds in one request built from `params`."""
    return [v.problem for v in contract.violations([contract.Call(service, operation, params)]) if v.rule == rule]


@pytest.mark.parametrize(("rule", "service", "operation", "kept", "breaking"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_refuses_a_request_that_breaks_it_and_accepts_one_that_keeps_it(
    rule, service, operation, kept, breaking
):
    assert broken(rule, service, operation, kept) == []
    assert len(broken(rule, service, operation, breaking)) == 1


def test_every_rule_is_proven_by_a_case():
    assert {rule.name for rule in contract.RULES} == {case[0] for case in CASES}


def test_every_rule_names_its_source():
    assert all(rule.source.startswith("https://docs.aws.amazon.com/") for rule in contract.RULES)


def test_a_reference_to_a_secret_or_role_this_run_created_must_be_what_aws_returned():
    created = [
        contract.Call("secretsmanager", "CreateSecret", {"Name": "dev/app-secret"}),
        contract.Call("iam", "CreateRole", {"RoleName": "task", "Path": "/platform/"}),
    ]
    # The name ends like a suffix, but it is the name: the ARN was assembled from it.
    assembled = {
        **TASK,
        "containerDefinitions": [
            {"name": "c", "secrets": [{"name": "K", "valueFrom": SECRET[: -len("dataeng-dev/app")] + "dev/app-secret"}]}
        ],
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/task",
    }
    # (That name breaks the secret name rule as well.)
    found = contract.violations([*created, contract.Call("ecs", "RegisterTaskDefinition", assembled)])
    assert sorted(v.rule for v in found if v.request.startswith("ecs")) == [
        "ecs-role-arn-as-returned",
        "ecs-secret-arn-as-returned",
    ]
    returned = {
        **assembled,
        "containerDefinitions": TASK["containerDefinitions"],
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/platform/task",
    }
    found = contract.violations([*created, contract.Call("ecs", "RegisterTaskDefinition", returned)])
    assert [v for v in found if v.request.startswith("ecs")] == []


def broken_by(calls: list[contract.Call], rule: str = "iam-inline-policy-size") -> list[str]:
    return [v.rule for v in contract.violations(calls) if v.rule == rule]


def test_a_roles_inline_policies_count_together():
    def put(name: str, size: int) -> contract.Call:
        return contract.Call(
            "iam", "PutRolePolicy", {"RoleName": "r", "PolicyName": name, "PolicyDocument": policy({"Sid": "A" * size})}
        )

    assert broken_by([put("one", 5000), put("two", 5000)]) == []
    # Each under the limit alone, over it together: both requests leave the role over it.
    assert broken_by([put("one", 5000), put("two", 5300)]) == ["iam-inline-policy-size"] * 2


def test_a_violation_names_the_rule_the_request_and_the_source():
    (violation,) = contract.violations([contract.Call("ecr", "CreateRepository", {"repositoryName": "Dev"})])
    assert str(violation) == (
        "ecr-repository-name: ecr CreateRepository Dev: 'Dev' does not match lowercase path segments "
        "(https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html)"
    )


def test_query_and_ec2_forms_decode_into_nested_parameters():
    iam = contract.decode(
        request(
            "iam",
            form(
                **{
                    "Action": "CreateRole",
                    "RoleName": "r",
                    "Tags.member.1.Key": "Project",
                    "Tags.member.1.Value": "dataeng",
                }
            ),
            **FORM,
        )
    )
    assert (iam.service, iam.operation) == ("iam", "CreateRole")
    assert iam.params["Tags"] == [{"Key": "Project", "Value": "dataeng"}]
    ec2 = contract.decode(
        request(
            "ec2",
            form(
                **{
                    "Action": "AuthorizeSecurityGroupIngress",
                    "IpPermissions.1.IpRanges.1.Description": "admins",
                    "IpPermissions.2.UserIdGroupPairs.1.Description": "app",
                    "TagSpecification.1.Tag.2.Key": "Name",
                }
            ),
            **FORM,
        )
    )
    assert ec2.params["IpPermissions"] == [
        {"IpRanges": [{"Description": "admins"}]},
        {"UserIdGroupPairs": [{"Description": "app"}]},
    ]
    assert contract.tag_sets(ec2) == [[("", ""), ("Name", "")]]


def test_json_and_s3_requests_decode_into_their_parameters():
    ecs = contract.decode(
        request(
            "ecs",
            json.dumps({"clusterName": "c"}).encode(),
            **{"x-amz-target": "AmazonEC2ContainerServiceV20141113.CreateCluster"},
        )
    )
    assert (ecs.operation, ecs.params) == ("CreateCluster", {"clusterName": "c"})
    tagging = b"<Tagging><TagSet><Tag><Key>Project</Key><Value>dataeng</Value></Tag></TagSet></Tagging>"
    s3 = contract.decode(request("s3", tagging, path="/lake?tagging", method="PUT"))
    assert (s3.operation, s3.params["Bucket"]) == ("PUT bucket?tagging", "lake")
    assert contract.tag_sets(s3) == [[("Project", "dataeng")]]
    bucket_policy = contract.decode(request("s3", b'{"Version": "2012-10-17"}', path="/lake?policy", method="PUT"))
    assert bucket_policy.params["Policy"] == '{"Version": "2012-10-17"}'
