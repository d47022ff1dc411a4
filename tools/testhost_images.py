"""The test hosts' images, built from Debian's packages since no image registry is reachable: a debootstrap of
trixie `docker import`ed as the base, the test host image a Dockerfile on top of it (tools/testhost/Dockerfile);
a second debootstrap with Debian's Prometheus, Pushgateway and node exporter, a thin Dockerfile each
(tools/testhost/services/NAME/), and `save_service_images` to put those into one archive a test host's engine
loads. Images are rebuilt only when their inputs change (a hash kept as an image label).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from logfile import tail as log_tail
from testhost_engine import REPO, TesthostError, docker, ensure_host_packages, exclusive, image_label

CONTEXT_DIR = Path(__file__).resolve().parent / "testhost"
SERVICES_DIR = CONTEXT_DIR / "services"
# The archive of the service images that inventories/local and molecule/monitoring load.
SERVICE_ARCHIVE = REPO / ".local" / "images" / "monitoring-services.tar"
CACHE_ENV = "DATAENG_TESTHOST_CACHE"

BASE_IMAGE = "dataeng-platform/debian-base:13"
IMAGE = "dataeng-platform/testhost:debian13"
SERVICES_BASE_IMAGE = "dataeng-platform/debian-services:13"
INPUTS_LABEL = "dataeng-platform.testhost.inputs"

# The debootstraps of the base images. Everything an image needs is installed here, so
# the Dockerfiles on top stay offline and build in seconds.
SUITE = "trixie"
MIRROR = "http://deb.debian.org/debian"
VARIANT = "minbase"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
INCLUDE = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "python3",
    # Ansible's apt module needs it (the AMIs have it, through unattended-upgrades).
    "python3-apt",
    "sudo",
    "ca-certificates",
    "iproute2",
    "procps",
    "tzdata",
)
# The services' image: Debian's packages of them (all in main, debootstrap's default
# component) and wget for the compose file's healthchecks, which the prom/* images have
# in their busybox.
SERVICES_INCLUDE = (
    "prometheus",
    "prometheus-pushgateway",
    "prometheus-node-exporter",
    "wget",
    "ca-certificates",
)


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "dataeng-platform" / "testhost")


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class Rootfs:
    """A debootstrap of SUITE with `include`, cached as a tarball and `docker import`ed as `image`."""

    name: str  # its tarballs are NAME-SUITE-VARIANT-HASH.tar
    image: str
    include: tuple[str, ...]
    # Without what the image's programs never read (see _slim): the service images are
    # copied into test hosts, whose engines may store every layer whole (vfs).
    slim: bool = False

    def parameters(self) -> dict[str, object]:
        parameters = {"suite": SUITE, "variant": VARIANT, "mirror": MIRROR, "include": sorted(self.include)}
        # Only when set: the base rootfs keeps the hash (and cached tarball) it had before.
        return {**parameters, "slim": True} if self.slim else parameters

    def inputs(self) -> str:
        """Hash of the debootstrap parameters: the image and its cached tarball are named by it."""
        return _digest(json.dumps(self.parameters(), sort_keys=True).encode())

    def tarball(self, cache: Path | None = None) -> Path:
        return (cache or cache_dir()) / f"{self.name}-{SUITE}-{VARIANT}-{self.inputs()[:16]}.tar"

    def owns(self, tarball: Path) -> bool:
        """Whether `tarball` is one of this rootfs' (of any parameters): what pruning may delete.

        Suite and variant have no hyphen, so "debian-services-…" is never taken for one of "debian".
        """
        return (
            re.fullmatch(rf"{re.escape(self.name)}-[a-z0-9]+-[a-z0-9]+-[0-9a-f]{{16}}\.tar", tarball.name) is not None
        )


BASE = Rootfs("debian", BASE_IMAGE, INCLUDE)
SERVICES = Rootfs("debian-services", SERVICES_BASE_IMAGE, SERVICES_INCLUDE, slim=True)


@dataclass(frozen=True)
class ServiceImage:
    """An image of a monitoring service FROM the services rootfs, for a compose file in place of prom/NAME."""

    name: str  # its Dockerfile is tools/testhost/services/NAME/Dockerfile
    image: str

    @property
    def dockerfile(self) -> Path:
        return SERVICES_DIR / self.name / "Dockerfile"

    def inputs(self) -> str:
        return dockerfile_inputs(SERVICES, self.dockerfile)


SERVICE_IMAGES = (
    ServiceImage("prometheus", "dataeng-platform/prometheus:debian13"),
    ServiceImage("pushgateway", "dataeng-platform/pushgateway:debian13"),
    ServiceImage("node-exporter", "dataeng-platform/node-exporter:debian13"),
)


def dockerfile_inputs(rootfs: Rootfs, dockerfile: Path) -> str:
    """Hash of an image's inputs: the rootfs it is FROM and its Dockerfile.

    The Dockerfile alone: it is built without a context (see _docker_build), so nothing
    else beside it can change the image, and files added there do not outdate it.
    """
    return _digest(rootfs.inputs().encode(), f"{dockerfile.name}\0".encode() + dockerfile.read_bytes())


def image_inputs() -> str:
    """Hash of the test host image's inputs: the base rootfs and tools/testhost/Dockerfile."""
    return dockerfile_inputs(BASE, CONTEXT_DIR / "Dockerfile")


def ensure_rootfs_tarball(cache: Path | None = None, log=print, rootfs: Rootfs = BASE) -> Path:
    """debootstrap `rootfs` into a tarball in the cache (once); the .debs are cached too."""
    cache = (cache or cache_dir()).resolve()
    tarball = rootfs.tarball(cache)
    if tarball.exists():
        return tarball
    ensure_host_packages({"debootstrap": "debootstrap"})
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rootfs-", dir=cache) as tmp:
        target = Path(tmp) / "rootfs"
        command = [
            "debootstrap",
            f"--variant={VARIANT}",
            f"--include={','.join(sorted(rootfs.include))}",
            f"--keyring={KEYRING}",
            f"--cache-dir={debs}",
            SUITE,
            str(target),
            MIRROR,
        ]
        log(f"debootstrap {SUITE} ({VARIANT}, {rootfs.name}) into {target}")
        result = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
        if result.returncode != 0:
            debootstrap_log = target / "debootstrap" / "debootstrap.log"
            detail = log_tail(debootstrap_log) if debootstrap_log.exists() else result.stderr[-2000:]
            raise TesthostError(
                f"debootstrap {SUITE} ({rootfs.name}) failed ({result.returncode}):\n{result.stdout[-2000:]}\n{detail}"
            )
        # Nothing of the build machine's session belongs in the image.
        for leftover in ("etc/resolv.conf", "etc/hostname"):
            (target / leftover).unlink(missing_ok=True)
        if rootfs.slim:
            _slim(target)
        partial = tarball.with_suffix(".tar.partial")
        subprocess.run(["tar", "--numeric-owner", "--xattrs", "-C", target, "-cf", partial, "."], check=True)
        partial.rename(tarball)
    # Tarballs of earlier parameters are never used again; the other rootfs' are.
    for stale in cache.glob("*.tar"):
        if stale != tarball and rootfs.owns(stale):
            stale.unlink()
    return tarball


def _slim(rootfs: Path) -> None:
    """Remove apt's downloaded .debs and package lists, documentation (but its copyright files) and translations."""
    removed = [
        *rootfs.glob("var/cache/apt/archives/*.deb"),
        *rootfs.glob("var/cache/apt/*.bin"),
        *(path for path in rootfs.glob("var/lib/apt/lists/*") if path.is_file() and path.name != "lock"),
        *rootfs.glob("usr/share/man/*"),
        *rootfs.glob("usr/share/info/*"),
        *rootfs.glob("usr/share/locale/*"),
        # Not through a package's doc directory that is a symlink to another's.
        *(
            path
            for package in rootfs.glob("usr/share/doc/*")
            if package.is_dir() and not package.is_symlink()
            for path in package.iterdir()
            if path.name != "copyright"
        ),
    ]
    for path in removed:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


@dataclass(frozen=True)
class BuildResult:
    image: str
    inputs: str
    built: bool  # False: the image was up to date
    steps: tuple[str, ...] = field(default=())
    seconds: float = 0.0


def build_image(cache: Path | None = None, force: bool = False, log=print) -> BuildResult:
    """The test host image, built only when its inputs changed (or with force)."""
    started = time.monotonic()
    inputs = image_inputs()
    if not force and image_label(IMAGE, INPUTS_LABEL) == inputs:
        return BuildResult(IMAGE, inputs, built=False, seconds=time.monotonic() - started)
    with exclusive((cache or cache_dir()) / "build.lock"):
        if not force and image_label(IMAGE, INPUTS_LABEL) == inputs:  # built by another process meanwhile
            return BuildResult(IMAGE, inputs, built=False, seconds=time.monotonic() - started)
        steps = _ensure_imported(BASE, cache, force, log)
        _docker_build(IMAGE, CONTEXT_DIR / "Dockerfile", inputs, log)
        _prune_replaced()
        return BuildResult(IMAGE, inputs, built=True, steps=(*steps, "build"), seconds=time.monotonic() - started)


def build_service_images(cache: Path | None = None, force: bool = False, log=print) -> list[BuildResult]:
    """The images of SERVICE_IMAGES, each built only when its inputs changed (or with force).

    The services rootfs is debootstrapped (once, then cached) and imported when one of
    them needs it. The results are in the order of SERVICE_IMAGES.
    """
    started = time.monotonic()

    def outdated() -> list[ServiceImage]:
        return [
            service
            for service in SERVICE_IMAGES
            if force or image_label(service.image, INPUTS_LABEL) != service.inputs()
        ]

    todo = outdated()
    built: dict[str, BuildResult] = {}
    if todo:
        with exclusive((cache or cache_dir()) / "build.lock"):
            todo = outdated()  # another process may have built some meanwhile
            steps = _ensure_imported(SERVICES, cache, force, log) if todo else []
            for service in todo:
                inputs = service.inputs()
                _docker_build(service.image, service.dockerfile, inputs, log)
                # The debootstrap and the import are counted to the first image built.
                built[service.image] = BuildResult(
                    service.image, inputs, built=True, steps=(*steps, "build"), seconds=time.monotonic() - started
                )
                steps, started = [], time.monotonic()
            if todo:
                _prune_replaced()
    return [
        built.get(service.image) or BuildResult(service.image, service.inputs(), built=False)
        for service in SERVICE_IMAGES
    ]


def _ensure_imported(rootfs: Rootfs, cache: Path | None, force: bool, log) -> list[str]:
    """`docker import` the rootfs' tarball (debootstrapped first when not cached) unless its image is up to date.

    Returns the steps taken (none when the image was up to date).
    """
    inputs = rootfs.inputs()
    if not force and image_label(rootfs.image, INPUTS_LABEL) == inputs:
        return []
    cached = rootfs.tarball(cache).exists()
    tarball = ensure_rootfs_tarball(cache, log=log, rootfs=rootfs)
    log(f"docker import {tarball} as {rootfs.image}")
    with open(tarball, "rb") as stream:
        docker("import", "--change", f"LABEL {INPUTS_LABEL}={inputs}", "-", rootfs.image, stdin=stream, timeout=600)
    return ["cached debootstrap" if cached else "debootstrap", "import"]


def _docker_build(image: str, dockerfile: Path, inputs: str, log) -> None:
    log(f"docker build {dockerfile} as {image}")
    # The classic builder: this client has no buildx, and the image FROMs a local image.
    # The Dockerfile on stdin and no context: its inputs hash covers the Dockerfile only.
    docker(
        "build",
        "--label",
        f"{INPUTS_LABEL}={inputs}",
        "--tag",
        image,
        "-",
        input=dockerfile.read_text(),
        env={"DOCKER_BUILDKIT": "0"},
        timeout=900,
    )


def _prune_replaced() -> None:
    # The images a build replaced (now untagged); only ours, by their label.
    docker("image", "prune", "--force", "--filter", f"label={INPUTS_LABEL}", check=False)


def image_id(image: str) -> str | None:
    """The ID of a local image; None when there is none."""
    result = docker("image", "inspect", "--format", "{{.Id}}", image, check=False, timeout=30)
    return result.stdout.strip() if result.returncode == 0 else None


def freshness(image: str, inputs: str) -> str:
    label = image_label(image, INPUTS_LABEL)
    return "missing" if label is None else "up to date" if label == inputs else "outdated"


@dataclass(frozen=True)
class SaveResult:
    archive: Path
    images: tuple[str, ...]
    saved: bool  # False: the archive held these very images already


def save_service_images(archive: Path = SERVICE_ARCHIVE, cache: Path | None = None, log=print) -> SaveResult:
    """The SERVICE_IMAGES (built when outdated) in one `docker save` archive, for the monitoring
    role to load on a host that reaches no registry (monitoring_image_archives).

    The image IDs the archive holds are kept beside it, so it is written again only when an
    image changed; the images share their Debian layer, which the archive holds once.
    """
    build_service_images(cache, log=log)
    images = tuple(service.image for service in SERVICE_IMAGES)
    ids = {image: image_id(image) for image in images}
    recorded = archive.with_name(archive.name + ".ids.json")
    if archive.exists() and recorded.exists() and json.loads(recorded.read_text()) == ids:
        return SaveResult(archive, images, saved=False)
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    log(f"docker save {' '.join(images)} into {archive}")
    docker("save", "--output", str(partial), *images, timeout=900)
    partial.rename(archive)
    recorded.write_text(json.dumps(ids))
    return SaveResult(archive, images, saved=True)
