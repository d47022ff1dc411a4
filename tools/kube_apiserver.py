"""Build, start and stop a real Kubernetes API server (with etcd) on loopback, for the argocd role's tests.

Neither Minikube nor a kubelet can run here, but the API server can: it is built
once from Debian's `kubernetes` source package (v1.20.2, with the Go of the Debian release,
tools/system_deps.py, and reflect2 1.0.2) and cached outside the repository, then run with Debian's etcd. It validates,
stores and serves every object the argocd role applies exactly as a cluster
would; pods stay Pending (no scheduler, no kubelet).

    python tools/kube_apiserver.py build           # once, ~8 min on 2 cores; "cached" afterwards
    python tools/kube_apiserver.py start --state-dir D [--port 0]
    python tools/kube_apiserver.py status --state-dir D
    python tools/kube_apiserver.py stop --state-dir D

The cache is $KUBE_APISERVER_CACHE (default ~/.cache/dataeng-platform/kube-apiserver).
KUBE_APISERVER_BUILD=0 forbids building: `build` and `start` then fail with exit
code 4 when the cache is empty, and tests skip with that reason.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import processes
import system_deps
from logfile import tail as log_tail
from processes import DEFAULT_HOST

VERSION = "v1.20.2"
# Debian bookworm's source of kubernetes-client, the upstream v1.20.2 tree (its Debian patches touch kubectl only).
SOURCE_URL = "http://deb.debian.org/debian/pool/main/k/kubernetes/kubernetes_1.20.5+really1.20.2.orig.tar.gz"
SOURCE_SHA256 = "b83c0780efb182d928dc63d46488a847f161f04e40a94b96bf5247dd671ecdfc"
# v1.20.2 vendors reflect2 1.0.1, whose map iteration segfaults when built with Go 1.18 or later (the
# API server crashes encoding a custom resource); 1.0.2 fixed it without changing its API. Debian's
# golang-github-modern-go-reflect2-dev ships 1.0.2's source, which replaces the vendored copy.
REFLECT2_SOURCE = Path("/usr/share/gocode/src/github.com/modern-go/reflect2")
REFLECT2_VENDORED = Path("vendor/github.com/modern-go/reflect2")
# The cache key names the patch: a binary built without it is not reused.
BUILD_ID = f"{VERSION}+reflect2-1.0.2"
ETCD = Path("/usr/bin/etcd")  # Debian's etcd-server
CACHE_DIR = Path(os.environ.get("KUBE_APISERVER_CACHE", Path.home() / ".cache" / "dataeng-platform" / "kube-apiserver"))
DEFAULT_STATE_DIR = Path(__file__).resolve().parent.parent / ".local" / "kube-apiserver"
STATE_FILE = "kube-apiserver.json"
ADMIN_USER = "dataeng-admin"
SERVICE_CIDR = "10.96.0.0/24"
CERT_FILE = "kube-apiserver-cert.pem"
KEY_FILE = "kube-apiserver-key.pem"
EXIT_NOT_BUILT = 4


class KubeApiServerError(RuntimeError):
    """The API server could not be built, started, reached or stopped."""


class NotBuiltError(KubeApiServerError):
    """No cached binary, and building is disabled."""


def binary_path() -> Path:
    return CACHE_DIR / BUILD_ID / "kube-apiserver"


def building_allowed() -> bool:
    return os.environ.get("KUBE_APISERVER_BUILD", "1") not in ("0", "false", "no")


def _download_source(destination: Path) -> None:
    digest = hashlib.sha256()
    with urllib.request.urlopen(SOURCE_URL, timeout=120) as response, open(destination, "wb") as out:
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != SOURCE_SHA256:
        raise KubeApiServerError(f"{SOURCE_URL} has sha256 {digest.hexdigest()}, expected {SOURCE_SHA256}")


def _replace_reflect2(vendored: Path) -> None:
    for old in [*vendored.glob("*.go"), *vendored.glob("*.s")]:
        old.unlink()
    for new in [*REFLECT2_SOURCE.glob("*.go"), *REFLECT2_SOURCE.glob("*.s")]:
        shutil.copy(new, vendored / new.name)


def go_toolchain() -> tuple[str, Path]:
    """The Debian package of this release's Go toolchain (system-deps installs it) and its bin folder."""
    try:
        release = system_deps.RELEASES[system_deps.this_release()]
    except system_deps.SystemDepsError as exc:
        raise KubeApiServerError(f"the build takes Debian's Go toolchain: {exc}") from exc
    return release.go, Path(f"/usr/lib/go-{release.go_version}/bin")


def build() -> bool:
    """Build the binary into the cache unless it is there; True when this call built it."""
    target = binary_path()
    if target.exists():
        return False
    if not building_allowed():
        raise NotBuiltError(f"no kube-apiserver {BUILD_ID} in {target.parent} and KUBE_APISERVER_BUILD=0")
    go_package, go_bin = go_toolchain()
    if not (go_bin / "go").exists():
        raise KubeApiServerError(f"{go_bin / 'go'} is missing: install Debian's {go_package} (make system-deps)")
    if not (REFLECT2_SOURCE / "go_above_118.go").exists():
        raise KubeApiServerError(f"{REFLECT2_SOURCE} is missing: install Debian's golang-github-modern-go-reflect2-dev")
    target.parent.mkdir(parents=True, exist_ok=True)
    # The source tree and Go's caches take ~2 GB; only the binary is kept.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix="build-") as work:
        work_dir = Path(work)
        archive = work_dir / "source.tar.gz"
        _download_source(archive)
        source = work_dir / "kubernetes"
        source.mkdir()
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                member.name = member.name.split("/", 1)[1] if "/" in member.name else ""
            tar.extractall(source, members=[m for m in tar.getmembers() if m.name], filter="tar")
        _replace_reflect2(source / REFLECT2_VENDORED)
        log_file = target.parent / "build.log"
        env = {
            **os.environ,
            "PATH": f"{go_bin}:{os.environ['PATH']}",
            "CGO_ENABLED": "0",
            "GOFLAGS": "-mod=vendor",
            "GOCACHE": str(work_dir / "gocache"),
            "GOPATH": str(work_dir / "gopath"),
            "HOME": str(work_dir),
        }
        with open(log_file, "wb") as log:
            result = subprocess.run(
                ["make", "WHAT=cmd/kube-apiserver"],
                cwd=source,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if result.returncode != 0:
            raise KubeApiServerError(f"building kube-apiserver failed; last lines of {log_file}:\n{log_tail(log_file)}")
        built = source / "_output" / "local" / "bin" / "linux" / "amd64" / "kube-apiserver"
        shutil.move(built, target.with_suffix(".partial"))
        target.with_suffix(".partial").rename(target)
    return True


@dataclass(frozen=True)
class ApiServerState:
    apiserver_pid: int
    etcd_pid: int
    port: int
    kubeconfig: str
    log_file: str
    ca_bundle: str
    token_file: str

    @property
    def endpoint(self) -> str:
        return f"https://{DEFAULT_HOST}:{self.port}"


def _token(state: ApiServerState) -> str:
    return Path(state.token_file).read_text().split(",", 1)[0]


def ready(state: ApiServerState, timeout: float = 1.0) -> bool:
    """/readyz answers, and the bootstrap controller has made the default namespace (it may lag behind)."""
    context = ssl.create_default_context(cafile=state.ca_bundle)
    headers = {"Authorization": f"Bearer {_token(state)}"}
    try:
        for path in ("/readyz", "/api/v1/namespaces/default"):
            request = urllib.request.Request(state.endpoint + path, headers=headers)
            with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
                if response.status != 200:
                    return False
    except (urllib.error.URLError, OSError):
        return False
    return True


def _is_ours(pid: int) -> bool:
    return processes.pid_runs(pid, "kube-apiserver", "etcd")


def read_state(state_dir: Path) -> ApiServerState | None:
    return processes.read_record(Path(state_dir) / STATE_FILE, ApiServerState)


def _service_account_key(state_dir: Path) -> Path:
    key_file = state_dir / "service-account.key"
    if not key_file.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file.touch(mode=0o600)
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return key_file


def _write_kubeconfig(state_dir: Path, port: int, ca_bundle: Path, token: str) -> Path:
    kubeconfig = state_dir / "kubeconfig"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "local",
                "cluster": {"server": f"https://{DEFAULT_HOST}:{port}", "certificate-authority": str(ca_bundle)},
            }
        ],
        "users": [{"name": ADMIN_USER, "user": {"token": token}}],
        "contexts": [{"name": "local", "context": {"cluster": "local", "user": ADMIN_USER}}],
        "current-context": "local",
    }
    kubeconfig.touch(mode=0o600)
    kubeconfig.write_text(json.dumps(config, indent=2))
    return kubeconfig


def _wait(state: ApiServerState, children: list[subprocess.Popen], log_file: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready(state, timeout=0.5):
        exited = [child for child in children if child.poll() is not None]
        if exited or time.monotonic() > deadline:
            for child in children:
                processes.terminate(child.pid, _is_ours)
            what = f"{exited[0].args[0]} exited with code {exited[0].returncode}" if exited else "not ready in time"
            raise KubeApiServerError(f"{what}; last lines of {log_file}:\n{log_tail(log_file)}")
        time.sleep(0.2)


def start(state_dir: Path = DEFAULT_STATE_DIR, port: int = 0, timeout: float = 90.0) -> ApiServerState:
    """Start etcd and the API server on loopback and wait until /readyz answers; a running pair is reused."""
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    existing = read_state(state_dir)
    if existing is not None and _is_ours(existing.apiserver_pid) and ready(existing):
        return existing
    stop(state_dir)
    build()
    if not ETCD.exists():
        raise KubeApiServerError(f"{ETCD} is missing: install Debian's etcd-server")

    port = port or processes.free_port()
    etcd_client, etcd_peer = processes.free_port(), processes.free_port()
    cert_file, key_file = processes.ensure_certificate(
        state_dir / CERT_FILE, state_dir / KEY_FILE, DEFAULT_HOST, "dataeng.platform local Kubernetes API server"
    )
    token = secrets.token_urlsafe(32)
    token_file = state_dir / "tokens.csv"
    token_file.touch(mode=0o600)
    token_file.write_text(f'{token},{ADMIN_USER},{ADMIN_USER},"system:masters"\n')
    service_account_key = _service_account_key(state_dir)
    log_file = state_dir / "kube-apiserver.log"
    with open(log_file, "ab") as log:

        def spawn(argv: list[str]) -> subprocess.Popen:
            # Own sessions: the pair outlives the command that started it, as the emulator does.
            return subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

        etcd = spawn(
            [
                str(ETCD),
                f"--data-dir={state_dir / 'etcd'}",
                f"--listen-client-urls=http://{DEFAULT_HOST}:{etcd_client}",
                f"--advertise-client-urls=http://{DEFAULT_HOST}:{etcd_client}",
                f"--listen-peer-urls=http://{DEFAULT_HOST}:{etcd_peer}",
                f"--initial-advertise-peer-urls=http://{DEFAULT_HOST}:{etcd_peer}",
                f"--initial-cluster=default=http://{DEFAULT_HOST}:{etcd_peer}",
            ]
        )
        apiserver = spawn(
            [
                str(binary_path()),
                f"--etcd-servers=http://{DEFAULT_HOST}:{etcd_client}",
                f"--bind-address={DEFAULT_HOST}",
                f"--advertise-address={DEFAULT_HOST}",
                f"--secure-port={port}",
                "--insecure-port=0",
                f"--tls-cert-file={cert_file}",
                f"--tls-private-key-file={key_file}",
                f"--token-auth-file={token_file}",
                "--authorization-mode=RBAC",
                f"--service-account-key-file={service_account_key}",
                f"--service-account-signing-key-file={service_account_key}",
                "--service-account-issuer=https://kubernetes.default.svc",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                f"--cert-dir={state_dir / 'certs'}",
            ]
        )
    kubeconfig = _write_kubeconfig(state_dir, port, cert_file, token)
    state = ApiServerState(
        apiserver_pid=apiserver.pid,
        etcd_pid=etcd.pid,
        port=port,
        kubeconfig=str(kubeconfig),
        log_file=str(log_file),
        ca_bundle=str(cert_file),
        token_file=str(token_file),
    )
    _wait(state, [etcd, apiserver], log_file, timeout)
    (state_dir / STATE_FILE).write_text(json.dumps(asdict(state)))
    return state


def stop(state_dir: Path = DEFAULT_STATE_DIR) -> ApiServerState | None:
    """Stop the pair recorded in `state_dir` and drop etcd's data; returns what was stopped."""
    state_dir = Path(state_dir)
    state = read_state(state_dir)
    processes.stop_recorded(state_dir / STATE_FILE, [state.apiserver_pid, state.etcd_pid] if state else [], _is_ours)
    shutil.rmtree(state_dir / "etcd", ignore_errors=True)
    return state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help=f"build kube-apiserver {VERSION} into the cache unless it is there")
    start_cmd = commands.add_parser("start", parents=[where], help="start etcd and the API server, wait until ready")
    start_cmd.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    start_cmd.add_argument("--timeout", type=float, default=90.0)
    commands.add_parser("status", parents=[where], help="say whether the API server is ready and where")
    commands.add_parser("stop", parents=[where], help="stop the API server and etcd, drop etcd's data")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            print(f"kube-apiserver {VERSION} {'built' if build() else 'cached'} at {binary_path()}")
        elif args.command == "start":
            state = start(args.state_dir, port=args.port, timeout=args.timeout)
            print(f"kube-apiserver answering at {state.endpoint} (kubeconfig {state.kubeconfig})")
        elif args.command == "stop":
            stopped = stop(args.state_dir)
            print("kube-apiserver stopped" if stopped else "kube-apiserver was not running")
        else:
            state = read_state(args.state_dir)
            if state is None or not ready(state):
                print(f"no kube-apiserver is ready from {args.state_dir}", file=sys.stderr)
                return 3
            print(f"kube-apiserver answering at {state.endpoint} (kubeconfig {state.kubeconfig})")
        return 0
    except NotBuiltError as exc:
        return processes.failed("kube-apiserver", exc, EXIT_NOT_BUILT)
    except KubeApiServerError as exc:
        return processes.failed("kube-apiserver", exc)


if __name__ == "__main__":
    sys.exit(main())
