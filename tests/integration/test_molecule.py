"""Every role's molecule scenario passes: create (its own emulator), converge, idempotence, verify, destroy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import kube_apiserver

pytestmark = [pytest.mark.slow, pytest.mark.extended]
REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(path.parent.name for path in (REPO / "molecule").glob("*/molecule.yml"))
# Scenarios that run a Kubernetes API server (tools/kube_apiserver.py starts one, building it when needed).
NEEDS_API_SERVER = {"argocd"}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario, playbook):
    if (
        scenario in NEEDS_API_SERVER
        and not kube_apiserver.binary_path().exists()
        and not kube_apiserver.building_allowed()
    ):
        pytest.skip(f"no kube-apiserver in {kube_apiserver.binary_path().parent} and KUBE_APISERVER_BUILD=0")
    bin_dir = Path(sys.executable).parent
    env = playbook.environment(NO_COLOR="1", PY_COLORS="0")
    env.pop("ANSIBLE_CONFIG")
    result = subprocess.run(
        [bin_dir / "molecule", "test", "--scenario-name", scenario],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:]
    for action in ("create", "converge", "idempotence", "verify", "destroy"):
        assert f"{scenario} > {action}: Executed: Successful" in result.stdout, result.stdout[-6000:]
