"""run_lock's parts that need no AWS: the message naming who holds the lock, who a holder is, when a run is gone.
Taking, releasing, the takeover and the watcher run against the emulator (tests/integration/test_run_lock.py)."""

from __future__ import annotations

import os
from datetime import datetime, timezone

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
