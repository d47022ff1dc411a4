"""The s3_bucket_layout module's planning: how it reads S3's rules, and what it changes."""

from __future__ import annotations

from ansible_collections.dataeng.platform.plugins.modules import s3_bucket_layout as module
from support.module_requests import shown

HOUSEKEEPING = {
    "rule_id": "housekeeping",
    "noncurrent_version_expiration_days": 90,
    "abort_incomplete_multipart_upload_days": 7,
}
TO_IA = {"rule_id": "raw-to-ia", "prefix": "raw/", "transition_days": 30, "storage_class": "STANDARD_IA"}
S3_TO_IA = {
    "ID": "raw-to-ia",
    "Filter": {"Prefix": "raw/"},
    "Status": "Enabled",
    "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
}


def bucket(**overrides):
    return {
        "name": "lake",
        "prefixes": ["raw/"],
        "lifecycle_rules": [TO_IA],
        "access_log_prefix": "logs/lake/",
        **overrides,
    }


def current(**overrides):
    return {
        "missing_prefixes": [],
        "lifecycle_rules": [module.desired_rule(TO_IA)],
        "access_log": {"target_bucket": "lake", "target_prefix": "logs/lake/"},
        **overrides,
    }


def test_a_rule_reads_back_as_it_was_asked_for():
    for rule in (
        TO_IA,
        HOUSEKEEPING,
        {"rule_id": "logs", "prefix": "logs/", "expiration_days": 365, "status": "disabled"},
    ):
        assert module.rule_from_s3(module.rule_to_s3(module.desired_rule(rule))) == module.desired_rule(rule)


def test_a_legacy_prefix_rule_reads_like_a_filtered_one():
    legacy = {**S3_TO_IA, "Prefix": "raw/"}
    del legacy["Filter"]
    assert module.rule_from_s3(legacy) == module.rule_from_s3(S3_TO_IA)


def test_settings_the_module_does_not_manage_mark_the_rule_unmanaged():
    tagged = {**S3_TO_IA, "Filter": {"And": {"Prefix": "raw/", "Tags": [{"Key": "a", "Value": "b"}]}}}
    two_steps = {**S3_TO_IA, "Transitions": S3_TO_IA["Transitions"] + [{"Days": 90, "StorageClass": "GLACIER"}]}
    delete_markers = {"ID": "markers", "Status": "Enabled", "Expiration": {"ExpiredObjectDeleteMarker": True}}
    for rule in (tagged, two_steps, delete_markers):
        assert module.rule_from_s3(rule)["unmanaged"] is True
    assert "unmanaged" not in module.rule_from_s3(S3_TO_IA)


def test_nothing_to_do_when_the_bucket_is_laid_out():
    actions, after = module.plan_bucket(current(), bucket(), "lake")
    assert actions == []
    assert after["lifecycle_rules"] == current()["lifecycle_rules"]


def test_missing_prefixes_are_created_in_order():
    actions = module.plan_bucket(current(missing_prefixes=["raw/", "curated/"]), bucket(), "lake")[0]
    assert shown(actions) == ["put_object raw/", "put_object curated/"]


def test_the_whole_lifecycle_configuration_is_rewritten_when_a_rule_differs_or_is_extra():
    changed = module.desired_rule({**TO_IA, "transition_days": 60})
    extra = module.desired_rule({"rule_id": "by-hand", "expiration_days": 1})
    unmanaged = {**module.desired_rule(TO_IA), "unmanaged": True}
    for rules in ([changed], [module.desired_rule(TO_IA), extra], [unmanaged]):
        actions, after = module.plan_bucket(current(lifecycle_rules=rules), bucket(), "lake")
        assert shown(actions) == ["put_bucket_lifecycle_configuration"]
        assert after["lifecycle_rules"] == [module.desired_rule(TO_IA)]


def test_rules_compare_in_any_order_and_storage_classes_in_any_case():
    rules = [TO_IA, HOUSEKEEPING]
    laid_out = sorted((module.desired_rule(rule) for rule in rules), key=lambda rule: rule["rule_id"])
    actions = module.plan_bucket(
        current(lifecycle_rules=laid_out),
        bucket(lifecycle_rules=[HOUSEKEEPING, {**TO_IA, "storage_class": "standard_ia"}]),
        "lake",
    )[0]
    assert actions == []


def test_omitted_settings_are_left_alone_and_empty_ones_remove():
    untouched = bucket(lifecycle_rules=None, access_log_prefix=None)
    assert module.plan_bucket(current(access_log={}), untouched, "lake")[0] == []
    actions, after = module.plan_bucket(current(), bucket(lifecycle_rules=[], access_log_prefix=""), "lake")
    assert shown(actions) == ["delete_bucket_lifecycle", "put_bucket_logging"]
    assert after["lifecycle_rules"] == []
    assert after["access_log"] == {}


def test_a_new_log_target_is_one_logging_call():
    actions, after = module.plan_bucket(current(access_log={}), bucket(), "lake")
    assert shown(actions) == ["put_bucket_logging"]
    assert after["access_log"] == {"target_bucket": "lake", "target_prefix": "logs/lake/"}


def test_rule_ids_given_twice_in_a_bucket_are_named():
    buckets = [bucket(lifecycle_rules=[TO_IA, TO_IA, HOUSEKEEPING]), bucket(name="other", lifecycle_rules=None)]
    assert module.duplicate_rule_ids(buckets) == ["lake: raw-to-ia"]


def test_log_delivery_grants_are_added_only_when_missing():
    group = {"Type": "Group", "URI": module.LOG_DELIVERY_GROUP}
    owner = {"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"}
    assert module.missing_log_delivery_grants({"Grants": [owner]}) == [
        {"Grantee": group, "Permission": "WRITE"},
        {"Grantee": group, "Permission": "READ_ACP"},
    ]
    write_only = {"Grants": [owner, {"Grantee": group, "Permission": "WRITE"}]}
    assert module.missing_log_delivery_grants(write_only) == [{"Grantee": group, "Permission": "READ_ACP"}]
    assert module.missing_log_delivery_grants({"Grants": [{"Grantee": group, "Permission": "FULL_CONTROL"}]}) == []
