"""glue_trigger's planning and the requests it sends, UpdateTrigger included (the emulator lacks it)."""

from __future__ import annotations

import pytest

from ansible_collections.dataeng.platform.plugins.modules import glue_trigger as module
from support.module_requests import shown

PROCESSING = "dataeng-dev-data-processing"
QUALITY = "dataeng-dev-data-quality"

# get_trigger's answer for the pipeline's conditional trigger.
GLUE_TRIGGER = {
    "Name": "dataeng-dev-quality-after-processing",
    "WorkflowName": "dataeng-dev-data-pipeline",
    "Type": "CONDITIONAL",
    "State": "ACTIVATED",
    "Actions": [{"JobName": QUALITY, "Timeout": 30}],
    "Predicate": {"Conditions": [{"LogicalOperator": "EQUALS", "JobName": PROCESSING, "State": "SUCCEEDED"}]},
}


def params(**overrides):
    base = {
        "name": "dataeng-dev-quality-after-processing",
        "state": "present",
        "type": "CONDITIONAL",
        "workflow_name": "dataeng-dev-data-pipeline",
        "description": "",
        "schedule": None,
        "predicate": {
            "logical": "AND",
            "conditions": [{"job_name": PROCESSING, "crawler_name": None, "state": "SUCCEEDED"}],
        },
        "actions": [{"job_name": QUALITY, "crawler_name": None, "arguments": None, "timeout": 30}],
        "enabled": True,
        "tags": {"Environment": "dev"},
        "purge_tags": True,
    }
    return {**base, **overrides}


def current(**overrides):
    return {**module.from_glue(GLUE_TRIGGER), "tags": {"Environment": "dev"}, **overrides}


def test_what_glue_returns_reads_back_as_what_was_asked():
    assert shown(module.plan_trigger(current(), params())) == []


@pytest.mark.parametrize(
    ("overrides", "actions"),
    [
        ({"description": "Quality once processing succeeded"}, ["update_trigger"]),
        ({"actions": [{"job_name": QUALITY, "timeout": 45}]}, ["update_trigger"]),
        (
            {"predicate": {"logical": "AND", "conditions": [{"job_name": PROCESSING, "state": "FAILED"}]}},
            ["update_trigger"],
        ),
        ({"enabled": False}, ["stop_trigger"]),
        ({"tags": {"Environment": "dev", "Owner": "data"}}, ["tag_resource"]),
        ({"tags": {}}, ["untag_resource"]),
        ({"tags": None}, []),
        ({"workflow_name": "other-pipeline"}, ["delete_trigger", "create_trigger"]),
        (
            {"type": "SCHEDULED", "schedule": "cron(0 2 * * ? *)", "predicate": None},
            ["delete_trigger", "create_trigger"],
        ),
    ],
)
def test_each_difference_maps_to_its_api_calls(overrides, actions):
    assert shown(module.plan_trigger(current(), params(**overrides))) == actions


def test_a_stopped_trigger_is_started_again():
    assert shown(module.plan_trigger(current(enabled=False, trigger_state="DEACTIVATED"), params())) == [
        "start_trigger"
    ]


def test_on_demand_triggers_have_no_enabled_state():
    on_demand = {**GLUE_TRIGGER, "Type": "ON_DEMAND", "State": "CREATED", "Predicate": {}}
    assert (
        module.plan_trigger(
            {**module.from_glue(on_demand), "tags": {}},
            params(type="ON_DEMAND", predicate=None, enabled=False, tags={}),
        )
        == []
    )


def test_update_request_carries_every_in_place_setting():
    request = module.update_request(params(description="checked", actions=[{"job_name": QUALITY, "timeout": 45}]))
    assert request == {
        "Name": "dataeng-dev-quality-after-processing",
        "TriggerUpdate": {
            "Name": "dataeng-dev-quality-after-processing",
            "Description": "checked",
            "Actions": [{"JobName": QUALITY, "Timeout": 45}],
            "Predicate": {
                "Logical": "AND",
                "Conditions": [{"LogicalOperator": "EQUALS", "JobName": PROCESSING, "State": "SUCCEEDED"}],
            },
        },
    }


def test_create_request_for_a_crawler_condition_uses_crawl_state():
    request = module.create_request(
        params(
            predicate={
                "logical": "ANY",
                "conditions": [
                    {"crawler_name": "raw", "state": "SUCCEEDED"},
                    {"job_name": PROCESSING, "state": "FAILED"},
                ],
            }
        ),
        {"Environment": "dev"},
    )
    assert request["Predicate"] == {
        "Logical": "ANY",
        "Conditions": [
            {"LogicalOperator": "EQUALS", "CrawlerName": "raw", "CrawlState": "SUCCEEDED"},
            {"LogicalOperator": "EQUALS", "JobName": PROCESSING, "State": "FAILED"},
        ],
    }
    assert request["StartOnCreation"] is True
    assert request["WorkflowName"] == "dataeng-dev-data-pipeline"
    assert request["Tags"] == {"Environment": "dev"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"actions": []}, "actions must name at least one job or crawler"),
        ({"actions": [{"job_name": "a", "crawler_name": "b"}]}, "exactly one of job_name or crawler_name"),
        ({"actions": [{"crawler_name": "raw", "timeout": 5}]}, "job actions only"),
        ({"type": "SCHEDULED", "predicate": None}, "a SCHEDULED trigger needs a schedule"),
        ({"schedule": "cron(0 2 * * ? *)"}, "schedule applies to SCHEDULED triggers only"),
        ({"predicate": None}, "a CONDITIONAL trigger needs predicate.conditions"),
        ({"type": "ON_DEMAND"}, "predicate applies to CONDITIONAL triggers only"),
        ({"predicate": {"logical": "AND", "conditions": [{}]}}, "predicate.conditions needs exactly one"),
    ],
)
def test_inconsistent_requests_are_refused_before_any_call(overrides, message):
    assert message in module.check_params(params(**overrides))


def test_absent_needs_nothing_but_the_name():
    assert module.check_params({"name": "x", "state": "absent"}) is None
