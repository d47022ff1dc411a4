#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: run_lock
version_added: 0.1.0
short_description: Take or release the run lock of an environment (an SSM parameter), naming who holds it
description:
  - Takes the lock by creating the SSM parameter O(name) without overwriting, so of two runs only one takes it; the
    other fails, naming who holds it (user and host, AWX job, what it runs, since when) and how to break a stale lock.
  - Takes over the lock of a run of the same controller host whose C(ansible-playbook) process has ended.
  - Releases the lock by deleting the parameter, only while it carries O(token) unless O(force).
  - Taken through its action plugin, the lock is also released by a watcher process when the C(ansible-playbook)
    process that took it ends, however it ends (failure, Ctrl-C, a killed controller process).
  - In check mode it takes nothing and warns when another run holds the lock.
options:
  name:
    description:
      - Name of the SSM parameter that is the lock, for example C(/dataeng-dev/run-lock).
    required: true
    type: str
  state:
    description:
      - C(present) takes the lock, C(absent) releases it.
    choices: [present, absent]
    default: present
    type: str
  environment:
    description:
      - The environment the lock protects, for messages.
    required: true
    type: str
  holder:
    description:
      - Who takes the lock (C(holder), C(operation), C(playbooks), C(awx_job), C(awx_host), C(since), C(token), and
        C(host), C(pid) and C(pid_start) of its C(ansible-playbook) process),
        stored as the parameter's value. The action plugin fills it in.
    type: dict
    default: {}
  token:
    description:
      - With O(state=absent), release the lock only while it carries this token (the one O(state=present) returned).
    type: str
    default: ""
  force:
    description:
      - With O(state=absent), release the lock whoever holds it (breaking a stale lock).
    type: bool
    default: false
  watch:
    description:
      - With O(state=present), start a watcher that releases the lock when the C(ansible-playbook) process ends.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Takes and releases nothing; warns when another run holds the lock.
  diff_mode:
    support: none
    description: Nothing to show.
"""

EXAMPLES = r"""
- name: Take the run lock of the environment
  dataeng.platform.run_lock:
    name: /dataeng-dev/run-lock
    environment: dev
    holder:
      operation: converge
  register: lock

- name: Release it
  dataeng.platform.run_lock:
    name: /dataeng-dev/run-lock
    environment: dev
    state: absent
    token: "{{ lock.lock.token }}"
"""

RETURN = r"""
lock:
  description: The holder of the lock (this run's after taking it; the one released, or the other run holding it).
  returned: always
  type: dict
  sample:
    holder: alice@laptop
    operation: converge
    playbooks: [site.yml]
    since: "2026-12-06T22:01:00Z"
released:
  description: Whether O(state=absent) deleted the lock.
  returned: with O(state=absent)
  type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.dataeng.platform.plugins.module_utils import run_lock
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import AWS_ERRORS


def converge(module, client):
    params = module.params
    name = params["name"]
    if module.check_mode:
        current = run_lock.read(client, name)
        if current is not None and params["state"] == "present" and not run_lock.gone(current):
            module.warn(
                f"Another run holds the lock of environment {params['environment']}: {run_lock.holder_text(current)}; "
                "what this check reads may be half-changed."
            )
        return {"changed": False, "lock": current or {}}
    if params["state"] == "absent":
        current, released = run_lock.release(client, name, None if params["force"] else params["token"])
        if current is not None and not released:
            module.warn(f"The lock is no longer this run's and was left: {run_lock.holder_text(current)}.")
        return {"changed": released, "released": released, "lock": current or {}}
    holder = params["holder"]
    current = run_lock.take(client, name, holder)
    if current is not None:
        module.fail_json(msg=run_lock.held_message(name, params["environment"], current), lock=current)
    return {"changed": True, "lock": holder}


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        environment=dict(type="str", required=True),
        holder=dict(type="dict", default={}),
        token=dict(type="str", default="", no_log=False),
        force=dict(type="bool", default=False),
        watch=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ssm")
    try:
        module.exit_json(**converge(module, client))
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to manage the run lock {module.params['name']}")


if __name__ == "__main__":
    main()
