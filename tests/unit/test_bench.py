"""`make bench`'s verdict (tests/bench/bench.py): measured figures against the targets, and the exit code."""

from __future__ import annotations

import copy
import json

import pytest
from bench import bench

TRIGGERS = ("dataeng-local-start-processing", "dataeng-local-quality-after-processing")


def figures(wall_seconds: float, changed: int = 0, requests: int = 219) -> dict:
    return {
        "wall_seconds": wall_seconds,
        "cpu_seconds": wall_seconds,
        "tasks": 264,
        "changed": changed,
        "requests": requests,
        "glue_request_bytes": 10_000,
        "requests_by_operation": {},
    }


def run(datasets: int, noop_seconds: float) -> dict:
    return {
        # 129 managed resources: 0.6 s of CPU each allows 77.4 s for a no-op rerun, 3 requests each 387 requests.
        "resources": {"s3_object": 100, "iam_role": 29},
        "trigger_actions": dict.fromkeys(TRIGGERS, datasets),
        "figures": {
            "cold": figures(34.0, changed=25, requests=362),
            "noop": figures(noop_seconds),
            "plan": figures(noop_seconds * 1.05),
        },
    }


MET = {
    "machine": "test",
    "repeat": 1,
    "date": "2026-12-06",
    "runs": {"1": run(1, 31.0), "50": run(50, 33.4)},
}
MET["runs"]["1"]["figures"] |= {"cold (forks 1)": figures(54.0, changed=25), "noop (forks 1)": figures(49.1)}


def with_change(path: str, value) -> dict:
    """MET with the figure at a dotted path (through dicts) set to `value`."""
    result = copy.deepcopy(MET)
    *parents, last = path.split(".")
    target = result
    for key in parents:
        target = target[key]
    target[last] = value
    return result


def test_figures_that_meet_every_target_exit_0_and_are_written(tmp_path, capsys):
    assert bench.missed(bench.targets(MET)) == []
    assert bench.report(MET, tmp_path) == 0
    assert json.loads((tmp_path / "bench.json").read_text()) == MET
    assert "| 50 | 100 | 129 |" in (tmp_path / "bench.md").read_text()
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("path", "value", "missed"),
    [
        ("runs.1.figures.noop.changed", 1, "No-op rerun changes nothing: measured changed=1"),
        (
            "runs.1.figures.noop.requests",
            400,
            "No-op rerun: at most 3 AWS requests per managed resource: measured 3.10",
        ),
        (
            "runs.1.figures.noop.cpu_seconds",
            78.0,
            "No-op rerun: at most 0.6 s of CPU per managed resource: measured 0.60 s",
        ),
        ("runs.1.figures.plan.changed", 2, "The plan of the unchanged account changes nothing: measured changed=2"),
        (
            "runs.1.figures.plan.wall_seconds",
            34.2,
            "The plan of the unchanged account no slower than the no-op rerun: measured 1.10x",
        ),
        (
            "runs.1.figures.cold (forks 1).wall_seconds",
            50.0,
            "Cold converge in lanes at least 1.5x faster than --forks 1: measured 1.47x",
        ),
        (
            "runs.50.trigger_actions",
            dict.fromkeys(TRIGGERS, 1),
            "Each trigger starts one job run per dataset (50): measured "
            "1 (dataeng-local-start-processing), 1 (dataeng-local-quality-after-processing)",
        ),
        ("runs.50.trigger_actions", {}, "Each trigger starts one job run per dataset (50): measured "),
        (
            "runs.50.figures.noop.wall_seconds",
            46.6,
            "No-op rerun with 50 datasets at most 50% slower than with 1: measured +50%",
        ),
    ],
)
def test_a_missed_target_exits_1_naming_it_with_its_measure_and_still_writes_the_figures(
    tmp_path, capsys, path, value, missed
):
    result = with_change(path, value)
    assert bench.missed(bench.targets(result)) == [missed]
    assert bench.report(result, tmp_path) == 1
    assert capsys.readouterr().err == f"bench: missed target: {missed}\n"
    assert json.loads((tmp_path / "bench.json").read_text()) == result
    assert "| Target | Measured | Met |" in (tmp_path / "bench.md").read_text()


def comparison(baseline_noop: float, this_noop: float, this_requests: int = 219) -> dict:
    return {
        "revision": "main",
        "commit": "3cdc0f1" + "0" * 33,
        "figures": {
            "baseline": {"cold": figures(60.0, changed=25, requests=362), "noop": figures(baseline_noop)},
            "this": {
                "cold": figures(45.0, changed=25, requests=362),
                "noop": figures(this_noop, requests=this_requests),
            },
        },
        "samples": {"baseline": [{}, {}, {}], "this": [{}, {}, {}]},
    }


def test_a_faster_tree_meets_the_comparison_and_its_ratios_are_shown(tmp_path):
    result = copy.deepcopy(MET) | {"comparison": comparison(baseline_noop=62.0, this_noop=31.0)}
    assert bench.missed(bench.targets(result)) == []
    assert bench.report(result, tmp_path) == 0
    table = (tmp_path / "bench.md").read_text()
    assert "Against main (3cdc0f1000), side by side, medians of 3 pairs:" in table
    assert "| noop | 62.0 | 31.0 | 0.50x | 62.0 | 31.0 | 0.50x | 219 | 219 | 264 | 264 |" in table


@pytest.mark.parametrize(
    ("this_noop", "this_requests", "missed"),
    [
        (
            70.0,
            219,
            [
                "No-op rerun: wall time at most 1.1x main's: measured 1.13x",
                "No-op rerun: CPU time at most 1.1x main's: measured 1.13x",
            ],
        ),
        (31.0, 220, ["No-op rerun: no more AWS requests than main's: measured 220 against 219"]),
    ],
)
def test_a_slower_or_chattier_tree_misses_the_comparison(this_noop, this_requests, missed):
    result = copy.deepcopy(MET) | {"comparison": comparison(62.0, this_noop, this_requests)}
    assert bench.missed(bench.targets(result)) == missed
