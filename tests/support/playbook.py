"""Run ansible-playbook the way a user does, and read what it reports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)",
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
)


@dataclass
class PlaybookResult:
    returncode: int
    output: str
    seconds: float

    def recap(self, host: str = "localhost") -> dict[str, int]:
        for match in RECAP.finditer(self.output):
            if match.group("host") == host:
                return {key: int(value) for key, value in match.groupdict().items() if key != "host"}
        raise AssertionError(f"no PLAY RECAP line for {host} in:\n{self.output[-3000:]}")


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

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 900) -> PlaybookResult:
        """ansible-playbook ARGS from the repository root, writing its outputs file into the test's tmp dir."""
        command = [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-e",
            f"outputs_file={self.outputs_file}",
            *args,
        ]
        started = time.monotonic()
        completed = subprocess.run(
            command,
            cwd=self.repo,
            env=env if env is not None else self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        return PlaybookResult(completed.returncode, completed.stdout, time.monotonic() - started)

    @property
    def outputs_file(self) -> Path:
        return self.workdir / "platform-outputs.json"

    def outputs(self) -> dict:
        return json.loads(self.outputs_file.read_text())
