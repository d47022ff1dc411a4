"""The compose project as Docker Compose v2 reads it: services, pinned images, memory, health
checks, published ports, volumes, Elasticsearch's settings, no secret in the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from support.monitoring_render import ELASTIC_PASSWORD, secret_names, secret_values
from support.monitoring_stack import ALL_SERVICES as SERVICES

pytestmark = pytest.mark.slow

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


@pytest.fixture(scope="module")
def role_defaults(repo) -> dict:
    return yaml.safe_load((repo / "roles" / "monitoring" / "defaults" / "main.yml").read_text())


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
