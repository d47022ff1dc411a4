"""Bad settings fail before any request to the controller, naming the variable."""

from __future__ import annotations

import pytest

from support.awx_playbook import SECRET_KEY, SECRETS, SETTINGS, joined, render, run_awx

pytestmark = pytest.mark.slow

BAD_SETTINGS = [
    ({"awx_environment": "staging"}, "awx_environment must be one of dev, prod"),
    ({"awx_environment": "staging"}, 'got "staging"'),
    ({"awx_project_scm_url": ""}, "awx_project_scm_url must be the Git URL"),
    ({"awx_project_scm_url": "platform"}, "awx_project_scm_url must be the Git URL"),
    ({"awx_project_scm_url": "https://bob:hunter2@git.example.com/p.git"}, "without a password or token in it"),
    ({"awx_project_scm_branch": ""}, "awx_project_scm_branch must be the branch"),
    ({"awx_organization": ""}, "awx_organization must be an organization name"),
    ({"awx_aws_secret_key": ""}, "awx_aws_access_key (an access key id such as AKIA...) and awx_aws_secret_key must"),
    ({"awx_aws_access_key": "", "awx_aws_secret_key": SECRET_KEY}, "must be set together"),
    ({"awx_ssh_private_key": "not a key"}, "awx_ssh_private_key its private key"),
    ({"awx_ssh_user": "Admin User"}, "awx_ssh_user must be the hosts' login user"),
    ({"awx_render_only": "maybe"}, "awx_render_only true or false"),
    ({"awx_drift_schedule": "daily at 6"}, 'awx_drift_schedule must be "" (no schedule) or an iCalendar rule'),
    ({"awx_drift_schedule": "DTSTART:20270101T060000Z RRULE:FREQ=SOMETIMES"}, "a DTSTART and an RRULE"),
]


@pytest.mark.parametrize(
    ("override", "message"), BAD_SETTINGS, ids=[str(override) for override, _message in BAD_SETTINGS]
)
def test_bad_settings_fail_before_any_request_naming_the_variable(runner, controller, override, message):
    result = run_awx(runner, {**SETTINGS, **override}, env=controller.environment(runner))

    assert result.returncode != 0
    assert message in joined(result.output)
    assert result.recap()["failed"] == 1
    assert controller.requests == []
    for secret in SECRETS:
        assert secret not in result.output
    assert "hunter2" not in result.output


def test_the_ssh_key_is_required_to_configure_but_not_to_render(runner, controller):
    settings = {**SETTINGS, "awx_ssh_private_key": ""}
    result = run_awx(runner, settings, env=controller.environment(runner))
    _result, definitions, _text = render(runner, settings)

    assert result.returncode != 0
    assert "the key is required unless rendering (awx_render_only=true)" in joined(result.output)
    assert controller.requests == []
    assert "dataeng-dev hosts SSH" in [credential["name"] for credential in definitions["credentials"]]


def test_without_controller_settings_it_says_what_to_set(runner):
    result = run_awx(runner, SETTINGS, env=runner.environment(CONTROLLER_HOST="", CONTROLLER_OAUTH_TOKEN=""))

    assert result.returncode != 0
    assert "Set CONTROLLER_HOST (the controller's URL) and CONTROLLER_OAUTH_TOKEN" in joined(result.output)
    assert "awx_render_only=true" in joined(result.output)
