"""Teardown asks for the environment name before it touches anything.

What a confirmed destroy removes is tested on a converged platform in test_site.py.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture
def local_env(playbook, aws_emulator):
    return playbook.environment(**aws_emulator.environment())


def test_destroy_refuses_without_confirmation(playbook, local_env):
    playbook.outputs_file.write_text("{}")
    for confirmation in ([], ["-e", "confirm_destroy=dev"]):
        result = playbook.run("playbooks/destroy.yml", "-i", "inventories/local", *confirmation, env=local_env)
        assert result.returncode != 0
        assert "Confirm with -e confirm_destroy=local" in " ".join(result.output.split())
        assert playbook.outputs_file.exists()
