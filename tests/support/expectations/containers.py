"""The ECR repositories and the ECS cluster, task definitions and service."""

from __future__ import annotations

import json

from support.expectations.identity import assert_identity_tags
from support.expectations.networking import network_subnets


def ecr(aws, env: str = "local") -> dict[str, str]:
    repositories = {
        r["repositoryName"]: r
        for r in aws.ecr.describe_repositories()["repositories"]
        if r["repositoryName"].startswith(f"{env}-")
    }
    # platform, ECR: the three repositories, image scanning, encryption at rest (collection: AES256,
    # ecr_encryption_type) and automatic cleanup of old images with no figure: the lifecycle's 7 days and
    # 30 images are the collection's (ecr_untagged_image_days, ecr_tagged_images_kept).
    # collection: every tag immutable but "latest", which ecs_image_tag runs (ecr_image_tag_mutability), and the
    # registry scanning every push to any repository (ecr_registry_scan_on_push), with the free basic scanner.
    assert set(repositories) == {f"{env}-spark-apps", f"{env}-data-jobs", f"{env}-glue-jobs"}
    scanning = aws.ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    assert scanning == {
        "scanType": "BASIC",
        "rules": [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}],
    }, scanning
    for name, repository in repositories.items():
        assert repository["imageScanningConfiguration"]["scanOnPush"] is True, name
        assert repository["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION", name
        assert repository["imageTagMutabilityExclusionFilters"] == [{"filter": "latest", "filterType": "WILDCARD"}]
        assert repository["encryptionConfiguration"]["encryptionType"] == "AES256", name
        tags = aws.ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"]
        assert_identity_tags({"Tags": tags}, env)
        policy = json.loads(aws.ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])
        selections = [rule["selection"] for rule in policy["rules"]]
        assert {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7} in (
            selections
        )
        assert {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30} in selections
    return {name: repository["repositoryUri"] for name, repository in repositories.items()}


def ecs(aws, prefix: str = "dataeng-local", env: str = "local") -> dict:
    # platform, ECS: the cluster, its capacity providers and FARGATE_SPOT default, the two task sizes, the
    # service's desired count, private subnets and app group. AWS: Fargate takes awsvpc only
    # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html). collection: the
    # image tag (ecs_image_tag), the app secret's variables and the log group (roles/ecs/vars/main.yml).
    cluster_name = f"{env}-data-processing-cluster"
    (cluster,) = aws.ecs.describe_clusters(clusters=[cluster_name], include=["SETTINGS"])["clusters"]
    assert cluster["status"] == "ACTIVE"
    # collection: Container Insights (ecs_container_insights).
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enabled"}], cluster["settings"]
    assert sorted(cluster["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    assert cluster["defaultCapacityProviderStrategy"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]

    account = aws.sts.get_caller_identity()["Account"]
    sizes = {"data-processing": ("1024", "2048", "data-jobs"), "spark-job": ("2048", "4096", "spark-apps")}
    # collection: read-only root file systems, each writable path an empty volume of the task (ecs_*_scratch_paths).
    scratch = {
        "data-processing": {"tmp": "/tmp"},
        "spark-job": {"tmp": "/tmp", "opt-spark-work-dir": "/opt/spark/work-dir"},
    }
    definitions = {}
    for name, (cpu, memory, repository) in sizes.items():
        definition = aws.ecs.describe_task_definition(taskDefinition=f"{prefix}-{name}")["taskDefinition"]
        assert (definition["cpu"], definition["memory"]) == (cpu, memory), name
        assert definition["networkMode"] == "awsvpc"
        assert definition["requiresCompatibilities"] == ["FARGATE"]
        assert definition["executionRoleArn"].endswith(f":role/{prefix}-ecs-task-execution")
        assert definition["taskRoleArn"].endswith(f":role/{prefix}-ecs-task")
        (container,) = definition["containerDefinitions"]
        assert container["readonlyRootFilesystem"] is True, name
        assert {m["sourceVolume"]: m["containerPath"] for m in container["mountPoints"]} == scratch[name], name
        assert [volume["name"] for volume in definition["volumes"]] == list(scratch[name]), name
        assert container["image"] == f"{account}.dkr.ecr.us-east-2.amazonaws.com/{env}-{repository}:latest"
        environment = {e["name"]: e["value"] for e in container["environment"]}
        assert environment["DATA_LAKE_BUCKET"] == f"{prefix}-data-lake-{account}"
        assert environment["ENVIRONMENT"] == env
        secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        assert set(secrets) == {"JWT_SECRET", "API_KEY", "ENCRYPTION_KEY"}
        # The ARN Secrets Manager returned (with its random suffix), never one made from the name.
        app_secret = aws.secretsmanager.describe_secret(SecretId=f"{prefix}/app")["ARN"]
        assert secrets == {name: f"{app_secret}:{name.lower()}::" for name in secrets}, secrets
        logging = container["logConfiguration"]
        assert logging["logDriver"] == "awslogs"
        assert logging["options"]["awslogs-group"] == f"/ecs/{prefix}"
        definitions[name] = definition
    # collection (ecs_log_encryption): the tasks' logs encrypted with the platform's key
    # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
    (log_group,) = aws.logs.describe_log_groups(logGroupNamePrefix=f"/ecs/{prefix}")["logGroups"]
    key = aws.kms.describe_key(KeyId=f"alias/{prefix}-secrets")["KeyMetadata"]
    assert log_group.get("kmsKeyId") == key["Arn"], log_group

    (service,) = aws.ecs.describe_services(cluster=cluster_name, services=[f"{prefix}-data-processing"])["services"]
    assert service["status"] == "ACTIVE"
    assert service["desiredCount"] == 0
    assert service["taskDefinition"] == definitions["data-processing"]["taskDefinitionArn"]
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    private = {s["SubnetId"] for s in network_subnets(aws, prefix, "private")}
    assert set(network["subnets"]) == private
    assert network["assignPublicIp"] == "DISABLED"
    (group,) = network["securityGroups"]
    assert aws.ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["GroupName"] == f"{prefix}-app"
    # No launch type or strategy of its own: the service runs on the cluster's default, Fargate Spot.
    assert not service.get("capacityProviderStrategy")
    return {"cluster": cluster, "service": service}
