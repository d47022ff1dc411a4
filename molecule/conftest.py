"""Fixtures for the testinfra tests of every scenario: the scenario's own emulator."""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tools"))

import emulator  # noqa: E402
from support.aws import Aws  # noqa: E402


@pytest.fixture(scope="session")
def aws() -> Aws:
    """boto3 clients for the emulator molecule/shared/create.yml started for this scenario."""
    state_dir = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "emulator"
    state = emulator.read_state(state_dir)
    assert state is not None, f"no emulator recorded in {state_dir}"
    return Aws(state)
