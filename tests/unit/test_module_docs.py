"""What every module documents alike is written once, in plugins/doc_fragments/, and reaches every module's docs."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted((REPO / "plugins" / "modules").glob("*.py"))
SHARED_FRAGMENT = "dataeng.platform.attributes"
MAINTAINERS = ["dataeng.platform maintainers (@dataeng)"]


def own_documentation(module: Path) -> dict:
    """The DOCUMENTATION a module writes itself, before Ansible merges its fragments in."""
    for node in ast.parse(module.read_text()).body:
        if "DOCUMENTATION" in [getattr(target, "id", None) for target in getattr(node, "targets", [])]:
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"{module.name} has no DOCUMENTATION")


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.stem)
def test_a_module_leaves_what_every_module_shares_to_the_fragment(module):
    documentation = own_documentation(module)
    assert SHARED_FRAGMENT in documentation.get("extends_documentation_fragment", []), (
        f"{module.name}: extend {SHARED_FRAGMENT} (the maintainers, check and diff mode support)"
    )
    assert "author" not in documentation, f"{module.name}: the maintainers come from {SHARED_FRAGMENT}"
    repeated = [name for name, attribute in documentation["attributes"].items() if attribute.get("support") == "full"]
    assert not repeated, f"{module.name}: `support: full` of {repeated} comes from {SHARED_FRAGMENT}"


@pytest.fixture(scope="module")
def rendered() -> dict:
    """`ansible-doc -j` of every module: its documentation with the fragments merged, as users read it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    names = [f"dataeng.platform.{module.stem}" for module in MODULES]
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-doc"), "-j", *names],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_every_module_renders_the_maintainers_and_both_attributes_described(rendered):
    assert sorted(rendered) == [f"dataeng.platform.{module.stem}" for module in MODULES]
    for name, entry in rendered.items():
        documentation = entry["doc"]
        assert documentation.get("author") == MAINTAINERS, name
        assert sorted(documentation.get("attributes", {})) == ["check_mode", "diff_mode"], name
        for attribute_name, attribute in documentation["attributes"].items():
            assert attribute.get("support") in ("full", "none"), f"{name} {attribute_name}"
            assert attribute["description"], f"{name} {attribute_name} says nothing of what it does"
