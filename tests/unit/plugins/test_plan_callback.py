"""The plan callback's pure parts (plugins/callback/plan.py): which changes a task result reports, how the plan reads
and what it totals."""

from __future__ import annotations

import json
import stat

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
    (change,) = plan.task_changes("amazon.aws.iam_role", "Roles", result)
    assert (change["kind"], change["name"], change["changes"]) == ("task", "Roles", [])


def test_a_replacement_counts_as_one_to_add_and_one_to_destroy():
    actions = ["create", "update", "update", "delete", "replace"]
    assert plan.summary([{"action": action} for action in actions]) == {"add": 2, "change": 2, "destroy": 2}


def plan_of(changes, mode="check", errors=()):
    return {"mode": mode, "resource_changes": changes, "summary": plan.summary(changes), "errors": list(errors)}


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
