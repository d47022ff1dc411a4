"""The pure parts of the local Glue runner (plugins/module_utils/glue_local.py): the workflow's order, the predicates,
the staging of S3 paths and what a run's output changes in S3."""

from __future__ import annotations

import hashlib

import pyarrow
import pytest
from pyarrow import parquet

from ansible_collections.dataeng.platform.plugins.module_utils import glue_local

START = {
    "Name": "dataeng-dev-start-processing",
    "Type": "ON_DEMAND",
    "Actions": [
        {"JobName": "dataeng-dev-data-processing", "Arguments": {"--dataset": "events"}},
        {"JobName": "dataeng-dev-data-processing", "Arguments": {"--dataset": "orders"}},
    ],
}
QUALITY = {
    "Name": "dataeng-dev-quality-after-processing",
    "Type": "CONDITIONAL",
    "Predicate": {"Conditions": [{"JobName": "dataeng-dev-data-processing", "State": "SUCCEEDED"}]},
    "Actions": [{"JobName": "dataeng-dev-data-quality", "Arguments": {"--dataset": "events"}}],
}
PUBLISH = {
    "Name": "dataeng-dev-publish-after-quality",
    "Type": "CONDITIONAL",
    "Predicate": {"Conditions": [{"JobName": "dataeng-dev-data-quality", "State": "SUCCEEDED"}]},
    "Actions": [{"JobName": "dataeng-dev-data-publish"}],
}


def test_a_run_fires_the_on_demand_trigger_first_then_each_conditional_one_after_what_it_watches():
    stages = glue_local.workflow_stages([PUBLISH, QUALITY, START])
    assert [stage.trigger for stage in stages] == [START["Name"], QUALITY["Name"], PUBLISH["Name"]]
    assert stages[0].predicate is None
    assert stages[0].actions == (
        glue_local.Action("dataeng-dev-data-processing", {"--dataset": "events"}),
        glue_local.Action("dataeng-dev-data-processing", {"--dataset": "orders"}),
    )


@pytest.mark.parametrize(
    ("triggers", "message"),
    [
        ([QUALITY], "one ON_DEMAND trigger; the workflow has 0"),
        ([START, dict(START, Name="again")], "one ON_DEMAND trigger; the workflow has 2"),
        ([START, PUBLISH], "watch jobs no trigger before them starts: dataeng-dev-publish-after-quality"),
    ],
)
def test_a_workflow_no_run_could_go_through_is_refused(triggers, message):
    with pytest.raises(ValueError, match=message):
        glue_local.workflow_stages(triggers)


def test_a_condition_holds_when_every_run_of_its_job_ended_in_its_state():
    predicate = QUALITY["Predicate"]
    processing = "dataeng-dev-data-processing"
    assert glue_local.predicate_holds(predicate, {processing: ["SUCCEEDED", "SUCCEEDED"]})
    assert not glue_local.predicate_holds(predicate, {processing: ["SUCCEEDED", "FAILED"]})
    # A job that did not run at all satisfies nothing.
    assert not glue_local.predicate_holds(predicate, {})


def test_logical_any_needs_one_condition_and_the_default_every_one():
    conditions = [{"JobName": "a", "State": "SUCCEEDED"}, {"JobName": "b", "State": "FAILED"}]
    states = {"a": ["SUCCEEDED"], "b": ["SUCCEEDED"]}
    assert not glue_local.predicate_holds({"Conditions": conditions}, states)
    assert glue_local.predicate_holds({"Logical": "ANY", "Conditions": conditions}, states)


def test_s3_arguments_are_staged_as_local_folders_and_named_for_the_reconciliation():
    arguments = {
        "--source_path": "s3://lake/raw/",
        "--target_path": "s3://lake/processed/",
        "--dataset": "events",
        "--schema": '[{"name": "id", "type": "string"}]',
    }
    local, prefixes = glue_local.staged_arguments(arguments, "/tmp/stage")
    assert local == {
        "--source_path": "/tmp/stage/lake/raw/",
        "--target_path": "/tmp/stage/lake/processed/",
        "--dataset": "events",
        "--schema": '[{"name": "id", "type": "string"}]',
    }
    assert prefixes == ["s3://lake/processed/", "s3://lake/raw/"]


def test_a_prefix_within_another_is_staged_with_it_once():
    arguments = {"--target_path": "s3://lake/processed/", "--quarantine_path": "s3://lake/processed/_quarantine/"}
    local, prefixes = glue_local.staged_arguments(arguments, "/tmp/stage")
    assert local["--quarantine_path"] == "/tmp/stage/lake/processed/_quarantine/"
    assert prefixes == ["s3://lake/processed/"]


def test_a_jobs_summary_names_s3_not_the_staging_folder():
    summary = {"target": "/tmp/stage/lake/processed/events", "written": 2}
    assert glue_local.unstaged(summary, "/tmp/stage") == {"target": "s3://lake/processed/events", "written": 2}


def test_a_part_file_spark_wrote_is_named_after_its_data():
    written = "part-00000-81ffcbfa-98d5-5203-0675-bc2bb0b12e7b.c000.snappy.parquet"
    named = glue_local.content_name(written, "0" * 32)
    assert named == f"part-00000-{'0' * 32}.c000.snappy.parquet"
    assert glue_local.named_after_data(f"processed/events/{named}")
    # Already named so (downloaded from S3), or not Spark's: kept.
    assert glue_local.content_name(named, "1" * 32) == named
    assert glue_local.content_name("_SUCCESS", "1" * 32) == "_SUCCESS"
    assert not glue_local.named_after_data(f"processed/events/{written}")
    assert not glue_local.uploadable("processed/events/.part-00000.snappy.parquet.crc")


def test_a_part_file_named_after_its_data_is_kept_whatever_its_bytes():
    key = f"processed/events/part-00000-{'0' * 32}.c000.snappy.parquet"
    assert glue_local.reconciliation({key: "a" * 32}, {key: '"' + "b" * 32 + '"'}) == ([], [])


def test_the_same_rows_written_twice_have_one_fingerprint_and_staged_paths_become_s3_uris(tmp_path):
    rows = {"event_id": ["e3"], "_source_file": ["file:///tmp/stage/lake/raw/events/a.csv"]}
    first, second = tmp_path / "first.parquet", tmp_path / "second.parquet"
    parquet.write_table(pyarrow.table(rows), first)
    parquet.write_table(pyarrow.table(rows), second, compression="gzip")
    assert glue_local.parquet_fingerprint(first) == glue_local.parquet_fingerprint(second)
    assert glue_local.unstage_parquet(first, "/tmp/stage")
    assert parquet.read_table(first).to_pylist() == [{"event_id": "e3", "_source_file": "s3://lake/raw/events/a.csv"}]
    assert glue_local.parquet_fingerprint(first) != glue_local.parquet_fingerprint(second)
    assert not glue_local.unstage_parquet(first, "/tmp/stage")


def test_a_failed_runs_message_is_the_exception_the_script_raised():
    output = "\n".join(
        ["INFO starting", "Traceback (most recent call last):", "  File x", "ValueError: no input file", "INFO stop"]
    )
    assert glue_local.last_error(output) == "ValueError: no input file"
    assert glue_local.last_json_line('log\n{"rows_read": 3}\n{broken\n') == {"rows_read": 3}


def test_a_spark_failure_is_told_by_its_deepest_java_exception_with_s3_paths():
    output = "\n".join(
        [
            "Traceback (most recent call last):",
            "py4j.protocol.Py4JJavaError: An error occurred while calling o102.count.",
            ": org.apache.spark.SparkException: Job aborted due to stage failure: Task 0 failed 1 times, most recent "
            "failure: Lost task 0.0: java.lang.IllegalArgumentException: CSV header does not conform to the schema.",
            " Header: id, ",
            "CSV file: file:///tmp/stage/lake/raw/events/b.csv",
            "\tat org.apache.spark.sql.catalyst.csv.CSVHeaderChecker.checkHeaderColumnNames(CSVHeaderChecker.scala:71)",
        ]
    )
    message = glue_local.unstaged_text(glue_local.last_error(output), "/tmp/stage")
    assert message == (
        "java.lang.IllegalArgumentException: CSV header does not conform to the schema. Header: id, "
        "CSV file: s3://lake/raw/events/b.csv"
    )


@pytest.mark.parametrize(
    ("uri", "message"),
    [("lake/raw/", "not an s3://"), ("s3:///raw/", "no bucket"), ("file:///tmp/raw/", "not an s3://")],
)
def test_only_an_s3_uri_with_a_bucket_is_staged(uri, message):
    with pytest.raises(ValueError, match=message):
        glue_local.staged_path(uri, "/tmp/stage")


def test_only_what_differs_is_uploaded_and_only_what_the_run_removed_is_deleted(tmp_path):
    same, new = tmp_path / "same.parquet", tmp_path / "new.parquet"
    same.write_bytes(b"kept")
    new.write_bytes(b"written")
    local = {"p/same.parquet": glue_local.md5_of(same), "p/new.parquet": glue_local.md5_of(new)}
    remote = {
        # S3 quotes its ETags.
        "p/same.parquet": '"' + hashlib.md5(b"kept").hexdigest() + '"',
        "p/new.parquet": '"' + hashlib.md5(b"older").hexdigest() + '"',
        "p/gone.parquet": '"0"',
    }
    assert glue_local.reconciliation(local, remote) == (["p/new.parquet"], ["p/gone.parquet"])
    assert glue_local.reconciliation(local, {key: f'"{md5}"' for key, md5 in local.items()}) == ([], [])


def test_a_report_the_job_wrote_names_s3_not_the_staging_folder(tmp_path):
    root = str(tmp_path / "glue-run-1")
    report = tmp_path / "report.json"
    report.write_text(f'{{"source_path": "{root}/lake/processed/events/", "published_to": "file://{root}/lake/c/"}}')
    binary = tmp_path / "data.bin"
    binary.write_bytes(b"\xff\xfe" + root.encode())

    assert glue_local.unstage_text_file(str(report), root) is True
    assert report.read_text() == '{"source_path": "s3://lake/processed/events/", "published_to": "s3://lake/c/"}'
    assert glue_local.unstage_text_file(str(report), root) is False, "nothing left to rewrite"
    assert glue_local.unstage_text_file(str(binary), root) is False
    assert binary.read_bytes() == b"\xff\xfe" + root.encode()
