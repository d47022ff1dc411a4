"""A fresh host is reached over SSH without a prompt, its key is remembered, and a changed key is refused.

A real sshd on loopback stands in for a platform host of the dev inventory: the host joins platform_hosts through
a second inventory source beside inventories/dev, so Ansible connects with the SSH arguments the dev inventory
gives every platform host (group_vars/platform_hosts.yml), under ansible.cfg's host key checking. Local mode
reaches its test hosts through Docker, never SSH, so only this shows what a first run on real AWS meets.
"""

from __future__ import annotations

import getpass
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support.sshd import new_key, public_key, running_sshd

pytestmark = pytest.mark.slow
HOST = "fresh-host"


def ansible(playbook, inventory: Path, *args: str) -> subprocess.CompletedProcess:
    """`ansible HOST` with the dev inventory and the stand-in host's own, JSON results; never prompts (BatchMode)."""
    env = playbook.environment(
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        # The dev inventory's ec2_hosts source finds no credentials here; it need not wait for an instance role.
        AWS_EC2_METADATA_DISABLED="true",
    )
    command = [str(Path(sys.executable).parent / "ansible"), HOST, "-i", "inventories/dev", "-i", str(inventory)]
    return subprocess.run(
        [*command, *args], cwd=playbook.repo, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def result(run: subprocess.CompletedProcess) -> dict:
    return json.loads(run.stdout[run.stdout.index("{") :])["plays"][0]["tasks"][0]["hosts"][HOST]


def known_key(known_hosts: Path, port: int) -> str:
    """The key known_hosts holds for 127.0.0.1:port (hashed or not), or ""."""
    found = subprocess.run(
        ["ssh-keygen", "-F", f"[127.0.0.1]:{port}", "-f", str(known_hosts)], capture_output=True, text=True, check=False
    )
    lines = [line for line in found.stdout.splitlines() if line and not line.startswith("#")]
    return " ".join(line.split()[2] for line in lines)


def test_first_connection_accepts_the_new_key_and_a_changed_key_is_refused(playbook, tmp_path):
    first_key, second_key = new_key(tmp_path / "host_key"), new_key(tmp_path / "replaced_host_key")
    client_key = new_key(tmp_path / "admin_key")
    inventory = tmp_path / "hosts.yml"

    with running_sshd(tmp_path, first_key, client_key) as port:
        host_vars = {
            "ansible_host": "127.0.0.1",
            "ansible_port": port,
            # The stand-in admits the user running the tests, not Debian's admin.
            "ansible_user": getpass.getuser(),
            "ansible_ssh_private_key_file": str(client_key),
            # No tty here; BatchMode makes sure nothing would be asked anywhere else either.
            "ansible_ssh_extra_args": "-o BatchMode=yes",
            "ansible_python_interpreter": sys.executable,
        }
        inventory.write_text(yaml.safe_dump({"platform_hosts": {"hosts": {HOST: host_vars}}}))
        given = ansible(
            playbook, inventory, "-m", "ansible.builtin.debug", "-a", "msg={{ ansible_ssh_common_args | default('') }}"
        )
        options = dict(option.split("=", 1) for option in shlex.split(result(given)["msg"]) if option != "-o")
        known_hosts = Path(options.get("UserKnownHostsFile", "~/.ssh/known_hosts")).expanduser()
        assert known_key(known_hosts, port) == "", f"{known_hosts} knows 127.0.0.1:{port} already"

        first = ansible(playbook, inventory, "-m", "ansible.builtin.ping")
        assert result(first).get("ping") == "pong", first.stdout[-3000:] + first.stderr[-2000:]
        assert known_key(known_hosts, port) == public_key(first_key)
        again = ansible(playbook, inventory, "-m", "ansible.builtin.ping")
        assert result(again).get("ping") == "pong", again.stdout[-3000:]

    # Another server on the same address: what a man in the middle, or a host replaced behind the address, shows.
    with running_sshd(tmp_path, second_key, client_key, port=port):
        changed = ansible(playbook, inventory, "-m", "ansible.builtin.ping")
    refused = result(changed)
    assert refused.get("unreachable") is True, changed.stdout[-3000:]
    assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in refused["msg"], refused["msg"]
    assert known_key(known_hosts, port) == public_key(first_key)
    # This environment's own file (next to the host's inventory), not the user's ~/.ssh/known_hosts.
    assert known_hosts == tmp_path / "known_hosts"
