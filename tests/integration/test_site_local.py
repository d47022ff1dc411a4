"""The whole site against the embedded emulator, as `make local` runs it."""

from __future__ import annotations

import stat

import pytest
from support.emulator import client

pytestmark = pytest.mark.slow


@pytest.fixture
def local_env(playbook, aws_emulator):
    return playbook.environment(AWS_ENDPOINT_URL=aws_emulator.endpoint)


@pytest.mark.parametrize("inventory", ["inventories/local", "inventories/dev", "inventories/prod"])
def test_site_passes_syntax_check(playbook, inventory):
    result = playbook.run("site.yml", "-i", inventory, "--syntax-check")
    assert result.returncode == 0, result.output


def test_converge_is_idempotent_and_writes_the_outputs(playbook, aws_emulator, local_env):
    first = playbook.run("site.yml", "-i", "inventories/local", env=local_env)
    assert first.returncode == 0, first.output

    outputs = playbook.outputs()
    account = client(aws_emulator, "sts").get_caller_identity()["Account"]
    assert outputs["account_id"] == account
    assert outputs["environment"] == "local"
    assert outputs["region"] == "us-east-2"
    assert outputs["aws_endpoint"] == aws_emulator.endpoint
    assert outputs["resource_tags"] == {"Environment": "local", "Project": "dataeng", "ManagedBy": "ansible"}
    assert stat.S_IMODE(playbook.outputs_file.stat().st_mode) == 0o600
    assert f"account_id = {account}" in first.output

    second = playbook.run("site.yml", "-i", "inventories/local", env=local_env)
    assert second.returncode == 0, second.output
    assert second.recap()["changed"] == 0, second.output


def test_check_mode_predicts_the_outputs_file_and_writes_nothing(playbook, local_env):
    result = playbook.run("site.yml", "-i", "inventories/local", "--check", "--diff", env=local_env)
    assert result.returncode == 0, result.output
    assert result.recap()["changed"] == 1, "check mode must predict the new outputs file"
    assert not playbook.outputs_file.exists()


def test_extra_tags_reach_the_resource_tags_but_cannot_replace_identity_tags(playbook, local_env):
    tags = '{"platform_tags": {"CostCenter": "data-42", "Environment": "spoofed"}}'
    result = playbook.run("site.yml", "-i", "inventories/local", "-e", tags, env=local_env)
    assert result.returncode == 0, result.output
    assert playbook.outputs()["resource_tags"] == {
        "CostCenter": "data-42",
        "Environment": "local",
        "Project": "dataeng",
        "ManagedBy": "ansible",
    }
