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
      - What runs the jobs and crawls. V(glue) starts the run in AWS Glue.
      - V(local) is for the local emulator, which records a run but never executes it. A workflow run is recorded
        there as well, then each job run is made on local PySpark (C(spark-submit) of the PySpark beside
        the module's Python; Java 17 or 21) in the order of the workflow's triggers, a trigger's runs side by side (as
        many at once as the job's C(MaxConcurrentRuns) and the machine's cores allow). The job's
        script and C(--extra-py-files) are read back from S3, the S3 paths among its arguments are copied to local
        folders before the run and put back after it (what the run wrote or changed uploaded, what it removed
        deleted, each Parquet part file named after its data so that a rerun on the same data changes no
        object). The emulated workflow run is then stopped, and the job runs' states are kept in its run property
        C(local_job_runs).
      - With V(local), a crawl is started in the emulator and waited for as with V(glue) (its history holds the
        crawl, but the emulator writes no table); then the module does to the emulated catalog what the crawl would
        do (pyarrow beside the module's Python, no Spark). It lists the crawler's S3 targets, leaves out excluded
        files, folder markers and files whose name or folder starts with C(_) or C(.), groups the files into one
        table per folder at the crawler's C(TableLevelConfiguration) (the bucket is level 1; without one, per
        folder right under the target), its folders below as partitions (C(name=value), else C(partition_0)...),
        and reads each file's schema as Glue's built-in classifiers do (Parquet from its footer; CSV and JSON lines
        from the first MiB, at most 1000 rows). A table is created or updated (its partitions created, updated and
        deleted) only when it differs from what the catalog holds (the crawler's C(UpdateBehavior) is not looked
        at); a table the crawler made whose folder is gone follows the crawler's C(DeleteBehavior); a table it did
        not make is left as it is. See RV(run.tables).
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
    tables:
      description:
        - With O(runner=local) and a crawler, each table the crawl wrote or found in the emulated catalog, in the
          order of their folders, then the crawler's tables whose folder is gone; empty otherwise.
      type: list
      elements: dict
      contains:
        name:
          description: Name of the table (the crawler's table prefix and the folder's name).
          type: str
          sample: raw_events
        location:
          description: URI of the table's folder.
          type: str
          sample: s3://dataeng-dev-data-lake/raw/events/
        classification:
          description:
            - C(parquet), C(csv) or C(json), the classification most of the folder's files have. Glue would make
              a table of each classification; the files of the others are left out (RV(run.tables[].skipped_files)).
          type: str
          sample: csv
        columns:
          description: The columns (partition keys aside), the schemas of the table's files merged.
          type: list
          elements: dict
          sample: [{"name": "event_id", "type": "string"}, {"name": "amount", "type": "double"}]
        partition_keys:
          description: Names of the partition keys (all of type C(string)).
          type: list
          elements: str
          sample: [ingest_date]
        partitions:
          description: How many partition folders the crawl found.
          type: int
          sample: 2
        action:
          description:
            - What the crawl did to the catalog's table. C(created), C(updated) (the table or any of its
              partitions), C(unchanged), C(deleted) or C(deprecated) (its folder is gone, as the crawler's
              C(DeleteBehavior) says; C(unchanged) with C(LOG)), or C(skipped) (a table of that name exists that
              the crawler did not make, or another folder of this crawl gives the same name).
          type: str
          sample: unchanged
        skipped_files:
          description: Files of the table's folder left out of it, with why (not recognized, another
            classification, other partition folders).
          type: list
          elements: dict
          sample: [{"file": "s3://dataeng-dev-data-lake/raw/events/notes.txt", "reason": "no classifier recognized it"}]
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
from ansible_collections.dataeng.platform.plugins.module_utils.glue_crawl_local import CatalogWriteError, LocalCrawler
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

    def result(self, status, error_message, statistics, job_runs=(), tables=()):
        return {
            "kind": self.kind,
            "name": self.name,
            "run_id": self.run_id,
            "status": status,
            "error_message": error_message,
            "statistics": camel_dict_to_snake_dict(statistics),
            "job_runs": [job_run.report() for job_run in job_runs],
            "tables": list(tables),
        }

    def wait(self):
        """(status, error message, statistics) of the run once it ended, or as it was when waiting stopped."""
        params = self.module.params
        status, error_message, statistics = self.look()
        deadline = time.monotonic() + params["wait_timeout"]
        while params["wait"] and status not in FINAL[self.kind] and time.monotonic() < deadline:
            time.sleep(params["poll_interval"])
            status, error_message, statistics = self.look()
        return status, error_message, statistics


def run_locally(module, run):
    """(status, error message, statistics, job runs) of a workflow or job run made on local PySpark."""
    params = module.params
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
    local = params["runner"] == "local"
    if local and not params["wait"]:
        task = (
            "writes the crawl's tables in this task once the crawl ended"
            if kind == "crawler"
            else "makes the job runs in this task and waits for them"
        )
        module.fail_json(msg=f"runner=local {task}: wait=false cannot hold")
    run = GlueRun(module, kind, params[f"{kind}_name"])
    if module.check_mode:
        module.exit_json(changed=True, run=run.result("", "", {}))
    if local:
        missing = local_runner_missing(spark=kind != "crawler")
        if missing:
            module.fail_json(msg=missing)

    job_runs = []
    tables = []
    try:
        if local and kind != "crawler":
            status, error_message, statistics, job_runs = run_locally(module, run)
        else:
            run.start()
            status, error_message, statistics = run.wait()
            # The emulator records the crawl and writes no table: the crawl's tables are written here.
            if local and status in SUCCESS[kind]:
                tables = LocalCrawler(run.client, module.client("s3")).crawl(run.name)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to run Glue {kind} {run.name}")
    except CatalogWriteError as e:
        module.fail_json(msg=f"Glue crawler {run.name}: the emulated catalog refused partitions: {e}", changed=True)

    result = run.result(status, error_message, statistics, job_runs, tables)
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
