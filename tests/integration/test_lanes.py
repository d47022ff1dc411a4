"""The cloud layer's lanes: a lane that fails stops every lane that builds on it and fails the run,
while the lanes beside it finish what they started.

A lane is made to fail the way AWS can make it fail: the proxy lets one create reach the emulator
and loses its answer, and with a single attempt per request (`aws_max_attempts=1`) the module
gives up. ECR is a first-wave lane (the whole second wave depends on the first); Glue is a
second-wave lane (only the controller's final check comes after it).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from support.aws_proxy import AwsProxy
from support.converges import CLOUD_LAYER
from support.emulator import running_emulator
from support.playbook import CLOUD_LANES, PlaybookResult, PlaybookRunner

pytestmark = pytest.mark.slow

SECOND_WAVE = {"cloud-glue", "cloud-ecs", "cloud-instances"}
# Creates of the second wave's roles: none may reach AWS once a lane they build on failed.
SECOND_WAVE_CREATES = {"CreateCrawler", "CreateJob", "CreateWorkflow", "RunInstances", "CreateService"}


@dataclass
class LostAnswer:
    result: PlaybookResult
    operations: set[str]


def lose_answer(operation: str, runner: PlaybookRunner) -> LostAnswer:
    """Converge the cloud layer, losing AWS's answer to the first `operation` (which AWS carried out)."""
    with running_emulator(runner.workdir / "emulator") as emulator, AwsProxy(emulator).running() as proxy:
        proxy.after(operation, lambda: None)
        result = runner.run(*CLOUD_LAYER, "-e", "aws_max_attempts=1", env=runner.environment(**proxy.environment()))
        return LostAnswer(result, {operation for _service, operation in proxy.traffic.forwarded})


@pytest.fixture(scope="module")
def failed(repo, tmp_path_factory) -> dict[str, LostAnswer]:
    """Both failures side by side, each on its own emulator."""
    lanes = {"ecr": "CreateRepository", "glue": "CreateJob"}
    with ThreadPoolExecutor(len(lanes)) as pool:
        futures = {
            lane: pool.submit(lose_answer, operation, PlaybookRunner(repo, tmp_path_factory.mktemp(lane)))
            for lane, operation in lanes.items()
        }
        return {lane: future.result() for lane, future in futures.items()}


def test_a_failed_first_wave_lane_stops_the_second_wave_and_fails_the_run(failed):
    run = failed["ecr"]
    recaps = run.result.recaps()
    assert run.result.returncode != 0
    assert recaps["cloud-ecr"]["failed"] == 1, run.result.output[-4000:]
    # The lanes beside it finished: the network, roles, buckets and key exist.
    for lane in CLOUD_LANES - SECOND_WAVE - {"cloud-ecr"}:
        assert recaps[lane]["failed"] == 0, lane
    assert {"CreateVpc", "CreateSecurityGroup", "CreateRole", "PUT bucket", "CreateKey"} <= run.operations
    # Every lane after it stopped at its first check, naming the lane it waited for.
    for lane in SECOND_WAVE:
        assert (recaps[lane]["failed"], recaps[lane]["changed"]) == (1, 0), lane
        assert f"fatal: [{lane}]" in run.result.output
    assert "Not converged: cloud-ecr; this lane builds on them" in run.result.output
    assert not SECOND_WAVE_CREATES & run.operations


def test_a_failed_second_wave_lane_fails_the_run_at_the_controller(failed):
    run = failed["glue"]
    recaps = run.result.recaps()
    assert run.result.returncode != 0
    assert recaps["cloud-glue"]["failed"] == 1, run.result.output[-4000:]
    for lane in CLOUD_LANES - {"cloud-glue"}:
        assert recaps[lane]["failed"] == 0, lane
    assert {"RunInstances", "CreateService"} <= run.operations
    # The controller's last check fails, so nothing after the cloud layer (hosts, outputs) runs.
    assert recaps["localhost"]["failed"] == 1
    assert "Not converged: cloud-glue (see their errors above)." in run.result.output
