"""The data_processing Glue job, run end to end on local files with a local SparkSession."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

DATASET = "events"
SCHEMA = [
    {"name": "event_id", "type": "long", "nullable": False},
    {"name": "user_id", "type": "string", "nullable": False},
    {"name": "event_type", "type": "string", "nullable": True},
    {"name": "quantity", "type": "int", "nullable": True},
    {"name": "amount", "type": "double", "nullable": True},
    {"name": "is_test", "type": "boolean", "nullable": True},
    {"name": "event_date", "type": "date", "nullable": False},
    {"name": "updated_at", "type": "timestamp", "nullable": True},
]
HEADER = [column["name"] for column in SCHEMA]
# Extra arguments AWS Glue adds to every run; the job must ignore them.
GLUE_ARGUMENTS = ["--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--job-bookmark-option", "job-bookmark-disable"]


def job_arguments(root: Path, **overrides: str) -> list[str]:
    """The arguments of a run over root/raw, root/processed and root/quarantine, as Glue passes them."""
    arguments = {
        "source_path": (root / "raw").as_uri() + "/",
        "target_path": (root / "processed").as_uri() + "/",
        "quarantine_path": str(root / "quarantine"),
        "dataset": DATASET,
        "schema": json.dumps(SCHEMA),
        "key_columns": "event_id",
        "order_column": "updated_at",
        "ingest_date": "2026-01-20",
        **overrides,
    }
    return [*GLUE_ARGUMENTS, *(token for name, value in arguments.items() for token in (f"--{name}", value))]


def event(event_id, updated_at, event_date="2026-01-15", **fields) -> dict:
    return {
        "event_id": event_id,
        "user_id": f"u{event_id}",
        "event_type": "click",
        "quantity": 1,
        "amount": 9.5,
        "is_test": False,
        "event_date": event_date,
        "updated_at": updated_at,
        **fields,
    }


def as_csv_row(record: dict) -> list[object]:
    return [str(record[name]).lower() if isinstance(record[name], bool) else record[name] for name in HEADER]


@dataclass(frozen=True)
class Run:
    root: Path
    summary: dict


def utc(*fields: int) -> datetime:
    """A UTC time as PySpark returns timestamps: naive, in the local time zone of the Python process."""
    return datetime(*fields, tzinfo=UTC).astimezone().replace(tzinfo=None)


def rows_by_id(spark: SparkSession, uri: str) -> dict[int, dict]:
    return {row["event_id"]: row.asDict() for row in spark.read.parquet(uri).collect()}


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, spark, processing_job, raw_files):
    """One run over a CSV and a JSON-lines file with duplicates, bad rows and files to ignore."""
    root = tmp_path_factory.mktemp("processing")
    raw = raw_files(root / "raw" / DATASET)
    raw.csv(
        "2026/01/15/batch-1.csv",
        HEADER,
        [
            as_csv_row(event(1, "2026-01-15T10:00:00Z", event_type="click")),
            as_csv_row(event(1, "2026-01-15T12:00:00Z", event_type="purchase", amount=19.99)),
            [2, "u2", "view", None, "", None, "2026-01-15", "2026-01-15T09:00:00Z"],
            [3, None, "click", 1, 1.0, "true", "2026-01-16", "2026-01-16T09:00:00Z"],
            [4, "u4", "click", "two", 2.0, "false", "2026-01-16", "2026-01-16T09:00:00Z"],
            [5, "u5", "view", 1, 2.0, "maybe", "2026-02-30", "2026-01-16T09:00:00Z"],
        ],
    )
    raw.json_lines(
        "batch-2.jsonl",
        [
            event(1, "2026-01-15T11:00:00Z", event_type="refund"),
            event(6, "2026-01-16T08:00:00Z", event_date="2026-01-16", quantity=3, amount=5.5, is_test=True),
            event(6, "2026-01-16T08:00:00Z", event_date="2026-01-16", quantity=3, amount=5.5, is_test=True),
            '{"event_id": 7, "user_id": "u7"',
        ],
    )
    raw.write("_SUCCESS", "")
    raw.write("README.txt", "not data")
    return Run(root, processing_job.main(job_arguments(root)))


@pytest.mark.spark
def test_summary_counts_every_row_read(first_run):
    summary = first_run.summary
    assert {key: summary[key] for key in ("rows_read", "valid", "quarantined", "duplicates_removed", "written")} == {
        "rows_read": 10,
        "valid": 6,
        "quarantined": 4,
        "duplicates_removed": 3,
        "written": 3,
    }
    assert summary["partition_columns"] == ["ingest_date"]


@pytest.mark.spark
def test_summary_is_printed_as_one_json_line(tmp_path, spark, processing_job, raw_files, capsys):
    raw_files(tmp_path / "raw" / DATASET).csv("a.csv", HEADER, [as_csv_row(event(1, "2026-01-15T10:00:00Z"))])
    summary = processing_job.main(job_arguments(tmp_path))
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [json.loads(line) for line in printed] == [summary]


@pytest.mark.spark
def test_output_is_parquet_with_the_declared_types(first_run, spark):
    types = dict(spark.read.parquet(str(first_run.root / "processed" / DATASET)).dtypes)
    assert types == {
        "event_id": "bigint",
        "user_id": "string",
        "event_type": "string",
        "quantity": "int",
        "amount": "double",
        "is_test": "boolean",
        "event_date": "date",
        "updated_at": "timestamp",
        "ingest_date": "date",
    }


@pytest.mark.spark
def test_output_is_partitioned_by_ingest_date_by_default(first_run):
    output = first_run.root / "processed" / DATASET
    assert sorted(path.name for path in output.iterdir() if path.is_dir()) == ["ingest_date=2026-01-20"]
    assert list((output / "ingest_date=2026-01-20").glob("*.parquet"))


@pytest.mark.spark
def test_duplicates_keep_the_latest_row(first_run, spark):
    rows = rows_by_id(spark, str(first_run.root / "processed" / DATASET))
    assert sorted(rows) == [1, 2, 6]
    assert rows[1]["event_type"] == "purchase"
    assert rows[1]["amount"] == 19.99
    assert rows[1]["updated_at"] == utc(2026, 1, 15, 12, 0)
    assert rows[6]["is_test"] is True
    assert rows[6]["event_date"] == date(2026, 1, 16)


@pytest.mark.spark
def test_blank_values_of_nullable_columns_are_nulls(first_run, spark):
    row = rows_by_id(spark, str(first_run.root / "processed" / DATASET))[2]
    assert (row["quantity"], row["amount"], row["is_test"]) == (None, None, None)


@pytest.mark.spark
def test_bad_rows_are_quarantined_with_their_reasons(first_run, spark):
    summary = first_run.summary
    assert summary["quarantine"].endswith(f"/{DATASET}/ingest_date=2026-01-20")
    rows = spark.read.parquet(str(first_run.root / "quarantine" / DATASET)).collect()
    reasons = {row["event_id"]: row["_quarantine_reason"] for row in rows}
    assert reasons["3"] == "user_id: null in a non-nullable column"
    assert reasons["4"] == "quantity: not a valid int"
    assert reasons["5"] == "is_test: not a valid boolean; event_date: not a valid date"
    malformed = next(row for row in rows if row["_corrupt_record"])
    assert malformed["_corrupt_record"] == '{"event_id": 7, "user_id": "u7"'
    assert "_corrupt_record: malformed record" in malformed["_quarantine_reason"]
    assert len(rows) == summary["quarantined"]
    # The raw text is kept, so that a rejected row can be fixed and replayed.
    row_4 = next(row for row in rows if row["event_id"] == "4")
    assert row_4["quantity"] == "two"
    assert row_4["_source_file"].endswith("2026/01/15/batch-1.csv")
    assert {row["ingest_date"] for row in rows} == {date(2026, 1, 20)}


@pytest.mark.spark
def test_rerun_on_the_same_input_gives_the_same_output(tmp_path, spark, processing_job, raw_files):
    raw = raw_files(tmp_path / "raw" / DATASET)
    raw.csv("a.csv", HEADER, [as_csv_row(event(i, "2026-01-15T10:00:00Z", f"2026-01-1{i}")) for i in (1, 2)])
    raw.json_lines("b.json", [event(1, "2026-01-15T11:00:00Z", "2026-01-11"), {"event_id": "x"}])
    arguments = job_arguments(tmp_path, partition_columns="event_date")

    def output() -> tuple[list, list, int]:
        rows = spark.read.parquet(str(tmp_path / "processed" / DATASET)).collect()
        partitions = sorted(path.name for path in (tmp_path / "processed" / DATASET).iterdir() if path.is_dir())
        return sorted(rows), partitions, spark.read.parquet(str(tmp_path / "quarantine" / DATASET)).count()

    first_summary = processing_job.main(arguments)
    first_output = output()
    assert processing_job.main(arguments) == first_summary
    assert output() == first_output
    assert first_output[1] == ["event_date=2026-01-11", "event_date=2026-01-12"]
    assert len(first_output[0]) == 2
    assert first_output[2] == 1


@pytest.mark.spark
def test_rerun_replaces_only_the_partitions_it_writes(tmp_path, spark, processing_job, raw_files):
    raw = raw_files(tmp_path / "raw" / DATASET)
    arguments = job_arguments(tmp_path, partition_columns="event_date")
    raw.csv(
        "day-1.csv",
        HEADER,
        [
            as_csv_row(event(1, "2026-01-15T10:00:00Z", "2026-01-15")),
            as_csv_row(event(2, "2026-01-16T10:00:00Z", "2026-01-16")),
            [3, "u3", "click", "bad", 1.0, "true", "2026-01-16", "2026-01-16T10:00:00Z"],
        ],
    )
    processing_job.main(arguments)
    (tmp_path / "raw" / DATASET / "day-1.csv").unlink()
    raw.csv("day-2.csv", HEADER, [as_csv_row(event(3, "2026-01-16T11:00:00Z", "2026-01-16"))])

    summary = processing_job.main(arguments)

    rows = rows_by_id(spark, str(tmp_path / "processed" / DATASET))
    assert sorted(rows) == [1, 3], "2026-01-15 is kept, 2026-01-16 holds the new run's rows only"
    assert rows[1]["event_date"] == date(2026, 1, 15)
    assert summary["quarantined"] == 0
    assert spark.read.parquet(str(tmp_path / "quarantine" / DATASET)).count() == 0, "the earlier rejects are cleared"


@pytest.mark.spark
@pytest.mark.parametrize("files", [[], ["notes.txt", "_SUCCESS"]])
def test_a_source_without_data_files_fails_the_run(tmp_path, spark, processing_job, raw_files, files):
    for name in files:
        raw_files(tmp_path / "raw" / DATASET).write(name, "")
    with pytest.raises(FileNotFoundError, match=r"no \.csv, \.json or \.jsonl file under .*/raw/events"):
        processing_job.main(job_arguments(tmp_path))
    assert not (tmp_path / "processed").exists()


@pytest.mark.spark
def test_cast_and_validate_types_good_values_and_names_each_bad_one(spark, processing_job):
    schema = processing_job.parse_schema(
        json.dumps(
            [
                {"name": "id", "type": "int", "nullable": False},
                {"name": "seen", "type": "timestamp", "nullable": True},
                {"name": "ok", "type": "boolean"},
            ]
        )
    )
    frame = spark.createDataFrame(
        [("1", "2026-01-15 10:00:00", "yes"), (" 2 ", "", None), (None, "yesterday", "true"), ("1.5", None, "f")],
        "id string, seen string, ok string",
    )

    valid, quarantined = processing_job.cast_and_validate(frame, schema)

    assert valid.dtypes == [("id", "int"), ("seen", "timestamp"), ("ok", "boolean")]
    assert sorted(valid.collect()) == [(1, utc(2026, 1, 15, 10, 0), True), (2, None, None)]
    assert {row["_quarantine_reason"]: row["id"] for row in quarantined.collect()} == {
        "id: null in a non-nullable column; seen: not a valid timestamp": None,
        "id: not a valid int": "1.5",
    }


@pytest.mark.spark
def test_deduplicate_keeps_the_latest_row_and_is_deterministic_without_an_order(spark, processing_job):
    frame = spark.createDataFrame(
        [(1, "a", 3), (1, "b", 5), (1, "c", None), (2, "z", 1), (2, "y", 1)],
        "id int, value string, version int",
    )

    latest = processing_job.deduplicate(frame, ["id"], "version")
    any_one = processing_job.deduplicate(frame, ["id"])

    assert sorted(latest.collect()) == [(1, "b", 5), (2, "y", 1)]
    assert sorted(any_one.collect()) == [(1, "a", 3), (2, "y", 1)]
    with pytest.raises(ValueError, match="no such column to deduplicate on: missing"):
        processing_job.deduplicate(frame, ["id"], "missing")


def test_arguments_are_read_like_glue_reads_them(processing_job):
    arguments = processing_job.parse_arguments(job_arguments(Path("/data"), order_column="updated_at"))
    assert arguments["source_path"] == "file:///data/raw/"
    assert arguments["key_columns"] == "event_id"
    assert arguments["partition_columns"] == ""
    assert "JOB_ID" not in arguments
    with pytest.raises(SystemExit):
        processing_job.parse_arguments(["--dataset", "events"])


def test_on_glue_the_arguments_go_through_get_resolved_options(monkeypatch, import_job_again, processing_job):
    requested = []

    def get_resolved_options(args, options):
        """Like awsglue.utils.getResolvedOptions: every option is required, args[0] is the script."""
        requested.append(list(options))
        parser = argparse.ArgumentParser()
        for option in options:
            parser.add_argument(f"--{option}", required=True)
        return vars(parser.parse_known_args(args[1:])[0])

    awsglue = argparse.Namespace(utils=argparse.Namespace(getResolvedOptions=get_resolved_options))
    monkeypatch.setitem(sys.modules, "awsglue", awsglue)
    monkeypatch.setitem(sys.modules, "awsglue.utils", awsglue.utils)
    on_glue = import_job_again("job_arguments")
    monkeypatch.setattr(processing_job, "job_arguments", on_glue)

    argv = [token for token in job_arguments(Path("/data")) if token not in ("--ingest_date", "2026-01-20")]
    arguments = processing_job.parse_arguments(argv)

    assert requested == [[*processing_job.REQUIRED_ARGUMENTS, "order_column"]]
    assert arguments["order_column"] == "updated_at"
    assert arguments["ingest_date"] == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"schema": '[{"name": "id", "type": "decimal"}]'}, "type 'decimal', not one of string, int"),
        ({"schema": '[{"name": "id", "type": "int", "nullable": "no"}]'}, "nullable that is not true or false"),
        ({"key_columns": " , "}, "--key_columns names no column"),
        ({"key_columns": "event_id,nope"}, "columns not declared in --schema: nope"),
        ({"partition_columns": "day"}, "columns not declared in --schema: day"),
        ({"ingest_date": "20 Jan"}, "Invalid isoformat string"),
    ],
)
def test_inconsistent_arguments_fail_before_any_spark_work(processing_job, overrides, message):
    arguments = processing_job.parse_arguments(job_arguments(Path("/data"), **overrides))
    with pytest.raises(ValueError, match=message):
        processing_job.settings_from(arguments)


def test_settings_place_each_dataset_under_its_prefixes(processing_job):
    settings = processing_job.settings_from(
        processing_job.parse_arguments(job_arguments(Path("/data"), partition_columns=" event_date , ingest_date"))
    )
    assert settings.source_uri == "file:///data/raw/events"
    assert settings.target_uri == "file:///data/processed/events"
    assert settings.quarantine_uri == "/data/quarantine/events/ingest_date=2026-01-20"
    assert settings.partition_columns == ["event_date", "ingest_date"]
