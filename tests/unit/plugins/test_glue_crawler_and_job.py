"""glue_crawler and glue_job: what Glue returns reads back equal, and the update requests they send
(the emulator has neither UpdateCrawler nor UpdateJob)."""

from __future__ import annotations

import pytest

from ansible_collections.dataeng.platform.plugins.module_utils.glue import same_role
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import RefusedChange
from ansible_collections.dataeng.platform.plugins.modules import glue_crawler, glue_job, glue_run
from support.botocore_shape import MalformedRequest
from support.module_requests import shown

ROLE_ARN = "arn:aws:iam::123456789012:role/dataeng-dev-glue-service"

CRAWLER_PARAMS = {
    "name": "dataeng-dev-raw",
    "state": "present",
    "role": "dataeng-dev-glue-service",
    "database_name": "dev_data_lake_catalog",
    "description": "",
    "s3_targets": [{"path": "s3://lake/raw/", "exclusions": []}],
    "schedule": "",
    "table_prefix": "raw_",
    "recrawl_behavior": "CRAWL_EVERYTHING",
    "update_behavior": "UPDATE_IN_DATABASE",
    "delete_behavior": "DEPRECATE_IN_DATABASE",
    "configuration": {"Version": 1.0},
    "security_configuration": "",
    "tags": None,
    "purge_tags": True,
}
GLUE_CRAWLER = {
    "Name": "dataeng-dev-raw",
    "Role": ROLE_ARN,
    "DatabaseName": "dev_data_lake_catalog",
    "Targets": {"S3Targets": [{"Path": "s3://lake/raw/", "Exclusions": []}]},
    "TablePrefix": "raw_",
    "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVERYTHING"},
    "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DEPRECATE_IN_DATABASE"},
    "Configuration": '{"Version": 1.0}',
    "State": "READY",
}


def crawler_now(**overrides):
    return {**glue_crawler.from_glue({**GLUE_CRAWLER, **overrides}), "tags": {}}


def test_a_crawler_as_glue_returns_it_needs_no_update():
    assert shown(glue_crawler.plan_crawler(crawler_now(), CRAWLER_PARAMS)) == []


def test_a_schedule_is_an_update_and_its_request_carries_every_setting():
    params = {**CRAWLER_PARAMS, "schedule": "cron(0 2 * * ? *)"}
    assert shown(glue_crawler.plan_crawler(crawler_now(), params)) == ["update_crawler"]
    assert glue_crawler.crawler_request(params, update=True) == {
        "Name": "dataeng-dev-raw",
        "Role": "dataeng-dev-glue-service",
        "DatabaseName": "dev_data_lake_catalog",
        "Description": "",
        "Targets": {"S3Targets": [{"Path": "s3://lake/raw/", "Exclusions": []}]},
        "Schedule": "cron(0 2 * * ? *)",
        "TablePrefix": "raw_",
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVERYTHING"},
        "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DEPRECATE_IN_DATABASE"},
        "Configuration": '{"Version": 1.0}',
        "CrawlerSecurityConfiguration": "",
    }


def test_an_on_demand_crawler_is_created_without_a_schedule_and_an_update_removes_one():
    assert "Schedule" not in glue_crawler.crawler_request(CRAWLER_PARAMS)
    assert glue_crawler.crawler_request(CRAWLER_PARAMS, update=True)["Schedule"] == ""
    scheduled = crawler_now(Schedule={"ScheduleExpression": "cron(0 2 * * ? *)", "State": "SCHEDULED"})
    assert shown(glue_crawler.plan_crawler(scheduled, CRAWLER_PARAMS)) == ["update_crawler"]


def test_a_crawler_is_created_with_its_security_configuration_and_an_update_removes_one():
    assert "CrawlerSecurityConfiguration" not in glue_crawler.crawler_request(CRAWLER_PARAMS)
    encrypted = {**CRAWLER_PARAMS, "security_configuration": "dataeng-dev-glue-kms"}
    assert glue_crawler.crawler_request(encrypted)["CrawlerSecurityConfiguration"] == "dataeng-dev-glue-kms"
    encrypted_now = crawler_now(CrawlerSecurityConfiguration="dataeng-dev-glue-kms")
    assert shown(glue_crawler.plan_crawler(crawler_now(), encrypted)) == ["update_crawler"]
    assert shown(glue_crawler.plan_crawler(encrypted_now, encrypted)) == []
    assert shown(glue_crawler.plan_crawler(encrypted_now, CRAWLER_PARAMS)) == ["update_crawler"]


def test_a_running_crawler_is_not_updated():
    with pytest.raises(RefusedChange, match="RUNNING"):
        glue_crawler.plan_crawler(crawler_now(State="RUNNING"), {**CRAWLER_PARAMS, "table_prefix": ""})


def test_new_folders_only_needs_log_policies():
    message = glue_crawler.check_params({**CRAWLER_PARAMS, "recrawl_behavior": "CRAWL_NEW_FOLDERS_ONLY"})
    assert "update_behavior=LOG and delete_behavior=LOG" in message


@pytest.mark.parametrize(
    ("reported", "asked", "same"),
    [
        (ROLE_ARN, "dataeng-dev-glue-service", True),
        ("dataeng-dev-glue-service", ROLE_ARN, True),
        (ROLE_ARN, ROLE_ARN, True),
        (ROLE_ARN, "other-role", False),
        (ROLE_ARN, "glue-service", False),
    ],
)
def test_roles_compare_by_name_or_arn(reported, asked, same):
    assert same_role(reported, asked) is same


JOB_PARAMS = {
    "name": "dataeng-dev-data-processing",
    "state": "present",
    "role": ROLE_ARN,
    "description": "",
    "command_name": "glueetl",
    "script_location": "s3://scripts/scripts/data_processing.py",
    "python_version": "3",
    "glue_version": "5.0",
    "worker_type": "G.1X",
    "number_of_workers": 2,
    "max_capacity": 0.0625,
    "execution_class": "STANDARD",
    "timeout": 60,
    "max_retries": 0,
    "max_concurrent_runs": 1,
    "default_arguments": {"--dataset": "events"},
    "security_configuration": "",
    "tags": None,
    "purge_tags": True,
}
GLUE_JOB = {
    "Name": "dataeng-dev-data-processing",
    "Role": ROLE_ARN,
    "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts/scripts/data_processing.py", "PythonVersion": "3"},
    "DefaultArguments": {"--dataset": "events"},
    "ExecutionProperty": {"MaxConcurrentRuns": 1},
    "MaxRetries": 0,
    "Timeout": 60,
    "MaxCapacity": 2.0,  # Glue reports the workers' DPUs here for a Spark job
    "WorkerType": "G.1X",
    "NumberOfWorkers": 2,
    "GlueVersion": "5.0",
    "ExecutionClass": "STANDARD",
}


def job_now(**overrides):
    return {**glue_job.from_glue({**GLUE_JOB, **overrides}), "tags": {}}


def test_a_job_as_glue_returns_it_needs_no_update():
    assert shown(glue_job.plan_job(job_now(), JOB_PARAMS)) == []


@pytest.mark.parametrize(
    "change",
    [{"timeout": 30}, {"execution_class": "FLEX"}, {"number_of_workers": 3}, {"default_arguments": {}}],
)
def test_each_setting_is_an_update(change):
    assert shown(glue_job.plan_job(job_now(), {**JOB_PARAMS, **change})) == ["update_job"]


def test_an_update_leaves_the_tags_alone_when_the_task_gives_none():
    """The plan (and so check mode and the diff) keeps the tags; the update must not purge them either."""
    tagged = {**job_now(), "tags": {"Owner": "data"}}
    assert shown(glue_job.plan_job(tagged, {**JOB_PARAMS, "timeout": 30, "tags": None})) == ["update_job"]


def test_the_update_request_is_a_whole_job_update():
    request = glue_job.update_request({**JOB_PARAMS, "execution_class": "FLEX"})
    assert request == {
        "JobName": "dataeng-dev-data-processing",
        "JobUpdate": {
            "Role": ROLE_ARN,
            "Description": "",
            "Command": {
                "Name": "glueetl",
                "ScriptLocation": "s3://scripts/scripts/data_processing.py",
                "PythonVersion": "3",
            },
            "DefaultArguments": {"--dataset": "events"},
            "ExecutionProperty": {"MaxConcurrentRuns": 1},
            "MaxRetries": 0,
            "Timeout": 60,
            "GlueVersion": "5.0",
            "WorkerType": "G.1X",
            "NumberOfWorkers": 2,
            "ExecutionClass": "FLEX",
        },
    }


def test_a_misspelt_job_update_fails_its_plan_even_where_the_expected_dict_agrees_with_it(monkeypatch):
    """What a hand-written expected dict cannot see: the module and its test sharing one mistake (the emulator has
    no UpdateJob to refuse it); tests/unit/plugins/conftest.py replays every plan against botocore's model."""
    settings = glue_job.job_settings

    def misspelt(params):
        broken = settings(params)
        broken["WorkersType"] = broken.pop("WorkerType")
        return broken

    monkeypatch.setattr(glue_job, "job_settings", misspelt)
    with pytest.raises(MalformedRequest, match='Unknown parameter in JobUpdate: "WorkersType"'):
        glue_job.plan_job(job_now(), {**JOB_PARAMS, "timeout": 30})


def test_a_job_names_its_security_configuration_and_a_whole_job_update_without_it_removes_it():
    encrypted = {**JOB_PARAMS, "security_configuration": "dataeng-dev-glue-kms"}
    assert glue_job.job_settings(encrypted)["SecurityConfiguration"] == "dataeng-dev-glue-kms"
    assert shown(glue_job.plan_job(job_now(), encrypted)) == ["update_job"]
    assert shown(glue_job.plan_job(job_now(SecurityConfiguration="dataeng-dev-glue-kms"), encrypted)) == []
    assert shown(glue_job.plan_job(job_now(SecurityConfiguration="dataeng-dev-glue-kms"), JOB_PARAMS)) == ["update_job"]
    assert "SecurityConfiguration" not in glue_job.job_settings(JOB_PARAMS)


def test_a_python_shell_job_sends_capacity_not_workers():
    settings = glue_job.job_settings({**JOB_PARAMS, "command_name": "pythonshell", "max_capacity": 1.0})
    assert settings["MaxCapacity"] == 1.0
    assert not {"WorkerType", "NumberOfWorkers", "GlueVersion", "ExecutionClass"} & set(settings)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"script_location": "/tmp/job.py"}, "script_location must be an S3 URI"),
        ({"number_of_workers": 1}, "number_of_workers must be at least 2"),
        ({"command_name": "pythonshell", "execution_class": "FLEX"}, "FLEX applies to glueetl jobs only"),
        ({"timeout": 0}, "timeout and max_concurrent_runs must be at least 1"),
        ({"default_arguments": {"dataset": "events"}}, "default_arguments names must start with --: dataset"),
    ],
)
def test_bad_job_settings_are_refused_before_any_call(change, message):
    assert message in glue_job.check_params({**JOB_PARAMS, **change})


@pytest.mark.parametrize(
    ("kind", "status", "statistics", "why"),
    [
        ("job", "SUCCEEDED", {}, None),
        ("job", "FAILED", {}, "ended FAILED"),
        ("crawler", "COMPLETED", {}, None),
        ("crawler", "STOPPED", {}, "ended STOPPED"),
        ("workflow", "COMPLETED", {"TotalActions": 2, "SucceededActions": 2}, None),
        (
            "workflow",
            "COMPLETED",
            {"TotalActions": 2, "SucceededActions": 1, "FailedActions": 1},
            "completed, but 1 failed",
        ),
        ("workflow", "COMPLETED", {"TimeoutActions": 1, "StoppedActions": 1}, "completed, but 1 stopped, 1 timeout"),
        ("workflow", "ERROR", {}, "ended ERROR"),
    ],
)
def test_a_run_succeeds_only_when_every_action_did(kind, status, statistics, why):
    assert glue_run.failure(kind, status, statistics) == why
