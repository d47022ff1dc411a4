"""The process helpers every launcher shares: ports, certificates, records, and stopping what was started."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

import processes

# Children that say when they run: a signal sent while one is still being spawned may go unnoticed.
RUNS = "import time; print(1, flush=True); time.sleep(60)"
# One that ignores SIGTERM, as a server busy shutting down may: only SIGKILL stops it.
IGNORES_SIGTERM = "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); " + RUNS


@dataclass(frozen=True)
class Started:
    pid: int
    port: int


def test_free_port_can_be_bound():
    port = processes.free_port()
    with socket.socket() as sock:
        sock.bind((processes.DEFAULT_HOST, port))


def test_free_ports_lie_below_the_range_outgoing_connections_take_theirs_from():
    ports = {processes.free_port() for _attempt in range(20)}
    assert all(processes.SERVER_PORTS_FROM <= port < processes.first_ephemeral_port() for port in ports)
    assert len(ports) > 1  # chosen at random: concurrent starts rarely pick the same one


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


def _running(code: str) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert child.stdout.readline()
    child.stdout.close()
    return child


def _runs_code(pid: int) -> bool:
    return processes.pid_runs(pid, RUNS)


def test_terminate_stops_and_collects_its_child():
    child = _running(RUNS)
    processes.terminate(child.pid, _runs_code)
    assert _gone(child.pid), "a stopped child must not linger as a zombie"


def test_terminate_kills_a_child_that_ignores_sigterm_after_the_grace_period():
    child = _running(IGNORES_SIGTERM)
    started = time.monotonic()
    processes.terminate(child.pid, _runs_code, grace=0.5)
    assert _gone(child.pid)
    assert time.monotonic() - started >= 0.5


def test_terminate_never_signals_a_process_that_is_not_ours():
    # Not a child of this test (its shell exits at once), as a recycled pid of someone else's would be.
    spawn = ["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"]
    other = int(subprocess.run(spawn, capture_output=True, text=True, check=True).stdout)
    try:
        processes.terminate(other, lambda pid: processes.pid_runs(pid, "moto"))
        assert not _gone(other)
    finally:
        os.kill(other, signal.SIGKILL)


def test_a_record_is_read_back_and_an_unreadable_one_is_none(tmp_path):
    record = tmp_path / "record.json"
    assert processes.read_record(record, Started) is None
    record.write_text(json.dumps({"pid": 1, "port": 2}))
    assert processes.read_record(record, Started) == Started(pid=1, port=2)
    record.write_text(json.dumps({"pid": 1, "endpoint": "of an older version"}))
    assert processes.read_record(record, Started) is None
    record.write_text("{not json")
    assert processes.read_record(record, Started) is None


def test_stop_recorded_stops_the_recorded_processes_and_forgets_them(tmp_path):
    record = tmp_path / "record.json"
    children = [_running(RUNS), _running(RUNS)]
    record.write_text(json.dumps({"pids": [child.pid for child in children]}))
    processes.stop_recorded(record, [child.pid for child in children], _runs_code)
    assert all(_gone(child.pid) for child in children)
    assert not record.exists()


def test_a_certificate_is_made_once_for_loopback_with_a_private_key(tmp_path):
    cert_file, key_file = processes.ensure_certificate(tmp_path / "c.pem", tmp_path / "k.pem", "127.0.0.1", "a test")
    certificate = x509.load_pem_x509_certificate(cert_file.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(address) for address in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert certificate.subject.rfc4514_string() == "CN=a test"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    made = cert_file.read_bytes()
    assert processes.ensure_certificate(cert_file, key_file, "127.0.0.1", "a test") == (cert_file, key_file)
    assert cert_file.read_bytes() == made


def test_a_failed_command_says_why_on_stderr_with_its_exit_code(capsys):
    assert processes.failed("launcher", RuntimeError("port taken")) == processes.EXIT_FAILED
    assert processes.failed("launcher", RuntimeError("not built"), 4) == 4
    assert capsys.readouterr().err == "launcher: port taken\nlauncher: not built\n"
