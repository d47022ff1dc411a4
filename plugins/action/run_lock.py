# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Take the run lock for this run (documented in plugins/modules/run_lock.py): name who takes it, and leave a watcher
that releases it when the ansible-playbook process ends.

Ansible ends a playbook as soon as every host of a play has failed (all lanes of a wave, say), so no later play can
be relied on to release the lock; neither is a callback loaded unless enabled. A watcher started here, in a session
of its own, outlives the play, the run and Ctrl-C, and releases the lock as soon as the ansible-playbook process
(this worker's parent) is gone, whatever ended it. Only a lost controller machine leaves the lock behind: then
`make break-lock` breaks it.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import subprocess
import sys
import uuid

from ansible import context
from ansible.plugins.action import ActionBase

from ansible_collections.dataeng.platform.plugins.module_utils import run_lock

# The connection settings the watcher needs, as the module (and module_defaults) name them.
CONNECTION = ("region", "endpoint_url", "aws_ca_bundle", "profile", "access_key", "secret_key", "session_token")


def holder(given, environ, playbook_pid):
    """Who takes the lock: the user and host of the controller, the AWX job when AWX runs it, the playbooks it
    runs, since when; a token only this run knows; and its ansible-playbook process, so that a rerun on this host
    can tell that the run is gone."""
    taken = {
        **run_lock.process_of_this_run(playbook_pid),
        "holder": f"{getpass.getuser()}@{socket.gethostname()}",
        "playbooks": [os.path.basename(path) for path in context.CLIARGS.get("args", ())],
        "since": run_lock.now_text(),
        "token": uuid.uuid4().hex,
    }
    if environ.get(run_lock.AWX_JOB_VARIABLE):
        taken.update(awx_job=environ[run_lock.AWX_JOB_VARIABLE], awx_host=environ.get(run_lock.AWX_HOST_VARIABLE, ""))
    return {**taken, **given}


def start_watcher(args, taken):
    """A watcher of the ansible-playbook process `taken` names, which releases the lock when that process ends."""
    settings = {key: args.get(key) for key in CONNECTION}
    settings.update(name=args["name"], token=taken["token"], pid=taken["pid"], pid_start=taken["pid_start"])
    # The settings (credentials among them) go through a pipe, never the command line; the watcher's own session
    # keeps it out of the terminal's Ctrl-C and of the run's process group.
    watcher = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, run_lock.__file__],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )
    watcher.stdin.write(json.dumps(settings).encode())
    watcher.stdin.close()
    return watcher.pid


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        taking = args.get("state", "present") == "present"
        if taking:
            # A worker's parent is the ansible-playbook process.
            args["holder"] = holder(args.get("holder") or {}, os.environ, os.getppid())
        result.update(self._execute_module(module_args=args, task_vars=task_vars))
        if taking and result.get("changed") and not result.get("failed") and args.get("watch", True):
            result["watcher"] = start_watcher(args, args["holder"])
        return result
