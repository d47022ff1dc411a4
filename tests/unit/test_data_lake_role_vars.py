"""Which buckets the data_lake role converges (roles/data_lake/vars/main.yml, _data_lake_bucket_as_asked): a bucket
whose settings, as s3_buckets_info read them, are all what s3_bucket would make them costs no s3_bucket run; any
setting s3_bucket manages that differs runs it, and check mode predicts the change."""

from __future__ import annotations

import json

import pytest

from support.role_vars import templated

LAKE = "dev-data-lake-123456789012"
OUTPUTS = "dev-glue-outputs-123456789012"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
TAGS = {"Project": "platform", "Environment": "dev"}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{OUTPUTS}", f"arn:aws:s3:::{OUTPUTS}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}
OUTPUTS_BUCKET = {"name": OUTPUTS, "purpose": "glue-outputs"}


def read_bucket(**changed) -> dict:
    """The outputs bucket as s3_buckets_info reads it when it is as the role makes it (SSE-KMS), but for `changed`."""
    bucket = {
        "name": OUTPUTS,
        "bucket_versioning": {"Status": "Enabled"},
        "bucket_encryption": {
            "ServerSideEncryptionConfiguration": {
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY},
                        "BucketKeyEnabled": True,
                    }
                ]
            }
        },
        "bucket_tagging": {**TAGS, "Name": OUTPUTS, "Purpose": "glue-outputs"},
        "public_access_block": {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            }
        },
        "bucket_ownership_controls": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
        # S3 returns the policy as JSON text, its statements in any form amazon.aws takes as the same.
        "bucket_policy": {
            "Policy": json.dumps({**POLICY, "Statement": [{**POLICY["Statement"][0], "Principal": {"AWS": "*"}}]})
        },
    }
    return {**bucket, **changed}


def as_asked(read: dict | None, apply_policies: bool = True) -> bool:
    return templated(
        "data_lake",
        "_data_lake_bucket_as_asked",
        item=OUTPUTS_BUCKET,
        ansible_check_mode=False,
        _data_lake_read={"buckets": [read] if read else [], "missing": [] if read else [OUTPUTS]},
        platform_names={"lake_bucket": LAKE},
        platform_resource_tags=TAGS,
        data_lake_encryption="aws:kms",
        data_lake_kms_key_id=KEY,
        data_lake_apply_bucket_policies=apply_policies,
        data_lake_bucket_policies={OUTPUTS: POLICY},
    )


def test_a_bucket_as_the_role_makes_it_costs_no_s3_bucket_run():
    assert as_asked(read_bucket()) is True


def test_a_missing_bucket_is_created():
    assert as_asked(None) is False


@pytest.mark.parametrize(
    "changed",
    [
        {"bucket_versioning": {"Status": "Suspended"}},
        {"bucket_versioning": {}},
        {
            "bucket_encryption": {
                "ServerSideEncryptionConfiguration": {
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                }
            }
        },
        {
            "bucket_encryption": {
                "ServerSideEncryptionConfiguration": {
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY},
                            "BucketKeyEnabled": False,
                        }
                    ]
                }
            }
        },
        {"bucket_tagging": {**TAGS, "Name": OUTPUTS}},
        {"bucket_tagging": {**TAGS, "Name": OUTPUTS, "Purpose": "glue-outputs", "Owner": "someone"}},
        {"public_access_block": {}},
        {"bucket_ownership_controls": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}},
        {"bucket_ownership_controls": {}},
        {"bucket_policy": {}},
        {"bucket_policy": {"Policy": json.dumps({**POLICY, "Statement": []})}},
    ],
    ids=[
        "versioning suspended",
        "versioning never enabled",
        "SSE-S3 instead of SSE-KMS",
        "no S3 Bucket Key",
        "a tag missing",
        "a tag added by hand",
        "no public access block",
        "ACLs enabled",
        "no ownership controls",
        "no policy",
        "another policy",
    ],
)
def test_any_setting_s3_bucket_manages_that_differs_runs_it(changed):
    assert as_asked(read_bucket(**changed)) is False


def test_the_policy_counts_only_when_the_role_writes_it():
    assert as_asked(read_bucket(bucket_policy={}), apply_policies=False) is True
