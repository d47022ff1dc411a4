"""The dlm_lifecycle_policy module's planning: what DLM reports, what it is asked, what it refuses."""

from __future__ import annotations

import pytest

from ansible_collections.dataeng.platform.plugins.modules import dlm_lifecycle_policy as module
from support.module_requests import shown

ROLE_ARN = "arn:aws:iam::123456789012:role/dev-snapshots"
# A GetLifecyclePolicy answer as AWS gives it: with the defaults DLM fills in (ResourceLocations, Location,
# PolicyLanguage), which the module does not set and must not see as a difference.
POLICY = {
    "PolicyId": "policy-0123456789abcdef0",
    "PolicyArn": "arn:aws:dlm:us-east-2:123456789012:policy/policy-0123456789abcdef0",
    "Description": "dev-host-volumes",
    "State": "ENABLED",
    "ExecutionRoleArn": ROLE_ARN,
    "PolicyDetails": {
        "PolicyType": "EBS_SNAPSHOT_MANAGEMENT",
        "PolicyLanguage": "STANDARD",
        "ResourceTypes": ["VOLUME"],
        "ResourceLocations": ["CLOUD"],
        "TargetTags": [{"Key": "Snapshots", "Value": "dev"}],
        "Schedules": [
            {
                "Name": "daily",
                "CopyTags": True,
                "CreateRule": {"Location": "CLOUD", "Interval": 24, "IntervalUnit": "HOURS", "Times": ["03:00"]},
                "RetainRule": {"Count": 7},
            }
        ],
    },
    "Tags": {"Environment": "dev"},
}


def params(**overrides):
    base = {
        "name": "dev-host-volumes",
        "state": "present",
        "execution_role": "dev-snapshots",
        "enabled": True,
        "resource_type": "VOLUME",
        "target_tags": {"Snapshots": "dev"},
        "schedule_name": "daily",
        "interval_hours": 24,
        "start_time": "03:00",
        "retain_count": 7,
        "copy_tags": True,
        "tags": {"Environment": "dev"},
        "purge_tags": True,
    }
    return {**base, **overrides}


def current(**overrides):
    return {**module.from_dlm(POLICY), "tags": dict(POLICY["Tags"]), **overrides}


def test_a_policy_as_aws_reports_it_with_its_defaults_needs_nothing():
    assert shown(module.plan_policy(current(), params(), ROLE_ARN)) == []


def test_what_it_creates_is_what_it_then_reads_back_the_same():
    created = {**POLICY, **module.policy_settings(params(), ROLE_ARN), "PolicyId": "p", "PolicyArn": "a"}
    assert (
        shown(module.plan_policy({**module.from_dlm(created), "tags": {"Environment": "dev"}}, params(), ROLE_ARN))
        == []
    )


@pytest.mark.parametrize(
    "change",
    [
        {"retain_count": 14},
        {"interval_hours": 12},
        {"start_time": "04:30"},
        {"enabled": False},
        {"copy_tags": False},
        {"target_tags": {"Snapshots": "prod"}},
        {"resource_type": "INSTANCE"},
        {"schedule_name": "nightly"},
    ],
)
def test_each_setting_that_differs_updates_the_policy(change):
    assert shown(module.plan_policy(current(), params(**change), ROLE_ARN)) == ["update_lifecycle_policy"]


def test_another_role_updates_the_policy_and_a_role_name_means_the_accounts_role():
    assert module.role_arn("dev-snapshots", "123456789012", "aws") == ROLE_ARN
    assert module.role_arn(ROLE_ARN, "999999999999", "aws") == ROLE_ARN
    other = "arn:aws:iam::123456789012:role/other"
    assert shown(module.plan_policy(current(), params(), other)) == ["update_lifecycle_policy"]


def test_tags_change_with_the_tag_calls_only():
    assert shown(module.plan_policy(current(), params(tags={"Environment": "prod"}), ROLE_ARN)) == ["tag_resource"]
    assert shown(module.plan_policy(current(), params(tags={}), ROLE_ARN)) == ["untag_resource"]
    assert shown(module.plan_policy(current(), params(tags=None), ROLE_ARN)) == []


def test_the_policy_details_are_one_schedule_on_the_target_tags():
    details = module.policy_details(params(target_tags={"b": "2", "a": "1"}, retain_count=3))
    assert details["TargetTags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    (schedule,) = details["Schedules"]
    assert schedule == {
        "Name": "daily",
        "CopyTags": True,
        "CreateRule": {"Interval": 24, "IntervalUnit": "HOURS", "Times": ["03:00"]},
        "RetainRule": {"Count": 3},
    }
    assert module.policy_settings(params(enabled=False), ROLE_ARN)["State"] == "DISABLED"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "dev/host volumes"}, "name is the policy's description"),
        ({"target_tags": {}}, "target_tags must name at least one tag"),
        ({"start_time": "24:00"}, "start_time must be a UTC time of day"),
        ({"start_time": "3:00"}, "start_time must be a UTC time of day"),
        ({"retain_count": 0}, "retain_count must be between 1 and 1000"),
        ({"retain_count": 1001}, "retain_count must be between 1 and 1000"),
    ],
)
def test_it_refuses_what_dlm_would_refuse_before_any_request(change, message):
    assert message in module.check_params(params(**change))


def test_absent_needs_only_a_valid_name():
    assert module.check_params(params(state="absent", target_tags=None, start_time="")) is None
