"""s3_buckets_info against the emulator: in one module run, each named bucket's settings as amazon.aws.s3_bucket_info
returns them, a missing bucket listed as missing, and no other bucket read."""

from __future__ import annotations

import json
import uuid

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
FACTS = (
    "bucket_versioning",
    "bucket_encryption",
    "bucket_tagging",
    "public_access_block",
    "bucket_ownership_controls",
    "bucket_policy",
)
# A policy without conditions: the emulator treats a statement with one as a denial (README).
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject"}],
}


def test_it_reads_what_s3_bucket_info_reads(aws_emulator):
    aws = Aws(aws_emulator)
    run = uuid.uuid4().hex[:8]
    configured, bare, missing = f"it-info-{run}-configured", f"it-info-{run}-bare", f"it-info-{run}-missing"
    for name in (configured, bare):
        aws.s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": aws.region})
    aws.s3.put_bucket_versioning(Bucket=configured, VersioningConfiguration={"Status": "Enabled"})
    aws.s3.put_bucket_tagging(Bucket=configured, Tagging={"TagSet": [{"Key": "Run", "Value": run}]})
    aws.s3.put_public_access_block(
        Bucket=configured,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )
    aws.s3.put_bucket_ownership_controls(
        Bucket=configured, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    policy = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Resource": f"arn:aws:s3:::{configured}/*"}]}
    aws.s3.put_bucket_policy(Bucket=configured, Policy=json.dumps(policy))

    found = run_module(
        aws_emulator, "dataeng.platform.s3_buckets_info", {"names": [configured, missing, bare]}, check=True
    )
    assert found["changed"] is False, found.get("msg")
    assert [bucket["name"] for bucket in found["buckets"]] == [configured, bare]
    assert found["missing"] == [missing]

    by_name = {bucket["name"]: bucket for bucket in found["buckets"]}
    assert by_name[configured]["bucket_versioning"]["Status"] == "Enabled"
    assert by_name[configured]["bucket_tagging"] == {"Run": run}
    assert json.loads(by_name[configured]["bucket_policy"]["Policy"]) == policy
    assert by_name[bare]["bucket_tagging"] == {}
    assert by_name[bare]["bucket_policy"] == {}
    for name in (configured, bare):
        info = run_module(
            aws_emulator,
            "amazon.aws.s3_bucket_info",
            {"name": name, "bucket_facts": {fact: True for fact in FACTS}},
        )
        assert {fact: by_name[name][fact] for fact in FACTS} == {fact: info["buckets"][0][fact] for fact in FACTS}


def test_a_read_that_fails_names_the_bucket(aws_emulator):
    result = run_module(aws_emulator, "dataeng.platform.s3_buckets_info", {"names": ["Not A Valid Bucket Name"]})
    assert result.get("failed"), result
    assert "Not A Valid Bucket Name" in result["msg"]
