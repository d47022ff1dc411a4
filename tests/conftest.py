"""Fixtures shared by every test: the repository, the emulator, ansible-playbook runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible.plugins.loader import init_plugin_loader

import emulator as emulator_launcher
from support.emulator import running_emulator
from support.playbook import PlaybookRunner

REPO = Path(__file__).resolve().parent.parent

# Ansible's collection loader, as ansible-playbook installs it, before any test imports from a collection: the
# collection's modules and plugins are then imported as Ansible imports them, and templates resolve its plugins
# (the role variables' tests use its same_policy test).
init_plugin_loader([str(REPO / ".collections")])


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def aws_emulator(tmp_path_factory) -> emulator_launcher.EmulatorState:
    """One moto server for the whole session, on a free loopback port."""
    with running_emulator(tmp_path_factory.mktemp("emulator")) as state:
        yield state


@pytest.fixture
def playbook(tmp_path) -> PlaybookRunner:
    """Runs ansible-playbook from the repository root with outputs kept in tmp_path."""
    return PlaybookRunner(REPO, tmp_path)
