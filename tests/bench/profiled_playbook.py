"""ansible-playbook with a record of what each task execution cost: the bench's profiler.

    profiled_playbook.py RECORD REQUESTS ANSIBLE-PLAYBOOK-ARGS...

Runs ansible-playbook in this process after wrapping the task executor that runs one task on one host in a worker
process. Before the worker hands its result to the controller (which may end the run, and the worker with it, as
soon as it has the last one) it appends a JSON line to RECORD: the host, the task, its action, its wall time, the
worker's own CPU time (forking, templating, building the module's payload, the action plugin), its children's CPU
time (the module runs and the shell commands around them), how many times it ran the action (its loop items), and
the AWS requests the emulator recorded into REQUESTS (its recording file, one JSON line per request) while it ran.
The requests are exact only when one task runs at a time (`--forks 1`): AWS's User-Agent cannot name the task,
since amazon.aws replaces botocore's whole User-Agent and with it the application id. A last line gives the
controller's own CPU time. Only `make bench` runs it; its timed runs use the plain ansible-playbook.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

from ansible.cli.playbook import main as ansible_playbook
from ansible.executor.task_executor import TaskExecutor

from support.emulator import parse_recording


def cpu_seconds(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def append(record: Path, entry: dict) -> None:
    # One write of one line to an O_APPEND file: lines of workers that end together do not interleave.
    descriptor = os.open(record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (json.dumps(entry) + "\n").encode())
    finally:
        os.close(descriptor)


def recorded_since(requests: Path, offset: int) -> Counter:
    """'service Operation': count of the requests the emulator recorded after byte `offset` of its recording."""
    if not requests.exists():
        return Counter()
    with requests.open("rb") as recording:
        recording.seek(offset)
        lines = recording.read().decode()
    return Counter(f"{request.service} {request.operation}" for request in parse_recording(lines))


def counting_actions():
    """TaskExecutor._execute wrapped to count its calls: one per loop item, or one for a task without a loop."""
    execute = TaskExecutor._execute
    calls = Counter()

    def _execute(self, *args, **kwargs):
        calls["actions"] += 1
        return execute(self, *args, **kwargs)

    return _execute, calls


def recording_executor(record: Path, requests: Path, calls: Counter):
    """TaskExecutor.run wrapped to append its record: in the worker, after the task, before the result is sent."""
    run_task = TaskExecutor.run

    def run(self: TaskExecutor) -> dict:
        started = time.time()
        offset = requests.stat().st_size if requests.exists() else 0
        try:
            return run_task(self)
        finally:
            # Measured before reading the recording, which is the profiler's own work.
            wall_seconds = time.time() - started
            # A forked process starts its own counts at zero: this is the worker's whole life so far.
            worker_cpu = cpu_seconds(resource.getrusage(resource.RUSAGE_SELF))
            children_cpu = cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN))
            append(
                record,
                {
                    "host": self._host.name,
                    "task": self._task.get_name(),
                    "action": self._task.resolved_action or self._task.action,
                    "actions": calls["actions"],
                    "wall_seconds": round(wall_seconds, 4),
                    "worker_cpu_seconds": round(worker_cpu, 4),
                    "module_cpu_seconds": round(children_cpu, 4),
                    "requests": dict(recorded_since(requests, offset)),
                },
            )

    return run


def main(argv: list[str]) -> int:
    record, requests, *playbook_args = argv
    TaskExecutor._execute, calls = counting_actions()
    TaskExecutor.run = recording_executor(Path(record), Path(requests), calls)
    sys.argv = ["ansible-playbook", *playbook_args]
    try:
        return ansible_playbook()
    finally:
        append(Path(record), {"controller_cpu_seconds": cpu_seconds(resource.getrusage(resource.RUSAGE_SELF))})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
