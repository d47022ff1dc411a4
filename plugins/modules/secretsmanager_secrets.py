#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secretsmanager_secrets
version_added: 0.1.0
short_description: Manage several Secrets Manager secrets at once, with passwords generated when each is created
description:
  - Makes a list of JSON secrets exist with the description, KMS key and tags the task gives, or deletes them.
  - A secret's value is set once, when the module creates it - its O(secrets[].public_fields), its
    O(secrets[].fields) and, for each field named in O(secrets[].generated), a new random password. A secret that
    exists keeps its value whatever the task says, so a rerun never changes a password; its description, KMS key
    and tags are made what the task says (the KMS key change re-encrypts the value, which stays the same).
  - A secret scheduled for deletion is restored, with its value.
  - With O(secrets[].resource_policy), the secret's resource-based policy is made that policy, sent with
    C(BlockPublicPolicy) so that Secrets Manager refuses one that would open the secret beyond the account.
  - Does in one process what M(community.aws.secretsmanager_secret) with
    O(community.aws.secretsmanager_secret#module:overwrite=false) does one secret per task; that module leaves a
    changed description or KMS key as it is when it may not overwrite.
  - The values never leave the module - not in its result, not in its diff.
options:
  secrets:
    description:
      - The secrets, by name.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the secret.
        type: str
        required: true
      description:
        description:
          - Description of the secret.
        type: str
        default: ""
      fields:
        description:
          - Fields of the JSON value a new secret gets, besides the generated ones, whose values are secret.
          - Ansible hides each of these values wherever it appears in the task's output (C(no_log)), even in other
            names; put what is not secret in O(secrets[].public_fields).
        type: dict
        default: {}
      public_fields:
        description:
          - Fields of the JSON value a new secret gets that are not secret (usernames, hosts, ports); the task's
            output shows them. O(secrets[].fields) wins when both name a field.
        type: dict
        default: {}
      generated:
        description:
          - Fields of the JSON value that get a new random password when the secret is created.
        type: list
        elements: str
        default: []
      tags:
        description:
          - Tags of the secret.
        type: dict
      resource_policy:
        description:
          - The secret's resource-based policy. C({}) removes the policy the secret has; without it the policy is
            left as it is.
        type: dict
  kms_key_id:
    description:
      - The KMS key that encrypts the secrets - an alias (C(alias/...)), key id or ARN. Without it, Secrets
        Manager's own key (C(aws/secretsmanager)) encrypts new secrets and existing ones keep theirs.
    type: str
  password_length:
    description:
      - Length of every generated password, with at least one lowercase letter, uppercase letter, digit and special.
    type: int
    default: 32
  password_specials:
    description:
      - The special characters a generated password draws from.
    type: str
    default: "!#%+-.:=?_~"
  purge_tags:
    description:
      - Remove the tags of the listed secrets that O(secrets[].tags) does not give. Without O(secrets[].tags) a
        secret's tags are left as they are.
    type: bool
    default: true
  recovery_window_days:
    description:
      - With O(state=absent), the days a deleted secret can still be restored (7 to 30); C(0) deletes at once.
    type: int
    default: 30
  state:
    description:
      - Whether the secrets should exist.
    choices: [present, absent]
    default: present
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports what would change without changing it (and generates no password).
  diff_mode:
    description:
      - Shows each changed secret's description, KMS key, tags and resource policy before and after, never its value.
"""

EXAMPLES = r"""
- name: Database credentials and application keys, generated once
  dataeng.platform.secretsmanager_secrets:
    kms_key_id: alias/dev-secrets
    password_length: 24
    secrets:
      - name: dev/mysql
        description: MySQL credentials
        public_fields: {username: admin, port: 3306}
        generated: [password]
        tags: {Environment: dev}
      - name: dev/app
        description: Application keys
        generated: [jwt_secret, api_key]
        tags: {Environment: dev}

- name: Delete them at once
  dataeng.platform.secretsmanager_secrets:
    state: absent
    recovery_window_days: 0
    secrets:
      - name: dev/mysql
      - name: dev/app
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: "The API calls made (or that would be made, in check mode), each as C(<secret>: <call>)."
  returned: always
  type: list
  elements: str
  sample: ["dev/mysql: create_secret", "dev/app: update_secret"]
secrets:
  description: The secrets after the task, in the order given, without their values; empty with O(state=absent).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the secret.
      type: str
      sample: dev/mysql
    arn:
      description: ARN of the secret; missing for a secret check mode would create.
      type: str
    description:
      description: Description of the secret.
      type: str
    kms_key_id:
      description: The KMS key as Secrets Manager reports it; missing for its own key.
      type: str
    tags:
      description: Tags of the secret.
      type: dict
    resource_policy:
      description: The secret's resource-based policy (C({}) for none); only when O(secrets[].resource_policy) is given.
      type: dict
"""

import json
import secrets
import string

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)

from ansible_collections.dataeng.platform.plugins.module_utils.lists import fail_on_repeats
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import (
    STATE_OPTION,
    Action,
    ResourceList,
    reconcile,
)
from ansible_collections.dataeng.platform.plugins.module_utils.tags import (
    SECRETS_TAGS,
    apply_tags,
    expected_tags,
    plan_tags,
)

# The classes a generated password has at least one character of, besides the specials.
_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
# The shortest password that holds one character of each class and the specials.
_SHORTEST = len(_CLASSES) + 1


def new_password(length, specials):
    """A random password of `length` from letters, digits and `specials`, with at least one of each class."""
    alphabet = "".join(_CLASSES) + specials
    chosen = [secrets.choice(characters) for characters in (*_CLASSES, specials)]
    chosen += [secrets.choice(alphabet) for _position in range(length - len(chosen))]
    secrets.SystemRandom().shuffle(chosen)
    return "".join(chosen)


def state_of(described):
    """A secret as DescribeSecret gives it, as the module returns it (never a value)."""
    state = {
        "name": described["Name"],
        "arn": described["ARN"],
        "description": described.get("Description", ""),
        "tags": boto3_tag_list_to_ansible_dict(described.get("Tags", [])),
    }
    if described.get("KmsKeyId"):
        state["kms_key_id"] = described["KmsKeyId"]
    return state


def plan_resource_policy(current, wanted):
    """The call that makes a secret's resource policy (`current`, {} for none, None when unknown) the `wanted` one:
    None leaves it alone, {} removes it. Secrets Manager may return the policy reformatted, so it is compared as a
    policy, not as text."""
    if wanted is None:
        return []
    if not wanted:
        return [Action("delete_resource_policy")] if current != {} else []
    if current is None or compare_policies(current, wanted):
        return [Action("put_resource_policy", wanted)]
    return []


def plan_secret(current, wanted, kms_key_matches, purge_tags):
    """The calls that turn an existing secret (as state_of shows it, with `deleted` when scheduled for deletion)
    into the one asked for, and the secret after them. `kms_key_matches` tells whether its key is the wanted one."""
    actions = [Action("restore_secret")] if current.get("deleted") else []
    if current["description"] != wanted["description"] or not kms_key_matches:
        actions.append(Action("update_secret"))
    actions += plan_tags(current["tags"], wanted["tags"], purge_tags, SECRETS_TAGS)
    actions += plan_resource_policy(current.get("resource_policy"), wanted.get("resource_policy"))
    after = {key: value for key, value in current.items() if key != "deleted"}
    after["description"] = wanted["description"]
    after["tags"] = expected_tags(current["tags"], wanted["tags"], purge_tags)
    if wanted.get("resource_policy") is not None:
        after["resource_policy"] = wanted["resource_policy"]
    return actions, after


class Secrets(ResourceList):
    """The listed secrets, as the task asks for them."""

    kind = "secrets"
    member_kind = "secret"

    def __init__(self, module, client, kms):
        super().__init__(module, client)
        self.kms = kms
        self._kms_key_names = None

    def describe(self, name, with_policy=False):
        """The secret as state_of shows it, with `deleted` when it is scheduled for deletion, and with its
        `resource_policy` when asked for (None when it cannot be read while deleted); None when missing."""
        try:
            described = self.client.describe_secret(aws_retry=True, SecretId=name)
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        current = dict(state_of(described), deleted=bool(described.get("DeletedDate")))
        if with_policy:
            current["resource_policy"] = None if current["deleted"] else self.resource_policy(name)
        return current

    def resource_policy(self, name):
        """The secret's resource policy, {} when it has none."""
        policy = self.client.get_resource_policy(aws_retry=True, SecretId=name).get("ResourcePolicy")
        return json.loads(policy) if policy else {}

    def kms_key_matches(self, current):
        """Whether the secret is encrypted with the wanted key, however either names it."""
        wanted = self.params["kms_key_id"]
        if wanted is None or current.get("kms_key_id") == wanted:
            return True
        if self._kms_key_names is None:
            metadata = self.kms.describe_key(aws_retry=True, KeyId=wanted)["KeyMetadata"]
            self._kms_key_names = {wanted, metadata["KeyId"], metadata["Arn"]}
        return current.get("kms_key_id") in self._kms_key_names

    def present(self):
        results = []
        for wanted in self.params["secrets"]:
            name = wanted["name"]
            with_policy = wanted["resource_policy"] is not None
            current = self.describe(name, with_policy)
            if current is None:
                actions = [Action("create_secret")] + plan_resource_policy({}, wanted["resource_policy"])
                after = {"name": name, "description": wanted["description"], "tags": wanted["tags"] or {}}
                if self.params["kms_key_id"]:
                    after["kms_key_id"] = self.params["kms_key_id"]
                if with_policy:
                    after["resource_policy"] = wanted["resource_policy"]
                if not self.module.check_mode:
                    after["arn"] = self.create(wanted)
                    self.apply(wanted, actions[1:])
            else:
                matches = self.kms_key_matches(current)
                actions, after = plan_secret(current, wanted, matches, self.params["purge_tags"])
                if not matches:
                    # As the task names it; AWS may report it otherwise (by id) once changed.
                    after["kms_key_id"] = self.params["kms_key_id"]
                if actions and not self.module.check_mode:
                    self.apply(wanted, actions)
                    after = self.describe(name, with_policy)
                    del after["deleted"]
            before = {key: value for key, value in (current or {}).items() if key != "deleted"}
            self.record(name, actions, before, after)
            results.append(after)
        return results

    def absent(self):
        window = self.params["recovery_window_days"]
        for wanted in self.params["secrets"]:
            current = self.describe(wanted["name"])
            # Scheduled for deletion already: nothing to do, unless the task asks for deletion at once.
            if current is None or (current["deleted"] and window):
                continue
            before = {key: value for key, value in current.items() if key != "deleted"}
            self.record(wanted["name"], [Action("delete_secret")], before, {})
            if not self.module.check_mode:
                deletion = {"ForceDeleteWithoutRecovery": True} if window == 0 else {"RecoveryWindowInDays": window}
                self.client.delete_secret(aws_retry=True, SecretId=wanted["name"], **deletion)
        return []

    def create(self, wanted):
        """Create the secret with its fields and freshly generated passwords; return its ARN."""
        value = {**wanted["public_fields"], **wanted["fields"]}
        for field in wanted["generated"]:
            value[field] = new_password(self.params["password_length"], self.params["password_specials"])
        request = {"Name": wanted["name"], "Description": wanted["description"], "SecretString": json.dumps(value)}
        if self.params["kms_key_id"]:
            request["KmsKeyId"] = self.params["kms_key_id"]
        if wanted["tags"]:
            request["Tags"] = ansible_dict_to_boto3_tag_list(wanted["tags"])
        return self.client.create_secret(aws_retry=True, **request)["ARN"]

    def apply(self, wanted, actions):
        name = wanted["name"]
        for action in actions:
            call = action.call
            if call == "restore_secret":
                self.client.restore_secret(aws_retry=True, SecretId=name)
            elif call == "update_secret":
                update = {"Description": wanted["description"]}
                if self.params["kms_key_id"]:
                    update["KmsKeyId"] = self.params["kms_key_id"]
                self.client.update_secret(aws_retry=True, SecretId=name, **update)
            elif call == "put_resource_policy":
                # BlockPublicPolicy: Secrets Manager refuses a policy that would grant access beyond the account
                # (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutResourcePolicy.html).
                self.client.put_resource_policy(
                    aws_retry=True,
                    SecretId=name,
                    ResourcePolicy=json.dumps(wanted["resource_policy"]),
                    BlockPublicPolicy=True,
                )
            elif call == "delete_resource_policy":
                self.client.delete_resource_policy(aws_retry=True, SecretId=name)
            else:
                apply_tags(self.client, SECRETS_TAGS, name, [action])


def main():
    argument_spec = dict(
        # The list names the secrets; their values are in `public_fields`, `fields` (no_log) or generated.
        secrets=dict(
            type="list",
            elements="dict",
            required=True,
            no_log=False,
            options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str", default=""),
                fields=dict(type="dict", default={}, no_log=True),
                # Usernames and hosts: Ansible would hide each no_log value in every string of the output, so the
                # username "dataeng" in `fields` would hide the secrets' names ("dataeng-dev/mysql") and tags.
                public_fields=dict(type="dict", default={}, no_log=False),
                generated=dict(type="list", elements="str", default=[], no_log=False),
                tags=dict(type="dict"),
                resource_policy=dict(type="dict"),
            ),
        ),
        kms_key_id=dict(type="str"),
        password_length=dict(type="int", default=32, no_log=False),
        password_specials=dict(type="str", default="!#%+-.:=?_~", no_log=False),
        purge_tags=dict(type="bool", default=True),
        recovery_window_days=dict(type="int", default=30),
        state=STATE_OPTION,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    fail_on_repeats(module, "secrets", "name")
    if module.params["password_length"] < _SHORTEST:
        module.fail_json(msg=f"password_length must be at least {_SHORTEST}; got {module.params['password_length']}")
    if not module.params["password_specials"]:
        module.fail_json(msg="password_specials must name at least one character")
    window = module.params["recovery_window_days"]
    if window != 0 and not 7 <= window <= 30:
        module.fail_json(msg=f"recovery_window_days must be 0 or from 7 to 30; got {window}")

    retries = AWSRetry.jittered_backoff()
    members = Secrets(
        module, module.client("secretsmanager", retry_decorator=retries), module.client("kms", retry_decorator=retries)
    )
    reconcile(module, members, "secrets")


if __name__ == "__main__":
    main()
