"""Start, inspect and stop the embedded local AWS emulator (moto server).

`make local`, the test suite and users without an AWS account all use this one
launcher, so the emulator always runs the same way: bound to loopback only, its
state (pid, port, endpoint, log path) kept in one JSON file, its output in a log.

    python tools/emulator.py start [--port 5000] [--state-dir .local/emulator] [--iam-policy policy.json]
    python tools/emulator.py env       # shell exports: AWS_ENDPOINT_URL, AWS_CA_BUNDLE, dummy keys and the
                                       # local inventory's region (with --iam-policy: the keys of the only
                                       # user the emulator accepts)
    python tools/emulator.py status
    python tools/emulator.py stop
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from logfile import tail as log_tail
from processes import (
    DEFAULT_HOST,
    ensure_certificate,
    failed,
    free_port,
    pid_runs,
    read_record,
    stop_recorded,
    terminate,
)

DEFAULT_PORT = 5000
DEFAULT_STATE_DIR = Path(__file__).resolve().parent.parent / ".local" / "emulator"
# moto accepts any key pair; these are the values its documentation uses.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# AWS managed IAM policies (AmazonSSMManagedInstanceCore, ...) exist in moto only on request.
# moto's own AMI list has no Debian image: the emulator publishes the public images
# the platform looks up, under their publishers' accounts, in its place.
EMULATOR_ENVIRONMENT = {
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    "MOTO_AMIS_PATH": str(Path(__file__).resolve().parent / "emulator_amis.json"),
}
# moto's server with the backends moto lacks (Data Lifecycle Manager) registered at startup.
MOTO_SERVER = str(Path(__file__).resolve().parent / "moto_dlm.py")
# An endpoint of moto's own management API: it answers once the server serves requests, and
# at once however much the emulator holds (/moto-api/data.json dumps every resource, and
# takes seconds once a site has converged).
HEALTH_PATH = "/moto-api/config"
# Where `make local` puts the platform; `env` exports it so that `aws ec2 ...` after
# `eval $(tools/emulator.py env)` looks where the resources are (the CLI has no default region).
LOCAL_INVENTORY_VARS = Path(__file__).resolve().parent.parent / "inventories" / "local" / "group_vars" / "all.yml"
FREE_PORT_ATTEMPTS = 5
STATE_FILE = "emulator.json"
LOG_FILE = "moto.log"
# With --iam-policy the emulator authorizes every request as AWS does (moto's IAM-like access control: the
# actions of the caller's policies, and resources for S3 only); this user holds that one policy.
IAM_USER = "emulator-deployer"
# moto's switch for its access control: how many requests it still serves unauthorized (inf: all of them).
AUTHORIZATION_PATH = "/moto-api/reset-auth"
# Where moto's request recorder writes, once asked to (POST /moto-api/recorder/start-recording):
# the benchmark counts requests there, at the emulator itself.
RECORDING_FILE = "requests.jsonl"
# The emulator speaks TLS, like AWS: bucket policies that refuse plain HTTP (which
# moto enforces) then behave as on AWS. Its certificate is its own CA bundle.
CERT_FILE = "emulator-cert.pem"
KEY_FILE = "emulator-key.pem"
CERTIFICATE_NAME = "dataeng.platform local AWS emulator"


class EmulatorError(RuntimeError):
    """The emulator could not be started, reached or stopped."""


class PortInUseError(EmulatorError):
    """The requested loopback port is already bound by another process."""


@dataclass(frozen=True)
class EmulatorState:
    pid: int
    host: str
    port: int
    log_file: str
    ca_bundle: str
    # The keys of IAM_USER when the emulator enforces authorization; the dummy keys otherwise.
    credentials: dict[str, str] | None = None

    @property
    def endpoint(self) -> str:
        return f"https://{self.host}:{self.port}"

    def environment(self, region: str | None = None) -> dict[str, str]:
        """Variables that point boto3 (and so every amazon.aws module) at this emulator."""
        env = {
            "AWS_ENDPOINT_URL": self.endpoint,
            # AWS_CA_BUNDLE for boto3 and the AWS CLI; EMULATOR_CA_BUNDLE for inventories/local,
            # since AWS_CA_BUNDLE is often set machine-wide to the system's CAs.
            "AWS_CA_BUNDLE": self.ca_bundle,
            "EMULATOR_CA_BUNDLE": self.ca_bundle,
            **(self.credentials or DUMMY_CREDENTIALS),
        }
        if self.credentials:
            # inventories/local reads its keys from these (it pins the dummy ones otherwise, so that a
            # developer's real AWS_ACCESS_KEY_ID never goes to the emulator).
            env["EMULATOR_ACCESS_KEY_ID"] = self.credentials["AWS_ACCESS_KEY_ID"]
            env["EMULATOR_SECRET_ACCESS_KEY"] = self.credentials["AWS_SECRET_ACCESS_KEY"]
        if region:
            env["AWS_DEFAULT_REGION"] = region
        return env


def _is_loopback(host: str) -> bool:
    return host == "localhost" or host.startswith("127.") or host == "::1"


def ensure_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the server will: connections of a just-stopped emulator in TIME_WAIT do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"{host}:{port} is already in use by another process; stop it or choose "
                    f"another port (--port N, or EMULATOR_PORT=N for make)"
                ) from exc
            raise


def answers(endpoint: str, ca_bundle: str, timeout: float = 1.0) -> bool:
    """True when a moto server answers its management API at `endpoint` with a certificate from `ca_bundle`."""
    context = ssl.create_default_context(cafile=ca_bundle)
    try:
        with urllib.request.urlopen(endpoint + HEALTH_PATH, timeout=timeout, context=context) as response:
            return 200 <= response.status < 300  # moto answers this GET with 201
    except (urllib.error.URLError, OSError):
        return False


def pid_is_emulator(pid: int) -> bool:
    return pid_runs(pid, "moto")


def read_state(state_dir: Path) -> EmulatorState | None:
    return read_record(state_dir / STATE_FILE, EmulatorState)


def running_state(state_dir: Path) -> EmulatorState | None:
    """The recorded emulator if its process is alive; stale records are removed."""
    state = read_state(state_dir)
    if state is None:
        return None
    if pid_is_emulator(state.pid):
        return state
    (state_dir / STATE_FILE).unlink(missing_ok=True)
    return None


def start(
    state_dir: Path = DEFAULT_STATE_DIR,
    port: int | None = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    timeout: float = 30.0,
    iam_policy: str | None = None,
) -> EmulatorState:
    """Start moto on `host:port` (port 0 or None: any free port) and wait until it answers.

    Starting when this state directory already has a live emulator returns that one,
    so `make local` can be rerun; asking for a different port then is an error.
    With `iam_policy` (a policy document), the emulator then accepts only requests that
    IAM_USER, holding that policy alone, may make.
    """
    if not _is_loopback(host):
        raise EmulatorError(f"the emulator binds to loopback only, not {host!r}")
    # Absolute: the recorded log and certificate paths are used from other directories.
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)

    existing = running_state(state_dir)
    if existing is not None:
        if port and port != existing.port:
            raise EmulatorError(
                f"an emulator from {state_dir} already runs on port {existing.port} "
                f"(pid {existing.pid}); stop it before starting one on port {port}"
            )
        if not answers(existing.endpoint, existing.ca_bundle):
            raise EmulatorError(
                f"the emulator (pid {existing.pid}) runs but does not answer at "
                f"{existing.endpoint}; see {existing.log_file}"
            )
        if iam_policy and not existing.credentials:
            raise EmulatorError(
                f"the emulator from {state_dir} (pid {existing.pid}) does not enforce IAM authorization; "
                "stop it before starting one with --iam-policy"
            )
        return existing

    state = _launch_on_free_port(state_dir, host, port, timeout)
    if iam_policy:
        try:
            state = enforce_iam_policy(state, iam_policy)
        except Exception:
            terminate(state.pid, pid_is_emulator)  # unrecorded, it would outlive us
            raise
    (state_dir / STATE_FILE).write_text(json.dumps(asdict(state)))
    return state


def _launch_on_free_port(state_dir: Path, host: str, port: int | None, timeout: float) -> EmulatorState:
    if port:
        return _launch(state_dir, host, port, timeout)
    attempts_left = FREE_PORT_ATTEMPTS
    while True:
        try:
            return _launch(state_dir, host, free_port(host), timeout)
        except PortInUseError:
            # Another process bound the port between choosing and binding it: choose again.
            attempts_left -= 1
            if not attempts_left:
                raise


def enforce_iam_policy(state: EmulatorState, policy: str) -> EmulatorState:
    """Create IAM_USER with `policy` as its only permissions while the emulator still serves anyone, then
    make it authorize every request (moto's bootstrapping: its reset-auth endpoint).

    https://docs.getmoto.org/en/latest/docs/iam.html ("IAM-like Access Control")
    """
    import boto3  # only this mode needs it: the launcher otherwise runs on the standard library

    iam = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=state.endpoint,
        verify=state.ca_bundle,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    iam.create_user(UserName=IAM_USER)
    iam.put_user_policy(UserName=IAM_USER, PolicyName=IAM_USER, PolicyDocument=policy)
    key = iam.create_access_key(UserName=IAM_USER)["AccessKey"]
    set_authorization(state, enforced=True)
    credentials = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    return EmulatorState(**{**asdict(state), "credentials": credentials})


def set_authorization(state: EmulatorState, enforced: bool) -> None:
    """Make the emulator authorize every request (as IAM does), or none (its default)."""
    context = ssl.create_default_context(cafile=state.ca_bundle)
    request = urllib.request.Request(
        state.endpoint + AUTHORIZATION_PATH,
        data=b"0" if enforced else b"inf",
        # Not urllib's default form type: moto reads the count from the raw body, which Flask leaves empty for forms.
        headers={"Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        response.read()


def _launch(state_dir: Path, host: str, port: int, timeout: float) -> EmulatorState:
    ensure_port_free(host, port)
    cert_file, key_file = ensure_certificate(state_dir / CERT_FILE, state_dir / KEY_FILE, host, CERTIFICATE_NAME)

    log_file = state_dir / LOG_FILE
    with open(log_file, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, MOTO_SERVER, "-H", host, "-p", str(port), "-c", cert_file, "-k", key_file],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **EMULATOR_ENVIRONMENT, "MOTO_RECORDER_FILEPATH": str(state_dir / RECORDING_FILE)},
            # Its own session: the emulator outlives `make local` and ignores its Ctrl-C.
            start_new_session=True,
        )
    state = EmulatorState(pid=process.pid, host=host, port=port, log_file=str(log_file), ca_bundle=str(cert_file))

    deadline = time.monotonic() + timeout
    while not answers(state.endpoint, state.ca_bundle, timeout=0.5):
        if process.poll() is not None:
            raise EmulatorError(
                f"the emulator exited with code {process.returncode} before answering on "
                f"{state.endpoint}; last lines of {log_file}:\n{log_tail(log_file)}"
            )
        if time.monotonic() > deadline:
            terminate(process.pid, pid_is_emulator)
            raise EmulatorError(
                f"the emulator did not answer on {state.endpoint} within {timeout:.0f}s; "
                f"last lines of {log_file}:\n{log_tail(log_file)}"
            )
        time.sleep(0.1)
    return state


def stop(state_dir: Path = DEFAULT_STATE_DIR) -> EmulatorState | None:
    """Stop the emulator recorded in `state_dir`; returns what was stopped, if anything."""
    state_dir = Path(state_dir)
    state = running_state(state_dir)
    stop_recorded(state_dir / STATE_FILE, [state.pid] if state else [], pid_is_emulator)
    return state


def local_region(inventory_vars: Path = LOCAL_INVENTORY_VARS) -> str:
    """The local inventory's aws_region (read as text: the launcher runs on the standard library alone)."""
    found = re.search(r"^aws_region:[ \t]*[\"']?([a-z0-9-]+)[\"']?[ \t]*$", inventory_vars.read_text(), re.MULTILINE)
    if found is None:
        raise EmulatorError(f"{inventory_vars} sets no aws_region: name the region with --region")
    return found.group(1)


def _shell_exports(env: dict[str, str]) -> str:
    return "\n".join(f"export {key}={value}" for key, value in env.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    commands = parser.add_subparsers(dest="command", required=True)
    start_cmd = commands.add_parser("start", parents=[where], help="start the emulator and wait until it answers")
    start_cmd.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    start_cmd.add_argument("--host", default=DEFAULT_HOST)
    start_cmd.add_argument("--timeout", type=float, default=30.0)
    start_cmd.add_argument(
        "--iam-policy",
        type=Path,
        help="enforce IAM authorization: accept only what a user holding this policy document may do "
        "(`env` prints that user's keys); e.g. the output of `tools/deployer_policy.py render --for-emulator`",
    )
    env_cmd = commands.add_parser("env", parents=[where], help="print shell exports that target the running emulator")
    env_cmd.add_argument("--region", help="the region to export (default: aws_region of inventories/local)")
    commands.add_parser("status", parents=[where], help="say whether the emulator runs and where")
    commands.add_parser("stop", parents=[where], help="stop the emulator")
    args = parser.parse_args(argv)

    try:
        if args.command == "start":
            policy = args.iam_policy.read_text() if args.iam_policy else None
            state = start(args.state_dir, port=args.port, host=args.host, timeout=args.timeout, iam_policy=policy)
            print(f"emulator answering at {state.endpoint} (pid {state.pid}, log {state.log_file})")
            return 0
        state = running_state(args.state_dir)
        if args.command == "stop":
            stopped = stop(args.state_dir)
            print(f"emulator stopped (pid {stopped.pid})" if stopped else "emulator was not running")
            return 0
        if state is None:
            print(f"no emulator is running from {args.state_dir}", file=sys.stderr)
            return 3
        if args.command == "env":
            print(_shell_exports(state.environment(args.region or local_region())))
        else:
            health = "answering" if answers(state.endpoint, state.ca_bundle) else "NOT answering"
            print(f"emulator {health} at {state.endpoint} (pid {state.pid}, log {state.log_file})")
        return 0
    except EmulatorError as exc:
        return failed("emulator", exc)


if __name__ == "__main__":
    sys.exit(main())
