"""Test hosts as the tests use them: engine, image and container from the project's own launcher."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

import pytest

import testhost as launcher


def unique_name(prefix: str = "testhost") -> str:
    """A container (and host) name no other test or session uses."""
    return f"{prefix}-{secrets.token_hex(4)}"


def ensure_engine_and_image() -> launcher.EngineState:
    """The Docker engine (started when none answers) and an up-to-date test host image.

    Skips only when no engine answers and this user cannot start one (not root).
    """
    if os.geteuid() != 0 and not launcher.engine_answers():
        pytest.skip("no Docker engine answers and installing or starting dockerd needs root")
    engine = launcher.ensure_engine()
    launcher.build_image(log=lambda _message: None)
    return engine


@contextlib.contextmanager
def running_testhost(name: str | None = None, timeout: float = 120.0) -> Iterator[launcher.Testhost]:
    """A booted test host (`.name`, `.exec(...)`), removed with its volume however the block ends."""
    ensure_engine_and_image()
    name = name or unique_name()
    try:
        yield launcher.start(name, timeout=timeout)
    finally:
        launcher.stop(name)
