#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_role
version_added: 0.1.0
short_description: Manage an IAM role with its trust policy, managed policies, permissions boundary and tags
description:
  - Creates, updates or deletes an IAM role, with its managed and inline policies.
  - Unlike M(amazon.aws.iam_role), it makes no instance profile (M(amazon.aws.iam_instance_profile) does) and prints
    no deprecation warning; it reports the change it would make in check mode and as a diff.
  - The trust policy compares by meaning, not text - key order, whitespace, a single value given as a string or a
    one-element list, and an account given by its ID or its root ARN make no difference.
  - With O(state=absent) the role leaves every instance profile that holds it, its managed policies are detached and
    its inline policies deleted before the role is, as IAM requires.
  - IAM is eventually consistent; the module waits until a role it created can be read before it attaches policies,
    and retries a trust policy refused for a principal IAM has not propagated yet and a deletion refused for a
    policy just detached.
options:
  name:
    description:
      - Name of the role (1 to 64 letters, digits and C(_+=,.@-)).
      - Required unless O(roles) lists the roles.
    type: str
  roles:
    description:
      - The roles to converge in one module run instead of a loop's run per role (each run starts Python, boto3
        and the service model again).
      - Each item is a dict of this module's options for one role, O(name) among them; an option the item does
        not set takes the task's value. Each item is checked as the module checks one role; a message about an
        item begins with C(roles[index] (name)). Mutually exclusive with O(name).
    type: list
    elements: dict
    version_added: 0.2.0
  state:
    description:
      - Whether the role should exist.
    choices: [present, absent]
    default: present
    type: str
  path:
    description:
      - Path of the role (C(/), or C(/name/) with more path segments between slashes); IAM cannot move an existing role
        to another path, so a different path fails and says so.
    type: str
    default: /
  description:
    description:
      - What the role is for, up to 1000 characters. Omitted leaves the description of an existing role as it is.
    type: str
  assume_role_policy_document:
    description:
      - The trust policy - who may assume the role - as a dict or JSON text. Required with O(state=present).
    type: json
  managed_policies:
    description:
      - ARNs of the managed policies attached to the role. Omitted leaves the attached policies as they are; with
        O(purge_policies=true), an empty list detaches every one.
      - A role's inline policies are set with O(inline_policies).
    type: list
    elements: str
  purge_policies:
    description:
      - Detach the managed policies O(managed_policies) does not list.
    type: bool
    default: true
  max_session_duration:
    description:
      - Longest session, in seconds, that assuming the role may ask for, from 3600 (1 hour) to 43200 (12 hours).
        Omitted leaves the setting of an existing role as it is (3600 for a new one).
    type: int
  boundary:
    description:
      - ARN of the managed policy that is the role's permissions boundary; an empty string removes the boundary.
        Omitted leaves the boundary as it is.
    type: str
  inline_policies:
    description:
      - The role's inline policy documents by policy name (each a dict or JSON text), compared by meaning as its
        trust policy is. Omitted leaves the inline policies as they are.
      - Sets in the role's own module run what M(dataeng.platform.iam_inline_policies) sets for several roles.
    type: dict
    version_added: 0.2.0
  purge_inline_policies:
    description:
      - Delete the inline policies O(inline_policies) does not name, as Terraform's C(aws_iam_role) does with its
        C(inline_policy) blocks.
    type: bool
    default: true
    version_added: 0.2.0
  instance_profiles:
    description:
      - Also return the instance profiles that hold the role (C(ListInstanceProfilesForRole)) in
        RV(iam_role.instance_profiles), as M(dataeng.platform.iam_role_info) returns them, so that a task that gives a
        host role its instance profile needs no read of its own. A role the task creates is in none.
    type: bool
    default: false
    version_added: 0.2.0
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports what would change without changing it.
  diff_mode:
    description: Shows the role before and after.
"""

EXAMPLES = r"""
- name: The role Glue's crawlers and jobs run as
  dataeng.platform.iam_role:
    name: dataeng-dev-glue-service
    description: AWS Glue crawlers and ETL jobs of the data lake
    assume_role_policy_document:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal:
            Service: glue.amazonaws.com
          Action: sts:AssumeRole
    managed_policies: []
    max_session_duration: 3600
    boundary: arn:aws:iam::123456789012:policy/Boundary
    tags:
      Environment: dev

- name: A host's role; the instance profile that carries it to EC2 comes next
  dataeng.platform.iam_role:
    name: dataeng-dev-monitoring-host
    assume_role_policy_document: "{{ lookup('ansible.builtin.file', 'ec2-trust.json') }}"
    managed_policies:
      - arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore

- name: Its instance profile
  amazon.aws.iam_instance_profile:
    name: dataeng-dev-monitoring-host
    role: dataeng-dev-monitoring-host

- name: Delete a role, out of its instance profiles, with its policies
  dataeng.platform.iam_role:
    name: dataeng-dev-monitoring-host
    state: absent
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: The API calls an update made (or would make, in check mode), each with the policy it attaches or
    detaches.
  returned: when an existing role changed (with O(roles), each prefixed with the role's name)
  type: list
  elements: str
  sample: ["update_role", "attach_role_policy arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "tag_role"]
roles:
  description: Each role of O(roles) as it is after the task, in the order listed (each as RV(iam_role)
    describes it; empty when absent).
  returned: when O(roles) is given
  type: list
  elements: dict
  version_added: 0.2.0
iam_role:
  description: The role as it is after the task (empty when absent). In check mode a role that does not exist yet
    has no RV(iam_role.arn), RV(iam_role.role_id) nor RV(iam_role.create_date), which IAM gives it when it creates it.
  returned: unless O(roles) is given
  type: dict
  contains:
    role_name:
      description: Name of the role.
      type: str
      sample: dataeng-dev-glue-service
    arn:
      description: ARN of the role, as IAM returns it.
      type: str
      sample: arn:aws:iam::123456789012:role/dataeng-dev-glue-service
    role_id:
      description: The role's unique id.
      type: str
      sample: AROA1234567890EXAMPLE
    path:
      description: Path of the role.
      type: str
      sample: /
    create_date:
      description: When the role was created (ISO 8601).
      type: str
      sample: "2026-01-31T12:00:00+00:00"
    description:
      description: Description of the role (empty when none).
      type: str
      sample: AWS Glue crawlers and ETL jobs of the data lake
    max_session_duration:
      description: Longest session, in seconds.
      type: int
      sample: 3600
    assume_role_policy_document:
      description: The trust policy, decoded.
      type: dict
      sample:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {"Service": "glue.amazonaws.com"}
            Action: sts:AssumeRole
    permissions_boundary:
      description: ARN of the permissions boundary (empty when none).
      type: str
      sample: arn:aws:iam::123456789012:policy/Boundary
    attached_policies:
      description: The attached managed policies, by ARN.
      type: list
      elements: dict
      contains:
        policy_arn:
          description: ARN of the policy.
          type: str
          sample: arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore
        policy_name:
          description: Name of the policy.
          type: str
          sample: AmazonSSMManagedInstanceCore
    tags:
      description: Tags of the role.
      type: dict
      sample: {"Environment": "dev"}
    inline_policies:
      description: The role's inline policy documents by name, as compared (canonical form).
      returned: when O(inline_policies) is given
      type: dict
      version_added: 0.2.0
    instance_profiles:
      description: The instance profiles that hold the role, each with its name, id, ARN and path.
      returned: with O(instance_profiles=true), when the role exists (or would, in check mode)
      type: list
      elements: dict
      version_added: 0.2.0
      sample: [{"instance_profile_name": "dataeng-dev-monitoring-host", "instance_profile_id": "AIPA1234567890EXAMPLE",
               "arn": "arn:aws:iam::123456789012:instance-profile/dataeng-dev-monitoring-host", "path": "/"}]
"""

import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.dataeng.platform.plugins.module_utils.iam import (
    DEFAULT_SETTINGS,
    apply_inline_policies,
    attached_policy,
    canonical_policy,
    instance_profiles_of,
    listed,
    plan_inline_policies,
    policy_document,
    read_inline_policies,
    read_role,
)
from ansible_collections.dataeng.platform.plugins.module_utils.propagation import (
    IAM_NEW_ROLE_NOT_VISIBLE,
    IAM_PRINCIPAL_NOT_PROPAGATED,
    IAM_REMOVALS_NOT_PROPAGATED,
    when_propagated,
)
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import (
    Action,
    ManagedResource,
    RefusedChange,
    run,
)
from ansible_collections.dataeng.platform.plugins.module_utils.tags import (
    IAM_ROLE_TAGS,
    TAG_OPTIONS,
    apply_tags,
    expected_task_tags,
    plan_task_tags,
)

# What CreateRole takes (IAM API Reference, CreateRole,
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html): a RoleName of 1 to 64 of [\w+=,.@-];
# a Path of "/" or segments between slashes, of the characters U+0021 to U+007F, at most 512; a Description of at
# most 1000 tab, newline and printable Latin-1 characters; a MaxSessionDuration of 3600 to 43200 seconds (one to
# twelve hours; UpdateRole takes the same, API_UpdateRole.html).
NAME_PATTERN = re.compile(r"[\w+=,.@-]{1,64}")
PATH_PATTERN = re.compile(r"/|/[\u0021-\u007f]+/")
MAX_PATH_LENGTH = 512
DESCRIPTION_PATTERN = re.compile(r"[\u0009\u000a\u000d\u0020-\u007e\u00a1-\u00ff]*")
MAX_DESCRIPTION_LENGTH = 1000
MIN_SESSION_DURATION = 3600
MAX_SESSION_DURATION = 43200
# A managed policy (AttachRolePolicy's PolicyArn, CreateRole's and PutRolePermissionsBoundary's PermissionsBoundary):
# an AWS managed one (account "aws") or one of an account.
POLICY_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:iam::(aws|\d{12}):policy/.+")
# The setting each option asks for.
SETTING_OPTIONS = {
    "description": "description",
    "max_session_duration": "max_session_duration",
    "permissions_boundary": "boundary",
}

# Around the calls that hand IAM the trust policy, whose principals IAM may not see yet.
WHEN_PRINCIPALS_PROPAGATED = when_propagated(IAM_PRINCIPAL_NOT_PROPAGATED)
# Around reading the role this run created: a role just created may not be found at once.
WHEN_ROLE_VISIBLE = when_propagated(IAM_NEW_ROLE_NOT_VISIBLE)
# Around deleting the role once its profiles and policies are removed.
WHEN_REMOVALS_PROPAGATED = when_propagated(IAM_REMOVALS_NOT_PROPAGATED)


def policy_text(document):
    """A policy document as the JSON text IAM takes: as the task gave it when it is text."""
    return document if isinstance(document, str) else json.dumps(document)


def wanted_settings(current, params):
    """The description, session duration and boundary the role should have: what the task gives, else what the role
    has (IAM's defaults for a new one)."""
    settings = {key: (current or DEFAULT_SETTINGS)[key] for key in DEFAULT_SETTINGS}
    for key, option in SETTING_OPTIONS.items():
        if params.get(option) is not None:
            settings[key] = params[option]
    return settings


def wanted_policies(current_arns, params):
    """The ARNs of the managed policies the role should have attached, sorted."""
    given = params.get("managed_policies")
    if given is None:
        return sorted(current_arns)
    if params["purge_policies"]:
        return sorted(set(given))
    return sorted(set(current_arns) | set(given))


def wanted_inline_policies(params):
    """The inline policies the task gives, by name, in the canonical form they are compared in."""
    return {name: canonical_policy(document) for name, document in params["inline_policies"].items()}


def planned_inline_policies(current, params):
    """The inline policy Actions for a role whose inline policies are `current` (None for a new role), and the
    policies after them."""
    return plan_inline_policies(
        (current or {}).get("inline_policies", {}), wanted_inline_policies(params), params["purge_inline_policies"]
    )


def create_request(params):
    """What create_role takes: the settings the task gives (IAM's defaults for the others) and its tags."""
    request = {
        "Path": params["path"],
        "RoleName": params["name"],
        "AssumeRolePolicyDocument": policy_text(params["assume_role_policy_document"]),
    }
    if params.get("description") is not None:
        request["Description"] = params["description"]
    if params.get("max_session_duration") is not None:
        request["MaxSessionDuration"] = params["max_session_duration"]
    if params.get("boundary"):
        request["PermissionsBoundary"] = params["boundary"]
    if params.get("tags"):
        request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    return request


def plan_role(current, params):
    """The Actions that turn `current` (role_from_iam) into what `params` ask for, in the order they are made.

    Raises RefusedChange for another path: IAM has no call that moves a role (UpdateRole changes its description
    and session duration only, API_UpdateRole.html)."""
    if current["path"] != params["path"]:
        raise RefusedChange(
            f"its path is {current['path']}, not {params['path']}, and IAM cannot move a role: set path to "
            f"{current['path']}, or delete the role (state=absent) and create it again"
        )
    actions = []
    trust = params["assume_role_policy_document"]
    if canonical_policy(current["assume_role_policy_document"]) != canonical_policy(trust):
        actions.append(Action("update_assume_role_policy", policy_text(trust)))
    settings = wanted_settings(current, params)
    if any(settings[key] != current[key] for key in ("description", "max_session_duration")):
        # UpdateRole applies its default session duration (one hour) when the request has none, and the emulator
        # clears the description: the request carries both (API_UpdateRole.html).
        actions.append(
            Action(
                "update_role",
                {"Description": settings["description"], "MaxSessionDuration": settings["max_session_duration"]},
            )
        )
    if settings["permissions_boundary"] != current["permissions_boundary"]:
        if settings["permissions_boundary"]:
            actions.append(Action("put_role_permissions_boundary", settings["permissions_boundary"]))
        else:
            actions.append(Action("delete_role_permissions_boundary"))
    attached = [policy["policy_arn"] for policy in current["attached_policies"]]
    policies = wanted_policies(attached, params)
    # Detached first: a role has a quota of attached policies (IAM and AWS STS quotas).
    actions.extend(Action("detach_role_policy", target=arn) for arn in sorted(set(attached) - set(policies)))
    actions.extend(Action("attach_role_policy", target=arn) for arn in policies if arn not in attached)
    if params.get("inline_policies") is not None:
        actions.extend(planned_inline_policies(current, params)[0])
    return actions + plan_task_tags(current["tags"], params, IAM_ROLE_TAGS)


def expected_role(current, params):
    """The role as it will be after the planned calls (`current` is None for a new one): what IAM reports of it,
    but its ids and creation date, which IAM gives a new role when it creates it."""
    after = dict(current or {})
    after.update(role_name=params["name"], path=params["path"], **wanted_settings(current, params))
    trust = policy_document(params["assume_role_policy_document"])
    if not current or canonical_policy(current["assume_role_policy_document"]) != canonical_policy(trust):
        after["assume_role_policy_document"] = trust
    names = {policy["policy_arn"]: policy["policy_name"] for policy in (current or {}).get("attached_policies", [])}
    after["attached_policies"] = [attached_policy(arn, names.get(arn)) for arn in wanted_policies(list(names), params)]
    after["tags"] = expected_task_tags(current["tags"] if current else {}, params)
    if params.get("inline_policies") is not None:
        after["inline_policies"] = planned_inline_policies(current, params)[1]
    return after


def check_params(params):
    """What argument_spec cannot say; returns an error message or None."""
    if not NAME_PATTERN.fullmatch(params["name"]):
        return f"name must be 1 to 64 letters, digits and _+=,.@- (IAM's role names), got {params['name']!r}"
    if params["state"] == "absent":
        return None
    if not PATH_PATTERN.fullmatch(params["path"]) or len(params["path"]) > MAX_PATH_LENGTH:
        return f"path must be / or start and end with / (at most {MAX_PATH_LENGTH} characters), got {params['path']!r}"
    try:
        trust = policy_document(params["assume_role_policy_document"])
    except ValueError as e:
        return f"assume_role_policy_document is not valid JSON: {e}"
    if not isinstance(trust, dict):
        return "assume_role_policy_document must be a policy document (a JSON object)"
    try:
        if params.get("inline_policies"):
            wanted_inline_policies(params)
    except (ValueError, TypeError) as e:
        return f"inline_policies: each must be a policy document (a dict or JSON text): {e}"
    description = params.get("description")
    if description is not None and (
        len(description) > MAX_DESCRIPTION_LENGTH or not DESCRIPTION_PATTERN.fullmatch(description)
    ):
        return (
            f"description must be at most {MAX_DESCRIPTION_LENGTH} characters of printable Latin-1, tab and newline "
            f"(got {len(description)} characters)"
        )
    duration = params.get("max_session_duration")
    if duration is not None and not MIN_SESSION_DURATION <= duration <= MAX_SESSION_DURATION:
        return (
            f"max_session_duration must be {MIN_SESSION_DURATION} to {MAX_SESSION_DURATION} seconds (1 to 12 hours), "
            f"got {duration}"
        )
    if params.get("boundary") and not POLICY_ARN_PATTERN.fullmatch(params["boundary"]):
        return f"boundary must be a managed policy's ARN or empty, got {params['boundary']!r}"
    malformed = [arn for arn in params.get("managed_policies") or [] if not POLICY_ARN_PATTERN.fullmatch(arn)]
    if malformed:
        return f"managed_policies must be policy ARNs (arn:aws:iam::...:policy/...), got {', '.join(malformed)}"
    return None


class IamRole(ManagedResource):
    kind = "IAM role"

    def __init__(self, module):
        super().__init__(module)
        self.client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())

    def describe(self):
        role = read_role(self.client, self.name)
        if role is not None and self.params.get("inline_policies") is not None:
            wanted = self.params["inline_policies"]
            role["inline_policies"] = read_inline_policies(
                self.client, self.name, wanted, self.params["purge_inline_policies"]
            )
        return role

    def converge(self, state):
        result, role = super().converge(state)
        if role and self.params["instance_profiles"]:
            # A role this run creates (or would) is in no profile yet; IAM may not list one it has just created.
            created = result["changed"] and not result["diff"]["before"]
            role = {**role, "instance_profiles": [] if created else instance_profiles_of(self.client, self.name)}
        return result, role

    def plan(self, current):
        return plan_role(current, self.params)

    def expected(self, current):
        return expected_role(current, self.params)

    def create(self):
        WHEN_PRINCIPALS_PROPAGATED(self.client.create_role)(aws_retry=True, **create_request(self.params))
        # IAM is eventually consistent: a role just created may not be found by the next request at once
        # (troubleshoot_general.html#troubleshoot_general_eventual-consistency); its policies are attached once
        # it reads back.
        WHEN_ROLE_VISIBLE(self.client.get_role)(aws_retry=True, RoleName=self.name)
        for arn in wanted_policies([], self.params):
            self.client.attach_role_policy(aws_retry=True, RoleName=self.name, PolicyArn=arn)
        if self.params.get("inline_policies"):
            puts, _after = planned_inline_policies(None, self.params)
            apply_inline_policies(self.client, self.name, puts, self.params["inline_policies"])

    def update(self, current, actions):
        for action in actions:
            if action.call == "update_assume_role_policy":
                WHEN_PRINCIPALS_PROPAGATED(self.client.update_assume_role_policy)(
                    aws_retry=True, RoleName=self.name, PolicyDocument=action.argument
                )
            elif action.call == "update_role":
                self.client.update_role(aws_retry=True, RoleName=self.name, **action.argument)
            elif action.call == "put_role_permissions_boundary":
                self.client.put_role_permissions_boundary(
                    aws_retry=True, RoleName=self.name, PermissionsBoundary=action.argument
                )
            elif action.call == "delete_role_permissions_boundary":
                self.client.delete_role_permissions_boundary(aws_retry=True, RoleName=self.name)
            elif action.call == "detach_role_policy":
                self.client.detach_role_policy(aws_retry=True, RoleName=self.name, PolicyArn=action.target)
            elif action.call == "attach_role_policy":
                self.client.attach_role_policy(aws_retry=True, RoleName=self.name, PolicyArn=action.target)
        apply_inline_policies(self.client, self.name, actions, self.params.get("inline_policies") or {})
        apply_tags(self.client, IAM_ROLE_TAGS, self.name, actions)

    def delete(self, current):
        # DeleteRole refuses a role that still has any of these; AWS's order: out of its instance profiles, its
        # managed policies detached, its inline policies deleted, then the role (IAM API Reference, DeleteRole,
        # https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html). Something already gone (removed
        # meanwhile) is what was wanted.
        for profile in listed(self.client, "list_instance_profiles_for_role", self.name):
            self.gone_or(
                self.client.remove_role_from_instance_profile,
                InstanceProfileName=profile["InstanceProfileName"],
                RoleName=self.name,
            )
        for policy in current["attached_policies"]:
            self.gone_or(self.client.detach_role_policy, RoleName=self.name, PolicyArn=policy["policy_arn"])
        for name in listed(self.client, "list_role_policies", self.name):
            self.gone_or(self.client.delete_role_policy, RoleName=self.name, PolicyName=name)
        self.gone_or(WHEN_REMOVALS_PROPAGATED(self.client.delete_role), RoleName=self.name)

    @staticmethod
    def gone_or(call, **request):
        """`call(**request)`, a NoSuchEntity answer taken as done."""
        try:
            call(aws_retry=True, **request)
        except is_boto3_error_code("NoSuchEntity"):
            pass


def main():
    options = dict(
        path=dict(type="str", default="/"),
        description=dict(type="str"),
        assume_role_policy_document=dict(type="json"),
        managed_policies=dict(type="list", elements="str"),
        purge_policies=dict(type="bool", default=True),
        max_session_duration=dict(type="int"),
        boundary=dict(type="str"),
        inline_policies=dict(type="dict"),
        purge_inline_policies=dict(type="bool", default=True),
        instance_profiles=dict(type="bool", default=False),
        **TAG_OPTIONS,
    )
    run(
        IamRole,
        "iam_role",
        options,
        check_params,
        several="roles",
        required_if=[("state", "present", ["assume_role_policy_document"])],
    )


if __name__ == "__main__":
    main()
