"""Benchmark of the cloud layer against a fresh emulator: cold converge, no-op rerun, the plan of the unchanged
account (playbooks/plan.yml in check mode), no-op rerun of each role alone, and the cold converge and no-op rerun
with the data lake carrying more datasets; beside them, with --baseline, the cold converge and no-op rerun of another
commit (a worktree of it), alternated with this tree's on fresh emulators so both share the machine's state, and
reported as ratios; and a profile of one no-op rerun (tests/bench/profiled_playbook.py) that says which tasks and
modules the CPU time, the wall time and the AWS requests went to.

A dataset adds no resource: it is one action in each of the workflow's two triggers (the run of a job
with that dataset's arguments), so what grows with the datasets is the triggers' actions, the bytes of
the Glue requests that carry them, and Ansible's work on them (checks, templating, comparison).

The emulator records every AWS request it answers (moto's request recorder,
support/emulator.RequestRecording), so the request counts are exact, by service and operation, and
nothing stands between Ansible and the emulator to slow down what is timed. Managed resources are counted as
Terraform would count them (support/account.managed_resources). Each figure is the median of
--repeat runs, each on its own fresh emulator.

    make bench [BENCH_OPTIONS="--repeat 3 --datasets 1,10,50"] [BENCH_BASELINE=main]
    PYTHONPATH=tests:tools .venv/bin/python -m bench.bench [--repeat 3] [--datasets 1,10,50] \
        [--baseline REV] [--output build/bench]

Writes bench.json, bench.md and profile.json into --output and prints the Markdown tables; exits 1, naming each
missed target with its measured figure, when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ansible.release import __version__ as ansible_core_version
from bench import task_profile

import emulator as launcher
from support import account
from support.aws import Aws
from support.converges import CLOUD_LAYER
from support.emulator import RequestRecording, running_emulator
from support.playbook import CLOUD_ROLES, PlaybookRunner

REPO = Path(__file__).resolve().parents[2]
PROFILER = Path(__file__).resolve().parent / "profiled_playbook.py"
# The figures compared with --baseline's commit: each variant's cold converge and no-op rerun.
COMPARED = ("cold", "noop")

DATASET = {
    "schema": [
        {"name": "event_id", "type": "string", "nullable": False},
        {"name": "event_time", "type": "timestamp", "nullable": False},
    ],
    "key_columns": ["event_id"],
    "order_column": "event_time",
    "partition_columns": [],
}


@dataclass
class Measurement:
    wall_seconds: float
    cpu_seconds: float
    tasks: int
    changed: int
    requests: dict[str, int] = field(default_factory=dict)
    # Bytes of the request bodies, by service.
    request_bytes: dict[str, int] = field(default_factory=dict)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


def measure(
    runner: PlaybookRunner, env: dict[str, str], recording: RequestRecording, *args: str, playbook=CLOUD_LAYER
) -> Measurement:
    recording.restart()
    before_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = runner.run(*playbook, *args, env=env)
    after_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"ansible-playbook {' '.join(args)} in {runner.repo} failed:\n{result.output[-4000:]}")
    recorded = recording.requests()
    requests = Counter((request.service, request.operation) for request in recorded)
    request_bytes = Counter()
    for request in recorded:
        request_bytes[request.service] += len(request.body)
    totals = result.totals()
    return Measurement(
        wall_seconds=round(result.seconds, 2),
        cpu_seconds=round((after_cpu.ru_utime - before_cpu.ru_utime) + (after_cpu.ru_stime - before_cpu.ru_stime), 2),
        tasks=totals["ok"] + totals["skipped"] + totals["failed"],
        changed=totals["changed"],
        requests={f"{service} {operation}": n for (service, operation), n in sorted(requests.items()) if n},
        request_bytes=dict(sorted(request_bytes.items())),
    )


def profile_noop(
    runner: PlaybookRunner, env: dict[str, str], recording: RequestRecording, requests: Path, *args: str
) -> dict:
    """One no-op rerun through the profiler, one task at a time (--forks 1) so each request is its task's."""
    record = runner.workdir / "profile.jsonl"
    recording.restart()
    result = subprocess.run(
        [sys.executable, str(PROFILER), str(record), str(requests), *CLOUD_LAYER, *args, "--forks", "1"],
        cwd=runner.repo,
        env={**env, "PYTHONPATH": os.pathsep.join(str(REPO / path) for path in ("tests", "tools"))},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"the profiled no-op rerun failed:\n{(result.stdout + result.stderr)[-4000:]}")
    return task_profile.summarize(*task_profile.read_record(record))


def datasets(count: int) -> list[dict]:
    return [{"name": f"events{index:02d}" if count > 1 else "events", **DATASET} for index in range(count)]


def dataset_vars(count: int) -> tuple[str, str]:
    """The extra vars that give the data lake `count` datasets."""
    return ("-e", json.dumps({"glue_datasets": datasets(count)}))


@contextlib.contextmanager
def fresh_account(
    repo: Path, workdir: Path
) -> Iterator[tuple[PlaybookRunner, dict[str, str], RequestRecording, launcher.EmulatorState]]:
    """The playbooks of the tree at `repo` against an emulator of their own, recording its requests."""
    runner = PlaybookRunner(repo, workdir)
    runner.workdir.mkdir()
    with running_emulator(runner.workdir / "emulator") as emulator:
        yield runner, runner.environment(**emulator.environment()), RequestRecording(emulator), emulator


def one_run(datasets_count: int, in_detail: bool, scratch: Path, profiled: bool = False) -> dict:
    """Cold converge and no-op rerun on a fresh emulator; in detail, also each role's no-op rerun, then the
    same cold converge and no-op rerun forced sequential (--forks 1) on another fresh emulator; profiled, also
    the profile of one more no-op rerun."""
    extra = dataset_vars(datasets_count)
    run = {}
    for suffix, forks in [("", ())] + ([(" (forks 1)", ("--forks", "1"))] if in_detail else []):
        with fresh_account(REPO, scratch / f"run{suffix.strip()}") as (runner, env, recording, emulator):
            run[f"cold{suffix}"] = measure(runner, env, recording, *extra, *forks)
            run[f"noop{suffix}"] = measure(runner, env, recording, *extra, *forks)
            if not forks:
                run["plan"] = measure(runner, env, recording, *extra, playbook=plan_of(runner))
            if in_detail and not forks:
                for role in CLOUD_ROLES:
                    run[f"noop {role}"] = measure(runner, env, recording, *extra, "--tags", role)
            if profiled and not forks:
                requests = runner.workdir / "emulator" / launcher.RECORDING_FILE
                run["profile"] = profile_noop(runner, env, recording, requests, *extra)
            run.setdefault("resources", account.managed_resources(account.inventory(Aws(emulator))))
            run.setdefault("trigger_actions", trigger_actions(Aws(emulator)))
    return run


def plan_of(runner: PlaybookRunner) -> tuple[str, ...]:
    """The plan as `make plan` runs it (tools/plan.py adds its exit code), its JSON in the run's directory."""
    return (
        "playbooks/plan.yml",
        "-i",
        "inventories/local",
        "--check",
        "-e",
        f"plan_file={runner.workdir / 'plan.json'}",
    )


def compared_run(repo: Path, datasets_count: int, workdir: Path) -> dict[str, Measurement]:
    """The cold converge and no-op rerun of the tree at `repo` on a fresh emulator."""
    with fresh_account(repo, workdir) as (runner, env, recording, _emulator):
        return {key: measure(runner, env, recording, *dataset_vars(datasets_count)) for key in COMPARED}


def baseline_worktree(revision: str, path: Path) -> str:
    """A detached worktree of `revision` at `path`; its commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run(["git", "worktree", "add", "--detach", str(path), commit], cwd=REPO, capture_output=True, check=True)
    return commit


def compare(revision: str, repeat: int, datasets_count: int, scratch: Path) -> dict:
    """This tree's cold converge and no-op rerun against `revision`'s, medians of `repeat` pairs; the order within
    a pair alternates, so neither variant always runs on a machine the other has just warmed or loaded."""
    worktree = scratch / "baseline"
    commit = baseline_worktree(revision, worktree)
    samples: dict[str, list[dict]] = {"baseline": [], "this": []}
    try:
        for index in range(repeat):
            pair = [("baseline", worktree), ("this", REPO)]
            for variant, repo in pair if index % 2 == 0 else reversed(pair):
                samples[variant].append(compared_run(repo, datasets_count, scratch / f"compare-{variant}-{index}"))
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=REPO, check=False)
    return {
        "revision": revision,
        "commit": commit,
        "figures": {variant: {key: median(runs, key) for key in COMPARED} for variant, runs in samples.items()},
        "samples": {
            variant: [{key: asdict(run[key]) for key in COMPARED} for run in runs] for variant, runs in samples.items()
        },
    }


def trigger_actions(aws: Aws) -> dict[str, int]:
    """How many actions (job runs, one per dataset) each of the account's Glue triggers starts."""
    return {trigger["Name"]: len(trigger["Actions"]) for trigger in aws.glue.get_triggers()["Triggers"]}


def median(runs: list[dict], key: str) -> dict:
    measurements = [run[key] for run in runs]
    requests = Counter()
    for measurement in measurements:
        requests.update(measurement.requests)
    return {
        "wall_seconds": statistics.median(m.wall_seconds for m in measurements),
        "cpu_seconds": statistics.median(m.cpu_seconds for m in measurements),
        "tasks": statistics.median(m.tasks for m in measurements),
        "changed": max(m.changed for m in measurements),
        "requests": statistics.median(m.total_requests for m in measurements),
        "glue_request_bytes": statistics.median(m.request_bytes.get("glue", 0) for m in measurements),
        "requests_by_operation": {op: n / len(measurements) for op, n in sorted(requests.items())},
    }


# The CPU time a no-op rerun may take per managed resource (machine-bound, but less than wall time, which the
# lanes' sharing of the cores and the emulator's answers also bound).
CPU_PER_RESOURCE = 0.6


def targets(result: dict) -> list[tuple[str, str, bool]]:
    """The figures the platform promises for its no-op rerun, lanes and scaling: (target, measured, met)."""
    (base_count, base), *scaled = result["runs"].items()
    figures = base["figures"]
    resources = sum(base["resources"].values())
    noop = figures["noop"]
    found = [
        ("No-op rerun changes nothing", f"changed={noop['changed']}", noop["changed"] == 0),
        (
            "No-op rerun: at most 3 AWS requests per managed resource",
            f"{noop['requests'] / resources:.2f}",
            noop["requests"] <= 3 * resources,
        ),
        (
            f"No-op rerun: at most {CPU_PER_RESOURCE} s of CPU per managed resource",
            f"{noop['cpu_seconds'] / resources:.2f} s",
            noop["cpu_seconds"] <= CPU_PER_RESOURCE * resources,
        ),
    ]
    plan = figures["plan"]
    found += [
        ("The plan of the unchanged account changes nothing", f"changed={plan['changed']}", plan["changed"] == 0),
        (
            "The plan of the unchanged account no slower than the no-op rerun",
            f"{plan['wall_seconds'] / noop['wall_seconds']:.2f}x",
            # A tenth for the noise of one run on a busy machine.
            plan["wall_seconds"] <= 1.1 * noop["wall_seconds"],
        ),
    ]
    if "comparison" in result:
        found += comparison_targets(result["comparison"])
    if "cold (forks 1)" in figures:
        speedup = figures["cold (forks 1)"]["wall_seconds"] / figures["cold"]["wall_seconds"]
        found.append(("Cold converge in lanes at least 1.5x faster than --forks 1", f"{speedup:.2f}x", speedup >= 1.5))
    # What the scaling rows scale: without it they would compare two equal accounts.
    for count, run in result["runs"].items():
        found.append(
            (
                f"Each trigger starts one job run per dataset ({count})",
                ", ".join(f"{n} ({name})" for name, n in run["trigger_actions"].items()),
                set(run["trigger_actions"].values()) == {int(count)},
            )
        )
    if scaled:
        largest_count, largest = scaled[-1]
        growth = largest["figures"]["noop"]["wall_seconds"] / noop["wall_seconds"] - 1
        found.append(
            (
                f"No-op rerun with {largest_count} datasets at most 50% slower than with {base_count}",
                f"{growth:+.0%}",
                growth <= 0.5,
            )
        )
    return found


def comparison_targets(comparison: dict) -> list[tuple[str, str, bool]]:
    """This tree against the baseline commit: no slower, no more CPU, no more requests (a tenth for the noise of
    medians of few runs on a shared machine)."""
    baseline, this = comparison["figures"]["baseline"], comparison["figures"]["this"]
    name = comparison["revision"]
    found = []
    for key, run in (("cold", "Cold converge"), ("noop", "No-op rerun")):
        for figure, what in (("wall_seconds", "wall time"), ("cpu_seconds", "CPU time")):
            ratio = this[key][figure] / baseline[key][figure]
            found.append((f"{run}: {what} at most 1.1x {name}'s", f"{ratio:.2f}x", ratio <= 1.1))
    found.append(
        (
            f"No-op rerun: no more AWS requests than {name}'s",
            f"{this['noop']['requests']:.0f} against {baseline['noop']['requests']:.0f}",
            this["noop"]["requests"] <= baseline["noop"]["requests"],
        )
    )
    return found


def missed(found: list[tuple[str, str, bool]]) -> list[str]:
    """Each target `targets` found missed, with what was measured."""
    return [f"{target}: measured {measured}" for target, measured, met in found if not met]


def markdown(result: dict) -> str:
    base_count, base = next(iter(result["runs"].items()))
    resources = sum(base["resources"].values())
    runs = "one run" if result["repeat"] == 1 else f"medians of {result['repeat']} runs"
    lines = [
        f"Machine: {result['machine']}; {runs}, each on a fresh emulator; "
        f"{resources} managed resources (Terraform's count) with {base_count} dataset(s).",
        "",
        "| Run | Wall s | CPU s | Tasks | Changed | AWS requests | Wall s / resource | Requests / resource |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, figures in base["figures"].items():
        lines.append(
            f"| {key} | {figures['wall_seconds']:.1f} | {figures['cpu_seconds']:.1f} | {figures['tasks']:.0f} "
            f"| {figures['changed']} | {figures['requests']:.0f} | {figures['wall_seconds'] / resources:.2f} "
            f"| {figures['requests'] / resources:.2f} |"
        )
    lines += ["", "| Target | Measured | Met |", "|---|---|---|"]
    lines += [f"| {target} | {measured} | {'yes' if met else 'no'} |" for target, measured, met in targets(result)]
    lines += [
        "",
        "| Datasets | Trigger actions | Resources | Cold wall s | Cold Glue request bytes | No-op wall s | No-op CPU s "
        f"| No-op requests | No-op vs {base_count} |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for count, scaled in result["runs"].items():
        cold, noop = scaled["figures"]["cold"], scaled["figures"]["noop"]
        ratio = noop["wall_seconds"] / base["figures"]["noop"]["wall_seconds"]
        lines.append(
            f"| {count} | {sum(scaled['trigger_actions'].values())} | {sum(scaled['resources'].values())} "
            f"| {cold['wall_seconds']:.1f} | {cold['glue_request_bytes']:.0f} | {noop['wall_seconds']:.1f} "
            f"| {noop['cpu_seconds']:.1f} | {noop['requests']:.0f} | {ratio:.2f}x |"
        )
    if "comparison" in result:
        lines += ["", *comparison_table(result["comparison"])]
    if "profile" in result:
        lines += ["", "Profile of one no-op rerun (`--forks 1`, so each request is its task's):", ""]
        lines.append(task_profile.markdown(result["profile"]).rstrip("\n"))
    return "\n".join(lines) + "\n"


def comparison_table(comparison: dict) -> list[str]:
    baseline, this = comparison["figures"]["baseline"], comparison["figures"]["this"]
    lines = [
        f"Against {comparison['revision']} ({comparison['commit'][:10]}), side by side, medians of "
        f"{len(comparison['samples']['this'])} pairs:",
        "",
        "| Run | Wall s before | Wall s after | Wall ratio | CPU s before | CPU s after | CPU ratio | Requests before "
        "| Requests after | Tasks before | Tasks after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in COMPARED:
        old, new = baseline[key], this[key]
        lines.append(
            f"| {key} | {old['wall_seconds']:.1f} | {new['wall_seconds']:.1f} "
            f"| {new['wall_seconds'] / old['wall_seconds']:.2f}x | {old['cpu_seconds']:.1f} | {new['cpu_seconds']:.1f} "
            f"| {new['cpu_seconds'] / old['cpu_seconds']:.2f}x | {old['requests']:.0f} | {new['requests']:.0f} "
            f"| {old['tasks']:.0f} | {new['tasks']:.0f} |"
        )
    return lines


def machine() -> str:
    """What the figures were taken on: CPU model and count, memory, kernel, Python and ansible-core."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "")
    meminfo = Path("/proc/meminfo").read_text().split()
    memory_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 2**20
    return (
        f"{os.cpu_count()} CPUs ({model or platform.machine()}), {memory_gib:.0f} GiB, Linux {platform.release()}, "
        f"Python {platform.python_version()}, ansible-core {ansible_core_version}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--datasets", default="1,10,50", help="comma-separated dataset counts; the first is the base")
    parser.add_argument("--output", type=Path, default=REPO / "build" / "bench")
    parser.add_argument("--baseline", help="a commit to compare with, side by side (e.g. main)")
    options = parser.parse_args(argv)
    counts = [int(count) for count in options.datasets.split(",")]
    result = {
        "machine": machine(),
        "repeat": options.repeat,
        "date": time.strftime("%Y-%m-%d"),
        "runs": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        for count in counts:
            runs = []
            for index in range(options.repeat):
                directory = Path(scratch) / f"{count}-{index}"
                directory.mkdir()
                base = count == counts[0]
                runs.append(one_run(count, in_detail=base, scratch=directory, profiled=base and index == 0))
            if "profile" in runs[0]:
                result["profile"] = runs[0].pop("profile")
            keys = [key for key in runs[0] if key not in ("resources", "trigger_actions")]
            result["runs"][str(count)] = {
                "resources": runs[0]["resources"],
                "trigger_actions": runs[0]["trigger_actions"],
                "figures": {key: median(runs, key) for key in keys},
                "samples": [{key: asdict(run[key]) for key in keys} for run in runs],
            }
        if options.baseline:
            result["comparison"] = compare(options.baseline, options.repeat, counts[0], Path(scratch))
    return report(result, options.output)


def report(result: dict, output: Path) -> int:
    """Write bench.json and bench.md into `output`, print the table; 1 when a target is missed, naming it."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    if "profile" in result:
        (output / "profile.json").write_text(json.dumps(result["profile"], indent=2) + "\n")
    table = markdown(result)
    (output / "bench.md").write_text(table)
    print(table)
    failures = missed(targets(result))
    for failure in failures:
        print(f"bench: missed target: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
