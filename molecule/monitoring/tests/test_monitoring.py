"""The monitoring role on a Debian 13 host: the compose project up with the services whose images
are built here (Prometheus, the Pushgateway, the node exporter), every target of theirs scraped,
the configuration accepted by the tools that read it, the passwords only in root's 0600 files."""

import json
import time

import pytest

from support import monitoring_stack as stack

GRAFANA_PASSWORD = "molecule-grafana-admin"  # monitoring_grafana_admin_password in converge.yml


@pytest.fixture
def run(host):
    def as_root(command: str) -> tuple[int, str, str]:
        with host.sudo():
            result = host.run(command)
        return result.rc, result.stdout, result.stderr

    return as_root


def test_docker_runs(host):
    assert host.service("docker").is_running


def test_exactly_the_services_built_here_run_and_are_healthy(run):
    containers = stack.wait_until_healthy(run)
    assert {c["Service"] for c in containers} == stack.BUILT_HERE
    assert all(c["State"] == "running" for c in containers), containers


def test_each_service_has_its_memory_limit_health_check_and_restart_policy(run):
    for service, mib in {"prometheus": 128, "pushgateway": 24, "node-exporter": 24}.items():
        inspected = json.loads(stack.check_output(run, f"docker inspect monitoring-{service}-1"))[0]
        assert inspected["HostConfig"]["Memory"] == mib * 1024 * 1024, service
        assert inspected["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped", service
        assert inspected["Config"]["Healthcheck"]["Test"][0] in ("CMD", "CMD-SHELL"), service


def test_prometheus_answers_and_its_self_node_and_pushgateway_targets_are_up(run):
    assert "Healthy" in stack.http(run, "http://127.0.0.1:9090/-/healthy")
    health = stack.wait_for_targets_up(run)
    # Not started here, so not up: the scrape configuration really points at them.
    assert health["cadvisor"] != "up"
    assert health["cloudwatch"] != "up"


def test_prometheus_stores_the_hosts_memory_as_the_node_exporter_reports_it(run):
    # (Not its root file system: in a test host that is an overlay, which the exporter skips.)
    memory = stack.wait_for(lambda: stack.prometheus_query(run, 'node_memory_MemTotal_bytes{job="node"}'))
    assert memory, "no memory size from the node exporter"
    meminfo = stack.check_output(run, "grep MemTotal /proc/meminfo").split()
    assert float(memory[0]["value"][1]) == int(meminfo[1]) * 1024


def test_a_metric_pushed_to_the_pushgateway_reaches_prometheus(run):
    pushed = time.time_ns()
    stack.http(run, "http://127.0.0.1:9091/metrics/job/molecule_batch", "PUT", f"molecule_last_success {pushed}\n")
    query = 'molecule_last_success{job="molecule_batch"}'
    samples = stack.wait_for(
        lambda: [s for s in stack.prometheus_query(run, query) if float(s["value"][1]) == float(pushed)]
    )
    assert samples, "the pushed sample never showed up in Prometheus"


def test_promtool_accepts_the_configuration_prometheus_runs_with(run):
    stack.promtool_check_config(run)


def test_docker_compose_accepts_the_whole_project(run):
    assert set(stack.compose_config(run)["services"]) == stack.ALL_SERVICES


def test_passwords_are_only_in_root_owned_0600_env_files(host, run):
    with host.sudo():
        secrets = host.file(f"{stack.PROJECT_DIR}/secrets")
        assert (secrets.user, secrets.group, secrets.mode) == ("root", "root", 0o700)
        for name in ("grafana", "elasticsearch", "kibana", "logstash"):
            env = host.file(f"{stack.PROJECT_DIR}/secrets/{name}.env")
            assert (env.user, env.group, env.mode) == ("root", "root", 0o600), name
    holders = stack.check_output(run, f"grep -rlF {GRAFANA_PASSWORD} {stack.PROJECT_DIR}")
    assert holders.split() == [f"{stack.PROJECT_DIR}/secrets/grafana.env"]
    for service in stack.BUILT_HERE:
        assert GRAFANA_PASSWORD not in stack.check_output(run, f"docker inspect monitoring-{service}-1"), service


def test_the_image_archives_are_removed_once_loaded(host):
    with host.sudo():
        assert not host.file(f"{stack.PROJECT_DIR}/image-archives").exists
