"""Every test of this directory goes through `requests_checked_against_the_api`: each request builder and each
planning function of the collection's modules is wrapped so that what a test makes it build or plan is checked
against botocore's model of the API (support/module_requests.py says how).
"""

from __future__ import annotations

import functools
import inspect

import pytest

from support.botocore_shape import validate
from support.module_requests import PLAN_REPLAYS, REQUEST_BUILDERS, replayed


def _checked(function, check):
    """`function`, calling `check(output, arguments by name)` on each of its results before returning it."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def checked(*args, **kwargs):
        output = function(*args, **kwargs)
        arguments = signature.bind(*args, **kwargs)
        arguments.apply_defaults()
        check(output, arguments.arguments)
        return output

    return checked


def _validated(requests):
    def check(output, arguments):
        for service, operation, params in requests(output, arguments):
            validate(service, operation, params)

    return check


@pytest.fixture(autouse=True)
def requests_checked_against_the_api(monkeypatch):
    for (module, name), requests in REQUEST_BUILDERS.items():
        monkeypatch.setattr(module, name, _checked(getattr(module, name), _validated(requests)))
    for (module, name), replay in PLAN_REPLAYS.items():
        monkeypatch.setattr(module, name, _checked(getattr(module, name), replayed(replay)))
