"""The profile of one run from profiled_playbook.py's record: where its CPU time, wall time and AWS requests went,
by task and by module, and the split between the controller, the workers and the module runs."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path


def read_record(record: Path) -> tuple[list[dict], float]:
    """The task executions and the controller's CPU seconds."""
    executions, controller_cpu = [], 0.0
    for line in record.read_text().splitlines():
        entry = json.loads(line)
        if "controller_cpu_seconds" in entry:
            controller_cpu = entry["controller_cpu_seconds"]
        else:
            executions.append(entry)
    return executions, controller_cpu


def _add(total: dict, execution: dict) -> None:
    total["executions"] += 1
    total["actions"] += execution["actions"]
    for key in ("wall_seconds", "worker_cpu_seconds", "module_cpu_seconds"):
        total[key] += execution[key]
    total["requests"] += sum(execution["requests"].values())


def _totals() -> dict:
    return {
        "executions": 0,
        "actions": 0,
        "wall_seconds": 0.0,
        "worker_cpu_seconds": 0.0,
        "module_cpu_seconds": 0.0,
        "requests": 0,
    }


def _ranked(groups: dict[str, dict], name: str) -> list[dict]:
    rows = [
        {name: key, **{k: round(v, 2) if isinstance(v, float) else v for k, v in total.items()}}
        for key, total in groups.items()
    ]
    return sorted(rows, key=lambda row: -(row["worker_cpu_seconds"] + row["module_cpu_seconds"]))


def summarize(executions: list[dict], controller_cpu: float) -> dict:
    """Totals, and tasks and modules ranked by the CPU time they took (worker and module runs together).

    A task's module runs are its loop items when its action runs a module; tasks of actions that run none
    (set_fact, assert, include_role) cost their worker only."""
    by_task: dict[str, dict] = defaultdict(_totals)
    by_module: dict[str, dict] = defaultdict(_totals)
    overall = _totals()
    requests = Counter()
    for execution in executions:
        _add(by_task[execution["task"]], execution)
        _add(overall, execution)
        requests.update(execution["requests"])
        if execution["module_cpu_seconds"] > 0:
            _add(by_module[execution["action"]], execution)
    return {
        "controller_cpu_seconds": round(controller_cpu, 2),
        "totals": {k: round(v, 2) if isinstance(v, float) else v for k, v in overall.items()},
        "module_runs": sum(total["actions"] for total in by_module.values()),
        "modules": len(by_module),
        "tasks": _ranked(by_task, "task"),
        "by_module": _ranked(by_module, "module"),
        "requests_by_operation": dict(requests.most_common()),
    }


def markdown(profile: dict, top: int = 12) -> str:
    totals = profile["totals"]
    cpu = profile["controller_cpu_seconds"] + totals["worker_cpu_seconds"] + totals["module_cpu_seconds"]
    lines = [
        f"CPU {cpu:.1f} s: the controller {profile['controller_cpu_seconds']:.1f} s, "
        f"{totals['executions']} task executions (one task on one host) {totals['worker_cpu_seconds']:.1f} s in their "
        f"workers, {profile['module_runs']} module runs of {profile['modules']} modules "
        f"{totals['module_cpu_seconds']:.1f} s; {totals['requests']} AWS requests.",
        "",
        "| Task | Executions | Module runs | Wall s | Worker CPU s | Module CPU s | Requests |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in profile["tasks"][:top]:
        runs = row["actions"] if row["module_cpu_seconds"] else 0
        lines.append(
            f"| {row['task']} | {row['executions']} | {runs} | {row['wall_seconds']:.2f} "
            f"| {row['worker_cpu_seconds']:.2f} | {row['module_cpu_seconds']:.2f} | {row['requests']} |"
        )
    return "\n".join(lines) + "\n"
