"""The check every module unit test goes through (conftest.py): requests validated against botocore's model of the
API, and nothing a module sends left out of it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from support.botocore_shape import MalformedRequest, ShapeCheckingClient, validate
from support.module_requests import PLAN_REPLAYS, REQUEST_BUILDERS

PLUGINS = Path(__file__).resolve().parents[3] / "plugins"
MODULE_FILES = sorted([*PLUGINS.glob("modules/*.py"), *PLUGINS.glob("module_utils/*.py")])


def declared(table):
    return {(module.__name__.rsplit(".", 1)[-1], name) for module, name in table}


def module_functions(tree):
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def is_client(node):
    """`client`, `self.client`, or a method of either."""
    while isinstance(node, ast.Attribute) and node.attr != "client":
        node = node.value
    return (isinstance(node, ast.Name) and node.id == "client") or (
        isinstance(node, ast.Attribute) and node.attr == "client"
    )


def client_calls(tree):
    """Each call of a client method: `client.x(...)`, and `wrapper(client.x)(...)` or `getattr(client, x)(...)`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Attribute) and is_client(node.func.value))
            or (isinstance(node.func, ast.Call) and any(is_client(argument) for argument in node.func.args))
        ):
            yield node


def test_every_plan_function_is_replayed_against_the_api():
    plans = set()
    for path in MODULE_FILES:
        tree = ast.parse(path.read_text())
        plans |= {(path.stem, name) for name in module_functions(tree) if name.startswith("plan_")}
    assert plans - declared(PLAN_REPLAYS) == set(), "add a replay to PLAN_REPLAYS in tests/support/module_requests.py"


def test_every_function_whose_result_a_client_call_takes_is_a_declared_builder():
    builders = set()
    for path in MODULE_FILES:
        tree = ast.parse(path.read_text())
        own = module_functions(tree)
        for call in client_calls(tree):
            parts = [*call.args, *(keyword.value for keyword in call.keywords)]
            builders |= {
                (path.stem, node.func.id)
                for part in parts
                for node in ast.walk(part)
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in own
            }
    assert ("glue_job", "update_request") in builders  # the scan sees through WHEN_ROLE_PROPAGATED(...)(...)
    assert builders - declared(REQUEST_BUILDERS) == set(), (
        "declare it in REQUEST_BUILDERS (tests/support/module_requests.py)"
    )


@pytest.mark.parametrize(
    ("job_update", "refusal"),
    [
        ({"WorkerTyp": "G.1X"}, 'Unknown parameter in JobUpdate: "WorkerTyp", must be one of: '),
        (
            {"NumberOfWorkers": "2"},
            "Invalid type for parameter JobUpdate.NumberOfWorkers, value: 2, type: <class 'str'>",
        ),
        ({"Timeout": 0}, "Invalid value for parameter JobUpdate.Timeout, value: 0, valid min value: 1"),
        ({"Command": {"ScriptLocation": "s3://b/k.py"}, "ExecutionClass": None}, "JobUpdate.ExecutionClass"),
    ],
)
def test_a_malformed_request_is_refused_naming_the_parameter(job_update, refusal):
    with pytest.raises(MalformedRequest, match="glue UpdateJob: boto3 would refuse") as refused:
        validate("glue", "update_job", {"JobName": "job", "JobUpdate": job_update})
    assert refusal in str(refused.value)


def test_an_operation_the_service_lacks_is_refused():
    with pytest.raises(MalformedRequest, match="glue has no operation 'update_jobs'"):
        ShapeCheckingClient("glue").update_jobs(JobName="job")
