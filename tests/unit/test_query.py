"""The pure parts of tools/query.py (make query): which catalog tables an SQL names, how each classification is read,
the Spark schema of catalog columns, which objects of a table are data, and the text table of a result."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import query
from query import QueryError, Table, TableReader

CATALOG = ["curated_events", "processed_events", "processed_orders", "raw_events"]
EVENTS = Table(
    name="raw_events",
    location="s3://lake/raw/events/",
    classification="csv",
    columns=(("event_id", "string"), ("amount", "double"), ("event_time", "timestamp")),
)
ORDERS = Table(
    name="processed_orders",
    location="s3://lake/processed/orders/",
    classification="parquet",
    columns=(("order_id", "string"), ("total", "double")),
    partition_keys=(("order_date", "date"),),
)


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("select event_type, count(*) from curated_events group by event_type", ["curated_events"]),
        # In the catalog's order, whatever the case.
        (
            "SELECT * FROM Processed_Orders o JOIN processed_events e ON o.customer_id = e.user_id",
            ["processed_events", "processed_orders"],
        ),
        ("select * from `curated_events`", ["curated_events"]),
        # Names in strings and comments are not tables the query reads.
        (
            "select 'raw_events', \"processed_orders\" -- from processed_events\nfrom curated_events /* raw_events */",
            ["curated_events"],
        ),
        ("select 1", []),
        # Only whole names: a table whose name starts another's is not named by it.
        ("select * from processed_events_2025", []),
    ],
)
def test_the_tables_an_sql_names_are_the_catalog_tables_among_its_names(sql, named):
    assert query.named_tables(sql, CATALOG) == named


def test_a_crawled_table_is_read_from_its_glue_description():
    document = {
        "Name": "processed_orders",
        "DatabaseName": "local_data_lake_catalog",
        "StorageDescriptor": {
            "Columns": [{"Name": "order_id", "Type": "string"}, {"Name": "total", "Type": "double"}],
            "Location": "s3://lake/processed/orders/",
            "Parameters": {"classification": "Parquet"},
        },
        "PartitionKeys": [{"Name": "order_date", "Type": "date"}],
    }

    assert Table.from_glue(document) == ORDERS


def test_the_table_parameters_classification_comes_first():
    document = {
        "Name": "raw_events",
        "StorageDescriptor": {"Location": "s3://lake/raw/events/", "Parameters": {"classification": "json"}},
        "Parameters": {"classification": "csv"},
    }

    assert Table.from_glue(document).classification == "csv"


def test_the_spark_schema_of_catalog_columns_is_ddl_with_their_glue_types():
    columns = [("event_id", "string"), ("total", "decimal(10,2)"), ("odd `name`", "array<struct<a:int>>")]

    assert query.schema_ddl(columns) == "`event_id` string, `total` decimal(10,2), `odd ``name``` array<struct<a:int>>"


def test_parquet_is_read_with_its_own_schema_and_partition_folders():
    assert query.table_reader(ORDERS, "/tmp/q/processed_orders") == TableReader(
        "parquet", {"basePath": "/tmp/q/processed_orders"}, schema=None
    )


def test_csv_is_read_with_its_header_and_the_catalog_columns():
    partitioned = Table(EVENTS.name, EVENTS.location, "csv", EVENTS.columns, (("ingest_date", "date"),))

    assert query.table_reader(partitioned, "/tmp/q/raw_events") == TableReader(
        "csv",
        {"basePath": "/tmp/q/raw_events", "header": "true", "escape": '"'},
        schema="`event_id` string, `amount` double, `event_time` timestamp, `ingest_date` date",
    )


def test_json_lines_are_read_with_the_catalog_columns():
    orders = Table("raw_orders", "s3://lake/raw/orders/", "json", (("order_id", "string"), ("total", "double")))

    assert query.table_reader(orders, "/tmp/q/raw_orders") == TableReader(
        "json", {"basePath": "/tmp/q/raw_orders"}, schema="`order_id` string, `total` double"
    )


def test_a_classification_spark_cannot_read_is_named():
    avro = Table("raw_clicks", "s3://lake/raw/clicks/", "avro", (("id", "string"),))

    with pytest.raises(QueryError, match="raw_clicks: cannot read its classification 'avro'"):
        query.table_reader(avro, "/tmp/q/raw_clicks")


@pytest.mark.parametrize(
    ("relative_path", "is_data"),
    [
        ("part-00000-abc.snappy.parquet", True),
        ("order_date=2026-12-01/part-00000-abc.snappy.parquet", True),
        ("events-2026-11-30.csv", True),
        ("", False),  # the location's own folder marker
        ("order_date=2026-12-01/", False),
        ("_SUCCESS", False),
        (".part-00000-abc.snappy.parquet.crc", False),
        ("_temporary/0/part-00000.parquet", False),
        ("order_date=2026-12-01/.hidden/part-00000.parquet", False),
    ],
)
def test_only_data_files_are_copied(relative_path, is_data):
    assert query.is_data_file(relative_path) is is_data


def test_a_result_is_an_aligned_text_table_with_numbers_to_the_right():
    columns = ["event_type", "events", "amount", "first_seen", "day"]
    rows = [
        ("purchase", 9, 443.88, datetime(2026, 11, 30, 8, 49, 14, tzinfo=UTC), date(2026, 11, 30)),
        ("refund", 1, None, datetime(2026, 12, 1, 18, 6, 18, 500000, tzinfo=UTC), None),
    ]

    assert query.text_table(columns, rows) == "\n".join(
        [
            "event_type | events | amount | first_seen                 | day",
            "-----------+--------+--------+----------------------------+-----------",
            "purchase   |      9 | 443.88 | 2026-11-30 08:49:14        | 2026-11-30",
            "refund     |      1 |   NULL | 2026-12-01 18:06:18.500000 | NULL",
            "(2 rows)",
        ]
    )


def test_an_empty_result_still_shows_its_columns():
    assert query.text_table(["order_id"], []) == "order_id\n--------\n(0 rows)"


def test_the_listing_shows_each_table_with_its_columns_and_partition_keys():
    assert query.catalog_listing("local_data_lake_catalog", [ORDERS]) == "\n".join(
        [
            "processed_orders  (parquet)  s3://lake/processed/orders/",
            "  order_id    string",
            "  total       double",
            "  order_date  date  (partition key)",
        ]
    )


def test_an_empty_catalog_says_what_makes_its_tables():
    assert "no tables yet" in query.catalog_listing("local_data_lake_catalog", [])
