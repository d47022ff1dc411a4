"""Plan the cloud layer of an inventory as `terraform plan` does, with its exit codes.

Runs playbooks/plan.yml in check mode with the dataeng.platform.plan callback, which prints every resource a converge
would add, change or destroy and saves the plan as JSON (docs/plan.md). Exits 1 when the plan could not be made
(a failed task, a plan cut short); with --detailed-exitcode, 2 when it has changes or names unmanaged resources
and 0 when it is empty, as `terraform plan -detailed-exitcode`; without it, 0 either way. `make plan` and
`make drift` call it. Options after the known ones go to ansible-playbook (-e, --tags, -v...).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CALLBACK = "dataeng.platform.plan"


def exit_code(returncode: int, plan: dict | None, detailed: bool) -> int:
    """0 no changes (or changes without --detailed-exitcode), 2 changes, 1 when the plan is missing or incomplete."""
    if returncode != 0 or plan is None or not plan["complete"] or plan["errors"]:
        return 1
    return 2 if detailed and (plan["resource_changes"] or plan["unmanaged"]) else 0


def environment() -> dict[str, str]:
    """This environment with the plan callback enabled besides any the user enabled."""
    enabled = [name for name in os.environ.get("ANSIBLE_CALLBACKS_ENABLED", "").split(",") if name]
    return dict(os.environ, ANSIBLE_CALLBACKS_ENABLED=",".join([*enabled, CALLBACK]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("-i", "--inventory", required=True, help="the inventory to plan, e.g. inventories/prod")
    parser.add_argument(
        "--plan-file", type=Path, help="where to save the JSON plan (default: plan-<inventory's name>.json)"
    )
    parser.add_argument("--detailed-exitcode", action="store_true", help="exit 2 when the plan is not empty")
    parser.add_argument("--playbook", default=str(REPO / "playbooks" / "plan.yml"), help=argparse.SUPPRESS)
    known, ansible_options = parser.parse_known_args(argv)
    plan_file = (known.plan_file or Path(f"plan-{Path(known.inventory).resolve().name}.json")).resolve()
    plan_file.unlink(missing_ok=True)
    playbook = Path(sys.executable).with_name("ansible-playbook")
    command = [playbook, "-i", known.inventory, known.playbook, "--check", "-e", f"plan_file={plan_file}"]
    returncode = subprocess.run([*command, *ansible_options], env=environment(), check=False).returncode
    plan = json.loads(plan_file.read_text()) if plan_file.exists() else None
    return exit_code(returncode, plan, known.detailed_exitcode)


if __name__ == "__main__":
    sys.exit(main())
