"""The KMS key and the secrets: their fields, generated values and resource policies."""

from __future__ import annotations

import json

from support.expectations.identity import assert_identity_tags

# platform, Secrets Manager: the secrets and their fields; 16-character passwords of letters, digits and specials.
# collection: which specials (roles/secrets/vars/main.yml, _secrets_specials).
SECRETS = {
    "mysql": {"username", "password", "host", "port", "database"},
    "redis": {"password", "host", "port"},
    "grafana": {"username", "password"},
    "argocd": {"username", "password"},
    "app": {"jwt_secret", "api_key", "encryption_key"},
}
GENERATED = {"password", "jwt_secret", "api_key", "encryption_key"}
SPECIALS = set("!#%+-.:=?_~")


# collection: the roles whose IAM policies read each secret (roles/iam), the only principals besides the
# deployer its resource policy admits (secrets_restrict_access).
SECRET_READERS = {
    "mysql": ("ecs-task-execution", "ecs-task"),
    "redis": ("ecs-task-execution", "ecs-task"),
    "grafana": ("ecs-task-execution", "ecs-task", "monitoring-host"),
    "argocd": ("ecs-task-execution", "ecs-task", "kubernetes-host"),
    "app": ("ecs-task-execution", "ecs-task"),
}


def secret_resource_policy(aws, secret_id: str) -> dict:
    """The secret's resource policy, {} when it has none."""
    return json.loads(aws.secretsmanager.get_resource_policy(SecretId=secret_id).get("ResourcePolicy") or "{}")


def secret_values(aws, prefix: str = "dataeng-local") -> dict[str, dict]:
    """The values of the platform's secrets that exist (and are not deleted)."""
    listed = aws.secretsmanager.list_secrets(Filters=[{"Key": "name", "Values": [f"{prefix}/"]}])["SecretList"]
    return {
        secret["Name"].removeprefix(f"{prefix}/"): json.loads(
            aws.secretsmanager.get_secret_value(SecretId=secret["ARN"])["SecretString"]
        )
        for secret in listed
        if "DeletedDate" not in secret
    }


def generated_values(values: dict[str, dict]) -> list[str]:
    return [value for fields in values.values() for key, value in fields.items() if key in GENERATED]


def regenerated_values(snapshots: list[dict[str, dict]]) -> list[str]:
    """Every generated value (`secret_values` snapshots, oldest first) that a later snapshot holds no more
    or holds changed, compared with the first snapshot that held it; named, never shown."""
    first: dict[tuple[str, str], tuple[int, str]] = {}
    found = []
    for index, snapshot in enumerate(snapshots):
        for (name, key), (since, value) in first.items():
            now = snapshot.get(name, {}).get(key)
            if now != value:
                what = "gone" if now is None else "changed"
                found.append(f"{name} {key}: {what} in snapshot {index}, set in {since}")
        for name, fields in snapshot.items():
            for key, value in fields.items():
                if key in GENERATED:
                    first.setdefault((name, key), (index, value))
    return found


def secrets(aws, prefix: str = "dataeng-local", env: str = "local") -> dict[str, dict]:
    (alias,) = [a for a in aws.kms.list_aliases()["Aliases"] if a["AliasName"] == f"alias/{prefix}-secrets"]
    key_id = alias["TargetKeyId"]
    key = aws.kms.describe_key(KeyId=key_id)["KeyMetadata"]
    # platform, Secrets Manager: KMS encryption; collection: a customer managed key, rotated (secrets role).
    assert key["KeyManager"] == "CUSTOMER"
    assert key["KeyState"] == "Enabled"
    assert aws.kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    assert_identity_tags(
        {
            "Tags": [
                {"Key": t["TagKey"], "Value": t["TagValue"]} for t in aws.kms.list_resource_tags(KeyId=key_id)["Tags"]
            ]
        },
        env,
    )

    values = secret_values(aws, prefix)
    deployer = aws.sts.get_caller_identity()["Arn"]
    for name, fields in SECRETS.items():
        described = aws.secretsmanager.describe_secret(SecretId=f"{prefix}/{name}")
        assert described["KmsKeyId"] in (key["Arn"], key_id, f"alias/{prefix}-secrets"), described["KmsKeyId"]
        assert_identity_tags(described, env)
        assert set(values[name]) == fields, name
        readers = [aws.iam.get_role(RoleName=f"{prefix}-{role}")["Role"]["Arn"] for role in SECRET_READERS[name]]
        assert secret_resource_policy(aws, f"{prefix}/{name}") == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyAllButItsReaders",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "secretsmanager:*",
                    "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:PrincipalArn": sorted({*readers, deployer})}},
                }
            ],
        }, name
    generated = generated_values(values)
    assert len(generated) == 7
    assert len(set(generated)) == len(generated), "every secret gets its own value"
    for value in generated:
        assert len(value) == 16
        assert any(c.islower() for c in value)
        assert any(c.isupper() for c in value)
        assert any(c.isdigit() for c in value)
        assert any(c in SPECIALS for c in value)
        assert set(value) <= SPECIALS | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    # platform, security groups: the MySQL and Redis ports.
    assert values["mysql"]["port"] == 3306
    assert values["redis"]["port"] == 6379
    return values
