"""secretsmanager_secrets against the emulator: check mode, passwords generated once, values never returned nor
changed, drift repaired, a deleted secret restored with its value, deletion, bad input refused before any request."""

from __future__ import annotations

import contextlib
import json

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
MODULE = "dataeng.platform.secretsmanager_secrets"
NAMES = ("it-secrets/mysql", "it-secrets/app")


@pytest.fixture
def kms_alias(aws_emulator):
    aws = Aws(aws_emulator)
    key_id = aws.kms.create_key(Description="it-secrets")["KeyMetadata"]["KeyId"]
    aws.kms.create_alias(AliasName="alias/it-secrets", TargetKeyId=key_id)
    yield aws, key_id
    for name in NAMES:
        with contextlib.suppress(aws.secretsmanager.exceptions.ResourceNotFoundException):
            aws.secretsmanager.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    aws.kms.delete_alias(AliasName="alias/it-secrets")


def value(aws, name: str) -> dict:
    return json.loads(aws.secretsmanager.get_secret_value(SecretId=name)["SecretString"])


def test_passwords_are_generated_once_and_never_leave_the_module(aws_emulator, kms_alias):
    aws, key_id = kms_alias
    mysql, app = NAMES
    args = {
        "kms_key_id": "alias/it-secrets",
        "password_length": 20,
        "secrets": [
            {
                "name": mysql,
                "description": "MySQL",
                "fields": {"username": "admin", "port": 3306},
                "generated": ["password"],
            },
            {"name": app, "description": "App keys", "generated": ["jwt_secret", "api_key"], "tags": {"Tier": "app"}},
        ],
    }

    planned = run_module(aws_emulator, MODULE, args, check=True, diff=True)
    assert planned["actions"] == [f"{mysql}: create_secret", f"{app}: create_secret"], planned.get("msg")
    assert aws.secretsmanager.list_secrets()["SecretList"] == []

    created = run_module(aws_emulator, MODULE, args, diff=True)
    assert created["changed"] is True
    credentials, keys = value(aws, mysql), value(aws, app)
    assert (credentials["username"], credentials["port"]) == ("admin", 3306)
    assert len(credentials["password"]) == 20
    assert len({keys["jwt_secret"], keys["api_key"], credentials["password"]}) == 3
    assert aws.secretsmanager.describe_secret(SecretId=app)["Tags"] == [{"Key": "Tier", "Value": "app"}]
    everything_returned = json.dumps(created)
    for secret in (credentials["password"], keys["jwt_secret"], keys["api_key"]):
        assert secret not in everything_returned

    rerun = run_module(aws_emulator, MODULE, args)
    assert rerun["changed"] is False
    assert value(aws, mysql) == credentials

    # By hand: another description and another key; the module sets them back, the value stays.
    other_key = aws.kms.create_key(Description="other")["KeyMetadata"]["Arn"]
    aws.secretsmanager.update_secret(SecretId=mysql, Description="changed", KmsKeyId=other_key)
    repaired = run_module(aws_emulator, MODULE, {**args, "password_length": 30}, diff=True)
    assert repaired["actions"] == [f"{mysql}: update_secret"]
    assert repaired["diff"]["before"][mysql]["description"] == "changed"
    described = aws.secretsmanager.describe_secret(SecretId=mysql)
    assert described["Description"] == "MySQL"
    # Secrets Manager reports the key as it was given (an alias, an id or an ARN): KMS resolves it.
    assert aws.kms.describe_key(KeyId=described["KmsKeyId"])["KeyMetadata"]["KeyId"] == key_id
    assert value(aws, mysql) == credentials

    # Deleted with a recovery window: the next run restores it with its value.
    scheduled = run_module(
        aws_emulator, MODULE, {"secrets": [{"name": mysql}], "state": "absent", "recovery_window_days": 7}
    )
    assert scheduled["actions"] == [f"{mysql}: delete_secret"]
    assert "DeletedDate" in aws.secretsmanager.describe_secret(SecretId=mysql)
    restored = run_module(aws_emulator, MODULE, args)
    assert restored["actions"] == [f"{mysql}: restore_secret"]
    assert value(aws, mysql) == credentials

    gone = run_module(
        aws_emulator, MODULE, {"secrets": [{"name": n} for n in NAMES], "state": "absent", "recovery_window_days": 0}
    )
    assert gone["actions"] == [f"{mysql}: delete_secret", f"{app}: delete_secret"]
    assert aws.secretsmanager.list_secrets()["SecretList"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"secrets": [{"name": "a"}, {"name": "a"}]}, "secrets: each name may appear once; repeated: a"),
        ({"secrets": [{"name": "a"}], "password_length": 3}, "password_length must be at least 4"),
        ({"secrets": [{"name": "a"}], "state": "absent", "recovery_window_days": 3}, "must be 0 or from 7 to 30"),
    ],
)
def test_bad_input_fails_before_any_request(aws_emulator, args, message):
    failed = run_module(aws_emulator, MODULE, args)
    assert failed.get("failed") is True
    assert message in failed["msg"]
