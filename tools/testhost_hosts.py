"""The test hosts: containers of the test host image with systemd as PID 1, standing in for the platform's EC2
instances. Each carries the label dataeng-platform.testhost=1, which `stop` checks before it removes one.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from dataclasses import dataclass

from testhost_engine import TesthostError, docker, image_label
from testhost_images import IMAGE, INPUTS_LABEL

HOST_LABEL = "dataeng-platform.testhost"

# `--privileged` fails here: the sandbox's own bounding set lacks CAP_SYS_RESOURCE.
# So every other capability Docker knows (20.10 knows none past AUDIT_READ) is added.
CAPABILITIES = (
    "AUDIT_CONTROL",
    "AUDIT_READ",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYSLOG",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "WAKE_ALARM",
)
# Units whose failure a healthy test host may report (none today: the image masks the
# ones that fail in a container). Tests compare the failed units against this.
EXPECTED_FAILED_UNITS: frozenset[str] = frozenset()


def run_arguments(name: str, image: str = IMAGE) -> list[str]:
    """The `docker run` arguments of a test host named `name` (also its hostname)."""
    caps = [arg for cap in CAPABILITIES for arg in ("--cap-add", cap)]
    return [
        "run",
        "--detach",
        "--name",
        name,
        "--hostname",
        name,
        "--label",
        f"{HOST_LABEL}=1",
        *caps,
        # Docker in the host: its runc needs keyctl (session keyrings), which Docker's
        # default seccomp profile refuses, and its dockerd writes network sysctls of its
        # containers, which needs /proc/sys writable (systempaths=unconfined).
        "--security-opt",
        "seccomp=unconfined",
        "--security-opt",
        "systempaths=unconfined",
        # systemd: its own /run and /tmp (exec allowed, as on Debian), the cgroup tree.
        "--tmpfs",
        "/run:exec,mode=755",
        "--tmpfs",
        "/tmp:exec,mode=1777",
        "--volume",
        "/sys/fs/cgroup:/sys/fs/cgroup:rw",
        "--cgroupns=host",
        # The host's own Docker data on a volume (ext4), not on the container's overlay:
        # Docker inside then runs with overlay2 as well as with vfs. `stop` removes it.
        "--volume",
        "/var/lib/docker",
        image,
    ]


@dataclass(frozen=True)
class Testhost:
    name: str
    system_state: str  # running or degraded
    failed_units: tuple[str, ...] = ()

    def exec(
        self,
        *command: str,
        user: str | None = None,
        check: bool = True,
        timeout: float = 120,
        input: str | None = None,
    ) -> subprocess.CompletedProcess:
        """Run `command` in the host (`docker exec`); text output in .stdout and .stderr."""
        return exec_in(self.name, *command, user=user, check=check, timeout=timeout, input=input)


def exec_in(
    name: str, *command: str, user: str | None = None, check: bool = True, timeout: float = 120, input=None
) -> subprocess.CompletedProcess:
    options = ["--interactive"] if input is not None else []
    if user:
        options += ["--user", user]
    return docker("exec", *options, name, *command, check=check, timeout=timeout, input=input)


def _container(name: str) -> dict | None:
    result = docker("container", "inspect", name, check=False, timeout=30)
    return json.loads(result.stdout)[0] if result.returncode == 0 else None


def is_testhost(container: dict) -> bool:
    return (container.get("Config", {}).get("Labels") or {}).get(HOST_LABEL) == "1"


def failed_units(name: str) -> tuple[str, ...]:
    out = exec_in(name, "systemctl", "list-units", "--failed", "--plain", "--no-legend", check=False).stdout
    return tuple(line.split()[0] for line in out.splitlines() if line.strip())


def wait_until_booted(name: str, timeout: float = 120.0) -> Testhost:
    """Wait until systemd in `name` says running or degraded."""
    deadline = time.monotonic() + timeout
    state = "(no answer)"
    while True:
        container = _container(name)
        if container is None or not container["State"]["Running"]:
            logs = docker("logs", "--tail", "30", name, check=False).stdout if container else ""
            status = container["State"]["Status"] if container else "gone"
            raise TesthostError(f"test host {name} stopped while booting ({status}); its last output:\n{logs}")
        result = exec_in(name, "systemctl", "is-system-running", check=False, timeout=30)
        state = result.stdout.strip() or result.stderr.strip() or state
        if state in ("running", "degraded"):
            return Testhost(name, state, failed_units(name) if state == "degraded" else ())
        if time.monotonic() > deadline:
            jobs = exec_in(name, "systemctl", "list-jobs", "--no-pager", check=False).stdout
            raise TesthostError(
                f"test host {name} did not finish booting within {timeout:.0f}s "
                f"(systemctl is-system-running: {state}); pending jobs:\n{jobs}"
            )
        time.sleep(0.5)


def start(name: str, timeout: float = 120.0, image: str = IMAGE) -> Testhost:
    """Run a test host `name` from the image and wait until it has booted.

    A running test host of that name is returned as it is; a stopped one is replaced;
    a container of that name that is no test host is an error.
    """
    if image_label(image, INPUTS_LABEL) is None:
        raise TesthostError(f"no image {image} (or not one of ours); run `python tools/testhost.py build-image`")
    container = _container(name)
    if container is not None:
        if not is_testhost(container):
            raise TesthostError(f"a container named {name} exists and is no test host (no label {HOST_LABEL}=1)")
        if container["State"]["Running"]:
            return wait_until_booted(name, timeout)
        docker("rm", "--force", "--volumes", name)
    docker(*run_arguments(name, image))
    return wait_until_booted(name, timeout)


def stop(name: str, grace: int = 10) -> bool:
    """Shut test host `name` down (systemd's clean shutdown) and remove it with its volume.

    Returns False when there was no such container.
    """
    container = _container(name)
    if container is None:
        return False
    if not is_testhost(container):
        raise TesthostError(f"{name} is no test host (no label {HOST_LABEL}=1); not removing it")
    with contextlib.suppress(TesthostError):  # a host that does not shut down in time is removed all the same
        docker("stop", "--time", str(grace), name, check=False, timeout=grace + 60)
    docker("rm", "--force", "--volumes", name, timeout=120)
    return True


def list_testhosts() -> list[dict[str, str]]:
    out = docker(
        "ps", "--all", "--filter", f"label={HOST_LABEL}=1", "--format", "{{.Names}}\t{{.State}}\t{{.Status}}"
    ).stdout
    hosts = []
    for line in out.splitlines():
        name, state, status = line.split("\t")
        hosts.append({"name": name, "state": state, "status": status})
    return hosts
