"""The module layer's Action and list bookkeeping: what `actions`, `diff` and `planned` show of a plan."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import yaml

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


def test_every_aws_module_is_in_the_aws_action_group():
    """The roles pass the region, endpoint and credentials through module_defaults' group/dataeng.platform.aws: a
    module that takes AWS's common options (its documentation extends amazon.aws.common.modules) and is not in the
    group gets none of them, and fails on an account whose region is not in the environment."""
    repo = Path(__file__).resolve().parents[3]
    group = yaml.safe_load((repo / "meta" / "runtime.yml").read_text())["action_groups"]["aws"]
    aws_modules = {
        path.stem
        for path in (repo / "plugins" / "modules").glob("*.py")
        if "amazon.aws.common.modules"
        in yaml.safe_load(ast.literal_eval(documentation(path)))["extends_documentation_fragment"]
    }
    assert len(aws_modules) > 20
    assert sorted(aws_modules - {entry for entry in group if isinstance(entry, str)}) == []


def documentation(path: Path) -> str:
    """The source of a module's DOCUMENTATION string literal."""
    (assignment,) = [
        node
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DOCUMENTATION"
    ]
    return ast.get_source_segment(path.read_text(), assignment.value)
