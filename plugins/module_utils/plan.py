# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The planned change of one resource, in the one shape every module of the collection returns under `planned`.

A task that changes (or, in check mode, would change) resources returns `planned`: a list of resource changes,
each a dict with the resource's `kind` ("security group") and `name` as a user knows them, the `action` (one of
ACTIONS), the `changes` (each changed attribute with its `old` and `new` value, attributes named by their path in
the resource as the module shows it: `tags.Owner`, `rules`) and, when there is something a user must know before
applying it (the instance stops and starts, the prediction is partial), a `note`. The plan callback
(plugins/callback/plan.py) prints and saves these; docs/plan.md documents the shape.
"""

from __future__ import annotations

CREATE = "create"
UPDATE = "update"
DELETE = "delete"
REPLACE = "replace"
ACTIONS = (CREATE, UPDATE, DELETE, REPLACE)


def attribute_changes(before, after, path=""):
    """Each attribute that differs between `before` and `after`, as {attribute, old, new}: dicts are compared key
    by key (an attribute missing on one side is None there), anything else (lists, values) as a whole."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes = []
        for key in sorted(set(before) | set(after), key=str):
            changes.extend(attribute_changes(before.get(key), after.get(key), f"{path}.{key}" if path else str(key)))
        return changes
    if before == after:
        return []
    return [{"attribute": path, "old": before, "new": after}]


def resource_change(kind, name, before, after, note=None):
    """The change from `before` to `after` (each as the module shows the resource; empty when it does not exist):
    a create, a delete or an update of the attributes that differ."""
    if not before:
        action = CREATE
    elif not after:
        action = DELETE
    else:
        action = UPDATE
    change = {
        "kind": kind,
        "name": name,
        "action": action,
        "changes": attribute_changes(before or {}, after or {}),
    }
    if note:
        change["note"] = note
    return change
