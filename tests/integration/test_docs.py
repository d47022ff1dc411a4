"""`ansible-doc` renders every module and role of the collection, as users read them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(path.stem for path in (REPO / "plugins" / "modules").glob("*.py"))
ROLES = sorted(path.name for path in (REPO / "roles").iterdir() if (path / "meta" / "argument_specs.yml").exists())


def ansible_doc(*args: str) -> dict:
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-doc"), "--json", *args],
        cwd=REPO,
        env={"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "WARNING" not in completed.stderr, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.parametrize("module", MODULES)
def test_module_documentation_renders_with_examples_and_return_values(module):
    (doc,) = ansible_doc(f"dataeng.platform.{module}").values()
    assert doc["doc"]["options"]
    assert doc["doc"]["options"].get("state", {}).get("choices", ["present", "absent"]) == ["present", "absent"]
    assert {"check_mode", "diff_mode"} <= set(doc["doc"]["attributes"])
    # The support level and the maintainers come from dataeng.platform.attributes; the description from the module.
    for name, attribute in doc["doc"]["attributes"].items():
        assert attribute.get("support") in ("full", "partial", "none"), name
        assert attribute.get("description"), f"{name} says nothing of what it does for this module"
    assert doc["doc"].get("author") == ["dataeng.platform maintainers (@dataeng)"]
    assert doc["examples"].strip()
    assert doc["return"]


@pytest.mark.parametrize("role", ROLES)
def test_role_documentation_renders_its_entry_points(role):
    (doc,) = ansible_doc("-t", "role", f"dataeng.platform.{role}").values()
    assert "main" in doc["entry_points"]
    assert doc["entry_points"]["main"]["short_description"]
