"""A newcomer on Debian 13: a fresh clone's `make local`, unit tests and site test, in a Debian 13 machine.

The machine is a test host (tools/testhost.py: a debootstrap of trixie, systemd as PID 1, Docker-capable),
so the clone's `make local` runs the whole platform there as on a newcomer's machine: its own emulator,
its own Docker engine and its own test hosts inside. The clone is of this repository's HEAD (a git bundle:
nothing uncommitted, nothing ignored comes along), with Debian 13's Python, so the toolchain is the set
requirements.txt pins for Python 3.12 and newer (the current ansible-core and amazon.aws).

    python tools/newcomer.py run [--summary build/newcomer-debian13.json] [--keep]

Every step's output goes to the log (build/newcomer-debian13.log), each step timed; the summary records the
steps, the result and the versions the run had, for the README.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from processes import failed
from testhost_engine import TesthostError, docker, ensure_engine
from testhost_hosts import start, stop
from testhost_images import build_image

REPO = Path(__file__).resolve().parent.parent
HOST = "dataeng-newcomer-debian13"
# The certificate authorities this machine adds to Debian's (a TLS-inspecting egress proxy's, a company's): the
# newcomer's machine trusts them too, or its pip cannot reach PyPI through the same network.
LOCAL_AUTHORITIES = Path("/usr/local/share/ca-certificates")
CLONE = "/root/platform"
# What the README asks of a bare machine besides Python: make, git and venv (Debian splits venv out of python3).
PREREQUISITES = ("make", "git", "python3-venv")
# The newcomer's steps, in order: name, folder, command (bash, as root).
STEPS = (
    (
        "prerequisites",
        "/root",
        "apt-get update -qq && apt-get install -y -qq --no-install-recommends " + " ".join(PREREQUISITES),
    ),
    ("clone", "/root", f"git clone --quiet /root/platform.bundle {CLONE}"),
    ("make local", CLONE, "make local"),
    ("make unit", CLONE, "make unit"),
    ("site test", CLONE, ".venv/bin/pytest -p no:cacheprovider tests/integration/test_site.py"),
)
VERSIONS = {
    "debian": "cat /etc/debian_version",
    "python": "python3 --version",
    "ansible-core": ".venv/bin/ansible --version | head -n 1",
    "ansible": ".venv/bin/pip show ansible | sed -n 's/^Version: //p'",
    "amazon.aws": ".venv/bin/ansible-galaxy collection list amazon.aws 2>/dev/null | tail -n 1",
    "community.aws": ".venv/bin/ansible-galaxy collection list community.aws 2>/dev/null | tail -n 1",
    "community.docker": ".venv/bin/ansible-galaxy collection list community.docker 2>/dev/null | tail -n 1",
    "docker": "docker --version",
}


@dataclass
class Step:
    name: str
    seconds: float
    returncode: int


@dataclass
class Summary:
    host: str
    commit: str
    started: str
    seconds: float = 0.0
    passed: bool = False
    steps: list[Step] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    # What Ansible deprecated during the steps, each once: the run fails on any (the collection calls nothing
    # deprecated on the current Ansible either).
    deprecations: list[str] = field(default_factory=list)


def deprecations(log_text: str) -> list[str]:
    """Ansible's deprecation warnings in a log, each once, in order."""
    found = [line.strip() for line in log_text.splitlines() if "[DEPRECATION WARNING]" in line]
    return list(dict.fromkeys(found))


def in_host(command: str, log, cwd: str = "/root") -> int:
    """Run `command` in the newcomer's machine, its output appended to the log; its exit status."""
    log.write(f"\n$ {command}\n")
    log.flush()
    run = subprocess.run(
        ["docker", "exec", "--workdir", cwd, "--env", "LANG=C.UTF-8", HOST, "bash", "-lc", command],
        stdout=log,
        stderr=subprocess.STDOUT,
        check=False,
    )
    return run.returncode


def read_in_host(command: str, cwd: str = CLONE) -> str:
    shown = subprocess.run(
        ["docker", "exec", "--workdir", cwd, HOST, "bash", "-lc", command], capture_output=True, text=True, check=False
    )
    return shown.stdout.strip()


def bundle_head(dest: Path) -> str:
    subprocess.run(["git", "bundle", "create", "--quiet", str(dest), "HEAD"], cwd=REPO, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
    return head.stdout.strip()


def run(summary_file: Path, log_file: Path, keep: bool) -> Summary:
    ensure_engine()
    build_image()
    stop(HOST)
    start(HOST)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        bundle = Path(work) / "platform.bundle"
        commit = bundle_head(bundle)
        docker("cp", str(bundle), f"{HOST}:/root/platform.bundle")
    for authority in sorted(LOCAL_AUTHORITIES.glob("*.crt")):
        docker("cp", str(authority), f"{HOST}:{authority}")
    docker("exec", HOST, "update-ca-certificates")
    summary = Summary(host=HOST, commit=commit, started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    log_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        with log_file.open("w") as log:
            for name, folder, command in STEPS:
                step_started = time.monotonic()
                returncode = in_host(command, log, cwd=folder)
                step = Step(name, round(time.monotonic() - step_started, 1), returncode)
                summary.steps.append(step)
                print(
                    f"{name}: {'ok' if returncode == 0 else f'failed ({returncode})'} in {step.seconds} s", flush=True
                )
                if returncode != 0:
                    break
            else:
                summary.passed = True
        summary.deprecations = deprecations(log_file.read_text(errors="replace"))
        summary.passed = summary.passed and not summary.deprecations
        summary.versions = {name: read_in_host(command) for name, command in VERSIONS.items()}
    finally:
        summary.seconds = round(time.monotonic() - started, 1)
        summary_file.parent.mkdir(parents=True, exist_ok=True)
        summary_file.write_text(json.dumps(asdict(summary), indent=2) + "\n")
        if not keep:
            stop(HOST)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--summary", type=Path, default=REPO / "build" / "newcomer-debian13.json")
    parser.add_argument("--log", type=Path, default=REPO / "build" / "newcomer-debian13.log")
    parser.add_argument("--keep", action="store_true", help=f"leave {HOST} running afterwards (to look around)")
    args = parser.parse_args(argv)
    try:
        summary = run(args.summary, args.log, args.keep)
    except (TesthostError, subprocess.CalledProcessError) as exc:
        return failed("newcomer", exc)
    print(json.dumps(asdict(summary), indent=2))
    return 0 if summary.passed else 1


if __name__ == "__main__":
    sys.exit(main())
