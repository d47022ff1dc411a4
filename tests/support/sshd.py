"""A real OpenSSH server on a free loopback port, with its own host key and configuration (Debian's openssh-server)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from logfile import tail as log_tail
from processes import free_port
from support.playbook import kill_process_tree

SSHD = Path("/usr/sbin/sshd")
# Where sshd (as root) drops privileges for the pre-authentication stage; the ssh service's unit makes it.
PRIVILEGE_SEPARATION_DIR = Path("/run/sshd")


def new_key(path: Path) -> Path:
    """An ed25519 key pair without passphrase: `path` and `path`.pub."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)], check=True)
    return path


def public_key(key: Path) -> str:
    return Path(f"{key}.pub").read_text().split()[1]


@contextlib.contextmanager
def running_sshd(workdir: Path, host_key: Path, client_key: Path, port: int | None = None) -> Iterator[int]:
    """sshd on 127.0.0.1:`port` (a free one if None) presenting `host_key`, admitting the current user with
    `client_key`; yields the port. Stopped with every connection it serves, so no connection outlives it."""
    if not SSHD.exists():
        raise RuntimeError(f"{SSHD} is missing: install Debian's openssh-server (make test does)")
    if os.geteuid() == 0:
        PRIVILEGE_SEPARATION_DIR.mkdir(mode=0o755, exist_ok=True)
    port = port or free_port()
    authorized_keys = workdir / "authorized_keys"
    authorized_keys.write_text(Path(f"{client_key}.pub").read_text())
    config = workdir / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"ListenAddress 127.0.0.1:{port}",
                f"HostKey {host_key}",
                f"PidFile {workdir / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized_keys}",
                "AuthenticationMethods publickey",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                # The test's files live in a temporary directory, not in the user's home.
                "StrictModes no",
                "UsePAM no",
                "",
            ]
        )
    )
    log = workdir / "sshd.log"
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)], stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 10
        while not _accepts(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not listen on 127.0.0.1:{port}:\n{log_tail(log)}")
            time.sleep(0.05)
        yield port
    finally:
        kill_process_tree(process.pid)
        process.wait()


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
