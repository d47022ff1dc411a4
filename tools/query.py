"""Run SQL on local Spark over the tables of the local emulator's Glue catalog (`make query`).

    python tools/query.py "select event_type, count(*) as events from curated_events group by event_type"
    python tools/query.py                 # the tables: their columns, partition keys and locations
    python tools/query.py --json "..."    # one JSON object per row

Each catalog table the SQL names is copied from the emulated S3 (the objects under its location, less the files
Spark and Hadoop mark as not data with a name or folder starting with _ or .) into a temporary folder, and becomes a
temporary view of the table's name, read as its classification says: Parquet with its name=value partition folders,
CSV with a header line or JSON lines with the catalog's columns. Spark runs as the local Glue runner's (one core, UTC).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import boto3
from botocore.exceptions import EndpointConnectionError
from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import TimestampType

import emulator

REPO = Path(__file__).resolve().parents[1]
# The collection's Python code imports as ansible_collections.dataeng.platform from the repository's own link to it.
sys.path.insert(0, str(REPO / ".collections"))
from ansible_collections.dataeng.platform.plugins.module_utils.glue_crawl_local import hidden  # noqa: E402
from ansible_collections.dataeng.platform.plugins.module_utils.glue_local import (  # noqa: E402
    SPARK_SETTINGS,
    split_s3_uri,
)

# inventories/local's Glue database (platform_names.glue_database) and region.
DEFAULT_DATABASE = "local_data_lake_catalog"
DEFAULT_REGION = "us-east-2"
QUERY_SETTINGS = {
    # Partition folders read as the text of their names, then cast to the catalog's types: Spark's guesses would make
    # "007" the number 7.
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    # The queries make temporary views only, yet Spark's catalog makes the folder of its default database on a lookup
    # of any other name: in the temporary folder, not where the query is run.
    "spark.sql.warehouse.dir": os.path.join(tempfile.gettempdir(), "dataeng-query-spark-warehouse"),
}
# Spark SQL's comments and string literals: a table's name in them does not name the table.
COMMENTS_AND_STRINGS = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.DOTALL)
IDENTIFIER = re.compile(r"`((?:[^`]|``)+)`|([A-Za-z_]\w*)")


class QueryError(RuntimeError):
    """What stops a query, said to the user without a traceback."""


@dataclass(frozen=True)
class Table:
    """A table of the Glue catalog, as a crawler describes it: columns and partition keys as (name, Glue type)."""

    name: str
    location: str
    classification: str
    columns: tuple[tuple[str, str], ...]
    partition_keys: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_glue(cls, document: dict) -> Table:
        """The table of a GetTables entry; crawlers put the classification in the table's and the storage's
        parameters."""
        storage = document.get("StorageDescriptor", {})
        classification = document.get("Parameters", {}).get("classification") or storage.get("Parameters", {}).get(
            "classification", ""
        )
        return cls(
            name=document["Name"],
            location=storage.get("Location", ""),
            classification=classification.lower(),
            columns=tuple((column["Name"], column["Type"]) for column in storage.get("Columns", [])),
            partition_keys=tuple((column["Name"], column["Type"]) for column in document.get("PartitionKeys", [])),
        )

    @property
    def all_columns(self) -> tuple[tuple[str, str], ...]:
        return self.columns + self.partition_keys


@dataclass(frozen=True)
class TableReader:
    """How Spark reads a table's files: its data source, options, and schema (Spark DDL; None: the files' own)."""

    source: str
    options: dict[str, str]
    schema: str | None


@dataclass(frozen=True)
class QueryResult:
    """The columns and rows of a query; timestamps as UTC datetimes."""

    columns: list[str]
    rows: list[tuple]

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def named_tables(sql: str, tables: Iterable[str]) -> list[str]:
    """The tables that the SQL names (outside its comments and strings), as Spark matches names: case aside. A column
    of a table's name makes it count too, which costs its download only."""
    words = set()
    for quoted_name, bare_name in IDENTIFIER.findall(COMMENTS_AND_STRINGS.sub(" ", sql)):
        words.add((quoted_name.replace("``", "`") or bare_name).lower())
    return [name for name in tables if name.lower() in words]


def quoted(name: str) -> str:
    """A column name for Spark SQL, so that dots or spaces in it are not read as syntax."""
    return "`" + name.replace("`", "``") + "`"


def schema_ddl(columns: Iterable[tuple[str, str]]) -> str:
    """The Spark schema of (name, Glue type) columns as DDL: Glue's types are Hive's, which Spark's DDL reads."""
    return ", ".join(f"{quoted(name)} {glue_type}" for name, glue_type in columns)


def table_reader(table: Table, folder: str) -> TableReader:
    """How Spark reads the table's files copied under folder, as its classification says. basePath makes the
    name=value folders under it partition columns."""
    options = {"basePath": folder}
    if table.classification == "parquet":
        return TableReader("parquet", options, schema=None)
    if table.classification == "csv":
        # As the processing job reads its CSV files: a header line, RFC 4180 quoting ("" inside a quoted field).
        return TableReader("csv", {**options, "header": "true", "escape": '"'}, schema_ddl(table.all_columns))
    if table.classification == "json":
        return TableReader("json", options, schema_ddl(table.all_columns))  # JSON lines, Spark's default
    raise QueryError(
        f"table {table.name}: cannot read its classification {table.classification!r} (parquet, csv or json)"
    )


def is_data_file(relative_path: str) -> bool:
    """Whether an object of a table, by its key under the table's location, holds data: not a folder marker, nor
    what Spark and Hadoop keep beside the data (_SUCCESS, _temporary/, .crc files)."""
    return relative_path.rpartition("/")[2] != "" and not hidden(relative_path)


def display(value: object) -> str:
    """A value as the text table shows it: a timestamp (in UTC) as Spark shows it, NULL for null."""
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    return str(value)


def json_value(value: object) -> object:
    """A value JSON has no type for: dates and timestamps in ISO 8601, decimals as their exact text."""
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def text_table(columns: Sequence[str], rows: Sequence[tuple]) -> str:
    """The rows under their column names, aligned; a column of numbers to the right; then how many rows."""
    cells = [[display(value) for value in row] for row in rows]
    widths = [max([len(name), *(len(row[index]) for row in cells)]) for index, name in enumerate(columns)]
    numeric = [
        any(row[index] is not None for row in rows) and all(row[index] is None or is_number(row[index]) for row in rows)
        for index in range(len(columns))
    ]

    def line(texts: Sequence[str]) -> str:
        aligned = [
            text.rjust(width) if right else text.ljust(width)
            for text, width, right in zip(texts, widths, numeric, strict=True)
        ]
        return " | ".join(aligned).rstrip()

    count = f"({len(rows)} row{'' if len(rows) == 1 else 's'})"
    rule = "-+-".join("-" * width for width in widths)
    return "\n".join([line(columns), rule, *(line(row) for row in cells), count])


def catalog_listing(database: str, tables: Sequence[Table]) -> str:
    """Each table with its classification and location, then its columns and partition keys with their types."""
    if not tables:
        return f"The Glue database {database} has no tables yet: the pipeline's crawlers make them (make local)."
    blocks = []
    for table in tables:
        width = max(len(name) for name, _type in table.all_columns) if table.all_columns else 0
        lines = [f"{table.name}  ({table.classification or 'no classification'})  {table.location}"]
        lines += [f"  {name.ljust(width)}  {glue_type}" for name, glue_type in table.columns]
        lines += [f"  {name.ljust(width)}  {glue_type}  (partition key)" for name, glue_type in table.partition_keys]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def local_spark() -> SparkSession:
    """The local Spark of the Glue runner (one core, UTC), quiet but for errors."""
    # On loopback, as the driver is (SPARK_SETTINGS): otherwise Spark warns that the host name resolves to it.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName("dataeng-query")
    for name, value in {**SPARK_SETTINGS, **QUERY_SETTINGS}.items():
        builder = builder.config(name, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def utc_rows(frame: DataFrame) -> list[tuple]:
    """The frame's rows, with each timestamp in UTC: PySpark gives it naive, in the local time zone of this process."""
    is_timestamp = [isinstance(field.dataType, TimestampType) for field in frame.schema.fields]
    return [
        tuple(
            value.astimezone(UTC) if timestamp and value is not None else value
            for value, timestamp in zip(row, is_timestamp, strict=True)
        )
        for row in frame.collect()
    ]


class Catalog:
    """The tables of one Glue database and their data in S3, through boto3 clients (the emulator's)."""

    def __init__(self, glue, s3, database: str = DEFAULT_DATABASE):
        self.glue = glue
        self.s3 = s3
        self.database = database

    @classmethod
    def of_emulator(cls, state_dir: Path, region: str = DEFAULT_REGION, database: str = DEFAULT_DATABASE) -> Catalog:
        """The catalog of the emulator that runs from state_dir."""
        state = emulator.running_state(state_dir)
        if state is None:
            raise QueryError(f"no emulator is running from {state_dir}: make local starts it and loads the lake")
        environment = state.environment()
        session = boto3.Session(
            aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
            region_name=region,
        )
        clients = {
            service: session.client(service, endpoint_url=state.endpoint, verify=state.ca_bundle)
            for service in ("glue", "s3")
        }
        return cls(clients["glue"], clients["s3"], database)

    def tables(self) -> list[Table]:
        try:
            pages = list(self.glue.get_paginator("get_tables").paginate(DatabaseName=self.database))
        except EndpointConnectionError as error:
            raise QueryError(
                f"the emulator does not answer at {error.kwargs['endpoint_url']}: make local starts it"
            ) from error
        except self.glue.exceptions.EntityNotFoundException as error:
            raise QueryError(f"no Glue database {self.database} in the emulator: make local makes it") from error
        return sorted(
            (Table.from_glue(document) for page in pages for document in page["TableList"]),
            key=lambda table: table.name,
        )

    def download(self, table: Table, folder: str) -> int:
        """Copies the table's data files under folder, as they lie under its location; returns how many."""
        bucket, key = split_s3_uri(table.location)
        prefix = key.rstrip("/") + "/" if key.strip("/") else ""
        copied = 0
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                relative_path = item["Key"][len(prefix) :]
                if not is_data_file(relative_path):
                    continue
                path = os.path.join(folder, relative_path)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                self.s3.download_file(bucket, item["Key"], path)
                copied += 1
        return copied

    def frame(self, spark: SparkSession, table: Table, folder: str) -> DataFrame:
        """The table's data, copied under folder, with its partition columns of the catalog's types."""
        if not self.download(table, folder):
            # Spark finds no schema in no Parquet file: an empty table has the catalog's columns.
            return spark.createDataFrame([], schema_ddl(table.all_columns))
        reader = table_reader(table, folder)
        loading = spark.read.format(reader.source).options(**reader.options)
        if reader.schema is not None:
            return loading.schema(reader.schema).load(folder)
        frame = loading.load(folder)
        return frame.withColumns(
            {
                name: F.expr(f"try_cast({quoted(name)} AS {glue_type})")
                for name, glue_type in table.partition_keys
                if name in frame.columns
            }
        )

    def query(self, spark: SparkSession, sql: str) -> QueryResult:
        """Runs the SQL over temporary views of the tables it names, in spark (a session of local_spark())."""
        tables = {table.name: table for table in self.tables()}
        views = named_tables(sql, tables)
        with tempfile.TemporaryDirectory(prefix="query-") as folder:
            try:
                for name in views:
                    self.frame(spark, tables[name], os.path.join(folder, name)).createOrReplaceTempView(name)
                result = spark.sql(sql)
                # Collected before the copied files go.
                return QueryResult(result.columns, utc_rows(result))
            except AnalysisException as error:
                raise QueryError(self.explained(error, tables)) from error
            finally:
                for name in views:
                    spark.catalog.dropTempView(name)

    def explained(self, error: AnalysisException, tables: Iterable[str]) -> str:
        """Spark's message, or for a table the catalog lacks, which ones it has."""
        if error.getErrorClass() != "TABLE_OR_VIEW_NOT_FOUND":
            return str(error).strip()
        missing = error.getMessageParameters().get("relationName", "a table")
        return f"{missing} is not a table of the Glue database {self.database}; its tables: {', '.join(tables)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sql", nargs="?", default="", help="the query (Spark SQL); without it, list the tables")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="the Glue database (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print each row as a JSON object on its own line")
    parser.add_argument("--state-dir", type=Path, default=emulator.DEFAULT_STATE_DIR, help="the emulator's state")
    parser.add_argument("--region", default=DEFAULT_REGION, help="the region (default: %(default)s)")
    args = parser.parse_args(argv)
    spark = None
    try:
        catalog = Catalog.of_emulator(args.state_dir, args.region, args.database)
        if not args.sql.strip():
            print(catalog_listing(args.database, catalog.tables()))
            return 0
        spark = local_spark()
        result = catalog.query(spark, args.sql)
    except QueryError as error:
        print(f"query: {error}", file=sys.stderr)
        return 1
    finally:
        if spark is not None:
            spark.stop()
    if args.json:
        for record in result.records():
            print(json.dumps(record, default=json_value))
    else:
        print(text_table(result.columns, result.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
