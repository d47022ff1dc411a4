"""The monitoring role's `config` entry point run into a directory of this machine, and what the
tests of its files (tests/integration/monitoring_config/) read from it."""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from support.playbook import PlaybookResult, PlaybookRunner

FILES = Path(__file__).resolve().parent.parent / "integration" / "files" / "monitoring"
RENDER = ("-i", str(FILES / "hosts.yml"), str(FILES / "render.yml"))
GRAFANA_PASSWORD = "Gr4fana-render-Test-91"
ELASTIC_PASSWORD = "El4stic-render-Test-37"
KUBERNETES_HOST = "10.0.10.12"


@dataclass
class Rendered:
    root: Path
    first: PlaybookResult
    second: PlaybookResult

    def text(self, relative: str) -> str:
        return (self.root / relative).read_text()

    def yaml(self, relative: str):
        return yaml.safe_load(self.text(relative))


def owner_vars() -> dict:
    """The role writes root-owned files; as another user the test lets it write the user's own."""
    if os.geteuid() == 0:
        return {}
    return {
        "_monitoring_owner": pwd.getpwuid(os.geteuid()).pw_name,
        "_monitoring_group": grp.getgrgid(os.getegid()).gr_name,
    }


def render(runner: PlaybookRunner, root: Path, env: dict | None = None, **variables) -> PlaybookResult:
    extra = {"monitoring_dir": str(root), **owner_vars(), **variables}
    return runner.run(*RENDER, "-e", json.dumps(extra), env=env)


def secret_names() -> list[str]:
    return ["elasticsearch", "grafana", "kibana", "logstash"]


def env_file_values(rendered: Rendered, name: str) -> dict[str, str]:
    values = {}
    for line in rendered.text(f"secrets/{name}.env").splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            assert re.fullmatch(r"'[^']*'", value), f"{key} must be single-quoted (literal for Compose)"
            values[key] = value[1:-1]
    return values


def secret_values(rendered: Rendered) -> set[str]:
    """Every password and key in the env files (the Grafana user name is not secret)."""
    return {
        value
        for name in secret_names()
        for key, value in env_file_values(rendered, name).items()
        if key != "GF_SECURITY_ADMIN_USER"
    }
