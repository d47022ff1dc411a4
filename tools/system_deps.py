"""The Debian packages `make test` and `make local` need, by Debian release, installed when missing.

Debian 12 (bookworm) and 13 (trixie) name some of them differently: each ships its own JDK and Go
versions, and only trixie has Docker Compose v2 as a package (bookworm gets trixie's, which needs nothing
but libc6, pinned by version and digest). Runs on the standard library alone: it comes before the
virtualenv on a bare machine.

    python3 tools/system_deps.py install   # apt-get install what is missing (root), then Compose v2
    python3 tools/system_deps.py missing   # list what is missing; exit 1 if anything is
    python3 tools/system_deps.py release   # the release this machine runs, as the tables below name it
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

OS_RELEASE = Path("/etc/os-release")
# What both releases call the same: the tests' tools, the test hosts' engine and image builder, the
# monitoring tests' Prometheus, and the sources and etcd of the argocd tests' API server.
COMMON_PACKAGES = (
    "git",
    "curl",
    "shellcheck",
    "openssh-server",
    "docker.io",
    "debootstrap",
    "prometheus",
    "prometheus-node-exporter",
    "etcd-server",
    "golang-github-modern-go-reflect2-dev",
    "rsync",
)


@dataclass(frozen=True)
class Release:
    """What a Debian release calls the packages that differ between releases."""

    # The JDK PySpark runs on (the Glue jobs' tests and the local pipeline).
    java: str
    # The Go toolchain that builds the argocd tests' API server (tools/kube_apiserver.py).
    go_version: str
    # Docker Compose v2 as a package of the release, or None when it comes from COMPOSE_DEB.
    compose: str | None
    # What the release splits out of the others' packages (trixie's docker.io has no docker command).
    split_out: tuple[str, ...] = ()

    @property
    def go(self) -> str:
        return f"golang-{self.go_version}-go"

    @property
    def packages(self) -> tuple[str, ...]:
        return (*COMMON_PACKAGES, self.java, self.go, *([self.compose] if self.compose else []), *self.split_out)


RELEASES = {
    "bookworm": Release(java="openjdk-17-jre-headless", go_version="1.19", compose=None),
    "trixie": Release(
        java="openjdk-21-jre-headless", go_version="1.24", compose="docker-compose", split_out=("docker-cli",)
    ),
}


@dataclass(frozen=True)
class PinnedDeb:
    url: str
    sha256: str


# bookworm has only Compose v1: trixie's package of v2, pinned by version and digest.
COMPOSE_DEB = PinnedDeb(
    url="http://deb.debian.org/debian/pool/main/d/docker-compose/docker-compose_2.26.1-4_amd64.deb",
    sha256="47681197cb2b1ab88206b42a1a92fc75f50d9530a6322d03494a473eed0408ea",
)
DEB_CACHE = Path(os.environ.get("COMPOSE_DEB_CACHE", Path.home() / ".cache" / "dataeng-platform" / "debs"))


class SystemDepsError(RuntimeError):
    """The packages cannot be installed here; the message says why and what to do."""


def os_release(text: str) -> dict[str, str]:
    """The KEY=value pairs of an os-release file (https://www.freedesktop.org/software/systemd/man/os-release.html)."""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            fields[key] = value.strip().strip("\"'")
    return fields


def release_name(fields: dict[str, str]) -> str:
    """The release RELEASES knows this os-release as; SystemDepsError names what is supported otherwise."""
    codename = fields.get("VERSION_CODENAME", "")
    if fields.get("ID") == "debian" and codename in RELEASES:
        return codename
    described = fields.get("PRETTY_NAME") or fields.get("ID") or "an unknown system"
    supported = ", ".join(f"Debian {name}" for name in RELEASES)
    raise SystemDepsError(f"{described} is not a release the package lists know (supported: {supported})")


def this_release(os_release_file: Path = OS_RELEASE) -> str:
    try:
        text = os_release_file.read_text()
    except OSError as exc:
        raise SystemDepsError(f"{os_release_file} is unreadable ({exc.strerror}): this is not a Debian system") from exc
    return release_name(os_release(text))


def installed(package: str) -> bool:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False)
    return result.returncode == 0 and result.stdout.startswith("install ok installed")


def missing_packages(release: str) -> list[str]:
    return [package for package in RELEASES[release].packages if not installed(package)]


def compose_v2_answers() -> bool:
    return subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode == 0


def apt_install(packages: list[str]) -> None:
    """apt-get install `packages` as root, waiting for the dpkg lock of another apt run; a failure names its output."""
    if os.geteuid() != 0:
        raise SystemDepsError(f"installing {' '.join(packages)} needs root: run `make system-deps` as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    for command in (
        ["apt-get", "update", "-qq", *lock],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *lock, *packages],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        if result.returncode != 0:
            raise SystemDepsError(
                f"`{' '.join(command)}` failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )


def fetch_pinned(deb: PinnedDeb, cache: Path = DEB_CACHE) -> Path:
    """The .deb from the cache or from its URL, refused unless its digest is the pinned one."""
    path = cache / deb.url.rsplit("/", 1)[1]
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with urllib.request.urlopen(deb.url, timeout=120) as answer, partial.open("wb") as out:  # noqa: S310 (pinned http URL, digest checked)
            shutil.copyfileobj(answer, out)
        partial.rename(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != deb.sha256:
        path.unlink()
        raise SystemDepsError(f"{deb.url} has sha256 {digest}, not the pinned {deb.sha256}: refused")
    return path


def install(release: str) -> list[str]:
    """Install what `release` lacks; returns what was installed."""
    missing = missing_packages(release)
    if missing:
        print(f"installing Debian packages: {' '.join(missing)}", flush=True)
        apt_install(missing)
    if RELEASES[release].compose is None and not compose_v2_answers():
        deb = fetch_pinned(COMPOSE_DEB)
        if subprocess.run(["dpkg", "-i", str(deb)], check=False).returncode != 0:
            raise SystemDepsError(f"`dpkg -i {deb}` failed")
        missing.append("docker-compose (v2)")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["install", "missing", "release"])
    args = parser.parse_args(argv)
    try:
        release = this_release()
        if args.command == "release":
            print(release)
        elif args.command == "missing":
            missing = missing_packages(release)
            print(" ".join(missing))
            return 1 if missing else 0
        else:
            install(release)
    except SystemDepsError as exc:
        print(f"system-deps: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
