"""The data_quality Glue job, run end to end on local Parquet datasets with a local SparkSession."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import boto3
import pytest

DATASET = "orders"
SCHEMA = [
    {"name": "order_id", "type": "long", "nullable": False},
    {"name": "customer", "type": "string", "nullable": False},
    {"name": "amount", "type": "double", "nullable": True},
    {"name": "order_date", "type": "date", "nullable": False},
]
ORDERS_DDL = "order_id long, customer string, amount double, order_date date"
DAY = date(2026, 1, 15)


def job_arguments(source: Path | str, reports: Path, schema: list[dict] | None = None, **overrides: str) -> list[str]:
    arguments = {
        "source_path": str(source),
        "report_path": reports.as_uri(),
        "dataset": DATASET,
        "schema": json.dumps(schema or SCHEMA),
        "key_columns": "order_id",
        **overrides,
    }
    # AWS Glue adds arguments of its own to every run; the job must ignore them.
    glue_arguments = ["--JOB_ID", "j_1", "--TempDir", "s3://temp/", "--enable-metrics", "true"]
    return [*glue_arguments, *(token for name, value in arguments.items() for token in (f"--{name}", value))]


def only_report(reports: Path) -> dict:
    (path,) = (reports / DATASET).glob("report-*.json")
    return json.loads(path.read_text())


def checks_by_name(report: dict) -> dict[str, dict]:
    return {item["name"]: item for item in report["checks"]}


@pytest.mark.spark
def test_the_processed_output_of_the_pipeline_passes_every_check(
    tmp_path, spark, processing_job, quality_job, raw_files
):
    raw_files(tmp_path / "raw" / DATASET).csv(
        "orders.csv",
        ["order_id", "customer", "amount", "order_date", "channel"],
        [[1, "ann", 10.5, "2026-01-15", "web"], [2, "bob", "", "2026-01-16", "shop"], [3, "cy", 7, "2026-01-16", ""]],
    )
    processing_job.main(
        [
            *("--source_path", str(tmp_path / "raw"), "--target_path", str(tmp_path / "processed")),
            *("--quarantine_path", str(tmp_path / "quarantine"), "--dataset", DATASET),
            *("--schema", json.dumps(SCHEMA), "--key_columns", "order_id", "--partition_columns", "order_date"),
        ]
    )
    reports = tmp_path / "reports"

    report = quality_job.main(
        job_arguments((tmp_path / "processed" / DATASET).as_uri(), reports, max_null_ratio="0.34", JOB_RUN_ID="jr_7")
    )

    written = only_report(reports)
    assert report == {**written, "report": f"{reports.as_uri()}/{DATASET}/report-{_timestamp(written)}-jr_7.json"}
    assert written["passed"] is True
    assert written["failed_checks"] == []
    assert written["job_run_id"] == "jr_7"
    assert written["partition_columns"] == ["order_date"]
    assert written["files"] == 2
    checks = checks_by_name(written)
    assert list(checks) == [
        "completeness",
        "null_ratio:order_id",
        "null_ratio:customer",
        "null_ratio:amount",
        "null_ratio:order_date",
        "duplicates",
        "schema",
    ]
    assert checks["completeness"] == {
        "name": "completeness",
        "measured": 3,
        "threshold": 1,
        "passed": True,
        "comparison": ">=",
    }
    assert checks["null_ratio:amount"] == {
        "name": "null_ratio:amount",
        "measured": 0.333333,
        "threshold": 0.34,
        "passed": True,
        "comparison": "<=",
        "nulls": 1,
    }
    assert checks["null_ratio:order_id"]["threshold"] == 0.0
    assert checks["duplicates"]["measured"] == 0.0
    assert checks["schema"]["measured"] == {"missing_columns": [], "type_mismatches": [], "extra_columns": []}


def _timestamp(report: dict) -> str:
    return datetime.fromisoformat(report["generated_at"]).strftime("%Y%m%dT%H%M%SZ")


@pytest.mark.spark
def test_failed_checks_fail_the_run_after_the_report_is_written(tmp_path, spark, quality_job):
    rows = [(1, "ann", 10.0, DAY), (2, None, None, DAY), (2, "bob", None, DAY), (3, "cy", 5.0, DAY)]
    spark.createDataFrame(rows, ORDERS_DDL).write.parquet(str(tmp_path / "orders"))
    reports = tmp_path / "reports"

    with pytest.raises(
        quality_job.DataQualityError, match="failed for orders: null_ratio:customer, null_ratio:amount, duplicates"
    ):
        quality_job.main(job_arguments(tmp_path / "orders", reports))

    report = only_report(reports)
    assert report["passed"] is False
    assert report["failed_checks"] == ["null_ratio:customer", "null_ratio:amount", "duplicates"]
    checks = checks_by_name(report)
    assert (checks["completeness"]["measured"], checks["completeness"]["passed"]) == (4, True)
    measured_against = {name: (item["measured"], item["threshold"], item["passed"]) for name, item in checks.items()}
    assert measured_against["null_ratio:order_id"] == (0.0, 0.0, True)
    assert measured_against["null_ratio:customer"] == (0.25, 0.0, False), "a non-nullable column allows no null"
    assert measured_against["null_ratio:amount"] == (0.5, 0.05, False)
    assert checks["duplicates"] == {
        "name": "duplicates",
        "measured": 0.25,
        "threshold": 0.0,
        "passed": False,
        "comparison": "<=",
        "duplicates": 1,
    }
    assert checks["schema"]["passed"] is True


def partitions(folder: Path) -> dict[str, list[str]]:
    """Partition folder to the Parquet part files in it."""
    return {
        str(part.parent.relative_to(folder)): sorted(path.name for path in part.parent.glob("part-*.parquet"))
        for part in folder.rglob("part-*.parquet")
    }


@pytest.mark.spark
def test_a_dataset_that_passed_is_published_to_curated_as_it_was_checked(tmp_path, spark, quality_job):
    days = [(1, "ann", 10.0, DAY), (2, "bob", 3.0, date(2026, 1, 16))]
    spark.createDataFrame(days, ORDERS_DDL).write.partitionBy("order_date").parquet(str(tmp_path / "orders"))
    curated = tmp_path / "curated" / DATASET
    # A partition an earlier run published and the processed dataset no longer has stays (as processed keeps its own).
    spark.createDataFrame([(9, "old", 1.0)], "order_id long, customer string, amount double").write.parquet(
        str(curated / "order_date=2025-12-31")
    )

    report = quality_job.main(job_arguments(tmp_path / "orders", tmp_path / "reports", curated_path=curated.as_uri()))

    assert report["passed"] is True
    assert only_report(tmp_path / "reports")["published_to"] == curated.as_uri()
    assert sorted(partitions(curated)) == ["order_date=2025-12-31", "order_date=2026-01-15", "order_date=2026-01-16"]
    published = spark.read.parquet(str(curated)).filter("order_date >= '2026-01-01'")
    assert sorted(tuple(row) for row in published.collect()) == sorted(days)


@pytest.mark.spark
def test_a_dataset_that_failed_a_check_leaves_curated_as_the_last_passed_run_left_it(tmp_path, spark, quality_job):
    rows = [(1, "ann", 10.0, DAY), (2, "bob", None, DAY), (3, "cy", None, DAY)]
    spark.createDataFrame(rows, ORDERS_DDL).write.partitionBy("order_date").parquet(str(tmp_path / "orders"))
    curated = tmp_path / "curated" / DATASET
    spark.createDataFrame([(1, "ann", 10.0)], "order_id long, customer string, amount double").write.parquet(
        str(curated / f"order_date={DAY.isoformat()}")
    )
    before = partitions(curated)

    with pytest.raises(quality_job.DataQualityError, match="null_ratio:amount"):
        quality_job.main(job_arguments(tmp_path / "orders", tmp_path / "reports", curated_path=curated.as_uri()))

    assert only_report(tmp_path / "reports")["published_to"] is None
    assert partitions(curated) == before


@pytest.mark.spark
def test_thresholds_come_from_the_arguments(tmp_path, spark, quality_job):
    rows = [(1, "ann", 10.0, DAY), (2, "bob", None, DAY), (2, "bob", 3.0, DAY), (3, "cy", 5.0, DAY)]
    spark.createDataFrame(rows, ORDERS_DDL).write.parquet(str(tmp_path / "orders"))
    relaxed = {"max_null_ratio": "0.25", "max_duplicate_ratio": "0.25", "min_rows": "4"}

    assert quality_job.main(job_arguments(tmp_path / "orders", tmp_path / "relaxed", **relaxed))["passed"] is True
    with pytest.raises(quality_job.DataQualityError, match=r"orders: completeness \(report: "):
        quality_job.main(job_arguments(tmp_path / "orders", tmp_path / "strict", **{**relaxed, "min_rows": "5"}))
    assert checks_by_name(only_report(tmp_path / "strict"))["completeness"]["threshold"] == 5


@pytest.mark.spark
def test_a_schema_mismatch_is_reported(tmp_path, spark, quality_job):
    rows = [("1", "ann", DAY, "gift"), ("2", "bob", DAY, None)]
    frame = spark.createDataFrame(rows, "order_id string, customer string, order_date date, note string")
    frame.write.parquet(str(tmp_path / "orders"))

    with pytest.raises(quality_job.DataQualityError, match=r"orders: schema \(report: "):
        quality_job.main(job_arguments(tmp_path / "orders", tmp_path / "reports"))

    checks = checks_by_name(only_report(tmp_path / "reports"))
    assert checks["schema"]["passed"] is False
    assert checks["schema"]["measured"] == {
        "missing_columns": ["amount"],
        "type_mismatches": [{"column": "order_id", "expected": "long", "actual": "string"}],
        "extra_columns": ["note"],
    }
    assert "null_ratio:amount" not in checks, "a missing column is named by the schema check only"
    assert checks["duplicates"]["passed"] is True


@pytest.mark.spark
def test_partition_columns_take_their_declared_types(tmp_path, spark, quality_job):
    schema = [
        {"name": "id", "type": "long", "nullable": False},
        {"name": "region", "type": "string", "nullable": False},
        {"name": "day", "type": "date", "nullable": False},
    ]
    for event_id, day in enumerate(("2026-01-15", "not-a-date")):
        folder = tmp_path / "events" / "region=007" / f"day={day}"
        spark.createDataFrame([(event_id,)], "id long").write.parquet(str(folder))

    with pytest.raises(quality_job.DataQualityError, match=r"failed for orders: null_ratio:day \(report"):
        quality_job.main(job_arguments(tmp_path / "events", tmp_path / "reports", schema, key_columns="id"))

    report = only_report(tmp_path / "reports")
    assert report["partition_columns"] == ["day", "region"]
    checks = checks_by_name(report)
    # Left to Spark, region=007 would be the int 7 (a type mismatch) and day a string.
    assert checks["schema"]["passed"] is True
    assert checks["null_ratio:day"]["measured"] == 0.5, "a folder value that is not a date counts as null"
    assert checks["null_ratio:region"]["measured"] == 0.0


@pytest.mark.spark
@pytest.mark.parametrize("source", ["missing", "empty"])
def test_a_dataset_without_data_fails_completeness(tmp_path, spark, quality_job, source):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "_SUCCESS").touch()

    with pytest.raises(quality_job.DataQualityError, match="completeness, duplicates, schema"):
        quality_job.main(job_arguments((tmp_path / source).as_uri(), tmp_path / "reports"))

    report = only_report(tmp_path / "reports")
    assert report["files"] == 0
    checks = checks_by_name(report)
    assert (checks["completeness"]["measured"], checks["completeness"]["passed"]) == (0, False)
    assert checks["duplicates"]["missing_key_columns"] == ["order_id"]
    assert checks["schema"]["measured"]["missing_columns"] == ["order_id", "customer", "amount", "order_date"]


def test_arguments_have_defaults_and_glue_arguments_are_ignored(tmp_path, quality_job):
    arguments = quality_job.parse_arguments(job_arguments("s3://lake/processed/orders/", tmp_path, JOB_RUN_ID="jr_1"))
    assert {name: arguments[name] for name in ("max_null_ratio", "min_rows", "max_duplicate_ratio", "JOB_RUN_ID")} == {
        "max_null_ratio": "0.05",
        "min_rows": "1",
        "max_duplicate_ratio": "0",
        "JOB_RUN_ID": "jr_1",
    }
    assert quality_job.parse_thresholds(arguments) == quality_job.Thresholds(1, 0.05, 0.0)
    assert "TempDir" not in arguments


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_null_ratio": "1.5"}, "must be between 0 and 1"),
        ({"min_rows": "-1"}, "--min_rows must be 0 or more"),
        ({"key_columns": "order_id,nope"}, "--key_columns must name declared columns"),
        ({"schema": [{"name": "x", "type": "float"}]}, "type 'float', not one of"),
    ],
)
def test_bad_arguments_fail_before_anything_is_read(tmp_path, quality_job, overrides, message):
    with pytest.raises(ValueError, match=message):
        quality_job.main(job_arguments(tmp_path / "nowhere", tmp_path / "reports", **overrides))
    assert not (tmp_path / "reports").exists()


def test_report_names_carry_the_time_and_the_run_id(quality_job):
    generated_at = datetime(2026, 1, 20, 3, 4, 5, tzinfo=UTC)
    assert quality_job.report_uri("s3://outputs/quality/", "orders", generated_at, "jr_1") == (
        "s3://outputs/quality/orders/report-20260120T030405Z-jr_1.json"
    )
    assert (
        quality_job.report_uri("/tmp/q", "orders", generated_at, None) == "/tmp/q/orders/report-20260120T030405Z.json"
    )


def test_reports_go_to_s3_through_boto3(monkeypatch, quality_job, aws_emulator):
    for name, value in aws_emulator.environment(region="us-east-2").items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="glue-outputs", CreateBucketConfiguration={"LocationConstraint": "us-east-2"})

    quality_job.write_text("s3://glue-outputs/quality/orders/report.json", '{"passed": true}\n')

    stored = s3.get_object(Bucket="glue-outputs", Key="quality/orders/report.json")
    assert stored["Body"].read() == b'{"passed": true}\n'
    assert stored["ContentType"] == "application/json"


def test_only_s3_and_local_reports_are_supported(quality_job):
    with pytest.raises(ValueError, match="only s3:// and local paths"):
        quality_job.write_text("gs://bucket/report.json", "{}")
