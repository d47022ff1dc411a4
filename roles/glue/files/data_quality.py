# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue ETL job: data quality checks of one processed Parquet dataset, written as a JSON report.

Checks, each reported with its measured value, threshold and passed flag:
  completeness       number of rows >= --min_rows
  null_ratio:<col>   share of nulls per declared column: 0 for non-nullable columns,
                     <= --max_null_ratio for nullable ones
  duplicates         share of rows whose key (--key_columns) another row already has,
                     <= --max_duplicate_ratio
  schema             every declared column present with its declared type; columns that are
                     not declared are listed in the report without failing the check

The report (one JSON document) goes to ``<report_path>/<dataset>/report-<UTC time>[-<run id>].json``
(s3:// through boto3, or a local path / file:// URI). When a check fails, the job fails after
writing the report, with a message naming the failed checks. A dataset path with no Parquet
data counts as an empty dataset with no columns.

Write, audit, publish: when every check passed and --curated_path is given, the rows the checks
read are written there as Parquet, partitioned as the processed dataset is (the curated zone's
business-ready copy). Only the partitions the dataset holds are replaced (dynamic partition
overwrite: Spark writes them to a staging folder and moves each into place when the write
commits), so a failed check or a failed write leaves the curated copy as the last passed run left
it; nothing of a dataset that failed its checks reaches the curated zone.

Partition columns (``name=value`` folders) carry no type: a declared one is cast to its declared
type; a value that does not cast counts as null.

Arguments, as AWS Glue passes them (``--name value``; other arguments are ignored):
  --source_path          the processed dataset, e.g. s3://lake/processed/events/
  --report_path          report prefix, e.g. s3://glue-outputs/quality/
  --dataset              dataset name, e.g. events (folder under --report_path)
  --schema               JSON list of {"name", "type", "nullable"}; type is one of string, int,
                         long, double, boolean, date, timestamp; nullable defaults to true
  --key_columns          comma-separated columns that identify a record
  --max_null_ratio       highest share of nulls in a nullable column (optional; default 0.05)
  --min_rows             lowest acceptable number of rows (optional; default 1)
  --max_duplicate_ratio  highest share of duplicate keys (optional; default 0)
  --curated_path         where a dataset that passed is published, e.g. s3://lake/curated/events/
                         (optional; without it the job only checks)
  --JOB_RUN_ID           set by AWS Glue; added to the report name when present

Runs on AWS Glue 5.0 (Spark 3.5, Python 3.11) and on plain PySpark: arguments are read with
awsglue's getResolvedOptions when awsglue is importable, with argparse otherwise (job_arguments.py,
which the glue role ships next to this script and names in --extra-py-files).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    BooleanType,
    DataType,
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructType,
    TimestampType,
)

import job_arguments
from job_arguments import ColumnSpec, parse_schema

REQUIRED_ARGUMENTS = ("source_path", "report_path", "dataset", "schema", "key_columns")
OPTIONAL_ARGUMENTS = {"max_null_ratio": "0.05", "min_rows": "1", "max_duplicate_ratio": "0", "curated_path": ""}

SPARK_TYPES: dict[str, DataType] = {
    "string": StringType(),
    "int": IntegerType(),
    "long": LongType(),
    "double": DoubleType(),
    "boolean": BooleanType(),
    "date": DateType(),
    "timestamp": TimestampType(),
}
PARTITION_TYPE_INFERENCE = "spark.sql.sources.partitionColumnTypeInference.enabled"


class DataQualityError(RuntimeError):
    """At least one check failed; the report is written."""


@dataclass(frozen=True)
class Thresholds:
    min_rows: int = 1
    max_null_ratio: float = 0.05
    max_duplicate_ratio: float = 0.0


def parse_arguments(argv: Sequence[str]) -> dict[str, str]:
    """Job arguments by name, optional ones defaulted; Glue's own (--JOB_ID, --TempDir, ...) are ignored."""
    return job_arguments.parse_arguments(
        "data_quality.py", argv, REQUIRED_ARGUMENTS, OPTIONAL_ARGUMENTS, ("JOB_RUN_ID",)
    )


def parse_thresholds(arguments: dict[str, str]) -> Thresholds:
    thresholds = Thresholds(
        min_rows=int(arguments["min_rows"]),
        max_null_ratio=float(arguments["max_null_ratio"]),
        max_duplicate_ratio=float(arguments["max_duplicate_ratio"]),
    )
    if thresholds.min_rows < 0:
        raise ValueError("--min_rows must be 0 or more")
    if not (0 <= thresholds.max_null_ratio <= 1 and 0 <= thresholds.max_duplicate_ratio <= 1):
        raise ValueError("--max_null_ratio and --max_duplicate_ratio must be between 0 and 1")
    return thresholds


def split_columns(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def join_uri(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(part.strip("/") for part in parts)])


def quoted(name: str) -> str:
    """A column name for Spark SQL, so that dots or spaces in it are not read as syntax."""
    return "`" + name.replace("`", "``") + "`"


def partition_column_names(frame: DataFrame) -> list[str]:
    """Columns that come from name=value folders of the files read."""
    folders = {segment for uri in frame.inputFiles() for segment in uri.split("/")[:-1] if "=" in segment}
    return sorted({folder.split("=", 1)[0] for folder in folders} & set(frame.columns))


def read_dataset(spark: SparkSession, uri: str, schema: list[ColumnSpec]) -> DataFrame:
    """The Parquet dataset at uri (no columns, no rows when there is none), partition columns typed as declared."""
    # Spark would guess partition types from the folder names ("007" as int 7); read them as text.
    inference = spark.conf.get(PARTITION_TYPE_INFERENCE)
    spark.conf.set(PARTITION_TYPE_INFERENCE, "false")
    try:
        frame = spark.read.parquet(uri)
    except AnalysisException as error:
        if error.getErrorClass() not in ("PATH_NOT_FOUND", "UNABLE_TO_INFER_SCHEMA"):
            raise
        return spark.createDataFrame([], StructType([]))
    finally:
        spark.conf.set(PARTITION_TYPE_INFERENCE, inference)
    declared_types = {spec.name: SPARK_TYPES[spec.type].simpleString() for spec in schema}
    for name in partition_column_names(frame):
        if name in declared_types:
            frame = frame.withColumn(name, F.expr(f"try_cast({quoted(name)} AS {declared_types[name]})"))
    return frame


def check(name: str, measured: object, threshold: object, passed: bool, **details: object) -> dict[str, object]:
    return {"name": name, "measured": measured, "threshold": threshold, "passed": passed, **details}


def schema_check(frame: DataFrame, schema: list[ColumnSpec]) -> dict[str, object]:
    actual_types = {field.name: field.dataType for field in frame.schema.fields}
    declared = {spec.name for spec in schema}
    missing = [spec.name for spec in schema if spec.name not in actual_types]
    mismatched = [
        {"column": spec.name, "expected": spec.type, "actual": actual_types[spec.name].simpleString()}
        for spec in schema
        if spec.name in actual_types and actual_types[spec.name] != SPARK_TYPES[spec.type]
    ]
    extra = [name for name in actual_types if name not in declared]
    measured = {"missing_columns": missing, "type_mismatches": mismatched, "extra_columns": extra}
    threshold = "every declared column present with its declared type (extra columns allowed)"
    return check("schema", measured, threshold, not missing and not mismatched)


def ratio(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def measure(frame: DataFrame, columns: list[str], key_columns: list[str] | None) -> dict[str, object]:
    """Row count, nulls per column and distinct keys (when key_columns is given), in one pass over the data."""
    measures = [F.count(F.lit(1)).alias("rows")]
    measures += [F.count(F.when(F.col(quoted(name)).isNull(), 1)).alias(f"nulls_{i}") for i, name in enumerate(columns)]
    if key_columns:
        # A struct is never null, so keys with null parts are counted too.
        measures.append(F.count_distinct(F.struct(*[F.col(quoted(name)) for name in key_columns])).alias("keys"))
    measured = frame.agg(*measures).first()
    return {
        "rows": measured["rows"],
        "nulls": {name: measured[f"nulls_{i}"] for i, name in enumerate(columns)},
        "keys": measured["keys"] if key_columns else None,
    }


def null_ratio_check(spec: ColumnSpec, nulls: int, rows: int, max_null_ratio: float) -> dict[str, object]:
    limit = max_null_ratio if spec.nullable else 0.0
    measured = ratio(nulls, rows)
    return check(f"null_ratio:{spec.name}", measured, limit, measured <= limit, comparison="<=", nulls=nulls)


def duplicates_check(rows: int, keys: int | None, missing_keys: list[str], max_ratio: float) -> dict[str, object]:
    if missing_keys:
        return check("duplicates", None, max_ratio, False, missing_key_columns=missing_keys)
    duplicates = rows - keys
    measured = ratio(duplicates, rows)
    return check("duplicates", measured, max_ratio, measured <= max_ratio, comparison="<=", duplicates=duplicates)


def run_checks(
    frame: DataFrame, schema: list[ColumnSpec], key_columns: list[str], thresholds: Thresholds
) -> list[dict[str, object]]:
    """Every check of the report; a missing column has no null check (the schema check names it)."""
    present = [spec for spec in schema if spec.name in frame.columns]
    missing_keys = [name for name in key_columns if name not in frame.columns]
    measured = measure(frame, [spec.name for spec in present], None if missing_keys else key_columns)
    rows = measured["rows"]
    return [
        check("completeness", rows, thresholds.min_rows, rows >= thresholds.min_rows, comparison=">="),
        *[null_ratio_check(spec, measured["nulls"][spec.name], rows, thresholds.max_null_ratio) for spec in present],
        duplicates_check(rows, measured["keys"], missing_keys, thresholds.max_duplicate_ratio),
        schema_check(frame, schema),
    ]


def publish(frame: DataFrame, uri: str) -> None:
    """Writes the audited rows to the curated copy, partitioned as they were read; replaces only those partitions."""
    writer = frame.write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
    writer.partitionBy(*partition_column_names(frame)).parquet(uri)


def write_text(uri: str, text: str) -> None:
    """Writes one object to s3:// (through boto3) or one file to a local path or file:// URI."""
    location = urlparse(uri)
    if location.scheme in ("s3", "s3a"):
        import boto3  # only needed, and present, where reports go to S3 (on Glue)

        body = text.encode("utf-8")
        boto3.client("s3").put_object(
            Bucket=location.netloc, Key=location.path.lstrip("/"), Body=body, ContentType="application/json"
        )
    elif location.scheme in ("", "file"):
        path = Path(location.path if location.scheme else uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    else:
        raise ValueError(f"cannot write a report to {uri}: only s3:// and local paths are supported")


def report_uri(report_path: str, dataset: str, generated_at: datetime, run_id: str | None) -> str:
    name = "report-" + generated_at.strftime("%Y%m%dT%H%M%SZ") + (f"-{run_id}" if run_id else "")
    return join_uri(report_path, dataset, f"{name}.json")


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    """Runs the checks with argv (default: sys.argv[1:]), writes the report, returns it; raises when a check fails."""
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    schema = parse_schema(arguments["schema"])
    key_columns = split_columns(arguments["key_columns"])
    thresholds = parse_thresholds(arguments)
    undeclared_keys = [name for name in key_columns if name not in {spec.name for spec in schema}]
    if not key_columns or undeclared_keys:
        raise ValueError(f"--key_columns must name declared columns: {arguments['key_columns']!r}")

    spark = SparkSession.builder.getOrCreate()
    frame = read_dataset(spark, arguments["source_path"], schema)
    checks = run_checks(frame, schema, key_columns, thresholds)
    generated_at = datetime.now(UTC)
    failed = [item["name"] for item in checks if not item["passed"]]
    curated_uri = arguments["curated_path"] if arguments["curated_path"] and not failed else None
    report = {
        "dataset": arguments["dataset"],
        "source_path": arguments["source_path"],
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "job_run_id": arguments.get("JOB_RUN_ID"),
        "files": len(frame.inputFiles()),
        "partition_columns": partition_column_names(frame),
        "passed": not failed,
        "failed_checks": failed,
        "checks": checks,
        "published_to": curated_uri,
    }
    uri = report_uri(arguments["report_path"], arguments["dataset"], generated_at, arguments.get("JOB_RUN_ID"))
    write_text(uri, json.dumps(report, indent=2, default=str) + "\n")
    report["report"] = uri
    if curated_uri:
        publish(frame, curated_uri)
    rows = next(item["measured"] for item in checks if item["name"] == "completeness")
    summary = {"dataset": report["dataset"], "passed": not failed, "failed_checks": failed, "rows": rows}
    print(json.dumps({**summary, "report": uri, "published_to": curated_uri}))
    if failed:
        raise DataQualityError(
            f"data quality checks failed for {arguments['dataset']}: {', '.join(failed)} (report: {uri})"
        )
    return report


if __name__ == "__main__":
    main()
