"""The emulator as the tests use it: started by the project's own launcher."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import emulator as launcher
from support.aws import Aws


@contextlib.contextmanager
def running_emulator(state_dir: Path) -> Iterator[launcher.EmulatorState]:
    state = launcher.start(state_dir, port=0)
    try:
        yield state
    finally:
        launcher.stop(state_dir)


def client(state: launcher.EmulatorState, service: str, region: str = "us-east-2"):
    return Aws(state, region).client(service)


def free_loopback_endpoint() -> str:
    """An endpoint on a loopback port nobody listens on."""
    return f"https://{launcher.DEFAULT_HOST}:{launcher.free_port()}"
