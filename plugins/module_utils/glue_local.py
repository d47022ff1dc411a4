# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure parts of running the pipeline's Glue jobs on local PySpark (local mode, where the emulator records a
run but never executes it): the order the workflow's triggers give, the jobs' S3 paths staged as local folders, and
what a run's output changes in S3.

Glue starts a workflow run with its ON_DEMAND trigger's actions, then fires each CONDITIONAL trigger whose predicate
holds on the states of the job runs it watches
(https://docs.aws.amazon.com/glue/latest/dg/workflows_overview.html,
https://docs.aws.amazon.com/glue/latest/webapi/API_Predicate.html).
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field

S3_SCHEME = "s3://"


@dataclass(frozen=True)
class Action:
    """One job run a trigger starts: the job and the arguments on top of the job's defaults."""

    job_name: str
    arguments: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """A trigger of the workflow: what it starts, and when (None: at the start of the run)."""

    trigger: str
    actions: tuple
    predicate: dict | None


def workflow_stages(triggers):
    """The workflow's triggers (GetTrigger's Trigger documents) in the order a run fires them: the ON_DEMAND one
    first, then each CONDITIONAL one after the triggers that start the jobs it watches."""
    starting = [trigger for trigger in triggers if trigger["Type"] == "ON_DEMAND"]
    if len(starting) != 1:
        raise ValueError(f"a workflow run starts with one ON_DEMAND trigger; the workflow has {len(starting)}")
    ordered = [starting[0]]
    pending = [trigger for trigger in triggers if trigger["Type"] == "CONDITIONAL"]
    started = {action["JobName"] for action in starting[0].get("Actions", []) if "JobName" in action}
    while pending:
        ready = [trigger for trigger in pending if watched_jobs(trigger) <= started]
        if not ready:
            names = ", ".join(sorted(trigger["Name"] for trigger in pending))
            raise ValueError(f"triggers that watch jobs no trigger before them starts: {names}")
        for trigger in ready:
            ordered.append(trigger)
            pending.remove(trigger)
            started |= {action["JobName"] for action in trigger.get("Actions", []) if "JobName" in action}
    return [
        Stage(
            trigger=trigger["Name"],
            actions=tuple(
                Action(action["JobName"], dict(action.get("Arguments", {})))
                for action in trigger.get("Actions", [])
                if "JobName" in action
            ),
            predicate=trigger.get("Predicate") if trigger["Type"] == "CONDITIONAL" else None,
        )
        for trigger in ordered
    ]


def watched_jobs(trigger):
    return {condition["JobName"] for condition in trigger.get("Predicate", {}).get("Conditions", [])}


def predicate_holds(predicate, states):
    """Whether a CONDITIONAL trigger fires, given the states of this workflow run's job runs by job name (a list per
    job: a trigger may start one job once per dataset). A condition holds when every run of its job ended in its
    state; Logical AND (the default) needs every condition, ANY one."""
    if predicate is None:
        return True
    conditions = predicate.get("Conditions", [])
    held = [
        bool(states.get(condition["JobName"]))
        and all(state == condition.get("State", "SUCCEEDED") for state in states[condition["JobName"]])
        for condition in conditions
    ]
    return any(held) if predicate.get("Logical", "AND") == "ANY" else all(held)


def staged_path(uri, root):
    """The local folder (or file) standing for an s3:// URI: <root>/<bucket>/<key>."""
    bucket, key = split_s3_uri(uri)
    return posixpath.join(root, bucket, key)


def split_s3_uri(uri):
    if not uri.startswith(S3_SCHEME):
        raise ValueError(f"not an s3:// URI: {uri}")
    bucket, _, key = uri[len(S3_SCHEME) :].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {uri}")
    return bucket, key


def staged_arguments(arguments, root):
    """The job run's arguments with every s3:// value replaced by its staged local path, and the S3 prefixes they
    name (what to download before the run and to reconcile after it)."""
    local = {}
    prefixes = []
    for name, value in arguments.items():
        if isinstance(value, str) and value.startswith(S3_SCHEME):
            local[name] = staged_path(value, root)
            prefixes.append(value)
        else:
            local[name] = value
    return local, sorted(set(prefixes))


def md5_of(path, chunk_size=1 << 20):
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def reconciliation(local, remote):
    """What makes an S3 prefix hold what the run left in its staged folder: (keys to upload, keys to delete).
    `local` maps each key to its file's MD5, `remote` each object's key to its ETag (the MD5 of an object uploaded
    in one part, https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html); an object already equal stays,
    so a run that writes the same bytes changes nothing."""
    uploads = sorted(key for key, md5 in local.items() if remote.get(key, "").strip('"') != md5)
    deletes = sorted(set(remote) - set(local))
    return uploads, deletes
