# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue ETL job: the raw files of one dataset into typed, deduplicated, partitioned Parquet.

Reads every ``.csv`` file (with a header line) and every ``.json``/``.jsonl`` file (JSON lines)
under ``<source_path>/<dataset>/``, casts each declared column to its declared type, keeps one
row per key, and writes Parquet to ``<target_path>/<dataset>/`` partitioned by the partition
columns. Only the partitions the run writes are replaced (dynamic partition overwrite), so a
rerun on the same input gives the same output. Rows that break the schema (a non-nullable
column is empty, or a value does not cast to its type, or a JSON line does not parse) are not
dropped: they go, as the raw text read plus ``_source_file`` and ``_quarantine_reason``, to
``<quarantine_path>/<dataset>/ingest_date=<ingest_date>/`` as Parquet, replaced on each run of
that ingest date. A one-line JSON summary is printed; the job fails when there is no input file.

Arguments, as AWS Glue passes them (``--name value``; other arguments are ignored):
  --source_path        raw prefix, e.g. s3://lake/raw/ (or file:///tmp/raw/, or a local path)
  --target_path        processed prefix, e.g. s3://lake/processed/
  --quarantine_path    prefix for rejected rows, e.g. s3://lake/processed/_quarantine/
  --dataset            dataset name: the folder under each prefix, e.g. events
  --schema             JSON list of {"name", "type", "nullable"}; type is one of string, int,
                       long, double, boolean, date, timestamp; nullable defaults to true.
                       Columns of the files that are not declared are not written.
  --key_columns        comma-separated columns that identify a record (duplicates are removed
                       among the rows one run reads)
  --partition_columns  comma-separated declared columns, or ingest_date; when absent or empty
                       the output is partitioned by ingest_date alone (optional)
  --order_column       among duplicates keep the row with the latest value of this column;
                       without it the kept row is chosen deterministically (optional)
  --ingest_date        YYYY-MM-DD value of the derived ingest_date column (optional; default
                       today in UTC). Reprocessing the same raw files on another day adds a new
                       ingest_date partition: pass the original date to replace the old one.

Empty or blank values count as null; a timestamp without a UTC offset is read in the Spark
session time zone (UTC on AWS Glue). CSV files of one dataset must share one header (Spark
checks every file against the first and fails the job otherwise).

Runs on AWS Glue 5.0 (Spark 3.5, Python 3.11) and on plain PySpark: arguments are read with
awsglue's getResolvedOptions when awsglue is importable, with argparse otherwise (job_arguments.py,
which the glue role ships next to this script and names in --extra-py-files).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, MapType, StructType

import job_arguments
from job_arguments import ColumnSpec, parse_schema

REQUIRED_ARGUMENTS = ("source_path", "target_path", "quarantine_path", "dataset", "schema", "key_columns")
OPTIONAL_ARGUMENTS = {"partition_columns": "", "order_column": "", "ingest_date": ""}

SQL_TYPES = {
    "string": "STRING",
    "int": "INT",
    "long": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
SOURCE_SUFFIXES = {"csv": (".csv",), "json": (".json", ".jsonl")}
INGEST_DATE = "ingest_date"
SOURCE_FILE = "_source_file"
CORRUPT_RECORD = "_corrupt_record"
QUARANTINE_REASON = "_quarantine_reason"


@dataclass(frozen=True)
class Settings:
    source_uri: str
    target_uri: str
    quarantine_uri: str
    dataset: str
    schema: list[ColumnSpec]
    key_columns: list[str]
    partition_columns: list[str]
    order_column: str | None
    ingest_date: str


def parse_arguments(argv: Sequence[str]) -> dict[str, str]:
    """Job arguments by name, optional ones defaulted; Glue's own (--JOB_ID, --TempDir, ...) are ignored."""
    return job_arguments.parse_arguments("data_processing.py", argv, REQUIRED_ARGUMENTS, OPTIONAL_ARGUMENTS, ())


def split_columns(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def join_uri(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(part.strip("/") for part in parts)])


def settings_from(arguments: dict[str, str]) -> Settings:
    """Checks the arguments against each other before any Spark work."""
    schema = parse_schema(arguments["schema"])
    declared = [spec.name for spec in schema]
    key_columns = split_columns(arguments["key_columns"])
    partition_columns = split_columns(arguments["partition_columns"]) or [INGEST_DATE]
    order_column = arguments["order_column"].strip() or None
    ingest_date = arguments["ingest_date"].strip() or datetime.now(UTC).date().isoformat()
    date.fromisoformat(ingest_date)
    if not key_columns:
        raise ValueError("--key_columns names no column")
    undeclared = [name for name in [*key_columns, *([order_column] if order_column else [])] if name not in declared]
    undeclared += [name for name in partition_columns if name not in declared and name != INGEST_DATE]
    if undeclared:
        raise ValueError(f"columns not declared in --schema: {', '.join(undeclared)}")
    dataset = arguments["dataset"].strip("/")
    return Settings(
        source_uri=join_uri(arguments["source_path"], dataset),
        target_uri=join_uri(arguments["target_path"], dataset),
        quarantine_uri=join_uri(arguments["quarantine_path"], dataset, f"{INGEST_DATE}={ingest_date}"),
        dataset=dataset,
        schema=schema,
        key_columns=key_columns,
        partition_columns=partition_columns,
        order_column=order_column,
        ingest_date=ingest_date,
    )


def quoted(name: str) -> str:
    """A column name for Spark SQL, so that dots or spaces in it are not read as syntax."""
    return "`" + name.replace("`", "``") + "`"


def list_source_files(spark: SparkSession, directory_uri: str) -> dict[str, list[str]]:
    """CSV and JSON files under directory_uri, recursively; hidden files (_SUCCESS, .crc) skipped."""
    # Hadoop's FileSystem lists s3:// on Glue and file:// locally without reading any data.
    jvm = spark.sparkContext._jvm
    root = jvm.org.apache.hadoop.fs.Path(directory_uri)
    filesystem = root.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    found: dict[str, list[str]] = {file_format: [] for file_format in SOURCE_SUFFIXES}
    if not filesystem.exists(root):
        return found
    statuses = filesystem.listFiles(root, True)
    while statuses.hasNext():
        path = statuses.next().getPath()
        name = path.getName()
        if name.startswith(("_", ".")):
            continue
        for file_format, suffixes in SOURCE_SUFFIXES.items():
            if name.lower().endswith(suffixes):
                found[file_format].append(path.toString())
    return found


def as_text_columns(frame: DataFrame, schema: list[ColumnSpec]) -> DataFrame:
    """The declared columns as text (null when a file lacks one), with the source file and corrupt record."""
    actual_names = {name.lower(): name for name in frame.columns}

    def text(spec: ColumnSpec) -> Column:
        actual = actual_names.get(spec.name.lower())
        if actual is None:
            return F.lit(None).cast("string")
        column = F.col(quoted(actual))
        if isinstance(frame.schema[actual].dataType, StructType | ArrayType | MapType):
            return F.to_json(column)
        return column.cast("string")

    corrupt = F.col(CORRUPT_RECORD) if CORRUPT_RECORD in frame.columns else F.lit(None).cast("string")
    return frame.select(
        *[text(spec).alias(spec.name) for spec in schema],
        F.col("_metadata.file_path").alias(SOURCE_FILE),
        corrupt.alias(CORRUPT_RECORD),
    )


def read_source(spark: SparkSession, files: dict[str, list[str]], schema: list[ColumnSpec]) -> DataFrame:
    """Every CSV and JSON-lines file, all values as text, so that casting is done (and checked) in one place."""
    frames = []
    if files["csv"]:
        # escape='"' reads RFC 4180 quoting ("" inside a quoted field); enforceSchema=False makes
        # Spark fail on a file whose header differs instead of mapping its columns by position.
        reader = spark.read.options(header=True, inferSchema=False, enforceSchema=False, escape='"')
        frames.append(reader.csv(files["csv"]))
    if files["json"]:
        reader = spark.read.options(primitivesAsString=True, columnNameOfCorruptRecord=CORRUPT_RECORD)
        frames.append(reader.json(files["json"]))
    return functools.reduce(DataFrame.unionByName, [as_text_columns(frame, schema) for frame in frames])


def is_present(name: str) -> Column:
    raw = F.col(quoted(name))
    return raw.isNotNull() & (F.trim(raw) != "")


def typed_value(spec: ColumnSpec) -> Column:
    """The text column cast to its declared type; null when blank or when the cast fails."""
    if spec.type == "string":
        value = F.col(quoted(spec.name))
    else:
        # try_cast returns null on a bad value whatever spark.sql.ansi.enabled says.
        value = F.expr(f"try_cast(trim({quoted(spec.name)}) AS {SQL_TYPES[spec.type]})")
    return F.when(is_present(spec.name), value)


def cast_and_validate(frame: DataFrame, schema: list[ColumnSpec]) -> tuple[DataFrame, DataFrame]:
    """(valid rows with the declared types, rejected rows as read plus _quarantine_reason).

    frame holds every declared column as text; its other columns are kept in the rejected rows.
    """
    problems = []
    for spec in schema:
        if not spec.nullable:
            problems.append(F.when(~is_present(spec.name), F.lit(f"{spec.name}: null in a non-nullable column")))
        failed_cast = is_present(spec.name) & typed_value(spec).isNull()
        problems.append(F.when(failed_cast, F.lit(f"{spec.name}: not a valid {spec.type}")))
    if CORRUPT_RECORD in frame.columns:
        problems.append(F.when(F.col(CORRUPT_RECORD).isNotNull(), F.lit(f"{CORRUPT_RECORD}: malformed record")))
    checked = frame.withColumn(QUARANTINE_REASON, F.concat_ws("; ", *problems))
    is_valid = F.col(QUARANTINE_REASON) == ""
    valid = checked.filter(is_valid).select(*[typed_value(spec).alias(spec.name) for spec in schema])
    return valid, checked.filter(~is_valid)


def deduplicate(frame: DataFrame, key_columns: list[str], order_column: str | None = None) -> DataFrame:
    """One row per key: the one with the latest order_column when given (nulls lose)."""
    missing = [name for name in [*key_columns, order_column] if name and name not in frame.columns]
    if missing:
        raise ValueError(f"no such column to deduplicate on: {', '.join(missing)}")
    ordering = [F.col(quoted(order_column)).desc_nulls_last()] if order_column else []
    # The other columns break ties, so that which duplicate survives does not change between runs.
    ordering += [
        F.col(quoted(name)).asc_nulls_last() for name in frame.columns if name not in (*key_columns, order_column)
    ]
    if not ordering:
        return frame.dropDuplicates(key_columns)
    rank = "_rank_within_key"
    window = Window.partitionBy(*[F.col(quoted(name)) for name in key_columns]).orderBy(*ordering)
    return frame.withColumn(rank, F.row_number().over(window)).filter(F.col(rank) == 1).drop(rank)


def write_partitions(frame: DataFrame, uri: str, partition_columns: list[str]) -> None:
    """Replaces the partitions present in frame and leaves the others alone."""
    writer = frame.write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
    writer.partitionBy(*partition_columns).parquet(uri)


def run(spark: SparkSession, settings: Settings) -> dict[str, object]:
    """Processes one dataset and returns the counts of the summary."""
    files = list_source_files(spark, settings.source_uri)
    if not any(files.values()):
        raise FileNotFoundError(f"no .csv, .json or .jsonl file under {settings.source_uri}")
    raw = read_source(spark, files, settings.schema).cache()
    valid, quarantined = cast_and_validate(raw, settings.schema)
    unique = deduplicate(valid, settings.key_columns, settings.order_column)
    if INGEST_DATE in settings.partition_columns and INGEST_DATE not in raw.columns:
        unique = unique.withColumn(INGEST_DATE, F.lit(settings.ingest_date))
    unique = unique.cache()
    try:
        rows_read, rejected, written = raw.count(), quarantined.count(), unique.count()
        write_partitions(unique, settings.target_uri, settings.partition_columns)
        # Written even when empty, so that a rerun clears what an earlier run of that date rejected.
        quarantined.write.mode("overwrite").parquet(settings.quarantine_uri)
    finally:
        unique.unpersist()
        raw.unpersist()
    return {
        "dataset": settings.dataset,
        "rows_read": rows_read,
        "valid": rows_read - rejected,
        "quarantined": rejected,
        "duplicates_removed": rows_read - rejected - written,
        "written": written,
        "target": settings.target_uri,
        "partition_columns": settings.partition_columns,
        "quarantine": settings.quarantine_uri,
        "ingest_date": settings.ingest_date,
    }


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    """Runs the job with argv (default: sys.argv[1:]) and returns the summary it prints."""
    settings = settings_from(parse_arguments(sys.argv[1:] if argv is None else argv))
    summary = run(SparkSession.builder.getOrCreate(), settings)
    print(json.dumps(summary, sort_keys=True), flush=True)
    return summary


if __name__ == "__main__":
    main()
