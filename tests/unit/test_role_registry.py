"""The one declaration of the cloud roles (_common_cloud_lanes) is consistent, and everything derives from it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def load_registry_tool():
    spec = importlib.util.spec_from_file_location("dataeng_registry_tool", REPO / "tools" / "registry.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REGISTRY = load_registry_tool()
LANES = REGISTRY.cloud_lanes(REPO)
CONVERGE_ORDER = REGISTRY.converge_order(LANES)
# A cloud role is one with a teardown and a fact that the roles after it read.
CLOUD_ROLES = sorted(
    path.parents[1].name for path in REPO.glob("roles/*/tasks/facts.yml") if (path.parent / "absent.yml").exists()
)
COMMON_INPUTS = re.compile(r"^\s*common_inputs:(.*(?:\n\s+\{\{.*)?)", re.MULTILINE)


def role_order(task_file: Path) -> list[str]:
    """The roles a generated task file includes or imports, in its order."""
    tasks = yaml.safe_load(task_file.read_text())
    return [
        (task.get("ansible.builtin.include_role") or task["ansible.builtin.import_role"])["name"].rsplit(".", 1)[-1]
        for task in tasks
    ]


def place(role: str) -> tuple[dict, int]:
    """The lane a role converges in, and its position in that lane."""
    (lane,) = [lane for lane in LANES if role in lane["roles"]]
    return lane, list(lane["roles"]).index(role)


@pytest.mark.parametrize("relative", REGISTRY.TARGETS)
def test_the_generated_task_files_are_in_step_with_the_declaration(relative):
    assert (REPO / relative).read_text() == REGISTRY.TARGETS[relative](REPO), (
        f"{relative} is out of date with _common_cloud_lanes: run `.venv/bin/python tools/registry.py`"
    )


def test_every_cloud_role_is_declared_once():
    assert sorted(CONVERGE_ORDER) == CLOUD_ROLES


def test_the_lane_names_are_unique_and_the_waves_numbered_from_one():
    assert len({lane["name"] for lane in LANES}) == len(LANES)
    assert sorted({lane["wave"] for lane in LANES}) == list(range(1, max(lane["wave"] for lane in LANES) + 1))
    # _common_cloud_roles (and tests/support's CLOUD_ROLES) flatten the lanes as declared: wave by wave.
    assert [lane["wave"] for lane in LANES] == sorted(lane["wave"] for lane in LANES)


@pytest.mark.parametrize("role", CONVERGE_ORDER)
def test_a_roles_inputs_converge_before_it(role):
    """Each input is of an earlier wave (done before the role's lane starts) or earlier in the same lane."""
    lane, position = place(role)
    for needed in lane["roles"][role]:
        assert needed in CONVERGE_ORDER, f"{role} reads {needed}, which is not a cloud role"
        needed_lane, needed_position = place(needed)
        assert needed_lane["wave"] < lane["wave"] or (needed_lane is lane and needed_position < position), (
            f"{role} ({lane['name']}, wave {lane['wave']}) reads platform_{needed}, which converges in "
            f"{needed_lane['name']} (wave {needed_lane['wave']}) not before it"
        )


def test_the_buckets_are_encrypted_with_a_key_that_exists_already():
    """data_lake_encryption uses the KMS key the secrets role makes: same lane, secrets first, or an earlier wave."""
    lake, lake_position = place("data_lake")
    secrets, secrets_position = place("secrets")
    same_lane_first = lake is secrets and secrets_position < lake_position
    assert same_lane_first or secrets["wave"] < lake["wave"], (lake, secrets)


def test_a_lane_converges_its_roles_in_the_declared_order():
    included = role_order(REPO / REGISTRY.LANE_ROLES)
    for lane in LANES:
        assert [role for role in included if role in lane["roles"]] == list(lane["roles"]), lane["name"]


def test_destroy_runs_the_reverse_of_converge():
    destroyed = role_order(REPO / REGISTRY.DESTROY)
    assert destroyed == list(reversed(CONVERGE_ORDER))
    # So no role is destroyed before a role that reads it.
    for role in CONVERGE_ORDER:
        for needed in place(role)[0]["roles"][role]:
            assert destroyed.index(role) < destroyed.index(needed), (role, needed)
    playbook = (REPO / "playbooks/destroy.yml").read_text()
    assert "tasks_from: destroy" in playbook
    # The playbook tears the cloud roles down only through the generated list.
    assert not [role for role in CLOUD_ROLES if f"dataeng.platform.{role}\n" in playbook]


@pytest.mark.parametrize("role", [*CLOUD_ROLES, "outputs"])
def test_a_role_reads_the_inputs_the_declaration_gives_it(role):
    """No role lists its inputs itself: it takes them from _common_cloud_inputs (glue leaves out the KMS key
    when it does not encrypt), and outputs reads every cloud role."""
    declared = "_common_cloud_roles" if role == "outputs" else f"_common_cloud_inputs.{role}"
    for path in sorted((REPO / "roles" / role / "tasks").glob("*.yml")):
        for value in COMMON_INPUTS.findall(path.read_text()):
            assert declared in value, (path, value)
            assert not re.search(r"\[\s*['\w]", value), f"{path} lists inputs of its own: {value}"


def test_the_entry_points_accept_exactly_the_declared_roles():
    specs = yaml.safe_load((REPO / "roles/common/meta/argument_specs.yml").read_text())["argument_specs"]
    for entry_point, option in [("lane", "common_lane_roles"), ("inputs", "common_inputs")]:
        assert sorted(specs[entry_point]["options"][option]["choices"]) == CLOUD_ROLES, entry_point


@pytest.mark.parametrize("role", CLOUD_ROLES)
def test_a_role_publishes_its_fact_from_one_definition(role):
    """platform_<role> is set once, in facts.yml, to _<role>_published from vars/main.yml (fed by the converge's
    or the find's answers); elsewhere only teardown resets it to nothing."""
    fact, definition = f"platform_{role}", f"_{role}_published"
    assert definition in load_yaml(REPO / "roles" / role / "vars/main.yml")
    published = {}
    for path in sorted((REPO / "roles" / role / "tasks").glob("*.yml")):
        for task in walk(load_yaml(path) or []):
            value = task.get("ansible.builtin.set_fact", {}).get(fact, published)
            if value is not published:
                published.setdefault(path.name, []).append(value)
    assert published.pop("facts.yml") == [f"{{{{ {definition} }}}}"]
    assert published in ({}, {"absent.yml": [{}]}), published


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


def walk(tasks: list[dict]):
    """Every task of a task list, those inside blocks too."""
    for task in tasks:
        yield task
        for section in ("block", "rescue", "always"):
            yield from walk(task.get(section, []))
