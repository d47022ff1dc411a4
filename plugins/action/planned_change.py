# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report a change a role predicts in check mode for a stock module whose own check mode says too little (documented
in plugins/modules/planned_change.py)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.dataeng.platform.plugins.module_utils.plan import ACTIONS, resource_change

ARGUMENT_SPEC = {
    "kind": {"type": "str", "required": True},
    "name": {"type": "str", "required": True},
    "action": {"type": "str", "required": True, "choices": list(ACTIONS)},
    "before": {"type": "dict", "default": {}},
    "after": {"type": "dict", "default": {}},
    "note": {"type": "str"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    # A prediction from what the role read before: nothing to run on the host.
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        change = resource_change(args["kind"], args["name"], args["before"], args["after"], args["note"])
        # The action is what the role predicts (an instance type change is an update that stops the instance; a
        # replacement keeps the same attributes), not what before and after alone suggest.
        change["action"] = args["action"]
        result.update(changed=True, planned=[change])
        return result
