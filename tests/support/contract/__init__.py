"""AWS's documented contract, beyond what botocore's model enforces, checked on every request a
converge sent to the emulator.

botocore validates types, required members and minimum lengths; moto accepts almost anything
else. What AWS itself refuses, or accepts and then fails on later (a task that cannot read its
secret, a role a service can never assume), is written in prose in the API references and service
guides. RULES (rules.py) is that prose as data: each rule names the operations it applies to, where in
the request the checked values are, the check, and the page it comes from. A new rule is one entry.

Requests come from moto's recorder (support.emulator.RequestRecording.requests) and are decoded
per protocol into a dict of parameters as sent on the wire: JSON bodies as they are, query and EC2
form bodies unflattened (`Tags.member.1.Key` -> Tags[0].Key, `TagSpecification.1.Tag.2.Value`
-> TagSpecification[0].Tag[1].Value), S3's REST requests as Bucket, Key and their XML or JSON body.

The package: model (Call, Rule, Violation), decoding, checks, rules; the checking itself here.
"""

from __future__ import annotations

from collections.abc import Iterable

from support.aws_proxy import Request
from support.contract.checks import tag_sets
from support.contract.decoding import decode
from support.contract.model import Call, Rule, Seen, Violation
from support.contract.rules import RULES


def violations(calls: list[Call], rules: Iterable[Rule] = RULES) -> list[Violation]:
    """Every rule every call breaks."""
    seen = Seen.of(calls)
    found = []
    for call in calls:
        for rule in rules:
            if not rule.applies_to(call):
                continue
            for value in rule.values(call):
                problem = rule.check(value, seen)
                if problem:
                    found.append(Violation(rule.name, str(call), problem, rule.source))
    return found


def check(requests: Iterable[Request]) -> list[Violation]:
    """Every rule the recorded requests break."""
    return violations([decode(request) for request in requests])


__all__ = ["RULES", "Call", "Rule", "Violation", "check", "decode", "tag_sets", "violations"]
