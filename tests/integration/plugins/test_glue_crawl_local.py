"""glue_run's local crawl (runner=local with a crawler) against the emulator: the crawl is recorded by the emulator,
then the tables a Glue crawl would make of CSV, JSON lines and Spark-like partitioned Parquet are written into the
emulated catalog; a second crawl of the same data writes nothing, and a table whose folder is gone is deprecated.
"""

from __future__ import annotations

import datetime
import io
import json

import pyarrow
import pytest
from pyarrow import parquet

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow

LAKE = "it-crawl-lake"
DATABASE = "it_crawl_catalog"
CRAWLER = "it-crawl-zone"
ZONE = f"s3://{LAKE}/zone/"
CONFIGURATION = {
    "Version": 1.0,
    "Grouping": {"TableLevelConfiguration": 3},
    "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}},
}
CRAWL = {"crawler_name": CRAWLER, "runner": "local", "poll_interval": 1}
EVENTS_CSV = "\n".join(
    [
        "event_id,user_id,amount,paid,event_time",
        "e1,u1,1.5,true,2026-12-01T10:00:00Z",
        "e2,,20,false,2026-12-01T11:00:00Z",
        "e3,u3,,TRUE,2026-12-01T12:00:00Z",
    ]
)
ORDERS_JSONL = "\n".join(
    [
        json.dumps({"order_id": "o1", "quantity": 2, "total": 12.5, "items": [{"sku": "a", "qty": 1}], "paid": True}),
        json.dumps({"order_id": "o2", "quantity": 3000000000, "total": 30, "items": [], "paid": None}),
        '{"order_id": "o3", "quantity":',
    ]
)


def spark_parquet(day: int) -> bytes:
    """A part file as Spark writes the processed zone: snappy, INT96 timestamps, the partition column left out."""
    rows = pyarrow.table(
        {
            "sale_id": [f"s{day}"],
            "amount": pyarrow.array([9.5]),
            "quantity": pyarrow.array([day], pyarrow.int32()),
            "sold_at": pyarrow.array([datetime.datetime(2026, 12, day, 9)]),
        }
    )
    buffer = io.BytesIO()
    parquet.write_table(rows, buffer, compression="snappy", use_deprecated_int96_timestamps=True)
    return buffer.getvalue()


OBJECTS = {
    "zone/": b"",
    "zone/events/2026-12-01.csv": EVENTS_CSV.encode(),
    "zone/orders/2026-12-02.jsonl": ORDERS_JSONL.encode(),
    "zone/sales/_SUCCESS": b"",
    "zone/sales/ingest_date=2026-12-01/part-0000-x.snappy.parquet": spark_parquet(1),
    "zone/sales/ingest_date=2026-12-01/.part-0000-x.snappy.parquet.crc": b"crc",
    "zone/sales/ingest_date=2026-12-02/part-0000-y.snappy.parquet": spark_parquet(2),
    "zone/sales/notes.txt": b"not data",
    "zone/_quarantine/sales/bad.csv": b"sale_id,reason\ns9,broken\n",
    "zone/manual/data.csv": b"id,name\n1,a\n",
}
# A table of the crawler's database and naming the crawler did not make: never touched.
MANUAL_TABLE = {
    "Name": "it_manual",
    "TableType": "EXTERNAL_TABLE",
    "Parameters": {"classification": "csv", "owner": "analyst"},
    "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "string"}], "Location": f"{ZONE}manual/"},
}


def columns(table: dict) -> list[tuple[str, str]]:
    return [(column["Name"], column["Type"]) for column in table["StorageDescriptor"]["Columns"]]


def catalog(aws: Aws) -> dict[str, dict]:
    return {table["Name"]: table for table in aws.glue.get_tables(DatabaseName=DATABASE)["TableList"]}


def partitions(aws: Aws, table: str) -> dict[tuple[str, ...], dict]:
    found = aws.glue.get_partitions(DatabaseName=DATABASE, TableName=table)["Partitions"]
    return {tuple(partition["Values"]): partition for partition in found}


def written(tables: dict[str, dict]) -> dict[str, tuple]:
    """What changes when a table is written again: the emulator sets UpdateTime and a new VersionId."""
    return {
        name: (table.get("UpdateTime"), table.get("VersionId"), table["Parameters"]) for name, table in tables.items()
    }


def actions(result: dict) -> dict[str, str]:
    return {table["name"]: table["action"] for table in result["run"]["tables"]}


def test_a_local_crawl_writes_the_tables_a_glue_crawl_would_and_a_second_writes_nothing(aws_emulator):
    aws = Aws(aws_emulator)
    aws.s3.create_bucket(Bucket=LAKE, CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
    for key, body in OBJECTS.items():
        aws.s3.put_object(Bucket=LAKE, Key=key, Body=body)
    run_module(aws_emulator, "dataeng.platform.glue_database", {"name": DATABASE})
    crawler = {
        "name": CRAWLER,
        "role": "it-glue-service",
        "database_name": DATABASE,
        "s3_targets": [{"path": ZONE, "exclusions": ["_quarantine/**"]}],
        "table_prefix": "it_",
        "configuration": CONFIGURATION,
    }
    assert run_module(aws_emulator, "dataeng.platform.glue_crawler", crawler)["changed"] is True
    aws.glue.create_table(DatabaseName=DATABASE, TableInput=MANUAL_TABLE)

    planned = run_module(aws_emulator, "dataeng.platform.glue_run", CRAWL, check=True)
    assert (planned["changed"], planned["run"]["tables"]) == (True, [])
    assert aws.glue.list_crawls(CrawlerName=CRAWLER)["Crawls"] == []
    assert set(catalog(aws)) == {"it_manual"}

    first = run_module(aws_emulator, "dataeng.platform.glue_run", CRAWL)
    assert first["run"]["status"] == "COMPLETED", first.get("msg")
    (crawl,) = aws.glue.list_crawls(CrawlerName=CRAWLER)["Crawls"]
    assert crawl["CrawlId"] == first["run"]["run_id"], "the emulator's history holds the crawl"
    assert actions(first) == {
        "it_events": "created",
        "it_manual": "skipped",
        "it_orders": "created",
        "it_sales": "created",
    }
    tables = catalog(aws)
    assert set(tables) == {"it_events", "it_manual", "it_orders", "it_sales"}, "nothing of _quarantine/"
    assert tables["it_manual"]["Parameters"] == MANUAL_TABLE["Parameters"]

    events = tables["it_events"]
    assert columns(events) == [
        ("event_id", "string"),
        ("user_id", "string"),
        ("amount", "double"),
        ("paid", "boolean"),
        ("event_time", "string"),
    ]
    assert (events["TableType"], events["PartitionKeys"]) == ("EXTERNAL_TABLE", [])
    assert events["StorageDescriptor"]["Location"] == f"{ZONE}events/"
    assert events["StorageDescriptor"]["SerdeInfo"] == {
        "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        "Parameters": {"field.delim": ","},
    }
    assert events["Parameters"] == {
        "classification": "csv",
        "compressionType": "none",
        "typeOfData": "file",
        "objectCount": "1",
        "recordCount": "3",
        "sizeKey": str(len(EVENTS_CSV)),
        "UPDATED_BY_CRAWLER": CRAWLER,
        "delimiter": ",",
        "skip.header.line.count": "1",
    }

    orders = tables["it_orders"]
    assert orders["Parameters"]["classification"] == "json"
    assert orders["Parameters"]["recordCount"] == "2", "the cut line is skipped"
    assert columns(orders) == [
        ("order_id", "string"),
        ("quantity", "bigint"),
        ("total", "double"),
        ("items", "array<struct<sku:string,qty:int>>"),
        ("paid", "boolean"),
    ]
    assert orders["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"

    sales = tables["it_sales"]
    assert sales["Parameters"]["classification"] == "parquet"
    assert (sales["Parameters"]["objectCount"], sales["Parameters"]["recordCount"]) == ("2", "2"), (
        "_SUCCESS, the .crc and notes.txt are no part of it"
    )
    assert columns(sales) == [
        ("sale_id", "string"),
        ("amount", "double"),
        ("quantity", "int"),
        ("sold_at", "timestamp"),
    ]
    assert sales["PartitionKeys"] == [{"Name": "ingest_date", "Type": "string"}]
    assert sales["StorageDescriptor"]["Location"] == f"{ZONE}sales/"
    assert sales["StorageDescriptor"]["InputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    found = partitions(aws, "it_sales")
    assert sorted(found) == [("2026-12-01",), ("2026-12-02",)]
    partition = found[("2026-12-02",)]["StorageDescriptor"]
    assert partition["Location"] == f"{ZONE}sales/ingest_date=2026-12-02/"
    assert (partition["Columns"], partition["SerdeInfo"]) == (
        sales["StorageDescriptor"]["Columns"],
        sales["StorageDescriptor"]["SerdeInfo"],
    ), "a partition inherits the table's schema"
    (reported,) = [table for table in first["run"]["tables"] if table["name"] == "it_sales"]
    assert (reported["partition_keys"], reported["partitions"]) == (["ingest_date"], 2)
    assert reported["skipped_files"] == [{"file": f"{ZONE}sales/notes.txt", "reason": "no classifier recognized it"}]

    second = run_module(aws_emulator, "dataeng.platform.glue_run", CRAWL)
    assert second["run"]["run_id"] != first["run"]["run_id"]
    assert actions(second) == {
        **actions(first),
        "it_events": "unchanged",
        "it_orders": "unchanged",
        "it_sales": "unchanged",
    }
    assert written(catalog(aws)) == written(tables), "the second crawl wrote a table"
    assert {values: p["CreationTime"] for values, p in partitions(aws, "it_sales").items()} == {
        values: p["CreationTime"] for values, p in found.items()
    }

    # The orders folder is gone: the crawler's DeleteBehavior (DEPRECATE_IN_DATABASE, the default) marks its table.
    aws.s3.delete_object(Bucket=LAKE, Key="zone/orders/2026-12-02.jsonl")
    third = run_module(aws_emulator, "dataeng.platform.glue_run", CRAWL)
    assert actions(third)["it_orders"] == "deprecated"
    assert "DEPRECATED_BY_CRAWLER" in catalog(aws)["it_orders"]["Parameters"]
    deprecated = written(catalog(aws))
    assert actions(run_module(aws_emulator, "dataeng.platform.glue_run", CRAWL))["it_orders"] == "unchanged"
    assert written(catalog(aws)) == deprecated
