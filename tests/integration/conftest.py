"""Fixtures of the integration tests that more than one module reads."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from support.converges import Converge, side_by_side


@pytest.fixture(scope="session")
def converges(repo, tmp_path_factory) -> dict[str, Converge]:
    """The cloud layer converged undisturbed, faulted, interrupted and eventually consistent
    (support/converges.py), each account live until the session ends."""
    with ExitStack() as emulators:
        yield side_by_side(repo, tmp_path_factory, emulators)
