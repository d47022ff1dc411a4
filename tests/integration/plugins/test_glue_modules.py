"""glue_database, glue_workflow and glue_trigger against the emulator.

Each: check mode on nothing, create, no-op rerun, a change (predicted in check mode, then made),
absent, absent again. moto 5.2.5 has no UpdateTrigger: for a trigger, the in-place update is
checked as far as the plan (check mode), the request itself in tests/unit; a change of type
(delete and create again) runs for real.
"""

from __future__ import annotations

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
TAGS = {"Environment": "test"}


def glue_tags(aws, kind: str, name: str) -> dict:
    account = aws.sts.get_caller_identity()["Account"]
    return aws.glue.get_tags(ResourceArn=f"arn:aws:glue:us-east-2:{account}:{kind}/{name}")["Tags"]


def assert_lifecycle(emulator, module: str, base: dict, change: dict, exists, result_key: str) -> dict:
    """The steps every module goes through; `exists()` reads the emulator. Returns the changed result."""
    planned = run_module(emulator, module, base, check=True)
    assert planned["changed"] is True, planned.get("msg")
    assert not exists()

    created = run_module(emulator, module, base)
    assert created["changed"] is True, created.get("msg")
    assert exists()
    assert run_module(emulator, module, base)["changed"] is False

    predicted = run_module(emulator, module, {**base, **change}, check=True, diff=True)
    assert predicted["changed"] is True, predicted.get("msg")
    assert predicted["diff"]["before"] == created[result_key]
    assert run_module(emulator, module, base)["changed"] is False, "check mode changed the resource"

    changed = run_module(emulator, module, {**base, **change})
    assert changed["changed"] is True, changed.get("msg")
    assert run_module(emulator, module, {**base, **change})["changed"] is False

    absent = {"name": base["name"], "state": "absent"}
    assert run_module(emulator, module, absent, check=True)["changed"] is True
    assert exists()
    assert run_module(emulator, module, absent)["changed"] is True
    assert not exists()
    assert run_module(emulator, module, absent)["changed"] is False
    return changed


def test_glue_database(aws_emulator):
    aws = Aws(aws_emulator)
    base = {"name": "it_catalog", "description": "Tables", "location_uri": "s3://it-lake/processed/", "tags": TAGS}

    def exists():
        return "it_catalog" in [database["Name"] for database in aws.glue.get_databases()["DatabaseList"]]

    change = {"description": "Curated tables", "tags": {**TAGS, "Owner": "data"}}
    changed = assert_lifecycle(aws_emulator, "dataeng.platform.glue_database", base, change, exists, "database")
    assert changed["actions"] == ["update_database", "tag_resource"]
    assert changed["database"]["description"] == "Curated tables"
    assert changed["database"]["location_uri"] == "s3://it-lake/processed/"
    assert changed["database"]["tags"] == {"Environment": "test", "Owner": "data"}


def test_glue_workflow(aws_emulator):
    aws = Aws(aws_emulator)
    base = {"name": "it-pipeline", "description": "Chain", "max_concurrent_runs": 1, "tags": TAGS}

    def exists():
        return "it-pipeline" in aws.glue.list_workflows()["Workflows"]

    change = {"default_run_properties": {"environment": "test"}, "tags": {"Owner": "data"}}
    changed = assert_lifecycle(aws_emulator, "dataeng.platform.glue_workflow", base, change, exists, "workflow")
    assert changed["actions"] == ["update_workflow", "untag_resource", "tag_resource"]
    assert changed["workflow"]["default_run_properties"] == {"environment": "test"}
    assert changed["workflow"]["max_concurrent_runs"] == 1


def test_glue_trigger(aws_emulator):
    aws = Aws(aws_emulator)
    module = "dataeng.platform.glue_trigger"
    workflow = {"name": "it-trigger-pipeline"}
    assert run_module(aws_emulator, "dataeng.platform.glue_workflow", workflow)["changed"] is True
    base = {
        "name": "it-quality-after-processing",
        "workflow_name": "it-trigger-pipeline",
        "type": "CONDITIONAL",
        "predicate": {"conditions": [{"job_name": "it-processing", "state": "SUCCEEDED"}]},
        "actions": [{"job_name": "it-quality", "timeout": 30}],
        "tags": TAGS,
    }

    def exists():
        return "it-quality-after-processing" in aws.glue.list_triggers()["TriggerNames"]

    # Conditional to scheduled: Glue cannot change a trigger's type, the module replaces it.
    change = {"type": "SCHEDULED", "schedule": "cron(0 2 * * ? *)", "predicate": None}
    changed = assert_lifecycle(aws_emulator, module, base, change, exists, "trigger")
    assert changed["actions"] == ["delete_trigger", "create_trigger"]
    assert changed["trigger"]["type"] == "SCHEDULED"
    assert changed["trigger"]["tags"] == TAGS, "the replacement lost the tags"

    created = run_module(aws_emulator, module, base)
    trigger = aws.glue.get_trigger(Name=base["name"])["Trigger"]
    assert (trigger["Type"], trigger["WorkflowName"], trigger["State"]) == (
        "CONDITIONAL",
        "it-trigger-pipeline",
        "ACTIVATED",
    )
    assert trigger["Predicate"]["Conditions"][0]["JobName"] == "it-processing"
    assert trigger["Actions"] == [{"JobName": "it-quality", "Timeout": 30}]
    assert glue_tags(aws, "trigger", base["name"]) == TAGS
    assert created["trigger"]["enabled"] is True

    stopped = run_module(aws_emulator, module, {**base, "enabled": False})
    assert stopped["actions"] == ["stop_trigger"]
    assert aws.glue.get_trigger(Name=base["name"])["Trigger"]["State"] == "DEACTIVATED"
    assert run_module(aws_emulator, module, base)["actions"] == ["start_trigger"]

    in_place = run_module(
        aws_emulator, module, {**base, "actions": [{"job_name": "it-quality", "timeout": 45}]}, check=True
    )
    assert in_place["changed"] is True
    assert in_place["actions"] == ["update_trigger"]

    on_demand = {
        "name": "it-start-processing",
        "workflow_name": "it-trigger-pipeline",
        "type": "ON_DEMAND",
        "actions": [{"job_name": "it-processing", "arguments": {"--run_date": "2026-11-28"}}],
    }
    assert run_module(aws_emulator, module, on_demand)["changed"] is True
    assert run_module(aws_emulator, module, on_demand)["changed"] is False
    (action,) = aws.glue.get_trigger(Name="it-start-processing")["Trigger"]["Actions"]
    assert action["Arguments"] == {"--run_date": "2026-11-28"}

    refused = run_module(aws_emulator, module, {**base, "predicate": None})
    assert refused.get("failed") is True
    assert "a CONDITIONAL trigger needs predicate.conditions" in refused["msg"]


# moto 5.2.5 has no UpdateCrawler or UpdateJob: a settings change is checked as far as the plan
# (check mode), its request in tests/unit; a tag change runs for real. moto also keeps a deleted
# resource's tags for the next one of the same name, so the detailed checks use a new name.


def test_glue_crawler(aws_emulator):
    aws = Aws(aws_emulator)
    module = "dataeng.platform.glue_crawler"
    base = {
        "name": "it-raw",
        "role": "it-glue-service",
        "database_name": "it_catalog",
        "s3_targets": [{"path": "s3://it-lake/raw/", "exclusions": ["**/_SUCCESS"]}],
        "configuration": {"Version": 1.0, "Grouping": {"TableLevelConfiguration": 3}},
        "tags": TAGS,
    }

    def exists():
        return "it-raw" in aws.glue.list_crawlers()["CrawlerNames"]

    changed = assert_lifecycle(aws_emulator, module, base, {"tags": {**TAGS, "Zone": "raw"}}, exists, "crawler")
    assert changed["actions"] == ["tag_resource"]

    base = {**base, "name": "it-raw-detail"}
    created = run_module(aws_emulator, module, base)
    crawler = aws.glue.get_crawler(Name="it-raw-detail")["Crawler"]
    assert crawler["Targets"]["S3Targets"] == [{"Path": "s3://it-lake/raw/", "Exclusions": ["**/_SUCCESS"]}]
    assert "Schedule" not in crawler, "an on-demand crawler got a schedule"
    assert crawler["SchemaChangePolicy"] == {
        "UpdateBehavior": "UPDATE_IN_DATABASE",
        "DeleteBehavior": "DEPRECATE_IN_DATABASE",
    }
    assert created["crawler"]["configuration"] == base["configuration"]

    scheduled = run_module(aws_emulator, module, {**base, "schedule": "cron(0 2 * * ? *)"}, check=True)
    assert scheduled["actions"] == ["update_crawler"]
    assert scheduled["crawler"]["schedule"] == "cron(0 2 * * ? *)"
    # The role given by name matches the ARN form too.
    account = aws.sts.get_caller_identity()["Account"]
    as_arn = {**base, "role": f"arn:aws:iam::{account}:role/it-glue-service"}
    assert run_module(aws_emulator, module, as_arn)["changed"] is False


def test_glue_job(aws_emulator):
    aws = Aws(aws_emulator)
    module = "dataeng.platform.glue_job"
    base = {
        "name": "it-processing",
        "role": "it-glue-service",
        "script_location": "s3://it-scripts/scripts/data_processing.py",
        "timeout": 60,
        "default_arguments": {"--job-bookmark-option": "job-bookmark-enable"},
        "tags": TAGS,
    }

    def exists():
        return "it-processing" in aws.glue.list_jobs()["JobNames"]

    changed = assert_lifecycle(aws_emulator, module, base, {"tags": {"Owner": "data"}}, exists, "job")
    assert changed["actions"] == ["untag_resource", "tag_resource"]

    base = {**base, "name": "it-processing-detail"}
    run_module(aws_emulator, module, base)
    job = aws.glue.get_job(JobName="it-processing-detail")["Job"]
    assert (job["GlueVersion"], job["WorkerType"], job["NumberOfWorkers"]) == ("5.0", "G.1X", 2)
    assert job["Command"] == {
        "Name": "glueetl",
        "ScriptLocation": "s3://it-scripts/scripts/data_processing.py",
        "PythonVersion": "3",
    }
    assert job["Timeout"] == 60
    assert glue_tags(aws, "job", "it-processing-detail") == TAGS

    flex = run_module(aws_emulator, module, {**base, "execution_class": "FLEX"}, check=True, diff=True)
    assert flex["actions"] == ["update_job"]
    assert flex["diff"]["after"]["execution_class"] == "FLEX"
    assert aws.glue.get_job(JobName="it-processing-detail")["Job"]["ExecutionClass"] != "FLEX"

    refused = run_module(aws_emulator, module, {**base, "number_of_workers": 1})
    assert refused.get("failed") is True
    assert "number_of_workers must be at least 2" in refused["msg"]


def test_glue_job_converges_the_jobs_it_lists_in_one_run(aws_emulator):
    """`jobs` lists jobs for one module run: the task's options apply to each job that does not set them, each job
    is checked as the module checks one, the result names the job of each call and keys the diff by job."""
    aws = Aws(aws_emulator)
    module = "dataeng.platform.glue_job"
    script = "s3://it-scripts/scripts/data_processing.py"
    listed = [
        {"name": "it-listed-spark", "script_location": script, "timeout": 30},
        {"name": "it-listed-shell", "script_location": script, "command_name": "pythonshell", "tags": {"Owner": "a"}},
    ]
    shared = {"role": "it-glue-service", "tags": TAGS}

    def names():
        return sorted(name for name in aws.glue.list_jobs()["JobNames"] if name.startswith("it-listed-"))

    planned = run_module(aws_emulator, module, {**shared, "jobs": listed}, check=True, diff=True)
    assert planned["changed"] is True, planned.get("msg")
    assert sorted(planned["diff"]["after"]) == ["it-listed-shell", "it-listed-spark"]
    assert names() == []

    created = run_module(aws_emulator, module, {**shared, "jobs": listed})
    assert created["changed"] is True, created.get("msg")
    assert [job["name"] for job in created["jobs"]] == ["it-listed-spark", "it-listed-shell"]
    assert names() == ["it-listed-shell", "it-listed-spark"]
    spark = aws.glue.get_job(JobName="it-listed-spark")["Job"]
    assert (spark["Timeout"], spark["WorkerType"]) == (30, "G.1X")
    assert aws.glue.get_job(JobName="it-listed-shell")["Job"]["Command"]["Name"] == "pythonshell"
    assert glue_tags(aws, "job", "it-listed-spark") == TAGS
    assert glue_tags(aws, "job", "it-listed-shell") == {"Owner": "a"}
    assert run_module(aws_emulator, module, {**shared, "jobs": listed})["changed"] is False

    retagged = [listed[0], {**listed[1], "tags": TAGS}]
    predicted = run_module(aws_emulator, module, {**shared, "jobs": retagged}, check=True, diff=True)
    assert predicted["actions"] == ["it-listed-shell: untag_resource", "it-listed-shell: tag_resource"]
    assert list(predicted["diff"]["after"]) == ["it-listed-shell"]
    assert predicted["diff"]["after"]["it-listed-shell"]["tags"] == TAGS
    assert glue_tags(aws, "job", "it-listed-shell") == {"Owner": "a"}, "check mode changed the job"

    unscripted = run_module(aws_emulator, module, {**shared, "jobs": [*listed, {"name": "it-listed-bare"}]})
    assert unscripted.get("failed") is True
    assert (
        unscripted["msg"]
        == "jobs[2] (it-listed-bare): state is present but all of the following are missing: script_location"
    )
    small = run_module(aws_emulator, module, {**shared, "jobs": [{**listed[0], "number_of_workers": 1}]})
    assert small["msg"] == "jobs[0] (it-listed-spark): number_of_workers must be at least 2 for a Spark job"
    both = run_module(aws_emulator, module, {**shared, "name": "it-listed-spark", "jobs": listed})
    assert both["msg"] == "parameters are mutually exclusive: name|jobs"
    assert names() == ["it-listed-shell", "it-listed-spark"], "a refused list changed a job"

    gone = [{"name": job["name"], "state": "absent"} for job in listed]
    deleted = run_module(aws_emulator, module, {"jobs": gone})
    assert deleted["changed"] is True, deleted.get("msg")
    assert deleted["jobs"] == [{}, {}]
    assert names() == []
    assert run_module(aws_emulator, module, {"jobs": gone})["changed"] is False


def test_glue_security_configuration_is_replaced_when_it_differs_and_named_by_a_job_and_a_crawler(aws_emulator):
    aws = Aws(aws_emulator)
    module = "dataeng.platform.glue_security_configuration"
    key = aws.kms.create_key()["KeyMetadata"]["Arn"]
    other_key = aws.kms.create_key()["KeyMetadata"]["Arn"]
    base = {"name": "it-glue-kms", "kms_key_arn": key}

    def exists():
        return "it-glue-kms" in [c["Name"] for c in aws.glue.get_security_configurations()["SecurityConfigurations"]]

    changed = assert_lifecycle(aws_emulator, module, base, {"kms_key_arn": other_key}, exists, "security_configuration")
    assert changed["actions"] == ["delete_security_configuration", "create_security_configuration"]
    assert changed["security_configuration"]["kms_key_arns"] == [other_key]

    run_module(aws_emulator, module, base)
    encryption = aws.glue.get_security_configuration(Name="it-glue-kms")["SecurityConfiguration"][
        "EncryptionConfiguration"
    ]
    assert encryption == {
        "S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": key}],
        "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": key},
        "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": key},
    }
    job = {
        "name": "it-encrypted-job",
        "role": "it-glue-service",
        "script_location": "s3://it-scripts/scripts/data_processing.py",
        "security_configuration": "it-glue-kms",
    }
    crawler = {
        "name": "it-encrypted-crawler",
        "role": "it-glue-service",
        "database_name": "it_catalog",
        "s3_targets": [{"path": "s3://it-lake/raw/"}],
        "security_configuration": "it-glue-kms",
    }
    run_module(aws_emulator, "dataeng.platform.glue_job", job)
    run_module(aws_emulator, "dataeng.platform.glue_crawler", crawler)
    assert aws.glue.get_job(JobName="it-encrypted-job")["Job"]["SecurityConfiguration"] == "it-glue-kms"
    assert aws.glue.get_crawler(Name="it-encrypted-crawler")["Crawler"]["CrawlerSecurityConfiguration"] == "it-glue-kms"
    assert run_module(aws_emulator, "dataeng.platform.glue_job", job)["changed"] is False
    assert run_module(aws_emulator, "dataeng.platform.glue_crawler", crawler)["changed"] is False
    unencrypted = run_module(
        aws_emulator, "dataeng.platform.glue_job", {**job, "security_configuration": ""}, check=True
    )
    assert unencrypted["actions"] == ["update_job"]

    refused = run_module(aws_emulator, module, {"name": "it-glue-kms", "kms_key_arn": ""})
    assert refused.get("failed") is True
    assert "kms_key_arn must be the ARN of a KMS key" in refused["msg"]


def test_glue_run_waits_for_a_job_and_a_crawler_and_starts_a_workflow(aws_emulator):
    aws = Aws(aws_emulator)
    module = "dataeng.platform.glue_run"
    job = {"name": "it-run-job", "role": "it-glue-service", "script_location": "s3://it-scripts/scripts/job.py"}
    crawler = {"name": "it-run-crawler", "role": "it-glue-service", "database_name": "it_catalog"}
    crawler["s3_targets"] = [{"path": "s3://it-lake/raw/"}]
    run_module(aws_emulator, "dataeng.platform.glue_job", job)
    run_module(aws_emulator, "dataeng.platform.glue_crawler", crawler)
    run_module(aws_emulator, "dataeng.platform.glue_workflow", {"name": "it-run-pipeline"})

    planned = run_module(aws_emulator, module, {"job_name": "it-run-job"}, check=True)
    assert planned["changed"] is True
    assert aws.glue.get_job_runs(JobName="it-run-job")["JobRuns"] == []

    ran = run_module(aws_emulator, module, {"job_name": "it-run-job", "arguments": {"--day": "1"}, "poll_interval": 1})
    assert (ran["changed"], ran["run"]["status"]) == (True, "SUCCEEDED"), ran.get("msg")
    (job_run,) = aws.glue.get_job_runs(JobName="it-run-job")["JobRuns"]
    assert (job_run["Id"], job_run["Arguments"]) == (ran["run"]["run_id"], {"--day": "1"})

    crawled = run_module(aws_emulator, module, {"crawler_name": "it-run-crawler", "poll_interval": 1})
    assert crawled["run"]["status"] == "COMPLETED", crawled.get("msg")
    (crawl,) = aws.glue.list_crawls(CrawlerName="it-run-crawler")["Crawls"]
    assert crawl["CrawlId"] == crawled["run"]["run_id"]
    again = run_module(aws_emulator, module, {"crawler_name": "it-run-crawler", "poll_interval": 1})
    assert again["run"]["run_id"] != crawled["run"]["run_id"], "the second run waited for the first crawl"

    # The emulator never finishes a workflow run: start it, and see the wait give up with the run named.
    started = run_module(aws_emulator, module, {"workflow_name": "it-run-pipeline", "wait": False})
    (workflow_run,) = aws.glue.get_workflow_runs(Name="it-run-pipeline")["Runs"]
    assert started["run"]["run_id"] == workflow_run["WorkflowRunId"]
    timed_out = run_module(
        aws_emulator, module, {"workflow_name": "it-run-pipeline", "wait_timeout": 2, "poll_interval": 1}
    )
    assert timed_out.get("failed") is True
    assert "still RUNNING after 2 s" in timed_out["msg"]


def test_glue_info_reads_what_exists_and_names_what_does_not(aws_emulator):
    run_module(aws_emulator, "dataeng.platform.glue_database", {"name": "it_info_catalog"})
    run_module(aws_emulator, "dataeng.platform.glue_workflow", {"name": "it-info-pipeline", "max_concurrent_runs": 1})
    asked = {
        "database_names": ["it_info_catalog", "it_no_catalog"],
        "workflow_names": ["it-info-pipeline"],
        "job_names": ["it-no-job"],
        "crawler_names": [],
        "trigger_names": ["it-no-trigger"],
    }
    found = run_module(aws_emulator, "dataeng.platform.glue_info", asked, check=True)
    assert found["changed"] is False
    assert list(found["databases"]) == ["it_info_catalog"]
    assert found["workflows"]["it-info-pipeline"]["max_concurrent_runs"] == 1
    assert found["jobs"] == found["crawlers"] == found["triggers"] == {}
    assert found["missing"] == {
        "databases": ["it_no_catalog"],
        "crawlers": [],
        "jobs": ["it-no-job"],
        "workflows": [],
        "triggers": ["it-no-trigger"],
    }
