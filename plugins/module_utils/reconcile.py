# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one reconcile flow of the collection's modules, and the planned action every `plan_*` function returns.

A module describes what it manages as a resource: one AWS resource (a `ManagedResource` subclass: how to read,
create, change and delete it, and which calls a difference needs) or a list of like resources (a
`ResourceList`, itself a resource whose parts are its members). `reconcile` converges either as the task's
`state` asks, with check mode and diff, turns AWS errors into the module's failure and exits with one result
shape: `changed`, `actions` (the calls made, or that check mode would make, as text), `diff`, `planned` (the
resource changes, as module_utils/plan.py describes them) and the resource under the module's result key.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.dataeng.platform.plugins.module_utils.plan import resource_change

STATE_OPTION = dict(type="str", default="present", choices=["present", "absent"])


@dataclass(frozen=True)
class Action:
    """One API call a plan makes: which call, what it changes, on which resource.

    `argument` is what the call changes (the tags it adds, the keys it removes, the setting it sets), `target` the
    part of the resource the call names when the module reports it (a route, a subnet, a policy name), `resource`
    the resource it acts on where a module manages several (filled by the list that plans it).
    `str()` is how the module's `actions` result shows it: `resource: call target`.
    """

    call: str
    argument: Any = None
    target: str = ""
    resource: str = ""

    def __str__(self):
        text = f"{self.call} {self.target}" if self.target else self.call
        return f"{self.resource}: {text}" if self.resource else text

    def on(self, resource):
        """This action, naming the resource it acts on."""
        return replace(self, resource=resource)


def calls_of(actions):
    """The API calls `actions` make, in order."""
    return [action.call for action in actions]


class RefusedChange(Exception):
    """A change the service cannot make in place; the message says what to do instead."""


class Failure(Exception):
    """A failure the module reports with its own message: with the AWS error that caused it, if any."""

    def __init__(self, message, error=None):
        super().__init__(message)
        self.message = message
        self.error = error


AWS_ERRORS = ()
try:
    AWS_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, botocore.exceptions.WaiterError)
except NameError:
    pass  # no botocore: AnsibleAWSModule fails before any call


class ManagedResource:
    """One AWS resource, as a module manages it. Subclasses implement `describe`, `plan`, `expected`, `create`,
    `update` and `delete`.

    `describe` and `expected` return the same shape (snake_case keys, tags as a dict), so a rerun compares what
    exists with what is asked for and check mode can show the result.
    """

    #: What the resource is called in messages, e.g. "Glue database".
    kind = "resource"

    def __init__(self, module):
        self.module = module
        self.params = module.params

    @property
    def name(self):
        return self.params["name"]

    @property
    def failure(self):
        """The message an AWS error gets."""
        return f"Failed to manage {self.kind} {self.name}"

    def describe(self):
        """The resource as it exists, or None."""
        raise NotImplementedError

    def plan(self, current):
        """The Actions that turn `current` into what the task asks for, in order.

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

    def changed(self, before, after, **result):
        """The result keys of a change from `before` to `after`."""
        planned = [resource_change(self.kind, self.name, before, after)]
        return {"changed": True, **result, "diff": {"before": before, "after": after}, "planned": planned}

    def converge(self, state):
        """Make the resource present or absent; returns the result keys besides the resource, and the resource."""
        check_mode = self.module.check_mode
        current = self.describe()
        if state == "absent":
            if current is None:
                return {"changed": False}, {}
            if not check_mode:
                self.delete(current)
            return self.changed(current, {}), {}
        if current is None:
            if check_mode:
                after = self.expected(None)
            else:
                self.create()
                after = self.describe()
            return self.changed({}, after), after
        actions = self.plan(current)
        if not actions:
            return {"changed": False}, current
        if check_mode:
            after = self.expected(current)
        else:
            self.update(current, actions)
            after = self.describe()
        return self.changed(current, after, actions=actions), after


def reconcile(module, resource, result_key):
    """Converge `resource` (one resource or a list of them) as `module.params['state']` asks, then exit the module
    with the result under `result_key`."""
    try:
        result, value = resource.converge(module.params.get("state", "present"))
    except RefusedChange as refused:
        module.fail_json(msg=f"{resource.kind} {resource.name}: {refused}")
    except Failure as failure:
        if failure.error is None:
            module.fail_json(msg=failure.message)
        module.fail_json_aws(failure.error, msg=failure.message)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=resource.failure)
    if "actions" in result:
        result["actions"] = [str(action) for action in result["actions"]]
    module.exit_json(**result, **{result_key: value})


def run(resource_class, result_key, options, check_params=None, several=None, **module_options):
    """The main() of a module that manages one named resource: `options` besides `name` and `state` (and the tag
    options when the resource has tags), `check_params(params)` for what argument_spec cannot say (an error
    message or None), `module_options` for AnsibleAWSModule (required_if...).

    `several` names an option that lists resources for one module run to converge (see `Several`): `name` is then
    required unless that option is given, and `module_options` hold for each resource of the list."""
    argument_spec = dict(name=dict(type="str", required=True), state=STATE_OPTION, **options)
    if several is None:
        module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, **module_options)
        error = check_params(module.params) if check_params else None
        if error:
            module.fail_json(msg=error)
        reconcile(module, resource_class(module), result_key)
        return
    module = AnsibleAWSModule(
        argument_spec={**argument_spec, "name": dict(type="str"), several: dict(type="list", elements="dict")},
        supports_check_mode=True,
        mutually_exclusive=[("name", several)],
        required_one_of=[("name", several)],
    )
    validator = ArgumentSpecValidator(argument_spec, **module_options)
    # What the task sets: an option left unset is None here, and a required_if counts an option that is present.
    shared = {key: module.params[key] for key in argument_spec if module.params[key] is not None}
    listed = module.params[several]
    clients = {}
    resources = []
    for index, item in enumerate([{}] if listed is None else listed):
        where = "" if listed is None else f"{several}[{index}] ({item.get('name', 'no name')}): "
        validated = validator.validate({**shared, **item})
        module.no_log_values.update(validated._no_log_values)
        error = next(iter(validated.error_messages), None)
        if not error and check_params:
            error = check_params(validated.validated_parameters)
        if error:
            module.fail_json(msg=where + error)
        resources.append(resource_class(ResourceOfSeveral(module, validated.validated_parameters, clients)))
    if listed is None:
        reconcile(module, resources[0], result_key)
    else:
        reconcile(module, Several(module, resources), several)


class ResourceList:
    """Like resources of one kind, as the task lists them. Subclasses implement `present` and `absent`."""

    #: What the list is called in messages, e.g. "secrets", and what the plan calls a member, e.g. "secret".
    kind = "resources"
    member_kind = "resource"

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.actions = []
        self.diff = {"before": {}, "after": {}}

    @property
    def name(self):
        return "as listed"

    @property
    def failure(self):
        """The message an AWS error gets."""
        return f"Failed to manage the {self.kind}"

    def present(self):
        """Make every member present as asked (none changed in check mode); returns the members' results."""
        raise NotImplementedError

    def absent(self):
        """Make every member absent (none deleted in check mode); returns the members' results."""
        raise NotImplementedError

    def record(self, member, actions, before, after, changed=False):
        """Record `member`'s planned `actions` and, when there are any or it `changed` without actions of its own (a
        creation or deletion whose calls were recorded before, or that a resource makes without Actions), its diff."""
        self.actions.extend(action.on(member) for action in actions)
        if actions or changed:
            self.diff["before"][member] = before
            self.diff["after"][member] = after

    def converge(self, state):
        results = self.present() if state == "present" else self.absent()
        before, after = self.diff["before"], self.diff["after"]
        planned = [self.planned_change(member, before[member], after[member]) for member in before]
        # A member created or deleted may have no action of its own (a ManagedResource's create): its diff says it.
        changed = bool(self.actions or before)
        return {"changed": changed, "actions": self.actions, "diff": self.diff, "planned": planned}, results

    def planned_change(self, member, before, after):
        """The planned change of `member` (see module_utils/plan.py)."""
        return resource_change(self.member_kind, member, before, after)

    @contextmanager
    def failing_as(self, message):
        """Report an AWS error in the block with `message` (which names the member it was about)."""
        try:
            yield
        except AWS_ERRORS as e:
            raise Failure(message, e) from e


class ResourceOfSeveral:
    """The module as one resource of a `several` list sees it: the resource's own parameters (the task's, with what
    the item sets), the module's clients and the rest of the module. A client is made once per service, with the
    retry decorator of its first request (a client loads its service model: up to 0.3 s for EC2's); the modules
    that take a list ask for each service with one decorator."""

    def __init__(self, module, params, clients):
        self._module = module
        self._clients = clients
        self.params = params

    def client(self, service, retry_decorator=None, **extra_params):
        if service not in self._clients:
            self._clients[service] = self._module.client(service, retry_decorator=retry_decorator, **extra_params)
        return self._clients[service]

    def __getattr__(self, name):
        return getattr(self._module, name)


class Several(ResourceList):
    """Resources of one kind that one module run converges, one after the other, each in its own `state`: the task
    lists them instead of looping over the module (each loop item is a module run: Python, boto3 and the service
    model again, about 0.6 s). The result names each resource in its actions, keys the diff by resource, and
    returns the resources in the order listed."""

    def __init__(self, module, resources):
        super().__init__(module, client=None)
        self.resources = resources
        self.member_kind = resources[0].kind
        self.kind = f"{self.member_kind}s"

    def present(self):
        values = []
        for resource in self.resources:
            with self.failing_as(resource.failure):
                try:
                    converged, value = resource.converge(resource.params["state"])
                except RefusedChange as refused:
                    raise Failure(f"{resource.kind} {resource.name}: {refused}") from refused
            values.append(value)
            if converged["changed"]:
                diff = converged["diff"]
                self.record(resource.name, converged.get("actions", []), diff["before"], diff["after"], changed=True)
        return values

    # Each resource converges in the state its item asks for.
    absent = present


class Setting:
    """A setting a module reads and sets (of the account, or of a resource it does not create): converged by
    `reconcile` like a resource, with `changed`, the diff, the planned change and, under the result key, the value
    asked for. Subclasses implement `read` and `write`; `shown` is the value as the diff shows it (a dict)."""

    #: The message an AWS error gets.
    failure = ""
    #: What the plan calls the setting, and what it belongs to (the region's, when empty).
    kind = "setting"
    name = ""

    def __init__(self, module, client, wanted):
        self.module = module
        self.client = client
        self.wanted = wanted

    def read(self):
        raise NotImplementedError

    def write(self):
        raise NotImplementedError

    def shown(self, value):
        return value

    def converge(self, _state):
        current = self.read()
        changed = current != self.wanted
        if changed and not self.module.check_mode:
            self.write()
        before, after = self.shown(current), self.shown(self.wanted)
        result = {"changed": changed, "diff": {"before": before, "after": after}}
        if changed:
            result["planned"] = [resource_change(self.kind, self.name or self.module.region, before, after)]
        return result, self.wanted
