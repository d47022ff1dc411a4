"""glue_security_configuration: what Glue returns reads back equal, and any difference is a delete and a
create (Glue has no call that changes a security configuration)."""

from __future__ import annotations

import pytest

from ansible_collections.dataeng.platform.plugins.modules import glue_security_configuration as module
from support.module_requests import shown

KEY = "arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = "arn:aws:kms:us-east-2:123456789012:key/9876fedc-12ab-34cd-56ef-1234567890ab"
PARAMS = {
    "name": "dataeng-dev-glue-kms",
    "state": "present",
    "kms_key_arn": KEY,
    "s3_encryption_mode": "SSE-KMS",
    "cloudwatch_encryption_mode": "SSE-KMS",
    "job_bookmarks_encryption_mode": "CSE-KMS",
}


def as_glue_returns(params):
    encryption = module.encryption_configuration(params)
    return module.from_glue({"Name": params["name"], "EncryptionConfiguration": encryption})


def test_every_part_is_encrypted_with_the_key_and_reads_back_equal():
    assert module.encryption_configuration(PARAMS) == {
        "S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": KEY}],
        "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": KEY},
        "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": KEY},
    }
    assert shown(module.plan_security_configuration(as_glue_returns(PARAMS), PARAMS)) == []


@pytest.mark.parametrize(
    "change",
    [{"kms_key_arn": OTHER_KEY}, {"cloudwatch_encryption_mode": "DISABLED"}, {"s3_encryption_mode": "SSE-S3"}],
)
def test_any_difference_replaces_the_configuration(change):
    assert shown(module.plan_security_configuration(as_glue_returns(PARAMS), {**PARAMS, **change})) == [
        "delete_security_configuration",
        "create_security_configuration",
    ]


def test_a_part_encrypted_with_another_key_is_a_difference():
    mixed = as_glue_returns(PARAMS)
    mixed["kms_key_arns"] = sorted([KEY, OTHER_KEY])
    assert shown(module.plan_security_configuration(mixed, PARAMS)) != []


def test_keyless_modes_send_no_key_and_need_none():
    keyless = {
        **PARAMS,
        "kms_key_arn": "",
        "s3_encryption_mode": "SSE-S3",
        "cloudwatch_encryption_mode": "DISABLED",
        "job_bookmarks_encryption_mode": "DISABLED",
    }
    assert module.check_params(keyless) is None
    assert module.encryption_configuration(keyless)["S3Encryption"] == [{"S3EncryptionMode": "SSE-S3"}]
    assert shown(module.plan_security_configuration(as_glue_returns(keyless), keyless)) == []


def test_a_kms_mode_without_a_key_arn_fails_before_any_request():
    assert "kms_key_arn must be the ARN of a KMS key" in module.check_params({**PARAMS, "kms_key_arn": ""})
