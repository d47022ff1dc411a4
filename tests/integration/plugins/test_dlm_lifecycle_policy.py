"""dlm_lifecycle_policy against the emulator: create, no-op rerun, change, check mode, absent, absent again."""

from __future__ import annotations

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
MODULE = "dataeng.platform.dlm_lifecycle_policy"
BASE = {
    "name": "it-host-volumes",
    "execution_role": "it-snapshots",
    "target_tags": {"Snapshots": "it"},
    "tags": {"Environment": "test"},
}


def policies(aws) -> list[dict]:
    return [p for p in aws.dlm.get_lifecycle_policies()["Policies"] if p["Description"] == BASE["name"]]


def test_lifecycle_of_a_policy(aws_emulator):
    aws = Aws(aws_emulator)

    planned = run_module(aws_emulator, MODULE, BASE, check=True)
    assert planned["changed"] is True
    assert planned["policy"]["retain_count"] == 7
    assert policies(aws) == []

    created = run_module(aws_emulator, MODULE, BASE)
    assert created["changed"] is True, created.get("msg")
    (summary,) = policies(aws)
    policy = aws.dlm.get_lifecycle_policy(PolicyId=summary["PolicyId"])["Policy"]
    account = aws.sts.get_caller_identity()["Account"]
    assert policy["ExecutionRoleArn"] == f"arn:aws:iam::{account}:role/it-snapshots"
    assert policy["State"] == "ENABLED"
    assert policy["Tags"] == {"Environment": "test"}
    (schedule,) = policy["PolicyDetails"]["Schedules"]
    assert schedule["CreateRule"] == {"Interval": 24, "IntervalUnit": "HOURS", "Times": ["03:00"]}
    assert (schedule["RetainRule"], schedule["CopyTags"]) == ({"Count": 7}, True)
    assert policy["PolicyDetails"]["TargetTags"] == [{"Key": "Snapshots", "Value": "it"}]
    assert created["policy"]["arn"] == policy["PolicyArn"]

    assert run_module(aws_emulator, MODULE, BASE)["changed"] is False

    change = {**BASE, "retain_count": 14, "tags": {"Environment": "test", "Owner": "data"}}
    predicted = run_module(aws_emulator, MODULE, change, check=True, diff=True)
    assert predicted["changed"] is True
    assert predicted["actions"] == ["update_lifecycle_policy", "tag_resource"]
    assert predicted["diff"]["after"]["retain_count"] == 14
    unchanged = aws.dlm.get_lifecycle_policy(PolicyId=summary["PolicyId"])["Policy"]
    assert unchanged["PolicyDetails"]["Schedules"][0]["RetainRule"] == {"Count": 7}

    changed = run_module(aws_emulator, MODULE, change)
    assert changed["changed"] is True
    assert changed["policy"] == {**predicted["policy"], "policy_id": summary["PolicyId"]}
    assert run_module(aws_emulator, MODULE, change)["changed"] is False

    assert run_module(aws_emulator, MODULE, {**BASE, "state": "absent"}, check=True)["changed"] is True
    assert len(policies(aws)) == 1
    assert run_module(aws_emulator, MODULE, {**BASE, "state": "absent"})["changed"] is True
    assert policies(aws) == []
    assert run_module(aws_emulator, MODULE, {**BASE, "state": "absent"})["changed"] is False


def test_bad_settings_fail_before_any_request(aws_emulator):
    failed = run_module(aws_emulator, MODULE, {**BASE, "start_time": "25:00"})
    assert failed["failed"] is True
    assert "start_time must be a UTC time of day" in failed["msg"]
    assert policies(Aws(aws_emulator)) == []
