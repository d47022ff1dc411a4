"""The Docker engine of the test hosts: the docker client, and a dockerd started (from Debian's docker.io) when none
answers. The engine is started once and left running, its log and record in the state directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from logfile import tail as log_tail
from processes import pid_runs, read_record, terminate
from system_deps import SystemDepsError, apt_install

REPO = Path(__file__).resolve().parent.parent
DEFAULT_STATE_DIR = REPO / ".local" / "docker"
STATE_FILE = "engine.json"
LOG_FILE = "dockerd.log"
HOST_PACKAGES = {"dockerd": "docker.io", "debootstrap": "debootstrap"}
# Where dockerd (Debian's docker.service as well as one started here) records its pid.
DOCKERD_PID_FILE = Path("/var/run/docker.pid")
# What dockerd is given to shut down its containers before it is killed.
DOCKERD_GRACE = 20.0


class TesthostError(RuntimeError):
    """The engine, the image or a test host could not be set up."""


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
    try:
        apt_install(missing)
    except SystemDepsError as exc:
        raise TesthostError(str(exc)) from exc
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
            terminate(process.pid, _is_dockerd, grace=DOCKERD_GRACE)
            raise TesthostError(
                f"dockerd did not answer within {timeout:.0f}s; last lines of {log_file}:\n{log_tail(log_file)}"
            )
        time.sleep(0.5)
    return process


def _is_dockerd(pid: int) -> bool:
    return pid_runs(pid, "dockerd")


def read_engine_state(state_dir: Path = DEFAULT_STATE_DIR) -> EngineState | None:
    return read_record(Path(state_dir) / STATE_FILE, EngineState)


def running_dockerd(pid_file: Path = DOCKERD_PID_FILE) -> int | None:
    """The pid of the dockerd this machine runs (its pid file names a live dockerd), or None."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_runs(pid, "dockerd") else None


def _wait_for_engine(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not engine_answers():
        if not pid_runs(pid, "dockerd"):
            raise TesthostError(f"the Docker engine starting here (dockerd, pid {pid}) stopped before answering")
        if time.monotonic() > deadline:
            raise TesthostError(
                f"the Docker engine starting here (dockerd, pid {pid}) did not answer within {timeout:.0f} s"
            )
        time.sleep(0.5)


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
def exclusive(lock_file: Path) -> Iterator[None]:
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
    with exclusive(state_dir / "engine.lock"):
        if engine_answers():  # another process started it meanwhile
            return _answering_engine(state_dir)
        starting = running_dockerd()
        if starting is not None:
            # Another dockerd is starting (systemd's docker.service, which installing docker.io starts): a second
            # one would find its pid file and stop. It is waited for.
            _wait_for_engine(starting, timeout)
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
