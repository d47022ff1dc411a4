"""A decoded request (Call), what the whole recording created (Seen), a rule and a violation."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jmespath


@dataclass(frozen=True)
class Call:
    """One request, decoded: its service, operation and parameters."""

    service: str
    operation: str
    params: dict

    def __str__(self) -> str:
        name = next(
            (self.params[key] for key in NAME_PARAMETERS if isinstance(self.params.get(key), str) and self.params[key]),
            "",
        )
        return f"{self.service} {self.operation}" + (f" {name}" if name else "")


# Parameters that name what a request is about, for the violation messages.
NAME_PARAMETERS = (
    "Name",
    "RoleName",
    "PolicyName",
    "InstanceProfileName",
    "GroupName",
    "GroupId",
    "family",
    "serviceName",
    "clusterName",
    "repositoryName",
    "logGroupName",
    "AliasName",
    "Bucket",
    "KeyName",
)


@dataclass
class Seen:
    """What the whole recording created, for rules about references between requests."""

    secret_names: set[str] = field(default_factory=set)
    role_paths: dict[str, str] = field(default_factory=dict)
    # Role -> inline policy name -> its last document's size as IAM counts it.
    inline_policy_sizes: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, calls: Iterable[Call]) -> Seen:
        seen = cls()
        for call in calls:
            if (call.service, call.operation) == ("secretsmanager", "CreateSecret"):
                seen.secret_names.add(call.params.get("Name", ""))
            if (call.service, call.operation) == ("iam", "CreateRole"):
                seen.role_paths[call.params.get("RoleName", "")] = call.params.get("Path", "/")
            if (call.service, call.operation) == ("iam", "PutRolePolicy"):
                policies = seen.inline_policy_sizes.setdefault(call.params.get("RoleName", ""), {})
                policies[call.params.get("PolicyName", "")] = policy_size(call.params.get("PolicyDocument", ""))
        return seen


# A check: the value found, what the recording created -> what is wrong with it, or None.
Check = Callable[[Any, Seen], "str | None"]


@dataclass(frozen=True)
class Rule:
    name: str
    service: str
    operations: tuple[str, ...]
    # Where the checked values are: a JMESPath expression into the parameters ("@" is the whole
    # request), or a function of the call that returns them. A list found is checked item by item.
    where: str | Callable[[Call], list]
    check: Check
    source: str

    def values(self, call: Call) -> list:
        if callable(self.where):
            return self.where(call)
        found = jmespath.search(self.where, call.params)
        if found is None:
            return []
        return found if isinstance(found, list) and self.where != "@" else [found]

    def applies_to(self, call: Call) -> bool:
        return self.service in ("*", call.service) and ("*" in self.operations or call.operation in self.operations)


@dataclass(frozen=True)
class Violation:
    rule: str
    request: str
    problem: str
    source: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.request}: {self.problem} ({self.source})"


def policy_size(document) -> int:
    """IAM counts a policy's characters without its whitespace (IAM and AWS STS quotas)."""
    return len(re.sub(r"\s", "", document if isinstance(document, str) else json.dumps(document)))
