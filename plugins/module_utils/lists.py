# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Lists whose members exist already and are read, planned and changed one by one (a `MemberList` of
`ListMember`s: a `reconcile.ResourceList`), and the check every list option needs.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.dataeng.platform.plugins.module_utils.plan import CREATE, UPDATE
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Failure, ResourceList


class ListMember:
    """One member of a `MemberList`: a resource that exists already, of which the module reconciles settings."""

    #: What the resource is called in messages and in the plan, e.g. "bucket".
    kind = "resource"
    #: What the module does to it, for the failure message, e.g. "lay out bucket".
    doing = "reconcile"
    #: What of the resource the module sets, when not all of it, e.g. "inline policies of": the plan names the
    #: member so. And whether a member that was not there is created (an object) or a part of an existing resource
    #: set (a role's inline policies): the plan's action.
    part = ""
    creates = True
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
        """The Actions that turn `current` into what the task asks for, and the settings after them."""
        raise NotImplementedError

    def apply(self, actions, after):
        raise NotImplementedError

    @property
    def failure(self):
        """The message an AWS error gets."""
        return f"Failed to {self.doing} {self.name}"

    @property
    def missing(self):
        """The message when the resource does not exist."""
        return f"{self.kind[0].upper()}{self.kind[1:]} {self.name} does not exist: create it first ({self.created_by})."

    def before(self, current):
        """`current` as the diff shows it."""
        return current

    def result(self, after):
        """`after` as the module returns it."""
        return after


class MemberList(ResourceList):
    """A list of `ListMember`s, read, planned and changed one by one."""

    def __init__(self, module, client, members):
        super().__init__(module, client)
        self.members = members
        if members:
            self.member_kind = f"{members[0].part} {members[0].kind}".strip()

    def planned_change(self, member, before, after):
        change = super().planned_change(member, before, after)
        if change["action"] == CREATE and not self.members[0].creates:
            change["action"] = UPDATE
        return change

    def present(self):
        results = []
        for member in self.members:
            with self.failing_as(member.failure):
                try:
                    current = member.read()
                    actions, after = member.plan(current)
                    if actions and not self.module.check_mode:
                        member.apply(actions, after)
                except is_boto3_error_code(member.missing_error) as e:
                    raise Failure(member.missing) from e
            results.append(member.result(after))
            self.record(member.name, actions, member.before(current), after)
        return results


def fail_on_repeats(module, option, key):
    """Fail before any request when two members of the list option `option` share their `key`."""
    values = [member[key] for member in module.params[option]]
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        module.fail_json(msg=f"{option}: each {key} may appear once; repeated: {', '.join(repeated)}")
