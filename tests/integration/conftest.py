"""Fixtures of the integration tests that more than one module reads, and how the tests are split between processes."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from support import scanner, work_groups
from support.aws import Aws
from support.converges import Converge, side_by_side
from support.emulator import running_emulator


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """`make integration`'s processes take whole work groups (support/work_groups.py), the largest first."""
    from xdist.scheduler import LoadScopeScheduling

    class WorkGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_groups.of(nodeid)

    return WorkGroupScheduling(config, log)


def pytest_collection_modifyitems(items):
    """A module that reads the converges outside their work group would converge them again in another process."""
    strays = {
        item.path.name
        for item in items
        if "converges" in item.fixturenames and work_groups.of(item.nodeid) != work_groups.SHARED_ACCOUNTS
    }
    if strays:
        raise pytest.UsageError(f"add {sorted(strays)} to SHARED_ACCOUNT_MODULES in tests/support/work_groups.py")


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
            aws.environment(),
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
