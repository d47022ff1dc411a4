"""The pure parts of the local crawl (plugins/module_utils/glue_crawl_local.py): which files a crawl reads and where
their tables are, the schemas the classifiers read, the tables and partitions written, and that a crawl of the same
data writes nothing. The requests are checked against botocore's model of the Glue API."""

from __future__ import annotations

import datetime
import decimal
import io
import json

import pyarrow
import pytest
from pyarrow import parquet

from ansible_collections.dataeng.platform.plugins.module_utils import glue_crawl_local as crawl
from support.botocore_shape import ShapeCheckingClient, validate

CRAWLER = {
    "Name": "dataeng-dev-processed",
    "DatabaseName": "dev_data_lake_catalog",
    "TablePrefix": "processed_",
    "Targets": {"S3Targets": [{"Path": "s3://lake/processed", "Exclusions": ["_quarantine/**"]}]},
    "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DELETE_FROM_DATABASE"},
    "Configuration": json.dumps(
        {
            "Version": 1.0,
            "Grouping": {"TableLevelConfiguration": 3},
            "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}},
        }
    ),
}
SETTINGS = crawl.crawl_settings(CRAWLER)
DATABASE = "dev_data_lake_catalog"


def listed(*keys, size=10):
    """ListObjectsV2's Contents of these keys."""
    return [{"Key": key, "Size": size} for key in keys]


def placed(target, keys, table_level):
    return [
        (folder, file.uri, file.partition) for folder, file in crawl.placed_files(target, listed(*keys), table_level)
    ]


def test_the_crawler_settings_are_read_from_get_crawler():
    assert (
        crawl.CrawlSettings(
            crawler="dataeng-dev-processed",
            database=DATABASE,
            table_prefix="processed_",
            targets=(crawl.S3Target("s3://lake/processed/", ("_quarantine/**",)),),
            table_level=3,
            delete_behavior="DELETE_FROM_DATABASE",
        )
        == SETTINGS
    )
    bare = crawl.crawl_settings({"Name": "c", "Targets": {"S3Targets": [{"Path": "s3://lake"}]}})
    assert (bare.database, bare.table_prefix, bare.table_level, bare.delete_behavior) == (
        "default",
        "",
        None,
        "DEPRECATE_IN_DATABASE",
    )
    assert bare.targets == (crawl.S3Target("s3://lake/"),)


# Glue's own examples (https://docs.aws.amazon.com/glue/latest/dg/define-crawler.html#crawler-data-stores-exclude).
@pytest.mark.parametrize(
    ("pattern", "key", "excluded"),
    [
        ("*.csv", "john.csv", True),
        ("*.csv", "employees/john.csv", False),
        ("**.csv", "employees/john.csv", True),
        ("*.{csv,avro}", "data.avro", True),
        ("*.{csv,avro}", "data.json", False),
        ("foo.?", "foo.c", True),
        ("foo.?", "foo.cc", False),
        ("departments/**", "departments/finance.json", True),
        ("departments/market*", "departments/market-us.json", True),
        ("departments/market*", "departments/finance.json", False),
        ("myfolder/*", "myfolder/mysource", True),
        ("myfolder/*", "myfolder/mysource/data", False),
        ("myfolder**", "myfolder", True),
        ("myfolder**", "myfolder/mydata.txt", True),
        ("[!a-c]x", "dx", True),
        ("[!a-c]x", "bx", False),
        ("2015/01/{[!0],0[8-9]}**", "2015/01/09/events.json", True),
        ("2015/01/{[!0],0[8-9]}**", "2015/01/12/events.json", True),
        ("2015/01/{[!0],0[8-9]}**", "2015/01/05/events.json", False),
        ("\\*.csv", "*.csv", True),
        ("\\*.csv", "a.csv", False),
        ("_quarantine/**", "_quarantine/events/part-0.parquet", True),
    ],
)
def test_an_exclude_pattern_is_a_glob_relative_to_the_include_path(pattern, key, excluded):
    assert bool(crawl.glob_regex(pattern).fullmatch(key)) is excluded


def test_a_crawl_reads_neither_folder_markers_nor_hidden_or_excluded_files():
    target = SETTINGS.targets[0]
    keys = [
        "processed/",
        "processed/events/",
        "processed/events/_SUCCESS",
        "processed/events/ingest_date=2026-12-01/part-0000-a.snappy.parquet",
        "processed/events/ingest_date=2026-12-01/.part-0000-a.snappy.parquet.crc",
        "processed/events/_temporary/0/part-0001-b.snappy.parquet",
        "processed/events/skip/me.csv",
        "processed/_quarantine/events/part-0000-c.snappy.parquet",
    ]
    kept = placed(crawl.S3Target(target.path, ("*/skip/**", *target.exclusions)), keys, 3)
    assert kept == [
        (
            "s3://lake/processed/events/",
            "s3://lake/processed/events/ingest_date=2026-12-01/part-0000-a.snappy.parquet",
            ("ingest_date=2026-12-01",),
        )
    ]


def test_the_table_folder_is_at_the_table_level_the_bucket_being_level_one():
    target = crawl.S3Target("s3://lake/raw/")
    assert placed(target, ["raw/events/2026/12/01.csv", "raw/top.csv"], 3) == [
        ("s3://lake/raw/events/", "s3://lake/raw/events/2026/12/01.csv", ("2026", "12")),
    ], "a file above the table level belongs to no table"
    assert placed(target, ["raw/events/2026/12/01.csv"], 1) == [
        ("s3://lake/", "s3://lake/raw/events/2026/12/01.csv", ("raw", "events", "2026", "12"))
    ]


def test_without_a_table_level_a_table_is_a_folder_right_under_the_include_path():
    target = crawl.S3Target("s3://lake/raw/")
    assert placed(target, ["raw/events/2026/01.csv", "raw/top.csv"], None) == [
        ("s3://lake/raw/events/", "s3://lake/raw/events/2026/01.csv", ("2026",)),
        ("s3://lake/raw/", "s3://lake/raw/top.csv", ()),
    ]


def test_a_table_is_named_after_its_folder_as_glue_names_it():
    assert crawl.table_name("raw_", "s3://lake/raw/Web-Events.v2/") == "raw_web_events_v2"
    assert crawl.table_name("", "s3://lake/") == "lake"
    assert crawl.table_name("p_", "s3://lake/" + "x" * 200 + "/") == "p_" + "x" * 126


def test_partition_folders_give_their_keys_and_values():
    folders = ("year=2026", "12", "day=01")
    assert crawl.partition_keys(folders) == ("year", "partition_1", "day")
    assert crawl.partition_values(folders) == ("2026", "12", "01")


def test_a_csv_column_is_typed_by_its_values_and_an_empty_value_decides_nothing():
    text = "id,amount,paid,note,empty,big\n1,1.5,true,a,,9223372036854775808\n2,3,FALSE,7,,1\n,,,,,\n"
    schema = crawl.csv_schema(text)
    assert schema.columns == (
        ("id", "bigint"),
        ("amount", "double"),
        ("paid", "boolean"),
        ("note", "string"),
        ("empty", None),
        ("big", "double"),
    )
    assert schema.records == 3
    assert [crawl.hive_type(column_type) for _name, column_type in schema.columns][4] == "string"
    assert crawl.csv_schema("") is None


def test_a_sample_that_stops_inside_a_file_loses_its_cut_line():
    head = b"id,name\n1,a\n2,b\n3,lon"
    assert crawl.sample_text(head, complete=False) == "id,name\n1,a\n2,b\n"
    assert crawl.sample_text(head, complete=True).endswith("3,lon")
    assert crawl.sample_text(b"\xef\xbb\xbfid\n1\n", complete=True) == "id\n1\n", "the BOM is no part of the header"


def test_json_lines_give_their_keys_in_the_order_first_seen_and_broken_lines_are_skipped():
    lines = [
        {"id": 1, "total": 12.5, "tags": [], "address": {"city": "Lyon"}, "paid": None},
        {"id": 3000000000, "total": 30, "tags": ["a"], "address": {"zip": 69000}, "paid": True, "note": "x"},
        {"id": 2, "total": "a lot", "tags": [1]},
    ]
    text = "\n".join([*map(json.dumps, lines), "[1, 2]", '{"id": "o5", "customer_id":'])
    schema = crawl.json_schema(text)
    assert [(name, crawl.hive_type(column_type)) for name, column_type in schema.columns] == [
        ("id", "bigint"),
        ("total", "string"),
        ("tags", "array<string>"),
        ("address", "struct<city:string,zip:int>"),
        ("paid", "boolean"),
        ("note", "string"),
    ]
    assert schema.records == 3
    assert crawl.json_schema("not json\n") is None


@pytest.mark.parametrize(
    ("first", "second", "widest"),
    [
        ("int", "bigint", "bigint"),
        ("bigint", "double", "double"),
        ("int", "double", "double"),
        ("boolean", "bigint", "string"),
        ("date", "string", "string"),
        (None, "date", "date"),
        (crawl.ArrayType("int"), crawl.ArrayType("bigint"), crawl.ArrayType("bigint")),
        (crawl.ArrayType(None), crawl.ArrayType("int"), crawl.ArrayType("int")),
        (crawl.ArrayType("int"), "int", "string"),
    ],
)
def test_two_types_widen_to_the_one_that_holds_both_whichever_comes_first(first, second, widest):
    pair = (first, second)
    assert crawl.widened(*pair) == crawl.widened(*reversed(pair)) == widest


def test_the_schemas_of_a_tables_files_merge_into_every_column_in_the_order_first_seen():
    merged = crawl.merged_columns((("id", "int"), ("name", "string")), (("id", "bigint"), ("day", "date")))
    assert merged == (("id", "bigint"), ("name", "string"), ("day", "date"))


def parquet_bytes(table, **options):
    buffer = io.BytesIO()
    parquet.write_table(table, buffer, **options)
    return buffer.getvalue()


def test_a_parquet_schema_is_read_from_the_footer_at_the_end_of_the_file():
    table = pyarrow.table(
        {
            "id": pyarrow.array([1], pyarrow.int32()),
            "count": pyarrow.array([1], pyarrow.int64()),
            "ratio": pyarrow.array([0.5], pyarrow.float32()),
            "amount": pyarrow.array([1.5], pyarrow.float64()),
            "name": ["a"],
            "paid": [True],
            "at": pyarrow.array([datetime.datetime(2026, 12, 1, 10)]),
            "day": pyarrow.array([datetime.date(2026, 12, 1)]),
            "price": pyarrow.array([decimal.Decimal("1.23")], pyarrow.decimal128(10, 2)),
            "tags": [["a"]],
            "address": [{"city": "Lyon", "zip": 69000}],
            "blob": [b"\x00"],
        }
    )
    # As Spark writes it: snappy, timestamps as INT96.
    data = parquet_bytes(table, compression="snappy", use_deprecated_int96_timestamps=True)
    end = data[-crawl.PARQUET_TAIL_BYTES :]
    footer = data[-crawl.parquet_footer_size(end) :]
    assert len(footer) < len(data)
    schema = crawl.parquet_schema(footer)
    assert schema.classification == "parquet"
    assert schema.records == 1
    assert [(name, crawl.hive_type(column_type)) for name, column_type in schema.columns] == [
        ("id", "int"),
        ("count", "bigint"),
        ("ratio", "float"),
        ("amount", "double"),
        ("name", "string"),
        ("paid", "boolean"),
        ("at", "timestamp"),
        ("day", "date"),
        ("price", "decimal(10,2)"),
        ("tags", "array<string>"),
        ("address", "struct<city:string,zip:bigint>"),
        ("blob", "binary"),
    ]
    assert crawl.parquet_schema(b"id,name\n1,a\n") is None
    assert crawl.parquet_footer_size(b"id,name\n") == len(b"id,name\n"), "no footer: nothing more to read"


@pytest.mark.parametrize(
    ("name", "head", "classification"),
    [
        ("part-0000-a.snappy.parquet", b"", "parquet"),
        ("part-0000-a", b"PAR1\x15\x04", "parquet"),
        ("2026-12-01.csv", b"id,name\n", "csv"),
        ("orders.jsonl", b"{}", "json"),
        ("orders.json", b"{}", "json"),
        ("notes.txt", b"hello", None),
    ],
)
def test_a_file_is_classified_by_its_extension_or_the_parquet_magic(name, head, classification):
    assert crawl.classification_of(name, head) == classification


def schema(classification, *columns, records=1):
    return crawl.FileSchema(classification, tuple(columns), records)


EVENTS = "s3://lake/processed/events/"


def events_table(files):
    return crawl.crawled_table(SETTINGS, EVENTS, files)


def event_file(name, partition=("ingest_date=2026-12-01",), size=100):
    return crawl.PlacedFile(EVENTS + "".join(f"{folder}/" for folder in partition) + name, size, partition)


def test_a_table_takes_the_classification_and_partition_folders_most_of_its_files_have():
    files = [
        (event_file("a.parquet"), schema("parquet", ("id", "int"), records=3)),
        (event_file("b.parquet", ("ingest_date=2026-12-02",), 50), schema("parquet", ("id", "bigint"), ("x", "date"))),
        (event_file("c.csv"), schema("csv", ("id", "bigint"))),
        (event_file("d.parquet", ("2026", "12")), schema("parquet", ("id", "int"))),
        (event_file("notes.txt"), None),
    ]
    table = events_table(files)
    assert (table.name, table.location, table.classification) == ("processed_events", EVENTS, "parquet")
    assert table.columns == (("id", "bigint"), ("x", "date"))
    assert table.partition_keys == ("ingest_date",)
    assert table.partitions == {
        ("2026-12-01",): EVENTS + "ingest_date=2026-12-01/",
        ("2026-12-02",): EVENTS + "ingest_date=2026-12-02/",
    }
    assert table.parameters == {
        "classification": "parquet",
        "compressionType": "none",
        "typeOfData": "file",
        "objectCount": "2",
        "recordCount": "4",
        "sizeKey": "150",
        "UPDATED_BY_CRAWLER": "dataeng-dev-processed",
    }
    assert table.skipped_files == [
        (EVENTS + "2026/12/d.parquet", "partition folders other than the table's (ingest_date)"),
        (EVENTS + "ingest_date=2026-12-01/c.csv", "a csv file in a parquet table"),
        (EVENTS + "ingest_date=2026-12-01/notes.txt", "no classifier recognized it"),
    ]
    assert events_table([(event_file("notes.txt"), None)]) is None, "no recognized file, no table"


def test_a_csv_table_skips_its_header_line_and_is_read_by_lazysimpleserde():
    table = events_table([(event_file("a.csv", ()), schema("csv", ("id", "bigint"), ("name", None)))])
    assert (table.parameters["delimiter"], table.parameters["skip.header.line.count"]) == (",", "1")
    request = crawl.table_input(table)
    assert request["StorageDescriptor"] == {
        "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "name", "Type": "string"}],
        "Location": EVENTS,
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
            "Parameters": {"field.delim": ","},
        },
    }
    assert request["PartitionKeys"] == []
    assert crawl.partition_inputs(table) == {}


PARQUET_TABLE = events_table(
    [
        (event_file("a.parquet"), schema("parquet", ("id", "bigint"))),
        (event_file("b.parquet", ("ingest_date=2026-12-02",)), schema("parquet", ("id", "bigint"))),
    ]
)


def test_a_parquet_table_and_its_partitions_are_written_as_a_crawler_writes_them():
    request = crawl.table_input(PARQUET_TABLE)
    validate("glue", "CreateTable", {"DatabaseName": DATABASE, "TableInput": request})
    validate("glue", "UpdateTable", {"DatabaseName": DATABASE, "TableInput": request})
    assert (request["Name"], request["TableType"]) == ("processed_events", "EXTERNAL_TABLE")
    assert request["PartitionKeys"] == [{"Name": "ingest_date", "Type": "string"}]
    assert request["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == (
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    )
    partitions = crawl.partition_inputs(PARQUET_TABLE)
    assert partitions[("2026-12-02",)] == {
        "Values": ["2026-12-02"],
        "StorageDescriptor": {**request["StorageDescriptor"], "Location": EVENTS + "ingest_date=2026-12-02/"},
    }
    validate(
        "glue",
        "BatchCreatePartition",
        {"DatabaseName": DATABASE, "TableName": request["Name"], "PartitionInputList": list(partitions.values())},
    )


def as_glue_returns(table_input, **extra):
    """A table as GetTables returns what was written: with the catalog's own fields and defaults."""
    descriptor = {**table_input["StorageDescriptor"], "Compressed": False, "NumberOfBuckets": -1}
    return {
        **table_input,
        "StorageDescriptor": descriptor,
        "DatabaseName": DATABASE,
        "CreateTime": datetime.datetime(2026, 12, 1),
        "UpdateTime": datetime.datetime(2026, 12, 1),
        "VersionId": "1",
        "CatalogId": "123456789012",
        **extra,
    }


def partitions_as_glue_returns(table):
    return [
        {**partition, "DatabaseName": DATABASE, "TableName": table.name, "CreationTime": datetime.datetime(2026, 12, 1)}
        for partition in crawl.partition_inputs(table).values()
    ]


def test_a_new_table_is_created_with_every_partition():
    changes = crawl.catalog_changes(PARQUET_TABLE, None, [], "DEPRECATE_IN_DATABASE")
    assert (changes.table_call, changes.action) == ("create_table", "created")
    assert [partition["Values"] for partition in changes.partitions_to_create] == [["2026-12-01"], ["2026-12-02"]]


def test_a_crawl_of_the_same_data_writes_nothing():
    found = as_glue_returns(crawl.table_input(PARQUET_TABLE))
    changes = crawl.catalog_changes(PARQUET_TABLE, found, partitions_as_glue_returns(PARQUET_TABLE), "LOG")
    assert changes == crawl.CatalogChanges(table_input=crawl.table_input(PARQUET_TABLE))
    assert changes.action == "unchanged"


def test_a_changed_schema_updates_the_table_and_its_partitions_and_a_gone_folder_deletes_its_partition():
    found = as_glue_returns(crawl.table_input(PARQUET_TABLE))
    found_partitions = partitions_as_glue_returns(PARQUET_TABLE)
    found_partitions[1]["Values"] = ["2026-11-30"]
    wider = events_table(
        [
            (event_file("a.parquet"), schema("parquet", ("id", "bigint"), ("name", "string"))),
            (event_file("b.parquet", ("ingest_date=2026-12-02",)), schema("parquet", ("id", "bigint"))),
        ]
    )
    changes = crawl.catalog_changes(wider, found, found_partitions, "DEPRECATE_IN_DATABASE")
    assert (changes.table_call, changes.action) == ("update_table", "updated")
    assert [partition["Values"] for partition in changes.partitions_to_create] == [["2026-12-02"]]
    assert [partition["Values"] for partition in changes.partitions_to_update] == [["2026-12-01"]]
    assert changes.partitions_to_delete == [["2026-11-30"]]
    assert crawl.catalog_changes(wider, found, found_partitions, "LOG").partitions_to_delete == [], (
        "LOG keeps what is gone"
    )


def test_a_new_partition_alone_updates_no_table():
    found = as_glue_returns(crawl.table_input(PARQUET_TABLE))
    changes = crawl.catalog_changes(PARQUET_TABLE, found, partitions_as_glue_returns(PARQUET_TABLE)[:1], "LOG")
    assert (changes.table_call, changes.action) == (None, "updated")
    assert [partition["Values"] for partition in changes.partitions_to_create] == [["2026-12-02"]]


def batch_size(params):
    return next(
        (len(params[name]) for name in ("PartitionsToDelete", "PartitionInputList", "Entries") if name in params), None
    )


def test_the_changes_are_sent_in_batches_the_api_takes():
    partitions = [{"Values": [str(day)], "StorageDescriptor": {"Location": f"{EVENTS}{day}/"}} for day in range(130)]
    changes = crawl.CatalogChanges(
        table_call="update_table",
        table_input=crawl.table_input(PARQUET_TABLE),
        partitions_to_create=partitions,
        partitions_to_update=partitions[:3],
        partitions_to_delete=[[str(day)] for day in range(200, 230)],
    )
    glue = ShapeCheckingClient("glue")
    crawl.LocalCrawler(glue, ShapeCheckingClient("s3")).apply(DATABASE, "processed_events", changes)
    assert [(method, batch_size(params)) for method, params in glue.calls] == [
        ("batch_delete_partition", 25),
        ("batch_delete_partition", 5),
        ("update_table", None),
        ("batch_create_partition", 100),
        ("batch_create_partition", 30),
        ("batch_update_partition", 3),
    ]
    assert glue.calls[-1][1]["Entries"][0] == {"PartitionValueList": ["0"], "PartitionInput": partitions[0]}


def test_a_refused_batch_entry_stops_the_crawl():
    with pytest.raises(crawl.CatalogWriteError, match="AlreadyExistsException"):
        crawl.LocalCrawler.checked(
            {"Errors": [{"PartitionValues": ["1"], "ErrorDetail": {"ErrorCode": "AlreadyExistsException"}}]}
        )


def test_only_the_crawlers_own_tables_whose_folder_is_gone_follow_its_delete_behavior():
    ours = as_glue_returns(crawl.table_input(PARQUET_TABLE))
    kept = {**ours, "Name": "processed_orders"}
    someone_elses = {**ours, "Name": "processed_manual", "Parameters": {"classification": "parquet"}}
    other_crawler = {**ours, "Name": "raw_events", "Parameters": {"UPDATED_BY_CRAWLER": "dataeng-dev-raw"}}
    gone = crawl.gone_tables([ours, kept, someone_elses, other_crawler], {"processed_orders"}, SETTINGS.crawler)
    assert [table["Name"] for table in gone] == ["processed_events"]
    assert crawl.gone_action(ours, "DELETE_FROM_DATABASE") == "deleted"
    assert crawl.gone_action(ours, "DEPRECATE_IN_DATABASE") == "deprecated"
    assert crawl.gone_action(ours, "LOG") == "unchanged"
    deprecated = crawl.deprecated_input(ours, "2026-12-07T08:00:00Z")
    validate("glue", "UpdateTable", {"DatabaseName": DATABASE, "TableInput": deprecated})
    assert deprecated == {
        **crawl.table_input(PARQUET_TABLE),
        "StorageDescriptor": ours["StorageDescriptor"],
        "Parameters": {**ours["Parameters"], "DEPRECATED_BY_CRAWLER": "2026-12-07T08:00:00Z"},
    }
    assert (
        crawl.gone_action({**ours, "Parameters": deprecated["Parameters"]}, "DEPRECATE_IN_DATABASE") == "unchanged"
    ), "deprecated once"


def test_a_deprecated_table_whose_folder_is_back_is_updated():
    found = as_glue_returns(crawl.table_input(PARQUET_TABLE))
    found["Parameters"] = {**found["Parameters"], "DEPRECATED_BY_CRAWLER": "2026-12-07T08:00:00Z"}
    changes = crawl.catalog_changes(PARQUET_TABLE, found, partitions_as_glue_returns(PARQUET_TABLE), "LOG")
    assert changes.table_call == "update_table"
    assert "DEPRECATED_BY_CRAWLER" not in changes.table_input["Parameters"]


def test_a_table_is_reported_with_its_columns_partitions_and_left_out_files():
    table = events_table(
        [
            (event_file("a.parquet"), schema("parquet", ("id", "bigint"), ("tags", crawl.ArrayType(None)))),
            (event_file("b.json"), schema("json", ("id", "int"))),
        ]
    )
    assert table.report("created") == {
        "name": "processed_events",
        "location": EVENTS,
        "classification": "parquet",
        "columns": [{"name": "id", "type": "bigint"}, {"name": "tags", "type": "array<string>"}],
        "partition_keys": ["ingest_date"],
        "partitions": 1,
        "action": "created",
        "skipped_files": [
            {"file": EVENTS + "ingest_date=2026-12-01/b.json", "reason": "a json file in a parquet table"}
        ],
    }
    gone = crawl.CrawledTable.from_catalog(as_glue_returns(crawl.table_input(PARQUET_TABLE))).report("deleted")
    assert (gone["name"], gone["columns"], gone["partition_keys"], gone["partitions"]) == (
        "processed_events",
        [{"name": "id", "type": "bigint"}],
        ["ingest_date"],
        0,
    )
