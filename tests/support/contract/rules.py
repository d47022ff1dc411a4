"""The rules: AWS's documented contract as data, each with the page it comes from. A new rule is
one entry."""

from __future__ import annotations

from support.contract.checks import (
    EC2_SG_TEXT,
    ECS_NAME,
    GLUE_MULTI_LINE,
    GLUE_SINGLE_LINE,
    IAM_NAME,
    IAM_TEXT,
    all_of,
    bucket_name,
    byte_size,
    fargate_size,
    glue_job,
    iam_policy,
    json_size,
    kms_key_reference,
    not_matching,
    pattern,
    role_arn_as_returned,
    role_inline_policies_size,
    secret_arn_as_returned,
    tag_characters,
    tag_sets,
    tags_valid,
    trust_condition_keys,
)
from support.contract.model import Rule

EC2 = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/"
IAM = "https://docs.aws.amazon.com/IAM/latest/APIReference/"
IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
GLUE = "https://docs.aws.amazon.com/glue/latest/dg/"
ECS = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"
SG_RULE_DESCRIPTIONS = "IpPermissions[].[IpRanges, Ipv6Ranges, UserIdGroupPairs, Groups, PrefixListIds][][].Description"

RULES: tuple[Rule, ...] = (
    # EC2 security groups.
    Rule(
        "ec2-security-group-name",
        "ec2",
        ("CreateSecurityGroup",),
        "GroupName",
        all_of(
            pattern(EC2_SG_TEXT, 255, what="a-zA-Z0-9 and ._-:/()#,@[]+=&;{}!$*"),
            not_matching(r"^sg-", "a group name must not start with sg-"),
        ),
        EC2 + "API_CreateSecurityGroup.html",
    ),
    Rule(
        "ec2-security-group-description",
        "ec2",
        ("CreateSecurityGroup",),
        "GroupDescription",
        pattern(EC2_SG_TEXT, 255, what="a-zA-Z0-9 and ._-:/()#,@[]+=&;{}!$*"),
        EC2 + "API_CreateSecurityGroup.html",
    ),
    Rule(
        "ec2-security-group-rule-description",
        "ec2",
        (
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "UpdateSecurityGroupRuleDescriptionsIngress",
            "UpdateSecurityGroupRuleDescriptionsEgress",
        ),
        SG_RULE_DESCRIPTIONS,
        pattern(EC2_SG_TEXT, 255, 0, what="a-zA-Z0-9 and ._-:/()#,@[]+=&;{}!$*"),
        EC2 + "API_IpRange.html",
    ),
    # IAM.
    Rule(
        "iam-role-name",
        "iam",
        ("CreateRole",),
        "RoleName",
        pattern(IAM_NAME, 64, what="[\\w+=,.@-]"),
        IAM + "API_CreateRole.html",
    ),
    Rule(
        "iam-path",
        "iam",
        ("CreateRole", "CreateInstanceProfile"),
        "Path",
        pattern(r"/|/[!-~]+/", 512, what="/ or /path/ of printable ASCII"),
        IAM + "API_CreateRole.html",
    ),
    Rule(
        "iam-role-description",
        "iam",
        ("CreateRole", "UpdateRole", "UpdateRoleDescription"),
        "Description",
        pattern(IAM_TEXT, 1000, 0, what="tab, newline and printable Latin-1"),
        IAM + "API_CreateRole.html",
    ),
    Rule(
        "iam-instance-profile-name",
        "iam",
        ("CreateInstanceProfile",),
        "InstanceProfileName",
        pattern(IAM_NAME, 128, what="[\\w+=,.@-]"),
        IAM + "API_CreateInstanceProfile.html",
    ),
    Rule(
        "iam-policy-name",
        "iam",
        ("PutRolePolicy",),
        "PolicyName",
        pattern(IAM_NAME, 128, what="[\\w+=,.@-]"),
        IAM + "API_PutRolePolicy.html",
    ),
    Rule(
        "iam-inline-policy-size",
        "iam",
        ("PutRolePolicy",),
        "RoleName",
        role_inline_policies_size,
        IAM_QUOTAS,
    ),
    Rule(
        "iam-trust-policy-size",
        "iam",
        ("CreateRole", "UpdateAssumeRolePolicy"),
        "[AssumeRolePolicyDocument, PolicyDocument][]",
        json_size(2048, "the trust policy"),
        IAM_QUOTAS,
    ),
    Rule(
        "iam-policy-actions-and-resources",
        "iam",
        ("PutRolePolicy", "CreatePolicy", "CreatePolicyVersion"),
        "PolicyDocument",
        iam_policy,
        "https://docs.aws.amazon.com/service-authorization/latest/reference/",
    ),
    Rule(
        "iam-trust-condition-keys-the-service-sets",
        "iam",
        ("CreateRole", "UpdateAssumeRolePolicy"),
        "[AssumeRolePolicyDocument, PolicyDocument][]",
        trust_condition_keys,
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
    ),
    # Glue.
    Rule(
        "glue-name",
        "glue",
        ("CreateJob", "CreateCrawler", "CreateTrigger", "CreateWorkflow"),
        "Name",
        pattern(GLUE_SINGLE_LINE, 255, what="Glue's single-line string pattern"),
        GLUE + "aws-glue-api-common.html",
    ),
    Rule(
        "glue-database-name",
        "glue",
        ("CreateDatabase", "UpdateDatabase"),
        "DatabaseInput.Name",
        pattern(GLUE_SINGLE_LINE, 255, what="Glue's single-line string pattern"),
        GLUE + "aws-glue-api-common.html",
    ),
    Rule(
        "glue-description",
        "glue",
        (
            "CreateJob",
            "UpdateJob",
            "CreateCrawler",
            "UpdateCrawler",
            "CreateTrigger",
            "UpdateTrigger",
            "CreateWorkflow",
            "UpdateWorkflow",
        ),
        "[Description, JobUpdate.Description, TriggerUpdate.Description][]",
        pattern(GLUE_MULTI_LINE, 2048, 0, what="Glue's URI address multi-line string pattern"),
        GLUE + "aws-glue-api-common.html",
    ),
    Rule(
        "glue-job-capacity-version-and-timeout",
        "glue",
        ("CreateJob",),
        "@",
        glue_job,
        GLUE + "aws-glue-api-jobs-job.html",
    ),
    Rule(
        "glue-job-update-capacity-version-and-timeout",
        "glue",
        ("UpdateJob",),
        "JobUpdate",
        glue_job,
        GLUE + "aws-glue-api-jobs-job.html",
    ),
    # ECS.
    Rule(
        "ecs-cluster-name",
        "ecs",
        ("CreateCluster",),
        "clusterName",
        pattern(ECS_NAME, 255, what="[a-zA-Z0-9_-]"),
        ECS + "API_CreateCluster.html",
    ),
    Rule(
        "ecs-service-name",
        "ecs",
        ("CreateService",),
        "serviceName",
        pattern(ECS_NAME, 255, what="[a-zA-Z0-9_-]"),
        ECS + "API_CreateService.html",
    ),
    Rule(
        "ecs-task-family-and-container-names",
        "ecs",
        ("RegisterTaskDefinition",),
        "[family, containerDefinitions[].name][]",
        pattern(ECS_NAME, 255, what="[a-zA-Z0-9_-]"),
        ECS + "API_RegisterTaskDefinition.html",
    ),
    Rule(
        "ecs-fargate-task-size-and-platform",
        "ecs",
        ("RegisterTaskDefinition",),
        "@",
        fargate_size,
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#task_size",
    ),
    Rule(
        "ecs-secret-arn-as-returned",
        "ecs",
        ("RegisterTaskDefinition",),
        "containerDefinitions[].secrets[].valueFrom",
        secret_arn_as_returned,
        ECS + "API_Secret.html",
    ),
    Rule(
        "ecs-role-arn-as-returned",
        "ecs",
        ("RegisterTaskDefinition",),
        "[taskRoleArn, executionRoleArn][]",
        role_arn_as_returned,
        ECS + "API_RegisterTaskDefinition.html",
    ),
    # Other references to IAM roles and KMS keys.
    Rule(
        "glue-role-arn-as-returned",
        "glue",
        ("CreateJob", "CreateCrawler"),
        "Role",
        lambda role, seen: role_arn_as_returned(role, seen) if str(role).startswith("arn:") else None,
        GLUE + "aws-glue-api-jobs-job.html",
    ),
    Rule(
        "ec2-instance-profile-arn-as-returned",
        "ec2",
        ("RunInstances", "AssociateIamInstanceProfile"),
        "IamInstanceProfile.Arn",
        pattern(
            r"arn:[^:]+:iam::\d{12}:instance-profile/(?:[!-~]+/)?[\w+=,.@-]+", 2048, what="an instance profile ARN"
        ),
        EC2 + "API_IamInstanceProfileSpecification.html",
    ),
    Rule(
        "kms-key-reference",
        "*",
        ("CreateSecret", "UpdateSecret", "CreateAlias", "UpdateAlias"),
        "[KmsKeyId, TargetKeyId][]",
        kms_key_reference,
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html#API_DescribeKey_RequestSyntax",
    ),
    # Secrets Manager, ECR, CloudWatch Logs, KMS aliases.
    Rule(
        "secretsmanager-secret-name",
        "secretsmanager",
        ("CreateSecret",),
        "Name",
        all_of(
            pattern(r"[A-Za-z0-9/_+=.@-]+", 512, what="letters, digits and /_+=.@-"),
            not_matching(
                r"-[A-Za-z0-9]{6}$", "a name ending in a hyphen and six characters is confused with an ARN suffix"
            ),
        ),
        "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
    ),
    Rule(
        "ecr-repository-name",
        "ecr",
        ("CreateRepository",),
        "repositoryName",
        pattern(
            r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*", 256, 2, what="lowercase path segments"
        ),
        "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
    ),
    Rule(
        "logs-log-group-name",
        "logs",
        ("CreateLogGroup",),
        "logGroupName",
        all_of(
            pattern(r"[.\-_/#A-Za-z0-9]+", 512, what="[.-_/#A-Za-z0-9]"),
            not_matching(r"^aws/", "the aws/ prefix is reserved"),
        ),
        "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    ),
    Rule(
        "kms-alias-name",
        "kms",
        ("CreateAlias",),
        "AliasName",
        all_of(
            pattern(r"alias/[a-zA-Z0-9/_-]+", 256, what="alias/ then [a-zA-Z0-9/_-]"),
            not_matching(r"^alias/aws/", "alias/aws/ is reserved for AWS managed keys"),
        ),
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
    ),
    Rule(
        "kms-key-description",
        "kms",
        ("CreateKey", "UpdateKeyDescription"),
        "Description",
        pattern(r"[\s\S]*", 8192, 0),
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html",
    ),
    # S3.
    Rule(
        "s3-bucket-name",
        "s3",
        ("PUT bucket",),
        "Bucket",
        bucket_name,
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    ),
    Rule(
        "s3-bucket-policy-size",
        "s3",
        ("PUT bucket?policy",),
        "Policy",
        byte_size(20 * 1024, "the bucket policy"),
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
    ),
    Rule(
        "s3-bucket-policy-actions-and-resources",
        "s3",
        ("PUT bucket?policy",),
        "Policy",
        iam_policy,
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html",
    ),
    # Tags, wherever a request sets them.
    Rule(
        "tags-per-resource-length-and-prefix",
        "*",
        ("*",),
        tag_sets,
        tags_valid,
        "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html",
    ),
    # EC2 allows any character in tags; the other services the shared set.
    *(
        Rule(
            "tags-characters",
            service,
            ("*",),
            tag_sets,
            tag_characters,
            "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html",
        )
        for service in ("iam", "s3", "glue", "ecs", "ecr", "secretsmanager", "kms", "logs")
    ),
)
