"""The Glue catalog, crawlers, jobs and workflow, and their encryption."""

from __future__ import annotations

import json
from pathlib import Path

from support.expectations.identity import IDENTITY_TAGS


def glue_encryption(aws, prefix: str = "dataeng-local") -> str:
    """The security configuration the jobs and crawlers name. collection (glue_encryption): S3 output, CloudWatch
    logs and job bookmarks encrypted with the platform's key
    (https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html), which lets CloudWatch
    Logs use it for Glue's log groups only (https://docs.aws.amazon.com/glue/latest/dg/set-up-encryption.html)."""
    key = aws.kms.describe_key(KeyId=f"alias/{prefix}-secrets")["KeyMetadata"]
    name = f"{prefix}-glue-kms"
    encryption = aws.glue.get_security_configuration(Name=name)["SecurityConfiguration"]["EncryptionConfiguration"]
    assert encryption == {
        "S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": key["Arn"]}],
        "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": key["Arn"]},
        "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": key["Arn"]},
    }
    policy = json.loads(aws.kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    account = key["AWSAccountId"]
    logs_service = {"Service": "logs.us-east-2.amazonaws.com"}
    (logs,) = [statement for statement in policy["Statement"] if statement.get("Principal") == logs_service]
    log_group = f"arn:aws:logs:us-east-2:{account}:log-group:"
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": [f"{log_group}/aws-glue/*", f"{log_group}/ecs/{prefix}"]}
    }
    return name


# inventories/local's glue_datasets.
DATASETS = ["events", "orders"]


def glue(aws, prefix: str = "dataeng-local", env: str = "local") -> dict:
    """The pipeline. platform, Glue: the catalog, on-demand crawlers of raw/ and processed/, the two jobs (60 and
    30 minutes, Python 3, 2 DPU at most), the workflow, processing then quality. collection: 2 DPU as two G.1X
    workers (glue_worker_type, glue_number_of_workers; a G.1X worker is 1 DPU,
    https://docs.aws.amazon.com/glue/latest/dg/add-job.html), the scripts uploaded as shipped, the local inventory's
    datasets events and orders (glue_datasets), a crawler of curated/ where quality publishes each dataset that
    passed."""
    account = aws.sts.get_caller_identity()["Account"]
    lake, scripts = f"{prefix}-data-lake-{account}", f"{prefix}-glue-scripts-{account}"
    role = f"{prefix}-glue-service"

    def glue_tags(kind: str, name: str) -> dict:
        return aws.glue.get_tags(ResourceArn=f"arn:aws:glue:us-east-2:{account}:{kind}/{name}")["Tags"]

    def assert_platform_tags(kind: str, name: str) -> None:
        assert glue_tags(kind, name).items() >= {**IDENTITY_TAGS, "Environment": env}.items(), (kind, name)

    database = aws.glue.get_database(Name=f"{env}_data_lake_catalog")["Database"]
    assert database["LocationUri"] == f"s3://{lake}/"
    assert_platform_tags("database", database["Name"])

    security_configuration = glue_encryption(aws, prefix)
    for zone in ("raw", "processed", "curated"):
        crawler = aws.glue.get_crawler(Name=f"{prefix}-{zone}")["Crawler"]
        assert crawler.get("CrawlerSecurityConfiguration") == security_configuration, zone
        assert crawler["DatabaseName"] == database["Name"]
        assert crawler["Role"] == role
        assert [target["Path"] for target in crawler["Targets"]["S3Targets"]] == [f"s3://{lake}/{zone}/"]
        assert "Schedule" not in crawler, f"the {zone} crawler is scheduled; the platform runs it on demand"
        assert_platform_tags("crawler", crawler["Name"])

    repository = Path(__file__).resolve().parents[3]
    jobs = {}
    for name, script, timeout in (
        ("data-processing", "data_processing.py", 60),
        ("data-quality", "data_quality.py", 30),
    ):
        job = aws.glue.get_job(JobName=f"{prefix}-{name}")["Job"]
        assert job["Timeout"] == timeout, name
        assert job.get("SecurityConfiguration") == security_configuration, name
        assert (job["WorkerType"], job["NumberOfWorkers"]) == ("G.1X", 2), "2 DPU at most"
        assert job["Command"]["Name"] == "glueetl"
        assert job["Command"]["PythonVersion"] == "3"
        assert job["Command"]["ScriptLocation"] == f"s3://{scripts}/scripts/{script}"
        uploaded = aws.s3.get_object(Bucket=scripts, Key=f"scripts/{script}")["Body"].read()
        assert uploaded == (repository / "roles" / "glue" / "files" / script).read_bytes(), script
        assert job["DefaultArguments"]["--TempDir"] == f"s3://{scripts}/temp/"
        assert job["DefaultArguments"]["--extra-py-files"] == f"s3://{scripts}/scripts/job_arguments.py"
        assert_platform_tags("job", job["Name"])
        jobs[name] = job
    library = aws.s3.get_object(Bucket=scripts, Key="scripts/job_arguments.py")["Body"].read()
    assert library == (repository / "roles" / "glue" / "files" / "job_arguments.py").read_bytes()
    assert jobs["data-processing"]["DefaultArguments"]["--source_path"] == f"s3://{lake}/raw/"
    assert jobs["data-processing"]["DefaultArguments"]["--target_path"] == f"s3://{lake}/processed/"
    assert jobs["data-quality"]["DefaultArguments"]["--report_path"] == f"s3://{prefix}-glue-outputs-{account}/quality/"

    workflow = f"{prefix}-data-pipeline"
    assert workflow in aws.glue.list_workflows()["Workflows"]
    assert_platform_tags("workflow", workflow)
    start = aws.glue.get_trigger(Name=f"{prefix}-start-processing")["Trigger"]
    assert (start["Type"], start["WorkflowName"]) == ("ON_DEMAND", workflow)
    assert [action["JobName"] for action in start["Actions"]] == [f"{prefix}-data-processing"] * len(DATASETS)
    assert [action["Arguments"]["--dataset"] for action in start["Actions"]] == DATASETS
    quality = aws.glue.get_trigger(Name=f"{prefix}-quality-after-processing")["Trigger"]
    assert (quality["Type"], quality["WorkflowName"], quality["State"]) == ("CONDITIONAL", workflow, "ACTIVATED")
    (condition,) = quality["Predicate"]["Conditions"]
    assert (condition["JobName"], condition["State"]) == (f"{prefix}-data-processing", "SUCCEEDED")
    assert [action["JobName"] for action in quality["Actions"]] == [f"{prefix}-data-quality"] * len(DATASETS)
    for dataset, action in zip(DATASETS, quality["Actions"], strict=True):
        assert action["Arguments"]["--source_path"] == f"s3://{lake}/processed/{dataset}/"
        assert action["Arguments"]["--curated_path"] == f"s3://{lake}/curated/{dataset}/"
    return {"database": database, "jobs": jobs, "triggers": {"start": start, "quality": quality}}
