"""Benchmark of the cloud layer against a fresh emulator: cold converge, no-op rerun, the plan of the unchanged
account (playbooks/plan.yml in check mode), no-op rerun of each role alone, and the cold converge and no-op rerun
with the data lake carrying more datasets.

A dataset adds no resource: it is one action in each of the workflow's two triggers (the run of a job
with that dataset's arguments), so what grows with the datasets is the triggers' actions, the bytes of
the Glue requests that carry them, and Ansible's work on them (checks, templating, comparison).

The emulator records every AWS request it answers (moto's request recorder,
support/emulator.RequestRecording), so the request counts are exact, by service and operation, and
nothing stands between Ansible and the emulator to slow down what is timed. Managed resources are counted as
Terraform would count them (support/account.managed_resources). Each figure is the median of
--repeat runs, each on its own fresh emulator.

    make bench [BENCH_OPTIONS="--repeat 3 --datasets 1,10,50"]
    PYTHONPATH=tests:tools .venv/bin/python tests/bench/bench.py [--repeat 3] [--datasets 1,10,50] \
        [--output build/bench]

Writes bench.json and bench.md into --output and prints the Markdown table; exits 1, naming each
missed target with its measured figure, when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ansible.release import __version__ as ansible_core_version

from support import account
from support.aws import Aws
from support.converges import CLOUD_LAYER
from support.emulator import RequestRecording, running_emulator
from support.playbook import CLOUD_ROLES, PlaybookRunner

REPO = Path(__file__).resolve().parents[2]

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
        raise SystemExit(f"ansible-playbook {' '.join(args)} failed:\n{result.output[-4000:]}")
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


def datasets(count: int) -> list[dict]:
    return [{"name": f"events{index:02d}" if count > 1 else "events", **DATASET} for index in range(count)]


def one_run(datasets_count: int, in_detail: bool, scratch: Path) -> dict:
    """Cold converge and no-op rerun on a fresh emulator; in detail, also each role's no-op rerun, then the
    same cold converge and no-op rerun forced sequential (--forks 1) on another fresh emulator."""
    extra = ("-e", json.dumps({"glue_datasets": datasets(datasets_count)}))
    run = {}
    for suffix, forks in [("", ())] + ([(" (forks 1)", ("--forks", "1"))] if in_detail else []):
        runner = PlaybookRunner(REPO, scratch / f"run{suffix.strip()}")
        runner.workdir.mkdir()
        with running_emulator(runner.workdir / "emulator") as emulator:
            env = runner.environment(**emulator.environment())
            recording = RequestRecording(emulator)
            run[f"cold{suffix}"] = measure(runner, env, recording, *extra, *forks)
            run[f"noop{suffix}"] = measure(runner, env, recording, *extra, *forks)
            if not forks:
                run["plan"] = measure(runner, env, recording, *extra, playbook=plan_of(runner))
            if in_detail and not forks:
                for role in CLOUD_ROLES:
                    run[f"noop {role}"] = measure(runner, env, recording, *extra, "--tags", role)
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
            "No-op rerun: at most 0.25 s per managed resource",
            f"{noop['wall_seconds'] / resources:.2f} s",
            noop["wall_seconds"] <= 0.25 * resources,
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
    return "\n".join(lines) + "\n"


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
                runs.append(one_run(count, in_detail=count == counts[0], scratch=directory))
            keys = [key for key in runs[0] if key not in ("resources", "trigger_actions")]
            result["runs"][str(count)] = {
                "resources": runs[0]["resources"],
                "trigger_actions": runs[0]["trigger_actions"],
                "figures": {key: median(runs, key) for key in keys},
                "samples": [{key: asdict(run[key]) for key in keys} for run in runs],
            }
    return report(result, options.output)


def report(result: dict, output: Path) -> int:
    """Write bench.json and bench.md into `output`, print the table; 1 when a target is missed, naming it."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown(result)
    (output / "bench.md").write_text(table)
    print(table)
    failures = missed(targets(result))
    for failure in failures:
        print(f"bench: missed target: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
