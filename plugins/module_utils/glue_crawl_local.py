# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a Glue crawler does to the Data Catalog, done to the emulated one (local mode, where the emulator records a
crawl but never writes a table): the crawler's S3 targets listed, each file classified and its schema read from a
bounded sample, the files grouped into tables and partitions, and the catalog brought to what the crawl found.

The rules come from the AWS Glue documentation:
- which files a crawl reads: exclude patterns are globs relative to the include path
  (https://docs.aws.amazon.com/glue/latest/dg/define-crawler.html#crawler-data-stores-exclude); files whose name or
  folder starts with _ or . (Spark's _SUCCESS, Hadoop's .crc) are hidden, as Athena, which reads the crawlers'
  tables, treats them (https://docs.aws.amazon.com/athena/latest/ug/other-notable-limitations.html);
- where the tables are: the crawler's TableLevelConfiguration, the absolute level of a table's folder with the
  bucket at level 1 (https://docs.aws.amazon.com/glue/latest/dg/crawler-table-level.html, one of the settings of
  https://docs.aws.amazon.com/glue/latest/dg/crawler-configuration.html); the folders below a table's folder are its
  partitions (https://docs.aws.amazon.com/glue/latest/dg/crawler-s3-folder-table-partition.html);
- how the tables are named (https://docs.aws.amazon.com/glue/latest/dg/crawler-running.html);
- what the built-in classifiers read: the schema at the end of a Parquet file, the beginning of a JSON or CSV file,
  and how CSV values are typed (https://docs.aws.amazon.com/glue/latest/dg/add-classifier.html);
- what a table and a partition hold (https://docs.aws.amazon.com/glue/latest/webapi/API_TableInput.html,
  https://docs.aws.amazon.com/glue/latest/webapi/API_StorageDescriptor.html,
  https://docs.aws.amazon.com/glue/latest/webapi/API_Table.html), and what becomes of a table or partition whose
  data is gone (SchemaChangePolicy's DeleteBehavior, https://docs.aws.amazon.com/glue/latest/webapi/API_SchemaChangePolicy.html,
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-glue-crawler-schemachangepolicy.html).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import reduce

try:
    import pyarrow
    from pyarrow import parquet
except ImportError:
    pyarrow = None  # runner=local checks for it (glue_local.local_runner_missing)

from ansible_collections.dataeng.platform.plugins.module_utils.glue_local import S3_SCHEME, split_s3_uri

# Glue documents that its JSON and CSV classifiers read the beginning of a file, not how much of it: a crawl here
# reads at most this much of each text file, and this many of its rows.
SAMPLE_BYTES = 1 << 20
SAMPLE_ROWS = 1000
# A Parquet file starts and ends with this; its footer (the schema) sits before the last 8 bytes, the footer's
# length and the magic (https://parquet.apache.org/docs/file-format/). One read of the end usually holds it all.
PARQUET_MAGIC = b"PAR1"
PARQUET_TAIL_BYTES = 64 * 1024
# The most partitions one BatchCreatePartition or BatchUpdatePartition takes, and one BatchDeletePartition
# (https://docs.aws.amazon.com/glue/latest/webapi/API_BatchDeletePartition.html).
PARTITION_BATCH = 100
PARTITION_DELETE_BATCH = 25
# The table parameters by which a crawler knows the tables it made, and marks those it deprecated.
CRAWLER_PARAMETER = "UPDATED_BY_CRAWLER"
DEPRECATED_PARAMETER = "DEPRECATED_BY_CRAWLER"
# Glue allows only these characters in the table names a crawler makes, and at most this many.
TABLE_NAME_OTHER_CHARACTERS = re.compile(r"[^a-z0-9_]")
TABLE_NAME_LENGTH = 128
# Numbers widen to the wider of two (Hive's order); two other different types only agree as a string.
NUMBERS = ("tinyint", "smallint", "int", "bigint", "float", "double")
INTEGER_LIMITS = {"int": 1 << 31, "bigint": 1 << 63}
CSV_INTEGER = re.compile(r"[+-]?\d+")
CSV_DECIMAL = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Format:
    """What the built-in classifiers write for a classification: the storage descriptor's input and output formats,
    its SerDe and the SerDe's parameters, and the table parameters of the format."""

    input_format: str
    output_format: str
    serde: str
    serde_parameters: dict = field(default_factory=dict)
    table_parameters: dict = field(default_factory=dict)


TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
FORMATS = {
    "parquet": Format(
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    ),
    "csv": Format(
        TEXT_INPUT,
        TEXT_OUTPUT,
        "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        serde_parameters={"field.delim": ","},
        table_parameters={"delimiter": ",", "skip.header.line.count": "1"},
    ),
    "json": Format(TEXT_INPUT, TEXT_OUTPUT, "org.openx.data.jsonserde.JsonSerDe"),
}
# What of a table GetTable returns goes back in UpdateTable's TableInput.
TABLE_INPUT_FIELDS = (
    "Name",
    "Description",
    "Owner",
    "LastAccessTime",
    "LastAnalyzedTime",
    "Retention",
    "StorageDescriptor",
    "PartitionKeys",
    "ViewOriginalText",
    "ViewExpandedText",
    "TableType",
    "Parameters",
    "TargetTable",
)
ARROW_PRIMITIVES = {
    "bool": "boolean",
    "int8": "tinyint",
    "int16": "smallint",
    "int32": "int",
    "int64": "bigint",
    "halffloat": "float",
    "float": "float",
    "double": "double",
}


class CatalogWriteError(Exception):
    """A batch call of the catalog refused some of its entries."""


@dataclass(frozen=True)
class ArrayType:
    element: object  # a column type; None while no value decided it


@dataclass(frozen=True)
class StructType:
    fields: tuple  # (name, column type) pairs


def hive_type(column_type):
    """The catalog's name of a column type (a Hive type name, an ArrayType or a StructType); a column no value
    decided (only empty values, nulls or empty lists) is a string."""
    if column_type is None:
        return "string"
    if isinstance(column_type, ArrayType):
        return f"array<{hive_type(column_type.element)}>"
    if isinstance(column_type, StructType):
        return "struct<" + ",".join(f"{name}:{hive_type(inner)}" for name, inner in column_type.fields) + ">"
    return column_type


def widened(first, second):
    """The type that holds the values of both types: the wider number, arrays of the widened element, structs
    of the merged fields, and a string for anything else that differs."""
    if first is None:
        return second
    if second is None or first == second:
        return first
    if isinstance(first, ArrayType) and isinstance(second, ArrayType):
        return ArrayType(widened(first.element, second.element))
    if isinstance(first, StructType) and isinstance(second, StructType):
        return StructType(merged_columns(first.fields, second.fields))
    if first in NUMBERS and second in NUMBERS:
        return max(first, second, key=NUMBERS.index)
    return "string"


def merged_columns(first, second):
    """The columns (name, type pairs) of two schemas: every column in the order first seen, types widened."""
    merged = dict(first)
    for name, column_type in second:
        merged[name] = widened(merged.get(name), column_type)
    return tuple(merged.items())


def integer_type(number, types):
    """The first of the integer types (narrowest first) that holds the number; a double when none does."""
    return next((name for name in types if -INTEGER_LIMITS[name] <= number < INTEGER_LIMITS[name]), "double")


@dataclass(frozen=True)
class S3Target:
    """An include path of the crawler (a folder: s3://bucket/ or s3://bucket/prefix/) and its exclude patterns."""

    path: str
    exclusions: tuple = ()

    @property
    def bucket(self):
        return split_s3_uri(self.path)[0]

    @property
    def prefix(self):
        return split_s3_uri(self.path)[1]


@dataclass(frozen=True)
class CrawlSettings:
    """What of a crawler (GetCrawler's Crawler) decides what its crawl writes."""

    crawler: str
    database: str
    table_prefix: str
    targets: tuple
    table_level: int | None
    delete_behavior: str


def crawl_settings(crawler):
    configuration = json.loads(crawler.get("Configuration") or "{}")
    return CrawlSettings(
        crawler=crawler["Name"],
        # A crawler without a database writes to the default one
        # (https://docs.aws.amazon.com/glue/latest/dg/crawler-running.html).
        database=crawler.get("DatabaseName") or "default",
        table_prefix=crawler.get("TablePrefix", ""),
        targets=tuple(
            S3Target(folder_uri(target["Path"]), tuple(target.get("Exclusions", [])))
            for target in crawler.get("Targets", {}).get("S3Targets", [])
        ),
        table_level=configuration.get("Grouping", {}).get("TableLevelConfiguration"),
        delete_behavior=crawler.get("SchemaChangePolicy", {}).get("DeleteBehavior", "DEPRECATE_IN_DATABASE"),
    )


def folder_uri(path):
    """An include path as the folder it names (s3://lake/raw is s3://lake/raw/, not also s3://lake/raw2/)."""
    bucket, key = split_s3_uri(path)
    return f"{S3_SCHEME}{bucket}/{key.rstrip('/') + '/' if key.strip('/') else ''}"


def glob_regex(pattern):
    """A Glue exclude pattern as a regular expression that matches whole keys relative to the include path: * and ?
    within a folder name, ** across folders, [...] and [!...] one character, {a,b} either, \\ escapes."""
    parts = []
    index = 0
    in_group = False
    while index < len(pattern):
        character = pattern[index]
        if character == "\\" and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if pattern.startswith("**", index):
            parts.append(".*")
            index += 2
            continue
        if character == "[":
            start = index + 2 if pattern.startswith("[!", index) else index + 1
            end = pattern.find("]", start + 1)  # a ] first in the brackets is one of the characters
            if end != -1:
                characters = pattern[start:end].replace("\\", "\\\\").replace("^", "\\^")
                parts.append(f"[^/{characters}]" if start == index + 2 else f"[{characters}]")
                index = end + 1
                continue
        if character == "*":
            parts.append("[^/]*")
        elif character == "?":
            parts.append("[^/]")
        elif character == "{" and not in_group:
            parts.append("(?:")
            in_group = True
        elif character == "}" and in_group:
            parts.append(")")
            in_group = False
        elif character == "," and in_group:
            parts.append("|")
        else:
            parts.append(re.escape(character))
        index += 1
    return re.compile("".join(parts))


def hidden(relative_key):
    return any(part.startswith(("_", ".")) for part in relative_key.split("/"))


@dataclass(frozen=True)
class PlacedFile:
    """A file a crawl reads: its URI, size and the folders between its table's folder and it."""

    uri: str
    size: int
    partition: tuple = ()


def placed_files(target, objects, table_level):
    """(table folder, PlacedFile) of each file of a target (ListObjectsV2's Contents) that a crawl reads: not a
    folder marker, hidden or excluded; nor above the table level, where no table folder holds it."""
    exclusions = [glob_regex(pattern) for pattern in target.exclusions]
    for item in objects:
        key = item["Key"]
        relative = key[len(target.prefix) :]
        if key.endswith("/") or hidden(relative) or any(pattern.fullmatch(relative) for pattern in exclusions):
            continue
        place = table_place(target, key, table_level)
        if place:
            folder, partition = place
            yield folder, PlacedFile(f"{S3_SCHEME}{target.bucket}/{key}", item["Size"], partition)


def table_place(target, key, table_level):
    """(table folder URI, partition folders) of a file, or None. The table folder is at the table level, the
    bucket being level 1; without one, one level below the include path, or the include path itself for a file
    right in it."""
    folders = [target.bucket, *key.split("/")[:-1]]
    level = table_level or len(folder_names(target.path)) + 1
    if len(folders) < level:
        if table_level:
            return None
        level = len(folders)
    return f"{S3_SCHEME}{'/'.join(folders[:level])}/", tuple(folders[level:])


def folder_names(uri):
    """The folders of an s3:// folder URI, the bucket first."""
    return uri[len(S3_SCHEME) :].strip("/").split("/")


def table_name(prefix, folder):
    """The table a crawler makes of a folder: the prefix and the folder's name, lowercased, every character other
    than a-z, 0-9 and _ an underscore, cut to Glue's length."""
    return TABLE_NAME_OTHER_CHARACTERS.sub("_", (prefix + folder_names(folder)[-1]).lower())[:TABLE_NAME_LENGTH]


def partition_keys(partition):
    """The partition keys of a file's partition folders: `name` of name=value, else partition_<its position>."""
    return tuple(
        folder.partition("=")[0] if "=" in folder else f"partition_{index}" for index, folder in enumerate(partition)
    )


def partition_values(partition):
    return tuple(folder.partition("=")[2] if "=" in folder else folder for folder in partition)


@dataclass(frozen=True)
class FileSchema:
    """What a classifier made of a file: its classification, columns (name, type pairs) and rows read."""

    classification: str
    columns: tuple
    records: int


def classification_of(name, head):
    """Which classifier reads a file: Parquet by its extension or magic, CSV and JSON by extension; None for any
    other file."""
    if name.endswith(".parquet") or head.startswith(PARQUET_MAGIC):
        return "parquet"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".json", ".jsonl")):
        return "json"
    return None


def sample_text(head, complete):
    """The text of a file's first bytes, up to its last whole line unless they are the whole file."""
    if not complete:
        head = head[: head.rfind(b"\n") + 1]
    return head.decode("utf-8-sig", errors="replace")


def text_schema(classification, text):
    return csv_schema(text) if classification == "csv" else json_schema(text)


def csv_schema(text):
    """The columns the header names, each typed by its values: boolean, bigint, double, else string; an empty
    value decides nothing. None without a header."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if not header:
        return None
    types = [None] * len(header)
    records = 0
    for row in itertools.islice((row for row in rows if row), SAMPLE_ROWS):
        records += 1
        for index, value in enumerate(row[: len(header)]):
            types[index] = widened(types[index], csv_value_type(value))
    return FileSchema("csv", tuple(zip(header, types, strict=True)), records)


def csv_value_type(value):
    text = value.strip()
    if not text:
        return None
    if text.lower() in ("true", "false"):
        return "boolean"
    if CSV_INTEGER.fullmatch(text):
        return integer_type(int(text), ("bigint",))
    if CSV_DECIMAL.fullmatch(text):
        return "double"
    return "string"


def json_schema(text):
    """The columns of JSON lines: keys in the order first seen, typed by their values. A line that is not a JSON
    object (a broken or cut record) is skipped; None when no line is one."""
    columns = ()
    records = 0
    for line in text.splitlines()[:SAMPLE_ROWS]:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records += 1
            columns = merged_columns(columns, json_type(record).fields)
    return FileSchema("json", columns, records) if records else None


def json_type(value):
    if value is None:
        return None
    if isinstance(value, bool):  # before int: a bool is an int to Python
        return "boolean"
    if isinstance(value, int):
        return integer_type(value, ("int", "bigint"))
    if isinstance(value, float):
        return "double"
    if isinstance(value, list):
        return ArrayType(reduce(widened, (json_type(item) for item in value), None))
    if isinstance(value, dict):
        return StructType(tuple((name, json_type(item)) for name, item in value.items()))
    return "string"


def parquet_footer_size(tail):
    """How many bytes at the end of a Parquet file hold its footer, given its last bytes; their length when they
    do not end as a Parquet file does (the schema read then says so)."""
    if len(tail) < 8 or not tail.endswith(PARQUET_MAGIC):
        return len(tail)
    return struct.unpack("<I", tail[-8:-4])[0] + 8


def parquet_schema(tail):
    """The columns of a Parquet file from its last bytes (footer included), with its row count; None when they are
    not a Parquet footer."""
    try:
        metadata = parquet.read_metadata(pyarrow.BufferReader(tail))
    except (pyarrow.ArrowException, OSError):
        return None
    schema = metadata.schema.to_arrow_schema()
    return FileSchema(
        "parquet", tuple((column.name, arrow_column_type(column.type)) for column in schema), metadata.num_rows
    )


def arrow_column_type(arrow):
    """The catalog's type of an Arrow type, as Hive names it."""
    types = pyarrow.types
    if types.is_list(arrow) or types.is_large_list(arrow):
        return ArrayType(arrow_column_type(arrow.value_type))
    if types.is_struct(arrow):
        fields = [arrow.field(index) for index in range(arrow.num_fields)]
        return StructType(tuple((column.name, arrow_column_type(column.type)) for column in fields))
    if types.is_map(arrow):
        return f"map<{hive_type(arrow_column_type(arrow.key_type))},{hive_type(arrow_column_type(arrow.item_type))}>"
    if types.is_dictionary(arrow):
        return arrow_column_type(arrow.value_type)
    if types.is_decimal(arrow):
        return f"decimal({arrow.precision},{arrow.scale})"
    if types.is_timestamp(arrow):
        return "timestamp"
    if types.is_date(arrow):
        return "date"
    if types.is_binary(arrow) or types.is_large_binary(arrow) or types.is_fixed_size_binary(arrow):
        return "binary"
    # Strings, and the Arrow types Hive has no name for (unsigned integers, durations...), read as text.
    return ARROW_PRIMITIVES.get(str(arrow), "string")


def majority(values):
    """The value most of them have; of equally many, the first seen."""
    return Counter(values).most_common(1)[0][0]


@dataclass
class CrawledTable:
    """A table as a crawl found it: its files' merged schema, partition folders (partition values to folder URI),
    parameters, and the files it left out with why."""

    name: str
    location: str
    classification: str
    columns: tuple
    partition_keys: tuple = ()
    partitions: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    skipped_files: list = field(default_factory=list)

    @classmethod
    def from_catalog(cls, table):
        """A table of the catalog (GetTables' TableList), for the report of a table the crawl found no folder of."""
        descriptor = table.get("StorageDescriptor", {})
        return cls(
            name=table["Name"],
            location=descriptor.get("Location", ""),
            classification=table.get("Parameters", {}).get("classification", ""),
            columns=tuple((column["Name"], column.get("Type")) for column in descriptor.get("Columns", [])),
            partition_keys=tuple(key["Name"] for key in table.get("PartitionKeys", [])),
        )

    def report(self, action):
        return {
            "name": self.name,
            "location": self.location,
            "classification": self.classification,
            "columns": [{"name": name, "type": hive_type(column_type)} for name, column_type in self.columns],
            "partition_keys": list(self.partition_keys),
            "partitions": len(self.partitions),
            "action": action,
            "skipped_files": [{"file": uri, "reason": reason} for uri, reason in self.skipped_files],
        }


def crawled_table(settings, folder, files):
    """The table a crawl makes of the files of one table folder ((PlacedFile, FileSchema or None) pairs, in key
    order), or None when no classifier recognized any of them.

    Glue would make a table of each classification and each layout of partition folders it finds in a folder; here
    a folder is one table, of the classification most of its files have and then the layout most of those have,
    the other files left out and named."""
    skipped = [(placed.uri, "no classifier recognized it") for placed, schema in files if schema is None]
    recognized = [(placed, schema) for placed, schema in files if schema is not None]
    if not recognized:
        return None
    classification = majority(schema.classification for _placed, schema in recognized)
    layout = majority(
        partition_keys(placed.partition) for placed, schema in recognized if schema.classification == classification
    )
    kept = []
    for placed, schema in recognized:
        if schema.classification != classification:
            skipped.append((placed.uri, f"a {schema.classification} file in a {classification} table"))
        elif partition_keys(placed.partition) != layout:
            skipped.append((placed.uri, f"partition folders other than the table's ({'/'.join(layout) or 'none'})"))
        else:
            kept.append((placed, schema))
    parameters = {
        "classification": classification,
        "compressionType": "none",
        "typeOfData": "file",
        "objectCount": str(len(kept)),
        "recordCount": str(sum(schema.records for _placed, schema in kept)),
        "sizeKey": str(sum(placed.size for placed, _schema in kept)),
        CRAWLER_PARAMETER: settings.crawler,
        **FORMATS[classification].table_parameters,
    }
    return CrawledTable(
        name=table_name(settings.table_prefix, folder),
        location=folder,
        classification=classification,
        columns=reduce(merged_columns, (schema.columns for _placed, schema in kept), ()),
        partition_keys=layout,
        partitions={
            partition_values(placed.partition): folder + "".join(f"{name}/" for name in placed.partition)
            for placed, _schema in kept
            if placed.partition
        },
        parameters=parameters,
        skipped_files=sorted(skipped),
    )


def storage_descriptor(classification, columns, location):
    file_format = FORMATS[classification]
    return {
        "Columns": [{"Name": name, "Type": hive_type(column_type)} for name, column_type in columns],
        "Location": location,
        "InputFormat": file_format.input_format,
        "OutputFormat": file_format.output_format,
        "SerdeInfo": {"SerializationLibrary": file_format.serde, "Parameters": dict(file_format.serde_parameters)},
    }


def table_input(table):
    """CreateTable's and UpdateTable's TableInput of a crawled table."""
    return {
        "Name": table.name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": dict(table.parameters),
        "PartitionKeys": [{"Name": key, "Type": "string"} for key in table.partition_keys],
        "StorageDescriptor": storage_descriptor(table.classification, table.columns, table.location),
    }


def partition_inputs(table):
    """BatchCreatePartition's PartitionInput of each partition of a crawled table, by its values: the table's
    storage descriptor at the partition's folder (InheritFromTable, the collection's crawlers' setting; Glue's
    default would read each partition's schema from its own files)."""
    return {
        values: {
            "Values": list(values),
            "StorageDescriptor": storage_descriptor(table.classification, table.columns, location),
        }
        for values, location in table.partitions.items()
    }


def written_descriptor(descriptor):
    """What of a storage descriptor the catalog returns stands for what a crawl writes (storage_descriptor)."""
    serde = descriptor.get("SerdeInfo", {})
    return {
        "Columns": [{"Name": column["Name"], "Type": column.get("Type")} for column in descriptor.get("Columns", [])],
        "Location": descriptor.get("Location"),
        "InputFormat": descriptor.get("InputFormat"),
        "OutputFormat": descriptor.get("OutputFormat"),
        "SerdeInfo": {
            "SerializationLibrary": serde.get("SerializationLibrary"),
            "Parameters": serde.get("Parameters", {}),
        },
    }


def written_table(table):
    """What of a table the catalog returns (GetTables) stands for what a crawl writes (table_input); the catalog's
    own fields (CreateTime, UpdateTime, VersionId...) say nothing of a difference."""
    return {
        "Name": table["Name"],
        "TableType": table.get("TableType"),
        "Parameters": table.get("Parameters", {}),
        "PartitionKeys": [{"Name": key["Name"], "Type": key.get("Type")} for key in table.get("PartitionKeys", [])],
        "StorageDescriptor": written_descriptor(table.get("StorageDescriptor", {})),
    }


@dataclass
class CatalogChanges:
    """The calls that bring one table of the catalog to what the crawl found: CreateTable or UpdateTable (or
    neither) with its TableInput, and the partitions to create, update and delete."""

    table_call: str | None = None
    table_input: dict | None = None
    partitions_to_create: list = field(default_factory=list)
    partitions_to_update: list = field(default_factory=list)
    partitions_to_delete: list = field(default_factory=list)

    @property
    def action(self):
        if self.table_call == "create_table":
            return "created"
        if self.table_call or self.partitions_to_create or self.partitions_to_update or self.partitions_to_delete:
            return "updated"
        return "unchanged"


def catalog_changes(table, found_table, found_partitions, delete_behavior):
    """What to write for a crawled table, given the catalog's table of its name (None when there is none) and that
    table's partitions (GetPartitions' Partitions): nothing when they already are what the crawl found. A partition
    whose folder is gone is deleted unless the crawler's DeleteBehavior is LOG."""
    wanted = table_input(table)
    wanted_partitions = partition_inputs(table)
    if found_table is None:
        return CatalogChanges("create_table", wanted, list(wanted_partitions.values()))
    found = {tuple(partition["Values"]): partition for partition in found_partitions}
    return CatalogChanges(
        table_call=None if written_table(found_table) == wanted else "update_table",
        table_input=wanted,
        partitions_to_create=[partition for values, partition in wanted_partitions.items() if values not in found],
        partitions_to_update=[
            partition
            for values, partition in wanted_partitions.items()
            if values in found
            and written_descriptor(found[values].get("StorageDescriptor", {})) != partition["StorageDescriptor"]
        ],
        partitions_to_delete=[]
        if delete_behavior == "LOG"
        else [list(values) for values in found if values not in wanted_partitions],
    )


def gone_tables(found_tables, crawled_names, crawler):
    """The tables this crawler made (and only those) that the crawl found no folder of."""
    return [
        table
        for table in found_tables
        if table.get("Parameters", {}).get(CRAWLER_PARAMETER) == crawler and table["Name"] not in crawled_names
    ]


def gone_action(table, delete_behavior):
    """What the crawler's DeleteBehavior does to a table whose folder is gone: deleted, deprecated (marked with
    the time), or left as it is (LOG, or deprecated by an earlier crawl)."""
    if delete_behavior == "DELETE_FROM_DATABASE":
        return "deleted"
    if delete_behavior == "DEPRECATE_IN_DATABASE" and DEPRECATED_PARAMETER not in table.get("Parameters", {}):
        return "deprecated"
    return "unchanged"


def deprecated_input(table, deprecated_at):
    """UpdateTable's TableInput that marks a table deprecated, the rest of it as it is."""
    kept = {name: table[name] for name in TABLE_INPUT_FIELDS if name in table}
    return {**kept, "Parameters": {**table.get("Parameters", {}), DEPRECATED_PARAMETER: deprecated_at}}


def batches(items, size):
    return [items[start : start + size] for start in range(0, len(items), size)]


class LocalCrawler:
    """Does to the emulated catalog what a crawl by a Glue crawler of its S3 targets would do."""

    def __init__(self, glue, s3):
        self.glue = glue
        self.s3 = s3

    def crawl(self, crawler_name):
        """Writes the crawler's tables; returns a report of each (CrawledTable.report)."""
        settings = crawl_settings(self.glue.get_crawler(Name=crawler_name)["Crawler"])
        folders = {}  # table folder -> URI -> PlacedFile: targets that overlap read a file once
        for target in settings.targets:
            for folder, placed in placed_files(target, self.objects(target), settings.table_level):
                folders.setdefault(folder, {})[placed.uri] = placed
        found = {table["Name"]: table for table in self.tables(settings.database)}
        reports = []
        crawled = {}
        for folder, files in sorted(folders.items()):
            table = crawled_table(
                settings, folder, [(placed, self.file_schema(placed)) for _uri, placed in sorted(files.items())]
            )
            if table is None:
                continue
            if table.name in crawled:
                # Glue tells two folders of one name apart with a hash suffix; here the second is left out.
                reports.append(table.report("skipped"))
                continue
            crawled[table.name] = folder
            reports.append(self.write(settings, table, found.get(table.name)))
        for table in gone_tables(found.values(), crawled, settings.crawler):
            reports.append(self.retire(settings, table))
        return reports

    def objects(self, target):
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=target.bucket, Prefix=target.prefix):
            yield from page.get("Contents", [])

    def tables(self, database):
        for page in self.glue.get_paginator("get_tables").paginate(DatabaseName=database):
            yield from page["TableList"]

    def read(self, uri, byte_range):
        bucket, key = split_s3_uri(uri)
        return self.s3.get_object(Bucket=bucket, Key=key, Range=byte_range)["Body"].read()

    def file_schema(self, placed):
        """What the built-in classifiers make of a file, reading its beginning (the end of a Parquet file)."""
        if placed.size == 0:
            return None
        head = b"" if placed.uri.endswith(".parquet") else self.read(placed.uri, f"bytes=0-{SAMPLE_BYTES - 1}")
        classification = classification_of(placed.uri, head)
        whole = len(head) == placed.size
        if classification == "parquet":
            return parquet_schema(head if whole else self.parquet_tail(placed))
        if classification is None:
            return None
        return text_schema(classification, sample_text(head, whole))

    def parquet_tail(self, placed):
        tail = self.read(placed.uri, f"bytes=-{min(placed.size, PARQUET_TAIL_BYTES)}")
        needed = parquet_footer_size(tail)
        return self.read(placed.uri, f"bytes=-{needed}") if needed > len(tail) else tail

    def write(self, settings, table, found_table):
        """Brings the catalog's table of the crawled table's name to it; a table the crawler did not make is left
        as it is."""
        if found_table is not None and found_table.get("Parameters", {}).get(CRAWLER_PARAMETER) != settings.crawler:
            return table.report("skipped")
        found_partitions = [] if found_table is None else self.partitions(settings.database, table.name)
        changes = catalog_changes(table, found_table, found_partitions, settings.delete_behavior)
        self.apply(settings.database, table.name, changes)
        return table.report(changes.action)

    def partitions(self, database, table_name):
        found = []
        for page in self.glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table_name):
            found += page["Partitions"]
        return found

    def apply(self, database, table_name, changes):
        # Partitions go before a table update that may change their keys, and are created after the table.
        for batch in batches(changes.partitions_to_delete, PARTITION_DELETE_BATCH):
            self.checked(
                self.glue.batch_delete_partition(
                    DatabaseName=database,
                    TableName=table_name,
                    PartitionsToDelete=[{"Values": values} for values in batch],
                )
            )
        if changes.table_call:
            getattr(self.glue, changes.table_call)(DatabaseName=database, TableInput=changes.table_input)
        for batch in batches(changes.partitions_to_create, PARTITION_BATCH):
            self.checked(
                self.glue.batch_create_partition(DatabaseName=database, TableName=table_name, PartitionInputList=batch)
            )
        for batch in batches(changes.partitions_to_update, PARTITION_BATCH):
            entries = [{"PartitionValueList": partition["Values"], "PartitionInput": partition} for partition in batch]
            self.checked(self.glue.batch_update_partition(DatabaseName=database, TableName=table_name, Entries=entries))

    @staticmethod
    def checked(answer):
        if answer.get("Errors"):
            raise CatalogWriteError(json.dumps(answer["Errors"], default=str))

    def retire(self, settings, table):
        """Does the crawler's DeleteBehavior to a table it made whose folder is gone."""
        action = gone_action(table, settings.delete_behavior)
        if action == "deleted":
            self.glue.delete_table(DatabaseName=settings.database, Name=table["Name"])
        elif action == "deprecated":
            deprecated_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self.glue.update_table(DatabaseName=settings.database, TableInput=deprecated_input(table, deprecated_at))
        return CrawledTable.from_catalog(table).report(action)
