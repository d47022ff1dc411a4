"""What the account holds in the other services: IAM, S3, Glue, KMS, Data Lifecycle Manager,
Secrets Manager, ECR, ECS and CloudWatch Logs."""

from __future__ import annotations

import json

from support.expectations import secret_resource_policy


def read_iam(aws) -> dict:
    iam = aws.iam
    roles = [r for r in iam.list_roles()["Roles"] if not r["Path"].startswith("/aws-service-role/")]
    return {
        "roles": [
            {
                "name": r["RoleName"],
                "Path": r["Path"],
                "Description": r.get("Description"),
                "MaxSessionDuration": r.get("MaxSessionDuration"),
                "PermissionsBoundary": r.get("PermissionsBoundary"),
                "tags": iam.list_role_tags(RoleName=r["RoleName"])["Tags"],
                "trust": r["AssumeRolePolicyDocument"],
                "attached": sorted(
                    p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]
                ),
                "inline": {
                    name: iam.get_role_policy(RoleName=r["RoleName"], PolicyName=name)["PolicyDocument"]
                    for name in iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"]
                },
            }
            for r in roles
        ],
        "instance_profiles": [
            {
                "name": p["InstanceProfileName"],
                "Path": p["Path"],
                "roles": sorted(r["RoleName"] for r in p["Roles"]),
                "tags": p.get("Tags"),
            }
            for p in iam.list_instance_profiles()["InstanceProfiles"]
        ],
        "policies": [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]],
    }


def _optional(call, *missing: str):
    """A bucket setting, or None where the bucket has none (S3 answers an error then)."""
    try:
        answer = call()
    except Exception as error:  # noqa: BLE001 - botocore's ClientError, whose code says "not set"
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        if code in missing:
            return None
        raise
    answer.pop("ResponseMetadata", None)
    return answer


def read_s3(aws) -> list[dict]:
    s3 = aws.s3
    buckets = []
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        buckets.append(
            {
                "name": name,
                "LocationConstraint": s3.get_bucket_location(Bucket=name).get("LocationConstraint"),
                "versioning": s3.get_bucket_versioning(Bucket=name).get("Status"),
                "encryption": _optional(
                    lambda name=name: s3.get_bucket_encryption(Bucket=name),
                    "ServerSideEncryptionConfigurationNotFoundError",
                ),
                "public_access_block": _optional(
                    lambda name=name: s3.get_public_access_block(Bucket=name), "NoSuchPublicAccessBlockConfiguration"
                ),
                "lifecycle": _optional(
                    lambda name=name: s3.get_bucket_lifecycle_configuration(Bucket=name), "NoSuchLifecycleConfiguration"
                ),
                "policy": _optional(lambda name=name: s3.get_bucket_policy(Bucket=name), "NoSuchBucketPolicy"),
                "logging": _optional(lambda name=name: s3.get_bucket_logging(Bucket=name)),
                "tags": _optional(lambda name=name: s3.get_bucket_tagging(Bucket=name), "NoSuchTagSet"),
                "ownership": _optional(
                    lambda name=name: s3.get_bucket_ownership_controls(Bucket=name),
                    "OwnershipControlsNotFoundError",
                ),
                "acl": _optional(lambda name=name: s3.get_bucket_acl(Bucket=name)),
                # Access log objects are named after the time S3 delivered them. The ETag (the
                # content's MD5) tells an object uploaded whole from an empty or truncated one.
                # Every page: the emulator delivers a log object per request, so a bucket that
                # served a pipeline run holds more than one listing's 1,000 keys.
                "objects": sorted(
                    (
                        {"Key": o["Key"], "ETag": o["ETag"]}
                        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name)
                        for o in page.get("Contents", [])
                        if "/s3-access/" not in o["Key"]
                    ),
                    key=lambda o: o["Key"],
                ),
            }
        )
    return buckets


# Glue's timestamps and counters, and the version numbers every update bumps: a rerun or a retried
# update changes them without changing a setting.
GLUE_VOLATILE = (
    "CreatedOn",
    "LastModifiedOn",
    "CreateTime",
    "CreationTime",
    "LastUpdated",
    "LastCrawl",
    "LastRun",
    "Version",
    "CrawlElapsedTime",
    # A security configuration's creation time: AWS's name, then moto 5.2.5's.
    "CreatedTimeStamp",
    "CreatedTime",
)


def read_glue(aws, account_id: str) -> dict:
    glue = aws.glue
    arn = f"arn:aws:glue:{aws.region}:{account_id}"

    def stable(items: list[dict], kind: str) -> list[dict]:
        """Each item's settings and its tags (GetTags, by the item's ARN)."""
        return [
            {
                **{k: v for k, v in item.items() if k not in GLUE_VOLATILE},
                "Tags": glue.get_tags(ResourceArn=f"{arn}:{kind}/{item['Name']}")["Tags"],
            }
            for item in items
        ]

    workflows = [glue.get_workflow(Name=name)["Workflow"] for name in glue.list_workflows()["Workflows"]]
    return {
        "databases": stable(glue.get_databases()["DatabaseList"], "database"),
        "crawlers": stable(glue.get_crawlers()["Crawlers"], "crawler"),
        "jobs": stable(glue.get_jobs()["Jobs"], "job"),
        "triggers": stable(glue.get_triggers()["Triggers"], "trigger"),
        "workflows": stable(workflows, "workflow"),
        # Untaggable, so read without tags.
        "security_configurations": [
            {k: v for k, v in item.items() if k not in GLUE_VOLATILE}
            for item in glue.get_security_configurations()["SecurityConfigurations"]
        ],
    }


def read_kms(aws) -> list[dict]:
    kms = aws.kms
    aliases = {}
    for alias in kms.list_aliases()["Aliases"]:
        if "TargetKeyId" in alias:
            aliases[alias["TargetKeyId"]] = alias["AliasName"]
    keys = []
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta["KeyManager"] != "CUSTOMER" or meta["KeyState"] == "PendingDeletion":
            continue
        keys.append(
            {
                "alias": aliases.get(key["KeyId"]),
                "arn": meta["Arn"],
                "description": meta["Description"],
                "state": meta["KeyState"],
                **{setting: meta.get(setting) for setting in ("KeyUsage", "KeySpec", "Origin", "MultiRegion")},
                "rotation": kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"],
                "policy": json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]),
                "tags": kms.list_resource_tags(KeyId=key["KeyId"])["Tags"],
            }
        )
    return keys


def read_dlm(aws) -> list[dict]:
    """Data Lifecycle Manager policies as DLM describes them, named by their description (they have no name)."""
    policies = []
    for summary in aws.dlm.get_lifecycle_policies()["Policies"]:
        policy = aws.dlm.get_lifecycle_policy(PolicyId=summary["PolicyId"])["Policy"]
        policies.append(
            {
                "name": policy["Description"],
                "arn": policy["PolicyArn"].replace(policy["PolicyId"], "policy-?"),
                **{setting: policy.get(setting) for setting in ("ExecutionRoleArn", "State", "PolicyDetails")},
                "tags": policy.get("Tags"),
            }
        )
    return policies


def read_secrets(aws) -> list[dict]:
    return [
        {
            "name": s["Name"],
            "kms_key": s.get("KmsKeyId"),
            "description": s.get("Description"),
            "tags": s.get("Tags"),
            "resource_policy": secret_resource_policy(aws, s["ARN"]),
        }
        for s in aws.secretsmanager.list_secrets()["SecretList"]
        if "DeletedDate" not in s
    ]


def read_ecr_registry(aws) -> list[dict]:
    """The registry's scanning configuration (ecr_registry_scan_on_push), account-wide: listed while it has
    rules, as an account that never set one (an empty emulator) has none."""
    scanning = aws.ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    return [{"name": "registry-scanning", **scanning}] if scanning.get("rules") else []


def read_ecr(aws) -> list[dict]:
    ecr = aws.ecr
    repositories = []
    for repository in ecr.describe_repositories()["repositories"]:
        name = repository["repositoryName"]
        lifecycle = _optional(
            lambda name=name: ecr.get_lifecycle_policy(repositoryName=name), "LifecyclePolicyNotFoundException"
        )
        repositories.append(
            {
                "name": name,
                "mutability": repository["imageTagMutability"],
                "imageTagMutabilityExclusionFilters": repository.get("imageTagMutabilityExclusionFilters", []),
                "scan_on_push": repository["imageScanningConfiguration"]["scanOnPush"],
                "encryption": repository.get("encryptionConfiguration"),
                "lifecycle": lifecycle and lifecycle["lifecyclePolicyText"],
                "tags": ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"],
            }
        )
    return repositories


# What ECS reports about a service's or task definition's life rather than its settings: counts,
# deployments and events, timestamps, who registered it.
ECS_VOLATILE = (
    "runningCount",
    "pendingCount",
    "deployments",
    "events",
    "createdAt",
    "createdBy",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
)


def read_ecs(aws) -> dict:
    ecs = aws.ecs
    # A deleted cluster stays listed as INACTIVE for a while, on AWS too.
    clusters = [
        cluster
        for cluster in ecs.describe_clusters(
            clusters=ecs.list_clusters()["clusterArns"], include=["SETTINGS", "CONFIGURATIONS", "TAGS"]
        )["clusters"]
        if cluster["status"] == "ACTIVE"
    ]
    services = []
    for cluster in clusters:
        arns = ecs.list_services(cluster=cluster["clusterArn"])["serviceArns"]
        if arns:
            services += ecs.describe_services(cluster=cluster["clusterArn"], services=arns, include=["TAGS"])[
                "services"
            ]
    definitions = []
    for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]:
        answer = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
        definitions.append({**answer["taskDefinition"], "tags": answer.get("tags", [])})

    def stable(item: dict) -> dict:
        return {k: v for k, v in item.items() if k not in ECS_VOLATILE}

    return {
        "clusters": [
            {
                "name": c["clusterName"],
                "providers": sorted(c.get("capacityProviders", [])),
                "defaultCapacityProviderStrategy": c.get("defaultCapacityProviderStrategy", []),
                "settings": c.get("settings", []),
                "configuration": c.get("configuration"),
                "tags": c.get("tags", []),
            }
            for c in clusters
        ],
        "services": [stable(s) for s in services if s["status"] == "ACTIVE"],
        "task_definitions": [stable(d) for d in definitions],
    }


def read_logs(aws) -> list[dict]:
    logs = aws.logs
    return [
        {
            "name": g["logGroupName"],
            "retention": g.get("retentionInDays"),
            "kmsKeyId": g.get("kmsKeyId"),
            "tags": logs.list_tags_log_group(logGroupName=g["logGroupName"])["tags"],
        }
        for g in logs.describe_log_groups()["logGroups"]
    ]
