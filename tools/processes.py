"""What every launcher here (the emulator, the Docker engine, kube-apiserver, the tests' sshd) needs of the
processes it starts: a free loopback port, a self-signed certificate, a record of what it started, a guard
against signalling a recycled pid, and a stop that escalates from SIGTERM to SIGKILL and collects the child.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import os
import random
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DEFAULT_HOST = "127.0.0.1"
# Free ports are chosen from SERVER_PORTS_FROM up to the kernel's ephemeral range (Linux's default if unreadable).
SERVER_PORTS_FROM = 20000
EPHEMERAL_PORTS_FILE = "/proc/sys/net/ipv4/ip_local_port_range"
LINUX_FIRST_EPHEMERAL_PORT = 32768
# What a launcher's command line exits with when it failed for a reason it names.
EXIT_FAILED = 2

Record = TypeVar("Record")


def first_ephemeral_port() -> int:
    try:
        return int(Path(EPHEMERAL_PORTS_FILE).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return LINUX_FIRST_EPHEMERAL_PORT


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port free right now on `host`, taken from below the kernel's ephemeral range.

    Not a port the kernel hands out for `bind(0)`: outgoing connections take their local ports from that same range,
    and under load one took a server's port in the moment between choosing it and the server binding it.
    """
    below_ephemeral = range(SERVER_PORTS_FROM, first_ephemeral_port())
    for port in random.sample(below_ephemeral, min(len(below_ephemeral), 50)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def ensure_certificate(cert_file: Path, key_file: Path, host: str, common_name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `host` (and localhost), made once: kept files are reused."""
    if cert_file.exists() and key_file.exists():
        return cert_file, key_file
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    if host not in ("localhost", "127.0.0.1"):
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_file.touch(mode=0o600)
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_file, key_file


def pid_runs(pid: int, *programs: str) -> bool:
    """Whether `pid`'s command line names one of `programs`: a guard against signalling a
    recycled pid that now belongs to something else."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return any(program.encode() in cmdline for program in programs)


def read_record(record_file: Path, record_type: Callable[..., Record]) -> Record | None:
    """What a launcher recorded of the processes it started (a JSON object of `record_type`'s fields);
    None when there is no record, or one this version cannot read."""
    try:
        return record_type(**json.loads(Path(record_file).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def stop_recorded(record_file: Path, pids: Iterable[int], is_ours: Callable[[int], bool]) -> None:
    """Terminate the processes a launcher started, then forget its record of them."""
    for pid in pids:
        terminate(pid, is_ours)
    Path(record_file).unlink(missing_ok=True)


def terminate(pid: int, is_ours: Callable[[int], bool], grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; `is_ours` guards against a recycled pid."""
    if not is_ours(pid):
        _reap(pid, block=True)  # an exiting child of ours is a zombie until collected
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if _reap(pid):
            return
        if not is_ours(pid):
            _reap(pid, block=True)  # exiting since the check above: collect it too
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _reap(pid, block=True)


def _reap(pid: int, block: bool = False) -> bool:
    """Collect our own exited child so it does not linger as a zombie; True once gone.

    `block` waits for it: only for a child known to be exiting (killed, or its /proc entry emptied).
    """
    try:
        waited, _status = os.waitpid(pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return False  # not our child: the caller polls /proc instead
    return waited == pid


def failed(program: str, error: Exception, exit_code: int = EXIT_FAILED) -> int:
    """Say on stderr why `program`'s command failed; returns `exit_code`, the command's."""
    print(f"{program}: {error}", file=sys.stderr)
    return exit_code
