"""Fixtures of the integration tests that more than one module reads."""

from __future__ import annotations

import pytest

from support.converges import Converge, side_by_side


@pytest.fixture(scope="session")
def converges(repo, tmp_path_factory) -> dict[str, Converge]:
    """The cloud layer converged undisturbed, faulted and interrupted (support/converges.py)."""
    return side_by_side(repo, tmp_path_factory)
