"""Every role documents its public interface, and the documentation matches the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ROLES = sorted(path.name for path in (REPO / "roles").iterdir() if path.is_dir())
# Settings shared by every cloud role live in `common` and keep the names the README uses.
GLOBAL_PREFIXES = ("platform_", "aws_", "admin_cidrs")
TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_]\w*:")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


def public_prefixes(role: str) -> tuple[str, ...]:
    return (f"{role}_", *GLOBAL_PREFIXES) if role == "common" else (f"{role}_",)


def test_there_are_roles():
    assert "common" in ROLES


@pytest.mark.parametrize("role", ROLES)
def test_defaults_and_argument_specs_are_in_step(role):
    defaults = load(REPO / "roles" / role / "defaults" / "main.yml")
    options = load(REPO / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert sorted(defaults) == sorted(options), "a variable is in defaults/main.yml or argument_specs, not both"
    for name, spec in options.items():
        assert spec.get("type"), f"{name} has no type"
        assert spec.get("description"), f"{name} has no description"
        assert spec.get("default") == defaults[name], f"{name}: argument_specs default differs from defaults/main.yml"


@pytest.mark.parametrize("role", ROLES)
def test_public_variables_are_named_after_the_role(role):
    defaults = load(REPO / "roles" / role / "defaults" / "main.yml")
    assert [name for name in defaults if not name.startswith(public_prefixes(role))] == []


@pytest.mark.parametrize("role", ROLES)
def test_internal_variables_are_prefixed_and_kept_in_vars(role):
    vars_file = REPO / "roles" / role / "vars" / "main.yml"
    names = load(vars_file) if vars_file.exists() else {}
    allowed = (f"_{role}_", *(GLOBAL_PREFIXES if role == "common" else ()))
    assert [name for name in names if not name.startswith(allowed)] == []


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_explained_by_a_comment(role):
    """A comment above each variable, or above the group of variables it belongs to."""
    lines = (REPO / "roles" / role / "defaults" / "main.yml").read_text().splitlines()
    for index, line in enumerate(lines):
        if TOP_LEVEL_KEY.match(line):
            above = index - 1
            while above >= 0 and TOP_LEVEL_KEY.match(lines[above]):
                above -= 1
            assert lines[max(above, 0)].startswith("#"), f"{role}: {line} has no comment above it"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_molecule_scenario(role):
    assert (REPO / "molecule" / role / "molecule.yml").is_file()


# ansible.utils' data-structure filters validate their input with an argument spec, which deep-copies it: under
# ansible-core 2.19 a variable's value is a lazy container that carries the templating context, so one call copied
# millions of objects (20 s of CPU for five secrets' names; docs/performance.md). The IP filters take strings.
DEEP_COPYING_FILTERS = re.compile(
    r"ansible\.utils\.(keep_keys|remove_keys|replace_keys|get_path|index_of|to_paths|fact_diff|consolidate)\b"
)


@pytest.mark.parametrize("role", ROLES)
def test_no_filter_deep_copies_the_templating_context(role):
    found = [
        f"{path.relative_to(REPO)}:{number}"
        for path in sorted((REPO / "roles" / role).rglob("*.yml"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if DEEP_COPYING_FILTERS.search(line)
    ]
    assert not found, (
        f"ansible.utils data-structure filters in {found}: pick or drop keys with ansible.builtin.dict2items, "
        "selectattr/rejectattr on 'key' and ansible.builtin.items2dict"
    )
