"""What `make local` can run on this machine besides the cloud layer, which needs only the virtualenv.

The host layer runs on local test hosts: containers built with debootstrap from Debian packages, in a
Docker engine this machine starts, which takes root and a Debian release the package lists know. The
sample pipeline runs the Glue jobs on local Spark, which takes Java. A laptop without root, macOS or a CI
container without Docker still gets the cloud layer and its outputs; each check says what it skipped,
why, and how to get it.

    python tools/local_mode.py host-layer [--state-dir .local/docker]   # installs the Debian packages
                                                                        # and starts the engine when it can
    python tools/local_mode.py pipeline

Exit status: 0 when it can run here, 1 when it cannot (the one line saying so on stdout), 2 on an error
that a user must fix (a package that does not install, say).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from system_deps import SystemDepsError, install, this_release
from testhost_engine import DEFAULT_STATE_DIR, TesthostError, ensure_engine

CAN_RUN, SKIPPED, FAILED = 0, 1, 2


class Skipped(Exception):
    """A part of local mode that cannot run on this machine; the message says why and how to get it."""


def host_layer_requirements(euid: int, release: str | SystemDepsError) -> None:
    """Raise Skipped unless this machine may build and run the test hosts (the engine is tried afterwards)."""
    if euid != 0:
        raise Skipped(
            "the host layer is skipped: its test hosts need root (Debian packages, a Docker engine, a debootstrap "
            "of the image); run `sudo make local` on Debian 12 or 13 for the whole platform"
        )
    if isinstance(release, SystemDepsError):
        raise Skipped(
            f"the host layer is skipped: its test hosts are built from Debian packages and {release}; "
            "run `make local` as root on Debian 12 or 13 for the whole platform"
        )


def engine_requirement(state_dir: Path) -> None:
    try:
        ensure_engine(state_dir)
    except TesthostError as exc:
        raise Skipped(
            f"the host layer is skipped: no Docker engine could start here ({exc}); run `make local` where "
            "dockerd can run (a machine or VM, or a container with the capabilities docs/testing.md lists)"
        ) from exc


def check_host_layer(state_dir: Path) -> None:
    try:
        release: str | SystemDepsError = this_release()
    except SystemDepsError as exc:
        release = exc
    host_layer_requirements(os.geteuid(), release)
    install(release)
    engine_requirement(state_dir)


def check_pipeline(java_on_path: bool, java_home: str | None) -> None:
    if not java_on_path and not java_home:
        raise Skipped(
            "the sample pipeline is skipped: its Glue jobs run on local Spark, which needs Java (java on PATH "
            "or JAVA_HOME); `make system-deps` as root installs Debian's, then run `make local` again"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["host-layer", "pipeline"])
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help="the Docker engine's state")
    args = parser.parse_args(argv)
    try:
        if args.part == "host-layer":
            check_host_layer(args.state_dir)
        else:
            check_pipeline(shutil.which("java") is not None, os.environ.get("JAVA_HOME"))
    except Skipped as skipped:
        print(f"make local: {skipped}", flush=True)
        return SKIPPED
    except SystemDepsError as exc:
        print(f"make local: {exc}", file=sys.stderr)
        return FAILED
    return CAN_RUN


if __name__ == "__main__":
    sys.exit(main())
