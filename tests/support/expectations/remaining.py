"""What of the platform still exists (after a destroy, what it left)."""

from __future__ import annotations

from support.expectations.identity import IDENTITY_TAGS


def platform_resources(aws, env: str = "local", prefix: str = "dataeng-local") -> list[str]:
    """Every resource of the platform: tagged ones through the tagging API, IAM (global) by name."""
    pages = aws.resourcegroupstaggingapi.get_paginator("get_resources").paginate(
        TagFilters=[{"Key": key, "Values": [value]} for key, value in {**IDENTITY_TAGS, "Environment": env}.items()]
    )
    found = [item["ResourceARN"] for page in pages for item in page["ResourceTagMappingList"]]
    found += [role["Arn"] for role in aws.iam.list_roles()["Roles"] if role["RoleName"].startswith(f"{prefix}-")]
    found += [
        profile["Arn"]
        for profile in aws.iam.list_instance_profiles()["InstanceProfiles"]
        if profile["InstanceProfileName"].startswith(f"{prefix}-")
    ]
    return sorted(found)


def pending_deletion(aws, arn: str) -> bool:
    """A resource AWS only schedules for deletion (a KMS key always, a secret unless forced) or keeps
    visible for a while once deleted (a terminated instance, an inactive ECS service)."""
    if ":kms:" in arn:
        return aws.kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    if ":ecs:" in arn and ":service/" in arn:
        cluster, service = arn.split(":service/")[1].split("/")
        found = aws.ecs.describe_services(cluster=cluster, services=[service])["services"]
        return all(s["status"] != "ACTIVE" for s in found)
    if ":ec2:" in arn and ":instance/" in arn:
        (reservation,) = aws.ec2.describe_instances(InstanceIds=[arn.split("/")[-1]])["Reservations"]
        return reservation["Instances"][0]["State"]["Name"] in ("shutting-down", "terminated")
    if ":secretsmanager:" in arn:
        try:
            return "DeletedDate" in aws.secretsmanager.describe_secret(SecretId=arn)
        except aws.secretsmanager.exceptions.ResourceNotFoundException:
            return True
    return False


GLUE_READERS = {
    "database": lambda glue, name: glue.get_database(Name=name),
    "crawler": lambda glue, name: glue.get_crawler(Name=name),
    "job": lambda glue, name: glue.get_job(JobName=name),
    "workflow": lambda glue, name: glue.get_workflow(Name=name),
    "trigger": lambda glue, name: glue.get_trigger(Name=name),
}


def glue_resource_gone(aws, arn: str) -> bool:
    """A Glue resource that no longer exists: moto keeps a deleted one's tags, so the tagging API still lists it."""
    kind, name = arn.split(":", 5)[5].split("/", 1)
    try:
        GLUE_READERS[kind](aws.glue, name)
    except aws.glue.exceptions.EntityNotFoundException:
        return True
    return False


def remaining_resources(aws, env: str = "local", prefix: str = "dataeng-local") -> list[str]:
    """The platform's resources that still exist and are not merely scheduled for deletion."""
    return [
        arn
        for arn in platform_resources(aws, env, prefix)
        if not pending_deletion(aws, arn) and not (":glue:" in arn and glue_resource_gone(aws, arn))
    ]
