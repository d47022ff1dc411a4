"""Run one of the collection's modules as Ansible runs it, against an emulator, and read its result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import emulator as launcher

REPO = Path(__file__).resolve().parents[2]


def run_module(state: launcher.EmulatorState, module: str, args: dict, check: bool = False, diff: bool = False) -> dict:
    """`ansible localhost -m <module>` with `args`, through the json callback; returns the module's result."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "ANSIBLE_"))}
    env.update(
        state.environment(region="us-east-2"),
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    command = [
        str(Path(sys.executable).parent / "ansible"),
        "localhost",
        "-i",
        "inventories/local",
        "-m",
        module,
        "-a",
        json.dumps(args),
        *(["--check"] if check else []),
        *(["--diff"] if diff else []),
    ]
    completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    try:
        report = json.loads(completed.stdout)
    except ValueError as error:
        raise AssertionError(f"no JSON from ansible:\n{completed.stdout}\n{completed.stderr}") from error
    return report["plays"][0]["tasks"][0]["hosts"]["localhost"]
