"""glue_database and glue_workflow: what they change, and the requests they send."""

from __future__ import annotations

import pytest

from ansible_collections.dataeng.platform.plugins.module_utils import tags
from ansible_collections.dataeng.platform.plugins.modules import glue_database, glue_info, glue_workflow
from support.module_requests import shown

DATABASE = {"name": "dev_data_lake_catalog", "description": "Tables", "location_uri": "", "parameters": {}}
WORKFLOW = {"name": "pipeline", "description": "Chain", "default_run_properties": {}, "max_concurrent_runs": 1}


def with_tags(settings, tags=None, purge=True):
    return {**settings, "tags": tags, "purge_tags": purge}


@pytest.mark.parametrize(
    ("change", "actions"),
    [
        ({}, []),
        ({"description": "Other"}, ["update_database"]),
        ({"location_uri": "s3://lake/processed/"}, ["update_database"]),
        ({"parameters": {"classification": "parquet"}}, ["update_database"]),
    ],
)
def test_database_settings_map_to_update_database(change, actions):
    current = {**DATABASE, "tags": {}}
    assert shown(glue_database.plan_database(current, with_tags({**DATABASE, **change}))) == actions


def test_database_input_leaves_out_empty_settings():
    assert glue_database.database_input(DATABASE) == {
        "Name": "dev_data_lake_catalog",
        "Description": "Tables",
        "Parameters": {},
    }


@pytest.mark.parametrize(
    ("change", "actions"),
    [
        ({}, []),
        ({"max_concurrent_runs": 2}, ["update_workflow"]),
        ({"default_run_properties": {"environment": "dev"}}, ["update_workflow"]),
    ],
)
def test_workflow_settings_map_to_update_workflow(change, actions):
    current = {**WORKFLOW, "tags": {}}
    assert shown(glue_workflow.plan_workflow(current, with_tags({**WORKFLOW, **change}))) == actions


def test_unlimited_runs_send_no_limit():
    assert "MaxConcurrentRuns" not in glue_workflow.workflow_request({**WORKFLOW, "max_concurrent_runs": 0})
    assert glue_workflow.settings_of({"Name": "pipeline"})["max_concurrent_runs"] == 0


@pytest.mark.parametrize(
    ("current", "asked", "purge", "calls", "after"),
    [
        ({"A": "1"}, None, True, [], {"A": "1"}),
        ({"A": "1"}, {"A": "1"}, True, [], {"A": "1"}),
        ({"A": "1"}, {"B": "2"}, True, ["untag_resource", "tag_resource"], {"B": "2"}),
        ({"A": "1"}, {"B": "2"}, False, ["tag_resource"], {"A": "1", "B": "2"}),
        ({"A": "1"}, {}, True, ["untag_resource"], {}),
    ],
)
def test_tags_plan_and_expectation_agree(current, asked, purge, calls, after):
    assert shown(tags.plan_tags(current, asked, purge)) == calls
    assert tags.expected_tags(current, asked, purge) == after


def test_glue_info_asks_for_at_most_25_names_a_call():
    names = [f"job-{index}" for index in range(60)]
    assert [len(chunk) for chunk in glue_info.chunks(names)] == [25, 25, 10]
    assert glue_info.by_name([{"Name": "a", "MaxConcurrentRuns": 1}]) == {"a": {"name": "a", "max_concurrent_runs": 1}}
