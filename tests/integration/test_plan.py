"""The plan (tools/plan.py: playbooks/plan.yml in check mode with the dataeng.platform.plan callback) on the reference
scenario's converged account (support/converges.py; not converged again). Eighteen changes of different kinds made
outside the collection (support/drift.py: a rule opened, versioning suspended, a tag removed, a lifecycle rule deleted,
a secret's KMS key changed, a role taken out of its instance profile...) must each be named with its resource, and with
the attribute, old and new value where its module says them, and the plan exit 2 as `terraform plan -detailed-exitcode`
does; resources with the platform's tags that the inventory does not declare (as a rename leaves them) must be listed
as unmanaged, and are deleted after that plan. A converge then applies exactly the planned changes, after which the
plan is empty, lists nothing unmanaged and exits 0. The converge puts the account back as the other tests of its group
expect it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import drift
from support.converges import CLOUD_LAYER
from support.playbook import PlaybookResult, PlaybookRunner

pytestmark = pytest.mark.slow


@dataclass
class Plan:
    returncode: int
    output: str
    saved: dict

    @property
    def changes(self) -> list[dict]:
        return self.saved["resource_changes"]


@dataclass
class Runs:
    expected: dict[str, drift.Expected]
    left_behind: list[drift.LeftBehind]
    drifted: Plan
    converge: PlaybookResult
    applied: list[dict]
    applied_summary: dict
    converged: Plan


def planned(repo: Path, env: dict[str, str], plan_file: Path) -> Plan:
    command = [sys.executable, str(repo / "tools" / "plan.py"), "-i", "inventories/local", "--detailed-exitcode"]
    process = subprocess.run(
        [*command, "--plan-file", str(plan_file)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    saved = json.loads(plan_file.read_text()) if plan_file.exists() else {}
    return Plan(process.returncode, process.stdout + process.stderr, saved)


@pytest.fixture(scope="module")
def runs(converges, repo, tmp_path_factory) -> Runs:
    aws = converges["reference"].aws
    tmp = tmp_path_factory.mktemp("plan")
    runner = PlaybookRunner(repo, tmp)
    env = runner.environment(**aws.environment())
    expected = drift.drifted(aws)
    left_behind = drift.left_behind(aws)
    drifted = planned(repo, env, tmp / "drifted.json")
    for resource in left_behind:
        resource.remove()
    # The converge records what it applied the same way (the callback, outside check mode).
    applied_file = tmp / "applied.json"
    converge = runner.run(
        *CLOUD_LAYER,
        env=dict(env, ANSIBLE_CALLBACKS_ENABLED="dataeng.platform.plan", DATAENG_PLAN_FILE=str(applied_file)),
    )
    applied = json.loads(applied_file.read_text()) if applied_file.exists() else {"resource_changes": [], "summary": {}}
    return Runs(
        expected,
        left_behind,
        drifted,
        converge,
        applied["resource_changes"],
        applied["summary"],
        planned(repo, env, tmp / "converged.json"),
    )


def resources(changes: list[dict]) -> list[tuple[str, str, str]]:
    return sorted((change["kind"], change["name"], change["action"]) for change in changes)


@pytest.mark.parametrize("what", [d.what for d in drift.DRIFTS])
def test_the_plan_names_each_change_made_outside_the_collection(runs, what):
    expected = runs.expected[what]
    found = [c for c in runs.drifted.changes if (c["kind"], c["name"]) == (expected.kind, expected.name)]
    assert found, f"{what}: no planned change of {expected.kind} {expected.name} in:\n{runs.drifted.output[-6000:]}"
    assert any(expected.matches(change) for change in found), (
        f"{what}: expected {expected.attribute or 'a partial change'}: {expected.old!r} -> {expected.new!r}; "
        f"planned {found}"
    )
    assert f"~ {expected.kind} {expected.name}" in runs.drifted.output


def test_the_drifted_plan_exits_2_and_changes_only_what_drifted(runs):
    assert runs.drifted.returncode == 2, runs.drifted.output[-6000:]
    assert runs.drifted.saved["complete"]
    assert runs.drifted.saved["errors"] == []
    named = {(expected.kind, expected.name) for expected in runs.expected.values()}
    assert {(change["kind"], change["name"]) for change in runs.drifted.changes} == named
    totals = runs.drifted.saved["summary"]
    assert f"Plan: {totals['add']} to add, {totals['change']} to change, {totals['destroy']} to destroy." in (
        runs.drifted.output
    )


def test_the_plan_lists_what_carries_the_platforms_tags_but_is_not_declared(runs):
    listed = {(resource["kind"], resource["name"]) for resource in runs.drifted.saved["unmanaged"]}
    assert listed == {(resource.kind, resource.name) for resource in runs.left_behind}, runs.drifted.output[-6000:]
    assert f"Unmanaged: {len(runs.left_behind)} resources carry the platform's tags" in runs.drifted.output
    for resource in runs.left_behind:
        assert f"  ? {resource.kind} {resource.name} (arn:aws:" in runs.drifted.output


def test_the_converge_applies_exactly_what_the_plan_said(runs):
    assert runs.converge.returncode == 0, runs.converge.output[-6000:]
    assert resources(runs.applied) == resources(runs.drifted.changes)
    assert runs.applied_summary == runs.drifted.saved["summary"]
    planned_changes = {(change["kind"], change["name"]): change for change in runs.drifted.changes}
    # Where the converge's module says what it changed (a stock module may not: the plan had a prediction), it
    # changed the attributes the plan named.
    for applied in (change for change in runs.applied if change["changes"]):
        planned_change = planned_changes[applied["kind"], applied["name"]]
        assert [c["attribute"] for c in applied["changes"]] == [c["attribute"] for c in planned_change["changes"]]


def test_the_plan_of_the_converged_account_is_empty_and_exits_0(runs):
    assert runs.converged.returncode == 0, runs.converged.output[-6000:]
    assert runs.converged.changes == []
    # Every tagged resource of the converged account is one a task of the plan named.
    assert runs.converged.saved["unmanaged_listed"]
    assert runs.converged.saved["unmanaged"] == []
    assert "No changes. The account matches the inventory." in runs.converged.output


def test_the_saved_plan_is_readable_by_its_owner_only(runs, tmp_path_factory):
    plan_files = sorted(tmp_path_factory.getbasetemp().glob("plan*/drifted.json"))
    assert plan_files
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in plan_files)
