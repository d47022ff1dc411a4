# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The flows the collection's resource modules share.

A module describes one kind of AWS resource with a `ManagedResource` subclass (how to read,
create, change and delete it, and which API calls a difference needs); `reconcile` then
gives it check mode, diff and one result shape: `changed`, the resource under its result
key, and `actions` (the update calls made, or that would be made in check mode).
"""

from __future__ import annotations

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags


class RefusedChange(Exception):
    """A change the service cannot make in place; the message says what to do instead."""


class ManagedResource:
    """One AWS resource, as a module manages it. Subclasses implement the five methods below.

    `describe` and `expected` return the same shape (snake_case keys, tags as a dict), so a
    rerun compares what exists with what is asked for and check mode can show the result.
    """

    #: What the resource is called in messages, e.g. "Glue database".
    kind = "resource"

    def __init__(self, module):
        self.module = module
        self.params = module.params

    @property
    def name(self):
        return self.params["name"]

    def describe(self):
        """The resource as it exists, or None."""
        raise NotImplementedError

    def plan(self, current):
        """The API calls that turn `current` into what the task asks for, in order.

        Raises RefusedChange when the service cannot make the change in place."""
        raise NotImplementedError

    def expected(self, current):
        """The resource as it will be after the planned calls (`current` is None for a new one)."""
        raise NotImplementedError

    def create(self):
        raise NotImplementedError

    def update(self, current, actions):
        raise NotImplementedError

    def delete(self, current):
        raise NotImplementedError


def plan_tags(current_tags, params):
    """The tag calls a change needs, in the order they are made: untag_resource, then tag_resource."""
    if params.get("tags") is None:
        return []
    to_add, to_remove = compare_aws_tags(current_tags, params["tags"], params["purge_tags"])
    return (["untag_resource"] if to_remove else []) + (["tag_resource"] if to_add else [])


def expected_tags(current_tags, params):
    """The tags a resource will carry once the task has run."""
    if params.get("tags") is None:
        return dict(current_tags)
    tags = {} if params["purge_tags"] else dict(current_tags)
    tags.update(params["tags"])
    return tags


def reconcile(module, resource, result_key):
    """Make `resource` present or absent as `module.params['state']` asks, then exit the module."""
    state = module.params.get("state", "present")
    what = f"{resource.kind} {resource.name}"
    try:
        current = resource.describe()
        if state == "absent":
            if current is None:
                module.exit_json(changed=False, **{result_key: {}})
            if not module.check_mode:
                resource.delete(current)
            module.exit_json(changed=True, diff={"before": current, "after": {}}, **{result_key: {}})

        if current is None:
            if module.check_mode:
                after = resource.expected(None)
            else:
                resource.create()
                after = resource.describe()
            module.exit_json(changed=True, diff={"before": {}, "after": after}, **{result_key: after})

        actions = resource.plan(current)
        if not actions:
            module.exit_json(changed=False, **{result_key: current})
        if module.check_mode:
            after = resource.expected(current)
        else:
            resource.update(current, actions)
            after = resource.describe()
        module.exit_json(changed=True, actions=actions, diff={"before": current, "after": after}, **{result_key: after})
    except RefusedChange as refused:
        module.fail_json(msg=f"{what}: {refused}")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage {what}")


class ListMember:
    """One of a list of like resources a module reconciles in one call (`reconcile_list`).

    The resource must exist already; a module reconciles some of its settings.
    """

    #: What the resource is called in messages, e.g. "Bucket".
    kind = "resource"
    #: What the module does to it, for the failure message, e.g. "lay out bucket".
    doing = "reconcile"
    #: The error code AWS answers when the resource does not exist, and the module that creates it.
    missing_error = ""
    created_by = ""

    def __init__(self, client, name):
        self.client = client
        self.name = name

    def read(self):
        """The settings as they are."""
        raise NotImplementedError

    def plan(self, current):
        """The calls that turn `current` into what the task asks for, and the settings after them."""
        raise NotImplementedError

    def apply(self, actions, after):
        raise NotImplementedError

    def before(self, current):
        """`current` as the diff shows it."""
        return current

    def result(self, after):
        """`after` as the module returns it."""
        return after


def reconcile_list(module, members, result_key, actions=()):
    """Reconcile every member in turn (none changed in check mode), then exit the module.

    The result has `changed`, `actions` (the given ones, then each member's as `<name>: <call>`),
    each member's result under `result_key`, and a diff keyed by the names of the changed members.
    """
    actions = list(actions)
    results, diff = [], {"before": {}, "after": {}}
    for member in members:
        try:
            current = member.read()
            member_actions, after = member.plan(current)
            if member_actions and not module.check_mode:
                member.apply(member_actions, after)
        except is_boto3_error_code(member.missing_error):
            module.fail_json(msg=f"{member.kind} {member.name} does not exist: create it first ({member.created_by}).")
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to {member.doing} {member.name}")
        results.append(member.result(after))
        if member_actions:
            actions.extend(f"{member.name}: {action}" for action in member_actions)
            diff["before"][member.name] = member.before(current)
            diff["after"][member.name] = after
    module.exit_json(changed=bool(actions), actions=actions, diff=diff, **{result_key: results})


def fail_on_repeats(module, option, key):
    """Fail before any request when two members of the list option `option` share their `key`."""
    values = [member[key] for member in module.params[option]]
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        module.fail_json(msg=f"{option}: each {key} may appear once; repeated: {', '.join(repeated)}")


def converge_members(module, members, result_key, failure):
    """Converge a list of resources that a module creates and deletes itself, then exit the module.

    `members` has `present()` and `absent()`, each returning the members' results and the diff, and records
    every call it makes (or plans, in check mode) in `actions`; `failure` is the message an AWS error gets.
    """
    try:
        results, diff = members.present() if module.params["state"] == "present" else members.absent()
    except (
        botocore.exceptions.ClientError,
        botocore.exceptions.BotoCoreError,
        botocore.exceptions.WaiterError,
    ) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=failure)
    module.exit_json(changed=bool(members.actions), actions=members.actions, diff=diff, **{result_key: results})
