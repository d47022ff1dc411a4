"""The playbook itself: its syntax and ansible-lint's production profile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support.awx_playbook import INVENTORY, PLAYBOOK

pytestmark = pytest.mark.slow


def test_syntax_check(runner):
    result = runner.run(PLAYBOOK, *INVENTORY, "--syntax-check")

    assert result.returncode == 0, result.output


def test_ansible_lint_production_profile_is_clean(repo):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-lint"), "--nocolor", PLAYBOOK, "playbooks/vars/awx.yml"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Profile 'production' was required, and it passed" in result.stdout + result.stderr
