# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fail on variables that look like the collection's settings but that no role declares (documented in
plugins/modules/undeclared_settings.py)."""

from __future__ import annotations

import difflib
import fnmatch
from pathlib import Path

import yaml
from ansible.plugins.action import ActionBase

# The collection's roles, next to plugins/ in the repository as in an installed collection.
ROLES_DIR = Path(__file__).resolve().parents[2] / "roles"
# Settings shared by every cloud role live in `common` under this prefix; the rest are named after their role
# (tests/unit/test_role_interfaces.py).
GLOBAL_PREFIX = "platform_"
# How alike the rest of a name (after its role's prefix) must be to a setting's (difflib's ratio) for "did you mean"
# to name it: a typo (vpc_cdir: vpc_cidr) or a near name (task_cpu: spark_job_cpu) scores above, an unrelated name of
# the same role (platform_owner: platform_env) below. Whole names would all look alike through their shared prefix.
SUGGESTION_CUTOFF = 0.55

ARGUMENT_SPEC = {
    "allowed": {"type": "list", "elements": "str", "default": []},
    "published": {"type": "list", "elements": "str", "default": []},
    "retired": {"type": "dict", "default": {}},
}


def declared_settings(roles_dir: Path) -> tuple[set[str], list[str]]:
    """Every option of every entry point of every role's meta/argument_specs.yml, and the roles' names."""
    declared = set()
    roles = []
    for specs in sorted(roles_dir.glob("*/meta/argument_specs.yml")):
        roles.append(specs.parent.parent.name)
        for entry_point in (yaml.safe_load(specs.read_text()) or {}).get("argument_specs", {}).values():
            declared.update((entry_point or {}).get("options") or {})
    return declared, roles


def setting_prefixes(roles: list[str]) -> tuple[str, ...]:
    """What makes a name look like a setting: a role's name, or `platform_` (the shared settings in `common`)."""
    return (*(f"{role}_" for role in roles), GLOBAL_PREFIX)


def undeclared(
    names, declared: set[str], prefixes: tuple[str, ...], published: set[str], allowed: list[str]
) -> list[str]:
    """The names that look like settings (a role's prefix or `platform_`) but are neither declared, nor a fact the
    collection publishes, nor matched by an `allowed` pattern (shell-style: `docker_*`). `_`-prefixed and
    `ansible_*` names never start with a prefix, so they are never reported."""
    return sorted(
        name
        for name in set(names)
        if name.startswith(prefixes)
        and name not in declared
        and name not in published
        and not any(fnmatch.fnmatchcase(name, pattern) for pattern in allowed)
    )


def suggestion(name: str, declared: set[str], prefixes: tuple[str, ...]) -> str | None:
    """The setting of the same prefix whose rest is closest to `name`'s, when one is close enough to be what was
    meant."""
    prefix = max((prefix for prefix in prefixes if name.startswith(prefix)), key=len)
    rests = sorted(setting[len(prefix) :] for setting in declared if setting.startswith(prefix))
    close = difflib.get_close_matches(name[len(prefix) :], rests, n=1, cutoff=SUGGESTION_CUTOFF)
    return prefix + close[0] if close else None


def message(names: list[str], declared: set[str], prefixes: tuple[str, ...], retired: dict[str, str]) -> str:
    """One message naming every undeclared variable, what was probably meant, and how to go on."""
    guesses = [
        f"{name} (did you mean {closest}?)" if (closest := suggestion(name, declared, prefixes)) else name
        for name in names
        if name not in retired
    ]
    sentences = []
    if guesses:
        sentences.append(
            f"No role of dataeng.platform declares these variables, so the run would ignore them: {'; '.join(guesses)}."
        )
    sentences += [f"{name} is gone: {retired[name]}; remove {name}." for name in names if name in retired]
    sentences.append(
        "Nothing was changed. Correct or remove each in the inventory or the -e options (ansible-doc -t role"
        " dataeng.platform.<role> lists a role's settings, docs/roles.md all of them); list a variable of your own"
        " that only looks like the collection's in platform_undeclared_settings_allowed."
    )
    return " ".join(sentences)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    # Everything happens on the controller: the host is never contacted.
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)

        # What the user set, not what the collection's roles and plays define: the host's variables as hostvars
        # holds them (inventory and play-adjacent group_vars/host_vars, extra vars, facts, magic variables) leave out
        # role defaults and vars, play vars and task vars. The task's own task_vars would hold the role vars of the
        # role running it (common's platform_names, ...), which are no settings. Facts come along too: the
        # collection's are passed as `published`, and every role publishes platform_<role> (docs/architecture.md).
        host_vars = task_vars["hostvars"].raw_get(task_vars["inventory_hostname"])
        declared, roles = declared_settings(ROLES_DIR)
        prefixes = setting_prefixes(roles)
        published = {*args["published"], *(GLOBAL_PREFIX + role for role in roles)}
        names = undeclared(host_vars, declared, prefixes, published, args["allowed"])

        result.update(changed=False, undeclared=names)
        if names:
            result.update(failed=True, msg=message(names, declared, prefixes, args["retired"]))
        return result
