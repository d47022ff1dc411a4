"""The render (`awx_render_only=true`): every definition written, no request to the controller,
the inventory source, the workflow, the prod names and no secret."""

from __future__ import annotations

import json

import pytest

from support.awx_playbook import SCM_URL, SECRETS, SETTINGS, render, run_awx

pytestmark = pytest.mark.slow

WORKFLOW_ORDER = ["network", "data_lake", "glue", "ecs", "compute", "kubernetes", "monitoring", "outputs"]


def test_render_writes_every_definition_and_calls_nothing(rendered, controller, runner):
    result, definitions, _text = rendered
    # The controller's settings are there, but a render never reaches it.
    _result, again, _text = render(runner, SETTINGS, env=controller.environment(runner))

    assert list(definitions) == [
        "environment",
        "organization",
        "credentials",
        "project",
        "inventory",
        "inventory_source",
        "job_templates",
        "workflow_job_template",
        "schedules",
    ]
    assert again == definitions
    assert controller.requests == []
    assert result.recap() == {"ok": 9, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 9}
    assert definitions["organization"] == {"name": "Default"}
    project = definitions["project"]
    assert (project["name"], project["scm_type"], project["scm_url"], project["scm_branch"]) == (
        "dataeng-dev",
        "git",
        SCM_URL,
        "main",
    )
    assert project["scm_update_on_launch"] is True


def test_tags_render_renders_too(runner, controller):
    target = runner.workdir / "tags-render.json"
    settings = {**SETTINGS, "awx_render_file": str(target)}
    result = run_awx(runner, settings, "--tags", "render", env=controller.environment(runner))

    assert result.returncode == 0, result.output[-3000:]
    assert json.loads(target.read_text())["job_templates"]
    assert controller.requests == []


def test_inventory_is_sourced_from_the_project_inventory_directory(definitions, repo):
    source = definitions["inventory_source"]

    assert source["source"] == "scm"
    assert source["source_project"] == definitions["project"]["name"]
    assert source["inventory"] == definitions["inventory"]["name"]
    assert source["source_path"] == "inventories/dev/"
    assert (repo / source["source_path"] / "ec2_hosts.yml").is_file()
    assert (repo / source["source_path"] / "hosts.yml").is_file()
    assert source["credential"] == "dataeng-dev AWS"
    assert source["update_on_launch"] is True
    assert source["overwrite"] is True


def test_workflow_is_one_chain_from_network_to_outputs(definitions):
    workflow = definitions["workflow_job_template"]
    templates = {template["name"] for template in definitions["job_templates"]}
    nodes = {node["identifier"]: node for node in workflow["workflow_nodes"]}
    assert len(nodes) == len(workflow["workflow_nodes"])
    for node in nodes.values():
        assert node["unified_job_template"]["type"] == "job_template"
        assert node["unified_job_template"]["name"] in templates
        assert node["unified_job_template"]["organization"] == {"name": "Default"}
        assert set(node["related"]) == {"success_nodes"}
        assert {child["identifier"] for child in node["related"]["success_nodes"]} <= set(nodes)

    children = {key: [child["identifier"] for child in node["related"]["success_nodes"]] for key, node in nodes.items()}
    parents = {child for listed in children.values() for child in listed}
    (start,) = set(nodes) - parents
    chain = [start]
    while children[chain[-1]]:
        (following,) = children[chain[-1]]
        assert following not in chain, f"cycle at {following}"
        chain.append(following)

    assert chain == WORKFLOW_ORDER
    assert len(chain) == len(nodes)
    assert nodes["network"]["unified_job_template"]["name"] == "dataeng-dev network"
    assert nodes["outputs"]["unified_job_template"]["name"] == "dataeng-dev outputs"
    assert workflow["ask_variables_on_launch"] is False


def test_prod_names_and_inventory(runner):
    _result, definitions, _text = render(
        runner, {**SETTINGS, "awx_environment": "prod", "awx_project_scm_branch": "release"}
    )

    assert definitions["project"]["name"] == "dataeng-prod"
    assert definitions["project"]["scm_branch"] == "release"
    assert definitions["inventory_source"]["source_path"] == "inventories/prod/"
    assert all(template["name"].startswith("dataeng-prod ") for template in definitions["job_templates"])
    destroy = definitions["job_templates"][-1]
    assert "(prod)" in destroy["survey_spec"]["spec"][0]["question_name"]


def test_no_secret_in_the_render_or_the_output(rendered):
    result, definitions, text = rendered

    for secret in SECRETS:
        assert secret not in text
        assert secret not in result.output
    assert "awx_aws_secret_key" in json.dumps(definitions["credentials"])
