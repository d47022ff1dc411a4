"""Grafana's provisioning: the data sources, the dashboard provider, and dashboards that only query
metrics the exporters expose (the node exporter's scraped for real from Debian's build of it)."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

# Metric families of cAdvisor's Prometheus collector (metrics/prometheus.go) that the
# dashboards may use; cAdvisor has no Debian package to scrape here.
CADVISOR_METRICS = {
    "container_last_seen",
    "container_cpu_usage_seconds_total",
    "container_cpu_user_seconds_total",
    "container_cpu_system_seconds_total",
    "container_memory_usage_bytes",
    "container_memory_working_set_bytes",
    "container_memory_rss",
    "container_memory_cache",
    "container_spec_memory_limit_bytes",
    "container_network_receive_bytes_total",
    "container_network_transmit_bytes_total",
    "container_fs_usage_bytes",
    "machine_memory_bytes",
}
# The Pushgateway's per-group metrics, and the series Prometheus adds to every scrape.
PUSHGATEWAY_METRICS = {"push_time_seconds", "push_failure_time_seconds"}
PROMETHEUS_SCRAPE_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}


def test_the_prometheus_data_source_points_at_the_prometheus_service(rendered, compose):
    sources = {s["name"]: s for s in rendered.yaml("grafana/provisioning/datasources/platform.yml")["datasources"]}
    prometheus = sources["Prometheus"]
    assert prometheus["type"] == "prometheus"
    assert prometheus["isDefault"] is True
    assert prometheus["uid"] == "prometheus"
    host, port = re.fullmatch(r"http://([\w-]+):(\d+)", prometheus["url"]).groups()
    assert host in compose["services"]
    assert int(port) == 9090
    assert sources["Jaeger"]["url"] == "http://jaeger:16686"


def test_the_dashboard_provider_reads_the_mounted_dashboards(rendered, compose):
    (provider,) = rendered.yaml("grafana/provisioning/dashboards/platform.yml")["providers"]
    assert provider["type"] == "file"
    mounts = {v["target"]: v["source"] for v in compose["services"]["grafana"]["volumes"] if v["type"] == "bind"}
    assert Path(mounts[provider["options"]["path"]]) == rendered.root / "grafana" / "dashboards"
    assert mounts["/etc/grafana/provisioning"] == str(rendered.root / "grafana" / "provisioning")


def test_dashboards_query_metrics_the_exporters_really_expose(rendered, node_exporter_metrics):
    cloudwatch = cloudwatch_metric_names(rendered.yaml("cloudwatch-exporter/config.yml"))
    known = node_exporter_metrics | CADVISOR_METRICS | PUSHGATEWAY_METRICS | PROMETHEUS_SCRAPE_SERIES | cloudwatch
    dashboards = sorted((rendered.root / "grafana" / "dashboards").glob("*.json"))
    assert [d.name for d in dashboards] == ["aws-platform.json", "docker-containers.json", "node-host.json"]
    used_by = {}
    uids = set()
    for path in dashboards:
        dashboard = json.loads(path.read_text())
        assert dashboard["uid"] not in uids
        uids.add(dashboard["uid"])
        assert dashboard["title"]
        assert dashboard["schemaVersion"] >= 36
        panels = [p for p in dashboard["panels"] if p["type"] != "row"]
        assert len(panels) >= 6, path.name
        assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
        metrics = set()
        for panel in panels:
            assert panel["datasource"] == {"type": "prometheus", "uid": "prometheus"}, panel["title"]
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24, panel["title"]
            assert min(grid["w"], grid["h"]) > 0, panel["title"]
            assert panel["targets"], panel["title"]
            for target in panel["targets"]:
                names = promql_metric_names(target["expr"])
                assert names, f"{path.name} / {panel['title']}: no metric in {target['expr']}"
                metrics |= names
        for variable in dashboard["templating"]["list"]:
            metrics |= promql_metric_names(re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", variable["definition"]))
        unknown = metrics - known
        assert not unknown, f"{path.name} queries metrics no exporter exposes: {sorted(unknown)}"
        used_by[path.name] = metrics
    assert "node_cpu_seconds_total" in used_by["node-host.json"]
    assert "node_memory_MemAvailable_bytes" in used_by["node-host.json"]
    assert "container_memory_usage_bytes" in used_by["docker-containers.json"]
    assert "container_cpu_usage_seconds_total" in used_by["docker-containers.json"]
    assert {"aws_s3_bucket_size_bytes_average", "aws_ec2_cpuutilization_average"} <= used_by["aws-platform.json"]


def test_metric_names_are_read_from_promql():
    busy = '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle",instance=~"$i"}[$__rate_interval])))'
    assert promql_metric_names(busy) == {"node_cpu_seconds_total"}
    assert promql_metric_names("time() - push_time_seconds") == {"push_time_seconds"}
    assert promql_metric_names("a_total / on(job) group_left b_info > 1e3") == {"a_total", "b_info"}
    assert promql_metric_names("sum by (job) (up)") == {"up"}


_PROMQL_SKIP = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool"}


def promql_metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (not functions, labels, keywords or variables)."""
    expr = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\$\w+", "", expr)
    names = set()
    for found in re.finditer(r"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*", expr):
        name = found.group(0)
        if name in _PROMQL_SKIP or expr[found.end() :].lstrip().startswith("("):
            continue
        names.add(name)
    return names


def cloudwatch_metric_names(config: dict) -> set[str]:
    """The metric families the CloudWatch exporter makes of its configuration (CloudWatchCollector's naming)."""

    def snake(text: str) -> str:
        return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()

    def safe(text: str) -> str:
        return re.sub(r"__+", "_", re.sub(r"[^a-zA-Z0-9:_]", "_", text))

    names = set()
    for metric in config["metrics"]:
        base = safe(metric["aws_namespace"].lower() + "_" + snake(metric["aws_metric_name"]))
        names |= {f"{base}_{safe(snake(statistic))}" for statistic in metric["aws_statistics"]}
    return names


@pytest.fixture(scope="module")
def node_exporter_metrics(tmp_path_factory) -> set[str]:
    """Metric families a real node exporter exposes on this machine (Debian's prometheus-node-exporter)."""
    binary = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
    assert binary, "the node exporter is needed: install Debian's prometheus-node-exporter package"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("node-exporter") / "log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [binary, f"--web.listen-address=127.0.0.1:{port}"], stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
                    body = response.read().decode()
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the node exporter did not answer: " + log.read_text()
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
    names = {
        re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", line).group(0)
        for line in body.splitlines()
        if line and not line.startswith("#")
    }
    assert "node_cpu_seconds_total" in names
    return names
