"""Fixtures for the testinfra tests of every scenario: the scenario's own emulator and, for argocd, API server."""

import os
import sys
from pathlib import Path

import pytest
from kubernetes import config, dynamic

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tools"))

import emulator  # noqa: E402
import kube_apiserver  # noqa: E402
from support.aws import Aws  # noqa: E402


@pytest.fixture(scope="session")
def aws() -> Aws:
    """boto3 clients for the emulator molecule/shared/create.yml started for this scenario."""
    state_dir = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "emulator"
    state = emulator.read_state(state_dir)
    assert state is not None, f"no emulator recorded in {state_dir}"
    return Aws(state)


@pytest.fixture(scope="session")
def cluster():
    """A Kubernetes client for the API server molecule/argocd/create.yml started for this scenario."""
    state_dir = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "kube-apiserver"
    state = kube_apiserver.read_state(state_dir)
    assert state is not None, f"no kube-apiserver recorded in {state_dir}"
    return dynamic.DynamicClient(config.new_client_from_config(state.kubeconfig))
