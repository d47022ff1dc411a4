# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: plan
type: aggregate
short_description: Print (and save) what a run changes, resource by resource, as Terraform's plan does
description:
  - Collects the resource changes every task reports (the collection's modules and predictions return them under
    C(planned); a stock module's change is named after the module and its resource, and marked partial) and, at the
    end of the run, prints them per resource, C(+) create, C(~) update with each changed attribute as C(old -> new),
    C(-) destroy, C(-/+) replace, then C(Plan - N to add, N to change, N to destroy.) In check mode this is the plan;
    in a converge it is what was applied.
  - Saves the plan as JSON (mode 0600) to O(file), or else to the path the fact C(platform_plan_path) holds once a
    task of the run sets it (C(playbooks/plan.yml) does), at the start of every play and at the end, so that a later
    play of the same run can read it; docs/plan.md documents the file.
  - A role's prediction (C(dataeng.platform.planned_change)) stands for the stock module's own report of the same
    resource (its kind and name as the plan gives them), which is then left out.
  - With a JSON stdout callback (C(ansible.posix.json), C(ansible.posix.jsonl)) it prints nothing, so that the output
    stays JSON; it still saves the plan.
  - Values the modules hide (no_log) stay hidden; a task whose whole result is hidden is listed by its name only.
  - Lists as unmanaged each resource that C(dataeng.platform.tagged_resources_info) found with the platform's tags
    when no other task of the run named it (by its ARN, id or name, in a task's arguments or result), that is what a
    rename or a removal from the inventory left behind.
options:
  file:
    description: Where to save the plan (or, outside check mode, what was applied) as JSON.
    type: path
    env:
      - name: DATAENG_PLAN_FILE
    ini:
      - section: callback_dataeng_plan
        key: file
requirements:
  - enabled in the configuration (C(callbacks_enabled = dataeng.platform.plan) or
    C(ANSIBLE_CALLBACKS_ENABLED=dataeng.platform.plan)); C(make plan) and C(make drift) enable it.
"""

import json
import os
import re
import tempfile
from datetime import datetime

from ansible import constants, context
from ansible.plugins.callback import CallbackBase

from ansible_collections.dataeng.platform.plugins.module_utils.plan import CREATE, DELETE, REPLACE, UPDATE

PLAN_FORMAT_VERSION = 1
# The module whose result lists the resources that carry the platform's tags, managed or not.
TAGGED_RESOURCES_ACTION = "dataeng.platform.tagged_resources_info"
# A revision a resource's ARN ends with (an ECS task definition's "family:3"): every revision is its family's.
REVISION = re.compile(r":\d+$")
# Set by the play that wants the plan saved (playbooks/plan.yml), read back by its last play.
PLAN_PATH_FACT = "platform_plan_path"
# Actions that change nothing outside the run: in-memory inventory and variables, checks, messages.
NO_RESOURCE_ACTIONS = frozenset(
    prefix + name
    for prefix in ("", "ansible.builtin.", "ansible.legacy.")
    for name in ("add_host", "group_by", "set_fact", "set_stats", "include_vars", "debug", "assert", "fail", "meta")
)
# Stock modules whose check mode reports `changed` without saying what: what they manage and the option naming it.
STOCK_RESOURCES = {
    "amazon.aws.cloudwatchlogs_log_group": ("log group", "log_group_name"),
    "amazon.aws.ec2_instance": ("instance", "name"),
    "amazon.aws.ec2_key": ("key pair", "name"),
    "amazon.aws.ec2_security_group": ("security group", "name"),
    "amazon.aws.ec2_snapshot": ("snapshot of volume", "volume_id"),
    "amazon.aws.ec2_tag": ("tags of", "resource"),
    "amazon.aws.ec2_vol": ("volume", "id"),
    "amazon.aws.ec2_vpc_endpoint": ("VPC endpoint", "service"),
    "amazon.aws.ec2_vpc_igw": ("internet gateway of VPC", "vpc_id"),
    "amazon.aws.ec2_vpc_nacl": ("network ACL", "name"),
    "amazon.aws.ec2_vpc_nat_gateway": ("NAT gateway in subnet", "subnet_id"),
    "amazon.aws.ec2_vpc_net": ("VPC", "name"),
    "amazon.aws.ec2_vpc_route_table": ("route table of VPC", "vpc_id"),
    "amazon.aws.iam_instance_profile": ("instance profile", "name"),
    "amazon.aws.kms_key": ("KMS key", "alias"),
    "amazon.aws.s3_bucket": ("bucket", "name"),
    "community.aws.ecs_cluster": ("ECS cluster", "name"),
    "community.aws.ecs_service": ("ECS service", "name"),
    "community.aws.ecs_taskdefinition": ("ECS task definition", "family"),
    "community.aws.s3_logging": ("access logging of bucket", "name"),
}
PARTIAL = "partial: {module} reports a change without saying what"
HIDDEN = "hidden: the task's result is not logged (no_log)"
SIGNS = {CREATE: "+", UPDATE: "~", DELETE: "-", REPLACE: "-/+"}
# Longer values are cut in the printed plan (the saved one keeps them whole).
SHOWN_VALUE_LENGTH = 160


def summary(changes):
    """The plan's totals as Terraform counts them: a replacement is one to add and one to destroy."""
    actions = [change["action"] for change in changes]
    return {
        "add": actions.count(CREATE) + actions.count(REPLACE),
        "change": actions.count(UPDATE),
        "destroy": actions.count(DELETE) + actions.count(REPLACE),
    }


def task_changes(action, task_name, result):
    """The resource changes one changed task result reports: its own `planned`, or what a stock module's result says,
    marked partial."""
    if "planned" in result:
        return [dict(change, task=task_name) for change in result["planned"]]
    if result.get("censored"):
        return [{"kind": "task", "name": task_name, "action": UPDATE, "changes": [], "note": HIDDEN, "task": task_name}]
    kind, option = STOCK_RESOURCES.get(action, (action.rsplit(".", 1)[-1], "name"))
    arguments = result.get("invocation", {}).get("module_args", {})
    name = arguments.get(option) or result.get("_ansible_item_label") or task_name
    # Whatever else such a module would do, a task for an absent resource deletes it.
    change = DELETE if arguments.get("state") == "absent" else UPDATE
    note = PARTIAL.format(module=action)
    return [{"kind": kind, "name": str(name), "action": change, "changes": [], "note": note, "task": task_name}]


def identifiers(value, found):
    """Every string in a task's arguments and result (dictionary keys too): the names, ids and ARNs it declares."""
    if isinstance(value, dict):
        found.update(key for key in value if isinstance(key, str))
        for item in value.values():
            identifiers(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            identifiers(item, found)
    elif isinstance(value, str):
        found.add(value)
    return found


def unmanaged(tagged, declared):
    """The tagged resources that no task named by ARN, id or name."""
    return [
        resource
        for resource in tagged
        if not {resource["arn"], resource["id"], resource["name"], REVISION.sub("", resource["id"])} & declared
    ]


def shown(value):
    """A value as the printed plan shows it: JSON, cut when long."""
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= SHOWN_VALUE_LENGTH else f"{text[: SHOWN_VALUE_LENGTH - 3]}..."


def attribute_line(change):
    if change["old"] is None:
        return f"+ {change['attribute']}: {shown(change['new'])}"
    if change["new"] is None:
        return f"- {change['attribute']}: {shown(change['old'])}"
    return f"~ {change['attribute']}: {shown(change['old'])} -> {shown(change['new'])}"


def rendered(plan):
    """The plan as text: each resource change with its attributes, then the totals."""
    lines = []
    for change in plan["resource_changes"]:
        lines.append(f"  {SIGNS[change['action']]} {change['kind']} {change['name']}")
        if change.get("note"):
            lines.append(f"      # {change['note']}")
        lines.extend(f"      {attribute_line(attribute)}" for attribute in change["changes"])
    for error in plan["errors"]:
        lines.append(f"  ! {error['host']}: {error['task']}: {error['msg']}")
    if plan["unmanaged"]:
        lines.append(
            f"Unmanaged: {len(plan['unmanaged'])} resources carry the platform's tags but the inventory no longer "
            "declares them (left behind by a rename or a removal: docs/migrating-from-terraform.md)."
        )
        lines.extend(f"  ? {resource['kind']} {resource['name']} ({resource['arn']})" for resource in plan["unmanaged"])
    totals = plan["summary"]
    if plan["mode"] == "check":
        if not plan["resource_changes"] and plan["unmanaged"]:
            lines.append("No changes to what the inventory declares.")
        elif not plan["resource_changes"]:
            lines.append("No changes. The account matches the inventory.")
        else:
            lines.append(f"Plan: {totals['add']} to add, {totals['change']} to change, {totals['destroy']} to destroy.")
    else:
        applied = f"{totals['add']} added, {totals['change']} changed, {totals['destroy']} destroyed"
        lines.append(f"Apply complete! Resources: {applied}.")
    return "\n".join(lines)


def save(path, plan):
    """Write the plan to `path` readable by its owner only (it names the account's resources), atomically."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".plan-")
    with os.fdopen(handle, "w") as stream:
        json.dump(plan, stream, indent=2, sort_keys=True, default=str)
        stream.write("\n")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "dataeng.platform.plan"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.changes = []
        # Each (host, kind, name) a task reported under `planned`: a prediction, if a stock module follows.
        self.planned = set()
        self.errors = []
        # What the tasks named (arguments and results), and what carries the platform's tags (None: not listed).
        self.declared = set()
        self.tagged = None
        self.path = None
        self.started = datetime.now().astimezone().isoformat(timespec="seconds")

    @property
    def plan(self):
        left = unmanaged(self.tagged or [], self.declared)
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "mode": "check" if context.CLIARGS.get("check") else "apply",
            "started": self.started,
            "complete": False,
            "resource_changes": self.changes,
            "summary": summary(self.changes),
            "unmanaged": left,
            "unmanaged_listed": self.tagged is not None,
            "errors": self.errors,
        }

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self.path = self.get_option("file")

    def record(self, result):
        values = result._result
        if PLAN_PATH_FACT in values.get("ansible_facts", {}) and not self.get_option("file"):
            self.path = values["ansible_facts"][PLAN_PATH_FACT]
        action = result._task.resolved_action or result._task.action
        if action == TAGGED_RESOURCES_ACTION:
            self.tagged = (self.tagged or []) + values.get("resources", [])
            # The tasks after the listing publish the plan from the saved file.
            if self.path:
                save(self.path, self.plan)
            return
        # Only a plan (check mode) lists unmanaged resources; what the tasks after the listing name (the plan itself,
        # published by the tasks that follow it) declares nothing.
        if self.tagged is None and context.CLIARGS.get("check"):
            identifiers(values, self.declared)
        if not values.get("changed") or action in NO_RESOURCE_ACTIONS:
            return
        host = result._host.get_name()
        for change in task_changes(action, result._task.get_name(), values):
            resource = (host, change["kind"], change["name"])
            if "planned" in values:
                self.planned.add(resource)
            elif resource in self.planned:
                continue
            self.changes.append(dict(change, host=host))

    def v2_runner_on_ok(self, result):
        # A loop's items arrive one by one (v2_runner_item_on_ok) before the loop's whole result.
        if "results" not in result._result:
            self.record(result)

    def v2_runner_item_on_ok(self, result):
        self.record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            message = result._result.get("msg", "failed")
            self.errors.append({"host": result._host.get_name(), "task": result._task.get_name(), "msg": message})

    def v2_runner_on_unreachable(self, result):
        self.v2_runner_on_failed(result)

    def v2_playbook_on_play_start(self, play):
        if self.path:
            save(self.path, self.plan)

    def v2_playbook_on_stats(self, stats):
        plan = dict(self.plan, complete=True)
        printed = "json" not in constants.DEFAULT_STDOUT_CALLBACK.rsplit(".", 1)[-1]
        if printed:
            self._display.banner("PLAN" if plan["mode"] == "check" else "APPLIED")
            self._display.display(rendered(plan))
        if self.path:
            save(self.path, plan)
            if printed:
                self._display.display(f"Saved to {self.path}")
