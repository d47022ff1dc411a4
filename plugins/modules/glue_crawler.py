#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: glue_crawler
version_added: 0.1.0
short_description: Manage an AWS Glue crawler of S3 paths, with its schedule, policies, configuration and tags
description:
  - Creates, updates or deletes an AWS Glue crawler that reads S3 paths and writes the tables it finds to a
    Data Catalog database.
  - Unlike M(community.aws.glue_crawler), it manages the crawler's configuration (table grouping, partition
    handling) and recrawl policy, runs on demand when O(schedule) is empty, compares a role given by name
    with the ARN Glue reports, and supports check mode and diff.
  - A crawler that is running cannot be updated or deleted; the module then fails with a message saying so.
options:
  name:
    description:
      - Name of the crawler.
      - Required unless O(crawlers) lists the crawlers.
    type: str
  crawlers:
    description:
      - The crawlers to converge in one module run instead of a loop's run per crawler (each run starts Python,
        boto3 and the service model again).
      - Each item is a dict of this module's options for one crawler, O(name) among them; an option the item
        does not set takes the task's value. Each item is checked as the module checks one crawler; a message
        about an item begins with C(crawlers[index] (name)). Mutually exclusive with O(name).
    type: list
    elements: dict
    version_added: 0.2.0
  state:
    description:
      - Whether the crawler should exist.
    choices: [present, absent]
    default: present
    type: str
  role:
    description:
      - IAM role (name or ARN) the crawler assumes to read the paths and write the catalog.
      - Required with O(state=present).
    type: str
  database_name:
    description:
      - Data Catalog database the crawler writes tables to. Required with O(state=present).
    type: str
  description:
    description:
      - What the crawler crawls.
    type: str
    default: ""
  s3_targets:
    description:
      - S3 paths to crawl. Required with O(state=present).
    type: list
    elements: dict
    suboptions:
      path:
        description:
          - S3 path, for example C(s3://bucket/raw/).
        type: str
        required: true
      exclusions:
        description:
          - Glob patterns of objects to leave out, for example C(**/_temporary/**).
        type: list
        elements: str
        default: []
  schedule:
    description:
      - Cron expression, for example C(cron(0 2 * * ? *)); empty runs the crawler on demand only.
    type: str
    default: ""
  table_prefix:
    description:
      - Prefix of the names of the tables the crawler creates.
    type: str
    default: ""
  recrawl_behavior:
    description:
      - Crawl every folder each time, or only folders added since the last crawl.
      - C(CRAWL_NEW_FOLDERS_ONLY) needs O(update_behavior=LOG) and O(delete_behavior=LOG).
    choices: [CRAWL_EVERYTHING, CRAWL_NEW_FOLDERS_ONLY]
    default: CRAWL_EVERYTHING
    type: str
  update_behavior:
    description:
      - What the crawler does when a table's schema changed.
    choices: [UPDATE_IN_DATABASE, LOG]
    default: UPDATE_IN_DATABASE
    type: str
  delete_behavior:
    description:
      - What the crawler does when a table's data is gone.
    choices: [DEPRECATE_IN_DATABASE, DELETE_FROM_DATABASE, LOG]
    default: DEPRECATE_IN_DATABASE
    type: str
  configuration:
    description:
      - Crawler configuration (the JSON document Glue calls C(Configuration)), as a dict.
    type: dict
    default: {}
  security_configuration:
    description:
      - Name of the Glue security configuration that encrypts the crawler's CloudWatch logs
        (M(dataeng.platform.glue_security_configuration)); empty for none.
    type: str
    default: ""
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports what would change without changing it.
  diff_mode:
    description: Shows the crawler before and after.
"""

EXAMPLES = r"""
- name: Crawl the raw zone on demand, one table per dataset folder
  dataeng.platform.glue_crawler:
    name: dataeng-dev-raw
    role: dataeng-dev-glue-service
    database_name: dev_data_lake_catalog
    s3_targets:
      - path: s3://dataeng-dev-data-lake-123456789012/raw/
        exclusions: ["**/_SUCCESS"]
    table_prefix: raw_
    recrawl_behavior: CRAWL_NEW_FOLDERS_ONLY
    update_behavior: LOG
    delete_behavior: LOG
    configuration:
      Version: 1.0
      Grouping:
        TableLevelConfiguration: 3
    tags:
      Environment: dev
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: The API calls an update made (or would make, in check mode).
  returned: when an existing crawler changed (with O(crawlers), each prefixed with the crawler's name)
  type: list
  elements: str
  sample: ["update_crawler"]
crawlers:
  description: Each crawler of O(crawlers) as it is after the task, in the order listed (each as RV(crawler)
    describes it; empty when absent).
  returned: when O(crawlers) is given
  type: list
  elements: dict
  version_added: 0.2.0
crawler:
  description: The crawler as it is after the task (empty when absent).
  returned: unless O(crawlers) is given
  type: dict
  contains:
    name:
      description: Name of the crawler.
      type: str
      sample: dataeng-dev-raw
    role:
      description: Role the crawler assumes, as Glue reports it.
      type: str
      sample: arn:aws:iam::123456789012:role/dataeng-dev-glue-service
    database_name:
      description: Database it writes to.
      type: str
      sample: dev_data_lake_catalog
    s3_targets:
      description: Paths it crawls.
      type: list
      elements: dict
      sample: [{"path": "s3://dataeng-dev-data-lake-123456789012/raw/", "exclusions": []}]
    schedule:
      description: Its cron expression (empty when on demand).
      type: str
      sample: ""
    security_configuration:
      description: Name of its security configuration (empty when none).
      type: str
      sample: dataeng-dev-glue-kms
    crawler_state:
      description: C(READY), C(RUNNING) or C(STOPPING).
      type: str
      sample: READY
    last_crawl_status:
      description: Status of the last crawl (empty when it never ran).
      type: str
      sample: SUCCEEDED
    arn:
      description: ARN of the crawler.
      type: str
      sample: arn:aws:glue:us-east-2:123456789012:crawler/dataeng-dev-raw
    tags:
      description: Tags of the crawler.
      type: dict
      sample: {"Environment": "dev"}
"""

import json

from ansible_collections.dataeng.platform.plugins.module_utils.glue import WHEN_ROLE_PROPAGATED, GlueResource, same_role
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action, RefusedChange, calls_of, run
from ansible_collections.dataeng.platform.plugins.module_utils.tags import (
    TAG_OPTIONS,
    expected_task_tags,
    plan_task_tags,
)

SETTINGS = (
    "database_name",
    "description",
    "s3_targets",
    "schedule",
    "table_prefix",
    "recrawl_behavior",
    "update_behavior",
    "delete_behavior",
    "configuration",
    "security_configuration",
)


def from_glue(crawler):
    """A get_crawler answer in the module's terms (tags and ARN aside)."""
    targets = crawler.get("Targets") or {}
    configuration = crawler.get("Configuration")
    return {
        "name": crawler["Name"],
        "role": crawler.get("Role", ""),
        "database_name": crawler.get("DatabaseName", ""),
        "description": crawler.get("Description") or "",
        "s3_targets": [
            {"path": target["Path"], "exclusions": target.get("Exclusions") or []}
            for target in targets.get("S3Targets", [])
        ],
        "schedule": (crawler.get("Schedule") or {}).get("ScheduleExpression", ""),
        "table_prefix": crawler.get("TablePrefix") or "",
        "recrawl_behavior": (crawler.get("RecrawlPolicy") or {}).get("RecrawlBehavior", "CRAWL_EVERYTHING"),
        "update_behavior": (crawler.get("SchemaChangePolicy") or {}).get("UpdateBehavior", "UPDATE_IN_DATABASE"),
        "delete_behavior": (crawler.get("SchemaChangePolicy") or {}).get("DeleteBehavior", "DEPRECATE_IN_DATABASE"),
        "configuration": json.loads(configuration) if configuration else {},
        "security_configuration": crawler.get("CrawlerSecurityConfiguration") or "",
        "crawler_state": crawler.get("State", ""),
        "last_crawl_status": (crawler.get("LastCrawl") or {}).get("Status", ""),
    }


def desired(params):
    return {key: params[key] for key in SETTINGS} | {
        "s3_targets": [{"path": t["path"], "exclusions": t.get("exclusions") or []} for t in params["s3_targets"]]
    }


def crawler_request(params, update=False):
    """The settings create_crawler (or, with `update`, update_crawler) takes.

    An on-demand crawler is created without a schedule, a crawler without a security configuration without
    one; an update sends "" to remove either."""
    wanted = desired(params)
    request = {
        "Name": params["name"],
        "Role": params["role"],
        "DatabaseName": wanted["database_name"],
        "Description": wanted["description"],
        "Targets": {"S3Targets": [{"Path": t["path"], "Exclusions": t["exclusions"]} for t in wanted["s3_targets"]]},
        "TablePrefix": wanted["table_prefix"],
        "RecrawlPolicy": {"RecrawlBehavior": wanted["recrawl_behavior"]},
        "SchemaChangePolicy": {
            "UpdateBehavior": wanted["update_behavior"],
            "DeleteBehavior": wanted["delete_behavior"],
        },
    }
    if wanted["schedule"] or update:
        request["Schedule"] = wanted["schedule"]
    if wanted["security_configuration"] or update:
        request["CrawlerSecurityConfiguration"] = wanted["security_configuration"]
    if wanted["configuration"]:
        request["Configuration"] = json.dumps(wanted["configuration"], sort_keys=True)
    return request


def plan_crawler(current, params):
    wanted = desired(params)
    differs = any(current[key] != wanted[key] for key in SETTINGS) or not same_role(current["role"], params["role"])
    if differs and current["crawler_state"] not in ("", "READY"):
        raise RefusedChange(f"is {current['crawler_state']}; Glue changes a crawler only when it is READY")
    actions = [Action("update_crawler")] if differs else []
    return actions + plan_task_tags(current["tags"], params)


def check_params(params):
    """What argument_spec cannot say; returns an error message or None."""
    if params["state"] == "absent":
        return None
    if not params.get("s3_targets"):
        return "s3_targets must name at least one S3 path to crawl"
    if params["recrawl_behavior"] == "CRAWL_NEW_FOLDERS_ONLY" and (
        params["update_behavior"],
        params["delete_behavior"],
    ) != ("LOG", "LOG"):
        return "recrawl_behavior=CRAWL_NEW_FOLDERS_ONLY needs update_behavior=LOG and delete_behavior=LOG (a Glue rule)"
    return None


class GlueCrawler(GlueResource):
    kind = "Glue crawler"
    arn_type = "crawler"
    get_call = ("get_crawler", "Crawler")
    planner = staticmethod(plan_crawler)
    shape = staticmethod(from_glue)

    def expected(self, current):
        after = {"crawler_state": "READY", "last_crawl_status": "", **(current or {}), **desired(self.params)}
        after.update(name=self.name, role=(current or {}).get("role") or self.params["role"])
        after["tags"] = expected_task_tags(current["tags"] if current else {}, self.params)
        return after

    def create(self):
        WHEN_ROLE_PROPAGATED(self.client.create_crawler)(
            aws_retry=True, Tags=self.params.get("tags") or {}, **crawler_request(self.params)
        )

    def update(self, current, actions):
        if "update_crawler" in calls_of(actions):
            WHEN_ROLE_PROPAGATED(self.client.update_crawler)(
                aws_retry=True, **crawler_request(self.params, update=True)
            )
        self.update_tags(actions)

    def delete(self, current):
        if current["crawler_state"] not in ("", "READY"):
            raise RefusedChange(f"is {current['crawler_state']}; stop it or wait before deleting it")
        self.client.delete_crawler(aws_retry=True, Name=self.name)


def main():
    options = dict(
        role=dict(type="str"),
        database_name=dict(type="str"),
        description=dict(type="str", default=""),
        s3_targets=dict(
            type="list",
            elements="dict",
            options=dict(
                path=dict(type="str", required=True),
                exclusions=dict(type="list", elements="str", default=[]),
            ),
        ),
        schedule=dict(type="str", default=""),
        table_prefix=dict(type="str", default=""),
        recrawl_behavior=dict(
            type="str", default="CRAWL_EVERYTHING", choices=["CRAWL_EVERYTHING", "CRAWL_NEW_FOLDERS_ONLY"]
        ),
        update_behavior=dict(type="str", default="UPDATE_IN_DATABASE", choices=["UPDATE_IN_DATABASE", "LOG"]),
        delete_behavior=dict(
            type="str",
            default="DEPRECATE_IN_DATABASE",
            choices=["DEPRECATE_IN_DATABASE", "DELETE_FROM_DATABASE", "LOG"],
        ),
        configuration=dict(type="dict", default={}),
        security_configuration=dict(type="str", default=""),
        **TAG_OPTIONS,
    )
    run(
        GlueCrawler,
        "crawler",
        options,
        check_params,
        several="crawlers",
        required_if=[("state", "present", ["role", "database_name", "s3_targets"])],
    )


if __name__ == "__main__":
    main()
