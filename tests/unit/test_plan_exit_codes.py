"""tools/plan.py's exit codes, as `terraform plan -detailed-exitcode`'s: what a CI job or `make drift` acts on."""

from __future__ import annotations

import plan

CHANGE = {"kind": "subnet", "name": "10.0.1.0/24", "action": "update", "changes": []}
LEFT = {"kind": "security group", "name": "dataeng-dev-old-admin", "arn": "arn:aws:ec2:...", "id": "sg-0123"}


def saved(changes=(), unmanaged=(), complete=True, errors=()):
    return {
        "complete": complete,
        "resource_changes": list(changes),
        "unmanaged": list(unmanaged),
        "errors": list(errors),
    }


def test_no_changes_exits_0_and_changes_or_unmanaged_resources_exit_2():
    assert plan.exit_code(0, saved(), detailed=True) == 0
    assert plan.exit_code(0, saved(changes=[CHANGE]), detailed=True) == 2
    assert plan.exit_code(0, saved(unmanaged=[LEFT]), detailed=True) == 2
    # Without --detailed-exitcode a plan that could be made exits 0 whatever it holds.
    assert plan.exit_code(0, saved(changes=[CHANGE], unmanaged=[LEFT]), detailed=False) == 0


def test_a_plan_that_could_not_be_made_exits_1():
    assert plan.exit_code(2, saved(), detailed=True) == 1
    assert plan.exit_code(0, None, detailed=True) == 1
    assert plan.exit_code(0, saved(complete=False), detailed=True) == 1
    assert plan.exit_code(0, saved(errors=[{"msg": "boom"}]), detailed=True) == 1
