# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run lock of an environment: one SSM parameter that exists while a run converges or destroys it.

Taking the lock creates the parameter without Overwrite: PutParameter then fails with ParameterAlreadyExists
when it exists ("You can't create duplicate parameters",
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html), so of two runs only one
creates it. A parameter needs no container (a bucket or a table would have to exist before the first run and
outlive destroy) and a Standard one costs nothing. Its value says who holds it (JSON, well under the 4 KB of a
Standard parameter). Releasing deletes it, only when it still carries this run's token.

Runs on one controller host are serialised by a file lock on that host (`host_mutex`) while they read and then delete
the parameter, as SSM has no conditional delete: a run that releases its own lock, the watcher of a run that ended,
and a run that takes over the lock of a run of that host that is gone (killed with its watcher: rerun at once, it
would otherwise wait for a lock nobody releases). Runs of other hosts only ever create it, which SSM makes atomic.

Run as a script (by the run_lock action plugin), this file is the watcher that releases the lock when the
ansible-playbook process that took it ends, however it ends: a failed task that ends the playbook, Ctrl-C, an AWX
cancel, a killed controller process. It reads its settings as JSON on stdin and uses nothing but boto3.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import sys
import tempfile
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


def process_start(pid):
    """When the process `pid` started (clock ticks since boot, field 22 of /proc/<pid>/stat, proc(5)), so that a
    process that got the pid of one that ended is not taken for it; "" where there is no /proc or no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            # The command name (field 2) is in parentheses and may hold spaces: count the fields after it.
            return stat.read().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return ""


def controller_host():
    """The host whose processes a run's pid is one of: its name and, on Linux, its pid namespace (two containers of
    one machine may share a host name, never a pid namespace)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()} {namespace}".strip()


def process_of_this_run(pid):
    """What identifies the run's ansible-playbook process `pid` on its host, stored in the holder."""
    return {"host": controller_host(), "pid": pid, "pid_start": process_start(pid)}


def process_runs(pid, start=""):
    """Whether the process `pid` (started at `start`, when known) still runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not start or process_start(pid) in ("", start)


def gone(holder):
    """Whether `holder` is a run of this host whose ansible-playbook process has ended: only then may another run
    take its lock over. A run of another host is never judged gone (its processes cannot be seen from here)."""
    pid = holder.get("pid")
    return (
        holder.get("host") == controller_host()
        and isinstance(pid, int)
        and not process_runs(pid, holder.get("pid_start", ""))
    )


@contextlib.contextmanager
def host_mutex(name):
    """Exclusive, among the runs of this host, between reading the lock and deleting it."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), f"dataeng-run-lock-{digest}")
    descriptor = open_shared(path)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def open_shared(path):
    """The mutex file, opened read-only: flock needs no write access, so the runs of every user of this host share
    the file whoever made it (in a sticky /tmp, the kernel refuses O_CREAT on another user's file: only a missing
    one is created)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW
    try:
        return os.open(path, flags)
    except FileNotFoundError:
        try:
            return os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:  # another run made it meanwhile
            return os.open(path, flags)


def create(client, name, holder):
    """Create the lock for `holder`; None when created (or already ours), else the holder of the lock ({} when it was
    released between the two calls)."""
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
        # Our own create, whose answer was lost and the request retried, reads back as our token.
        if current is not None and current.get("token") == holder["token"]:
            return None
        return current or {}


def take(client, name, holder):
    """Take the lock for `holder`; returns None when taken, else the holder of the lock. A lock of a run of this host
    that is gone is taken over."""
    for _attempt in range(3):
        current = create(client, name, holder)
        if current is None:
            return None
        if current and not gone(current):
            return current
        if current:
            with host_mutex(name):
                if read(client, name) == current:
                    client.delete_parameter(Name=name)
        # Released (or taken over) between the calls: create once more rather than report nobody as the holder.
    return read(client, name) or {}


def release(client, name, token=None):
    """Delete the lock when `token` holds it (any holder without a token); returns what it was (None: not held),
    and whether it was deleted."""
    with host_mutex(name):
        current = read(client, name)
        if current is None:
            return None, False
        if token and current.get("token") != token:
            return current, False
        try:
            client.delete_parameter(Name=name)
        except client.exceptions.ParameterNotFound:
            return None, False
    return current, True


def watch(settings, client):
    """Wait for the process `settings['pid']` to end, then release the lock if it still carries our token."""
    while process_runs(settings["pid"], settings.get("pid_start", "")):
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
