"""Local "EC2 hosts" for the host-layer role tests: Debian 13 containers with systemd as PID 1.

No image registry is reachable from here, so everything comes from Debian's packages:
the Docker engine is Debian's docker.io, the base image a debootstrap of trixie that is
`docker import`ed, the test host image a Dockerfile on top of it (tools/testhost/).
The images of Prometheus, the Pushgateway and the node exporter that a role's compose
project can run instead of prom/* come the same way: a second debootstrap with Debian's
packages of them, a thin Dockerfile each (tools/testhost/services/NAME/). A test host's
own Docker engine reaches no registry either: `save-service-images` saves them into one
archive (.local/images/) that the monitoring role copies to the host and loads.

    python tools/testhost.py ensure-engine [--state-dir .local/docker]
    python tools/testhost.py build-image [--force]   # cached in $DATAENG_TESTHOST_CACHE
    python tools/testhost.py build-service-images [--force]
    python tools/testhost.py start NAME [--timeout 120]
    python tools/testhost.py save-service-images [--archive PATH]
    python tools/testhost.py status
    python tools/testhost.py stop NAME

The engine is started once and left running (its log in the state directory); images
are rebuilt only when their inputs change (a hash kept as an image label); test hosts
carry the label dataeng-platform.testhost=1 and are removed by `stop`.

This module is the command line, and the one module tests import; the work is in
testhost_engine.py (the engine), testhost_images.py (the images and their archive) and
testhost_hosts.py (the hosts' lifecycle).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from processes import failed
from testhost_engine import (
    DEFAULT_STATE_DIR,
    EngineState,
    TesthostError,
    docker,
    engine_answers,
    engine_info,
    ensure_engine,
    image_label,
    read_engine_state,
)
from testhost_hosts import EXPECTED_FAILED_UNITS, Testhost, exec_in, failed_units, list_testhosts, start, stop
from testhost_images import (
    BASE,
    BASE_IMAGE,
    CONTEXT_DIR,
    IMAGE,
    INPUTS_LABEL,
    SERVICE_ARCHIVE,
    SERVICE_IMAGES,
    SERVICES,
    SERVICES_BASE_IMAGE,
    BuildResult,
    build_image,
    build_service_images,
    dockerfile_inputs,
    freshness,
    image_inputs,
    save_service_images,
)

# `import testhost` is the test hosts' interface for tests and their support: all of it in one module.
__all__ = [
    "BASE",
    "BASE_IMAGE",
    "CONTEXT_DIR",
    "DEFAULT_STATE_DIR",
    "EXPECTED_FAILED_UNITS",
    "IMAGE",
    "INPUTS_LABEL",
    "SERVICES",
    "SERVICES_BASE_IMAGE",
    "SERVICE_ARCHIVE",
    "SERVICE_IMAGES",
    "BuildResult",
    "EngineState",
    "Testhost",
    "TesthostError",
    "build_image",
    "build_service_images",
    "docker",
    "dockerfile_inputs",
    "engine_answers",
    "ensure_engine",
    "exec_in",
    "image_inputs",
    "image_label",
    "main",
    "save_service_images",
    "start",
    "stop",
]


def _print_host(host: Testhost) -> None:
    print(f"test host {host.name}: systemd {host.system_state}")
    if host.failed_units:
        print(f"  failed units: {', '.join(host.failed_units)}")


def _status(state_dir: Path) -> int:
    if not engine_answers():
        print("no Docker engine answers; run `python tools/testhost.py ensure-engine`", file=sys.stderr)
        return 3
    info = engine_info()
    recorded = read_engine_state(state_dir)
    where = f", pid {recorded.pid}, log {recorded.log_file}" if recorded else ""
    print(f"engine: Docker {info['server_version']}, storage driver {info['storage_driver']}{where}")
    print(f"{BASE_IMAGE}: {freshness(BASE_IMAGE, BASE.inputs())}")
    print(f"{IMAGE}: {freshness(IMAGE, image_inputs())}")
    print(f"{SERVICES_BASE_IMAGE}: {freshness(SERVICES_BASE_IMAGE, SERVICES.inputs())}")
    for service in SERVICE_IMAGES:
        print(f"{service.image}: {freshness(service.image, service.inputs())}")
    hosts = list_testhosts()
    if not hosts:
        print("no test hosts")
    for host in hosts:
        line = f"test host {host['name']}: {host['status']}"
        if host["state"] == "running":
            system = exec_in(host["name"], "systemctl", "is-system-running", check=False).stdout.strip()
            line += f", systemd {system}"
            if system == "degraded":
                line += f" (failed: {', '.join(failed_units(host['name']))})"
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help="dockerd's log and state")
    commands = parser.add_subparsers(dest="command", required=True)
    engine_cmd = commands.add_parser(
        "ensure-engine", parents=[where], help="install and start dockerd when none answers"
    )
    engine_cmd.add_argument("--timeout", type=float, default=60.0)
    build_cmd = commands.add_parser("build-image", help=f"build {IMAGE} when its inputs changed")
    build_cmd.add_argument("--force", action="store_true", help="import and build again even when up to date")
    services_cmd = commands.add_parser(
        "build-service-images",
        help=f"build the images of {', '.join(service.name for service in SERVICE_IMAGES)} when their inputs changed",
    )
    services_cmd.add_argument("--force", action="store_true", help="import and build again even when up to date")
    save_cmd = commands.add_parser(
        "save-service-images", help="build the service images when outdated and save them into one archive"
    )
    save_cmd.add_argument("--archive", type=Path, default=SERVICE_ARCHIVE)
    start_cmd = commands.add_parser("start", help="start a test host and wait until systemd has booted")
    start_cmd.add_argument("name")
    start_cmd.add_argument("--timeout", type=float, default=120.0)
    stop_cmd = commands.add_parser("stop", help="stop and remove a test host")
    stop_cmd.add_argument("name")
    commands.add_parser("status", parents=[where], help="the engine, the images and the test hosts")
    args = parser.parse_args(argv)

    try:
        if args.command == "ensure-engine":
            state = ensure_engine(args.state_dir, timeout=args.timeout)
            how = f"started (pid {state.pid}, log {state.log_file})" if state.started else "already answering"
            print(f"Docker {state.server_version} {how}, storage driver {state.storage_driver}")
        elif args.command == "build-image":
            result = build_image(force=args.force)
            if result.built:
                print(f"{result.image} built in {result.seconds:.1f}s ({', '.join(result.steps)})")
            else:
                print(f"{result.image} is up to date (inputs {result.inputs[:12]})")
        elif args.command == "build-service-images":
            for result in build_service_images(force=args.force):
                if result.built:
                    print(f"{result.image} built in {result.seconds:.1f}s ({', '.join(result.steps)})")
                else:
                    print(f"{result.image} is up to date (inputs {result.inputs[:12]})")
        elif args.command == "save-service-images":
            # molecule's prepare step reports a change when "saved" is printed: only then.
            saved = save_service_images(args.archive)
            state = "saved" if saved.saved else "up to date"
            print(f"{saved.archive} ({', '.join(saved.images)}): {state}")
        elif args.command == "start":
            _print_host(start(args.name, timeout=args.timeout))
        elif args.command == "stop":
            print(f"test host {args.name} removed" if stop(args.name) else f"no test host {args.name}")
        else:
            return _status(args.state_dir)
        return 0
    except TesthostError as exc:
        return failed("testhost", exc)


if __name__ == "__main__":
    sys.exit(main())
