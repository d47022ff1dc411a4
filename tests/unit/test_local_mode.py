"""What `make local` skips, and the line that says so (tools/local_mode.py), without root or Docker."""

from __future__ import annotations

import pytest

import local_mode
import system_deps


def test_the_host_layer_needs_root():
    with pytest.raises(local_mode.Skipped) as skipped:
        local_mode.host_layer_requirements(1000, "trixie")
    assert str(skipped.value).startswith("the host layer is skipped: its test hosts need root")
    assert "run `sudo make local` on Debian 12 or 13" in str(skipped.value)


def test_the_host_layer_needs_a_debian_release_the_lists_know():
    other = system_deps.SystemDepsError("macOS 15 is not a release the package lists know (supported: ...)")
    with pytest.raises(local_mode.Skipped, match="built from Debian packages and macOS 15 is not a release"):
        local_mode.host_layer_requirements(0, other)


@pytest.mark.parametrize("release", sorted(system_deps.RELEASES))
def test_root_on_a_known_release_may_build_the_test_hosts(release):
    local_mode.host_layer_requirements(0, release)


def test_the_pipeline_needs_java():
    with pytest.raises(local_mode.Skipped, match=r"needs Java \(java on PATH or JAVA_HOME\)"):
        local_mode.check_pipeline(java_on_path=False, java_home=None)
    local_mode.check_pipeline(java_on_path=False, java_home="/usr/lib/jvm/java-21-openjdk-amd64")
    local_mode.check_pipeline(java_on_path=True, java_home=None)


def test_a_skipped_part_is_one_line_and_exit_status_1(monkeypatch, capsys):
    monkeypatch.setattr(local_mode.shutil, "which", lambda _command: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert local_mode.main(["pipeline"]) == local_mode.SKIPPED
    printed = capsys.readouterr().out
    assert printed.count("\n") == 1
    assert printed.startswith("make local: the sample pipeline is skipped")
