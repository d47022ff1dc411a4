"""Fixtures of the integration tests that more than one module reads."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from support import scanner
from support.aws import Aws
from support.converges import Converge, side_by_side
from support.emulator import running_emulator


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
