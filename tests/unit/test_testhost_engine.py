"""The test hosts' engine launcher: which dockerd it finds already starting (no engine needed)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

import testhost_engine


@pytest.fixture
def process_named_dockerd():
    """A process whose command line says dockerd, as systemd's docker.service's does."""
    process = subprocess.Popen(["bash", "-c", "exec -a dockerd sleep 30"])
    cmdline = Path(f"/proc/{process.pid}/cmdline")
    deadline = time.monotonic() + 10
    while not cmdline.read_bytes().startswith(b"dockerd\0") and time.monotonic() < deadline:
        time.sleep(0.01)  # bash has not exec'd yet
    yield process.pid
    process.kill()
    process.wait()


def test_a_starting_dockerd_is_found_by_its_pid_file(tmp_path, process_named_dockerd):
    pid_file = tmp_path / "docker.pid"
    pid_file.write_text(f"{process_named_dockerd}\n")
    assert testhost_engine.running_dockerd(pid_file) == process_named_dockerd


@pytest.mark.parametrize("content", [None, "", "not a pid", "the pid of this test, no dockerd"])
def test_no_dockerd_without_a_pid_file_naming_a_live_dockerd(tmp_path, content):
    pid_file = tmp_path / "docker.pid"
    if content is not None:
        pid_file.write_text(str(os.getpid()) if content.startswith("the pid") else content)
    assert testhost_engine.running_dockerd(pid_file) is None
