"""tools/kube_apiserver.py: a real Kubernetes API server (with etcd) on loopback, for the argocd role's tests."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from kubernetes import client, config

import kube_apiserver

pytestmark = pytest.mark.extended
TOOL = Path(kube_apiserver.__file__)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, TOOL, *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def api_server(tmp_path_factory):
    if not kube_apiserver.binary_path().exists() and not kube_apiserver.building_allowed():
        pytest.skip(f"no kube-apiserver in {kube_apiserver.binary_path().parent} and KUBE_APISERVER_BUILD=0")
    state_dir = tmp_path_factory.mktemp("kube-apiserver")
    state = kube_apiserver.start(state_dir)
    yield state_dir, state
    kube_apiserver.stop(state_dir)


def test_serves_kubernetes_v1_20_2_to_its_kubeconfig(api_server):
    _state_dir, state = api_server
    api = config.new_client_from_config(state.kubeconfig)
    assert client.VersionApi(api).get_code().git_version == "v1.20.2"
    namespaces = {n.metadata.name for n in client.CoreV1Api(api).list_namespace().items}
    assert {"default", "kube-system"} <= namespaces


def test_listens_on_loopback_over_tls_and_refuses_anonymous_requests(api_server):
    _state_dir, state = api_server
    assert state.endpoint.startswith("https://127.0.0.1:")
    context = ssl.create_default_context(cafile=state.ca_bundle)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(state.endpoint + "/api/v1/namespaces", context=context, timeout=5)
    assert refused.value.code in (401, 403)


def test_its_credentials_are_private_files(api_server):
    state_dir, state = api_server
    for private in (Path(state.kubeconfig), Path(state.token_file), state_dir / "service-account.key"):
        assert private.stat().st_mode & 0o777 == 0o600, private


def test_start_again_reuses_the_running_server_and_status_reports_it(api_server):
    state_dir, state = api_server
    assert kube_apiserver.start(state_dir) == state
    result = cli("status", f"--state-dir={state_dir}")
    assert result.returncode == 0, result.stderr
    assert state.endpoint in result.stdout


def test_stop_ends_both_processes_and_drops_etcds_data(tmp_path, api_server):
    state = kube_apiserver.start(tmp_path)
    assert (tmp_path / "etcd").is_dir()
    # In this process, their parent: stop reaps them, so no zombie keeps their pid.
    assert kube_apiserver.stop(tmp_path) == state
    for pid in (state.apiserver_pid, state.etcd_pid):
        assert not Path(f"/proc/{pid}").exists(), Path(f"/proc/{pid}/status").read_text()[:300]
    assert not (tmp_path / "etcd").exists()
    assert cli("status", f"--state-dir={tmp_path}").returncode == 3
    assert cli("stop", f"--state-dir={tmp_path}").stdout.strip() == "kube-apiserver was not running"


def test_an_empty_cache_with_building_disabled_fails_with_its_own_exit_code(tmp_path):
    env = {**os.environ, "KUBE_APISERVER_CACHE": str(tmp_path / "cache"), "KUBE_APISERVER_BUILD": "0"}
    for command in (["build"], ["start", f"--state-dir={tmp_path / 'state'}"]):
        result = cli(*command, env=env)
        assert result.returncode == kube_apiserver.EXIT_NOT_BUILT, result.stderr
        assert "KUBE_APISERVER_BUILD=0" in result.stderr
