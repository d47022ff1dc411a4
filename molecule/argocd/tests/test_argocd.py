"""The argocd role on a real Kubernetes API server: ArgoCD's manifest applied, the server on NodePort 30080,
the admin password from the secrets role's secret stored only as its bcrypt hash, the Applications in sync."""

import base64
import datetime
import os
from pathlib import Path

import bcrypt

from support import expectations

NAMESPACE = "argocd"
SETTINGS_MANAGER = "dataeng-platform-argocd"
INSTALL_MANAGER = "dataeng-platform-argocd-install"


def get(cluster, api_version, kind, name, namespace=NAMESPACE):
    return cluster.resources.get(api_version=api_version, kind=kind).get(name=name, namespace=namespace).to_dict()


def admin_password(aws):
    return expectations.secret_values(aws, "dataeng-local")["argocd"]["password"]


def managers(obj):
    return {entry["manager"] for entry in obj["metadata"]["managedFields"]}


def test_namespace_exists(cluster):
    namespace = cluster.resources.get(api_version="v1", kind="Namespace").get(name=NAMESPACE).to_dict()
    assert namespace["status"]["phase"] == "Active"


def test_install_manifest_is_applied_server_side(cluster):
    crd = get(cluster, "apiextensions.k8s.io/v1", "CustomResourceDefinition", "applications.argoproj.io", None)
    assert INSTALL_MANAGER in managers(crd)
    deployment = get(cluster, "apps/v1", "Deployment", "argocd-server")
    assert INSTALL_MANAGER in managers(deployment)
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "quay.io/argoproj/argocd:v2.13.3"


def test_server_is_exposed_on_node_port_30080_beside_the_manifest_fields(cluster):
    service = get(cluster, "v1", "Service", "argocd-server")
    assert service["spec"]["type"] == "NodePort"
    ports = {port["name"]: port for port in service["spec"]["ports"]}
    assert ports["http"]["nodePort"] == 30080
    assert ports["http"]["targetPort"] == 8080
    # The manifest's own fields survive the platform's apply on top.
    assert ports["https"]["port"] == 443
    assert 30000 <= ports["https"]["nodePort"] <= 32767
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": "argocd-server"}
    assert {SETTINGS_MANAGER, INSTALL_MANAGER} <= managers(service)


def test_admin_password_is_the_secrets_managers_one_as_a_bcrypt_hash(cluster, aws):
    secret = get(cluster, "v1", "Secret", "argocd-secret")
    data = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert set(data) == {"admin.password", "admin.passwordMtime"}
    stored = data["admin.password"]
    assert stored.startswith("$2a$10$")
    assert bcrypt.checkpw(admin_password(aws).encode(), stored.encode())
    mtime = datetime.datetime.fromisoformat(data["admin.passwordMtime"].replace("Z", "+00:00"))
    assert abs(datetime.datetime.now(datetime.UTC) - mtime) < datetime.timedelta(hours=1)
    # The manifest's labels stay: the platform's apply added keys, it did not replace the Secret.
    assert secret["metadata"]["labels"]["app.kubernetes.io/part-of"] == "argocd"


def test_no_initial_admin_secret_is_left(cluster):
    names = [
        s["metadata"]["name"]
        for s in cluster.resources.get(api_version="v1", kind="Secret").get(namespace=NAMESPACE).to_dict()["items"]
    ]
    assert "argocd-initial-admin-secret" not in names


def test_applications_follow_the_named_repositories(cluster):
    applications = cluster.resources.get(api_version="argoproj.io/v1alpha1", kind="Application")
    listed = {a["metadata"]["name"]: a for a in applications.get(namespace=NAMESPACE).to_dict()["items"]}
    assert set(listed) == {"platform-apps", "dashboards"}
    platform = listed["platform-apps"]["spec"]
    assert platform["source"] == {
        "repoURL": "https://github.com/example/platform-apps.git",
        "path": "deploy/dev",
        "targetRevision": "main",
    }
    assert platform["destination"] == {"server": "https://kubernetes.default.svc", "namespace": "apps"}
    assert platform["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    dashboards = listed["dashboards"]["spec"]
    assert dashboards["source"]["targetRevision"] == "HEAD"
    assert "automated" not in dashboards["syncPolicy"]
    assert dashboards["syncPolicy"]["syncOptions"] == ["CreateNamespace=true"]


def test_downloaded_manifest_is_readable_by_root_only():
    manifest = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "argocd" / "install-v2.13.3.yaml"
    assert manifest.stat().st_mode & 0o777 == 0o600
    assert (
        manifest.read_bytes()
        == (Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / "files" / "install.yaml").read_bytes()
    )


def test_neither_password_nor_hash_was_ever_printed(cluster, aws):
    log = (Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "ansible.log").read_text()
    # The log holds converge and idempotence at -vvv: module arguments and results included.
    assert "Store the admin password as ArgoCD's bcrypt hash" in log
    assert "AnsiballZ_k8s.py" in log
    stored = base64.b64decode(get(cluster, "v1", "Secret", "argocd-secret")["data"]["admin.password"]).decode()
    assert admin_password(aws) not in log
    assert stored not in log
