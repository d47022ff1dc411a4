#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: glue_trigger
version_added: 0.1.0
short_description: Manage an AWS Glue trigger (on demand, scheduled or conditional), in a workflow or alone
description:
  - Creates, updates or deletes an AWS Glue trigger that starts jobs and crawlers, on demand, on a schedule, or
    when other jobs or crawlers reach a state.
  - amazon.aws and community.aws have no module for Glue triggers.
  - A trigger's type and workflow cannot change in place; the module then deletes the trigger and creates it
    again (reported as the actions C(delete_trigger), C(create_trigger)).
  - Scheduled and conditional triggers are activated (or deactivated) as O(enabled) says; on-demand triggers
    have no such state.
options:
  name:
    description:
      - Name of the trigger.
      - Required unless O(triggers) lists the triggers.
    type: str
  triggers:
    description:
      - The triggers to converge in one module run instead of a loop's run per trigger (each run starts Python,
        boto3 and the service model again).
      - Each item is a dict of this module's options for one trigger, O(name) among them; an option the item
        does not set takes the task's value. Each item is checked as the module checks one trigger; a message
        about an item begins with C(triggers[index] (name)). Mutually exclusive with O(name).
    type: list
    elements: dict
    version_added: 0.2.0
  state:
    description:
      - Whether the trigger should exist.
    choices: [present, absent]
    default: present
    type: str
  type:
    description:
      - When the trigger fires. Required with O(state=present).
    choices: [ON_DEMAND, SCHEDULED, CONDITIONAL]
    type: str
  workflow_name:
    description:
      - Workflow the trigger belongs to; empty for a trigger of its own.
    type: str
    default: ""
  description:
    description:
      - What the trigger does.
    type: str
    default: ""
  schedule:
    description:
      - Cron expression of a O(type=SCHEDULED) trigger, for example C(cron(15 12 * * ? *)).
    type: str
  predicate:
    description:
      - What a O(type=CONDITIONAL) trigger waits for.
    type: dict
    suboptions:
      logical:
        description:
          - Whether all conditions (C(AND)) or any of them (C(ANY)) must hold.
        choices: [AND, ANY]
        default: AND
        type: str
      conditions:
        description:
          - The conditions; each names one job or one crawler and the state it must reach.
        type: list
        elements: dict
        required: true
        suboptions:
          job_name:
            description:
              - Job whose run state is watched.
            type: str
          crawler_name:
            description:
              - Crawler whose crawl state is watched.
            type: str
          state:
            description:
              - State the job run or crawl must reach.
            choices: [SUCCEEDED, FAILED, STOPPED, TIMEOUT, CANCELLED, ERROR]
            default: SUCCEEDED
            type: str
  actions:
    description:
      - Jobs and crawlers the trigger starts. Required with O(state=present).
    type: list
    elements: dict
    suboptions:
      job_name:
        description:
          - Job to start.
        type: str
      crawler_name:
        description:
          - Crawler to start.
        type: str
      arguments:
        description:
          - Job arguments for this start, overriding the job's defaults (C(--key) names).
        type: dict
      timeout:
        description:
          - Minutes the job run may take, overriding the job's timeout.
        type: int
  enabled:
    description:
      - Whether a scheduled or conditional trigger is active. Ignored for O(type=ON_DEMAND).
    type: bool
    default: true
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
    description: Shows the trigger before and after.
"""

EXAMPLES = r"""
- name: Start the pipeline's processing job on demand
  dataeng.platform.glue_trigger:
    name: dataeng-dev-start-processing
    workflow_name: dataeng-dev-data-pipeline
    type: ON_DEMAND
    actions:
      - job_name: dataeng-dev-data-processing

- name: Check quality once processing succeeded
  dataeng.platform.glue_trigger:
    name: dataeng-dev-quality-after-processing
    workflow_name: dataeng-dev-data-pipeline
    type: CONDITIONAL
    predicate:
      conditions:
        - job_name: dataeng-dev-data-processing
          state: SUCCEEDED
    actions:
      - job_name: dataeng-dev-data-quality
        timeout: 30
    tags:
      Environment: dev

- name: Crawl the raw zone every night
  dataeng.platform.glue_trigger:
    name: dataeng-dev-nightly-raw-crawl
    type: SCHEDULED
    schedule: cron(0 2 * * ? *)
    actions:
      - crawler_name: dataeng-dev-raw
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: The API calls an update made (or would make, in check mode).
  returned: when an existing trigger changed (with O(triggers), each prefixed with the trigger's name)
  type: list
  elements: str
  sample: ["update_trigger", "start_trigger"]
triggers:
  description: Each trigger of O(triggers) as it is after the task, in the order listed (each as RV(trigger)
    describes it; empty when absent).
  returned: when O(triggers) is given
  type: list
  elements: dict
  version_added: 0.2.0
trigger:
  description: The trigger as it is after the task (empty when absent).
  returned: unless O(triggers) is given
  type: dict
  contains:
    name:
      description: Name of the trigger.
      type: str
      sample: dataeng-dev-quality-after-processing
    type:
      description: C(ON_DEMAND), C(SCHEDULED) or C(CONDITIONAL).
      type: str
      sample: CONDITIONAL
    workflow_name:
      description: Workflow the trigger belongs to (empty for none).
      type: str
      sample: dataeng-dev-data-pipeline
    description:
      description: Its description.
      type: str
      sample: ""
    schedule:
      description: Cron expression of a scheduled trigger (empty otherwise).
      type: str
      sample: ""
    predicate:
      description: Conditions of a conditional trigger (empty otherwise).
      type: dict
      sample: {"logical": "AND", "conditions": [{"job_name": "dataeng-dev-data-processing", "state": "SUCCEEDED"}]}
    actions:
      description: Jobs and crawlers it starts.
      type: list
      elements: dict
      sample: [{"job_name": "dataeng-dev-data-quality", "timeout": 30}]
    enabled:
      description: Whether a scheduled or conditional trigger is active (always true for on demand).
      type: bool
      sample: true
    trigger_state:
      description: The state Glue reports (C(CREATED), C(ACTIVATED), C(DEACTIVATED), ...).
      type: str
      sample: ACTIVATED
    arn:
      description: ARN of the trigger.
      type: str
      sample: arn:aws:glue:us-east-2:123456789012:trigger/dataeng-dev-quality-after-processing
    tags:
      description: Tags of the trigger.
      type: dict
      sample: {"Environment": "dev"}
"""


from ansible_collections.dataeng.platform.plugins.module_utils.glue import GlueResource
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action, calls_of, run
from ansible_collections.dataeng.platform.plugins.module_utils.tags import (
    TAG_OPTIONS,
    expected_task_tags,
    plan_task_tags,
)

# Settings UpdateTrigger changes in place; type and workflow need a new trigger.
UPDATABLE = ("description", "schedule", "predicate", "actions")
FIXED = ("type", "workflow_name")
# Action fields: the module's name, Glue's name.
ACTION_FIELDS = (
    ("job_name", "JobName"),
    ("crawler_name", "CrawlerName"),
    ("arguments", "Arguments"),
    ("timeout", "Timeout"),
)


def normalize_actions(actions):
    """Actions with only the fields that are set, so a rerun compares equal to what Glue returns."""
    return [{key: value for key, value in action.items() if value not in (None, {})} for action in actions or []]


def normalize_predicate(predicate):
    """A predicate in the module's terms; empty when there is none. One condition is always AND."""
    if not predicate or not predicate.get("conditions"):
        return {}
    conditions = [
        {key: value for key, value in condition.items() if value is not None} for condition in predicate["conditions"]
    ]
    logical = (predicate.get("logical") or "AND") if len(conditions) > 1 else "AND"
    return {"logical": logical, "conditions": conditions}


def from_glue(trigger):
    """A get_trigger answer in the module's terms (tags and ARN aside)."""
    predicate = trigger.get("Predicate") or {}
    conditions = [
        {
            "job_name": condition.get("JobName"),
            "crawler_name": condition.get("CrawlerName"),
            "state": condition.get("State") or condition.get("CrawlState"),
        }
        for condition in predicate.get("Conditions", [])
    ]
    trigger_type = trigger["Type"]
    return {
        "name": trigger["Name"],
        "type": trigger_type,
        "workflow_name": trigger.get("WorkflowName") or "",
        "description": trigger.get("Description") or "",
        "schedule": trigger.get("Schedule") or "",
        "predicate": normalize_predicate({"logical": predicate.get("Logical"), "conditions": conditions}),
        "actions": normalize_actions(
            [
                {field: action.get(glue_field) for field, glue_field in ACTION_FIELDS}
                for action in trigger.get("Actions", [])
            ]
        ),
        "enabled": trigger_type == "ON_DEMAND" or trigger.get("State") in ("ACTIVATED", "ACTIVATING"),
        "trigger_state": trigger.get("State", ""),
    }


def desired(params):
    """What the task asks for, in the module's terms."""
    return {
        "name": params["name"],
        "type": params["type"],
        "workflow_name": params["workflow_name"],
        "description": params["description"],
        "schedule": params.get("schedule") or "",
        "predicate": normalize_predicate(params.get("predicate")),
        "actions": normalize_actions(params["actions"]),
        "enabled": params["type"] == "ON_DEMAND" or params["enabled"],
    }


def to_glue_actions(actions):
    return [{glue_field: action[field] for field, glue_field in ACTION_FIELDS if field in action} for action in actions]


def to_glue_predicate(predicate):
    conditions = []
    for condition in predicate["conditions"]:
        glue_condition = {"LogicalOperator": "EQUALS"}
        if condition.get("job_name"):
            glue_condition.update(JobName=condition["job_name"], State=condition["state"])
        else:
            glue_condition.update(CrawlerName=condition["crawler_name"], CrawlState=condition["state"])
        conditions.append(glue_condition)
    return {"Logical": predicate["logical"], "Conditions": conditions}


def create_request(params, tags):
    """The create_trigger request for what the task asks, carrying `tags`."""
    wanted = desired(params)
    request = {"Name": wanted["name"], "Type": wanted["type"], "Actions": to_glue_actions(wanted["actions"])}
    if wanted["workflow_name"]:
        request["WorkflowName"] = wanted["workflow_name"]
    if wanted["description"]:
        request["Description"] = wanted["description"]
    if wanted["schedule"]:
        request["Schedule"] = wanted["schedule"]
    if wanted["predicate"]:
        request["Predicate"] = to_glue_predicate(wanted["predicate"])
    if wanted["type"] != "ON_DEMAND":
        request["StartOnCreation"] = wanted["enabled"]
    if tags:
        request["Tags"] = tags
    return request


def update_request(params):
    """The update_trigger request: every in-place setting, so none is left behind."""
    wanted = desired(params)
    update = {
        "Name": wanted["name"],
        "Description": wanted["description"],
        "Actions": to_glue_actions(wanted["actions"]),
    }
    if wanted["schedule"]:
        update["Schedule"] = wanted["schedule"]
    if wanted["predicate"]:
        update["Predicate"] = to_glue_predicate(wanted["predicate"])
    return {"Name": wanted["name"], "TriggerUpdate": update}


def plan_trigger(current, params):
    wanted = desired(params)
    if any(current[key] != wanted[key] for key in FIXED):
        return [Action("delete_trigger"), Action("create_trigger")]
    actions = []
    if any(current[key] != wanted[key] for key in UPDATABLE):
        actions.append(Action("update_trigger"))
    if current["enabled"] != wanted["enabled"]:
        actions.append(Action("start_trigger" if wanted["enabled"] else "stop_trigger"))
    return actions + plan_task_tags(current["tags"], params)


def check_params(params):
    """What argument_spec cannot say; returns an error message or None."""
    if params["state"] == "absent":
        return None
    if not params.get("actions"):
        return "actions must name at least one job or crawler to start"
    for action in params["actions"]:
        if bool(action.get("job_name")) == bool(action.get("crawler_name")):
            return "each of actions needs exactly one of job_name or crawler_name"
        if action.get("crawler_name") and (action.get("arguments") or action.get("timeout")):
            return "arguments and timeout apply to job actions only"
    if params["type"] == "SCHEDULED" and not params.get("schedule"):
        return "a SCHEDULED trigger needs a schedule, e.g. cron(0 2 * * ? *)"
    if params["type"] != "SCHEDULED" and params.get("schedule"):
        return "schedule applies to SCHEDULED triggers only"
    if params["type"] == "CONDITIONAL":
        if not (params.get("predicate") or {}).get("conditions"):
            return "a CONDITIONAL trigger needs predicate.conditions"
        for condition in params["predicate"]["conditions"]:
            if bool(condition.get("job_name")) == bool(condition.get("crawler_name")):
                return "each of predicate.conditions needs exactly one of job_name or crawler_name"
    elif params.get("predicate"):
        return "predicate applies to CONDITIONAL triggers only"
    return None


class GlueTrigger(GlueResource):
    kind = "Glue trigger"
    arn_type = "trigger"

    get_call = ("get_trigger", "Trigger")
    planner = staticmethod(plan_trigger)
    shape = staticmethod(from_glue)

    def expected(self, current):
        after = {**(current or {}), **desired(self.params)}
        if after["type"] == "ON_DEMAND":
            after["trigger_state"] = "CREATED"
        else:
            after["trigger_state"] = "ACTIVATED" if after["enabled"] else ("DEACTIVATED" if current else "CREATED")
        after["tags"] = expected_task_tags(current["tags"] if current else {}, self.params)
        return after

    def create(self):
        self.client.create_trigger(aws_retry=True, **create_request(self.params, self.params.get("tags") or {}))

    def update(self, current, actions):
        if "create_trigger" in calls_of(actions):
            # A new trigger of another type or workflow keeps the tags the old one would have kept.
            self.delete(current)
            self.client.create_trigger(
                aws_retry=True, **create_request(self.params, expected_task_tags(current["tags"], self.params))
            )
            return
        if "update_trigger" in calls_of(actions):
            self.client.update_trigger(aws_retry=True, **update_request(self.params))
        if "start_trigger" in calls_of(actions):
            self.client.start_trigger(aws_retry=True, Name=self.name)
        if "stop_trigger" in calls_of(actions):
            self.client.stop_trigger(aws_retry=True, Name=self.name)
        self.update_tags(actions)

    def delete(self, current):
        self.client.delete_trigger(aws_retry=True, Name=self.name)


def main():
    condition = dict(
        job_name=dict(type="str"),
        crawler_name=dict(type="str"),
        state=dict(
            type="str", default="SUCCEEDED", choices=["SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "CANCELLED", "ERROR"]
        ),
    )
    action = dict(
        job_name=dict(type="str"),
        crawler_name=dict(type="str"),
        arguments=dict(type="dict"),
        timeout=dict(type="int"),
    )
    options = dict(
        type=dict(type="str", choices=["ON_DEMAND", "SCHEDULED", "CONDITIONAL"]),
        workflow_name=dict(type="str", default=""),
        description=dict(type="str", default=""),
        schedule=dict(type="str"),
        predicate=dict(
            type="dict",
            options=dict(
                logical=dict(type="str", default="AND", choices=["AND", "ANY"]),
                conditions=dict(type="list", elements="dict", required=True, options=condition),
            ),
        ),
        actions=dict(type="list", elements="dict", options=action),
        enabled=dict(type="bool", default=True),
        **TAG_OPTIONS,
    )
    run(
        GlueTrigger,
        "trigger",
        options,
        check_params,
        several="triggers",
        required_if=[("state", "present", ["type", "actions"])],
    )


if __name__ == "__main__":
    main()
