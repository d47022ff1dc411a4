"""`make local` for a user without root and without Docker: the cloud layer in the emulator and its outputs, the
host layer skipped with one line saying why and how to get it.

The run is `make local` itself, in a copy of the working tree owned by `nobody`, as `nobody`. The toolchain
is this test's own virtualenv (its interpreter lives under /root, which only root may enter: the user gets
the one capability that reads and traverses directories, and no other; the Docker socket, which takes write
permission, stays closed to it).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from processes import free_port

pytestmark = pytest.mark.slow
VENV = Path(sys.executable).parent.parent
USER = pwd.getpwnam("nobody")


def tracked_copy(repo: Path, dest: Path) -> None:
    """The working tree as a clone would have it, uncommitted edits and new files included, symlinks kept."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source, target = repo / name, dest / name
        if not source.is_symlink() and not source.exists():
            continue  # deleted in the working tree
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)


@pytest.fixture(scope="module")
def unprivileged_local_run(repo):
    root = Path(tempfile.mkdtemp(prefix="local-mode-", dir="/tmp"))
    root.chmod(0o755)
    clone, home = root / "platform", root / "home"
    tracked_copy(repo, clone)
    home.mkdir()
    subprocess.run(["chown", "-R", f"{USER.pw_uid}:{USER.pw_gid}", str(root)], check=True)
    port = free_port()
    as_nobody = [
        "setpriv",
        f"--reuid={USER.pw_uid}",
        f"--regid={USER.pw_gid}",
        "--clear-groups",
        "--inh-caps=+dac_read_search",
        "--ambient-caps=+dac_read_search",
    ]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        # nobody's home in the password database is /nonexistent, where Ansible's local connection would put
        # its temporary files; a user's own home serves for both.
        "ANSIBLE_REMOTE_TMP": str(home / ".ansible" / "tmp"),
        # The machine's own AWS settings, if any, never reach the run.
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
    }
    make = [
        "make",
        "--no-print-directory",
        "local",
        "SAMPLE_DATA=no",
        f"EMULATOR_PORT={port}",
        f"VENV={VENV}",
        # The virtualenv is this test's, ready and not the user's to write: make must not rebuild it.
        "-o",
        f"{VENV}/bin/.installed",
    ]
    try:
        run = subprocess.run(
            [*as_nobody, *make], cwd=clone, env=env, capture_output=True, text=True, timeout=1200, check=False
        )
        yield run, clone
    finally:
        subprocess.run(
            [
                sys.executable,
                str(repo / "tools" / "emulator.py"),
                "stop",
                "--state-dir",
                str(clone / ".local" / "emulator"),
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def test_it_converges_the_cloud_layer_and_ends_with_the_outputs(unprivileged_local_run):
    run, clone = unprivileged_local_run
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    recap = run.stdout[run.stdout.rindex("PLAY RECAP") :]
    assert re.search(r"^cloud-network\s+: ok=\d+\s+changed=[1-9]", recap, re.MULTILINE), recap
    assert not re.search(r"(failed|unreachable)=[1-9]", recap), recap
    assert "Platform outputs" in run.stdout
    assert (clone / "platform-outputs-local.json").is_file()


def test_it_says_once_what_it_skipped_why_and_how_to_get_it(unprivileged_local_run):
    run = unprivileged_local_run[0]
    said = [line for line in run.stdout.splitlines() if "skipped" in line and line.startswith("make local:")]
    assert said == [
        "make local: the host layer is skipped: its test hosts need root (Debian packages, a Docker engine, a "
        "debootstrap of the image); run `sudo make local` on Debian 12 or 13 for the whole platform"
    ]
    # No test host was asked for: the host layer's plays matched no host, and no Docker command ran.
    assert run.stdout.count("skipping: no hosts matched") == 3
    assert "docker" not in run.stderr.lower()


def test_it_prints_no_deprecation_warning(unprivileged_local_run):
    run = unprivileged_local_run[0]
    assert "PLAY RECAP" in run.stdout, run.stderr[-4000:]
    assert "DEPRECATION" not in run.stdout + run.stderr
