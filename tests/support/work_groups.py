"""How `make integration` splits the integration tests between its processes (pytest-xdist).

A work group runs in one process, in order, so that what its tests share is set up once and used by one
process at a time. The scheduler knows a test by its node id only, so a test's group is read from it:
- the tests that read the converges (the session's four accounts, support/converges.py);
- what uses the test hosts' Docker engine, which one process starts and stops: the site test, the test
  hosts' own tests and the molecule scenarios on test hosts;
- any other molecule scenario alone (it starts its own emulator);
- the tests of a directory with fixtures of its own (awx/, monitoring_config/) together;
- any other test with its module.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_ACCOUNTS = "converges"
SHARED_ACCOUNT_MODULES = {
    "test_account.py",
    "test_pipeline_local.py",
    "test_plan.py",
    "test_reachability.py",
    "test_resilience.py",
    "test_scanner.py",
    "test_secure_defaults.py",
}
DOCKER_ENGINE = "docker"
DOCKER_ENGINE_MODULES = {"test_site.py", "test_testhost.py"}
MOLECULE_SCENARIO = re.compile(r"test_molecule\.py::test_scenario\[(?P<scenario>[^\]]+)\]$")


@cache
def on_test_hosts(scenario: str) -> bool:
    """A host role's scenario: its instances are test hosts (molecule/shared/testhosts), not an emulator.

    Cached: the scheduler asks for a test's group again each time the test completes."""
    return "shared/testhosts/" in (REPO / "molecule" / scenario / "molecule.yml").read_text()


def of(nodeid: str) -> str:
    module = Path(nodeid.split("::")[0])
    if module.name in SHARED_ACCOUNT_MODULES:
        return SHARED_ACCOUNTS
    if module.name in DOCKER_ENGINE_MODULES:
        return DOCKER_ENGINE
    molecule = MOLECULE_SCENARIO.search(nodeid)
    if molecule:
        return DOCKER_ENGINE if on_test_hosts(molecule["scenario"]) else nodeid
    if (REPO / module.parent / "conftest.py").exists() and module.parent != Path("tests/integration"):
        return str(module.parent)
    return str(module)
