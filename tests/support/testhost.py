"""Test hosts as the tests use them: engine, image and container from the project's own launcher."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

import testhost as launcher


def unique_name(prefix: str = "testhost") -> str:
    """A container (and host) name no other test or session uses."""
    return f"{prefix}-{secrets.token_hex(4)}"


# Set (to anything) to run the tests as on a machine without Docker: every test that needs a test host
# skips, so what runs without one is shown to run (`DATAENG_TESTHOST_NO_DOCKER=1 pytest ...`).
NO_DOCKER_VARIABLE = "DATAENG_TESTHOST_NO_DOCKER"


def ensure_engine() -> launcher.EngineState:
    """The Docker engine, started when none answers.

    Skips only when no engine answers and this user cannot start one (not root), or when
    NO_DOCKER_VARIABLE is set.
    """
    if os.environ.get(NO_DOCKER_VARIABLE):
        pytest.skip(f"{NO_DOCKER_VARIABLE} is set: the tests run as without Docker, so no test host")
    if os.geteuid() != 0 and not launcher.engine_answers():
        pytest.skip("no Docker engine answers and installing or starting dockerd needs root")
    return launcher.ensure_engine()


def ensure_engine_and_image() -> launcher.EngineState:
    """The Docker engine (started when none answers) and an up-to-date test host image."""
    engine = ensure_engine()
    launcher.build_image(log=lambda _message: None)
    return engine


def ensure_service_images() -> list[launcher.BuildResult]:
    """The Docker engine and up-to-date images of the monitoring services (launcher.SERVICE_IMAGES)."""
    ensure_engine()
    return launcher.build_service_images(log=lambda _message: None)


@contextlib.contextmanager
def running_testhost(name: str | None = None, timeout: float = 120.0) -> Iterator[launcher.Testhost]:
    """A booted test host (`.name`, `.exec(...)`), removed with its volume however the block ends."""
    ensure_engine_and_image()
    name = name or unique_name()
    try:
        yield launcher.start(name, timeout=timeout)
    finally:
        launcher.stop(name)


@dataclass(frozen=True)
class StandIns:
    """Test hosts standing in for the emulated instances: inventories/local reaches the instance
    named N through the container named prefix + N (LOCAL_TESTHOST_PREFIX)."""

    prefix: str
    hosts: dict[str, launcher.Testhost]  # by the instance's Role tag

    def environment(self) -> dict[str, str]:
        return {"LOCAL_TESTHOST_PREFIX": self.prefix}


@contextlib.contextmanager
def stand_in_hosts(platform_prefix: str = "dataeng-local", roles=("kubernetes", "monitoring")) -> Iterator[StandIns]:
    """Booted stand-ins for the platform's hosts, and the service images' archive the local
    inventory loads into the monitoring host; the hosts are removed however the block ends."""
    ensure_engine_and_image()
    launcher.save_service_images(log=lambda _message: None)
    prefix = unique_name("site") + "-"
    names = {role: f"{prefix}{platform_prefix}-{role}" for role in roles}
    try:
        yield StandIns(prefix, {role: launcher.start(name) for role, name in names.items()})
    finally:
        for name in names.values():
            launcher.stop(name)
