"""Bad settings of the minikube and argocd roles stop the run at their preflight, naming the variable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PREFLIGHT = str(Path(__file__).parent / "files" / "kubernetes" / "preflight.yml")
APP = {"name": "apps", "repo_url": "https://github.com/example/apps.git", "path": "deploy", "namespace": "apps"}

BAD_SETTINGS = [
    ("argocd", {"argocd_version": "2.13"}, 'argocd_version must be a release such as v2.13.3 (got "2.13")'),
    ("argocd", {"argocd_namespace": "Argo_CD"}, 'argocd_namespace a DNS label (got "Argo_CD")'),
    ("argocd", {"argocd_server_node_port": 8080}, "argocd_server_node_port a port in 30000-32767 (got 8080)"),
    ("argocd", {"argocd_server_node_port": "port"}, "argument 'argocd_server_node_port' is of type str"),
    ("argocd", {"argocd_install_manifest_url": "http://example.com/i.yaml"}, "an https:// or file:// URL"),
    ("argocd", {"argocd_install_manifest_checksum": "md5:0f"}, "argocd_install_manifest_checksum empty or sha256"),
    ("argocd", {"argocd_manifest_dir": "relative/dir"}, 'argocd_manifest_dir an absolute path (got "relative/dir")'),
    ("argocd", {"argocd_wait_timeout": 0}, "argocd_wait_timeout a positive number of seconds (got 0)"),
    ("argocd", {"argocd_admin_password": "short"}, "argocd_admin_password must be empty"),
    ("argocd", {"argocd_admin_password": "has space in it"}, "without quotes, whitespace"),
    ("argocd", {"argocd_applications": [{**APP, "name": "Bad_Name"}]}, "Each of argocd_applications needs a name"),
    ("argocd", {"argocd_applications": [{**APP, "path": "../other"}]}, 'without ".."'),
    ("argocd", {"argocd_applications": [{**APP, "repo_url": "ftp://x"}]}, "a repo_url (https://, ssh:// or git@)"),
    ("argocd", {"argocd_applications": [APP, APP]}, 'argocd_applications names must be unique; got ["apps", "apps"]'),
    (
        "argocd",
        {"argocd_applications": [{"name": "apps"}]},
        "missing required arguments: namespace, path, repo_url found in argocd_applications",
    ),
    ("minikube", {"minikube_version": "1.34"}, "must be releases such as v1.34.0"),
    ("minikube", {"minikube_helm_version": "latest"}, '"latest"'),
    ("minikube", {"minikube_memory_mb": 512}, "minikube_memory_mb is at least 1024 (got 512)"),
    ("minikube", {"minikube_cpus": 0}, "minikube_cpus at least 1 (got 0)"),
    ("minikube", {"minikube_checksums": {"minikube": "abc"}}, "minikube_checksums maps minikube, kubectl or helm"),
    ("minikube", {"minikube_checksums": {"docker": "sha256:" + "0" * 64}}, "minikube_checksums maps"),
    ("minikube", {"minikube_published_ports": [70000]}, "minikube_published_ports ports 1-65535 (got [70000])"),
    ("minikube", {"minikube_user": "Mini Kube"}, "minikube_user and minikube_kubeconfig_users must be user names"),
    ("minikube", {"minikube_kubeconfig_users": ["ad min"]}, 'must be user names (got "minikube", ["ad min"])'),
    ("minikube", {"minikube_home": "var/lib/minikube"}, 'minikube_home an absolute path (got "var/lib/minikube")'),
    ("minikube", {"minikube_apiserver_names": ["bad name"]}, "minikube_apiserver_names host names or addresses"),
]


@pytest.mark.parametrize(
    ("role", "settings", "message"),
    BAD_SETTINGS,
    ids=[f"{next(iter(settings))}-{index}" for index, (_role, settings, _message) in enumerate(BAD_SETTINGS)],
)
def test_bad_settings_stop_at_the_preflight(playbook, role, settings, message):
    result = playbook.run("-i", "localhost,", PREFLIGHT, "-e", json.dumps({"role_under_test": role, **settings}))

    assert result.returncode != 0
    assert message in " ".join(result.output.split()), result.output[-2500:]
    assert result.recap()["failed"] == 1
    # A password, even a rejected one, is never repeated.
    assert settings.get("argocd_admin_password", "\0") not in result.output
