#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: glue_database
version_added: 0.1.0
short_description: Manage an AWS Glue Data Catalog database with its tags
description:
  - Creates, updates or deletes a database of the AWS Glue Data Catalog, where crawlers write the tables they find.
  - amazon.aws and community.aws have no module for Glue databases.
  - Deleting a database deletes the table definitions in it (never the data they describe).
options:
  name:
    description:
      - Name of the database (lowercase letters, digits and underscores are the portable choice).
    required: true
    type: str
  state:
    description:
      - Whether the database should exist.
    choices: [present, absent]
    default: present
    type: str
  description:
    description:
      - What the database holds.
    type: str
    default: ""
  location_uri:
    description:
      - Default location of the database's tables, for example C(s3://bucket/processed/).
    type: str
    default: ""
  parameters:
    description:
      - Key-value properties of the database.
    type: dict
    default: {}
  catalog_id:
    description:
      - Account id of the Data Catalog; the caller's account when omitted.
    type: str
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
    description: Shows the database before and after.
"""

EXAMPLES = r"""
- name: The catalog database the crawlers fill
  dataeng.platform.glue_database:
    name: dev_data_lake_catalog
    description: Tables of the dev data lake
    location_uri: s3://dataeng-dev-data-lake-123456789012/
    tags:
      Environment: dev

- name: Delete it (table definitions only; the data stays in S3)
  dataeng.platform.glue_database:
    name: dev_data_lake_catalog
    state: absent
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: The API calls an update made (or would make, in check mode).
  returned: when an existing database changed
  type: list
  elements: str
  sample: ["update_database", "tag_resource"]
database:
  description: The database as it is after the task (empty when absent).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the database.
      type: str
      sample: dev_data_lake_catalog
    description:
      description: Its description.
      type: str
      sample: Tables of the dev data lake
    location_uri:
      description: Default location of its tables.
      type: str
      sample: s3://dataeng-dev-data-lake-123456789012/
    parameters:
      description: Its properties.
      type: dict
      sample: {}
    catalog_id:
      description: Account id of the Data Catalog.
      type: str
      sample: "123456789012"
    arn:
      description: ARN of the database.
      type: str
      sample: arn:aws:glue:us-east-2:123456789012:database/dev_data_lake_catalog
    tags:
      description: Tags of the database.
      type: dict
      sample: {"Environment": "dev"}
"""

from ansible_collections.dataeng.platform.plugins.module_utils.glue import GlueResource
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action, calls_of, run
from ansible_collections.dataeng.platform.plugins.module_utils.tags import (
    TAG_OPTIONS,
    expected_task_tags,
    plan_task_tags,
)

SETTINGS = ("description", "location_uri", "parameters")


def settings_of(database):
    """The settings of a get_database answer, in the module's terms."""
    return {
        "description": database.get("Description", ""),
        "location_uri": database.get("LocationUri", ""),
        "parameters": database.get("Parameters", {}),
    }


def database_input(params):
    """The DatabaseInput create_database and update_database take."""
    request = {"Name": params["name"], "Parameters": params["parameters"]}
    if params["description"]:
        request["Description"] = params["description"]
    if params["location_uri"]:
        request["LocationUri"] = params["location_uri"]
    return request


def plan_database(current, params):
    settings_differ = any(current[key] != params[key] for key in SETTINGS)
    actions = [Action("update_database")] if settings_differ else []
    return actions + plan_task_tags(current["tags"], params)


class GlueDatabase(GlueResource):
    kind = "Glue database"
    arn_type = "database"

    def _catalog(self):
        return {"CatalogId": self.params["catalog_id"]} if self.params.get("catalog_id") else {}

    get_call = ("get_database", "Database")
    planner = staticmethod(plan_database)

    def get_request(self):
        return {"Name": self.name, **self._catalog()}

    def shape(self, found):
        return {"name": found["Name"], **settings_of(found), "catalog_id": found.get("CatalogId", "")}

    def expected(self, current):
        after = dict(current or {"name": self.name, "catalog_id": self.params.get("catalog_id") or "", "tags": {}})
        after.update({key: self.params[key] for key in SETTINGS})
        after["tags"] = expected_task_tags(after["tags"], self.params)
        return after

    def create(self):
        self.client.create_database(
            aws_retry=True,
            DatabaseInput=database_input(self.params),
            Tags=self.params.get("tags") or {},
            **self._catalog(),
        )

    def update(self, current, actions):
        if "update_database" in calls_of(actions):
            self.client.update_database(
                aws_retry=True, Name=self.name, DatabaseInput=database_input(self.params), **self._catalog()
            )
        self.update_tags(actions)

    def delete(self, current):
        self.client.delete_database(aws_retry=True, Name=self.name, **self._catalog())


def main():
    options = dict(
        description=dict(type="str", default=""),
        location_uri=dict(type="str", default=""),
        parameters=dict(type="dict", default={}),
        catalog_id=dict(type="str"),
        **TAG_OPTIONS,
    )
    run(GlueDatabase, "database", options)


if __name__ == "__main__":
    main()
