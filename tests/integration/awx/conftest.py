"""AWX configuration as code (playbooks/awx.yml): what it renders, what it sends, what it refuses.

No AWX runs here, so the definitions are checked as rendered (`awx_render_only=true`) against
the repository, and the awx.awx modules are run against a stand-in controller: an in-memory
copy of the few API v2 endpoints they use, which records every request. What the modules
sent must be exactly what the render showed.

The render every file reads and its runner are set up once (session scope: the fixtures are only
visible in this directory).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.awx_controller import FakeController, running_controller
from support.awx_playbook import SETTINGS, render
from support.playbook import PlaybookResult, PlaybookRunner


@pytest.fixture(scope="session")
def runner(repo, tmp_path_factory) -> PlaybookRunner:
    return PlaybookRunner(repo, tmp_path_factory.mktemp("awx"))


@pytest.fixture(scope="session")
def rendered(runner) -> tuple[PlaybookResult, dict, str]:
    """The definitions rendered with (fake) keys and an SSH key, at -v."""
    return render(runner, SETTINGS, "-v")


@pytest.fixture(scope="session")
def definitions(rendered) -> dict:
    return rendered[1]


@pytest.fixture
def controller() -> Iterator[FakeController]:
    with running_controller() as controller:
        yield controller
