"""Fixtures of the integration tests that more than one module reads, and how the tests are split between processes."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from support import scanner
from support.aws import Aws
from support.converges import Converge, side_by_side
from support.emulator import running_emulator

# `make integration` runs these tests in two processes (pytest-xdist, `--dist loadgroup`): one core idles while
# a test waits on Ansible or the emulator. A work group runs in one process, in order, so that what its tests
# share is set up once: every test that reads the converges (the session's four accounts); a directory with
# fixtures of its own (awx/, monitoring_config/); a module; or the group a module names itself
# (xdist_group("docker"): what shares the test hosts' Docker engine, which one process starts and stops).
SHARED_ACCOUNTS_GROUP = "converges"
HERE = Path(__file__).parent


def work_group(item: pytest.Item) -> str:
    if "converges" in item.fixturenames:
        return SHARED_ACCOUNTS_GROUP
    directory = item.path.parent
    if directory != HERE and (directory / "conftest.py").exists():
        return str(directory.relative_to(HERE))
    return item.nodeid.split("::")[0]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(work_group(item)))


@pytest.fixture(scope="session")
def baseline_scan(tmp_path_factory):
    """The scanner's baseline (support/scanner.py): Prowler on an empty emulator, started before the
    converges so that it runs beside them (it mostly waits on the emulator); None without the scanner
    installed (test_scanner.py says so, the other tests do not need it)."""
    if not scanner.installed():
        yield None
        return
    tmp = tmp_path_factory.mktemp("baseline")
    with running_emulator(tmp / "emulator") as emulator:
        aws = Aws(emulator)
        scan = scanner.Scan(
            scanner.emulator_environment(aws),
            scanner.inventory_region(),
            tmp / "scan",
            own_ids=scanner.emulator_own_ids(aws),
        )
        try:
            yield scan.start()
        finally:
            scan.stop()


@pytest.fixture(scope="session")
def converges(repo, tmp_path_factory, baseline_scan) -> dict[str, Converge]:
    """The cloud layer converged undisturbed, faulted, interrupted and eventually consistent
    (support/converges.py), each account live until the session ends."""
    with ExitStack() as emulators:
        yield side_by_side(repo, tmp_path_factory, emulators)
