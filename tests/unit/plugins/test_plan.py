"""The planned change every module returns: which attributes changed, from what to what (an attribute new or gone
as a whole), and the action."""

from __future__ import annotations

from ansible_collections.dataeng.platform.plugins.module_utils.plan import attribute_changes, resource_change


def test_dicts_are_compared_key_by_key_and_lists_as_a_whole():
    before = {"tags": {"Owner": "x", "Team": "data"}, "rules": [1, 2], "timeout": 60, "gone": "a"}
    after = {"tags": {"Team": "data", "Env": "dev"}, "rules": [2, 1], "timeout": 60, "new": {"a": 1}}
    assert attribute_changes(before, after) == [
        {"attribute": "gone", "old": "a", "new": None},
        {"attribute": "new", "old": None, "new": {"a": 1}},
        {"attribute": "rules", "old": [1, 2], "new": [2, 1]},
        {"attribute": "tags.Env", "old": None, "new": "dev"},
        {"attribute": "tags.Owner", "old": "x", "new": None},
    ]


def test_equal_resources_have_no_change():
    assert attribute_changes({"a": {"b": [1]}}, {"a": {"b": [1]}}) == []


def test_the_action_follows_from_what_exists_before_and_after():
    assert resource_change("secret", "s", {}, {"description": "d"})["action"] == "create"
    assert resource_change("secret", "s", {"description": "d"}, {})["action"] == "delete"
    updated = resource_change("secret", "s", {"description": "d"}, {"description": "e"}, note="partial")
    assert updated == {
        "kind": "secret",
        "name": "s",
        "action": "update",
        "changes": [{"attribute": "description", "old": "d", "new": "e"}],
        "note": "partial",
    }
