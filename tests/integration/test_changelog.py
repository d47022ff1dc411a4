"""The changelog: fragments lint, and CHANGELOG.rst is what antsibull-changelog generates from them."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHANGELOGS = REPO / "changelogs"
CONFIG = yaml.safe_load((CHANGELOGS / "config.yaml").read_text())
FRAGMENTS = sorted(path for path in (CHANGELOGS / "fragments").iterdir() if not path.name.startswith("."))
# The sections a fragment may have: the configured ones, the release summary and trivial changes.
KNOWN_SECTIONS = {name for name, _title in CONFIG["sections"]} | {
    CONFIG["prelude_section_name"],
    CONFIG["trivial_section_name"],
}


def antsibull_changelog(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "antsibull-changelog"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def snapshot() -> dict[str, str]:
    """Every file the changelog tooling could touch, with a digest of its content."""
    paths = [*CHANGELOGS.rglob("*"), REPO / "CHANGELOG.rst"]
    return {
        str(path.relative_to(REPO)): hashlib.sha256(path.read_bytes()).hexdigest() for path in paths if path.is_file()
    }


def load_docs_tool():
    spec = importlib.util.spec_from_file_location("dataeng_docs_tool", REPO / "tools" / "docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def flat(text: str) -> str:
    return " ".join(text.split())


def test_fragments_pass_antsibull_changelog_lint():
    completed = antsibull_changelog("lint")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.strip() == "", completed.stdout


def test_changelog_yaml_passes_antsibull_changelog_lint():
    completed = antsibull_changelog("lint-changelog-yaml", str(CHANGELOGS / "changelog.yaml"))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.strip() == "", completed.stdout


@pytest.mark.parametrize("fragment", [path.name for path in FRAGMENTS])
def test_fragment_is_yaml_with_known_sections(fragment):
    # ignore_other_fragment_extensions: a fragment named otherwise would be skipped without a word.
    assert fragment.endswith((".yml", ".yaml")), "antsibull-changelog reads only .yml and .yaml fragments"
    content = yaml.safe_load((CHANGELOGS / "fragments" / fragment).read_text())
    assert isinstance(content, dict), "a fragment is a mapping of section names"
    assert sorted(set(content) - KNOWN_SECTIONS) == [], f"known sections: {sorted(KNOWN_SECTIONS)}"
    for section, entries in content.items():
        if section == CONFIG["prelude_section_name"]:
            assert isinstance(entries, str), "the release summary is one string"
            assert entries.strip()
        else:
            assert isinstance(entries, list), f"{section} is a list of entries"
            assert entries, f"{section} is empty"
            assert all(isinstance(entry, str) and entry.strip() for entry in entries), section


@pytest.mark.slow
def test_committed_changelog_is_a_fresh_generation_and_the_repository_is_left_alone():
    before = snapshot()
    generated = load_docs_tool().render_changelog(REPO)
    assert snapshot() == before, "generating the changelog changed files in the repository"
    assert (REPO / "CHANGELOG.rst").read_text() == generated, (
        "CHANGELOG.rst is out of date with changelogs/: run `.venv/bin/python tools/docs.py`"
    )


def test_every_fragment_entry_is_in_the_changelog():
    changelog = flat((REPO / "CHANGELOG.rst").read_text())
    missing = []
    for path in FRAGMENTS:
        for section, entries in (yaml.safe_load(path.read_text()) or {}).items():
            if section == CONFIG["trivial_section_name"]:
                continue
            for entry in [entries] if isinstance(entries, str) else entries:
                if flat(entry) not in changelog:
                    missing.append(f"{path.name}: {flat(entry)[:80]}")
    assert missing == []


def test_changelog_names_the_galaxy_version():
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    released = (yaml.safe_load((CHANGELOGS / "changelog.yaml").read_text()) or {}).get("releases") or {}
    changelog = (REPO / "CHANGELOG.rst").read_text()
    if FRAGMENTS or str(version) in released:
        assert f"\nv{version}\n" in changelog
    if FRAGMENTS and str(version) not in released:
        assert "Not released yet" in changelog
