"""The data lake's buckets: settings, folders, lifecycle and policies."""

from __future__ import annotations

from support.expectations.identity import assert_identity_tags

# platform, S3 data lake: the three buckets and their folders.
BUCKETS = {
    "data-lake": ["raw/", "processed/", "curated/", "logs/"],
    "glue-scripts": ["scripts/", "temp/", "outputs/"],
    "glue-outputs": [],
}


def bucket_names(aws, prefix: str = "dataeng-local") -> dict[str, str]:
    return bucket_names_for(prefix, aws.sts.get_caller_identity()["Account"])


# collection (data_lake_encryption): SSE-KMS on the platform's key with an S3 Bucket Key, but the lake, which
# receives the S3 server access logs, keeps SSE-S3: S3 delivers them to no other default encryption
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
def bucket_encryption(aws, prefix: str = "dataeng-local") -> dict[str, dict]:
    key_arn = aws.kms.describe_key(KeyId=f"alias/{prefix}-secrets")["KeyMetadata"]["Arn"]
    platform_key = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}
    return {
        kind: (
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
            if kind == "data-lake"
            else {**platform_key, "BucketKeyEnabled": True}
        )
        for kind in BUCKETS
    }


def data_lake(aws, prefix: str = "dataeng-local", env: str = "local") -> dict[str, str]:
    names = bucket_names(aws, prefix)
    lake = names["data-lake"]
    encryption = bucket_encryption(aws, prefix)
    for kind, bucket in names.items():
        s3 = aws.s3
        # platform, S3 data lake: versioning and encryption; collection: bucket_encryption above, and public access
        # blocked, ACLs disabled and access logged to the lake (docs/reliability.md, "Secure defaults", Buckets).
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled", bucket
        (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rule == encryption[kind], bucket
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == dict.fromkeys(
            ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"], True
        )
        (ownership,) = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
        assert ownership["ObjectOwnership"] == "BucketOwnerEnforced"
        assert_identity_tags({"Tags": s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}, env)
        logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
        assert logging == {"TargetBucket": lake, "TargetPrefix": f"logs/s3-access/{bucket}/"}
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        keys = {o["Key"] for page in pages for o in page.get("Contents", [])}
        assert keys >= set(BUCKETS[kind]), bucket

        # the platform requires lifecycle policies and sets no figure; every figure below is the collection's.
        rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
        assert all(r["Status"] == "Enabled" for r in rules.values())
        assert (
            rules["housekeeping"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
        )  # data_lake_noncurrent_version_days
        assert (
            rules["housekeeping"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7
        )  # data_lake_abort_multipart_days
    lake_rules = {r["ID"]: r for r in aws.s3.get_bucket_lifecycle_configuration(Bucket=lake)["Rules"]}
    # collection: data_lake_raw_infrequent_access_days, at AWS's minimum of 30 days before STANDARD_IA
    # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html);
    # data_lake_log_retention_days.
    assert lake_rules["raw-to-infrequent-access"]["Transitions"] == [{"Days": 30, "StorageClass": "STANDARD_IA"}]
    assert lake_rules["expire-access-logs"]["Expiration"] == {"Days": 365}
    return names


def bucket_policies_are_tls_only(policies: dict, prefix: str, account: str) -> None:
    """The rendered bucket policies: every bucket refuses plain HTTP (collection, after AWS's S3 security best
    practices: https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html); log delivery may
    write the lake's logs/, from this account only (AWS: the logging service principal's policy,
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html)."""
    lake = f"{prefix}-data-lake-{account}"
    assert set(policies) == set(bucket_names_for(prefix, account).values())
    for bucket, policy in policies.items():
        statements = {s["Sid"]: s for s in policy["Statement"]}
        tls = statements["DenyInsecureTransport"]
        assert tls["Effect"] == "Deny"
        assert tls["Principal"] == "*"
        assert tls["Action"] == "s3:*"
        assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert set(tls["Resource"]) == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}
        if bucket == lake:
            delivery = statements["S3ServerAccessLogs"]
            assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
            assert delivery["Resource"] == f"arn:aws:s3:::{lake}/logs/*"
            assert delivery["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
        else:
            assert set(statements) == {"DenyInsecureTransport"}


def bucket_names_for(prefix: str, account: str) -> dict[str, str]:
    return {kind: f"{prefix}-{kind}-{account}" for kind in BUCKETS}
