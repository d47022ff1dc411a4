"""The test host harness against a real Docker engine: Debian 13 with systemd, admin, Ansible, Docker inside."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import testhost
from support.testhost import ensure_engine_and_image, running_testhost, unique_name

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def host():
    """One booted test host for the checks that only look at it."""
    with running_testhost() as booted:
        yield booted


def ansible_adhoc(playbook, host_name: str, *args: str) -> dict:
    """`ansible HOST -c community.docker.docker ARGS` with the repo's ansible.cfg; the task's result."""
    # ansible.cfg enables only the aws_ec2, yaml and ini inventory sources: add the host list.
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


def test_docker_runs_inside_the_host_with_the_vfs_driver():
    with running_testhost() as host:
        # The mirror through the engine's bridge: name resolution first, for a precise failure.
        resolved = host.exec("getent", "hosts", "deb.debian.org", check=False)
        assert resolved.returncode == 0, f"the test host cannot resolve deb.debian.org: {resolved.stderr}"
        host.exec("mkdir", "-p", "/etc/docker")
        host.exec("tee", "/etc/docker/daemon.json", input=json.dumps({"storage-driver": "vfs"}))

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
        # Seen with `pytest -s`: apt in the host is most of this test's time (about 10s here).
        print(f"apt-get update and install docker.io in the test host: {time.monotonic() - started:.1f}s")

        # Installed and started by systemd, as on a real host.
        host.exec("systemctl", "restart", "docker")
        assert host.exec("systemctl", "is-active", "docker").stdout.strip() == "active"
        assert host.exec("docker", "info", "--format", "{{.Driver}}").stdout.strip() == "vfs"
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
    status = subprocess.run(
        [sys.executable, testhost.__file__, "status"], capture_output=True, text=True, timeout=120, check=False
    )
    assert status.returncode == 0, status.stderr
    assert f"test host {host.name}: Up" in status.stdout
    assert f"{testhost.IMAGE}: up to date" in status.stdout

    again = subprocess.run(
        [sys.executable, testhost.__file__, "start", host.name, "--timeout", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert f"test host {host.name}: systemd running" in again.stdout


def _inspect(name: str) -> dict:
    return json.loads(testhost.docker("container", "inspect", name).stdout)[0]
