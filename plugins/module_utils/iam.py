# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the IAM modules share: policy documents read as IAM returns them and compared by meaning, not text."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

# Statement keys whose value may be one string or a list of strings, meaning the same.
_LIST_OR_STRING = {"Action", "NotAction", "Resource", "NotResource"}
_PRINCIPALS = {"Principal", "NotPrincipal"}
# An account as a principal, given as its root ARN: IAM takes the account ID alone as the same principal
# ("AWS JSON policy elements: Principal", AWS account principals,
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts).
_ACCOUNT_ROOT = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):root$")
# A policy without Version is read as the 2008-10-17 language ("IAM JSON policy elements: Version",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html).
_DEFAULT_VERSION = "2008-10-17"


def policy_document(document):
    """A policy document as a dict, from a dict, JSON text, or the URL-encoded JSON text IAM's Get* calls return
    ("Policies returned by this operation are URL-encoded compliant with RFC 3986", IAM API Reference, GetRole,
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html; boto3 decodes it already)."""
    if not isinstance(document, str):
        return document
    try:
        return json.loads(document)
    except ValueError:
        return json.loads(unquote(document))


def canonical_policy(document):
    """A policy document (dict, JSON text or URL-encoded JSON text) in a form that compares equal when the meaning
    is equal: key order and whitespace aside, one string or a list of them, one statement or a list of one, an
    account ID or its root ARN, an empty Condition or none, a missing Version or 2008-10-17."""
    document = dict(policy_document(document))
    document.setdefault("Version", _DEFAULT_VERSION)
    if isinstance(document.get("Statement"), dict):
        document["Statement"] = [document["Statement"]]
    return _canonical(document)


def _canonical(value, key=None):
    if key in _PRINCIPALS:
        principals = {"AWS": "*"} if value == "*" else value
        return {kind: _strings(names, _account) for kind, names in sorted(principals.items())}
    if key == "Condition":
        return {
            operator: {name: _strings(values) for name, values in sorted(keys.items())}
            for operator, keys in sorted(value.items())
        }
    if isinstance(value, dict):
        return {k: _canonical(v, k) for k, v in sorted(value.items()) if not (k == "Condition" and not v)}
    if isinstance(value, list):
        items = [_canonical(item) for item in value]
        if key in _LIST_OR_STRING and all(isinstance(item, str) for item in items):
            return sorted(set(items))
        return items
    if key in _LIST_OR_STRING and isinstance(value, str):
        return [value]
    return value


def _strings(values, spelling=str):
    """A principal's or a condition key's values: one or a list, booleans and numbers as the text IAM reads."""
    listed = values if isinstance(values, list) else [values]
    return sorted({spelling(_text(value)) for value in listed})


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _account(principal):
    match = _ACCOUNT_ROOT.match(principal)
    return match.group(1) if match else principal
