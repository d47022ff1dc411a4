"""The emulator as the tests use it: started by the project's own launcher."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import boto3
import emulator as launcher


@contextlib.contextmanager
def running_emulator(state_dir: Path) -> Iterator[launcher.EmulatorState]:
    state = launcher.start(state_dir, port=0)
    try:
        yield state
    finally:
        launcher.stop(state_dir)


def client(state: launcher.EmulatorState, service: str, region: str = "us-east-2"):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=state.endpoint,
        aws_access_key_id=launcher.DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=launcher.DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def free_loopback_endpoint() -> str:
    """An endpoint on a loopback port nobody listens on."""
    return f"http://{launcher.DEFAULT_HOST}:{launcher.free_port()}"
