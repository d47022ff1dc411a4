"""The repository builds into a collection that installs and runs as dataeng.platform."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def tarball(repo, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build")
    subprocess.run(
        [BIN / "ansible-galaxy", "collection", "build", "--output-path", out, repo],
        check=True,
        capture_output=True,
        cwd=repo,
    )
    (built,) = out.glob("dataeng-platform-*.tar.gz")
    return built


def test_tarball_holds_the_collection_and_nothing_local(tarball):
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    for required in (
        "MANIFEST.json",
        "meta/runtime.yml",
        "site.yml",
        "playbooks/site.yml",
        "roles/common/meta/argument_specs.yml",
        "inventories/local/hosts.yml",
    ):
        assert required in names, f"{required} missing from {tarball.name}"
    local = {".venv", ".scanner-venv", ".collections", ".local", "build", ".git"}
    leaked = [name for name in names if name.split("/")[0] in local]
    assert leaked == []


def test_installed_collection_runs_its_site_playbook(tarball, tmp_path, repo):
    subprocess.run(
        [
            BIN / "ansible-galaxy",
            "collection",
            "install",
            "--no-deps",
            "--force",
            "-p",
            tmp_path / "collections",
            tarball,
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env["ANSIBLE_COLLECTIONS_PATH"] = str(tmp_path / "collections")
    inventory = tmp_path / "collections/ansible_collections/dataeng/platform/inventories/local"
    result = subprocess.run(
        [BIN / "ansible-playbook", "dataeng.platform.site", "-i", inventory, "--syntax-check"],
        cwd=tmp_path,  # away from the repository's ansible.cfg and its .collections link
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "playbooks/site.yml" in result.stdout
