"""The cloud layer converged four times side by side, each on a fresh emulator: with nothing in
the way (the reference), behind a proxy that faults a fifth of all requests, behind a proxy that
kills the run right after chosen creates reached AWS (before Ansible hears back), then reruns it,
and behind a proxy that is eventually consistent as AWS is (what was just created stays unseen a while).
Each scenario keeps what it left in its account, and its emulator runs until the session ends, so tests
can read (and, for the reference, change) the account itself, not only its inventory.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from support import account, expectations, reachability
from support.aws import Aws
from support.aws_proxy import AwsProxy, Propagation, Request, Traffic
from support.emulator import RequestRecording, running_emulator
from support.playbook import PlaybookResult, PlaybookRunner, kill_process_tree

CLOUD_LAYER = ("playbooks/cloud.yml", "-i", "inventories/local")
FAULT_SHARE = 0.2
# Where a converge is killed: each right after AWS created something and before the module could
# record it (a VPC, the internet gateway before it is attached, a Glue job, the KMS key before its
# alias, a host role's instance profile before the role is in it, an instance).
KILL_AFTER = ("CreateVpc", "CreateInternetGateway", "CreateJob", "CreateKey", "CreateInstanceProfile", "RunInstances")
# Longer than AWS usually takes (IAM: seconds, about ten at worst; EC2: a second or two), so that every
# retry path runs; a role or instance profile stays unpropagated for 20 s from the first time Glue or EC2
# is handed it however long the first wave took (support/aws_proxy.py, Propagation).
PROPAGATION = Propagation(ec2_seconds=5, iam_seconds=20)


@dataclass
class Converge:
    # The scenario's account, live until the end of the session.
    aws: Aws
    runs: list[PlaybookResult]
    inventory: dict
    secrets: dict
    traffic: Traffic = field(default_factory=Traffic)
    secrets_when_killed: list[dict] = field(default_factory=list)
    # Interrupted: each kill point that fired, with the index in `runs` of the run whose request it answered.
    kills: dict[str, int] = field(default_factory=dict)
    network: dict = field(default_factory=dict)
    # The reference's only: every request the converge sent, as the emulator recorded it, and what the
    # inventory calls each EC2 id those requests carry (account.unread reads both).
    requests: list[Request] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def last(self) -> PlaybookResult:
        return self.runs[-1]


def undisturbed(runner: PlaybookRunner, emulator) -> Converge:
    recording = RequestRecording(emulator)
    recording.restart()
    result = runner.run(*CLOUD_LAYER, env=runner.environment(**emulator.environment()))
    aws = Aws(emulator)
    inventory, ids = account.inventory_and_ids(aws)
    return Converge(
        aws,
        [result],
        inventory,
        expectations.secret_values(aws),
        network=reachability.read(aws),
        requests=recording.requests(),
        ids=ids,
    )


def faulted(runner: PlaybookRunner, emulator) -> Converge:
    with AwsProxy(emulator, FAULT_SHARE, seed=8).running() as proxy:
        result = runner.run(*CLOUD_LAYER, env=runner.environment(**proxy.environment()))
        aws = Aws(emulator)
        return Converge(aws, [result], account.inventory(aws), expectations.secret_values(aws), proxy.traffic)


def interrupted(runner: PlaybookRunner, emulator) -> Converge:
    with AwsProxy(emulator).running() as proxy:
        env = runner.environment(**proxy.environment())
        aws = Aws(emulator)
        runs, secrets_when_killed, started, kills = [], [], [], {}

        def kill(operation: str) -> None:
            kills[operation] = len(started) - 1
            kill_process_tree(started[-1].pid)

        for operation in KILL_AFTER:
            proxy.after(operation, lambda operation=operation: kill(operation))
        # The lanes run side by side, so which of these creates comes first varies: each run is killed
        # at the first one still armed, and the next run goes on from there until every one has fired.
        # A create another lane had already sent when the kill landed fires its point in the same run:
        # it reached AWS and its answer is lost all the same, so that run is killed at both.
        while len(kills) < len(KILL_AFTER) and len(runs) < len(KILL_AFTER):
            runs.append(runner.run(*CLOUD_LAYER, env=env, started=started.append))
            secrets_when_killed.append(expectations.secret_values(aws))
        runs.append(runner.run(*CLOUD_LAYER, env=env))
        return Converge(
            aws,
            runs,
            account.inventory(aws),
            expectations.secret_values(aws),
            proxy.traffic,
            secrets_when_killed,
            kills=kills,
        )


def eventually_consistent(runner: PlaybookRunner, emulator) -> Converge:
    with AwsProxy(emulator, propagation=PROPAGATION).running() as proxy:
        result = runner.run(*CLOUD_LAYER, env=runner.environment(**proxy.environment()))
        aws = Aws(emulator)
        return Converge(aws, [result], account.inventory(aws), expectations.secret_values(aws), proxy.traffic)


SCENARIOS = {
    "reference": undisturbed,
    "faulted": faulted,
    "interrupted": interrupted,
    "eventually_consistent": eventually_consistent,
}


def side_by_side(repo: Path, tmp_path_factory, emulators: ExitStack) -> dict[str, Converge]:
    """Every scenario at once (they wait on Ansible and the emulators, not on each other), each on an
    emulator that runs until `emulators` closes."""
    with ThreadPoolExecutor(len(SCENARIOS)) as pool:
        futures = {}
        for name, scenario in SCENARIOS.items():
            tmp = tmp_path_factory.mktemp(name)
            emulator = emulators.enter_context(running_emulator(tmp / "emulator"))
            futures[name] = pool.submit(scenario, PlaybookRunner(repo, tmp), emulator)
        return {name: future.result() for name, future in futures.items()}
