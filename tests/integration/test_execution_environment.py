"""The execution environment definition produces the build context AWX's image needs.

No image is built (no registry here): `ansible-builder create` writes the context from
execution-environment.yml, and `ansible-builder introspect` computes, as the image build
does, the Python and system packages the installed collections add up to.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from bindep.depends import Depends
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
BASE_IMAGE = "quay.io/centos/centos:stream9"
# What bindep reports inside the base image: the profiles the image build installs for.
CENTOS_STREAM_9 = [
    "default",
    "platform:centos",
    "platform:centos-9",
    "platform:redhat",
    "platform:rpm",
    "platform:python3",
]
DEBIAN = ["default", "platform:debian", "platform:dpkg", "platform:python3"]
# The collections the playbooks use, from galaxy.yml's dependencies.
DEPENDENCIES = ("amazon.aws", "community.aws", "community.docker", "kubernetes.core", "ansible.utils")


def pins(path: Path) -> dict[str, str]:
    """name -> exact version of every `name==version` line of a pip requirements file."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{path.name}: {line} is not pinned"
            found[requirement.name] = specifier.version
    return found


def requirement_lines(path: Path) -> list[Requirement]:
    return [Requirement(line.split("#", 1)[0]) for line in path.read_text().splitlines() if line.split("#", 1)[0]]


@dataclass
class Context:
    definition: dict
    galaxy: dict
    version: str
    path: Path

    @property
    def containerfile(self) -> str:
        return (self.path / "Containerfile").read_text()

    def build_file(self, name: str) -> Path:
        return self.path / "_build" / name


@pytest.fixture(scope="module")
def context(repo, tmp_path_factory) -> Context:
    """The build context, from a copy of the definition and the files it names, next to a fresh
    build of the collection where `make build` puts it (so nothing is written into the repository)."""
    definition = yaml.safe_load((repo / "execution-environment.yml").read_text())
    galaxy = yaml.safe_load((repo / "galaxy.yml").read_text())
    stage = tmp_path_factory.mktemp("ee")
    (stage / "execution-environment.yml").write_text((repo / "execution-environment.yml").read_text())
    for kind in ("galaxy", "python", "system"):
        named = Path(definition["dependencies"][kind])
        assert not named.is_absolute(), f"{kind}: {named} must be relative to the repository"
        (stage / named).parent.mkdir(parents=True, exist_ok=True)
        (stage / named).write_text((repo / named).read_text())
    subprocess.run(
        [BIN / "ansible-galaxy", "collection", "build", "--output-path", stage / "build", repo],
        check=True,
        capture_output=True,
        cwd=repo,
    )
    result = subprocess.run(
        [
            BIN / "ansible-builder",
            "create",
            "--file",
            stage / "execution-environment.yml",
            "--context",
            stage / "context",
            "--output-filename",
            "Containerfile",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # A file named in additional_build_files that does not exist is only a warning to ansible-builder.
    assert "No matches" not in result.stdout + result.stderr, result.stdout + result.stderr
    return Context(definition, galaxy, galaxy["version"], stage / "context")


def test_containerfile_builds_on_the_pinned_base_image_with_the_tested_ansible(context, repo):
    containerfile = context.containerfile
    assert f'ARG EE_BASE_IMAGE="{BASE_IMAGE}"' in containerfile
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    # The current ansible-core needs Python 3.12+ on the controller: the image takes that pinned set.
    python = re.search(r'^ARG PYCMD="/usr/bin/python3\.(\d+)"$', containerfile, re.MULTILINE)
    assert python, containerfile
    assert int(python.group(1)) >= 12, containerfile
    locked = pins(repo / "constraints-py312.txt")
    refs = f"ansible-core=={locked['ansible-core']} ansible-runner=={locked['ansible-runner']}"
    assert f'ARG ANSIBLE_INSTALL_REFS="{refs}"' in containerfile
    assert "RUN $PYCMD -m pip install --no-cache-dir $ANSIBLE_INSTALL_REFS" in containerfile
    assert context.definition["options"]["tags"] == [f"dataeng-platform-ee:{context.version}"]


def test_containerfile_installs_the_collections_then_the_python_and_system_requirements(context):
    containerfile = context.containerfile
    assert "COPY _build /build" in containerfile
    assert (
        "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml "
        '--collections-path "/usr/share/ansible/collections"'
    ) in containerfile
    tarball = f"collections/dataeng-platform-{context.version}.tar.gz"
    own = [line for line in containerfile.splitlines() if tarball in line]
    assert len(own) == 1, containerfile
    assert own[0].startswith("RUN ")
    assert "ansible-galaxy collection install --no-deps" in own[0]
    # ... after its dependencies, so --no-deps finds them installed.
    assert containerfile.index("-r requirements.yml --collections-path") < containerfile.index(tarball)
    assert "COPY _build/requirements.txt requirements.txt" in containerfile
    assert "COPY _build/bindep.txt bindep.txt" in containerfile
    assert "introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile
    assert "RUN /output/scripts/install-from-bindep" in containerfile


def test_the_collection_itself_goes_into_the_context_as_built(context):
    built = context.build_file(f"collections/dataeng-platform-{context.version}.tar.gz")
    with tarfile.open(built) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
        names = set(archive.getnames())
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == ("dataeng", "platform", context.version)
    assert {"playbooks/cloud.yml", "playbooks/outputs.yml", "roles/outputs/tasks/main.yml"} <= names


def test_galaxy_requirements_are_the_repository_ones_and_cover_every_dependency(context, repo):
    assert context.build_file("requirements.yml").read_text() == (repo / "requirements.yml").read_text()
    listed = {
        c["name"]: c.get("version", "*")
        for c in yaml.safe_load(context.build_file("requirements.yml").read_text())["collections"]
    }
    assert set(DEPENDENCIES) <= set(context.galaxy["dependencies"])
    for name, versions in context.galaxy["dependencies"].items():
        assert listed.get(name) == versions, f"requirements.yml and galaxy.yml disagree on {name}"


def test_python_requirements_are_the_runtime_pins_without_the_ansible_package(context, repo):
    in_context = pins(context.build_file("requirements.txt"))
    runtime = pins(repo / "requirements.txt")
    # The `ansible` package would install a second copy of every collection next to ansible-core.
    assert "ansible" in runtime
    assert "ansible" not in in_context
    assert "ansible-core" not in in_context
    assert in_context == {name: version for name, version in runtime.items() if name != "ansible"}
    assert {"boto3", "botocore", "netaddr"} <= set(in_context)


def test_system_requirements_give_the_controller_an_ssh_client(context):
    bindep = Depends(context.build_file("bindep.txt").read_text())
    # (Listed by the definition and by the collection's meta/execution-environment.yml: installed once.)
    assert {rule[0] for rule in bindep.active_rules(CENTOS_STREAM_9)} == {"openssh-clients"}
    assert [rule[0] for rule in bindep.active_rules(DEBIAN)] == ["openssh-client"]


@pytest.fixture(scope="module")
def introspected(context, repo, tmp_path_factory) -> dict[str, Path]:
    """What the image build's introspect step writes, run on the same collections: this one from its
    tarball, its dependencies at the versions the pinned `ansible` package bundles."""
    import ansible_collections.amazon.aws

    root = tmp_path_factory.mktemp("introspect")
    collections = root / "collections" / "ansible_collections"
    with tarfile.open(context.build_file(f"collections/dataeng-platform-{context.version}.tar.gz")) as archive:
        archive.extractall(collections / "dataeng" / "platform", filter="data")
    bundled = Path(next(iter(ansible_collections.amazon.aws.__path__))).parents[1]
    galaxy_requirements = yaml.safe_load(context.build_file("requirements.yml").read_text())["collections"]
    for entry in galaxy_requirements:
        namespace, name = entry["name"].split(".")
        source = bundled / namespace / name
        version = yaml.safe_load((source / "MANIFEST.json").read_text())["collection_info"]["version"]
        # The bundled versions stand for what Galaxy gives within the same ranges.
        assert version in SpecifierSet(entry.get("version", "*").replace("*", "")), f"{entry['name']} {version}"
        (collections / namespace).mkdir(exist_ok=True)
        (collections / namespace / name).symlink_to(source)
    written = {"python": root / "requirements.txt", "system": root / "bindep.txt"}
    result = subprocess.run(
        [
            BIN / "ansible-builder",
            "introspect",
            f"--user-pip={context.build_file('requirements.txt')}",
            f"--user-bindep={context.build_file('bindep.txt')}",
            f"--write-pip={written['python']}",
            f"--write-bindep={written['system']}",
            root / "collections",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return written


def test_introspection_keeps_the_pins_and_every_collection_minimum_is_met(introspected, context):
    requirements = requirement_lines(introspected["python"])
    names = {requirement.name for requirement in requirements}
    # meta/execution-environment.yml names the collection's runtime requirements, without `ansible`
    # (which requirements.txt pins); the build drops ansible-core too.
    assert "ansible" not in names
    assert "ansible-core" not in names
    assert {"boto3", "botocore", "netaddr", "kubernetes", "docker"} <= names
    pinned = pins(context.build_file("requirements.txt"))
    for requirement in requirements:
        if requirement.name in pinned:
            assert requirement.specifier.contains(pinned[requirement.name]), f"{requirement} vs {pinned}"


def test_introspection_installs_only_the_ssh_client_on_the_base_image(introspected):
    bindep = Depends(introspected["system"].read_text())
    # No compilers or test packages of the dependencies, no RHEL-only package on CentOS Stream.
    # (Listed by the definition and by the collection's meta/execution-environment.yml: installed once.)
    assert {rule[0] for rule in bindep.active_rules(CENTOS_STREAM_9)} == {"openssh-clients"}
