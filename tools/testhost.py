"""Local "EC2 hosts" for the host-layer role tests: Debian 13 containers with systemd as PID 1.

No image registry is reachable from here, so everything comes from Debian's packages:
the Docker engine is Debian's docker.io, the base image a debootstrap of trixie that is
`docker import`ed, the test host image a Dockerfile on top of it (tools/testhost/).
The images of Prometheus, the Pushgateway and the node exporter that a role's compose
project can run instead of prom/* come the same way: a second debootstrap with Debian's
packages of them, a thin Dockerfile each (tools/testhost/services/NAME/). A test host's
own Docker engine reaches no registry either: `save-service-images` saves them into one
archive (.local/images/) that the monitoring role copies to the host and loads.

    python tools/testhost.py ensure-engine [--state-dir .local/docker]
    python tools/testhost.py build-image [--force]   # cached in $DATAENG_TESTHOST_CACHE
    python tools/testhost.py build-service-images [--force]
    python tools/testhost.py start NAME [--timeout 120]
    python tools/testhost.py save-service-images [--archive PATH]
    python tools/testhost.py status
    python tools/testhost.py stop NAME

The engine is started once and left running (its log in the state directory); images
are rebuilt only when their inputs change (a hash kept as an image label); test hosts
carry the label dataeng-platform.testhost=1 and are removed by `stop`.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from logfile import tail as log_tail

REPO = Path(__file__).resolve().parent.parent
DEFAULT_STATE_DIR = REPO / ".local" / "docker"
CONTEXT_DIR = Path(__file__).resolve().parent / "testhost"
SERVICES_DIR = CONTEXT_DIR / "services"
# The archive of the service images that inventories/local and molecule/monitoring load.
SERVICE_ARCHIVE = REPO / ".local" / "images" / "monitoring-services.tar"
CACHE_ENV = "DATAENG_TESTHOST_CACHE"
STATE_FILE = "engine.json"
LOG_FILE = "dockerd.log"

BASE_IMAGE = "dataeng-platform/debian-base:13"
IMAGE = "dataeng-platform/testhost:debian13"
SERVICES_BASE_IMAGE = "dataeng-platform/debian-services:13"
HOST_LABEL = "dataeng-platform.testhost"
INPUTS_LABEL = "dataeng-platform.testhost.inputs"

# The debootstraps of the base images. Everything an image needs is installed here, so
# the Dockerfiles on top stay offline and build in seconds.
SUITE = "trixie"
MIRROR = "http://deb.debian.org/debian"
VARIANT = "minbase"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
INCLUDE = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "python3",
    # Ansible's apt module needs it (the AMIs have it, through unattended-upgrades).
    "python3-apt",
    "sudo",
    "ca-certificates",
    "iproute2",
    "procps",
    "tzdata",
)
# The services' image: Debian's packages of them (all in main, debootstrap's default
# component) and wget for the compose file's healthchecks, which the prom/* images have
# in their busybox.
SERVICES_INCLUDE = (
    "prometheus",
    "prometheus-pushgateway",
    "prometheus-node-exporter",
    "wget",
    "ca-certificates",
)
HOST_PACKAGES = {"dockerd": "docker.io", "debootstrap": "debootstrap"}

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


class TesthostError(RuntimeError):
    """The engine, the image or a test host could not be set up."""


# --- docker -------------------------------------------------------------------------


def docker(
    *args: str,
    check: bool = True,
    timeout: float = 120,
    input: bytes | str | None = None,
    stdin: IO[bytes] | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run the docker client; with check, a failure raises TesthostError with its output's tail.

    `stdin` streams a file (a rootfs tarball) instead of reading it into memory as `input`.
    """
    try:
        result = subprocess.run(
            ["docker", *args],
            input=input,
            stdin=stdin,
            capture_output=True,
            text=not isinstance(input, bytes),
            env=None if env is None else {**os.environ, **env},
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise TesthostError("no `docker` client on PATH; run `python tools/testhost.py ensure-engine`") from exc
    except subprocess.TimeoutExpired as exc:
        raise TesthostError(f"`docker {' '.join(args[:3])}` did not finish within {timeout:.0f}s") from exc
    if check and result.returncode != 0:
        stdout, stderr = (
            stream.decode(errors="replace") if isinstance(stream, bytes) else stream
            for stream in (result.stdout, result.stderr)
        )
        # The classic builder reports a failing step's own output on stdout.
        raise TesthostError(
            f"`docker {' '.join(args[:3])}` failed ({result.returncode}): {stderr.strip()}"
            + (f"\n{stdout.strip()[-3000:]}" if args[0] == "build" and stdout.strip() else "")
        )
    return result


def engine_answers() -> bool:
    try:
        return docker("info", "--format", "{{.ServerVersion}}", check=False, timeout=15).returncode == 0
    except TesthostError:
        return False


def engine_info() -> dict[str, str]:
    out = docker("info", "--format", "{{.ServerVersion}}\t{{.Driver}}\t{{.CgroupVersion}}", timeout=15).stdout
    version, driver, cgroup = out.strip().split("\t")
    return {"server_version": version, "storage_driver": driver, "cgroup_version": cgroup}


def image_label(image: str, label: str) -> str | None:
    """The value of `label` on a local image; None when the image (or the label) is missing."""
    result = docker("image", "inspect", "--format", "{{json .Config.Labels}}", image, check=False, timeout=30)
    if result.returncode != 0:
        return None
    return (json.loads(result.stdout) or {}).get(label)


# --- engine -------------------------------------------------------------------------


@dataclass(frozen=True)
class EngineState:
    storage_driver: str
    server_version: str
    pid: int | None = None
    log_file: str | None = None
    started: bool = False  # by this call (False: it already answered)


def ensure_host_packages(commands: dict[str, str] | None = None) -> list[str]:
    """apt-get install the Debian packages whose command is missing (HOST_PACKAGES by default); returns them."""
    commands = HOST_PACKAGES if commands is None else commands
    missing = sorted({package for command, package in commands.items() if shutil.which(command) is None})
    if not missing:
        return []
    if os.geteuid() != 0:
        raise TesthostError(
            f"{', '.join(missing)} missing and installing needs root: apt-get install {' '.join(missing)}"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    for command in (
        ["apt-get", "update", "-qq", *lock],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *lock, *missing],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        if result.returncode != 0:
            raise TesthostError(
                f"`{' '.join(command)}` failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
    return missing


def _start_dockerd(log_file: Path, storage_driver: str | None, timeout: float) -> subprocess.Popen:
    """Start dockerd in its own session (it outlives make and pytest) and wait until it answers."""
    command = ["dockerd"] + (["--storage-driver", storage_driver] if storage_driver else [])
    with open(log_file, "ab") as log:
        log.write(f"\n=== {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(command)}\n".encode())
        log.flush()
        process = subprocess.Popen(
            command,
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own session: the engine outlives make and pytest, and ignores their Ctrl-C.
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while not engine_answers():
        if process.poll() is not None:
            raise TesthostError(
                f"dockerd exited with code {process.returncode} before answering; "
                f"last lines of {log_file}:\n{log_tail(log_file)}"
            )
        if time.monotonic() > deadline:
            _terminate(process)
            raise TesthostError(
                f"dockerd did not answer within {timeout:.0f}s; last lines of {log_file}:\n{log_tail(log_file)}"
            )
        time.sleep(0.5)
    return process


def _terminate(process: subprocess.Popen, grace: float = 20.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def read_engine_state(state_dir: Path = DEFAULT_STATE_DIR) -> EngineState | None:
    try:
        return EngineState(**json.loads((Path(state_dir) / STATE_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _answering_engine(state_dir: Path) -> EngineState:
    recorded = read_engine_state(state_dir)
    info = engine_info()
    return EngineState(
        storage_driver=info["storage_driver"],
        server_version=info["server_version"],
        pid=recorded.pid if recorded else None,
        log_file=recorded.log_file if recorded else None,
    )


@contextlib.contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    """One process at a time (parallel test runs): an advisory lock on `lock_file`."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_engine(state_dir: Path = DEFAULT_STATE_DIR, timeout: float = 60.0) -> EngineState:
    """A Docker engine that answers: one already running is left alone, otherwise dockerd is started.

    The default storage driver (overlay2) is tried first; when dockerd cannot start with
    it, it is started again with vfs. The choice is recorded in the state directory.
    """
    state_dir = Path(state_dir).resolve()
    if engine_answers():
        return _answering_engine(state_dir)
    ensure_host_packages()
    with _exclusive(state_dir / "engine.lock"):
        if engine_answers():  # another process started it meanwhile
            return _answering_engine(state_dir)
        log_file = state_dir / LOG_FILE
        try:
            process = _start_dockerd(log_file, None, timeout)
        except TesthostError as default_failure:
            try:
                process = _start_dockerd(log_file, "vfs", timeout)
            except TesthostError as vfs_failure:
                raise TesthostError(
                    f"the Docker engine did not start, neither with its default storage driver "
                    f"({default_failure}) nor with vfs ({vfs_failure})"
                ) from vfs_failure
        info = engine_info()
        state = EngineState(
            storage_driver=info["storage_driver"],
            server_version=info["server_version"],
            pid=process.pid,
            log_file=str(log_file),
            started=True,
        )
        recorded = {key: value for key, value in asdict(state).items() if key != "started"}
        (state_dir / STATE_FILE).write_text(json.dumps(recorded))
        return state


# --- images -------------------------------------------------------------------------


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "dataeng-platform" / "testhost")


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class Rootfs:
    """A debootstrap of SUITE with `include`, cached as a tarball and `docker import`ed as `image`."""

    name: str  # its tarballs are NAME-SUITE-VARIANT-HASH.tar
    image: str
    include: tuple[str, ...]
    # Without what the image's programs never read (see _slim): the service images are
    # copied into test hosts, whose engines may store every layer whole (vfs).
    slim: bool = False

    def parameters(self) -> dict[str, object]:
        parameters = {"suite": SUITE, "variant": VARIANT, "mirror": MIRROR, "include": sorted(self.include)}
        # Only when set: the base rootfs keeps the hash (and cached tarball) it had before.
        return {**parameters, "slim": True} if self.slim else parameters

    def inputs(self) -> str:
        """Hash of the debootstrap parameters: the image and its cached tarball are named by it."""
        return _digest(json.dumps(self.parameters(), sort_keys=True).encode())

    def tarball(self, cache: Path | None = None) -> Path:
        return (cache or cache_dir()) / f"{self.name}-{SUITE}-{VARIANT}-{self.inputs()[:16]}.tar"

    def owns(self, tarball: Path) -> bool:
        """Whether `tarball` is one of this rootfs' (of any parameters): what pruning may delete.

        Suite and variant have no hyphen, so "debian-services-…" is never taken for one of "debian".
        """
        return (
            re.fullmatch(rf"{re.escape(self.name)}-[a-z0-9]+-[a-z0-9]+-[0-9a-f]{{16}}\.tar", tarball.name) is not None
        )


BASE = Rootfs("debian", BASE_IMAGE, INCLUDE)
SERVICES = Rootfs("debian-services", SERVICES_BASE_IMAGE, SERVICES_INCLUDE, slim=True)


@dataclass(frozen=True)
class ServiceImage:
    """An image of a monitoring service FROM the services rootfs, for a compose file in place of prom/NAME."""

    name: str  # its Dockerfile is tools/testhost/services/NAME/Dockerfile
    image: str

    @property
    def dockerfile(self) -> Path:
        return SERVICES_DIR / self.name / "Dockerfile"

    def inputs(self) -> str:
        return dockerfile_inputs(SERVICES, self.dockerfile)


SERVICE_IMAGES = (
    ServiceImage("prometheus", "dataeng-platform/prometheus:debian13"),
    ServiceImage("pushgateway", "dataeng-platform/pushgateway:debian13"),
    ServiceImage("node-exporter", "dataeng-platform/node-exporter:debian13"),
)


def debootstrap_parameters() -> dict[str, object]:
    return BASE.parameters()


def base_inputs() -> str:
    """Hash of the base image's debootstrap parameters (see Rootfs.inputs)."""
    return BASE.inputs()


def dockerfile_inputs(rootfs: Rootfs, dockerfile: Path) -> str:
    """Hash of an image's inputs: the rootfs it is FROM and its Dockerfile.

    The Dockerfile alone: it is built without a context (see _docker_build), so nothing
    else beside it can change the image, and files added there do not outdate it.
    """
    return _digest(rootfs.inputs().encode(), f"{dockerfile.name}\0".encode() + dockerfile.read_bytes())


def image_inputs() -> str:
    """Hash of the test host image's inputs: the base rootfs and tools/testhost/Dockerfile."""
    return dockerfile_inputs(BASE, CONTEXT_DIR / "Dockerfile")


def rootfs_tarball(cache: Path | None = None, rootfs: Rootfs = BASE) -> Path:
    return rootfs.tarball(cache)


def ensure_rootfs_tarball(cache: Path | None = None, log=print, rootfs: Rootfs = BASE) -> Path:
    """debootstrap `rootfs` into a tarball in the cache (once); the .debs are cached too."""
    cache = (cache or cache_dir()).resolve()
    tarball = rootfs.tarball(cache)
    if tarball.exists():
        return tarball
    ensure_host_packages({"debootstrap": "debootstrap"})
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rootfs-", dir=cache) as tmp:
        target = Path(tmp) / "rootfs"
        command = [
            "debootstrap",
            f"--variant={VARIANT}",
            f"--include={','.join(sorted(rootfs.include))}",
            f"--keyring={KEYRING}",
            f"--cache-dir={debs}",
            SUITE,
            str(target),
            MIRROR,
        ]
        log(f"debootstrap {SUITE} ({VARIANT}, {rootfs.name}) into {target}")
        result = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
        if result.returncode != 0:
            debootstrap_log = target / "debootstrap" / "debootstrap.log"
            detail = log_tail(debootstrap_log) if debootstrap_log.exists() else result.stderr[-2000:]
            raise TesthostError(
                f"debootstrap {SUITE} ({rootfs.name}) failed ({result.returncode}):\n{result.stdout[-2000:]}\n{detail}"
            )
        # Nothing of the build machine's session belongs in the image.
        for leftover in ("etc/resolv.conf", "etc/hostname"):
            (target / leftover).unlink(missing_ok=True)
        if rootfs.slim:
            _slim(target)
        partial = tarball.with_suffix(".tar.partial")
        subprocess.run(["tar", "--numeric-owner", "--xattrs", "-C", target, "-cf", partial, "."], check=True)
        partial.rename(tarball)
    # Tarballs of earlier parameters are never used again; the other rootfs' are.
    for stale in cache.glob("*.tar"):
        if stale != tarball and rootfs.owns(stale):
            stale.unlink()
    return tarball


def _slim(rootfs: Path) -> None:
    """Remove apt's downloaded .debs and package lists, documentation (but its copyright files) and translations."""
    removed = [
        *rootfs.glob("var/cache/apt/archives/*.deb"),
        *rootfs.glob("var/cache/apt/*.bin"),
        *(path for path in rootfs.glob("var/lib/apt/lists/*") if path.is_file() and path.name != "lock"),
        *rootfs.glob("usr/share/man/*"),
        *rootfs.glob("usr/share/info/*"),
        *rootfs.glob("usr/share/locale/*"),
        # Not through a package's doc directory that is a symlink to another's.
        *(
            path
            for package in rootfs.glob("usr/share/doc/*")
            if package.is_dir() and not package.is_symlink()
            for path in package.iterdir()
            if path.name != "copyright"
        ),
    ]
    for path in removed:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


@dataclass(frozen=True)
class BuildResult:
    image: str
    inputs: str
    built: bool  # False: the image was up to date
    steps: tuple[str, ...] = field(default=())
    seconds: float = 0.0


def build_image(cache: Path | None = None, force: bool = False, log=print) -> BuildResult:
    """The test host image, built only when its inputs changed (or with force)."""
    started = time.monotonic()
    inputs = image_inputs()
    if not force and image_label(IMAGE, INPUTS_LABEL) == inputs:
        return BuildResult(IMAGE, inputs, built=False, seconds=time.monotonic() - started)
    with _exclusive((cache or cache_dir()) / "build.lock"):
        if not force and image_label(IMAGE, INPUTS_LABEL) == inputs:  # built by another process meanwhile
            return BuildResult(IMAGE, inputs, built=False, seconds=time.monotonic() - started)
        steps = _ensure_imported(BASE, cache, force, log)
        _docker_build(IMAGE, CONTEXT_DIR / "Dockerfile", inputs, log)
        _prune_replaced()
        return BuildResult(IMAGE, inputs, built=True, steps=(*steps, "build"), seconds=time.monotonic() - started)


def build_service_images(cache: Path | None = None, force: bool = False, log=print) -> list[BuildResult]:
    """The images of SERVICE_IMAGES, each built only when its inputs changed (or with force).

    The services rootfs is debootstrapped (once, then cached) and imported when one of
    them needs it. The results are in the order of SERVICE_IMAGES.
    """
    started = time.monotonic()

    def outdated() -> list[ServiceImage]:
        return [
            service
            for service in SERVICE_IMAGES
            if force or image_label(service.image, INPUTS_LABEL) != service.inputs()
        ]

    todo = outdated()
    built: dict[str, BuildResult] = {}
    if todo:
        with _exclusive((cache or cache_dir()) / "build.lock"):
            todo = outdated()  # another process may have built some meanwhile
            steps = _ensure_imported(SERVICES, cache, force, log) if todo else []
            for service in todo:
                inputs = service.inputs()
                _docker_build(service.image, service.dockerfile, inputs, log)
                # The debootstrap and the import are counted to the first image built.
                built[service.image] = BuildResult(
                    service.image, inputs, built=True, steps=(*steps, "build"), seconds=time.monotonic() - started
                )
                steps, started = [], time.monotonic()
            if todo:
                _prune_replaced()
    return [
        built.get(service.image) or BuildResult(service.image, service.inputs(), built=False)
        for service in SERVICE_IMAGES
    ]


def _ensure_imported(rootfs: Rootfs, cache: Path | None, force: bool, log) -> list[str]:
    """`docker import` the rootfs' tarball (debootstrapped first when not cached) unless its image is up to date.

    Returns the steps taken (none when the image was up to date).
    """
    inputs = rootfs.inputs()
    if not force and image_label(rootfs.image, INPUTS_LABEL) == inputs:
        return []
    cached = rootfs.tarball(cache).exists()
    tarball = ensure_rootfs_tarball(cache, log=log, rootfs=rootfs)
    log(f"docker import {tarball} as {rootfs.image}")
    with open(tarball, "rb") as stream:
        docker("import", "--change", f"LABEL {INPUTS_LABEL}={inputs}", "-", rootfs.image, stdin=stream, timeout=600)
    return ["cached debootstrap" if cached else "debootstrap", "import"]


def _docker_build(image: str, dockerfile: Path, inputs: str, log) -> None:
    log(f"docker build {dockerfile} as {image}")
    # The classic builder: this client has no buildx, and the image FROMs a local image.
    # The Dockerfile on stdin and no context: its inputs hash covers the Dockerfile only.
    docker(
        "build",
        "--label",
        f"{INPUTS_LABEL}={inputs}",
        "--tag",
        image,
        "-",
        input=dockerfile.read_text(),
        env={"DOCKER_BUILDKIT": "0"},
        timeout=900,
    )


def _prune_replaced() -> None:
    # The images a build replaced (now untagged); only ours, by their label.
    docker("image", "prune", "--force", "--filter", f"label={INPUTS_LABEL}", check=False)


def image_id(image: str) -> str | None:
    """The ID of a local image; None when there is none."""
    result = docker("image", "inspect", "--format", "{{.Id}}", image, check=False, timeout=30)
    return result.stdout.strip() if result.returncode == 0 else None


def _freshness(image: str, inputs: str) -> str:
    label = image_label(image, INPUTS_LABEL)
    return "missing" if label is None else "up to date" if label == inputs else "outdated"


# --- test hosts ---------------------------------------------------------------------


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


# --- the service images' archive ---------------------------------------------------


@dataclass(frozen=True)
class SaveResult:
    archive: Path
    images: tuple[str, ...]
    saved: bool  # False: the archive held these very images already


def save_service_images(archive: Path = SERVICE_ARCHIVE, cache: Path | None = None, log=print) -> SaveResult:
    """The SERVICE_IMAGES (built when outdated) in one `docker save` archive, for the monitoring
    role to load on a host that reaches no registry (monitoring_image_archives).

    The image IDs the archive holds are kept beside it, so it is written again only when an
    image changed; the images share their Debian layer, which the archive holds once.
    """
    build_service_images(cache, log=log)
    images = tuple(service.image for service in SERVICE_IMAGES)
    ids = {image: image_id(image) for image in images}
    recorded = archive.with_name(archive.name + ".ids.json")
    if archive.exists() and recorded.exists() and json.loads(recorded.read_text()) == ids:
        return SaveResult(archive, images, saved=False)
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    log(f"docker save {' '.join(images)} into {archive}")
    docker("save", "--output", str(partial), *images, timeout=900)
    partial.rename(archive)
    recorded.write_text(json.dumps(ids))
    return SaveResult(archive, images, saved=True)


def _print_host(host: Testhost) -> None:
    print(f"test host {host.name}: systemd {host.system_state}")
    if host.failed_units:
        print(f"  failed units: {', '.join(host.failed_units)}")


def _status(state_dir: Path) -> int:
    if not engine_answers():
        print("no Docker engine answers; run `python tools/testhost.py ensure-engine`", file=sys.stderr)
        return 3
    info = engine_info()
    recorded = read_engine_state(state_dir)
    where = f", pid {recorded.pid}, log {recorded.log_file}" if recorded else ""
    print(f"engine: Docker {info['server_version']}, storage driver {info['storage_driver']}{where}")
    print(f"{BASE_IMAGE}: {_freshness(BASE_IMAGE, BASE.inputs())}")
    print(f"{IMAGE}: {_freshness(IMAGE, image_inputs())}")
    print(f"{SERVICES_BASE_IMAGE}: {_freshness(SERVICES_BASE_IMAGE, SERVICES.inputs())}")
    for service in SERVICE_IMAGES:
        print(f"{service.image}: {_freshness(service.image, service.inputs())}")
    hosts = list_testhosts()
    if not hosts:
        print("no test hosts")
    for host in hosts:
        line = f"test host {host['name']}: {host['status']}"
        if host["state"] == "running":
            system = exec_in(host["name"], "systemctl", "is-system-running", check=False).stdout.strip()
            line += f", systemd {system}"
            if system == "degraded":
                line += f" (failed: {', '.join(failed_units(host['name']))})"
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help="dockerd's log and state")
    commands = parser.add_subparsers(dest="command", required=True)
    engine_cmd = commands.add_parser(
        "ensure-engine", parents=[where], help="install and start dockerd when none answers"
    )
    engine_cmd.add_argument("--timeout", type=float, default=60.0)
    build_cmd = commands.add_parser("build-image", help=f"build {IMAGE} when its inputs changed")
    build_cmd.add_argument("--force", action="store_true", help="import and build again even when up to date")
    services_cmd = commands.add_parser(
        "build-service-images",
        help=f"build the images of {', '.join(service.name for service in SERVICE_IMAGES)} when their inputs changed",
    )
    services_cmd.add_argument("--force", action="store_true", help="import and build again even when up to date")
    save_cmd = commands.add_parser(
        "save-service-images", help="build the service images when outdated and save them into one archive"
    )
    save_cmd.add_argument("--archive", type=Path, default=SERVICE_ARCHIVE)
    start_cmd = commands.add_parser("start", help="start a test host and wait until systemd has booted")
    start_cmd.add_argument("name")
    start_cmd.add_argument("--timeout", type=float, default=120.0)
    stop_cmd = commands.add_parser("stop", help="stop and remove a test host")
    stop_cmd.add_argument("name")
    commands.add_parser("status", parents=[where], help="the engine, the images and the test hosts")
    args = parser.parse_args(argv)

    try:
        if args.command == "ensure-engine":
            state = ensure_engine(args.state_dir, timeout=args.timeout)
            how = f"started (pid {state.pid}, log {state.log_file})" if state.started else "already answering"
            print(f"Docker {state.server_version} {how}, storage driver {state.storage_driver}")
        elif args.command == "build-image":
            result = build_image(force=args.force)
            if result.built:
                print(f"{result.image} built in {result.seconds:.1f}s ({', '.join(result.steps)})")
            else:
                print(f"{result.image} is up to date (inputs {result.inputs[:12]})")
        elif args.command == "build-service-images":
            for result in build_service_images(force=args.force):
                if result.built:
                    print(f"{result.image} built in {result.seconds:.1f}s ({', '.join(result.steps)})")
                else:
                    print(f"{result.image} is up to date (inputs {result.inputs[:12]})")
        elif args.command == "save-service-images":
            # molecule's prepare step reports a change when "saved" is printed: only then.
            saved = save_service_images(args.archive)
            state = "saved" if saved.saved else "up to date"
            print(f"{saved.archive} ({', '.join(saved.images)}): {state}")
        elif args.command == "start":
            _print_host(start(args.name, timeout=args.timeout))
        elif args.command == "stop":
            print(f"test host {args.name} removed" if stop(args.name) else f"no test host {args.name}")
        else:
            return _status(args.state_dir)
        return 0
    except TesthostError as exc:
        print(f"testhost: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
