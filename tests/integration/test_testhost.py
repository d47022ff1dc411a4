"""The test host harness against a real Docker engine: Debian 13 with systemd, admin, Ansible, Docker inside."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import testhost
from support.testhost import ensure_engine_and_image, ensure_service_images, running_testhost, unique_name

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def host():
    """One booted test host for the checks that only look at it."""
    with running_testhost() as booted:
        yield booted


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """tools/testhost.py's command line, as make and molecule run it."""
    return subprocess.run(
        [sys.executable, testhost.__file__, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def ansible_adhoc(playbook, host_name: str, *args: str) -> dict:
    """`ansible HOST -c community.docker.docker ARGS` with the repo's ansible.cfg; the task's result."""
    # ansible.cfg enables only the ec2_hosts, yaml and ini inventory sources: add the host list.
    env = playbook.environment(
        ANSIBLE_INVENTORY_ENABLED="host_list", ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json"
    )
    command = [str(Path(sys.executable).parent / "ansible"), "-i", f"{host_name},", "-c", "community.docker.docker"]
    completed = subprocess.run(
        [*command, *args, host_name],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(completed.stdout)["plays"][0]["tasks"][0]["hosts"][host_name]


def test_systemd_is_pid_1_and_the_host_boots_without_failed_units(host):
    assert host.exec("cat", "/proc/1/comm").stdout.strip() == "systemd"
    assert host.system_state in ("running", "degraded")
    assert set(host.failed_units) <= testhost.EXPECTED_FAILED_UNITS
    assert host.exec("systemctl", "is-system-running", check=False).stdout.strip() == "running"
    assert host.exec("hostname").stdout.strip() == host.name
    assert host.exec("cat", "/etc/debian_version").stdout.startswith("13.")


def test_admin_is_the_login_user_with_passwordless_sudo(host):
    entry = host.exec("getent", "passwd", "admin").stdout.strip().split(":")
    assert entry[2] == "1000"
    assert entry[5:] == ["/home/admin", "/bin/bash"]
    assert "sudo" in host.exec("id", "-nG", "admin").stdout.split()
    assert host.exec("sudo", "--non-interactive", "id", "-u", user="admin").stdout.strip() == "0"
    # The password is locked, as on the AMIs: the only way in is a key (here: docker exec).
    assert host.exec("passwd", "--status", "admin").stdout.split()[1] == "L"


def test_locale_and_time_zone_are_those_of_the_amis(host):
    assert host.exec("date", "+%Z").stdout.strip() == "UTC"
    assert "LANG=C.UTF-8" in host.exec("cat", "/etc/default/locale").stdout
    # Its own machine id, made at boot (the image ships none).
    assert len(host.exec("cat", "/etc/machine-id").stdout.strip()) == 32


def test_ansible_reaches_the_host_through_the_docker_connection(host, playbook):
    facts = ansible_adhoc(playbook, host.name, "-m", "ansible.builtin.setup")["ansible_facts"]
    assert facts["ansible_distribution"] == "Debian"
    assert facts["ansible_distribution_major_version"] == "13"
    assert facts["ansible_distribution_release"] == "trixie"
    assert facts["ansible_service_mgr"] == "systemd"
    assert facts["ansible_python"]["version"]["major"] == 3

    # As on EC2: log in as admin and become root with sudo.
    become = ansible_adhoc(
        playbook, host.name, "-u", "admin", "--become", "-m", "ansible.builtin.command", "-a", "id -un"
    )
    assert become["stdout"] == "root"


def install_docker(host, storage_driver: str = "vfs") -> None:
    """apt-get install docker.io in `host` from the mirror and have systemd start it with `storage_driver`."""
    # The mirror through the engine's bridge: name resolution first, for a precise failure.
    resolved = host.exec("getent", "hosts", "deb.debian.org", check=False)
    assert resolved.returncode == 0, f"the test host cannot resolve deb.debian.org: {resolved.stderr}"
    host.exec("mkdir", "-p", "/etc/docker")
    host.exec("tee", "/etc/docker/daemon.json", input=json.dumps({"storage-driver": storage_driver}))

    started = time.monotonic()
    update = host.exec("apt-get", "update", "-qq", check=False, timeout=600)
    assert update.returncode == 0, f"apt-get update in the test host failed:\n{update.stdout}{update.stderr}"
    install = host.exec(
        "env",
        "DEBIAN_FRONTEND=noninteractive",
        "apt-get",
        "install",
        "-y",
        "-qq",
        "--no-install-recommends",
        "docker.io",
        "docker-cli",
        check=False,
        timeout=900,
    )
    assert install.returncode == 0, f"apt-get install docker.io failed:\n{install.stdout[-3000:]}{install.stderr}"
    # Seen with `pytest -s`: apt in the host is most of the time of a test that needs it (about 10s here).
    print(f"apt-get update and install docker.io in the test host: {time.monotonic() - started:.1f}s")

    # Installed and started by systemd, as on a real host.
    host.exec("systemctl", "restart", "docker")
    assert host.exec("systemctl", "is-active", "docker").stdout.strip() == "active"
    assert host.exec("docker", "info", "--format", "{{.Driver}}").stdout.strip() == storage_driver


def test_docker_runs_inside_the_host_with_the_vfs_driver():
    with running_testhost() as host:
        install_docker(host, "vfs")
        # A container in the container: an image of /usr/bin/echo and its libraries, on the default bridge.
        host.exec(
            "sh",
            "-c",
            "cd / && tar -ch $(ldd /usr/bin/echo | grep -o '/[^ ]*') usr/bin/echo 2>/dev/null"
            " | docker import - probe:1",
        )
        nested = host.exec("docker", "run", "--rm", "probe:1", "/usr/bin/echo", "nested", check=False, timeout=120)
        assert nested.stdout.strip() == "nested", nested.stderr
        assert host.exec("systemctl", "is-system-running", check=False).stdout.strip() == "running"


def test_the_harness_removes_the_host_and_its_volume_even_on_failure():
    name = unique_name()
    volumes = []

    def fail_inside_the_block():
        with running_testhost(name) as host:
            assert host.name == name
            volumes.extend(mount["Name"] for mount in _inspect(name)["Mounts"] if mount["Type"] == "volume")
            raise RuntimeError("inside the block")

    with pytest.raises(RuntimeError, match="inside the block"):
        fail_inside_the_block()
    assert volumes
    assert testhost.docker("container", "inspect", name, check=False).returncode != 0
    for volume in volumes:
        assert testhost.docker("volume", "inspect", volume, check=False).returncode != 0


def test_start_again_returns_the_running_host_and_foreign_containers_are_left_alone(host):
    container_id = _inspect(host.name)["Id"]
    assert testhost.start(host.name).name == host.name
    assert _inspect(host.name)["Id"] == container_id

    foreign = unique_name("not-a-testhost")
    testhost.docker("create", "--name", foreign, testhost.IMAGE)
    try:
        with pytest.raises(testhost.TesthostError, match="is no test host"):
            testhost.start(foreign)
        with pytest.raises(testhost.TesthostError, match="is no test host"):
            testhost.stop(foreign)
    finally:
        testhost.docker("rm", "--force", foreign)


def test_engine_and_image_are_left_as_they_are_when_ready():
    ensure_engine_and_image()
    engine = testhost.ensure_engine()
    assert not engine.started
    assert engine.storage_driver in ("overlay2", "vfs")
    build = testhost.build_image(log=lambda _message: None)
    assert not build.built
    assert build.seconds < 5
    assert testhost.image_label(testhost.IMAGE, testhost.INPUTS_LABEL) == testhost.image_inputs()


def test_the_command_line_reports_the_running_host(host):
    status = cli("status")
    assert status.returncode == 0, status.stderr
    assert f"test host {host.name}: Up" in status.stdout
    assert f"{testhost.IMAGE}: up to date" in status.stdout

    again = cli("start", host.name, "--timeout", "1")
    assert again.returncode == 0, again.stderr
    assert f"test host {host.name}: systemd running" in again.stdout


def _inspect(name: str) -> dict:
    return json.loads(testhost.docker("container", "inspect", name).stdout)[0]


# --- the service images: Prometheus, the Pushgateway and the node exporter from Debian's packages


@pytest.fixture(scope="module")
def service_images() -> dict[str, str]:
    """The service images, built once for the module (when outdated): their image names by service name."""
    ensure_service_images()
    return {service.name: service.image for service in testhost.SERVICE_IMAGES}


@contextlib.contextmanager
def running_service(image: str, *args: str, options: tuple[str, ...] = ()) -> Iterator[str]:
    """A container of `image` run with `args`, removed with its volumes however the block ends; its name."""
    name = unique_name("service")
    try:
        testhost.docker("run", "--detach", "--name", name, *options, image, *args)
        yield name
    finally:
        testhost.docker("rm", "--force", "--volumes", name, check=False)


@contextlib.contextmanager
def named_volume() -> Iterator[str]:
    """A volume as compose makes them for a service's data, removed at the end; its name."""
    name = unique_name("service-data")
    try:
        testhost.docker("volume", "create", name)
        yield name
    finally:
        testhost.docker("volume", "rm", "--force", name, check=False)


def published(name: str, port: int) -> str:
    """The base URL of the container port `port`, published on 127.0.0.1."""
    return "http://" + testhost.docker("port", name, f"{port}/tcp").stdout.splitlines()[0].strip()


def http_get(url: str, timeout: float = 10) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


def wait_for(check, what: str, name: str, timeout: float = 60.0):
    """Call `check` until it returns something true (errors count as not yet); that value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except (OSError, ValueError, testhost.TesthostError) as exc:
            value, last = None, exc
        if value:
            return value
        time.sleep(0.5)
    logs = testhost.docker("logs", "--tail", "20", name, check=False)
    pytest.fail(f"{what} not within {timeout:.0f}s (last error: {last}); container log:\n{logs.stdout}{logs.stderr}")


def healthcheck(name: str, url: str) -> bool:
    """The compose file's healthcheck: wget in the container."""
    return testhost.docker("exec", name, "wget", "-q", "-O", "/dev/null", url, check=False).returncode == 0


def test_the_service_images_build_once_and_are_left_as_they_are_when_up_to_date(service_images):
    again = testhost.build_service_images(log=lambda _message: None)
    assert [result.image for result in again] == list(service_images.values())
    assert not any(result.built for result in again)
    assert sum(result.seconds for result in again) < 5
    for service in testhost.SERVICE_IMAGES:
        assert testhost.image_label(service.image, testhost.INPUTS_LABEL) == service.inputs()
    # The service Dockerfiles live beside the test host's, which does not hash them.
    assert testhost.image_inputs() == testhost.dockerfile_inputs(testhost.BASE, testhost.CONTEXT_DIR / "Dockerfile")

    status = cli("status")
    assert status.returncode == 0, status.stderr
    for image in (testhost.SERVICES_BASE_IMAGE, *service_images.values()):
        assert f"{image}: up to date" in status.stdout
    rebuild = cli("build-service-images")
    assert rebuild.returncode == 0, rebuild.stderr
    # "built" only for an image really built (what the command reports is what it did).
    assert "built" not in rebuild.stdout
    assert rebuild.stdout.count("is up to date") == len(testhost.SERVICE_IMAGES)


def test_the_service_tarballs_are_kept_apart_when_stale_ones_are_pruned(tmp_path):
    # Pruning after a debootstrap removes only tarballs of the same rootfs.
    base, services = testhost.BASE, testhost.SERVICES
    assert base.owns(base.tarball(tmp_path))
    assert base.owns(tmp_path / "debian-bookworm-minbase-0123456789abcdef.tar")
    assert not base.owns(services.tarball(tmp_path))
    assert services.owns(services.tarball(tmp_path))
    assert not services.owns(base.tarball(tmp_path))
    assert base.inputs() != services.inputs()


@pytest.mark.parametrize(
    ("service", "binary"),
    [
        ("prometheus", "/usr/bin/prometheus"),
        ("pushgateway", "/usr/bin/prometheus-pushgateway"),
        ("node-exporter", "/usr/bin/prometheus-node-exporter"),
    ],
)
def test_each_service_image_runs_its_debian_binary_as_nobody_and_has_wget(service_images, service, binary):
    image = service_images[service]
    config = json.loads(testhost.docker("image", "inspect", "--format", "{{json .Config}}", image).stdout)
    assert config["Entrypoint"] == [binary]
    assert config["User"] == "nobody"
    # The compose file's healthchecks call wget.
    probe = testhost.docker(
        "run", "--rm", "--entrypoint", "sh", image, "-c", "id -u; command -v wget; wget --version | head -n 1"
    )
    uid, wget, _version = probe.stdout.splitlines()
    assert uid == "65534"
    assert wget == "/usr/bin/wget"
    # Seen with `pytest -s`: which release Debian packages.
    version = testhost.docker("run", "--rm", image, "--version")
    print(f"{image}: {(version.stdout or version.stderr).splitlines()[0]}")


def test_prometheus_is_healthy_and_scrapes_its_own_target(service_images, tmp_path):
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n"
        "scrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:9090']\n"
    )
    config.chmod(0o644)  # read by nobody
    with named_volume() as data:
        # As the compose file runs it: its command, its config file read-only, its data on a named volume.
        options = (
            "--publish",
            "127.0.0.1::9090",
            "--volume",
            f"{config}:/etc/prometheus/prometheus.yml:ro",
            "--volume",
            f"{data}:/prometheus",
        )
        args = (
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            "--storage.tsdb.retention.time=15d",
            "--storage.tsdb.retention.size=4GB",
        )
        with running_service(service_images["prometheus"], *args, options=options) as name:
            wait_for(lambda: healthcheck(name, "http://127.0.0.1:9090/-/healthy"), "the healthcheck", name)
            url = published(name, 9090)

            def self_target_up() -> list[dict]:
                targets = json.loads(http_get(f"{url}/api/v1/targets"))["data"]["activeTargets"]
                return [target for target in targets if target["labels"]["job"] == "self" and target["health"] == "up"]

            target = wait_for(self_target_up, "the self-scrape target up", name)
            assert target[0]["scrapeUrl"] == "http://127.0.0.1:9090/metrics"
            # The TSDB is in the volume (nobody may write it).
            listing = testhost.docker("exec", name, "ls", "/prometheus").stdout.split()
            assert "wal" in listing


def test_the_pushgateway_keeps_a_pushed_metric_across_a_restart(service_images):
    with named_volume() as data:
        options = ("--publish", "127.0.0.1::9091", "--volume", f"{data}:/pushgateway")
        args = ("--persistence.file=/pushgateway/metrics.db", "--persistence.interval=5m")
        with running_service(service_images["pushgateway"], *args, options=options) as name:
            wait_for(lambda: healthcheck(name, "http://127.0.0.1:9091/-/healthy"), "the healthcheck", name)
            url = published(name, 9091)
            push = urllib.request.Request(
                f"{url}/metrics/job/testhost_probe", data=b"testhost_probe_value 42\n", method="POST"
            )
            with urllib.request.urlopen(push, timeout=10) as response:
                assert response.status == 200
            expected = 'testhost_probe_value{instance="",job="testhost_probe"} 42'
            assert expected in http_get(f"{url}/metrics")

            # Written to the persistence file on shutdown, read back at start: /pushgateway is nobody's.
            testhost.docker("stop", "--time", "10", name)
            testhost.docker("start", name)
            url = published(name, 9091)  # a new host port after the restart
            wait_for(lambda: expected in http_get(f"{url}/metrics"), "the pushed metric after a restart", name)


def test_the_node_exporter_serves_node_metrics_of_the_mounted_root(service_images):
    # As the compose file runs it (but on a published port, not in the machine's network).
    options = ("--publish", "127.0.0.1::9100", "--volume", "/:/host:ro")
    args = ("--path.rootfs=/host", "--web.listen-address=:9100")
    with running_service(service_images["node-exporter"], *args, options=options) as name:
        wait_for(lambda: healthcheck(name, "http://127.0.0.1:9100/metrics"), "the healthcheck", name)
        metrics = http_get(f"{published(name, 9100)}/metrics")
        assert "node_exporter_build_info{" in metrics
        for family in ("node_cpu_seconds_total", "node_memory_MemTotal_bytes", "node_filesystem_avail_bytes"):
            assert f"\n{family}{{" in metrics or f"\n{family} " in metrics, family


def test_the_service_archive_holds_the_three_images_and_is_written_only_when_they_change(service_images, tmp_path):
    archive = tmp_path / "images" / "services.tar"
    first = testhost.save_service_images(archive, log=lambda _message: None)
    assert first.saved
    assert first.images == tuple(service_images.values())
    with tarfile.open(archive) as saved:
        manifest = json.load(saved.extractfile("manifest.json"))
    assert sorted(tag for image in manifest for tag in image["RepoTags"]) == sorted(service_images.values())
    written = archive.stat().st_mtime_ns

    again = cli("save-service-images", "--archive", str(archive), timeout=300)
    assert again.returncode == 0, again.stderr
    # molecule's prepare step reads "saved" as a change.
    assert "saved" not in again.stdout
    assert "up to date" in again.stdout
    assert archive.stat().st_mtime_ns == written

    # Another image behind a tag (as after a rebuild): written again.
    (archive.with_name(archive.name + ".ids.json")).write_text(json.dumps({"stale": "ids"}))
    assert testhost.save_service_images(archive, log=lambda _message: None).saved
