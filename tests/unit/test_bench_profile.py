"""The bench's profiler (tests/bench/profiled_playbook.py) and its summary (tests/bench/task_profile.py): each task
execution recorded with its worker's and its module runs' CPU time, loop items and requests, then ranked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import task_profile

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = """
- name: Two tasks, one of them a module run per loop item
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Run a module three times
      ansible.builtin.command: "true"
      loop: [1, 2, 3]
      changed_when: false
    - name: Set a fact
      ansible.builtin.set_fact:
        profiled: true
"""


def execution(task: str, action: str, actions: int, worker: float, module: float, requests: dict) -> dict:
    return {
        "host": "cloud-network",
        "task": task,
        "action": action,
        "actions": actions,
        "wall_seconds": worker + module,
        "worker_cpu_seconds": worker,
        "module_cpu_seconds": module,
        "requests": requests,
    }


def test_the_profiler_records_every_task_execution_with_its_module_runs_and_the_controller(tmp_path):
    (tmp_path / "playbook.yml").write_text(PLAYBOOK)
    record, recording = tmp_path / "record.jsonl", tmp_path / "requests.jsonl"
    subprocess.run(
        [sys.executable, str(REPO / "tests/bench/profiled_playbook.py"), str(record), str(recording)]
        + ["-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}", "playbook.yml"],
        cwd=tmp_path,
        env={
            "HOME": str(tmp_path),
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "PYTHONPATH": f"{REPO / 'tests'}:{REPO / 'tools'}",
        },
        check=True,
        capture_output=True,
    )
    executions, controller_cpu = task_profile.read_record(record)
    assert [(e["task"], e["action"], e["actions"], e["requests"]) for e in executions] == [
        ("Run a module three times", "ansible.builtin.command", 3, {}),
        ("Set a fact", "ansible.builtin.set_fact", 1, {}),
    ]
    command, set_fact = executions
    assert command["module_cpu_seconds"] > 0
    assert set_fact["module_cpu_seconds"] == 0
    assert controller_cpu > 0


def test_the_summary_splits_the_cpu_time_and_ranks_tasks_and_modules_by_it(tmp_path):
    record = tmp_path / "record.jsonl"
    record.write_text(
        "\n".join(
            json.dumps(line)
            for line in [
                execution("Create the roles", "dataeng.platform.iam_role", 5, 0.6, 2.8, {"iam GetRole": 5}),
                execution("Publish", "ansible.builtin.set_fact", 1, 0.1, 0.0, {}),
                execution("Find the roles", "dataeng.platform.iam_role_info", 1, 0.3, 0.6, {"iam GetRole": 2}),
                {"controller_cpu_seconds": 4.0},
            ]
        )
    )
    profile = task_profile.summarize(*task_profile.read_record(record))
    assert profile["totals"] | {"wall_seconds": None} == {
        "executions": 3,
        "actions": 7,
        "wall_seconds": None,
        "worker_cpu_seconds": 1.0,
        "module_cpu_seconds": 3.4,
        "requests": 7,
    }
    assert (profile["module_runs"], profile["modules"]) == (6, 2)
    assert [row["task"] for row in profile["tasks"]] == ["Create the roles", "Find the roles", "Publish"]
    assert [row["module"] for row in profile["by_module"]] == [
        "dataeng.platform.iam_role",
        "dataeng.platform.iam_role_info",
    ]
    assert profile["requests_by_operation"] == {"iam GetRole": 7}
    table = task_profile.markdown(profile)
    assert table.startswith(
        "CPU 8.4 s: the controller 4.0 s, 3 task executions (one task on one host) 1.0 s in their workers, "
        "6 module runs of 2 modules 3.4 s; 7 AWS requests."
    )
    assert "| Create the roles | 1 | 5 | 3.40 | 0.60 | 2.80 | 5 |" in table
    assert "| Publish | 1 | 0 | 0.10 | 0.10 | 0.00 | 0 |" in table
