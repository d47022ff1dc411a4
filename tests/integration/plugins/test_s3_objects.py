"""s3_objects against the emulator: check mode, upload, no-op rerun, a changed file and a changed object rewritten,
an object uploaded by other means taken as it is, a missing bucket and an unreadable file refused."""

from __future__ import annotations

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
MODULE = "dataeng.platform.s3_objects"
BUCKET = "it-s3-objects"


@pytest.fixture
def bucket(aws_emulator):
    aws = Aws(aws_emulator)
    aws.s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
    yield aws
    for listed in aws.s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        aws.s3.delete_object(Bucket=BUCKET, Key=listed["Key"])
    aws.s3.delete_bucket(Bucket=BUCKET)


def body(aws, key: str) -> bytes:
    return aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_each_file_is_written_only_when_its_content_differs(aws_emulator, bucket, tmp_path):
    aws = bucket
    job, library = tmp_path / "job.py", tmp_path / "library.py"
    job.write_text("import library\n")
    library.write_text("VALUE = 1\n")
    args = {
        "bucket": BUCKET,
        "objects": [
            {"key": "scripts/job.py", "src": str(job), "content_type": "text/x-python"},
            {"key": "scripts/library.py", "src": str(library)},
        ],
    }

    planned = run_module(aws_emulator, MODULE, args, check=True, diff=True)
    assert planned["actions"] == ["scripts/job.py: put_object", "scripts/library.py: put_object"], planned.get("msg")
    assert planned["diff"]["before"]["scripts/job.py"] == {}
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=BUCKET)

    assert run_module(aws_emulator, MODULE, args)["changed"] is True
    assert body(aws, "scripts/job.py") == b"import library\n"
    assert aws.s3.head_object(Bucket=BUCKET, Key="scripts/job.py")["ContentType"] == "text/x-python"

    rerun = run_module(aws_emulator, MODULE, args)
    assert rerun["changed"] is False
    assert [entry["changed"] for entry in rerun["objects"]] == [False, False]

    library.write_text("VALUE = 2\n")
    aws.s3.put_object(Bucket=BUCKET, Key="scripts/job.py", Body=b"tampered\n", Metadata={"sha256": "0" * 64})
    repaired = run_module(aws_emulator, MODULE, args)
    assert repaired["actions"] == ["scripts/job.py: put_object", "scripts/library.py: put_object"]
    assert body(aws, "scripts/job.py") == b"import library\n"
    assert body(aws, "scripts/library.py") == b"VALUE = 2\n"

    # Uploaded by other means (no SHA-256 metadata), with the same content: compared by its ETag, kept.
    aws.s3.put_object(Bucket=BUCKET, Key="scripts/job.py", Body=b"import library\n")
    assert run_module(aws_emulator, MODULE, args)["changed"] is False


def test_a_missing_bucket_or_file_is_named(aws_emulator, tmp_path):
    script = tmp_path / "job.py"
    script.write_text("pass\n")
    missing_bucket = run_module(
        aws_emulator, MODULE, {"bucket": "it-s3-objects-missing", "objects": [{"key": "job.py", "src": str(script)}]}
    )
    assert missing_bucket.get("failed") is True
    assert "Bucket it-s3-objects-missing does not exist" in missing_bucket["msg"]

    missing_file = run_module(
        aws_emulator, MODULE, {"bucket": BUCKET, "objects": [{"key": "job.py", "src": str(tmp_path / "gone.py")}]}
    )
    assert missing_file.get("failed") is True
    assert f"objects[job.py].src: cannot read {tmp_path / 'gone.py'}" in missing_file["msg"]
