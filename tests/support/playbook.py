"""Run ansible-playbook the way a user does, and read what it reports."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)",
    re.MULTILINE,
)
# Variables from the developer's shell that would point a run at another account or endpoint.
AWS_ENV = (
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "EMULATOR_CA_BUNDLE",
    "EMULATOR_ACCESS_KEY_ID",
    "EMULATOR_SECRET_ACCESS_KEY",
)

_COMMON_VARS = yaml.safe_load((Path(__file__).resolve().parents[2] / "roles/common/vars/main.yml").read_text())
# The cloud roles, in the order plan checks them (the order they converge in, as _common_cloud_roles derives it).
CLOUD_ROLES = tuple(role for lane in _COMMON_VARS["_common_cloud_lanes"] for role in lane["roles"])
# The local hosts the cloud layer runs on: the controller, and one per lane of cloud roles.
CLOUD_LANES = frozenset(lane["name"] for lane in _COMMON_VARS["_common_cloud_lanes"])
CONTROLLER_HOSTS = CLOUD_LANES | {"localhost"}


@dataclass
class PlaybookResult:
    returncode: int
    output: str
    seconds: float

    def recaps(self) -> dict[str, dict[str, int]]:
        """Each host's PLAY RECAP counts: ok, changed, unreachable, failed, skipped."""
        return {
            match.group("host"): {key: int(value) for key, value in match.groupdict().items() if key != "host"}
            for match in RECAP.finditer(self.output)
        }

    def recap(self, host: str = "localhost") -> dict[str, int]:
        recaps = self.recaps()
        if host not in recaps:
            raise AssertionError(f"no PLAY RECAP line for {host} in:\n{self.output[-3000:]}")
        return recaps[host]

    def totals(self) -> dict[str, int]:
        """The PLAY RECAP counts summed over every host: the cloud layer runs on a host per lane."""
        recaps = self.recaps()
        if not recaps:
            raise AssertionError(f"no PLAY RECAP in:\n{self.output[-3000:]}")
        return {key: sum(counts[key] for counts in recaps.values()) for key in next(iter(recaps.values()))}


class PlaybookRunner:
    def __init__(self, repo: Path, workdir: Path):
        self.repo = repo
        self.workdir = workdir

    def environment(self, **overrides: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in AWS_ENV}
        env.update(
            ANSIBLE_CONFIG=str(self.repo / "ansible.cfg"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            # The interpreter running the tests has the pinned toolchain.
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        )
        env.update(overrides)
        return env

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        timeout: float = 900,
        started: Callable[[subprocess.Popen], None] | None = None,
    ) -> PlaybookResult:
        """ansible-playbook ARGS from the repository root, writing its outputs file into the test's tmp dir.

        With `started`, `started` gets the process as soon as it runs, so a test can end it with
        `kill_process_tree` as a lost controller would.
        """
        command = [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-e",
            f"outputs_file={self.outputs_file}",
            *args,
        ]
        started_at = time.monotonic()
        with subprocess.Popen(
            command,
            cwd=self.repo,
            env=env if env is not None else self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as process:
            if started:
                started(process)
            try:
                output = process.communicate(timeout=timeout)[0]
            except subprocess.TimeoutExpired:
                process.kill()
                raise
        return PlaybookResult(process.returncode, output, time.monotonic() - started_at)

    @property
    def outputs_file(self) -> Path:
        return self.workdir / "platform-outputs.json"

    def outputs(self) -> dict:
        return json.loads(self.outputs_file.read_text())


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(stat.parent.name))
    return tree


def freeze_process_tree(pid: int) -> set[int]:
    """SIGSTOP a process and everything below it (Ansible's workers start sessions of their own, so a process
    group misses them), parents first, so that none of them starts another process meanwhile; the pids stopped."""
    frozen: set[int] = set()
    pending = [pid]
    while pending:
        for process in pending:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process, signal.SIGSTOP)
        frozen.update(pending)
        tree = _children()
        pending = [child for parent in frozen for child in tree.get(parent, []) if child not in frozen]
    return frozen


def kill_process_tree(pid: int) -> None:
    """SIGKILL a process and everything below it, at once (frozen first, so none of them can start another process
    or request meanwhile): a module left running would retry what it was doing."""
    frozen = freeze_process_tree(pid)
    for process in frozen:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process, signal.SIGKILL)
