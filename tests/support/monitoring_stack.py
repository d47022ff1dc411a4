"""Checks of a running monitoring stack on a host, shared by the role's molecule scenario and the
end-to-end site test. Each takes `run`: runs a shell command as root on the monitoring host and
returns (exit code, stdout, stderr)."""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable
from urllib.parse import quote

Run = Callable[[str], tuple[int, str, str]]

PROJECT_DIR = "/opt/monitoring"
COMPOSE = f"docker compose --project-directory {PROJECT_DIR} --project-name monitoring"
# The services whose images are built here from Debian packages (the others only run on real hosts).
BUILT_HERE = frozenset({"prometheus", "pushgateway", "node-exporter"})
ALL_SERVICES = frozenset(
    {
        "prometheus",
        "grafana",
        "elasticsearch",
        "logstash",
        "kibana",
        "jaeger",
        "pushgateway",
        "cloudwatch-exporter",
        "node-exporter",
        "cadvisor",
    }
)


def check_output(run: Run, command: str) -> str:
    code, stdout, stderr = run(command)
    assert code == 0, f"`{command}` failed ({code}): {stdout}{stderr}"
    return stdout


def wait_for(condition: Callable[[], object], timeout: float = 90, interval: float = 3):
    """The first truthy value of condition(), or its last value once timeout has passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def http(run: Run, url: str, method: str = "GET", body: str | None = None) -> str:
    """An HTTP request from the host itself (it has python3, not curl)."""
    data = "None" if body is None else f"{body!r}.encode()"
    script = (
        "import urllib.request; print(urllib.request.urlopen(urllib.request.Request("
        f"{url!r}, data={data}, method={method!r}), timeout=10).read().decode())"
    )
    return check_output(run, f"python3 -c {shlex.quote(script)}")


def project_containers(run: Run) -> list[dict]:
    output = check_output(run, f"{COMPOSE} ps --all --format json")
    # Compose 2.21 and later print one JSON object per line.
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def wait_until_healthy(run: Run, timeout: float = 120) -> list[dict]:
    def all_healthy():
        found = project_containers(run)
        return found if found and all(c["Health"] == "healthy" for c in found) else None

    containers = wait_for(all_healthy, timeout=timeout)
    assert containers, f"the project's containers never all became healthy: {project_containers(run)}"
    return containers


def target_health(run: Run) -> dict[str, str]:
    """Health of each of Prometheus' active targets, by job."""
    body = json.loads(http(run, "http://127.0.0.1:9090/api/v1/targets?state=active"))
    return {target["labels"]["job"]: target["health"] for target in body["data"]["activeTargets"]}


def wait_for_targets_up(run: Run, jobs=("prometheus", "node", "pushgateway"), timeout: float = 90) -> dict:
    def all_up():
        health = target_health(run)
        return health if all(health.get(job) == "up" for job in jobs) else None

    health = wait_for(all_up, timeout)
    assert health, f"the targets {', '.join(jobs)} never all reported up: {target_health(run)}"
    return health


def prometheus_query(run: Run, expr: str) -> list[dict]:
    body = json.loads(http(run, f"http://127.0.0.1:9090/api/v1/query?query={quote(expr)}"))
    assert body["status"] == "success", body
    return body["data"]["result"]


def promtool_check_config(run: Run) -> str:
    """`promtool check config` on the configuration the running Prometheus reads; its report."""
    code, stdout, stderr = run(f"{COMPOSE} exec -T prometheus promtool check config /etc/prometheus/prometheus.yml")
    assert code == 0, stdout + stderr
    assert "SUCCESS" in stdout + stderr, stdout + stderr
    return stdout + stderr


def compose_config(run: Run) -> dict:
    """The project as `docker compose config` reads it on the host (it fails on an invalid file)."""
    return json.loads(check_output(run, f"{COMPOSE} config --format json"))
