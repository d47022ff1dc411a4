"""run_lock's parts that need no AWS: the message naming who holds the lock, who a holder is, when a run is gone.
Taking, releasing, the takeover and the watcher run against the emulator (tests/integration/test_run_lock.py)."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from ansible_collections.dataeng.platform.plugins.action import run_lock as action
from ansible_collections.dataeng.platform.plugins.module_utils import run_lock

NAME = "/dataeng-dev/run-lock"
NOW = datetime(2026, 12, 6, 22, 31, tzinfo=timezone.utc)  # noqa: UP017 - as the module_utils
ALICE = {
    "holder": "alice@laptop",
    "operation": "converge",
    "playbooks": ["site.yml"],
    "since": "2026-12-06T22:01:00Z",
    "token": "alice",
}


def test_the_message_names_who_holds_the_lock_and_how_to_break_it():
    awx = {
        "awx_job": "42",
        "awx_host": "https://awx.example.com",
        "awx_template": "dataeng-dev site",
        "awx_user": "bob",
    }
    message = run_lock.held_message(NAME, "dev", {**ALICE, **awx}, NOW)
    assert (
        "Environment dev is locked by another run: converge of site.yml by alice@laptop "
        "(AWX job 42 of 'dataeng-dev site' launched by bob on https://awx.example.com) "
        "since 2026-12-06T22:01:00Z (30 min ago)"
    ) in message
    assert f"SSM parameter {NAME}" in message
    assert "`make break-lock INVENTORY=<inventory>`" in message
    assert "-e break_lock=dev" in message


def test_a_lock_this_collection_did_not_write_still_names_something():
    assert run_lock.parse("held by hand")["holder"] == "unknown (value 'held by hand')"
    assert run_lock.holder_text({}) == "a run by an unknown user"


def test_a_process_that_got_the_pid_of_an_ended_run_is_not_that_run():
    this = run_lock.process_of_this_run(os.getpid())
    assert not run_lock.gone(this)
    # Linux, where the tests run, tells when a process started.
    assert run_lock.gone({**this, "pid_start": str(int(this["pid_start"]) - 1)})


def test_the_holder_is_the_controllers_user_and_host_and_the_awx_job(monkeypatch):
    monkeypatch.setattr(action.getpass, "getuser", lambda: "awx")
    monkeypatch.setattr(action.socket, "gethostname", lambda: "runner-1")
    taken = action.holder({"operation": "destroy"}, {"JOB_ID": "42", "AWX_HOST": "https://awx.example.com"}, 4321)
    assert taken["holder"] == "awx@runner-1"
    assert (taken["pid"], taken["host"].split()[0]) == (4321, "runner-1")
    assert (taken["operation"], taken["awx_job"], taken["awx_host"]) == ("destroy", "42", "https://awx.example.com")
    assert len(taken["token"]) == 32
    assert "awx_job" not in action.holder({}, {}, 4321)
    # Two runs never share a token.
    assert action.holder({}, {}, 4321)["token"] != action.holder({}, {}, 4321)["token"]


def test_the_host_mutex_is_shared_with_runs_of_other_users(tmp_path):
    """A mutex file another user made (0644, theirs) still serves: it is opened read-only, which flock needs."""
    path = tmp_path / "dataeng-run-lock-other-user"
    path.touch(mode=0o644)
    tmp_path.chmod(0o1777)
    nobody = pwd.getpwnam("nobody")
    enter = (
        "import fcntl, sys; from ansible_collections.dataeng.platform.plugins.module_utils import run_lock; "
        "fd = run_lock.open_shared(sys.argv[1]); fcntl.flock(fd, fcntl.LOCK_EX); print('held')"
    )
    as_nobody = subprocess.run(
        [
            "setpriv",
            f"--reuid={nobody.pw_uid}",
            f"--regid={nobody.pw_gid}",
            "--clear-groups",
            # The interpreter of this test's virtualenv may live under a home only its owner enters.
            "--inh-caps=+dac_read_search",
            "--ambient-caps=+dac_read_search",
            sys.executable,
            "-c",
            enter,
            str(path),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )
    assert as_nobody.stdout == "held\n", as_nobody.stderr
    assert path.stat().st_uid == os.getuid()


def test_the_host_mutex_file_is_made_when_missing_and_never_through_a_symlink(tmp_path):
    made = tmp_path / "made"
    os.close(run_lock.open_shared(str(made)))
    assert made.is_file()
    (tmp_path / "planted").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        run_lock.open_shared(str(tmp_path / "planted"))
    assert not (tmp_path / "elsewhere").exists()
