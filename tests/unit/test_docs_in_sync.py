"""docs/ says what the code does: the generated role reference is current, every tag is documented, links work."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
# Tags Ansible gives a meaning of its own; docs/tags.md may explain them without a playbook using them.
SPECIAL_TAGS = {"always", "never", "all", "tagged", "untagged"}
TASK_LISTS = ("pre_tasks", "tasks", "post_tasks", "handlers", "block", "rescue", "always")
TAG_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|", re.MULTILINE)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def load_docs_tool():
    spec = importlib.util.spec_from_file_location("dataeng_docs_tool", REPO / "tools" / "docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------------ docs/roles.md


def test_roles_doc_is_what_tools_docs_py_generates():
    committed = (DOCS / "roles.md").read_text()
    assert committed == load_docs_tool().render_roles(REPO), (
        "docs/roles.md is out of date with roles/*/meta/argument_specs.yml: run `.venv/bin/python tools/docs.py`"
    )


def test_roles_doc_has_every_role_and_every_variable_of_its_main_entry_point():
    text = (DOCS / "roles.md").read_text()
    for path in sorted((REPO / "roles").glob("*/meta/argument_specs.yml")):
        role = path.parents[1].name
        assert f"\n## {role}\n" in text
        options = yaml.safe_load(path.read_text())["argument_specs"]["main"].get("options") or {}
        assert [name for name in options if f"| `{name}` |" not in text] == [], role


def test_check_fails_on_a_stale_roles_doc_and_passes_once_rewritten(tmp_path):
    for path in (REPO / "roles").glob("*/meta/argument_specs.yml"):
        target = tmp_path / path.relative_to(REPO)
        target.parent.mkdir(parents=True)
        shutil.copy2(path, target)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "roles.md").write_text((DOCS / "roles.md").read_text().replace("Create", "Make", 1))

    def docs_py(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, str(REPO / "tools" / "docs.py"), *args, "roles", "--repo", str(tmp_path)]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    stale = docs_py("--check")
    assert stale.returncode == 1
    assert "out of date: docs/roles.md" in stale.stderr
    assert "docs/roles.md (generated)" in stale.stderr
    assert docs_py().returncode == 0
    assert (tmp_path / "docs" / "roles.md").read_text() == (DOCS / "roles.md").read_text()
    assert docs_py("--check").returncode == 0


# ------------------------------------------------------------------------------------------------- docs/tags.md


def _task_tags(tasks: list | None) -> set[str]:
    found = set()
    for task in tasks or []:
        found |= _keyword_tags(task)
        for key in TASK_LISTS:
            if isinstance(task.get(key), list):
                found |= _task_tags(task[key])
    return found


def _keyword_tags(item: dict) -> set[str]:
    # Only the `tags` keyword: a module's own `tags:` argument (resource tags) is a dict one level down.
    tags = item.get("tags")
    if isinstance(tags, str):
        return {tag.strip() for tag in tags.split(",")}
    return {str(tag) for tag in tags} if isinstance(tags, list) else set()


def playbook_tags() -> dict[str, set[str]]:
    """Every tag each playbook of playbooks/ (and site.yml) uses, by playbook."""
    found = {}
    for path in [REPO / "site.yml", *sorted((REPO / "playbooks").glob("*.yml"))]:
        tags = set()
        for play in yaml.safe_load(path.read_text()) or []:
            tags |= _keyword_tags(play)
            for role in play.get("roles") or []:
                tags |= _keyword_tags(role) if isinstance(role, dict) else set()
            for key in ("pre_tasks", "tasks", "post_tasks", "handlers"):
                tags |= _task_tags(play.get(key))
        found[str(path.relative_to(REPO))] = tags
    return found


def documented_tags() -> set[str]:
    return set(TAG_ROW.findall((DOCS / "tags.md").read_text()))


def test_the_playbooks_use_tags():
    assert {"always", "network", "docker", "monitoring", "outputs"} <= set().union(*playbook_tags().values())


@pytest.mark.parametrize("playbook", sorted(playbook_tags()))
def test_every_tag_of_the_playbook_is_in_docs_tags_md(playbook):
    missing = sorted(playbook_tags()[playbook] - documented_tags())
    assert missing == [], f"{playbook} uses tags docs/tags.md does not explain (one table row each): {missing}"


def test_docs_tags_md_explains_no_tag_the_playbooks_do_not_use():
    used = set().union(*playbook_tags().values())
    assert sorted(documented_tags() - used - SPECIAL_TAGS) == []


# ------------------------------------------------------------------------------------------------------- links


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file."""
    anchors: set[str] = set()
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else re.match(r"^#{1,6}\s+(.*?)\s*#*$", line)
        if match:
            slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
            anchor, number = slug, 0
            while anchor in anchors:
                number += 1
                anchor = f"{slug}-{number}"
            anchors.add(anchor)
    return anchors


@pytest.mark.parametrize("page", sorted(path.name for path in DOCS.glob("*.md")))
def test_links_of_docs_point_at_files_and_headings_that_exist(page):
    source = DOCS / page
    broken = []
    for target in LINK.findall(source.read_text()):
        if re.match(r"^[a-z]+:", target):
            continue
        path_part, _hash, anchor = target.partition("#")
        path = (source.parent / path_part).resolve() if path_part else source
        if not path.exists() or (anchor and path.suffix == ".md" and anchor not in github_anchors(path.read_text())):
            broken.append(target)
    assert broken == []
