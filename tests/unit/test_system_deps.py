"""The Debian package lists by release, and which release a machine runs (no apt, no root)."""

from __future__ import annotations

import subprocess

import pytest

import system_deps

BOOKWORM = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION_CODENAME=bookworm
ID=debian
"""
TRIXIE = BOOKWORM.replace("12 (bookworm)", "13 (trixie)").replace("bookworm", "trixie").replace('"12"', '"13"')
UBUNTU = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n'


@pytest.mark.parametrize(("text", "release"), [(BOOKWORM, "bookworm"), (TRIXIE, "trixie")])
def test_the_release_is_read_from_os_release(text, release):
    assert system_deps.release_name(system_deps.os_release(text)) == release


def test_another_system_is_named_with_what_is_supported():
    with pytest.raises(system_deps.SystemDepsError) as refused:
        system_deps.release_name(system_deps.os_release(UBUNTU))
    assert str(refused.value) == (
        "Ubuntu 24.04 LTS is not a release the package lists know (supported: Debian bookworm, Debian trixie)"
    )


def test_a_machine_without_os_release_is_not_debian(tmp_path):
    with pytest.raises(system_deps.SystemDepsError, match="is unreadable .*: this is not a Debian system"):
        system_deps.this_release(tmp_path / "os-release")


def test_each_release_names_its_own_jdk_and_go():
    bookworm, trixie = system_deps.RELEASES["bookworm"], system_deps.RELEASES["trixie"]
    assert "openjdk-17-jre-headless" in bookworm.packages
    assert "golang-1.19-go" in bookworm.packages
    assert "openjdk-21-jre-headless" in trixie.packages
    assert "golang-1.24-go" in trixie.packages
    # Compose v2: trixie's own package; bookworm's comes from the pinned .deb.
    assert "docker-compose" in trixie.packages
    assert "docker-compose" not in bookworm.packages
    # trixie's docker.io is the engine alone: its docker command is a package of its own.
    assert "docker-cli" in trixie.packages
    for release in (bookworm, trixie):
        assert set(system_deps.COMMON_PACKAGES) <= set(release.packages)


def test_this_machine_runs_a_release_the_lists_know_and_apt_has_each_of_its_packages():
    """The lists name packages that exist: apt knows every one of this machine's release (`make test` runs
    system-deps first, whose apt-get update fills apt's lists when anything was missing)."""
    release = system_deps.this_release()
    packages = system_deps.RELEASES[release].packages
    shown = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", *packages], capture_output=True, text=True, check=False
    )
    assert shown.returncode == 0, f"apt on {release} lacks some of {packages}: {shown.stderr}"
    assert {line.split(": ", 1)[1] for line in shown.stdout.splitlines() if line.startswith("Package: ")} == set(
        packages
    )


def test_a_deb_whose_digest_differs_is_refused_and_dropped(tmp_path):
    deb = system_deps.PinnedDeb(url="http://deb.example/pool/x_1_amd64.deb", sha256="0" * 64)
    cached = tmp_path / "x_1_amd64.deb"
    cached.write_bytes(b"not the pinned package")
    with pytest.raises(system_deps.SystemDepsError, match="not the pinned 0{64}: refused"):
        system_deps.fetch_pinned(deb, cache=tmp_path)
    assert not cached.exists()
