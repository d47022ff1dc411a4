"""s3_bucket_layout against the emulator: check mode, lay out, no-op rerun, drift repaired, removal, bad input."""

from __future__ import annotations

import json

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
MODULE = "dataeng.platform.s3_bucket_layout"
LAKE = "it-layout-lake"
SCRIPTS = "it-layout-scripts"
HOUSEKEEPING = {
    "rule_id": "housekeeping",
    "noncurrent_version_expiration_days": 90,
    "abort_incomplete_multipart_upload_days": 7,
}
LAYOUT = {
    "access_log_bucket": LAKE,
    "buckets": [
        {
            "name": LAKE,
            "prefixes": ["raw/", "logs/"],
            "lifecycle_rules": [
                {"rule_id": "raw-to-ia", "prefix": "raw/", "transition_days": 30, "storage_class": "standard_ia"},
                HOUSEKEEPING,
            ],
            "access_log_prefix": f"logs/s3-access/{LAKE}/",
        },
        {
            "name": SCRIPTS,
            "prefixes": ["scripts/"],
            "lifecycle_rules": [{"rule_id": "expire-temp", "prefix": "temp/", "expiration_days": 7}],
            "access_log_prefix": f"logs/s3-access/{SCRIPTS}/",
        },
    ],
}

LOG_DELIVERY_GROUP = "http://acs.amazonaws.com/groups/s3/LogDelivery"
# S3 log delivery may write into the lake, as the data_lake role's bucket policy allows.
LOG_DELIVERY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{LAKE}/*",
        }
    ],
}


def rule_ids(aws, bucket):
    return sorted(rule["ID"] for rule in aws.s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"])


def keys(aws, bucket):
    """The bucket's keys but the access logs (the emulator delivers them as S3 does)."""
    listed = aws.s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return sorted(item["Key"] for item in listed if not item["Key"].startswith("logs/s3-access/"))


@pytest.fixture
def buckets(aws_emulator):
    aws = Aws(aws_emulator)
    for name in (LAKE, SCRIPTS):
        aws.s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": aws.region})
    aws.s3.put_bucket_policy(Bucket=LAKE, Policy=json.dumps(LOG_DELIVERY))
    yield aws
    for name in (LAKE, SCRIPTS):
        aws.s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={})
    for name in (LAKE, SCRIPTS):
        for item in aws.s3.list_objects_v2(Bucket=name).get("Contents", []):
            aws.s3.delete_object(Bucket=name, Key=item["Key"])
        aws.s3.delete_bucket(Bucket=name)


def test_lays_out_every_bucket_in_one_call_and_keeps_it_so(aws_emulator, buckets):
    aws = buckets

    planned = run_module(aws_emulator, MODULE, LAYOUT, check=True, diff=True)
    assert planned["changed"] is True, planned.get("msg")
    assert f"{LAKE}: put_object raw/" in planned["actions"]
    assert planned["diff"]["before"][LAKE]["lifecycle_rules"] == []
    assert [rule["rule_id"] for rule in planned["diff"]["after"][LAKE]["lifecycle_rules"]] == [
        "housekeeping",
        "raw-to-ia",
    ]
    assert keys(aws, LAKE) == []
    assert "LoggingEnabled" not in aws.s3.get_bucket_logging(Bucket=SCRIPTS)

    applied = run_module(aws_emulator, MODULE, LAYOUT)
    assert applied["changed"] is True, applied.get("msg")
    assert applied["actions"] == [
        f"{LAKE}: put_object raw/",
        f"{LAKE}: put_object logs/",
        f"{LAKE}: put_bucket_lifecycle_configuration",
        f"{LAKE}: put_bucket_logging",
        f"{SCRIPTS}: put_object scripts/",
        f"{SCRIPTS}: put_bucket_lifecycle_configuration",
        f"{SCRIPTS}: put_bucket_logging",
    ]
    assert keys(aws, LAKE) == ["logs/", "raw/"]
    assert rule_ids(aws, LAKE) == ["housekeeping", "raw-to-ia"]
    (to_ia,) = [r for r in aws.s3.get_bucket_lifecycle_configuration(Bucket=LAKE)["Rules"] if r["ID"] == "raw-to-ia"]
    assert to_ia["Transitions"] == [{"Days": 30, "StorageClass": "STANDARD_IA"}]
    assert aws.s3.get_bucket_logging(Bucket=SCRIPTS)["LoggingEnabled"] == {
        "TargetBucket": LAKE,
        "TargetPrefix": f"logs/s3-access/{SCRIPTS}/",
    }

    rerun = run_module(aws_emulator, MODULE, LAYOUT)
    assert rerun["changed"] is False
    assert rerun["actions"] == []

    # Drift: a rule added and a prefix deleted by hand are put back as the task says.
    applied_rules = aws.s3.get_bucket_lifecycle_configuration(Bucket=SCRIPTS)["Rules"]
    aws.s3.put_bucket_lifecycle_configuration(
        Bucket=SCRIPTS,
        LifecycleConfiguration={
            "Rules": [
                {"ID": "expire-temp", "Filter": {"Prefix": "temp/"}, "Status": "Enabled", "Expiration": {"Days": 7}},
                {"ID": "by-hand", "Filter": {"Prefix": "x/"}, "Status": "Enabled", "Expiration": {"Days": 1}},
            ]
        },
    )
    aws.s3.delete_object(Bucket=LAKE, Key="raw/")
    repaired = run_module(aws_emulator, MODULE, LAYOUT)
    assert repaired["actions"] == [f"{LAKE}: put_object raw/", f"{SCRIPTS}: put_bucket_lifecycle_configuration"]
    assert aws.s3.get_bucket_lifecycle_configuration(Bucket=SCRIPTS)["Rules"] == applied_rules
    assert keys(aws, LAKE) == ["logs/", "raw/"]

    # An empty rule list removes the configuration, an empty log prefix stops logging;
    # omitting both leaves the lake as it is.
    cleared = run_module(
        aws_emulator,
        MODULE,
        {"buckets": [{"name": SCRIPTS, "lifecycle_rules": [], "access_log_prefix": ""}, {"name": LAKE}]},
    )
    assert cleared["actions"] == [
        f"{SCRIPTS}: delete_bucket_lifecycle",
        f"{SCRIPTS}: put_bucket_logging",
    ]
    assert "LoggingEnabled" not in aws.s3.get_bucket_logging(Bucket=SCRIPTS)
    assert rule_ids(aws, LAKE) == ["housekeeping", "raw-to-ia"]


def test_log_delivery_is_granted_in_the_acl_only_when_asked(aws_emulator, buckets):
    aws = buckets
    aws.s3.delete_bucket_policy(Bucket=LAKE)
    logged = {"access_log_bucket": LAKE, "buckets": [{"name": SCRIPTS, "access_log_prefix": "logs/scripts/"}]}

    refused = run_module(aws_emulator, MODULE, logged)
    assert refused.get("failed") is True
    assert "InvalidTargetBucketForLogging" in str(refused)

    granted = run_module(aws_emulator, MODULE, {**logged, "grant_log_delivery_acl": True})
    assert granted["actions"] == [f"{LAKE}: put_bucket_acl", f"{SCRIPTS}: put_bucket_logging"], granted.get("msg")
    grants = aws.s3.get_bucket_acl(Bucket=LAKE)["Grants"]
    assert {g["Permission"] for g in grants if g["Grantee"].get("URI") == LOG_DELIVERY_GROUP} == {"WRITE", "READ_ACP"}
    assert run_module(aws_emulator, MODULE, {**logged, "grant_log_delivery_acl": True})["changed"] is False


def test_a_missing_bucket_fails_with_its_name(aws_emulator):
    failed = run_module(aws_emulator, MODULE, {"buckets": [{"name": "it-layout-missing", "prefixes": ["raw/"]}]})
    assert failed.get("failed") is True
    assert "Bucket it-layout-missing does not exist" in failed["msg"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"buckets": [{"name": LAKE, "lifecycle_rules": [{"rule_id": "a"}, {"rule_id": "a"}]}]},
            f"lifecycle rule IDs must be unique in a bucket; given twice: {LAKE}: a",
        ),
        ({"buckets": [{"name": LAKE, "prefixes": ["raw"]}]}, f"every prefix must end in '/'; not: {LAKE}: raw"),
        (
            {"buckets": [{"name": LAKE, "access_log_prefix": "logs/"}]},
            f"access_log_bucket is required for the access_log_prefix of {LAKE}",
        ),
        (
            {"buckets": [{"name": LAKE, "lifecycle_rules": [{"rule_id": "a", "transition_days": 3}]}]},
            "parameters are required together: transition_days, storage_class",
        ),
    ],
)
def test_bad_input_fails_before_any_request(aws_emulator, args, message):
    failed = run_module(aws_emulator, MODULE, args)
    assert failed.get("failed") is True
    assert message in failed["msg"]
