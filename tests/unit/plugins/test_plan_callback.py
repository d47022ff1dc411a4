"""The plan callback's pure parts (plugins/callback/plan.py): which changes a task result reports, how the plan reads
and what it totals."""

from __future__ import annotations

import json
import stat
from types import SimpleNamespace

from ansible_collections.dataeng.platform.plugins.callback import plan

SUBNET = {
    "kind": "subnet",
    "name": "10.0.1.0/24",
    "action": "update",
    "changes": [{"attribute": "tags.Tier", "old": None, "new": "public"}],
}


def test_a_modules_planned_changes_are_taken_as_they_are_with_the_task():
    assert plan.task_changes("dataeng.platform.ec2_vpc_subnets", "Subnets", {"planned": [SUBNET]}) == [
        dict(SUBNET, task="Subnets")
    ]


def test_a_stock_modules_change_is_named_from_its_arguments_and_marked_partial():
    result = {"changed": True, "invocation": {"module_args": {"name": "dataeng-dev-vpc", "cidr_block": "10.0.0.0/16"}}}
    (change,) = plan.task_changes("amazon.aws.ec2_vpc_net", "VPC", result)
    assert (change["kind"], change["name"], change["action"]) == ("VPC", "dataeng-dev-vpc", "update")
    assert change["note"] == "partial: amazon.aws.ec2_vpc_net reports a change without saying what"


def test_a_stock_modules_task_for_an_absent_resource_is_a_delete():
    result = {"changed": True, "invocation": {"module_args": {"name": "dataeng-dev-admin", "state": "absent"}}}
    assert plan.task_changes("amazon.aws.ec2_key", "Key", result)[0]["action"] == "delete"


def test_a_hidden_result_is_listed_by_its_task_only():
    result = {"censored": "the output has been hidden due to the fact that 'no_log: true' was specified"}
    (change,) = plan.task_changes("dataeng.platform.iam_role", "Roles", result)
    assert (change["kind"], change["name"], change["changes"]) == ("task", "Roles", [])


def test_a_replacement_counts_as_one_to_add_and_one_to_destroy():
    actions = ["create", "update", "update", "delete", "replace"]
    assert plan.summary([{"action": action} for action in actions]) == {"add": 2, "change": 2, "destroy": 2}


def plan_of(changes, mode="check", errors=(), left=()):
    return {
        "mode": mode,
        "resource_changes": changes,
        "summary": plan.summary(changes),
        "unmanaged": list(left),
        "errors": list(errors),
    }


def test_the_plan_reads_as_terraforms():
    replaced = {"kind": "instance", "name": "mon", "action": "replace", "changes": [], "note": "a new id"}
    gone = dict(SUBNET, action="delete", changes=[{"attribute": "tags.Owner", "old": "x", "new": None}])
    changed = dict(SUBNET, changes=[{"attribute": "timeout", "old": 60, "new": 90}])
    assert plan.rendered(plan_of([SUBNET, replaced, gone, changed])).splitlines() == [
        "  ~ subnet 10.0.1.0/24",
        '      + tags.Tier: "public"',
        "  -/+ instance mon",
        "      # a new id",
        "  - subnet 10.0.1.0/24",
        '      - tags.Owner: "x"',
        "  ~ subnet 10.0.1.0/24",
        "      ~ timeout: 60 -> 90",
        "Plan: 1 to add, 2 to change, 2 to destroy.",
    ]


def test_an_empty_plan_says_so_and_a_converge_says_what_it_applied():
    assert plan.rendered(plan_of([])) == "No changes. The account matches the inventory."
    assert plan.rendered(plan_of([SUBNET], mode="apply")).endswith(
        "Apply complete! Resources: 0 added, 1 changed, 0 destroyed."
    )


def test_long_values_are_cut_in_the_printed_plan_only():
    policy = {"Statement": ["s3:GetObject"] * 40}
    assert len(plan.shown(policy)) == plan.SHOWN_VALUE_LENGTH
    assert plan.shown(policy).endswith("...")


def test_the_saved_plan_is_the_owners_only(tmp_path):
    path = tmp_path / "plan-dev.json"
    plan.save(str(path), plan_of([SUBNET]))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["resource_changes"] == [SUBNET]
    assert [p.name for p in tmp_path.iterdir()] == ["plan-dev.json"]


OLD_GROUP = {
    "arn": "arn:aws:ec2:us-east-2:123456789012:security-group/sg-0123",
    "kind": "security group",
    "name": "dataeng-dev-old-admin",
    "id": "sg-0123",
}
OLD_REVISION = {
    "arn": "arn:aws:ecs:us-east-2:123456789012:task-definition/dataeng-dev-data-processing:3",
    "kind": "ECS task definition",
    "name": "dataeng-dev-data-processing:3",
    "id": "dataeng-dev-data-processing:3",
}


def test_what_a_task_names_anywhere_in_its_arguments_or_result_is_declared():
    result = {
        "invocation": {"module_args": {"name": "dataeng-dev-bastion"}},
        "groups": {"dataeng-dev-web": {"group_id": "sg-0456", "tags": ["x"]}},
    }
    assert plan.identifiers(result, set()) >= {"dataeng-dev-bastion", "dataeng-dev-web", "sg-0456", "x"}


def test_a_tagged_resource_no_task_named_is_unmanaged():
    declared = {"sg-0456", "dataeng-dev-data-processing"}
    assert plan.unmanaged([OLD_GROUP, OLD_REVISION], declared) == [OLD_GROUP]
    # Named by its id, its name or its ARN, it is the inventory's.
    for named in ("sg-0123", "dataeng-dev-old-admin", OLD_GROUP["arn"]):
        assert plan.unmanaged([OLD_GROUP], {named}) == []


def test_unmanaged_resources_are_listed_after_the_changes():
    lines = plan.rendered(plan_of([], left=[OLD_GROUP])).splitlines()
    assert lines[0].startswith("Unmanaged: 1 resources carry the platform's tags but the inventory no longer declares")
    assert lines[1:] == [
        f"  ? security group dataeng-dev-old-admin ({OLD_GROUP['arn']})",
        "No changes to what the inventory declares.",
    ]


def task_result(action, values):
    """A task's result as a callback receives it."""
    task = SimpleNamespace(resolved_action=action, action=action, get_name=lambda: action)
    return SimpleNamespace(_result=values, _task=task, _host=SimpleNamespace(get_name=lambda: "localhost"))


KEPT_GROUP = dict(OLD_GROUP, arn=OLD_GROUP["arn"].replace("0123", "0456"), name="dataeng-dev-web", id="sg-0456")


def test_the_listing_ends_what_counts_as_declared(monkeypatch):
    """The last play publishes the plan, unmanaged resources included: that declares nothing."""
    monkeypatch.setattr(plan.context, "CLIARGS", {"check": True})
    callback = plan.CallbackModule()
    callback.record(task_result("amazon.aws.ec2_security_group", {"group_id": "sg-0456"}))
    callback.record(task_result(plan.TAGGED_RESOURCES_ACTION, {"resources": [OLD_GROUP, KEPT_GROUP]}))
    callback.record(task_result("ansible.builtin.set_stats", {"data": {"unmanaged": [OLD_GROUP]}}))
    assert callback.plan["unmanaged"] == [OLD_GROUP]


def test_the_listing_is_saved_for_the_tasks_that_publish_the_plan(monkeypatch, tmp_path):
    """playbooks/plan.yml publishes the plan from its file in the play that lists: the file holds the listing."""
    monkeypatch.setattr(plan.context, "CLIARGS", {"check": True})
    callback = plan.CallbackModule()
    callback.path = str(tmp_path / "plan.json")
    callback.record(task_result(plan.TAGGED_RESOURCES_ACTION, {"resources": [OLD_GROUP]}))
    saved = json.loads((tmp_path / "plan.json").read_text())
    assert (saved["unmanaged"], saved["unmanaged_listed"]) == ([OLD_GROUP], True)
