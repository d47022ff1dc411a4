"""A role's variables (roles/<role>/vars/main.yml) as Ansible templates them, given the facts its tasks registered:
what the unit tests of a role's reasoning evaluate, without AWS."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

REPO = Path(__file__).resolve().parents[2]


@cache
def role_vars(role: str) -> dict:
    """The role's vars/main.yml, its text trusted as templates (as Ansible trusts the role's own files)."""
    loaded = yaml.safe_load((REPO / "roles" / role / "vars" / "main.yml").read_text())
    return {name: trusted(value) for name, value in loaded.items()}


def trusted(value: object) -> object:
    """`value` with every string in it trusted as a template, however deep."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: trusted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [trusted(item) for item in value]
    return value


def templated(role: str, name: str, **facts) -> object:
    """The role variable `name`, templated with the role's variables and `facts` (which override them)."""
    variables = {**role_vars(role), **facts}
    return Templar(loader=DataLoader(), variables=variables).template(role_vars(role)[name])
