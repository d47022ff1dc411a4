"""The rendered job templates: one per layer, their playbooks, tags and limits exist, the destroy
survey, and the credentials they reference."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support.awx_playbook import DRIFT_SCHEDULE, SETTINGS, render

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def playbook_tags(repo, runner, definitions) -> dict[str, set[str]]:
    """Every tag of each playbook a job template runs, as `ansible-playbook --list-tags` reports it."""
    tags = {}
    for playbook in sorted({template["playbook"] for template in definitions["job_templates"]}):
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "ansible-playbook"),
                playbook,
                "--list-tags",
                "-i",
                "inventories/local/hosts.yml",
            ],
            cwd=repo,
            env=runner.environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        listed = re.findall(r"TAGS: \[([^\]]*)\]", result.stdout)
        tags[playbook] = {tag.strip() for line in listed for tag in line.split(",") if tag.strip()}
    return tags


def test_one_job_template_per_layer(definitions):
    templates = {template["name"].removeprefix("dataeng-dev "): template for template in definitions["job_templates"]}

    assert list(templates) == [
        "network",
        "data lake",
        "glue",
        "ecs",
        "compute",
        "kubernetes",
        "monitoring",
        "site",
        "outputs",
        "drift",
        "destroy",
    ]
    assert templates["data lake"]["job_tags"] == "data_lake"
    assert templates["compute"]["job_tags"] == "instances"
    assert (templates["kubernetes"]["playbook"], templates["kubernetes"]["job_tags"]) == (
        "playbooks/hosts.yml",
        "docker,kubernetes",
    )
    assert templates["kubernetes"]["limit"] == "kubernetes"
    assert templates["monitoring"]["limit"] == "monitoring"
    assert "monitoring" in templates["monitoring"]["job_tags"].split(",")
    assert (templates["site"]["playbook"], templates["site"]["job_tags"]) == ("site.yml", "")
    assert templates["destroy"]["playbook"] == "playbooks/destroy.yml"
    drift = templates["drift"]
    assert (drift["playbook"], drift["job_type"]) == ("playbooks/plan.yml", "check")
    assert drift["extra_vars"] == {"plan_fail_on_changes": True}
    for template in definitions["job_templates"]:
        assert template["project"] == definitions["project"]["name"]
        assert template["inventory"] == definitions["inventory"]["name"]
        assert template["ask_variables_on_launch"] is False, template["name"]


def test_the_drift_check_runs_on_the_schedule_given_and_on_none_by_default(definitions, runner):
    (schedule,) = definitions["schedules"]
    assert schedule["unified_job_template"] == "dataeng-dev drift"
    assert (schedule["rrule"], schedule["enabled"]) == (DRIFT_SCHEDULE, True)
    _result, unscheduled, _text = render(runner, {**SETTINGS, "awx_drift_schedule": ""})
    assert unscheduled["schedules"] == []


def test_job_templates_run_playbooks_and_tags_that_exist(definitions, repo, playbook_tags):
    for template in definitions["job_templates"]:
        assert (repo / template["playbook"]).is_file(), template["name"]
        for tag in filter(None, template["job_tags"].split(",")):
            assert tag in playbook_tags[template["playbook"]] - {"always"}, (template["name"], tag)


def test_limits_are_the_groups_the_dynamic_inventory_makes(definitions, repo):
    roles = {
        host["role"]
        for host in yaml.safe_load((repo / "roles/instances/vars/main.yml").read_text())["_instances_hosts"]
    }
    ec2_hosts = yaml.safe_load((repo / "inventories/dev/ec2_hosts.yml").read_text())

    assert ec2_hosts["keyed_groups"] == [{"key": "ec2_tags.Role", "prefix": "", "separator": ""}]
    assert {template["limit"] for template in definitions["job_templates"]} - {""} <= roles


def test_destroy_template_asks_for_the_confirmation_in_a_required_survey(definitions):
    (destroy,) = [
        template for template in definitions["job_templates"] if template["playbook"] == "playbooks/destroy.yml"
    ]
    questions = {question["variable"]: question for question in destroy["survey_spec"]["spec"]}

    assert destroy["survey_enabled"] is True
    assert destroy["ask_variables_on_launch"] is False
    assert destroy["job_tags"] == ""
    assert questions["confirm_destroy"]["required"] is True
    assert questions["confirm_destroy"]["type"] == "text"
    assert questions["confirm_destroy"]["default"] == ""
    assert "(dev)" in questions["confirm_destroy"]["question_name"]
    assert questions["destroy_data"]["type"] == "multiplechoice"
    assert questions["destroy_data"]["choices"] == ["false", "true"]
    assert questions["destroy_data"]["default"] == "false"
    assert questions["destroy_data"]["required"] is False
    for template in definitions["job_templates"]:
        if template is not destroy:
            assert template["survey_enabled"] is False, template["name"]
            assert "survey_spec" not in template, template["name"]


def test_credentials_referenced_exist(definitions):
    credentials = {credential["name"]: credential for credential in definitions["credentials"]}
    referenced = {name for template in definitions["job_templates"] for name in template["credentials"]}
    referenced |= {definitions["inventory_source"]["credential"]}

    assert referenced == set(credentials)
    assert credentials["dataeng-dev AWS"]["credential_type"] == "Amazon Web Services"
    assert credentials["dataeng-dev AWS"]["secret_inputs"] == {
        "username": "awx_aws_access_key",
        "password": "awx_aws_secret_key",
    }
    assert credentials["dataeng-dev hosts SSH"]["credential_type"] == "Machine"
    assert credentials["dataeng-dev hosts SSH"]["inputs"] == {"username": "admin"}
    assert credentials["dataeng-dev hosts SSH"]["secret_inputs"] == {"ssh_key_data": "awx_ssh_private_key"}
    for template in definitions["job_templates"]:
        host_layer = template["playbook"] in ("playbooks/hosts.yml", "site.yml")
        assert ("dataeng-dev hosts SSH" in template["credentials"]) == host_layer, template["name"]
        assert "dataeng-dev AWS" in template["credentials"], template["name"]


def test_without_aws_keys_no_aws_credential_is_made(runner):
    """A controller on an instance role: no AWS credential, nothing references one."""
    _result, definitions, _text = render(runner, {**SETTINGS, "awx_aws_access_key": "", "awx_aws_secret_key": ""})

    assert [credential["name"] for credential in definitions["credentials"]] == ["dataeng-dev hosts SSH"]
    assert definitions["inventory_source"]["credential"] is None
    for template in definitions["job_templates"]:
        assert "dataeng-dev AWS" not in template["credentials"]
