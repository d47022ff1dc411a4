"""ecr_repository against the emulator: create, no-op rerun, change, check mode, absent, absent again."""

from __future__ import annotations

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
MODULE = "dataeng.platform.ecr_repository"
EXPIRE_UNTAGGED = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "Expire untagged images after 7 days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 7,
            },
            "action": {"type": "expire"},
        }
    ]
}
BASE = {"name": "it-ecr-repository", "tags": {"Environment": "test"}, "lifecycle_policy": EXPIRE_UNTAGGED}


def repository_names(aws) -> list[str]:
    return [repository["repositoryName"] for repository in aws.ecr.describe_repositories()["repositories"]]


def test_lifecycle_of_a_repository(aws_emulator):
    aws = Aws(aws_emulator)

    planned = run_module(aws_emulator, MODULE, BASE, check=True)
    assert planned["changed"] is True
    assert BASE["name"] not in repository_names(aws)

    created = run_module(aws_emulator, MODULE, BASE)
    assert created["changed"] is True, created.get("msg")
    (repository,) = aws.ecr.describe_repositories(repositoryNames=[BASE["name"]])["repositories"]
    assert repository["imageScanningConfiguration"]["scanOnPush"] is True
    assert repository["encryptionConfiguration"]["encryptionType"] == "AES256"
    tags = aws.ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"Environment": "test"}
    assert created["repository"]["repository_uri"] == repository["repositoryUri"]
    assert created["repository"]["lifecycle_policy"] == EXPIRE_UNTAGGED

    assert run_module(aws_emulator, MODULE, BASE)["changed"] is False

    change = {**BASE, "scan_on_push": False, "tags": {"Environment": "test", "Owner": "data"}}
    predicted = run_module(aws_emulator, MODULE, change, check=True, diff=True)
    assert predicted["changed"] is True
    assert predicted["diff"]["after"]["scan_on_push"] is False
    (unchanged,) = aws.ecr.describe_repositories(repositoryNames=[BASE["name"]])["repositories"]
    assert unchanged["imageScanningConfiguration"]["scanOnPush"] is True

    changed = run_module(aws_emulator, MODULE, change)
    assert changed["changed"] is True
    assert changed["actions"] == ["put_image_scanning_configuration", "tag_resource"]
    (updated,) = aws.ecr.describe_repositories(repositoryNames=[BASE["name"]])["repositories"]
    assert updated["imageScanningConfiguration"]["scanOnPush"] is False
    assert run_module(aws_emulator, MODULE, change)["changed"] is False

    refused = run_module(aws_emulator, MODULE, {**change, "encryption_type": "KMS"})
    assert refused.get("failed") is True
    assert "ECR fixes the encryption at creation" in refused["msg"]

    absent = {"name": BASE["name"], "state": "absent", "force_delete": True}
    assert run_module(aws_emulator, MODULE, absent)["changed"] is True
    assert BASE["name"] not in repository_names(aws)
    assert run_module(aws_emulator, MODULE, absent)["changed"] is False
