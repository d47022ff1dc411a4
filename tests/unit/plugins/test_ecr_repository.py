"""The ecr_repository module's planning: what it changes, and what it refuses."""

from __future__ import annotations

import json

import pytest

from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import RefusedChange
from ansible_collections.dataeng.platform.plugins.modules import ecr_repository as module
from support.module_requests import shown

# A rule as the ecr role writes it: ECR takes no policy text under 100 characters (botocore refuses it).
EXPIRE_UNTAGGED = {
    "rulePriority": 1,
    "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
    "action": {"type": "expire"},
}
CURRENT = {
    "repository_name": "dev-spark-apps",
    "repository_arn": "arn:aws:ecr:us-east-2:123456789012:repository/dev-spark-apps",
    "repository_uri": "123456789012.dkr.ecr.us-east-2.amazonaws.com/dev-spark-apps",
    "scan_on_push": True,
    "image_tag_mutability": "MUTABLE",
    "image_tag_mutability_exclusion_filters": [],
    "encryption_type": "AES256",
    "kms_key": None,
    "lifecycle_policy": {"rules": [EXPIRE_UNTAGGED]},
    "tags": {"Environment": "dev", "Project": "dataeng"},
}


def params(**overrides):
    base = {
        "name": "dev-spark-apps",
        "scan_on_push": True,
        "image_tag_mutability": "MUTABLE",
        "image_tag_mutability_exclusion_filters": [],
        "encryption_type": "AES256",
        "kms_key": None,
        "lifecycle_policy": json.dumps({"rules": [EXPIRE_UNTAGGED]}),
        "tags": {"Environment": "dev", "Project": "dataeng"},
        "purge_tags": True,
    }
    return {**base, **overrides}


def test_nothing_to_do_when_the_repository_matches():
    assert shown(module.plan_update(CURRENT, params())) == []


@pytest.mark.parametrize(
    ("overrides", "actions"),
    [
        ({"scan_on_push": False}, ["put_image_scanning_configuration"]),
        ({"image_tag_mutability": "IMMUTABLE"}, ["put_image_tag_mutability"]),
        (
            {"image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION", "image_tag_mutability_exclusion_filters": ["latest"]},
            ["put_image_tag_mutability"],
        ),
        ({"lifecycle_policy": {"rules": [{**EXPIRE_UNTAGGED, "rulePriority": 2}]}}, ["put_lifecycle_policy"]),
        ({"lifecycle_policy": ""}, ["delete_lifecycle_policy"]),
        ({"tags": {"Environment": "dev", "Project": "dataeng", "Owner": "data"}}, ["tag_resource"]),
        ({"tags": {"Owner": "data"}}, ["untag_resource", "tag_resource"]),
        ({"tags": {"Environment": "dev"}}, ["untag_resource"]),
        ({"tags": {"Environment": "dev"}, "purge_tags": False}, []),
        ({"tags": None}, []),
    ],
)
def test_each_difference_maps_to_its_api_call(overrides, actions):
    assert shown(module.plan_update(CURRENT, params(**overrides))) == actions


def test_a_different_encryption_is_refused_with_the_way_out():
    with pytest.raises(RefusedChange, match="encrypted with AES256.*force_delete=true"):
        module.plan_update(CURRENT, params(encryption_type="KMS"))


def test_check_mode_predicts_the_repository_after_the_change():
    after = module.expected_after(CURRENT, params(scan_on_push=False, tags={"Owner": "data"}))
    assert after["scan_on_push"] is False
    assert after["tags"] == {"Owner": "data"}
    assert after["repository_uri"] == CURRENT["repository_uri"]
    kept = module.expected_after(CURRENT, params(tags={"Owner": "data"}, purge_tags=False))
    assert kept["tags"] == {"Environment": "dev", "Project": "dataeng", "Owner": "data"}


def test_policies_compare_the_same_as_json_text_or_dicts():
    assert module.normalize_policy('{"rules": []}') == {"rules": []}
    assert module.normalize_policy({"rules": []}) == {"rules": []}
    assert module.normalize_policy("") is None
    assert module.normalize_policy(None) is None


def test_a_new_exclusion_filter_alone_changes_the_mutability():
    current = {
        **CURRENT,
        "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
        "image_tag_mutability_exclusion_filters": ["latest"],
    }
    same = params(image_tag_mutability="IMMUTABLE_WITH_EXCLUSION", image_tag_mutability_exclusion_filters=["latest"])
    more = params(
        image_tag_mutability="IMMUTABLE_WITH_EXCLUSION", image_tag_mutability_exclusion_filters=["dev-*", "latest"]
    )
    assert shown(module.plan_update(current, same)) == []
    assert shown(module.plan_update(current, more)) == ["put_image_tag_mutability"]


def test_exclusion_filters_are_sent_as_wildcards():
    settings = module.desired_settings(
        params(image_tag_mutability="IMMUTABLE_WITH_EXCLUSION", image_tag_mutability_exclusion_filters=["latest"])
    )
    assert module.mutability_request(settings) == {
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "latest"}],
    }
    assert module.mutability_request(module.desired_settings(params())) == {"imageTagMutability": "MUTABLE"}
