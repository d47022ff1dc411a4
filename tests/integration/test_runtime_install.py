"""`make runtime`: what a deployer on real AWS installs. The collection's run-time requirements and nothing of the
test and local-mode toolchain; with them alone the playbooks parse and the AWS modules reach an AWS endpoint."""

from __future__ import annotations

import os
import subprocess

import pytest
from packaging.requirements import Requirement

pytestmark = pytest.mark.slow
# The toolchain of `make test` and `make local` (requirements-dev.txt) that a deployer must not get.
TOOLCHAIN = ("moto", "pyspark", "pyarrow", "molecule", "pytest", "ansible-lint", "awscli", "ruff", "kubernetes")


def installed(venv):
    frozen = subprocess.run([venv / "bin" / "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    return {Requirement(line).name.lower(): line for line in frozen.splitlines() if "==" in line}


@pytest.fixture(scope="module")
def runtime_venv(repo, tmp_path_factory):
    venv = tmp_path_factory.mktemp("runtime") / "venv"
    made = subprocess.run(
        ["make", "--no-print-directory", "runtime", f"RUNTIME_VENV={venv}"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    return venv


def test_it_holds_the_run_time_requirements_at_their_pins_and_no_toolchain(runtime_venv, repo):
    packages = installed(runtime_venv)
    for line in (repo / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate():
                assert packages.get(requirement.name.lower()) == f"{requirement.name}{requirement.specifier}", line
    assert sorted(set(TOOLCHAIN) & set(packages)) == []


def test_the_playbooks_parse_and_the_aws_modules_answer_with_it_alone(runtime_venv, repo, aws_emulator):
    env = {
        **os.environ,
        **aws_emulator.environment(region="us-east-2"),
        "PATH": f"{runtime_venv / 'bin'}:/usr/bin:/bin",
    }
    parsed = subprocess.run(
        [runtime_venv / "bin" / "ansible-playbook", "--syntax-check", "-i", "localhost,", "site.yml"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    identity = subprocess.run(
        [
            runtime_venv / "bin" / "ansible",
            "localhost",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-m",
            "amazon.aws.aws_caller_info",
        ],
        cwd=repo,
        env={**env, "ANSIBLE_PYTHON_INTERPRETER": str(runtime_venv / "bin" / "python")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert identity.returncode == 0, identity.stdout + identity.stderr
    assert "account: '123456789012'" in identity.stdout
