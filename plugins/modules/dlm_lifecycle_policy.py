#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: dlm_lifecycle_policy
version_added: 0.1.0
short_description: Manage an Amazon Data Lifecycle Manager policy that snapshots tagged EBS volumes
description:
  - Creates, updates or deletes an Amazon Data Lifecycle Manager (DLM) snapshot policy with one schedule
    that snapshots every volume (or instance) carrying the target tags, every O(interval_hours) hours from
    O(start_time), and keeps the newest O(retain_count) snapshots of each.
  - Neither amazon.aws nor community.aws has a module for DLM.
  - DLM policies have no name; the module finds the policy by its description, O(name), which must be unique
    among the account's policies in the region.
  - Snapshots of encrypted volumes are encrypted with the volume's key; DLM needs no key setting for that.
options:
  name:
    description:
      - Description of the policy, by which the module finds it (letters, digits, spaces, C(_) and C(-)).
    required: true
    type: str
  state:
    description:
      - Whether the policy should exist. Deleting it keeps the snapshots it made.
    choices: [present, absent]
    default: present
    type: str
  execution_role:
    description:
      - IAM role (name or ARN) DLM acts as; it needs the permissions of the AWS managed policy
        C(AWSDataLifecycleManagerServiceRole). Required with O(state=present).
    type: str
  enabled:
    description:
      - Whether the policy runs (C(ENABLED)) or is kept without running (C(DISABLED)).
    type: bool
    default: true
  resource_type:
    description:
      - What the target tags select. C(INSTANCE) snapshots all of an instance's volumes together.
    choices: [VOLUME, INSTANCE]
    default: VOLUME
    type: str
  target_tags:
    description:
      - Tags that select what is snapshotted. DLM takes every volume (or instance) carrying any of them.
      - Required with O(state=present).
    type: dict
  schedule_name:
    description:
      - Name of the policy's schedule, which DLM puts on each snapshot (tag C(aws:dlm:lifecycle-schedule-name)).
    type: str
    default: daily
  interval_hours:
    description:
      - Hours between snapshots.
    choices: [1, 2, 3, 4, 6, 8, 12, 24]
    default: 24
    type: int
  start_time:
    description:
      - Time of day (UTC, C(hh:mm)) of the first snapshot; DLM starts within the hour that follows.
    default: "03:00"
    type: str
  retain_count:
    description:
      - Snapshots of each volume kept (1 to 1000); DLM deletes the oldest beyond them.
    default: 7
    type: int
  copy_tags:
    description:
      - Whether each snapshot gets its volume's tags.
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
    description: Shows the policy before and after.
"""

EXAMPLES = r"""
- name: Snapshot the hosts' volumes every day at 03:00 UTC and keep a week of them
  dataeng.platform.dlm_lifecycle_policy:
    name: dataeng-dev-host-volumes
    execution_role: dataeng-dev-snapshots
    target_tags:
      Snapshots: dataeng-dev
    interval_hours: 24
    start_time: "03:00"
    retain_count: 7
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
  returned: when an existing policy changed
  type: list
  elements: str
  sample: ["update_lifecycle_policy"]
policy:
  description: The policy as it is after the task (empty when absent).
  returned: always
  type: dict
  contains:
    name:
      description: Description of the policy.
      type: str
      sample: dataeng-dev-host-volumes
    policy_id:
      description: Id of the policy (empty in check mode before it exists).
      type: str
      sample: policy-0123456789abcdef0
    arn:
      description: ARN of the policy (empty in check mode before it exists).
      type: str
      sample: arn:aws:dlm:us-east-2:123456789012:policy/policy-0123456789abcdef0
    execution_role:
      description: ARN of the role DLM acts as.
      type: str
      sample: arn:aws:iam::123456789012:role/dataeng-dev-snapshots
    enabled:
      description: Whether the policy runs.
      type: bool
      sample: true
    resource_type:
      description: What the target tags select.
      type: str
      sample: VOLUME
    target_tags:
      description: Tags a volume must carry to be snapshotted.
      type: dict
      sample: {"Snapshots": "dataeng-dev"}
    schedule_name:
      description: Name of the schedule.
      type: str
      sample: daily
    interval_hours:
      description: Hours between snapshots.
      type: int
      sample: 24
    start_time:
      description: Time of day (UTC) of the first snapshot.
      type: str
      sample: "03:00"
    retain_count:
      description: Snapshots of each volume kept.
      type: int
      sample: 7
    copy_tags:
      description: Whether snapshots get their volume's tags.
      type: bool
      sample: true
    tags:
      description: Tags of the policy.
      type: dict
      sample: {"Environment": "dev"}
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dataeng.platform.plugins.module_utils.propagation import (
    DLM_ROLE_NOT_PROPAGATED,
    when_propagated,
)
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action, ManagedResource, calls_of, run
from ansible_collections.dataeng.platform.plugins.module_utils.tags import (
    DLM_TAGS,
    TAG_OPTIONS,
    apply_tags,
    expected_task_tags,
    plan_task_tags,
)

SETTINGS = (
    "execution_role",
    "enabled",
    "resource_type",
    "target_tags",
    "schedule_name",
    "interval_hours",
    "start_time",
    "retain_count",
    "copy_tags",
)
# DLM API Reference: CreateLifecyclePolicy's Description, CreateRule's Times and RetainRule's Count.
DESCRIPTION_PATTERN = re.compile(r"^[0-9A-Za-z _-]{1,500}$")
START_TIME_PATTERN = re.compile(r"^(0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$")
MAX_RETAIN_COUNT = 1000
# Around the calls that hand DLM its execution role.
WHEN_ROLE_PROPAGATED = when_propagated(DLM_ROLE_NOT_PROPAGATED)


def role_arn(role, account, partition):
    return role if role.startswith("arn:") else f"arn:{partition}:iam::{account}:role/{role}"


def from_dlm(policy):
    """A get_lifecycle_policy answer in the module's terms: the one schedule the module makes (tags aside)."""
    details = policy.get("PolicyDetails") or {}
    schedule = (details.get("Schedules") or [{}])[0]
    create = schedule.get("CreateRule") or {}
    return {
        "name": policy["Description"],
        "policy_id": policy["PolicyId"],
        "arn": policy.get("PolicyArn", ""),
        "execution_role": policy["ExecutionRoleArn"],
        "enabled": policy["State"] == "ENABLED",
        "resource_type": (details.get("ResourceTypes") or [""])[0],
        "target_tags": {tag["Key"]: tag["Value"] for tag in details.get("TargetTags") or []},
        "schedule_name": schedule.get("Name", ""),
        "interval_hours": create.get("Interval", 0),
        "start_time": (create.get("Times") or [""])[0],
        "retain_count": (schedule.get("RetainRule") or {}).get("Count", 0),
        "copy_tags": bool(schedule.get("CopyTags")),
    }


def desired(params, execution_role_arn):
    """What the task asks for, in from_dlm's terms."""
    wanted = {key: params[key] for key in SETTINGS}
    wanted["execution_role"] = execution_role_arn
    return wanted


def policy_details(params):
    """The PolicyDetails of the policy: one schedule, on the target tags (DLM API Reference, PolicyDetails)."""
    return {
        "PolicyType": "EBS_SNAPSHOT_MANAGEMENT",
        "ResourceTypes": [params["resource_type"]],
        "TargetTags": [{"Key": key, "Value": value} for key, value in sorted(params["target_tags"].items())],
        "Schedules": [
            {
                "Name": params["schedule_name"],
                "CopyTags": params["copy_tags"],
                "CreateRule": {
                    "Interval": params["interval_hours"],
                    "IntervalUnit": "HOURS",
                    "Times": [params["start_time"]],
                },
                "RetainRule": {"Count": params["retain_count"]},
            }
        ],
    }


def policy_settings(params, execution_role_arn):
    """The settings create_lifecycle_policy and update_lifecycle_policy both take."""
    return {
        "ExecutionRoleArn": execution_role_arn,
        "Description": params["name"],
        "State": "ENABLED" if params["enabled"] else "DISABLED",
        "PolicyDetails": policy_details(params),
    }


def plan_policy(current, params, execution_role_arn):
    wanted = desired(params, execution_role_arn)
    settings_differ = any(current[key] != wanted[key] for key in SETTINGS)
    actions = [Action("update_lifecycle_policy")] if settings_differ else []
    return actions + plan_task_tags(current["tags"], params, DLM_TAGS)


def check_params(params):
    """What argument_spec cannot say; returns an error message or None."""
    if not DESCRIPTION_PATTERN.match(params["name"]):
        return f"name is the policy's description: 1 to 500 letters, digits, spaces, _ and -; got {params['name']!r}"
    if params["state"] == "absent":
        return None
    if not params["target_tags"]:
        return "target_tags must name at least one tag: without one the policy would select no volume"
    if not START_TIME_PATTERN.match(params["start_time"]):
        return f"start_time must be a UTC time of day as hh:mm (00:00 to 23:59), got {params['start_time']!r}"
    if not 1 <= params["retain_count"] <= MAX_RETAIN_COUNT:
        return f"retain_count must be between 1 and {MAX_RETAIN_COUNT}, got {params['retain_count']}"
    return None


class LifecyclePolicy(ManagedResource):
    kind = "DLM lifecycle policy"

    def __init__(self, module):
        super().__init__(module)
        self.client = module.client("dlm", retry_decorator=AWSRetry.jittered_backoff())
        self._role_arn = None

    @property
    def execution_role_arn(self):
        if self._role_arn is None:
            account, partition = get_aws_account_info(self.module)
            self._role_arn = role_arn(self.params["execution_role"], account, partition)
        return self._role_arn

    def describe(self):
        summaries = self.client.get_lifecycle_policies(aws_retry=True)["Policies"]
        ids = [summary["PolicyId"] for summary in summaries if summary.get("Description") == self.name]
        if len(ids) > 1:
            self.module.fail_json(
                msg=f"{len(ids)} DLM policies are described as {self.name}: {', '.join(ids)}; keep one"
            )
        if not ids:
            return None
        try:
            policy = self.client.get_lifecycle_policy(aws_retry=True, PolicyId=ids[0])["Policy"]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None  # deleted since the listing
        return {**from_dlm(policy), "tags": policy.get("Tags") or {}}

    def plan(self, current):
        return plan_policy(current, self.params, self.execution_role_arn)

    def expected(self, current):
        after = {"policy_id": "", "arn": "", **(current or {}), **desired(self.params, self.execution_role_arn)}
        after["name"] = self.name
        after["tags"] = expected_task_tags(current["tags"] if current else {}, self.params)
        return after

    def create(self):
        settings = policy_settings(self.params, self.execution_role_arn)
        if self.params.get("tags"):
            settings["Tags"] = self.params["tags"]
        WHEN_ROLE_PROPAGATED(self.client.create_lifecycle_policy)(**settings)

    def update(self, current, actions):
        if "update_lifecycle_policy" in calls_of(actions):
            settings = policy_settings(self.params, self.execution_role_arn)
            del settings["Description"]  # what finds the policy: unchanged
            WHEN_ROLE_PROPAGATED(self.client.update_lifecycle_policy)(PolicyId=current["policy_id"], **settings)
        apply_tags(self.client, DLM_TAGS, current["arn"], actions)

    def delete(self, current):
        self.client.delete_lifecycle_policy(aws_retry=True, PolicyId=current["policy_id"])


def main():
    options = dict(
        execution_role=dict(type="str"),
        enabled=dict(type="bool", default=True),
        resource_type=dict(type="str", default="VOLUME", choices=["VOLUME", "INSTANCE"]),
        target_tags=dict(type="dict"),
        schedule_name=dict(type="str", default="daily"),
        interval_hours=dict(type="int", default=24, choices=[1, 2, 3, 4, 6, 8, 12, 24]),
        start_time=dict(type="str", default="03:00"),
        retain_count=dict(type="int", default=7),
        copy_tags=dict(type="bool", default=True),
        **TAG_OPTIONS,
    )
    run(
        LifecyclePolicy,
        "policy",
        options,
        check_params,
        required_if=[("state", "present", ["execution_role", "target_tags"])],
    )


if __name__ == "__main__":
    main()
