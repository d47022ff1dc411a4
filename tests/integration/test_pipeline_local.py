"""The data pipeline run for real in local mode (glue_runner: local, inventories/local) on the reference scenario's
converged account (support/converges.py; not converged again), with the local inventory's two datasets: events as CSV
files and orders as JSON lines, each with rows that break the schema, orders also with too many null totals for its
quality checks. `playbooks/pipeline.yml` runs the jobs' scripts, as the glue role uploaded them, on local PySpark and
writes the crawlers' tables into the emulated catalog.

Processed Parquet, the quarantined rows with their reasons, both quality reports, the curated copy of events only
(orders failed its checks) and the catalog's tables must be there, and the run must fail with the quality job's words;
a second run must leave every processed and curated object as it was; a file that breaks the schema and a missing
dataset folder must each fail their processing run with the job's own message, start no quality check and change
nothing processed or curated.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pyarrow import parquet

import query
from support.aws import Aws
from support.playbook import PlaybookResult, PlaybookRunner

pytestmark = pytest.mark.slow

LAKE = "dataeng-local-data-lake-123456789012"
OUTPUTS = "dataeng-local-glue-outputs-123456789012"
WORKFLOW = "dataeng-local-data-pipeline"
DATABASE = "local_data_lake_catalog"
PROCESSING, QUALITY = "dataeng-local-data-processing", "dataeng-local-data-quality"
PIPELINE = ("playbooks/pipeline.yml", "-i", "inventories/local")
EVENTS_HEADER = "event_id,user_id,event_type,amount,event_time"
RAW_FILES = {
    "raw/events/2026-12-01.csv": "\n".join(
        [
            EVENTS_HEADER,
            "e1,u1,click,1.5,2026-12-01T10:00:00Z",
            "e2,u2,purchase,20.0,2026-12-01T11:00:00Z",
            # Two rows of e2: the latest event_time is kept.
            "e2,u2,purchase,25.0,2026-12-01T12:00:00Z",
            # No user: quarantined.
            "e3,,click,,2026-12-01T12:30:00Z",
        ]
    ),
    "raw/events/2026-12-02.csv": "\n".join(
        [EVENTS_HEADER, "e4,u4,view,3,2026-12-02T08:00:00Z", "e5,u5,view,a lot,2026-12-02T09:00:00Z"]
    ),
    "raw/orders/2026-12-02.jsonl": "\n".join(
        [
            *(
                json.dumps(
                    {
                        "order_id": order_id,
                        "customer_id": customer,
                        "status": "paid",
                        "total": total,
                        "order_date": day,
                        "updated_at": f"{day}T09:00:00Z",
                    }
                )
                for order_id, customer, total, day in (
                    ("o1", "c1", 12.5, "2026-12-01"),
                    # One null total in three orders: above the 5 % the quality job allows.
                    ("o2", "c2", None, "2026-12-01"),
                    ("o3", "c3", 30, "2026-12-02"),
                    ("o4", "c4", "a lot", "2026-12-02"),
                )
            ),
            '{"order_id": "o5", "customer_id":',
        ]
    ),
}


@dataclass
class Run:
    result: PlaybookResult
    run_id: str
    lake: dict[str, str]
    job_runs: list[dict]
    tables: dict[str, dict]

    def processed(self) -> dict[str, str]:
        return {key: etag for key, etag in self.lake.items() if key.startswith(("processed/", "curated/"))}


@dataclass
class Runs:
    first: Run
    second: Run
    broken: Run
    # The outputs after the first run (playbooks/outputs.yml).
    outputs: dict
    # What the queries `make local` prints answered after the first run, by query.
    answers: dict[str, list[dict]]


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


def latest_report(aws: Aws, dataset: str) -> dict:
    reports = sorted(objects(aws, OUTPUTS, f"quality/{dataset}/"))
    assert reports, f"no quality report of {dataset}"
    return json.loads(aws.s3.get_object(Bucket=OUTPUTS, Key=reports[-1])["Body"].read())


def run_pipeline(aws: Aws, runner: PlaybookRunner) -> Run:
    result = runner.run(*PIPELINE, env=runner.environment(**aws.environment()))
    runs = aws.glue.get_workflow_runs(Name=WORKFLOW)["Runs"]
    latest = max(runs, key=lambda run: run["StartedOn"])
    tables = {table["Name"]: table for table in aws.glue.get_tables(DatabaseName=DATABASE)["TableList"]}
    job_runs = json.loads(latest["WorkflowRunProperties"]["local_job_runs"])
    return Run(result, latest["WorkflowRunId"], objects(aws, LAKE, ""), job_runs, tables)


def answers_to_the_printed_queries(aws: Aws, repo) -> dict[str, list[dict]]:
    """Each `make query SQL="..."` that `make local` prints, run as `make query` runs it (tools/query.py)."""
    printed = re.findall(r'make query SQL="([^"]+)"', (repo / "Makefile").read_text())
    assert printed, "make local prints no query"
    catalog = query.Catalog(aws.glue, aws.s3)
    spark = query.local_spark()
    try:
        return {sql: catalog.query(spark, sql).records() for sql in printed}
    finally:
        spark.stop()


@pytest.fixture(scope="module")
def runs(converges, repo, tmp_path_factory) -> Runs:
    aws = converges["reference"].aws
    runner = PlaybookRunner(repo, tmp_path_factory.mktemp("pipeline"))
    for key, body in RAW_FILES.items():
        aws.s3.put_object(Bucket=LAKE, Key=key, Body=body.encode())
    first = run_pipeline(aws, runner)
    shown = runner.run("playbooks/outputs.yml", "-i", "inventories/local", env=runner.environment(**aws.environment()))
    assert shown.returncode == 0, shown.output
    outputs = runner.outputs()
    answers = answers_to_the_printed_queries(aws, repo)
    second = run_pipeline(aws, runner)
    # Another header in one dataset, and the other's folder gone: both processing runs fail.
    broken_key = "raw/events/2026-12-03.csv"
    aws.s3.put_object(Bucket=LAKE, Key=broken_key, Body=b"id,who\nx1,u9\n")
    orders = [key for key in RAW_FILES if key.startswith("raw/orders/")]
    aws.s3.delete_objects(Bucket=LAKE, Delete={"Objects": [{"Key": key} for key in orders]})
    try:
        broken = run_pipeline(aws, runner)
    finally:
        aws.s3.delete_object(Bucket=LAKE, Key=broken_key)
        for key in orders:
            aws.s3.put_object(Bucket=LAKE, Key=key, Body=RAW_FILES[key].encode())
    return Runs(first, second, broken, outputs, answers)


def test_the_pipeline_processes_the_raw_files_into_typed_deduplicated_partitioned_parquet(runs, converges):
    aws = converges["reference"].aws
    ingest_date = datetime.now(UTC).date().isoformat()
    assert any(key.startswith(f"processed/events/ingest_date={ingest_date}/") for key in runs.first.lake)
    events = {row["event_id"]: row for row in rows(aws, "processed/events/")}
    assert sorted(events) == ["e1", "e2", "e4"]
    assert events["e2"]["amount"] == 25.0
    # Spark writes a timestamp as an instant (INT96), read back without a zone: the UTC time.
    assert events["e1"]["event_time"] == datetime(2026, 12, 1, 10)
    assert {key.split("/")[2] for key in runs.first.lake if key.startswith("processed/orders/")} == {
        "order_date=2026-12-01",
        "order_date=2026-12-02",
    }
    assert sorted(row["order_id"] for row in rows(aws, "processed/orders/")) == ["o1", "o2", "o3"]


def test_rows_that_break_the_schema_are_quarantined_with_their_reasons_and_the_s3_file_they_came_from(runs, converges):
    aws = converges["reference"].aws
    events = rows(aws, "processed/_quarantine/events/")
    assert {row["event_id"]: row["_quarantine_reason"] for row in events} == {
        "e3": "user_id: null in a non-nullable column",
        "e5": "amount: not a valid double",
    }
    assert {row["_source_file"] for row in events} == {
        f"s3://{LAKE}/raw/events/2026-12-01.csv",
        f"s3://{LAKE}/raw/events/2026-12-02.csv",
    }
    orders = rows(aws, "processed/_quarantine/orders/")
    reasons = {row["order_id"]: row["_quarantine_reason"] for row in orders if row["order_id"]}
    assert reasons == {"o4": "total: not a valid double"}
    assert any("malformed record" in row["_quarantine_reason"] for row in orders)
    assert {row["_source_file"] for row in orders} == {f"s3://{LAKE}/raw/orders/2026-12-02.jsonl"}


def test_each_dataset_is_checked_after_processing_and_the_run_fails_with_the_quality_jobs_words(runs, converges):
    assert [(run["job_name"], run["dataset"], run["job_run_state"]) for run in runs.first.job_runs] == [
        (PROCESSING, "events", "SUCCEEDED"),
        (PROCESSING, "orders", "SUCCEEDED"),
        (QUALITY, "events", "SUCCEEDED"),
        (QUALITY, "orders", "FAILED"),
    ]
    assert runs.first.result.returncode != 0
    output = runs.first.result.output
    assert "data quality checks failed for orders: null_ratio:total (report: s3://" in output
    # The run summary: each job run with its counts, the quarantined rows among them.
    assert f"{PROCESSING} (events): SUCCEEDED in " in output
    assert [run["summary"].get("quarantined") for run in runs.first.job_runs[:2]] == [2, 2]
    assert '"quarantined": 2' in " ".join(output.split())
    aws = converges["reference"].aws
    events, orders = latest_report(aws, "events"), latest_report(aws, "orders")
    assert (events["passed"], events["published_to"]) == (True, f"s3://{LAKE}/curated/events/")
    assert events["source_path"] == f"s3://{LAKE}/processed/events/"
    assert (orders["passed"], orders["failed_checks"], orders["published_to"]) == (False, ["null_ratio:total"], None)


def test_only_the_dataset_that_passed_its_checks_is_published_to_curated(runs, converges):
    aws = converges["reference"].aws
    curated = sorted(row["event_id"] for row in rows(aws, "curated/events/"))
    assert curated == sorted(row["event_id"] for row in rows(aws, "processed/events/"))
    assert not [key for key in runs.first.lake if key.startswith("curated/orders")]


def columns(table: dict) -> dict[str, str]:
    return {column["Name"]: column["Type"] for column in table["StorageDescriptor"]["Columns"]}


def test_the_crawls_write_the_lakes_tables_into_the_catalog(runs):
    tables = runs.first.tables
    assert {"raw_events", "raw_orders", "processed_events", "processed_orders", "curated_events"} <= set(tables)
    assert "curated_orders" not in tables, "orders failed its checks: nothing of it is curated"
    assert tables["raw_events"]["Parameters"]["classification"] == "csv"
    assert list(columns(tables["raw_events"])) == EVENTS_HEADER.split(",")
    assert tables["raw_orders"]["Parameters"]["classification"] == "json"
    for name, partition_key in (
        ("processed_events", "ingest_date"),
        ("curated_events", "ingest_date"),
        ("processed_orders", "order_date"),
    ):
        table = tables[name]
        zone, dataset = name.split("_")
        assert table["Parameters"]["classification"] == "parquet", name
        assert table["StorageDescriptor"]["Location"] == f"s3://{LAKE}/{zone}/{dataset}/", name
        assert [key["Name"] for key in table["PartitionKeys"]] == [partition_key], name
    assert columns(tables["processed_events"]) == {
        "event_id": "string",
        "user_id": "string",
        "event_type": "string",
        "amount": "double",
        "event_time": "timestamp",
    }
    assert columns(tables["curated_events"]) == columns(tables["processed_events"])
    assert columns(tables["processed_orders"])["total"] == "double"
    assert "order_date" not in columns(tables["processed_orders"]), "a partition key is not a column as well"


def test_a_second_run_leaves_every_processed_and_curated_object_and_table_as_it_was(runs):
    assert runs.second.processed() == runs.first.processed()
    assert [run["job_run_state"] for run in runs.second.job_runs] == [
        run["job_run_state"] for run in runs.first.job_runs
    ]
    assert {name: table.get("UpdateTime") for name, table in runs.second.tables.items()} == {
        name: table.get("UpdateTime") for name, table in runs.first.tables.items()
    }


def test_a_schema_break_and_a_missing_dataset_fail_their_runs_with_the_jobs_words_and_publish_nothing(runs):
    assert runs.broken.result.returncode != 0
    events, orders = runs.broken.job_runs
    assert [(run["job_name"], run["job_run_state"]) for run in (events, orders)] == [
        (PROCESSING, "FAILED"),
        (PROCESSING, "FAILED"),
    ], "no quality run after a failed processing run"
    for run in (events, orders):
        assert run["error_message"] in runs.broken.result.output
    # Spark's own words: "Number of column in CSV header is not equal to number of fields in the schema: ..."
    assert events["error_message"].startswith("java.lang.IllegalArgumentException: Number of column in CSV header")
    assert f"s3://{LAKE}/raw/events/2026-12-03.csv" in events["error_message"]
    assert f"s3://{LAKE}/raw/orders" in orders["error_message"]
    assert runs.broken.processed() == runs.second.processed()


def test_the_outputs_show_the_last_run_with_its_job_runs(runs):
    last_run = runs.outputs["glue_last_run"]
    assert last_run["run_id"] == runs.first.run_id
    shown = [(run["job_name"], run["dataset"], run["job_run_state"]) for run in last_run["job_runs"]]
    assert shown == [(run["job_name"], run["dataset"], run["job_run_state"]) for run in runs.first.job_runs]
    quality_of_orders = last_run["job_runs"][3]
    assert quality_of_orders["error_message"].startswith("DataQualityError: data quality checks failed for orders")
    assert last_run["job_runs"][0]["summary"]["quarantined"] == 2


def test_the_queries_make_local_prints_read_processed_and_curated_tables(runs):
    assert {name for sql in runs.answers for name in ("curated_events", "processed_orders") if name in sql} == {
        "curated_events",
        "processed_orders",
    }
    for sql, records in runs.answers.items():
        assert records, f"no row: {sql}"
    (events,) = [records for sql, records in runs.answers.items() if "curated_events" in sql]
    # The test's events: e1 (click), e2 (purchase) and e4 (view) passed their checks and were published.
    assert sorted(record["event_type"] for record in events) == ["click", "purchase", "view"]
