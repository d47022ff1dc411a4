#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: glue_run
version_added: 0.1.0
short_description: Start an AWS Glue workflow, job or crawler on demand and wait for the result
description:
  - Starts one run of a Glue workflow, job or crawler and, with O(wait=true), waits until it ends; the task
    fails when the run did not succeed, and a workflow run also when any of its jobs or crawlers failed, stopped or
    timed out), with Glue's error message.
  - Every call starts a new run, so the task always reports a change.
options:
  workflow_name:
    description:
      - Workflow to run. Exactly one of O(workflow_name), O(job_name) and O(crawler_name).
    type: str
  job_name:
    description:
      - Job to run.
    type: str
  crawler_name:
    description:
      - Crawler to run. A crawler that is already running is waited for, not started again.
    type: str
  run_properties:
    description:
      - Properties of this workflow run, on top of the workflow's defaults.
    type: dict
    default: {}
  arguments:
    description:
      - Arguments of this job run (names start with C(--)), on top of the job's defaults.
    type: dict
    default: {}
  runner:
    description:
      - What runs the jobs. V(glue) starts the run in AWS Glue.
      - V(local) is for the local emulator, which records a run but never executes it. A workflow run is recorded
        there as well, then each job run is made on local PySpark (C(spark-submit) of the PySpark beside
        the module's Python; Java 17), one after the other in the order of the workflow's triggers. The job's
        script and C(--extra-py-files) are read back from S3, the S3 paths among its arguments are copied to local
        folders before the run and put back after it (what the run wrote or changed uploaded, what it removed
        deleted, each Parquet part file named after its data so that a rerun on the same data changes no
        object). The emulated workflow run is then stopped, and the job runs' states are kept in its run property
        C(local_job_runs). A crawler is run by the emulator either way.
      - With V(local) the module always waits; O(wait=false) is refused.
    type: str
    choices: [glue, local]
    default: glue
  wait:
    description:
      - Wait for the run to end, and fail unless it succeeded.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait before failing (the run goes on).
    type: int
    default: 3600
  poll_interval:
    description:
      - Seconds between two looks at the run.
    type: int
    default: 15
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports that a run would start, and starts none.
  diff_mode:
    support: none
    description: A run is started, not changed; there is nothing to compare.
"""

EXAMPLES = r"""
- name: Crawl the raw zone and wait
  dataeng.platform.glue_run:
    crawler_name: dataeng-dev-raw

- name: Run the pipeline (processing, then quality) and wait up to an hour and a half
  dataeng.platform.glue_run:
    workflow_name: dataeng-dev-data-pipeline
    run_properties:
      run_date: "2026-11-28"
    wait_timeout: 5400

- name: Start the quality job alone, without waiting
  dataeng.platform.glue_run:
    job_name: dataeng-dev-data-quality
    arguments:
      --max_null_ratio: "0.01"
    wait: false
"""

RETURN = r"""
run:
  description: The run, as Glue last reported it.
  returned: always
  type: dict
  contains:
    kind:
      description: C(workflow), C(job) or C(crawler).
      type: str
      sample: workflow
    name:
      description: Name of the workflow, job or crawler.
      type: str
      sample: dataeng-dev-data-pipeline
    run_id:
      description: Id of the run (the crawl id for a crawler; empty in check mode).
      type: str
      sample: wr_1f6d5ab2c3
    status:
      description: Glue's status of the run (C(COMPLETED), C(SUCCEEDED), C(FAILED), C(RUNNING), ...).
      type: str
      sample: COMPLETED
    error_message:
      description: Glue's error message when the run failed.
      type: str
      sample: ""
    statistics:
      description: For a workflow, how many of its actions succeeded, failed, stopped, timed out or are running.
      type: dict
      sample: {"total_actions": 2, "succeeded_actions": 2, "failed_actions": 0}
    job_runs:
      description:
        - With O(runner=local), each job run made, in order (job, dataset, state, error message, seconds, objects
          uploaded and deleted, and the summary line the job printed).
      type: list
      elements: dict
      sample: [{"job_name": "dataeng-dev-data-processing", "dataset": "events", "job_run_state": "SUCCEEDED"}]
"""

import json
import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

from ansible_collections.dataeng.platform.plugins.module_utils.glue import glue_client
from ansible_collections.dataeng.platform.plugins.module_utils.glue_local import (
    LocalRunner,
    local_runner_missing,
    spark_submit_path,
    workflow_statistics,
)

# Statuses after which a run does not change any more, and those of them that mean success
# (a crawl as ListCrawls reports it).
FINAL = {
    "workflow": {"COMPLETED", "STOPPED", "ERROR"},
    "job": {"SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"},
    "crawler": {"COMPLETED", "FAILED", "STOPPED"},
}
SUCCESS = {"workflow": {"COMPLETED"}, "job": {"SUCCEEDED"}, "crawler": {"COMPLETED"}}
UNSUCCESSFUL_ACTIONS = ("FailedActions", "StoppedActions", "TimeoutActions", "ErroredActions")


def failure(kind, status, statistics):
    """Why a finished run failed, or None when it succeeded."""
    if status not in SUCCESS[kind]:
        return f"ended {status}"
    unsuccessful = {key: statistics.get(key, 0) for key in UNSUCCESSFUL_ACTIONS if statistics.get(key, 0)}
    if unsuccessful:
        return "completed, but " + ", ".join(f"{count} {key[:-7].lower()}" for key, count in unsuccessful.items())
    return None


class GlueRun:
    """One run of a workflow, job or crawler: start it, then look at it until it ends."""

    def __init__(self, module, kind, name):
        self.module = module
        self.client = glue_client(module)
        self.kind = kind
        self.name = name
        self.run_id = ""
        # The crawl that was the latest before this run started (a crawler's run is a new crawl).
        self.previous_crawl_id = None

    def start(self):
        params = self.module.params
        if self.kind == "workflow":
            self.run_id = self.client.start_workflow_run(
                aws_retry=True, Name=self.name, RunProperties=params["run_properties"]
            )["RunId"]
        elif self.kind == "job":
            self.run_id = self.client.start_job_run(aws_retry=True, JobName=self.name, Arguments=params["arguments"])[
                "JobRunId"
            ]
        elif self.client.get_crawler(aws_retry=True, Name=self.name)["Crawler"]["State"] == "READY":
            latest = self._latest_crawl()
            self.previous_crawl_id = latest["CrawlId"] if latest else None
            self.client.start_crawler(aws_retry=True, Name=self.name)

    def _latest_crawl(self):
        crawls = self.client.list_crawls(aws_retry=True, CrawlerName=self.name)["Crawls"]
        return max(crawls, key=lambda crawl: crawl["StartTime"]) if crawls else None

    def look(self):
        """(status, error message, statistics) of the run now."""
        if self.kind == "workflow":
            run = self.client.get_workflow_run(aws_retry=True, Name=self.name, RunId=self.run_id, IncludeGraph=False)
            run = run["Run"]
            return run["Status"], run.get("ErrorMessage", ""), run.get("Statistics", {})
        if self.kind == "job":
            run = self.client.get_job_run(aws_retry=True, JobName=self.name, RunId=self.run_id)["JobRun"]
            return run["JobRunState"], run.get("ErrorMessage", ""), {}
        crawl = self._latest_crawl()
        if crawl is None or crawl["CrawlId"] == self.previous_crawl_id:
            return "STARTING", "", {}  # the new crawl is not listed yet
        self.run_id = crawl["CrawlId"]
        return crawl["State"], crawl.get("ErrorMessage", ""), {}

    def result(self, status, error_message, statistics, job_runs=()):
        return {
            "kind": self.kind,
            "name": self.name,
            "run_id": self.run_id,
            "status": status,
            "error_message": error_message,
            "statistics": camel_dict_to_snake_dict(statistics),
            "job_runs": [job_run.report() for job_run in job_runs],
        }


def run_locally(module, run):
    """(status, error message, statistics, job runs) of a workflow or job run made on local PySpark."""
    params = module.params
    missing = local_runner_missing()
    if missing:
        module.fail_json(msg=missing)
    runner = LocalRunner(run.client, module.client("s3"), spark_submit_path(), module.tmpdir, params["wait_timeout"])
    if run.kind == "job":
        job_run = runner.run_job(run.name, params["arguments"])
        run.run_id = job_run.run_id
        return job_run.state, job_run.error_message, {}, [job_run]
    # Recorded in the emulator too, so that its history (GetWorkflowRuns) holds the run.
    run.start()
    job_runs = runner.run_workflow(run.name, run.run_id)
    reports = json.dumps([job_run.report() for job_run in job_runs], sort_keys=True)
    run.client.put_workflow_run_properties(
        aws_retry=True, Name=run.name, RunId=run.run_id, RunProperties={"local_job_runs": reports}
    )
    # The emulator's run never ends by itself. (moto accepts StopWorkflowRun but leaves the run RUNNING: the run
    # property above is the record.)
    run.client.stop_workflow_run(aws_retry=True, Name=run.name, RunId=run.run_id)
    failed = [job_run for job_run in job_runs if job_run.state != "SUCCEEDED"]
    error_message = "; ".join(f"{job_run.label}: {job_run.error_message}" for job_run in failed)
    return "COMPLETED", error_message, workflow_statistics(job_runs), job_runs


def main():
    argument_spec = dict(
        workflow_name=dict(type="str"),
        job_name=dict(type="str"),
        crawler_name=dict(type="str"),
        run_properties=dict(type="dict", default={}),
        arguments=dict(type="dict", default={}),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
        poll_interval=dict(type="int", default=15),
        runner=dict(type="str", choices=["glue", "local"], default="glue"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("workflow_name", "job_name", "crawler_name")],
        required_one_of=[("workflow_name", "job_name", "crawler_name")],
        supports_check_mode=True,
    )
    params = module.params
    if params["wait_timeout"] < 1 or params["poll_interval"] < 1:
        module.fail_json(msg="wait_timeout and poll_interval must be at least 1 second")
    kind = next(kind for kind in ("workflow", "job", "crawler") if params[f"{kind}_name"])
    local = params["runner"] == "local" and kind != "crawler"
    if local and not params["wait"]:
        module.fail_json(msg="runner=local makes the job runs in this task and waits for them: wait=false cannot hold")
    run = GlueRun(module, kind, params[f"{kind}_name"])
    if module.check_mode:
        module.exit_json(changed=True, run=run.result("", "", {}))

    job_runs = []
    try:
        if local:
            status, error_message, statistics, job_runs = run_locally(module, run)
        else:
            run.start()
            status, error_message, statistics = run.look()
            deadline = time.monotonic() + params["wait_timeout"]
            while params["wait"] and status not in FINAL[kind] and time.monotonic() < deadline:
                time.sleep(params["poll_interval"])
                status, error_message, statistics = run.look()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to run Glue {kind} {run.name}")

    result = run.result(status, error_message, statistics, job_runs)
    if params["wait"]:
        if status not in FINAL[kind]:
            module.fail_json(
                msg=f"Glue {kind} {run.name} run {run.run_id} still {status} after {params['wait_timeout']} s",
                changed=True,
                run=result,
            )
        why = failure(kind, status, statistics)
        if why:
            module.fail_json(
                msg=f"Glue {kind} {run.name} run {run.run_id} {why}: {error_message}".rstrip(": "),
                changed=True,
                run=result,
            )
    module.exit_json(changed=True, run=result)


if __name__ == "__main__":
    main()
