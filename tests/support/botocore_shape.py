"""Requests checked as boto3 checks them before it sends them: against botocore's model of the service's API.

boto3 validates every call's parameters on the client side (botocore's `ParamValidator`, on by default with
`parameter_validation`) and raises `ParamValidationError` before any request leaves: an unknown key, a wrong
type or a value under its minimum never reaches AWS. The emulator lacks some calls (Glue's Update*), so these
checks are what stands between the module unit tests' expected dicts and the API's real shape.
"""

from __future__ import annotations

import functools

import botocore.session
from botocore import xform_name
from botocore.validate import ParamValidator

# The models ship with botocore: reading them needs neither credentials nor a network.
_SESSION = botocore.session.get_session()


class MalformedRequest(AssertionError):
    """A request botocore would refuse before sending it; the message names each parameter and what is wrong."""


@functools.cache
def service_model(service: str):
    return _SESSION.get_service_model(service)


@functools.cache
def _api_names(service: str) -> dict[str, str]:
    """The service's operations by their boto3 method name (`update_job`) and by their API name (`UpdateJob`)."""
    names = {}
    for api_name in service_model(service).operation_names:
        names[api_name] = api_name
        names[xform_name(api_name)] = api_name
    return names


def api_name(service: str, operation: str) -> str:
    """`operation` (a boto3 method name or an API name) as the API names it; MalformedRequest if the service has
    no such operation."""
    try:
        return _api_names(service)[operation]
    except KeyError:
        raise MalformedRequest(f"{service} has no operation {operation!r} (botocore {botocore.__version__})") from None


def validate(service: str, operation: str, params: dict) -> dict:
    """`params` if botocore accepts them as the request of `operation`; else MalformedRequest with botocore's
    report, the text boto3's ParamValidationError carries."""
    name = api_name(service, operation)
    input_shape = service_model(service).operation_model(name).input_shape
    report = ParamValidator().validate(params, input_shape)
    if report.has_errors():
        raise MalformedRequest(
            f"{service} {name}: boto3 would refuse this request before sending it:\n{report.generate_report()}"
        )
    return params


class ShapeCheckingClient:
    """Stands in for a boto3 client: each call is validated as boto3 would validate it, then recorded in `calls`
    as (method name, parameters) and answered with {} (the code that makes it must not need the answer)."""

    def __init__(self, service: str):
        self.service = service
        self.calls: list[tuple[str, dict]] = []

    def __getattr__(self, method: str):
        if method.startswith("_"):
            raise AttributeError(method)

        def call(aws_retry=False, **params):  # aws_retry is amazon.aws's retry switch, not a request parameter
            validate(self.service, method, params)
            self.calls.append((method, params))
            return {}

        api_name(self.service, method)
        return call
