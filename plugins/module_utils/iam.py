# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the IAM modules share: a role read in their terms, and policy documents read as IAM returns them and compared
by meaning, not text."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from ansible_collections.amazon.aws.plugins.module_utils.botocore import (
    is_boto3_error_code,
    paginated_query_with_retries,
)
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action

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
# What IAM reports of a role created without them (IAM API Reference, CreateRole: MaxSessionDuration "If you do not
# specify a value for this setting, the default value of one hour is applied").
DEFAULT_SETTINGS = {"description": "", "max_session_duration": 3600, "permissions_boundary": ""}


def listed(client, call, role_name):
    """Every item of a paginated listing about a role (list_attached_role_policies, list_role_policies,
    list_instance_profiles_for_role): IAM returns at most 100 a page by default (MaxItems)."""
    key = {
        "list_attached_role_policies": "AttachedPolicies",
        "list_role_policies": "PolicyNames",
        "list_instance_profiles_for_role": "InstanceProfiles",
    }[call]
    return paginated_query_with_retries(client, call, RoleName=role_name)[key]


def read_role(client, name):
    """The role `name` in the IAM modules' terms (role_from_iam), or None when it does not exist."""
    try:
        role = client.get_role(aws_retry=True, RoleName=name)["Role"]
        attached = listed(client, "list_attached_role_policies", name)
    except is_boto3_error_code("NoSuchEntity"):
        return None
    return role_from_iam(role, attached)


def attached_policy(arn, name=None):
    """An attached policy in the modules' terms; its name is the last part of its ARN's path."""
    return {"policy_arn": arn, "policy_name": name or arn.rsplit("/", 1)[-1]}


def role_from_iam(role, attached):
    """A get_role answer and the role's list_attached_role_policies in the modules' terms: snake_case keys, the trust
    policy decoded, the attached policies sorted, the tags a dict."""
    created = role.get("CreateDate")
    return {
        "role_name": role["RoleName"],
        "arn": role["Arn"],
        "role_id": role["RoleId"],
        "path": role.get("Path") or "/",
        "create_date": created.isoformat() if hasattr(created, "isoformat") else created,
        "description": role.get("Description") or "",
        "max_session_duration": role.get("MaxSessionDuration") or DEFAULT_SETTINGS["max_session_duration"],
        "assume_role_policy_document": policy_document(role.get("AssumeRolePolicyDocument") or {}),
        "permissions_boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""),
        "attached_policies": sorted(
            (attached_policy(policy["PolicyArn"], policy.get("PolicyName")) for policy in attached),
            key=lambda policy: policy["policy_arn"],
        ),
        "tags": boto3_tag_list_to_ansible_dict(role.get("Tags") or []),
    }


def instance_profile_from_iam(profile):
    """A list_instance_profiles_for_role item in the modules' terms (its roles left out)."""
    return {
        "instance_profile_name": profile["InstanceProfileName"],
        "instance_profile_id": profile["InstanceProfileId"],
        "arn": profile["Arn"],
        "path": profile.get("Path") or "/",
    }


def instance_profiles_of(client, name):
    """The instance profiles that hold role `name` (ListInstanceProfilesForRole), in the modules' terms."""
    return [instance_profile_from_iam(profile) for profile in listed(client, "list_instance_profiles_for_role", name)]


def read_inline_policies(client, role_name, wanted, purge):
    """Role `role_name`'s inline policies as canonical documents, by name: all of them with `purge`, else only those
    `wanted` names (the others are not the task's business)."""
    return {
        name: canonical_policy(
            client.get_role_policy(aws_retry=True, RoleName=role_name, PolicyName=name)["PolicyDocument"]
        )
        for name in listed(client, "list_role_policies", role_name)
        if purge or name in wanted
    }


def plan_inline_policies(current, wanted, purge):
    """The Actions that turn `current` inline policies (name: canonical document) into `wanted`, and the policies
    after; with `purge`, those `wanted` does not name go."""
    actions = [
        Action("put_role_policy", document, target=name)
        for name, document in wanted.items()
        if current.get(name) != document
    ]
    after = dict(current)
    after.update(wanted)
    if purge:
        for name in sorted(set(current) - set(wanted)):
            actions.append(Action("delete_role_policy", target=name))
            del after[name]
    return actions, after


def apply_inline_policies(client, role_name, actions, given):
    """Make the planned inline policy calls; a policy is written as the task gave it (`given`), not canonical."""
    for action in actions:
        if action.call == "put_role_policy":
            document = given[action.target]
            client.put_role_policy(
                aws_retry=True,
                RoleName=role_name,
                PolicyName=action.target,
                PolicyDocument=document if isinstance(document, str) else json.dumps(document),
            )
        elif action.call == "delete_role_policy":
            client.delete_role_policy(aws_retry=True, RoleName=role_name, PolicyName=action.target)


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
