"""The module layer's Action and list bookkeeping: what `actions`, `diff` and `planned` show of a plan."""

from __future__ import annotations

from types import SimpleNamespace

from ansible_collections.dataeng.platform.plugins.module_utils.lists import ResourceList
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action


def test_an_action_reads_as_the_modules_actions_show_it():
    assert str(Action("update_job")) == "update_job"
    assert str(Action("put_role_policy", {"Statement": []}, target="read")) == "put_role_policy read"
    assert str(Action("create_route", "0.0.0.0/0", target="0.0.0.0/0").on("dev-public")) == (
        "dev-public: create_route 0.0.0.0/0"
    )


def test_a_list_shows_each_changed_member_by_name_and_only_those():
    members = ResourceList(SimpleNamespace(params={}, check_mode=True), client=None)
    members.record("a", [Action("delete_tags", ["Owner"])], {"tags": {"Owner": "x"}}, {"tags": {}})
    members.record("b", [], {"tags": {}}, {"tags": {}})
    members.record("c", [], {}, {"tags": {}}, created=True)
    members.present = lambda: ["results"]
    result, value = members.converge("present")
    assert result == {
        "changed": True,
        "actions": ["a: delete_tags"],
        "diff": {"before": {"a": {"tags": {"Owner": "x"}}, "c": {}}, "after": {"a": {"tags": {}}, "c": {"tags": {}}}},
        "planned": [
            {
                "kind": "resource",
                "name": "a",
                "action": "update",
                "changes": [{"attribute": "tags.Owner", "old": "x", "new": None}],
            },
            {
                "kind": "resource",
                "name": "c",
                "action": "create",
                "changes": [{"attribute": "tags", "old": None, "new": {}}],
            },
        ],
    }
    assert value == ["results"]
