"""The docker role: Docker Engine and Compose v2 running, logs rotated, the login user in the docker group."""

import json


def test_docker_runs_now_and_at_boot(host):
    service = host.service("docker")
    assert service.is_running
    assert service.is_enabled


def test_compose_v2_is_the_docker_cli_plugin(host):
    version = host.check_output("docker compose version --short")
    assert version.split(".")[0] == "2", version


def test_container_logs_are_rotated_and_containers_survive_a_daemon_restart(host):
    settings = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert settings["log-driver"] == "json-file"
    assert settings["log-opts"] == {"max-size": "10m", "max-file": "3"}
    assert settings["live-restore"] is True
    info = json.loads(host.check_output("docker info --format '{{json .}}'"))
    assert info["LoggingDriver"] == "json-file"
    assert info["LiveRestoreEnabled"] is True


def test_the_login_user_runs_docker_without_sudo(host):
    assert "docker" in host.user("admin").groups
    result = host.run("sudo -u admin docker info --format '{{.ServerVersion}}'")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip()
