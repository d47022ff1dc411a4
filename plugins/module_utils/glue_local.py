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
import importlib.util
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

try:
    import pyarrow
    import pyarrow.compute
    from pyarrow import parquet
except ImportError:
    pyarrow = None  # runner=local checks for it (local_runner_missing)

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
    bucket, _slash, key = uri[len(S3_SCHEME) :].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {uri}")
    return bucket, key


def staged_arguments(arguments, root):
    """The job run's arguments with every s3:// value replaced by its staged local path, and the S3 prefixes they
    name (what to download before the run and to reconcile after it)."""
    local = {}
    prefixes = set()
    for name, value in arguments.items():
        if isinstance(value, str) and value.startswith(S3_SCHEME):
            local[name] = staged_path(value, root)
            prefixes.add(value)
        else:
            local[name] = value
    # A prefix within another (the quarantine under the processed zone) is copied and put back with it, once.
    outermost = [prefix for prefix in prefixes if not any(prefix.startswith(other) for other in prefixes - {prefix})]
    return local, sorted(outermost)


def staged_forms(root):
    """How a staged path's start reads in what Spark and the scripts write: as a file URI (file:/// or file:/), or
    as a path; the longest first, so that each is replaced whole."""
    folder = root.rstrip("/") + "/"
    return [f"file://{folder}", f"file:{folder}", folder]


def unstaged_text(text, root):
    """Text with the staged local paths in it written back as the s3:// URIs they stand for."""
    for form in staged_forms(root):
        text = text.replace(form, S3_SCHEME)
    return text


def unstaged(value, root):
    """A job's summary (any JSON value) with its staged local paths written back as s3:// URIs."""
    if isinstance(value, str):
        return unstaged_text(value, root)
    if isinstance(value, list):
        return [unstaged(item, root) for item in value]
    if isinstance(value, dict):
        return {key: unstaged(item, root) for key, item in value.items()}
    return value


def md5_of(path, chunk_size=1 << 20):
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def reconciliation(local, remote):
    """What makes an S3 prefix hold what the run left in its staged folder: (keys to upload, keys to delete).
    `local` maps each key to its file's MD5, `remote` each object's key to its ETag (the MD5 of an object uploaded
    in one part, https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html); an object already equal stays.
    A part file named after its data (content_name) is equal to the object of the same key whatever its bytes, so
    a run that writes the same rows changes nothing."""
    uploads = sorted(
        key
        for key, md5 in local.items()
        if key not in remote or (not named_after_data(key) and remote[key].strip('"') != md5)
    )
    deletes = sorted(set(remote) - set(local))
    return uploads, deletes


# Spark names each file it writes part-<n>-<a UUID of the write>...: a file of the same rows would get a new name on
# every run, and even its bytes differ from one run to the next (parquet-mr writes a column chunk's encodings in the
# order of a Java HashSet). Named after its data instead, a rerun that writes the same rows leaves the object as it was.
SPARK_PART_FILE = re.compile(r"^(part-\d+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(.*)$")
DATA_NAMED_PART_FILE = re.compile(r"^part-\d+-[0-9a-f]{32}[.-]")


def content_name(file_name, fingerprint):
    """The name a part file Spark wrote keeps in S3: its UUID replaced by the fingerprint of its data; other names
    stay."""
    match = SPARK_PART_FILE.match(file_name)
    return f"{match.group(1)}-{fingerprint}{match.group(2)}" if match else file_name


def named_after_data(key):
    return bool(DATA_NAMED_PART_FILE.match(posixpath.basename(key)))


def parquet_fingerprint(path):
    """MD5 of a Parquet file's schema and rows, in order."""
    table = parquet.read_table(path)
    digest = hashlib.md5(table.schema.to_string(show_schema_metadata=False).encode(), usedforsecurity=False)
    for batch in table.to_batches():
        for row in batch.to_pylist():
            digest.update(json.dumps(row, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def unstage_parquet(path, root):
    """Rewrites the values of a Parquet file's text columns that name a staged file (the processing job's
    _source_file, from Spark's file metadata) as the s3:// URIs they stand for; True when there were any."""
    table = parquet.read_table(path)
    changed = False
    for index, column in enumerate(table.schema):
        if not pyarrow.types.is_string(column.type):
            continue
        for form in staged_forms(root):
            values = table.column(index)
            if pyarrow.compute.any(pyarrow.compute.starts_with(values, form)).as_py():
                table = table.set_column(index, column, pyarrow.compute.replace_substring(values, form, S3_SCHEME))
                changed = True
    if changed:
        parquet.write_table(table, path)
    return changed


def unstage_text_file(path, root):
    """Rewrites the staged paths in a text file a job wrote (the quality job's report names the dataset it read and
    where it published it) as the s3:// URIs they stand for; True when there were any. Other files stay as they
    are."""
    with open(path, "rb") as stream:
        content = stream.read()
    if root.encode() not in content:
        return False
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    with open(path, "w", encoding="utf-8", newline="") as stream:
        stream.write(unstaged_text(text, root))
    return True


def uploadable(relative_path):
    """Whether a file Spark leaves in a staged folder belongs in S3: not the checksums of Hadoop's local file system
    (.<name>.crc) nor any other hidden file, which S3 file systems do not write."""
    return not any(part.startswith(".") for part in relative_path.split("/"))


PYTHON_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b")
# A Java exception's class and message as Py4J and Spark chain them ("...: java.lang.X: message").
JAVA_EXCEPTION = re.compile(r"(?:^|: )([a-z][\w$]*(?:\.[\w$]+)+(?:Exception|Error)): ")


def last_error(output, limit=2000):
    """The message of a failed job run: the Python exception the script raised (the last one of its output) or, when
    that is Spark's Py4JJavaError, the deepest Java exception with its message (up to its stack trace); otherwise
    the end of the output."""
    lines = [line for line in output.splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        if not PYTHON_EXCEPTION.match(lines[index]):
            continue
        if not lines[index].startswith("py4j.protocol.Py4JJavaError"):
            return lines[index][:limit]
        java = []
        for line in lines[index + 1 :]:
            if line.startswith(("\tat ", "\t... ")):
                break
            java.append(line.strip())
        text = " ".join(java)
        causes = list(JAVA_EXCEPTION.finditer(text))
        return (text[causes[-1].start(1) :] if causes else lines[index])[:limit]
    return "\n".join(lines[-5:])[-limit:]


class StagedPrefix:
    """An S3 prefix a job run reads or writes, copied to a local folder before the run and put back after it."""

    def __init__(self, s3, uri, root):
        self.s3 = s3
        self.bucket, self.key = split_s3_uri(uri)
        self.root = root
        # What was there before the run, key to ETag: only these may be deleted after it (an object written to the
        # prefix meanwhile by someone else is left alone).
        self.before = {}

    def local_file(self, key):
        return os.path.join(self.root, self.bucket, key)

    def download(self):
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.key):
            for item in page.get("Contents", []):
                if item["Key"].endswith("/"):
                    continue  # a folder marker (s3_bucket_layout's prefixes), not a file
                path = self.local_file(item["Key"])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                self.s3.download_file(self.bucket, item["Key"], path)
                self.before[item["Key"]] = item["ETag"]
        os.makedirs(
            self.local_file(self.key)
            if self.key.endswith("/") or not self.key
            else os.path.dirname(self.local_file(self.key)),
            exist_ok=True,
        )

    def files_now(self):
        """Key to MD5 of every file the folder holds now; the Parquet part files the run wrote named after their data,
        the staged paths in them written back as S3 URIs."""
        start = self.local_file(self.key)
        if os.path.isfile(start):
            return {self.key: md5_of(start)}
        found = {}
        for directory, folders, files in os.walk(start):
            folders[:] = [folder for folder in folders if folder != "_temporary"]
            for name in files:
                path = os.path.join(directory, name)
                key = os.path.relpath(path, os.path.join(self.root, self.bucket)).replace(os.sep, "/")
                if not uploadable(key):
                    continue
                if SPARK_PART_FILE.match(name) and name.endswith(".parquet"):
                    unstage_parquet(path, self.root)
                    named = content_name(name, parquet_fingerprint(path))
                    os.replace(path, os.path.join(directory, named))
                    path, key = os.path.join(directory, named), posixpath.join(posixpath.dirname(key), named)
                elif not name.endswith(".parquet"):
                    unstage_text_file(path, self.root)
                found[key] = md5_of(path)
        return found

    def put_back(self):
        """Uploads what the run wrote or changed and deletes what it removed; returns (uploaded, deleted) keys."""
        uploads, deletes = reconciliation(self.files_now(), self.before)
        for key in uploads:
            # One PUT, not upload_file's multipart upload above 8 MB, so that the ETag stays the MD5 the next run
            # compares with.
            with open(self.local_file(key), "rb") as body:
                self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        for start in range(0, len(deletes), 1000):  # DeleteObjects takes at most 1,000 keys
            batch = [{"Key": key} for key in deletes[start : start + 1000]]
            self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        return uploads, deletes


# Local Spark as the job's scripts find Glue's: UTC, and small (one core, one shuffle partition: the same input
# gives the same rows in the same order, so part files of the same data and name).
SPARK_SETTINGS = {
    "spark.master": "local[1]",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
# Glue puts the Python files this argument names on the job's import path: here spark-submit's --py-files does.
EXTRA_PY_FILES = "--extra-py-files"


def spark_submit_command(spark_submit, script, libraries, arguments):
    """spark-submit of one job run: Glue's arguments go to the script as --name value pairs, as Glue passes them."""
    command = [spark_submit]
    for name, value in SPARK_SETTINGS.items():
        command += ["--conf", f"{name}={value}"]
    if libraries:
        command += ["--py-files", ",".join(libraries)]
    command.append(script)
    for name, value in arguments.items():
        command += [name, value]
    return command


@dataclass
class JobRun:
    """One job run as the local runner reports it, in the shape of Glue's GetJobRun."""

    job_name: str
    run_id: str
    arguments: dict
    state: str = "RUNNING"
    error_message: str = ""
    seconds: float = 0.0
    uploaded: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    # The one-line JSON summary the pipeline's scripts print last (rows read, written, quarantined...).
    summary: dict = field(default_factory=dict)

    @property
    def label(self):
        dataset = self.arguments.get("--dataset")
        return f"{self.job_name} ({dataset})" if dataset else self.job_name

    def report(self):
        return {
            "job_name": self.job_name,
            "id": self.run_id,
            "job_run_state": self.state,
            "error_message": self.error_message,
            "execution_time": round(self.seconds, 1),
            "dataset": self.arguments.get("--dataset", ""),
            "uploaded": len(self.uploaded),
            "deleted": len(self.deleted),
            "summary": self.summary,
        }


def spark_submit_path():
    """PySpark's spark-submit beside this Python, or None."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "bin", "spark-submit")
    return path if os.path.exists(path) else None


def local_runner_missing(spark=True):
    """What the local runner lacks on this machine, as the message to stop with, or None. A job run needs Spark
    and Java; a crawl (spark=False) reads its files' schemas with pyarrow only."""
    missing = []
    if spark and spark_submit_path() is None:
        missing.append(f"PySpark for {sys.executable} (make venv)")
    if pyarrow is None:
        missing.append(f"pyarrow for {sys.executable} (make venv)")
    if spark and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing.append("Java (make system-deps)")
    return f"runner=local needs {', '.join(missing)}" if missing else None


class LocalRunner:
    """Runs the workflow's job runs as Glue would, trigger after trigger, on local PySpark: each job's script and
    libraries read back from S3, its S3 paths staged as local folders and put back after the run."""

    def __init__(self, glue, s3, spark_submit, workdir, timeout):
        self.glue = glue
        self.s3 = s3
        self.spark_submit = spark_submit
        self.workdir = workdir
        self.timeout = timeout

    def triggers(self, workflow_name):
        found = []
        for page in self.glue.get_paginator("get_triggers").paginate():
            found += [trigger for trigger in page["Triggers"] if trigger.get("WorkflowName") == workflow_name]
        return found

    def run_workflow(self, workflow_name, run_id):
        """The job runs of one workflow run, trigger after trigger, each conditional one only when it fires. A
        trigger's runs go side by side, as on Glue, as many at once as the job's MaxConcurrentRuns allows and this
        machine has cores (each is a Spark of its own)."""
        states = {}
        runs = []
        for stage in workflow_stages(self.triggers(workflow_name)):
            if not predicate_holds(stage.predicate, states):
                continue
            side_by_side = min(len(stage.actions), os.cpu_count() or 1, *self.concurrency(stage.actions))
            with ThreadPoolExecutor(max_workers=max(side_by_side, 1)) as pool:
                started = [
                    pool.submit(self.run_job, action.job_name, action.arguments, workflow_run_id=run_id)
                    for action in stage.actions
                ]
                for future in started:
                    run = future.result()
                    runs.append(run)
                    states.setdefault(run.job_name, []).append(run.state)
        return runs

    def concurrency(self, actions):
        """The MaxConcurrentRuns of each job the actions start
        (https://docs.aws.amazon.com/glue/latest/webapi/API_ExecutionProperty.html: 1 when unset)."""
        jobs = {action.job_name for action in actions}
        return [
            self.glue.get_job(JobName=name)["Job"].get("ExecutionProperty", {}).get("MaxConcurrentRuns", 1)
            for name in sorted(jobs)
        ]

    def run_job(self, job_name, arguments, workflow_run_id=""):
        job = self.glue.get_job(JobName=job_name)["Job"]
        run = JobRun(job_name, f"jr_local_{uuid.uuid4().hex}", {**job.get("DefaultArguments", {}), **arguments})
        root = tempfile.mkdtemp(prefix="glue-run-", dir=self.workdir)
        try:
            staged, prefixes = staged_arguments(run.arguments, root)
            script_uri = job["Command"]["ScriptLocation"]
            staged_prefixes = [StagedPrefix(self.s3, uri, root) for uri in prefixes]
            for prefix in [*staged_prefixes, StagedPrefix(self.s3, script_uri, root)]:
                prefix.download()
            libraries = [staged_path(uri, root) for uri in run.arguments.get(EXTRA_PY_FILES, "").split(",") if uri]
            script_arguments = {name: value for name, value in staged.items() if name != EXTRA_PY_FILES}
            script_arguments.update({"--JOB_NAME": job_name, "--JOB_RUN_ID": run.run_id})
            if workflow_run_id:
                script_arguments["--WORKFLOW_RUN_ID"] = workflow_run_id
            command = spark_submit_command(
                self.spark_submit, staged_path(script_uri, root), libraries, script_arguments
            )
            # Glue stops a run after the job's Timeout minutes (https://docs.aws.amazon.com/glue/latest/webapi/API_Job.html).
            timeout = min(self.timeout, 60 * job.get("Timeout", 2880))
            started = time.monotonic()
            try:
                finished = subprocess.run(
                    command, capture_output=True, text=True, timeout=timeout, check=False, env=spark_environment()
                )
                run.state = "SUCCEEDED" if finished.returncode == 0 else "FAILED"
                run.summary = unstaged(last_json_line(finished.stdout), root)
                if finished.returncode != 0:
                    run.error_message = unstaged_text(last_error(finished.stderr + "\n" + finished.stdout), root)
            except subprocess.TimeoutExpired:
                run.state, run.error_message = "TIMEOUT", f"the run took longer than {timeout} seconds"
            run.seconds = time.monotonic() - started
            # What a failed run wrote stays, as on S3 (the quality job writes its report, then fails).
            for prefix in staged_prefixes:
                uploaded, deleted = prefix.put_back()
                run.uploaded += uploaded
                run.deleted += deleted
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return run


def spark_environment():
    """This environment, with Spark's Python workers on this Python (the one PySpark is installed for)."""
    return dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)


def workflow_statistics(runs):
    """Glue's workflow run Statistics (https://docs.aws.amazon.com/glue/latest/webapi/API_WorkflowRunStatistics.html)
    of the job runs."""
    states = [run.state for run in runs]
    return {
        "TotalActions": len(runs),
        "SucceededActions": states.count("SUCCEEDED"),
        "FailedActions": states.count("FAILED"),
        "TimeoutActions": states.count("TIMEOUT"),
        "StoppedActions": states.count("STOPPED"),
        "RunningActions": 0,
    }


def last_json_line(output):
    """The last line of a job's output that is a JSON object, or {}."""
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                found = json.loads(line)
            except ValueError:
                continue
            if isinstance(found, dict):
                return found
    return {}
