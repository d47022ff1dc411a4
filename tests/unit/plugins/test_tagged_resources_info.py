"""tagged_resources_info's pure parts: an ARN read as the kind and name the plan gives, and which tags count.
tests/integration/test_plan.py runs the module against the emulator (resources left behind, listed as unmanaged)."""

from __future__ import annotations

import pytest

from ansible_collections.dataeng.platform.plugins.modules import tagged_resources_info as module

IDENTITY = {"Environment": "dev", "Project": "dataeng", "ManagedBy": "ansible"}


@pytest.mark.parametrize(
    ("arn", "tags", "kind", "name", "identifier"),
    [
        (
            "arn:aws:ec2:us-east-2:123456789012:security-group/sg-0123",
            {"Name": "dataeng-dev-admin"},
            "security group",
            "dataeng-dev-admin",
            "sg-0123",
        ),
        ("arn:aws:s3:::dataeng-dev-data-lake-1", {}, "bucket", "dataeng-dev-data-lake-1", "dataeng-dev-data-lake-1"),
        (
            "arn:aws:logs:us-east-2:123456789012:log-group:/ecs/dataeng-dev",
            {},
            "log group",
            "/ecs/dataeng-dev",
            "/ecs/dataeng-dev",
        ),
        (
            "arn:aws:ecs:us-east-2:123456789012:task-definition/dataeng-dev-data-processing:3",
            {},
            "ECS task definition",
            "dataeng-dev-data-processing:3",
            "dataeng-dev-data-processing:3",
        ),
        (
            "arn:aws:secretsmanager:us-east-2:123456789012:secret:dataeng-dev/grafana-AbCdEf",
            {},
            "secret",
            "dataeng-dev/grafana",
            "dataeng-dev/grafana-AbCdEf",
        ),
        (
            "arn:aws:iam::123456789012:role/dataeng-dev-glue-service",
            {},
            "IAM role",
            "dataeng-dev-glue-service",
            "dataeng-dev-glue-service",
        ),
        ("arn:aws:sqs:us-east-2:123456789012:queue-1", {}, "sqs", "queue-1", "queue-1"),
    ],
)
def test_an_arn_reads_as_the_kind_and_name_a_user_knows(arn, tags, kind, name, identifier):
    assert module.described(arn, tags) == {"arn": arn, "kind": kind, "name": name, "id": identifier}


def test_only_resources_with_every_tag_and_none_of_aws_own_are_listed():
    assert module.carries({**IDENTITY, "Name": "x"}, IDENTITY)
    assert not module.carries({**IDENTITY, "Environment": "prod"}, IDENTITY)
    assert not module.carries({"Environment": "dev"}, IDENTITY)
    # A snapshot a lifecycle policy took copies the volume's tags beside AWS's own.
    assert not module.carries({**IDENTITY, "aws:dlm:lifecycle-policy-id": "policy-1"}, IDENTITY)
