# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run lock of an environment: one SSM parameter that exists while a run converges or destroys it.

Taking the lock creates the parameter without Overwrite: PutParameter then fails with ParameterAlreadyExists
when it exists ("You can't create duplicate parameters",
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html), so of two runs only one
creates it. A parameter needs no container (a bucket or a table would have to exist before the first run and
outlive destroy) and a Standard one costs nothing. Its value says who holds it (JSON, well under the 4 KB of a
Standard parameter). Releasing deletes it, only when it still carries this run's token.

Run as a script (by the run_lock action plugin), this file is the watcher that releases the lock when the
ansible-playbook process that took it ends, however it ends: a failed task that ends the playbook, Ctrl-C, an AWX
cancel, a killed controller process. It reads its settings as JSON on stdin and uses nothing but boto3.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, timezone

# datetime.UTC is Python 3.11's; modules also run on older Pythons.
UTC = timezone.utc  # noqa: UP017

DESCRIPTION = (
    "Run lock of a dataeng.platform environment: exists while a run converges or destroys it. "
    "Break a stale one with `make break-lock`."
)
# AWX sets these in the environment of every job it runs (RunJob.build_env, awx/main/tasks/jobs.py).
AWX_JOB_VARIABLE = "JOB_ID"
AWX_HOST_VARIABLE = "AWX_HOST"
# How often the watcher looks whether the ansible-playbook process still runs.
WATCH_INTERVAL = 1.0


def now_text(now=None):
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def holder_text(holder, now=None):
    """Who holds the lock, for a message: what they run, who and where, since when."""
    text = f"{holder.get('operation') or 'a run'}"
    if holder.get("playbooks"):
        text += f" of {', '.join(holder['playbooks'])}"
    text += f" by {holder.get('holder') or 'an unknown user'}"
    if holder.get("awx_job"):
        text += f" (AWX job {holder['awx_job']}"
        if holder.get("awx_template"):
            text += f" of {holder['awx_template']!r}"
        if holder.get("awx_user"):
            text += f" launched by {holder['awx_user']}"
        if holder.get("awx_host"):
            text += f" on {holder['awx_host']}"
        text += ")"
    since = holder.get("since")
    if since:
        text += f" since {since}"
        try:
            started = datetime.strptime(since, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            started = None
        if started:
            minutes = int(((now or datetime.now(UTC)) - started).total_seconds() // 60)
            text += f" ({minutes} min ago)"
    return text


def held_message(name, environment, holder, now=None):
    """Why a run stops at the lock, and how to go on."""
    return (
        f"Environment {environment} is locked by another run: {holder_text(holder, now)} (SSM parameter {name}). "
        "Nothing was changed. Wait for that run to end; the lock is released when it ends, even when it fails. "
        "If no run holds it any more (its controller was lost), break the lock with "
        f"`make break-lock INVENTORY=<inventory>` (or playbooks/break_lock.yml -e break_lock={environment})."
    )


def parse(value):
    """The holder a parameter's value names; a value this collection did not write names nobody in particular."""
    try:
        holder = json.loads(value)
    except ValueError:
        holder = None
    return holder if isinstance(holder, dict) else {"holder": f"unknown (value {value[:80]!r})"}


def read(client, name):
    """The holder of the lock, or None when nobody holds it."""
    try:
        value = client.get_parameter(Name=name)["Parameter"]["Value"]
    except client.exceptions.ParameterNotFound:
        return None
    return parse(value)


def take(client, name, holder):
    """Take the lock for `holder`; returns None when taken, else the holder of the lock."""
    try:
        client.put_parameter(
            Name=name,
            Value=json.dumps(holder, sort_keys=True),
            Type="String",
            Tier="Standard",
            Description=DESCRIPTION,
            Overwrite=False,
        )
        return None
    except client.exceptions.ParameterAlreadyExists:
        current = read(client, name)
        # Released between the two calls: try once more rather than report nobody as the holder.
        return current if current is not None else take(client, name, holder)


def release(client, name, token=None):
    """Delete the lock when `token` holds it (any holder without a token); returns what it was (None: not held),
    and whether it was deleted."""
    current = read(client, name)
    if current is None:
        return None, False
    if token and current.get("token") != token:
        return current, False
    # SSM has no conditional delete: a run can only lose the lock between these calls to a deliberate break.
    try:
        client.delete_parameter(Name=name)
    except client.exceptions.ParameterNotFound:
        return None, False
    return current, True


def process_runs(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def watch(settings, client):
    """Wait for the process `settings['pid']` to end, then release the lock if it still carries our token."""
    while process_runs(settings["pid"]):
        time.sleep(WATCH_INTERVAL)
    release(client, settings["name"], settings["token"])


def watcher_client(settings):
    # The controller's boto3: the module itself gets its client from AnsibleAWSModule.
    import boto3  # pylint: disable=import-outside-toplevel
    import botocore.config  # pylint: disable=import-outside-toplevel

    session = boto3.session.Session(
        profile_name=settings.get("profile") or None,
        aws_access_key_id=settings.get("access_key") or None,
        aws_secret_access_key=settings.get("secret_key") or None,
        aws_session_token=settings.get("session_token") or None,
        region_name=settings["region"],
    )
    # A few quick attempts: the watcher must not outlive its run by minutes when the endpoint is gone.
    config = botocore.config.Config(
        retries={"mode": "standard", "total_max_attempts": 5}, connect_timeout=5, read_timeout=15
    )
    return session.client(
        "ssm",
        endpoint_url=settings.get("endpoint_url") or None,
        verify=settings.get("aws_ca_bundle") or None,
        config=config,
    )


if __name__ == "__main__":
    SETTINGS = json.load(sys.stdin)
    watch(SETTINGS, watcher_client(SETTINGS))
