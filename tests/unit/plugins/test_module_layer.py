"""The module layer's Action and list bookkeeping: what `actions`, `diff` and `planned` show of a plan."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import yaml

from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action, ResourceList, Several


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
    members.record("c", [], {}, {"tags": {}}, changed=True)
    members.present = lambda: ["results"]
    result, value = members.converge("present")
    assert [str(action) for action in result.pop("actions")] == ["a: delete_tags"]
    assert result == {
        "changed": True,
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


class ConvergedResource:
    """A resource of a `several` list as Several sees it: what its converge returned."""

    kind = "Glue job"

    def __init__(self, name, state, result):
        self.name = name
        self.params = {"state": state}
        self.result = result
        self.failure = f"Failed to manage Glue job {name}"

    def converge(self, state):
        assert state == self.params["state"]
        return self.result, {"name": self.name} if state == "present" else {}


def test_several_resources_show_what_each_changed_by_name_a_creation_and_a_deletion_included():
    created = {"changed": True, "diff": {"before": {}, "after": {"name": "a"}}, "planned": []}
    updated = {
        "changed": True,
        "actions": [Action("update_job", {"Timeout": 60})],
        "diff": {"before": {"timeout": 30}, "after": {"timeout": 60}},
        "planned": [],
    }
    deleted = {"changed": True, "diff": {"before": {"name": "c"}, "after": {}}, "planned": []}
    resources = [
        ConvergedResource("a", "present", created),
        ConvergedResource("b", "present", updated),
        ConvergedResource("c", "absent", deleted),
        ConvergedResource("d", "present", {"changed": False}),
    ]
    result, values = Several(SimpleNamespace(params={}, check_mode=True), resources).converge("present")
    assert values == [{"name": "a"}, {"name": "b"}, {}, {"name": "d"}]
    assert result["changed"] is True
    assert [str(action) for action in result["actions"]] == ["b: update_job"]
    assert result["diff"] == {
        "before": {"a": {}, "b": {"timeout": 30}, "c": {"name": "c"}},
        "after": {"a": {"name": "a"}, "b": {"timeout": 60}, "c": {}},
    }
    assert [(change["kind"], change["name"], change["action"]) for change in result["planned"]] == [
        ("Glue job", "a", "create"),
        ("Glue job", "b", "update"),
        ("Glue job", "c", "delete"),
    ]


def test_several_resources_none_of_which_changed_report_no_change():
    resources = [ConvergedResource("a", "present", {"changed": False})]
    result, values = Several(SimpleNamespace(params={}, check_mode=False), resources).converge("present")
    assert (result["changed"], result["actions"], result["planned"]) == (False, [], [])
    assert values == [{"name": "a"}]


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
