"""Runs of playbooks/awx.yml for its tests (tests/integration/awx/): the settings they use, a render
into a file of its own, and what they read from the output."""

from __future__ import annotations

import itertools
import json
import re

from support.awx_controller import TOKEN
from support.playbook import PlaybookResult, PlaybookRunner

PLAYBOOK = "playbooks/awx.yml"
# The environment's static inventory: localhost only, no AWS request.
INVENTORY = ("-i", "inventories/dev/hosts.yml")
SCM_URL = "https://git.example.com/dataeng/platform.git"
ACCESS_KEY = "AKIAFAKEAWXTEST12345"
SECRET_KEY = "fake/aws+secret-key-0f4b9c7e2d"
SSH_KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAAfakeAwxTestKeyBody9a7c"
SSH_KEY = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SSH_KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n"
SECRETS = (ACCESS_KEY, SECRET_KEY, SSH_KEY_BODY, TOKEN)
# Every day at 06:00 UTC, as AWX's schedules spell it.
DRIFT_SCHEDULE = "DTSTART;TZID=UTC:20270101T060000 RRULE:FREQ=DAILY;INTERVAL=1"
SETTINGS = {
    "awx_project_scm_url": SCM_URL,
    "awx_aws_access_key": ACCESS_KEY,
    "awx_aws_secret_key": SECRET_KEY,
    "awx_ssh_private_key": SSH_KEY,
    "awx_drift_schedule": DRIFT_SCHEDULE,
}


def run_awx(runner: PlaybookRunner, settings: dict, *args: str, env: dict[str, str] | None = None) -> PlaybookResult:
    return runner.run(PLAYBOOK, *INVENTORY, "-e", json.dumps(settings), *args, env=env)


def render(runner: PlaybookRunner, settings: dict, *args: str, env=None) -> tuple[PlaybookResult, dict, str]:
    """Renders into a file of its own; returns the run, the definitions and the file's text."""
    target = runner.workdir / f"awx-definitions-{next(_renders)}.json"
    result = run_awx(runner, {**settings, "awx_render_only": True, "awx_render_file": str(target)}, *args, env=env)
    assert result.returncode == 0, result.output[-3000:]
    text = target.read_text()
    return result, json.loads(text), text


_renders = itertools.count()


def changed_tasks(result: PlaybookResult) -> list[str]:
    """The names of the tasks that reported a change."""
    tasks = re.findall(r"^TASK \[(.*?)\] \**\n(.*?)(?=^TASK \[|^PLAY RECAP)", result.output, re.MULTILINE | re.DOTALL)
    return [name for name, lines in tasks if re.search(r"^changed: ", lines, re.MULTILINE)]


def joined(output: str) -> str:
    """Output with folded lines joined, so a message can be matched whole."""
    return " ".join(output.split())
