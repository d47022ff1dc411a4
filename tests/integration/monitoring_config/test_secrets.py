"""The stack's secrets: only in their 0600 env files, never printed; Grafana's login read from
Secrets Manager and a generated Elasticsearch password kept across renders."""

from __future__ import annotations

import json
import re
import stat

import pytest

from support.aws import Aws
from support.monitoring_render import (
    ELASTIC_PASSWORD,
    GRAFANA_PASSWORD,
    Rendered,
    env_file_values,
    render,
    secret_values,
)
from support.playbook import PlaybookRunner

pytestmark = pytest.mark.slow


def test_secret_values_are_only_in_their_0600_env_files_and_never_printed(rendered):
    grafana = env_file_values(rendered, "grafana")
    assert grafana == {"GF_SECURITY_ADMIN_USER": "admin", "GF_SECURITY_ADMIN_PASSWORD": GRAFANA_PASSWORD}
    assert env_file_values(rendered, "elasticsearch") == {"ELASTIC_PASSWORD": ELASTIC_PASSWORD}
    secrets = secret_values(rendered)
    assert len(secrets) == 5
    for path in rendered.root.rglob("*"):
        if path.is_file():
            text = path.read_text()
            for secret in secrets:
                if secret in text:
                    assert path.parent.name == "secrets", f"{secret[:3]}... leaked into {path}"
                    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for output in (rendered.first.output, rendered.second.output):
        for secret in secrets:
            assert secret not in output


PREFIX = "dataeng-montest"
GRAFANA_LOGIN = {"username": "grafadmin", "password": "S3cret-from-SM-4u"}


@pytest.fixture
def grafana_login_secret(aws_emulator):
    """Grafana's login in Secrets Manager, deleted afterwards: the session's emulator is shared with the module
    tests, which expect an account without secrets."""
    aws = Aws(aws_emulator)
    name = f"{PREFIX}/grafana"
    aws.secretsmanager.create_secret(Name=name, SecretString=json.dumps(GRAFANA_LOGIN))
    yield
    aws.secretsmanager.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def test_the_grafana_login_comes_from_secrets_manager_and_a_generated_elastic_password_is_kept(
    repo, tmp_path, aws_emulator, grafana_login_secret
):
    """No passwords given: Grafana's login is read from <prefix>/grafana, Elasticsearch's is generated once."""
    prefix, login = PREFIX, GRAFANA_LOGIN
    runner = PlaybookRunner(repo, tmp_path)
    env = runner.environment(**aws_emulator.environment())
    root = tmp_path / "monitoring"
    settings = {
        "platform_prefix": prefix,
        "aws_endpoint_url": aws_emulator.endpoint,
        "aws_ca_bundle": aws_emulator.ca_bundle,
        "aws_access_key": "testing",
        "aws_secret_key": "testing",
    }
    first = render(runner, root, env=env, **settings)
    assert first.returncode == 0, first.output[-4000:]
    rendered = Rendered(root, first, first)
    assert env_file_values(rendered, "grafana") == {
        "GF_SECURITY_ADMIN_USER": login["username"],
        "GF_SECURITY_ADMIN_PASSWORD": login["password"],
    }
    generated = env_file_values(rendered, "elasticsearch")["ELASTIC_PASSWORD"]
    assert re.fullmatch(r"[A-Za-z0-9]{32}", generated)

    second = render(runner, root, env=env, **settings)
    assert second.returncode == 0, second.output[-4000:]
    assert second.recap("monitoring-test")["changed"] == 0, second.output[-4000:]
    assert env_file_values(rendered, "elasticsearch")["ELASTIC_PASSWORD"] == generated
    for output in (first.output, second.output):
        assert login["password"] not in output
        assert generated not in output
