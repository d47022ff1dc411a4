"""Prometheus' configuration: promtool accepts it, and it scrapes every exporter of the stack."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from support.monitoring_render import KUBERNETES_HOST

pytestmark = pytest.mark.slow


def test_promtool_accepts_the_prometheus_configuration(rendered):
    promtool = shutil.which("promtool")
    assert promtool, "promtool is needed: install Debian's prometheus package"
    completed = subprocess.run(
        [promtool, "check", "config", str(rendered.root / "prometheus" / "prometheus.yml")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "SUCCESS" in completed.stdout + completed.stderr


def test_prometheus_scrapes_every_exporter_of_the_stack_and_the_extra_hosts(rendered, compose):
    config = rendered.yaml("prometheus/prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {"prometheus", "node", "cadvisor", "pushgateway", "cloudwatch"}

    def targets(job: str) -> list[str]:
        return [target for group in jobs[job]["static_configs"] for target in group["targets"]]

    assert targets("prometheus") == ["localhost:9090"]
    assert targets("node") == ["host.docker.internal:9100", f"{KUBERNETES_HOST}:9100"]
    assert targets("cadvisor") == ["cadvisor:8080", f"{KUBERNETES_HOST}:8080"]
    assert targets("pushgateway") == ["pushgateway:9091"]
    assert targets("cloudwatch") == ["cloudwatch-exporter:9106"]
    assert jobs["pushgateway"]["honor_labels"] is True
    assert jobs["cloudwatch"]["scrape_interval"] == "5m"

    services = compose["services"]
    # Targets on the compose network are services of the project; the node exporter is in
    # the host's network, which Prometheus reaches through host.docker.internal.
    for job in ("cadvisor", "pushgateway", "cloudwatch"):
        assert targets(job)[0].split(":")[0] in services
    assert services["node-exporter"]["network_mode"] == "host"
    assert "--web.listen-address=:9100" in services["node-exporter"]["command"]
    # Compose writes extra hosts as name=address in its normalized form.
    extra_hosts = [entry.replace("=", ":", 1) for entry in services["prometheus"]["extra_hosts"]]
    assert extra_hosts == ["host.docker.internal:host-gateway"]
    command = services["prometheus"]["command"]
    assert "--storage.tsdb.retention.time=15d" in command
    assert "--config.file=/etc/prometheus/prometheus.yml" in command
