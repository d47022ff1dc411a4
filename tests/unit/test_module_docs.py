"""What every module documents alike is written once, in plugins/doc_fragments/ (tests/integration/test_docs.py
checks that it reaches every module's rendered documentation)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted((REPO / "plugins" / "modules").glob("*.py"))
SHARED_FRAGMENT = "dataeng.platform.attributes"


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
