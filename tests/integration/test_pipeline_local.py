"""The data pipeline run for real in local mode (glue_runner: local, inventories/local) on the reference scenario's
converged account (support/converges.py; not converged again): CSV and JSON-lines files with bad rows dropped into the
emulated raw zone, `playbooks/pipeline.yml` runs the jobs' scripts, as the glue role uploaded them, on local PySpark.
Processed Parquet, the quarantined rows with their reasons and the quality report must be in the emulated buckets; a
second run must leave every object of the processed zone as it was; a file that breaks the schema must fail the run
with the job's own message, start no quality check and change nothing processed.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pyarrow import parquet

from support.aws import Aws
from support.playbook import PlaybookResult, PlaybookRunner

pytestmark = pytest.mark.slow

LAKE = "dataeng-local-data-lake-123456789012"
OUTPUTS = "dataeng-local-glue-outputs-123456789012"
WORKFLOW = "dataeng-local-data-pipeline"
PIPELINE = ("playbooks/pipeline.yml", "-i", "inventories/local")
HEADER = "event_id,user_id,event_type,amount,event_time"
EVENTS_CSV = "\n".join(
    [
        HEADER,
        "e1,u1,click,1.5,2026-12-01T10:00:00Z",
        "e2,u2,purchase,20.0,2026-12-01T11:00:00Z",
        # Two rows of e2: the latest event_time is kept.
        "e2,u2,purchase,25.0,2026-12-01T12:00:00Z",
        # No user: quarantined.
        "e3,,click,,2026-12-01T12:30:00Z",
    ]
)
EVENTS_JSON_LINES = "\n".join(
    [
        json.dumps(
            {"event_id": "e4", "user_id": "u4", "event_type": "view", "amount": 3, "event_time": "2026-12-02T08:00:00Z"}
        ),
        json.dumps(
            {
                "event_id": "e5",
                "user_id": "u5",
                "event_type": "view",
                "amount": "a lot",
                "event_time": "2026-12-02T09:00:00Z",
            }
        ),
        '{"event_id": "e6", "user_id":',
    ]
)


@dataclass
class Runs:
    first: PlaybookResult
    second: PlaybookResult
    processed_after_first: dict[str, str]
    processed_after_second: dict[str, str]
    job_runs_first: list[dict]
    broken: PlaybookResult
    processed_after_broken: dict[str, str]
    job_runs_broken: list[dict]


def objects(aws: Aws, bucket: str, prefix: str) -> dict[str, str]:
    """Key to ETag of every object under the prefix (folder markers left out)."""
    found = {}
    for page in aws.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found.update({item["Key"]: item["ETag"] for item in page.get("Contents", []) if not item["Key"].endswith("/")})
    return found


def rows(aws: Aws, prefix: str) -> list[dict]:
    """The rows of every Parquet part file under the lake's prefix."""
    found = []
    for key in sorted(objects(aws, LAKE, prefix)):
        if key.endswith(".parquet"):
            body = aws.s3.get_object(Bucket=LAKE, Key=key)["Body"].read()
            found += parquet.read_table(io.BytesIO(body)).to_pylist()
    return found


def last_job_runs(aws: Aws) -> list[dict]:
    """The job runs the local runner recorded for the workflow's latest run."""
    runs = aws.glue.get_workflow_runs(Name=WORKFLOW)["Runs"]
    latest = max(runs, key=lambda run: run["StartedOn"])
    return json.loads(latest["WorkflowRunProperties"]["local_job_runs"])


@pytest.fixture(scope="module")
def runs(converges, repo, tmp_path_factory) -> Runs:
    aws = converges["reference"].aws
    runner = PlaybookRunner(repo, tmp_path_factory.mktemp("pipeline"))
    env = runner.environment(**aws.environment())
    aws.s3.put_object(Bucket=LAKE, Key="raw/events/2026-12-01.csv", Body=EVENTS_CSV.encode())
    aws.s3.put_object(Bucket=LAKE, Key="raw/events/2026-12-02.jsonl", Body=EVENTS_JSON_LINES.encode())
    first = runner.run(*PIPELINE, env=env)
    processed_after_first = objects(aws, LAKE, "processed/")
    job_runs_first = last_job_runs(aws)
    second = runner.run(*PIPELINE, env=env)
    processed_after_second = objects(aws, LAKE, "processed/")
    # Another header in the same dataset: the processing job refuses the dataset.
    broken_key = "raw/events/2026-12-03.csv"
    aws.s3.put_object(Bucket=LAKE, Key=broken_key, Body=b"id,who\nx1,u9\n")
    try:
        broken = runner.run(*PIPELINE, env=env)
        processed_after_broken = objects(aws, LAKE, "processed/")
        job_runs_broken = last_job_runs(aws)
    finally:
        aws.s3.delete_object(Bucket=LAKE, Key=broken_key)
    return Runs(
        first,
        second,
        processed_after_first,
        processed_after_second,
        job_runs_first,
        broken,
        processed_after_broken,
        job_runs_broken,
    )


def test_the_pipeline_processes_the_raw_files_into_typed_deduplicated_parquet(runs, converges):
    assert runs.first.returncode == 0, runs.first.output[-4000:]
    ingest_date = datetime.now(UTC).date().isoformat()
    assert any(key.startswith(f"processed/events/ingest_date={ingest_date}/") for key in runs.processed_after_first)
    processed = {row["event_id"]: row for row in rows(converges["reference"].aws, "processed/events/")}
    assert sorted(processed) == ["e1", "e2", "e4"]
    assert processed["e2"]["amount"] == 25.0
    # Spark writes a timestamp as an instant (INT96), read back without a zone: the UTC time.
    assert processed["e1"]["event_time"] == datetime(2026, 12, 1, 10)


def test_rows_that_break_the_schema_are_quarantined_with_their_reasons_and_the_s3_file_they_came_from(runs, converges):
    assert runs.first.returncode == 0, runs.first.output[-4000:]
    quarantined = rows(converges["reference"].aws, "processed/_quarantine/events/")
    reasons = {row["event_id"]: row["_quarantine_reason"] for row in quarantined if row["event_id"]}
    assert reasons["e3"] == "user_id: null in a non-nullable column"
    assert reasons["e5"] == "amount: not a valid double"
    assert any("malformed record" in row["_quarantine_reason"] for row in quarantined)
    assert {row["_source_file"] for row in quarantined} <= {
        f"s3://{LAKE}/raw/events/2026-12-01.csv",
        f"s3://{LAKE}/raw/events/2026-12-02.jsonl",
    }


def test_the_quality_job_runs_after_processing_and_writes_its_report(runs, converges):
    assert [(run["job_name"], run["job_run_state"]) for run in runs.job_runs_first] == [
        ("dataeng-local-data-processing", "SUCCEEDED"),
        ("dataeng-local-data-quality", "SUCCEEDED"),
    ]
    assert runs.job_runs_first[0]["summary"]["quarantined"] == 3
    aws = converges["reference"].aws
    reports = sorted(objects(aws, OUTPUTS, "quality/events/"))
    assert reports, "no quality report"
    report = json.loads(aws.s3.get_object(Bucket=OUTPUTS, Key=reports[-1])["Body"].read())
    assert report["passed"] is True, report


def test_a_second_run_leaves_every_processed_object_as_it_was(runs):
    assert runs.second.returncode == 0, runs.second.output[-4000:]
    assert runs.processed_after_second == runs.processed_after_first


def test_a_file_that_breaks_the_schema_fails_the_run_with_the_jobs_message_and_changes_nothing(runs):
    assert runs.broken.returncode != 0
    assert "Glue workflow dataeng-local-data-pipeline run" in runs.broken.output
    (processing,) = runs.job_runs_broken
    assert processing["job_run_state"] == "FAILED"
    assert processing["error_message"] in runs.broken.output
    # Spark's own words: "Number of column in CSV header is not equal to number of fields in the schema: ..."
    assert processing["error_message"].startswith("java.lang.IllegalArgumentException: Number of column in CSV header")
    assert f"s3://{LAKE}/raw/events/2026-12-03.csv" in processing["error_message"]
    assert runs.processed_after_broken == runs.processed_after_second
