"""The awx.awx modules run against the stand-in controller: what they send is exactly what the
render showed, a rerun creates nothing, and secrets travel only in the credentials' requests."""

from __future__ import annotations

import pytest
import yaml

from support.awx_controller import FakeController
from support.awx_playbook import SECRETS, SETTINGS, changed_tasks, render, run_awx

pytestmark = pytest.mark.slow

REFERENCES = {
    "organization": "organizations",
    "project": "projects",
    "inventory": "inventories",
    "source_project": "projects",
    "credential": "credentials",
    "execution_environment": "execution_environments",
    "default_environment": "execution_environments",
}
# Module options that are not fields of the object (compared separately where they matter).
NOT_FIELDS = {"inputs", "credentials", "survey_spec", "workflow_nodes", "destroy_current_nodes", "secret_inputs"}


def assert_holds(controller: FakeController, collection: str, definition: dict, lookups: tuple[str, ...] = ()) -> dict:
    """The controller holds the object as defined: every field, names resolved to ids, nothing for null.
    `lookups` are options the module only finds other objects with."""
    held = controller.named(collection, definition["name"])
    for key, value in definition.items():
        if key in NOT_FIELDS or key in lookups:
            continue
        if value is None:
            assert key not in held, (definition["name"], key)
        elif key in REFERENCES:
            assert controller.name_of(REFERENCES[key], held[key]) == value, (definition["name"], key)
        elif key == "credential_type":
            assert controller.name_of("credential_types", held[key]) == value, definition["name"]
        elif key == "extra_vars":
            # AWX holds a template's extra variables as text (JSON or YAML).
            assert yaml.safe_load(held[key]) == value, (definition["name"], key, held[key])
        else:
            assert held[key] == value, (definition["name"], key, held.get(key))
    return held


def test_configures_the_controller_with_exactly_the_rendered_definitions(runner, controller):
    env = controller.environment(runner)
    _result, definitions, _text = render(runner, SETTINGS, env=env)

    first = run_awx(runner, SETTINGS, "-vvv", env=env)
    assert first.returncode == 0, first.output[-5000:]
    created = controller.counts()
    sent = len(controller.requests)
    second = run_awx(runner, SETTINGS, env=env)

    assert second.returncode == 0, second.output[-5000:]
    # A rerun changes nothing but the credentials, whose secrets the controller never shows back.
    assert changed_tasks(second) == ["Create the credentials"]
    assert controller.counts() == created
    assert not [request for request in controller.requests[sent:] if request[0] == "POST"]

    assert controller.named("organizations", "Default")["id"] == 1
    for credential in definitions["credentials"]:
        held = assert_holds(controller, "credentials", credential)
        secrets = {field: SETTINGS[variable] for field, variable in credential["secret_inputs"].items()}
        assert held["inputs"] == {**credential["inputs"], **secrets}
    assert_holds(controller, "projects", definitions["project"])
    assert_holds(controller, "inventories", definitions["inventory"])
    source = assert_holds(controller, "inventory_sources", definitions["inventory_source"], lookups=("organization",))
    assert controller.objects["inventories"][source["inventory"]]["organization"] == 1
    for template in definitions["job_templates"]:
        held = assert_holds(controller, "job_templates", template)
        credentials = controller.associated("job_templates", held, "credentials")
        assert sorted(controller.name_of("credentials", i) for i in credentials) == sorted(template["credentials"])
        assert controller.surveys.get(("job_templates", held["id"])) == template.get("survey_spec")

    (schedule,) = definitions["schedules"]
    held = assert_holds(controller, "schedules", schedule, lookups=("organization", "unified_job_template"))
    assert held["unified_job_template"] == controller.named("job_templates", schedule["unified_job_template"])["id"]

    workflow = definitions["workflow_job_template"]
    held = assert_holds(controller, "workflow_job_templates", workflow)
    nodes = {node["identifier"]: node for node in controller.objects["workflow_job_template_nodes"].values()}
    assert set(nodes) == {node["identifier"] for node in workflow["workflow_nodes"]}
    for node in workflow["workflow_nodes"]:
        node_held = nodes[node["identifier"]]
        assert node_held["workflow_job_template"] == held["id"]
        assert (
            controller.name_of("job_templates", node_held["unified_job_template"])
            == node["unified_job_template"]["name"]
        )
        following = controller.associated("workflow_job_template_nodes", node_held, "success_nodes")
        identifiers = [controller.objects["workflow_job_template_nodes"][i]["identifier"] for i in following]
        assert identifiers == [child["identifier"] for child in node["related"]["success_nodes"]]

    # Secrets travel only in the credentials' own requests, and never into the output (even at -vvv).
    for method, path, body in controller.requests:
        if any(secret in body or secret in path for secret in SECRETS[:3]):
            assert (method, path.split("?")[0].rstrip("0123456789/")) in (
                ("POST", "/api/v2/credentials"),
                ("PATCH", "/api/v2/credentials"),
            ), path
    for secret in SECRETS:
        assert secret not in first.output
        assert secret not in second.output
