#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: glue_job
version_added: 0.1.0
short_description: Manage an AWS Glue job with its worker type, execution class, arguments and tags
description:
  - Creates, updates or deletes an AWS Glue job (Spark C(glueetl), C(pythonshell) or C(gluestreaming)).
  - Unlike M(community.aws.glue_job), it manages the worker type, number of workers and execution class
    (C(FLEX) runs Spark jobs on spare capacity, cheaper), compares a role given by name with the ARN Glue
    reports, and supports check mode and diff.
options:
  name:
    description:
      - Name of the job.
      - Required unless O(jobs) lists the jobs.
    type: str
  jobs:
    description:
      - The jobs to converge in one module run instead of a loop's run per job (each run starts Python, boto3
        and the service model again).
      - Each item is a dict of this module's options for one job, O(name) among them; an option the item does
        not set takes the task's value. Each item is checked as the module checks one job; a message about an
        item begins with C(jobs[index] (name)). Mutually exclusive with O(name).
    type: list
    elements: dict
    version_added: 0.2.0
  state:
    description:
      - Whether the job should exist.
    choices: [present, absent]
    default: present
    type: str
  role:
    description:
      - IAM role (name or ARN) the job runs as. Required with O(state=present).
    type: str
  description:
    description:
      - What the job does.
    type: str
    default: ""
  command_name:
    description:
      - Kind of job.
    choices: [glueetl, pythonshell, gluestreaming]
    default: glueetl
    type: str
  script_location:
    description:
      - S3 URI of the job's script. Required with O(state=present).
    type: str
  python_version:
    description:
      - Python version of the script.
    default: "3"
    type: str
  glue_version:
    description:
      - Glue version of a Spark job (C(5.0) is Spark 3.5 and Python 3.11). Ignored for C(pythonshell).
    default: "5.0"
    type: str
  worker_type:
    description:
      - Worker type of a Spark job; one C(G.1X) worker is 1 DPU. Ignored for C(pythonshell).
    choices: [G.025X, G.1X, G.2X, G.4X, G.8X, Z.2X]
    default: G.1X
    type: str
  number_of_workers:
    description:
      - Workers of a Spark job (at least 2). Ignored for C(pythonshell).
    default: 2
    type: int
  max_capacity:
    description:
      - DPUs of a C(pythonshell) job (C(0.0625) or C(1)).
    type: float
    default: 0.0625
  execution_class:
    description:
      - C(STANDARD) starts at once; C(FLEX) (Spark jobs of Glue 3.0 and later) waits for spare capacity and costs less.
    choices: [STANDARD, FLEX]
    default: STANDARD
    type: str
  timeout:
    description:
      - Minutes a run may take before Glue stops it.
    default: 60
    type: int
  max_retries:
    description:
      - Times Glue retries a failed run.
    default: 0
    type: int
  max_concurrent_runs:
    description:
      - Runs of the job allowed at once.
    default: 1
    type: int
  default_arguments:
    description:
      - Arguments every run gets (names start with C(--)), for example C(--job-bookmark-option).
    type: dict
    default: {}
  security_configuration:
    description:
      - Name of the Glue security configuration that encrypts the job's S3 output, CloudWatch logs and
        bookmarks (M(dataeng.platform.glue_security_configuration)); empty for none.
    type: str
    default: ""
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports what would change without changing it.
  diff_mode:
    description: Shows the job before and after.
"""

EXAMPLES = r"""
- name: The processing job, 2 DPU at most, on Glue 5.0
  dataeng.platform.glue_job:
    name: dataeng-dev-data-processing
    role: dataeng-dev-glue-service
    script_location: s3://dataeng-dev-glue-scripts-123456789012/scripts/data_processing.py
    worker_type: G.1X
    number_of_workers: 2
    timeout: 60
    default_arguments:
      --job-bookmark-option: job-bookmark-enable
      --TempDir: s3://dataeng-dev-glue-scripts-123456789012/temp/
    tags:
      Environment: dev
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: The API calls an update made (or would make, in check mode).
  returned: when an existing job changed (with O(jobs), each prefixed with the job's name)
  type: list
  elements: str
  sample: ["update_job"]
jobs:
  description: Each job of O(jobs) as it is after the task, in the order listed (each as RV(job)
    describes it; empty when absent).
  returned: when O(jobs) is given
  type: list
  elements: dict
  version_added: 0.2.0
job:
  description: The job as it is after the task (empty when absent).
  returned: unless O(jobs) is given
  type: dict
  contains:
    name:
      description: Name of the job.
      type: str
      sample: dataeng-dev-data-processing
    role:
      description: Role the job runs as, as Glue reports it.
      type: str
      sample: arn:aws:iam::123456789012:role/dataeng-dev-glue-service
    command_name:
      description: Kind of job.
      type: str
      sample: glueetl
    script_location:
      description: S3 URI of the script.
      type: str
      sample: s3://dataeng-dev-glue-scripts-123456789012/scripts/data_processing.py
    glue_version:
      description: Glue version (empty for C(pythonshell)).
      type: str
      sample: "5.0"
    worker_type:
      description: Worker type (empty for C(pythonshell)).
      type: str
      sample: G.1X
    number_of_workers:
      description: Workers (0 for C(pythonshell)).
      type: int
      sample: 2
    execution_class:
      description: C(STANDARD) or C(FLEX).
      type: str
      sample: STANDARD
    timeout:
      description: Minutes a run may take.
      type: int
      sample: 60
    default_arguments:
      description: Arguments every run gets.
      type: dict
      sample: {"--job-bookmark-option": "job-bookmark-enable"}
    security_configuration:
      description: Name of its security configuration (empty when none).
      type: str
      sample: dataeng-dev-glue-kms
    arn:
      description: ARN of the job.
      type: str
      sample: arn:aws:glue:us-east-2:123456789012:job/dataeng-dev-data-processing
    tags:
      description: Tags of the job.
      type: dict
      sample: {"Environment": "dev"}
"""


from ansible_collections.dataeng.platform.plugins.module_utils.glue import WHEN_ROLE_PROPAGATED, GlueResource, same_role
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action, calls_of, run
from ansible_collections.dataeng.platform.plugins.module_utils.tags import (
    TAG_OPTIONS,
    expected_task_tags,
    plan_task_tags,
)

SETTINGS = (
    "description",
    "command_name",
    "script_location",
    "python_version",
    "glue_version",
    "worker_type",
    "number_of_workers",
    "max_capacity",
    "execution_class",
    "timeout",
    "max_retries",
    "max_concurrent_runs",
    "default_arguments",
    "security_configuration",
)


def is_spark(command_name):
    return command_name != "pythonshell"


def from_glue(job):
    """A get_job answer in the module's terms (tags and ARN aside)."""
    command = job.get("Command") or {}
    spark = is_spark(command.get("Name", "glueetl"))
    return {
        "name": job["Name"],
        "role": job.get("Role", ""),
        "description": job.get("Description") or "",
        "command_name": command.get("Name", "glueetl"),
        "script_location": command.get("ScriptLocation", ""),
        "python_version": str(command.get("PythonVersion") or "3"),
        "glue_version": (job.get("GlueVersion") or "") if spark else "",
        "worker_type": (job.get("WorkerType") or "") if spark else "",
        "number_of_workers": (job.get("NumberOfWorkers") or 0) if spark else 0,
        "max_capacity": 0.0 if spark else float(job.get("MaxCapacity") or 0),
        "execution_class": job.get("ExecutionClass") or "STANDARD",
        "timeout": job.get("Timeout") or 2880,
        "max_retries": job.get("MaxRetries") or 0,
        "max_concurrent_runs": (job.get("ExecutionProperty") or {}).get("MaxConcurrentRuns", 1),
        "default_arguments": job.get("DefaultArguments") or {},
        "security_configuration": job.get("SecurityConfiguration") or "",
    }


def desired(params):
    """What the task asks for; the settings of the other kind of job are left out, as Glue reports them."""
    wanted = {key: params[key] for key in SETTINGS}
    if is_spark(params["command_name"]):
        wanted["max_capacity"] = 0.0
    else:
        wanted.update(glue_version="", worker_type="", number_of_workers=0, execution_class="STANDARD")
    return wanted


def job_settings(params):
    """The job settings create_job takes, and update_job takes as JobUpdate (without the name)."""
    wanted = desired(params)
    settings = {
        "Role": params["role"],
        "Description": wanted["description"],
        "Command": {
            "Name": wanted["command_name"],
            "ScriptLocation": wanted["script_location"],
            "PythonVersion": wanted["python_version"],
        },
        "DefaultArguments": wanted["default_arguments"],
        "ExecutionProperty": {"MaxConcurrentRuns": wanted["max_concurrent_runs"]},
        "MaxRetries": wanted["max_retries"],
        "Timeout": wanted["timeout"],
    }
    # JobUpdate replaces the whole job: leaving the name out removes a security configuration.
    if wanted["security_configuration"]:
        settings["SecurityConfiguration"] = wanted["security_configuration"]
    if is_spark(wanted["command_name"]):
        settings.update(
            GlueVersion=wanted["glue_version"],
            WorkerType=wanted["worker_type"],
            NumberOfWorkers=wanted["number_of_workers"],
            ExecutionClass=wanted["execution_class"],
        )
    else:
        settings["MaxCapacity"] = wanted["max_capacity"]
    return settings


def update_request(params):
    return {"JobName": params["name"], "JobUpdate": job_settings(params)}


def plan_job(current, params):
    wanted = desired(params)
    settings_differ = any(current[key] != wanted[key] for key in SETTINGS)
    role_differs = not same_role(current["role"], params["role"])
    actions = [Action("update_job")] if settings_differ or role_differs else []
    return actions + plan_task_tags(current["tags"], params)


def check_params(params):
    """What argument_spec cannot say; returns an error message or None."""
    if params["state"] == "absent":
        return None
    if not params["script_location"].startswith("s3://"):
        return f"script_location must be an S3 URI (s3://bucket/key), got {params['script_location']}"
    if is_spark(params["command_name"]) and params["number_of_workers"] < 2:
        return "number_of_workers must be at least 2 for a Spark job"
    if params["execution_class"] == "FLEX" and params["command_name"] != "glueetl":
        return "execution_class=FLEX applies to glueetl jobs only"
    if params["timeout"] < 1 or params["max_retries"] < 0 or params["max_concurrent_runs"] < 1:
        return "timeout and max_concurrent_runs must be at least 1, max_retries at least 0"
    unnamed = [key for key in params["default_arguments"] if not key.startswith("--")]
    if unnamed:
        return f"default_arguments names must start with --: {', '.join(sorted(unnamed))}"
    return None


class GlueJob(GlueResource):
    kind = "Glue job"
    arn_type = "job"

    get_call = ("get_job", "Job")
    name_parameter = "JobName"
    planner = staticmethod(plan_job)
    shape = staticmethod(from_glue)

    def expected(self, current):
        after = {**(current or {}), **desired(self.params)}
        after.update(name=self.name, role=(current or {}).get("role") or self.params["role"])
        after["tags"] = expected_task_tags(current["tags"] if current else {}, self.params)
        return after

    def create(self):
        WHEN_ROLE_PROPAGATED(self.client.create_job)(
            aws_retry=True, Name=self.name, Tags=self.params.get("tags") or {}, **job_settings(self.params)
        )

    def update(self, current, actions):
        if "update_job" in calls_of(actions):
            WHEN_ROLE_PROPAGATED(self.client.update_job)(aws_retry=True, **update_request(self.params))
        self.update_tags(actions)

    def delete(self, current):
        self.client.delete_job(aws_retry=True, JobName=self.name)


def main():
    options = dict(
        role=dict(type="str"),
        description=dict(type="str", default=""),
        command_name=dict(type="str", default="glueetl", choices=["glueetl", "pythonshell", "gluestreaming"]),
        script_location=dict(type="str"),
        python_version=dict(type="str", default="3"),
        glue_version=dict(type="str", default="5.0"),
        worker_type=dict(type="str", default="G.1X", choices=["G.025X", "G.1X", "G.2X", "G.4X", "G.8X", "Z.2X"]),
        number_of_workers=dict(type="int", default=2),
        max_capacity=dict(type="float", default=0.0625),
        execution_class=dict(type="str", default="STANDARD", choices=["STANDARD", "FLEX"]),
        timeout=dict(type="int", default=60),
        max_retries=dict(type="int", default=0),
        max_concurrent_runs=dict(type="int", default=1),
        default_arguments=dict(type="dict", default={}),
        security_configuration=dict(type="str", default=""),
        **TAG_OPTIONS,
    )
    run(
        GlueJob,
        "job",
        options,
        check_params,
        several="jobs",
        required_if=[("state", "present", ["role", "script_location"])],
    )


if __name__ == "__main__":
    main()
