"""The pure parts of the local Glue runner (plugins/module_utils/glue_local.py): the workflow's order, the predicates,
the staging of S3 paths and what a run's output changes in S3."""

from __future__ import annotations

import hashlib

import pytest

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
