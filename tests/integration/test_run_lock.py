"""The run lock: two runs never change one account at once, and a run releases its lock however it ends.

One emulator. The lock's functions (take, release, takeover, watcher) against its SSM, each on a lock of its own;
then the playbooks: each run converges the ECR lane only (`--tags ecr`), which is enough to go through the plan, the
lock, the lanes and their end (and with site.yml, the host layer's and the outputs' plays). A run is held still by
freezing its processes once it holds the lock, as a long converge would hold it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.dataeng.platform.plugins.module_utils import run_lock
from support.aws_proxy import AwsProxy
from support.converges import CLOUD_LAYER
from support.emulator import client, running_emulator
from support.playbook import PlaybookRunner, freeze_process_tree

pytestmark = pytest.mark.slow

LOCK = "/dataeng-local/run-lock"
ECR_LANE = (*CLOUD_LAYER, "--tags", "ecr")
SITE_ECR_LANE = ("site.yml", "-i", "inventories/local", "--tags", "ecr")
RELEASED = re.compile(r"TASK \[dataeng\.platform\.common : Release the environment's run lock\] \**\nok: \[localhost\]")
# What AWX puts in a job's environment.
AWX_JOB = {"JOB_ID": "4242", "AWX_HOST": "https://awx.example.com"}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with running_emulator(tmp_path_factory.mktemp("emulator")) as state:
        yield state


@pytest.fixture
def ssm(emulator):
    return client(emulator, "ssm")


@pytest.fixture
def name() -> str:
    """A lock of its own for a test of run_lock's functions: no run of the playbooks reads it."""
    return f"/dataeng-{uuid.uuid4().hex[:8]}/run-lock"


def lock_holder(ssm) -> dict | None:
    try:
        return json.loads(ssm.get_parameter(Name=LOCK)["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


def wait_for(condition, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout} s")


@contextlib.contextmanager
def frozen(pid: int) -> Iterator[None]:
    """The process and everything below it stopped until the block ends."""
    stopped = freeze_process_tree(pid)
    try:
        yield
    finally:
        for process in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process, signal.SIGCONT)


def start(playbook: PlaybookRunner, env: dict[str, str]) -> subprocess.Popen:
    """The whole site.yml on the ECR lane, in the background: its last play releases the lock."""
    command = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        *SITE_ECR_LANE,
        "-e",
        f"outputs_file={playbook.outputs_file}",
    ]
    return subprocess.Popen(
        command, cwd=playbook.repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_a_second_run_stops_at_the_lock_naming_who_holds_it_until_the_first_ends(playbook, emulator, ssm):
    env = playbook.environment(**emulator.environment())
    holding = start(playbook, {**env, **AWX_JOB})
    try:
        holder = wait_for(lambda: lock_holder(ssm), "the first run took no lock")
        with frozen(holding.pid):
            blocked = playbook.run(*ECR_LANE, env=env)
            assert blocked.returncode != 0
            message = " ".join(blocked.output.split())
            assert "Environment local is locked by another run: converge of site.yml by " in message, blocked.output[
                -3000:
            ]
            assert f"{holder['holder']} (AWX job 4242 on https://awx.example.com) since {holder['since']}" in message
            assert "make break-lock" in message
            # It stopped before the lanes: the lock still names the first run.
            assert blocked.recaps().keys() == {"localhost"}
            assert lock_holder(ssm) == holder
            # Breaking it takes the environment's name.
            refused = playbook.run("playbooks/break_lock.yml", "-i", "inventories/local", env=env)
            assert refused.returncode != 0
            assert "confirm with -e break_lock=local" in " ".join(refused.output.split())
        output = holding.communicate(timeout=600)[0]
    finally:
        with contextlib.suppress(ProcessLookupError):
            holding.kill()
    assert holding.returncode == 0, output[-3000:]
    # Released by site.yml's last play, not only by the watcher once the run ended.
    assert RELEASED.search(output), output[-3000:]
    wait_for(lambda: lock_holder(ssm) is None, "the lock was not released after the run", timeout=15)


def test_a_failing_run_releases_its_lock(playbook, emulator, ssm):
    """AWS's answer to a create is lost and the ECR lane fails; every second-wave lane then fails its first check, so
    Ansible ends the playbook there and no later play runs: the watcher releases the lock."""
    with AwsProxy(emulator).running() as proxy:
        proxy.after("CreateRepository", lambda: None)
        env = playbook.environment(**proxy.environment())
        # A repository the first test did not create, so that the run creates one.
        repositories = json.dumps({"ecr_repositories": ["lock-test"]})
        result = playbook.run(*ECR_LANE, "-e", "aws_max_attempts=1", "-e", repositories, env=env)
        assert result.returncode != 0
        assert result.recaps()["cloud-ecr"]["failed"] == 1, result.output[-3000:]
        assert ("ssm", "PutParameter") in proxy.traffic.forwarded, "the run took no lock"
        wait_for(lambda: lock_holder(ssm) is None, "the lock was not released after the failed run", timeout=15)


def test_a_stale_lock_is_broken_on_confirmation(playbook, emulator, ssm):
    """A lock whose controller was lost stays; break_lock.yml removes it, saying whose it was."""
    stale = {"holder": "alice@laptop", "operation": "converge", "since": "2026-01-01T00:00:00Z", "token": "lost"}
    ssm.put_parameter(Name=LOCK, Value=json.dumps(stale), Type="String")
    env = playbook.environment(**emulator.environment())
    result = playbook.run("playbooks/break_lock.yml", "-i", "inventories/local", "-e", "break_lock=local", env=env)
    assert result.returncode == 0, result.output[-3000:]
    assert "Broke the lock of local, held by " in result.output
    assert "alice@laptop" in result.output
    assert lock_holder(ssm) is None


# run_lock's functions on their own, against the emulator's SSM.
ALICE = {"holder": "alice@laptop", "operation": "converge", "token": "alice"}


def test_of_two_runs_only_the_first_takes_the_lock(ssm, name):
    assert run_lock.take(ssm, name, ALICE) is None
    assert run_lock.take(ssm, name, {**ALICE, "holder": "awx@runner", "token": "bob"}) == ALICE
    assert run_lock.read(ssm, name) == ALICE


def test_a_create_whose_answer_was_lost_and_retried_holds_the_lock(ssm, name):
    """The retried PutParameter finds the parameter its first attempt created: the lock is this run's."""
    run_lock.take(ssm, name, ALICE)
    assert run_lock.take(ssm, name, ALICE) is None
    assert run_lock.read(ssm, name) == ALICE


def ended_process() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_lock_of_a_run_of_this_host_that_is_gone_is_taken_over(ssm, name):
    """Killed with its watcher, a run leaves its lock; rerun on the same host, the next one takes it over."""
    killed = {**ALICE, **run_lock.process_of_this_run(ended_process())}
    run_lock.take(ssm, name, killed)
    bob = {**ALICE, **run_lock.process_of_this_run(os.getpid()), "token": "bob"}
    assert run_lock.take(ssm, name, bob) is None
    assert run_lock.read(ssm, name) == bob


def test_a_live_run_and_a_run_of_another_host_keep_their_lock(ssm, name):
    bob = {**ALICE, "token": "bob"}
    live = {**ALICE, **run_lock.process_of_this_run(os.getpid())}
    run_lock.take(ssm, name, live)
    assert run_lock.take(ssm, name, bob) == live
    run_lock.release(ssm, name)
    # Its pid ended here, but it is another host's: nothing on this host tells whether that run is gone.
    elsewhere = {**ALICE, **run_lock.process_of_this_run(ended_process()), "host": "laptop pid:[4026531836]"}
    run_lock.take(ssm, name, elsewhere)
    assert run_lock.take(ssm, name, bob) == elsewhere


def test_only_the_holders_token_or_a_break_releases_the_lock(ssm, name):
    run_lock.take(ssm, name, ALICE)
    assert run_lock.release(ssm, name, "bob") == (ALICE, False)
    assert run_lock.read(ssm, name) == ALICE
    assert run_lock.release(ssm, name, "alice") == (ALICE, True)
    assert run_lock.read(ssm, name) is None
    assert run_lock.release(ssm, name, "alice") == (None, False)
    run_lock.take(ssm, name, ALICE)
    # A break gives no token.
    assert run_lock.release(ssm, name, None) == (ALICE, True)


def test_the_watcher_releases_the_lock_once_the_process_is_gone(ssm, name):
    run_lock.take(ssm, name, ALICE)
    run_lock.watch({"pid": ended_process(), "name": name, "token": "alice"}, ssm)
    assert run_lock.read(ssm, name) is None


def test_the_watcher_leaves_a_lock_another_run_took_meanwhile(ssm, name):
    run_lock.take(ssm, name, {**ALICE, "token": "bob"})
    run_lock.watch({"pid": ended_process(), "name": name, "token": "alice"}, ssm)
    assert run_lock.read(ssm, name)["token"] == "bob"
