"""The monitoring role's files, rendered for real by Ansible and checked by the tools that read them.

The role's `config` entry point writes the whole compose project into a temporary directory
on this machine (tests/integration/files/monitoring/render.yml); then promtool checks the
Prometheus configuration, Docker Compose v2 the compose file, a parser of Logstash's grammar
(tests/support/logstash_config.py) the pipelines, and the dashboards' queries are held
against the metrics the exporters expose (the node exporter's for real, scraped from
Debian's build of it). Needs Debian's `prometheus` and `prometheus-node-exporter` packages
and Docker Compose v2 (`docker compose`).

The render and Compose's reading of it are done once for every file here (session scope: the
fixtures are only visible in this directory).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from support.monitoring_render import (
    ELASTIC_PASSWORD,
    GRAFANA_PASSWORD,
    KUBERNETES_HOST,
    Rendered,
    render,
)
from support.playbook import PlaybookRunner


@pytest.fixture(scope="session")
def rendered(repo, tmp_path_factory) -> Rendered:
    """The stack rendered twice with explicit passwords and the Kubernetes host as extra targets."""
    runner = PlaybookRunner(repo, tmp_path_factory.mktemp("runner"))
    root = tmp_path_factory.mktemp("host") / "opt" / "monitoring"
    variables = {
        "monitoring_grafana_admin_password": GRAFANA_PASSWORD,
        "monitoring_elasticsearch_password": ELASTIC_PASSWORD,
        "monitoring_extra_node_exporter_targets": [f"{KUBERNETES_HOST}:9100"],
        "monitoring_extra_cadvisor_targets": [f"{KUBERNETES_HOST}:8080"],
    }
    first = render(runner, root, **variables)
    second = render(runner, root, **variables)
    return Rendered(root, first, second)


@pytest.fixture(scope="session")
def compose(rendered) -> dict:
    """The project as Docker Compose v2 itself reads it (`docker compose config`)."""
    docker = shutil.which("docker")
    assert docker, "the docker CLI is needed"
    version = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, check=False)
    assert version.returncode == 0, "Docker Compose v2 is needed (`docker compose`): " + version.stderr
    completed = subprocess.run(
        [docker, "compose", "-f", str(rendered.root / "compose.yaml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)
