"""The monitoring role's files, rendered for real by Ansible and checked by the tools that read them.

The role's `config` entry point writes the whole compose project into a temporary directory
on this machine (tests/integration/files/monitoring/render.yml); then promtool checks the
Prometheus configuration, Docker Compose v2 the compose file, a parser of Logstash's grammar
(tests/support/logstash_config.py) the pipelines, and the dashboards' queries are held
against the metrics the exporters expose (the node exporter's for real, scraped from
Debian's build of it). Needs Debian's `prometheus` and `prometheus-node-exporter` packages
and Docker Compose v2 (`docker compose`).
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from support.aws import Aws
from support.logstash_config import Bareword, LogstashSyntaxError, Plugin, parse
from support.monitoring_stack import ALL_SERVICES as SERVICES
from support.playbook import PlaybookResult, PlaybookRunner

pytestmark = pytest.mark.slow

FILES = Path(__file__).parent / "files" / "monitoring"
RENDER = ("-i", str(FILES / "hosts.yml"), str(FILES / "render.yml"))
GRAFANA_PASSWORD = "Gr4fana-render-Test-91"
ELASTIC_PASSWORD = "El4stic-render-Test-37"
KUBERNETES_HOST = "10.0.10.12"
MIB = 1024 * 1024
T3_SMALL_MIB = 2048

# (host address, host port, container port): the UIs and intake ports the security group
# opens, and Elasticsearch on loopback only.
PUBLISHED = {
    ("0.0.0.0", 9090, 9090),
    ("0.0.0.0", 3000, 3000),
    ("0.0.0.0", 5601, 5601),
    ("0.0.0.0", 16686, 16686),
    ("0.0.0.0", 4317, 4317),
    ("0.0.0.0", 4318, 4318),
    ("0.0.0.0", 14268, 14268),
    ("0.0.0.0", 9091, 9091),
    ("0.0.0.0", 5044, 5044),
    ("127.0.0.1", 9200, 9200),
}
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


@dataclass
class Rendered:
    root: Path
    first: PlaybookResult
    second: PlaybookResult

    def text(self, relative: str) -> str:
        return (self.root / relative).read_text()

    def yaml(self, relative: str):
        return yaml.safe_load(self.text(relative))


def owner_vars() -> dict:
    """The role writes root-owned files; as another user the test lets it write the user's own."""
    if os.geteuid() == 0:
        return {}
    return {
        "_monitoring_owner": pwd.getpwuid(os.geteuid()).pw_name,
        "_monitoring_group": grp.getgrgid(os.getegid()).gr_name,
    }


def render(runner: PlaybookRunner, root: Path, env: dict | None = None, **variables) -> PlaybookResult:
    extra = {"monitoring_dir": str(root), **owner_vars(), **variables}
    return runner.run(*RENDER, "-e", json.dumps(extra), env=env)


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
def role_defaults(repo) -> dict:
    return yaml.safe_load((repo / "roles" / "monitoring" / "defaults" / "main.yml").read_text())


# --- the render itself --------------------------------------------------------------------


def test_render_succeeds_and_a_second_render_changes_nothing(rendered):
    assert rendered.first.returncode == 0, rendered.first.output[-4000:]
    assert rendered.first.recap("monitoring-test")["changed"] > 0
    assert rendered.second.returncode == 0, rendered.second.output[-4000:]
    assert rendered.second.recap("monitoring-test")["changed"] == 0, rendered.second.output[-4000:]
    # Nothing is started or restarted: the config entry point only writes files, and the
    # restart handlers it notifies find no running service.
    handlers = re.findall(r"RUNNING HANDLER \[[^\]]*: (.*?)\].*?\n(\w+):", rendered.first.output)
    assert len(handlers) == 7, "each changed configuration notifies its service's restart handler"
    assert {result for _handler, result in handlers} == {"skipping"}, handlers


def test_every_file_is_owned_by_root_and_only_secrets_are_private(rendered):
    expected_uid = os.geteuid()
    for path in [rendered.root, *rendered.root.rglob("*")]:
        info = path.stat()
        assert info.st_uid == expected_uid, path
        mode = stat.S_IMODE(info.st_mode)
        relative = path.relative_to(rendered.root).as_posix()
        if path.is_dir():
            assert mode == (0o700 if relative == "secrets" else 0o755), f"{relative}: {oct(mode)}"
        elif relative.startswith("secrets/"):
            assert mode == 0o600, f"{relative}: {oct(mode)}"
        else:
            assert mode == 0o644, f"{relative}: {oct(mode)}"
    assert sorted(p.name for p in (rendered.root / "secrets").iterdir()) == [
        "elasticsearch.env",
        "grafana.env",
        "kibana.env",
        "logstash.env",
    ]


# --- Prometheus ----------------------------------------------------------------------------


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


# --- Docker Compose --------------------------------------------------------------------------


def test_compose_accepts_the_project_with_every_service(compose):
    assert compose["name"] == "monitoring"
    assert set(compose["services"]) == SERVICES


def test_every_image_is_pinned_to_the_role_default(compose, role_defaults):
    images = role_defaults["monitoring_images"]
    for name, service in compose["services"].items():
        image = service["image"]
        assert re.fullmatch(r"\S+:[\w][\w.-]*", image.split("/")[-1]), f"{name}: {image} has no tag"
        assert not image.endswith(":latest"), f"{name}: {image}"
        assert image == images[name.replace("-", "_")]
    elastic_versions = {images[name].rsplit(":", 1)[1] for name in ("elasticsearch", "logstash", "kibana")}
    assert len(elastic_versions) == 1


def test_memory_limits_fit_a_t3_small_with_room_for_the_os(compose, role_defaults):
    limits = {name: int(service["mem_limit"]) // MIB for name, service in compose["services"].items()}
    assert set(limits) == SERVICES
    assert all(limit >= 16 for limit in limits.values()), limits
    total = sum(limits.values())
    assert total <= role_defaults["monitoring_memory_budget"], limits
    assert T3_SMALL_MIB - total >= 256, f"{total} MiB leaves under 256 MiB for the OS"
    assert limits == {key.replace("_", "-"): value for key, value in role_defaults["monitoring_memory_limits"].items()}


def test_every_service_restarts_unless_stopped_and_has_a_health_check(compose):
    for name, service in compose["services"].items():
        assert service["restart"] == "unless-stopped", name
        check = service.get("healthcheck", {})
        assert not check.get("disable"), name
        assert check.get("test"), name
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert len(" ".join(check["test"][1:])) > 10, name


def test_only_the_platform_ports_are_published(compose):
    published = set()
    for service in compose["services"].values():
        for port in service.get("ports", []):
            published.add((port["host_ip"], int(port["published"]), int(port["target"])))
    assert published == PUBLISHED


def test_data_lives_in_named_volumes_and_configuration_is_mounted_read_only(rendered, compose):
    services = compose["services"]
    data = {
        "prometheus": "/prometheus",
        "grafana": "/var/lib/grafana",
        "elasticsearch": "/usr/share/elasticsearch/data",
        "pushgateway": "/pushgateway",
    }
    for name, target in data.items():
        (volume,) = [v for v in services[name]["volumes"] if v["target"] == target]
        assert volume["type"] == "volume", name
        assert volume["source"] in compose["volumes"]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            if volume["type"] == "bind" and volume["source"].startswith(str(rendered.root)):
                assert volume.get("read_only") is True, f"{name}: {volume}"
                assert Path(volume["source"]).exists(), volume["source"]


def test_elasticsearch_runs_with_a_256m_heap_and_security_on(rendered, compose):
    options = compose["services"]["elasticsearch"]["environment"]["ES_JAVA_OPTS"].split()
    assert "-Xms256m" in options
    assert "-Xmx256m" in options
    assert compose["services"]["elasticsearch"]["ulimits"]["nofile"] == {"soft": 65535, "hard": 65535}
    settings = rendered.yaml("elasticsearch/elasticsearch.yml")
    assert settings["xpack.security.enabled"] is True
    assert settings["discovery.type"] == "single-node"
    # The password reaches the container from the env file only.
    assert compose["services"]["elasticsearch"]["environment"]["ELASTIC_PASSWORD"] == ELASTIC_PASSWORD


def test_no_secret_is_written_into_the_compose_file(rendered):
    text = rendered.text("compose.yaml")
    for secret in secret_values(rendered):
        assert secret not in text
    env_files = set(re.findall(r"^\s+- (\S+\.env)$", text, re.MULTILINE))
    assert env_files == {str(rendered.root / "secrets" / f"{name}.env") for name in secret_names()}


# --- Grafana -----------------------------------------------------------------------------------


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


# --- Logstash ----------------------------------------------------------------------------------


def test_pipelines_yml_lists_every_pipeline_file(rendered, compose):
    pipelines = rendered.yaml("logstash/pipelines.yml")
    ids = [p["pipeline.id"] for p in pipelines]
    assert ids == ["beats", "s3-access", "ecs", "system"]
    mounts = {v["target"]: v["source"] for v in compose["services"]["logstash"]["volumes"]}
    assert mounts["/usr/share/logstash/config/pipelines.yml"] == str(rendered.root / "logstash" / "pipelines.yml")
    files = set()
    for pipeline in pipelines:
        container_path = Path(pipeline["path.config"])
        host_path = Path(mounts[str(container_path.parent)]) / container_path.name
        assert host_path.is_file(), host_path
        files.add(host_path.name)
        assert pipeline["pipeline.workers"] == 1
    assert files == {p.name for p in (rendered.root / "logstash" / "pipeline").iterdir()}


def test_every_pipeline_parses_and_beats_listens_on_5044(rendered, compose):
    beats = parse(rendered.text("logstash/pipeline/beats.conf"))
    (beats_input,) = beats.plugins("input")
    assert beats_input.name == "beats"
    assert beats_input["port"] == 5044
    ports = {(int(p["published"]), int(p["target"])) for p in compose["services"]["logstash"]["ports"]}
    assert ports == {(5044, 5044)}
    # The router's outputs hand every kind of event to one of the other pipelines.
    sent_to = [address for plugin in beats.plugins("output") for address in plugin["send_to"]]
    assert all(plugin.name == "pipeline" for plugin in beats.plugins("output"))
    (router,) = beats.branches("output")
    assert router.clauses[-1][0] is None, "the last clause must catch every other event"
    addresses = {}
    for name in ("s3-access", "ecs", "system"):
        config = parse(rendered.text(f"logstash/pipeline/{name}.conf"))
        (source,) = config.plugins("input")
        assert source.name == "pipeline"
        addresses[source["address"]] = name
    assert sorted(sent_to) == sorted(addresses)


LOG_PIPELINES = [("s3-access", "s3-access"), ("ecs", "ecs-logs"), ("system", "system-logs")]


@pytest.mark.parametrize(("name", "index"), LOG_PIPELINES)
def test_each_pipeline_writes_to_elasticsearch_with_the_password_from_the_environment(rendered, compose, name, index):
    config = parse(rendered.text(f"logstash/pipeline/{name}.conf"))
    (output,) = config.plugins("output")
    assert output.name == "elasticsearch"
    (host,) = output["hosts"]
    service, port = re.fullmatch(r"http://([\w-]+):(\d+)", host).groups()
    assert service == "elasticsearch"
    assert service in compose["services"]
    assert port == "9200"
    assert output["user"] == "logstash_writer"
    assert output["password"] == "${LOGSTASH_WRITER_PASSWORD}"
    assert output["index"] == f"{index}-%{{+YYYY.MM.dd}}"
    assert output["ilm_enabled"] == Bareword("false")
    # The variable is defined for the logstash service, from its 0600 env file only.
    logstash = compose["services"]["logstash"]
    assert logstash["environment"]["LOGSTASH_WRITER_PASSWORD"]
    from_file = env_file_values(rendered, "logstash")["LOGSTASH_WRITER_PASSWORD"]
    assert logstash["environment"]["LOGSTASH_WRITER_PASSWORD"] == from_file
    assert not re.search(r"password\s*=>\s*\"(?!\$\{)", rendered.text(f"logstash/pipeline/{name}.conf"))


def test_the_pipelines_parse_their_logs(rendered):
    s3 = parse(rendered.text("logstash/pipeline/s3-access.conf"))
    grok = next(p for p in s3.plugins("filter") if p.name == "grok")
    assert grok["match"] == {"message": "%{S3_ACCESS_LOG}"}
    system = parse(rendered.text("logstash/pipeline/system.conf"))
    assert {p.name for p in system.plugins("filter")} >= {"grok", "date"}
    ecs = parse(rendered.text("logstash/pipeline/ecs.conf"))
    json_filter = next(p for p in ecs.plugins("filter") if p.name == "json")
    assert json_filter["source"] == "message"


def test_the_logstash_parser_rejects_broken_configurations():
    good = parse('input { beats { port => 5044 codec => json { charset => "UTF-8" } } } # done')
    (beats,) = good.plugins("input")
    assert isinstance(beats["codec"], Plugin)
    assert beats["codec"]["charset"] == "UTF-8"
    for broken in (
        "input { beats { port => 5044 }",  # unclosed section
        "input { beats { port => } }",  # missing value
        "inputs { beats {} }",  # unknown section
        'output { elasticsearch { hosts => ["a" "b"] } }',  # array without comma
        "filter { if [a] == { drop {} } }",  # condition without right-hand side
        'filter { mutate { add_field => { "a" => "b" } }',  # unclosed section after a hash
        "",
    ):
        with pytest.raises(LogstashSyntaxError):
            parse(broken)


# --- Kibana, Jaeger, CloudWatch ------------------------------------------------------------------


def test_kibana_logs_in_as_kibana_system_with_the_password_from_the_environment(rendered, compose):
    settings = rendered.yaml("kibana/kibana.yml")
    assert settings["elasticsearch.hosts"] == ["http://elasticsearch:9200"]
    assert settings["elasticsearch.username"] == "kibana_system"
    assert settings["elasticsearch.password"] == "${KIBANA_SYSTEM_PASSWORD}"
    assert settings["xpack.encryptedSavedObjects.encryptionKey"] == "${KIBANA_ENCRYPTION_KEY}"
    values = env_file_values(rendered, "kibana")
    assert len(values["KIBANA_ENCRYPTION_KEY"]) >= 32
    assert values["KIBANA_SYSTEM_PASSWORD"] != ELASTIC_PASSWORD
    assert compose["services"]["kibana"]["environment"]["KIBANA_SYSTEM_PASSWORD"] == values["KIBANA_SYSTEM_PASSWORD"]


def test_jaeger_receives_otlp_on_the_published_ports(rendered, compose):
    config = rendered.yaml("jaeger/config.yaml")
    otlp = config["receivers"]["otlp"]["protocols"]
    assert otlp["grpc"]["endpoint"] == "0.0.0.0:4317"
    assert otlp["http"]["endpoint"] == "0.0.0.0:4318"
    assert "otlp" in config["service"]["pipelines"]["traces"]["receivers"]
    assert config["extensions"]["jaeger_storage"]["backends"]["memstore"]["memory"]["max_traces"] == 10000
    health_port = config["extensions"]["healthcheckv2"]["http"]["endpoint"].rsplit(":", 1)[1]
    assert f"127.0.0.1:{health_port}/" in " ".join(compose["services"]["jaeger"]["healthcheck"]["test"])


def test_the_cloudwatch_exporter_reads_s3_glue_ecs_and_ec2_of_the_platform(rendered, compose):
    config = rendered.yaml("cloudwatch-exporter/config.yml")
    assert config["region"] == "us-east-2"
    by_namespace = {}
    for metric in config["metrics"]:
        assert metric["aws_dimensions"], metric
        assert metric["aws_statistics"], metric
        by_namespace.setdefault(metric["aws_namespace"], []).append(metric)
    # Glue job metrics are published under "Glue" (AWS's namespace for them), not "AWS/Glue".
    assert set(by_namespace) == {"AWS/S3", "Glue", "AWS/ECS", "AWS/EC2"}
    for metric in by_namespace["AWS/S3"]:
        assert metric["aws_dimensions"] == ["BucketName", "StorageType"]
        assert metric["aws_dimension_select_regex"]["BucketName"] == ["dataeng-dev-.*"]
        assert metric["period_seconds"] == 86400
    assert {m["aws_metric_name"] for m in by_namespace["AWS/S3"]} == {"BucketSizeBytes", "NumberOfObjects"}
    for metric in by_namespace["Glue"]:
        assert metric["aws_dimensions"] == ["JobName", "JobRunId", "Type"]
        assert metric["aws_dimension_select"]["JobRunId"] == ["ALL"]
    for metric in by_namespace["AWS/ECS"]:
        assert metric["aws_dimension_select"]["ClusterName"] == ["dev-data-processing-cluster"]
    for metric in by_namespace["AWS/EC2"]:
        assert metric["aws_dimensions"] == ["InstanceId"]
        hosts = metric["aws_tag_select"]["tag_selections"]["Name"]
        assert hosts == ["dataeng-dev-kubernetes", "dataeng-dev-monitoring"]
    # The instance role, not keys.
    text = rendered.text("cloudwatch-exporter/config.yml")
    assert "access_key" not in text
    assert "role_arn" not in text
    environment = compose["services"]["cloudwatch-exporter"]["environment"]
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & set(environment)


# --- secrets -------------------------------------------------------------------------------------


def test_secret_values_are_only_in_their_0600_env_files_and_never_printed(rendered):
    grafana = env_file_values(rendered, "grafana")
    assert grafana == {"GF_SECURITY_ADMIN_USER": "admin", "GF_SECURITY_ADMIN_PASSWORD": GRAFANA_PASSWORD}
    assert env_file_values(rendered, "elasticsearch") == {"ELASTIC_PASSWORD": ELASTIC_PASSWORD}
    secrets = secret_values(rendered)
    assert len(secrets) == 5
    for path in rendered.root.rglob("*"):
        if path.is_file():
            text = path.read_text()
            for secret in secrets:
                if secret in text:
                    assert path.parent.name == "secrets", f"{secret[:3]}... leaked into {path}"
                    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for output in (rendered.first.output, rendered.second.output):
        for secret in secrets:
            assert secret not in output


def test_the_grafana_login_comes_from_secrets_manager_and_a_generated_elastic_password_is_kept(
    repo, tmp_path, aws_emulator
):
    """No passwords given: Grafana's login is read from <prefix>/grafana, Elasticsearch's is generated once."""
    prefix = "dataeng-montest"
    login = {"username": "grafadmin", "password": "S3cret-from-SM-4u"}
    aws = Aws(aws_emulator)
    aws.secretsmanager.create_secret(Name=f"{prefix}/grafana", SecretString=json.dumps(login))
    runner = PlaybookRunner(repo, tmp_path)
    env = runner.environment(**aws_emulator.environment())
    root = tmp_path / "monitoring"
    settings = {
        "platform_prefix": prefix,
        "aws_endpoint_url": aws_emulator.endpoint,
        "aws_ca_bundle": aws_emulator.ca_bundle,
        "aws_access_key": "testing",
        "aws_secret_key": "testing",
    }
    first = render(runner, root, env=env, **settings)
    assert first.returncode == 0, first.output[-4000:]
    rendered = Rendered(root, first, first)
    assert env_file_values(rendered, "grafana") == {
        "GF_SECURITY_ADMIN_USER": login["username"],
        "GF_SECURITY_ADMIN_PASSWORD": login["password"],
    }
    generated = env_file_values(rendered, "elasticsearch")["ELASTIC_PASSWORD"]
    assert re.fullmatch(r"[A-Za-z0-9]{32}", generated)

    second = render(runner, root, env=env, **settings)
    assert second.returncode == 0, second.output[-4000:]
    assert second.recap("monitoring-test")["changed"] == 0, second.output[-4000:]
    assert env_file_values(rendered, "elasticsearch")["ELASTIC_PASSWORD"] == generated
    for output in (first.output, second.output):
        assert login["password"] not in output
        assert generated not in output


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"monitoring_image_overrides": {"grafana": "grafana/grafana:latest"}}, "not pinned: grafana"),
        ({"monitoring_memory_limits": {"elasticsearch": 1024}}, "monitoring_memory_limits must give"),
        (
            {"monitoring_memory_budget": 1024},
            "adding up to at most monitoring_memory_budget (1024 MiB; they add up to 1728)",
        ),
        ({"monitoring_grafana_admin_password": "has'quote"}, "monitoring_grafana_admin_password and"),
        ({"monitoring_started_services": ["prometheus", "loki"]}, "monitoring_started_services must be"),
        ({"monitoring_started_services": ["kibana"]}, "with elasticsearch when it has logstash or kibana"),
        ({"monitoring_started_services": []}, "monitoring_started_services must be a non-empty list"),
        ({"monitoring_image_archives": ["/nonexistent/images.tar"]}, "exist on the controller (missing: /nonexistent"),
    ],
)
def test_bad_settings_stop_before_anything_is_written(playbook, tmp_path, variables, message):
    root = tmp_path / "monitoring"
    result = render(playbook, root, monitoring_elasticsearch_password=ELASTIC_PASSWORD, **variables)
    assert result.returncode != 0
    assert message in " ".join(result.output.split())
    assert not root.exists()
    assert "has'quote" not in result.output


# --- helpers -------------------------------------------------------------------------------------


def secret_names() -> list[str]:
    return ["elasticsearch", "grafana", "kibana", "logstash"]


def env_file_values(rendered: Rendered, name: str) -> dict[str, str]:
    values = {}
    for line in rendered.text(f"secrets/{name}.env").splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            assert re.fullmatch(r"'[^']*'", value), f"{key} must be single-quoted (literal for Compose)"
            values[key] = value[1:-1]
    return values


def secret_values(rendered: Rendered) -> set[str]:
    """Every password and key in the env files (the Grafana user name is not secret)."""
    return {
        value
        for name in secret_names()
        for key, value in env_file_values(rendered, name).items()
        if key != "GF_SECURITY_ADMIN_USER"
    }


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
