"""site.yml run the way AWX runs a job template: ansible-runner on a private data dir.

AWX writes the job's extra variables, the environment its credentials inject and the
template's skipped tags (env/extravars, env/envvars, env/cmdline) into a private data
directory, runs the project's playbook through ansible-runner, and reads everything back
from the job events: the result, the recap, and the `set_stats` data it shows as the job's
artifacts. The host roles' tags are skipped (the emulated instances run nothing; the host
layer runs on local stand-ins in test_site.py), as a "cloud layer" job template would.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import ansible_runner
import pytest

from support import expectations
from support.aws import Aws
from support.emulator import running_emulator
from support.playbook import AWS_ENV, CONTROLLER_HOSTS, PlaybookRunner

pytestmark = pytest.mark.slow
# A job that hangs is ended by ansible-runner (status "timeout") instead of hanging the tests.
JOB_TIMEOUT = 900
# The host layer's tags (playbooks/hosts.yml), skipped as a cloud-layer job template skips them.
HOST_LAYER_TAGS = "docker,monitoring,kubernetes"


@dataclass
class Job:
    name: str
    status: str
    rc: int
    events: list[dict]
    seconds: float

    def of(self, kind: str) -> list[dict]:
        return [event for event in self.events if event.get("event") == kind]

    @property
    def stats(self) -> dict:
        (stats,) = self.of("playbook_on_stats")
        return stats["event_data"]

    def stdout(self) -> str:
        return "\n".join(event.get("stdout", "") for event in self.events)

    def failure(self) -> str:
        """Why the job did not succeed, for an assertion message."""
        failed = self.of("runner_on_failed") + self.of("runner_on_unreachable")
        shown = [json.dumps(event["event_data"].get("res"), default=str)[:2000] for event in failed]
        return "\n".join([f"{self.name}: {self.status} rc={self.rc}", *shown, self.stdout()[-4000:]])


@dataclass
class AwxJobs:
    aws: Aws
    endpoint: str
    private_data_dir: Path
    outputs_file: Path
    converge: Job
    rerun: Job
    secrets: dict

    @property
    def jobs(self) -> list[Job]:
        return [self.converge, self.rerun]


def write_private_data_dir(path: Path, extravars: dict, envvars: dict, cmdline: str) -> None:
    """What AWX writes before it starts a job: the survey/extra variables, the environment its
    credentials inject, the template's command line options and runner settings."""
    env = path / "env"
    env.mkdir(parents=True)
    for name, data in (
        ("extravars", extravars),
        ("envvars", envvars),
        ("settings", {"job_timeout": JOB_TIMEOUT}),
    ):
        (env / name).write_text(json.dumps(data, indent=2))
        (env / name).chmod(0o600)
    (env / "cmdline").write_text(cmdline)


@pytest.fixture(scope="module")
def awx(repo, tmp_path_factory) -> AwxJobs:
    """A fresh emulator; site.yml without the host roles converged, then run again, each as one
    job on the same private data dir."""
    work = tmp_path_factory.mktemp("runner")
    private_data_dir = work / "private"
    outputs_file = private_data_dir / "platform-outputs.json"
    with running_emulator(work / "emulator") as emulator, pytest.MonkeyPatch.context() as patch:
        # ansible-runner starts ansible-playbook with this process's environment, as AWX does
        # with its execution environment's: the pinned toolchain first on PATH, the repository's
        # ansible.cfg (collections through .collections), and none of the developer's AWS settings.
        for key in AWS_ENV:
            patch.delenv(key, raising=False)
        for key, value in PlaybookRunner(repo, work).environment().items():
            if os.environ.get(key) != value:
                patch.setenv(key, value)
        # The emulator's endpoint, CA bundle and key pair, as a credential type injects them.
        extravars = {"outputs_file": str(outputs_file)}
        write_private_data_dir(private_data_dir, extravars, emulator.environment(), f"--skip-tags {HOST_LAYER_TAGS}")
        aws = Aws(emulator)

        def job(name: str, playbook: str) -> Job:
            started = time.monotonic()
            runner = ansible_runner.run(
                private_data_dir=str(private_data_dir),
                project_dir=str(repo),
                playbook=playbook,
                inventory=str(repo / "inventories/local"),
                ident=name,
                quiet=True,
            )
            return Job(name, runner.status, runner.rc, list(runner.events), time.monotonic() - started)

        converge = job("converge", "site.yml")
        secrets = expectations.secret_values(aws) if converge.rc == 0 else {}
        rerun = job("rerun", "site.yml")
        yield AwxJobs(aws, emulator.endpoint, private_data_dir, outputs_file, converge, rerun, secrets)


def test_every_job_succeeds_without_a_failed_or_unreachable_host(awx):
    for job in awx.jobs:
        assert (job.status, job.rc) == ("successful", 0), job.failure()
        assert job.of("runner_on_failed") == [], job.failure()
        assert job.of("runner_on_unreachable") == [], job.failure()
        assert job.stats["failures"] == {}
        assert job.stats["dark"] == {}


def test_with_the_host_roles_skipped_only_the_controller_runs_and_a_rerun_changes_nothing(awx):
    assert set(awx.converge.stats["processed"]) == CONTROLLER_HOSTS
    assert sum(awx.converge.stats["changed"].values()) > 0, awx.converge.stdout()[-4000:]
    assert set(awx.rerun.stats["processed"]) == CONTROLLER_HOSTS
    assert sum(awx.rerun.stats["changed"].values()) == 0, awx.rerun.stdout()[-4000:]
    expectations.network(awx.aws)


def test_the_job_publishes_the_outputs_as_artifacts(awx):
    artifacts = awx.converge.stats["artifact_data"]
    assert set(artifacts) == {"platform_outputs"}
    published = artifacts["platform_outputs"]
    assert published["environment"] == "local"
    assert published["vpc_id"] == expectations.platform_vpc(awx.aws, "dataeng-local")["VpcId"]
    assert published["account_id"] == awx.aws.sts.get_caller_identity()["Account"]
    # env/envvars pointed the job at this emulator, env/extravars put the outputs file here.
    assert published["aws_endpoint"] == awx.endpoint
    assert json.loads(awx.outputs_file.read_text()) == published
    assert awx.rerun.stats["artifact_data"] == artifacts


def test_no_secret_value_reaches_any_event_or_artifact(awx):
    values = expectations.generated_values(awx.secrets)
    assert len(values) == 7
    # The task that created them is recorded with its result: the secrets' names, never a value (the module
    # generates the passwords itself; the fields it is given are no_log).
    (created,) = [
        event
        for event in awx.converge.of("runner_on_ok")
        if event["event_data"]["task"] == "Create each secret with passwords generated on creation only"
    ]
    result = created["event_data"]["res"]
    assert len(result["secrets"]) == len(expectations.SECRETS)
    assert all(
        set(secret) <= {"name", "arn", "description", "kms_key_id", "tags", "resource_policy"}
        for secret in result["secrets"]
    )
    # Whole events, not only their stdout: AWX stores each task's result (event_data.res) too.
    recorded = {
        f"event {job.name} {event.get('counter')}": json.dumps(event) for job in awx.jobs for event in job.events
    }
    artifacts = awx.private_data_dir / "artifacts"
    assert artifacts.is_dir()
    files = [path for path in artifacts.rglob("*") if path.is_file()]
    assert files
    recorded |= {str(path): path.read_text(errors="replace") for path in [*files, awx.outputs_file]}
    leaks = [where for where, text in recorded.items() if any(value in text for value in values)]
    assert leaks == []
