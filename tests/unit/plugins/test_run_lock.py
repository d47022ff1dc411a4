"""run_lock: one run takes the lock, another is told who holds it; only the holder's token (or a break) releases it,
and the watcher releases it once the ansible-playbook process is gone."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone

import boto3
import pytest
from moto import mock_aws

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


@pytest.fixture
def ssm():
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-2")


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


def test_of_two_runs_only_the_first_takes_the_lock(ssm):
    assert run_lock.take(ssm, NAME, ALICE) is None
    assert run_lock.take(ssm, NAME, {**ALICE, "holder": "awx@runner", "token": "bob"}) == ALICE
    assert run_lock.read(ssm, NAME) == ALICE


def test_a_create_whose_answer_was_lost_and_retried_holds_the_lock(ssm):
    """The retried PutParameter finds the parameter its first attempt created: the lock is this run's."""
    run_lock.take(ssm, NAME, ALICE)
    assert run_lock.take(ssm, NAME, ALICE) is None
    assert run_lock.read(ssm, NAME) == ALICE


def ended_process() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_lock_of_a_run_of_this_host_that_is_gone_is_taken_over(ssm):
    """Killed with its watcher, a run leaves its lock; rerun on the same host, the next one takes it over."""
    killed = {**ALICE, **run_lock.process_of_this_run(ended_process())}
    run_lock.take(ssm, NAME, killed)
    bob = {**ALICE, **run_lock.process_of_this_run(os.getpid()), "token": "bob"}
    assert run_lock.take(ssm, NAME, bob) is None
    assert run_lock.read(ssm, NAME) == bob


def test_a_live_run_and_a_run_of_another_host_keep_their_lock(ssm):
    bob = {**ALICE, "token": "bob"}
    live = {**ALICE, **run_lock.process_of_this_run(os.getpid())}
    run_lock.take(ssm, NAME, live)
    assert run_lock.take(ssm, NAME, bob) == live
    run_lock.release(ssm, NAME)
    # Its pid ended here, but it is another host's: nothing on this host tells whether that run is gone.
    elsewhere = {**ALICE, **run_lock.process_of_this_run(ended_process()), "host": "laptop pid:[4026531836]"}
    run_lock.take(ssm, NAME, elsewhere)
    assert run_lock.take(ssm, NAME, bob) == elsewhere


def test_a_process_that_got_the_pid_of_an_ended_run_is_not_that_run():
    this = run_lock.process_of_this_run(os.getpid())
    assert not run_lock.gone(this)
    # Linux, where the tests run, tells when a process started.
    assert run_lock.gone({**this, "pid_start": str(int(this["pid_start"]) - 1)})


def test_only_the_holders_token_or_a_break_releases_the_lock(ssm):
    run_lock.take(ssm, NAME, ALICE)
    assert run_lock.release(ssm, NAME, "bob") == (ALICE, False)
    assert run_lock.read(ssm, NAME) == ALICE
    assert run_lock.release(ssm, NAME, "alice") == (ALICE, True)
    assert run_lock.read(ssm, NAME) is None
    assert run_lock.release(ssm, NAME, "alice") == (None, False)
    run_lock.take(ssm, NAME, ALICE)
    # A break gives no token.
    assert run_lock.release(ssm, NAME, None) == (ALICE, True)


def test_the_watcher_releases_the_lock_once_the_process_is_gone(ssm):
    run_lock.take(ssm, NAME, ALICE)
    run_lock.watch({"pid": ended_process(), "name": NAME, "token": "alice"}, ssm)
    assert run_lock.read(ssm, NAME) is None


def test_the_watcher_leaves_a_lock_another_run_took_meanwhile(ssm):
    run_lock.take(ssm, NAME, {**ALICE, "token": "bob"})
    run_lock.watch({"pid": ended_process(), "name": NAME, "token": "alice"}, ssm)
    assert run_lock.read(ssm, NAME)["token"] == "bob"


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
