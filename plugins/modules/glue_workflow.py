#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: glue_workflow
version_added: 0.1.0
short_description: Manage an AWS Glue workflow with its tags
description:
  - Creates, updates or deletes an AWS Glue workflow, the container that chains crawlers and jobs through
    triggers (see M(dataeng.platform.glue_trigger)).
  - amazon.aws and community.aws have no module for Glue workflows.
  - Deleting a workflow never deletes the jobs and crawlers its triggers start; delete its triggers first
    (M(dataeng.platform.glue_trigger) with O(dataeng.platform.glue_trigger#module:state=absent)).
options:
  name:
    description:
      - Name of the workflow.
    required: true
    type: str
  state:
    description:
      - Whether the workflow should exist.
    choices: [present, absent]
    default: present
    type: str
  description:
    description:
      - What the workflow does.
    type: str
    default: ""
  default_run_properties:
    description:
      - Properties every run of the workflow starts with; its jobs read them with C(GetWorkflowRunProperties).
    type: dict
    default: {}
  max_concurrent_runs:
    description:
      - How many runs of the workflow may run at once; C(0) leaves it unlimited.
    type: int
    default: 0
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
    description: Shows the workflow before and after.
"""

EXAMPLES = r"""
- name: The data pipeline, one run at a time
  dataeng.platform.glue_workflow:
    name: dataeng-dev-data-pipeline
    description: Processing, then quality checks
    default_run_properties:
      environment: dev
    max_concurrent_runs: 1
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
  returned: when an existing workflow changed
  type: list
  elements: str
  sample: ["update_workflow"]
workflow:
  description: The workflow as it is after the task (empty when absent).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the workflow.
      type: str
      sample: dataeng-dev-data-pipeline
    description:
      description: Its description.
      type: str
      sample: Processing, then quality checks
    default_run_properties:
      description: Properties every run starts with.
      type: dict
      sample: {"environment": "dev"}
    max_concurrent_runs:
      description: Runs allowed at once (0 is unlimited).
      type: int
      sample: 1
    arn:
      description: ARN of the workflow.
      type: str
      sample: arn:aws:glue:us-east-2:123456789012:workflow/dataeng-dev-data-pipeline
    tags:
      description: Tags of the workflow.
      type: dict
      sample: {"Environment": "dev"}
    last_run:
      description: The workflow's last run (snake_case keys, as GetWorkflow gives it); empty when it never ran.
      type: dict
      sample: {"status": "COMPLETED", "run_id": "wr_0123"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

from ansible_collections.dataeng.platform.plugins.module_utils.glue import GlueResource
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action, calls_of, run
from ansible_collections.dataeng.platform.plugins.module_utils.tags import (
    TAG_OPTIONS,
    expected_task_tags,
    plan_task_tags,
)

SETTINGS = ("description", "default_run_properties", "max_concurrent_runs")


def settings_of(workflow):
    """The settings of a get_workflow answer, in the module's terms."""
    return {
        "description": workflow.get("Description") or "",
        "default_run_properties": workflow.get("DefaultRunProperties") or {},
        "max_concurrent_runs": workflow.get("MaxConcurrentRuns") or 0,
    }


def workflow_request(params):
    """The settings create_workflow and update_workflow take (unlimited runs: no MaxConcurrentRuns)."""
    request = {
        "Name": params["name"],
        "Description": params["description"],
        "DefaultRunProperties": params["default_run_properties"],
    }
    if params["max_concurrent_runs"]:
        request["MaxConcurrentRuns"] = params["max_concurrent_runs"]
    return request


def plan_workflow(current, params):
    settings_differ = any(current[key] != params[key] for key in SETTINGS)
    actions = [Action("update_workflow")] if settings_differ else []
    return actions + plan_task_tags(current["tags"], params)


class GlueWorkflow(GlueResource):
    kind = "Glue workflow"
    arn_type = "workflow"

    get_call = ("get_workflow", "Workflow")
    planner = staticmethod(plan_workflow)

    def get_request(self):
        return {"Name": self.name, "IncludeGraph": False}

    def shape(self, found):
        last_run = camel_dict_to_snake_dict(found.get("LastRun", {}))
        return {"name": found["Name"], **settings_of(found), "last_run": last_run}

    def expected(self, current):
        after = dict(current or {"name": self.name, "tags": {}})
        after.update({key: self.params[key] for key in SETTINGS})
        after["tags"] = expected_task_tags(after["tags"], self.params)
        return after

    def create(self):
        self.client.create_workflow(aws_retry=True, Tags=self.params.get("tags") or {}, **workflow_request(self.params))

    def update(self, current, actions):
        if "update_workflow" in calls_of(actions):
            self.client.update_workflow(aws_retry=True, **workflow_request(self.params))
        self.update_tags(actions)

    def delete(self, current):
        self.client.delete_workflow(aws_retry=True, Name=self.name)


def check_params(params):
    """What argument_spec cannot say; returns an error message or None."""
    if params["max_concurrent_runs"] < 0:
        return "max_concurrent_runs must be 0 (unlimited) or more"
    return None


def main():
    options = dict(
        description=dict(type="str", default=""),
        default_run_properties=dict(type="dict", default={}),
        max_concurrent_runs=dict(type="int", default=0),
        **TAG_OPTIONS,
    )
    run(GlueWorkflow, "workflow", options, check_params)


if __name__ == "__main__":
    main()
