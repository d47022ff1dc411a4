#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: glue_info
version_added: 0.1.0
short_description: Read AWS Glue databases, crawlers, jobs, workflows and triggers by name
description:
  - Reads the named Glue Data Catalog databases, crawlers, jobs, workflows and triggers in as few calls as
    Glue allows (the batch APIs), and returns those that exist, keyed by name. Names that do not exist are
    listed in RV(missing).
  - Workflows come with the status of their last run.
options:
  database_names:
    description:
      - Data Catalog databases to read.
    type: list
    elements: str
    default: []
  crawler_names:
    description:
      - Crawlers to read.
    type: list
    elements: str
    default: []
  job_names:
    description:
      - Jobs to read.
    type: list
    elements: str
    default: []
  workflow_names:
    description:
      - Workflows to read.
    type: list
    elements: str
    default: []
  trigger_names:
    description:
      - Triggers to read.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reads only, in check mode too.
  diff_mode:
    support: none
    description: Reads only; there is nothing to compare.
"""

EXAMPLES = r"""
- name: Read the pipeline
  dataeng.platform.glue_info:
    database_names: [dev_data_lake_catalog]
    crawler_names: [dataeng-dev-raw, dataeng-dev-processed]
    job_names: [dataeng-dev-data-processing, dataeng-dev-data-quality]
    workflow_names: [dataeng-dev-data-pipeline]
  register: pipeline

- name: Say how the last pipeline run went
  ansible.builtin.debug:
    msg: "{{ pipeline.workflows['dataeng-dev-data-pipeline'].last_run.status | default('never ran') }}"
"""

RETURN = r"""
databases:
  description: The databases that exist, by name, as GetDatabase describes them (snake_case keys).
  returned: always
  type: dict
  sample: {"dev_data_lake_catalog": {"name": "dev_data_lake_catalog", "location_uri": "s3://lake/"}}
crawlers:
  description: The crawlers that exist, by name, as BatchGetCrawlers describes them (snake_case keys).
  returned: always
  type: dict
  sample: {"dataeng-dev-raw": {"name": "dataeng-dev-raw", "state": "READY"}}
jobs:
  description: The jobs that exist, by name, as BatchGetJobs describes them (snake_case keys).
  returned: always
  type: dict
  sample: {"dataeng-dev-data-processing": {"name": "dataeng-dev-data-processing", "timeout": 60}}
workflows:
  description: The workflows that exist, by name, with their last run, as BatchGetWorkflows describes them.
  returned: always
  type: dict
  sample: {"dataeng-dev-data-pipeline": {"name": "dataeng-dev-data-pipeline", "last_run": {"status": "COMPLETED"}}}
triggers:
  description: The triggers that exist, by name, as BatchGetTriggers describes them (snake_case keys).
  returned: always
  type: dict
  sample: {"dataeng-dev-start-processing": {"name": "dataeng-dev-start-processing", "type": "ON_DEMAND"}}
missing:
  description: The names asked for that do not exist, by kind.
  returned: always
  type: dict
  sample: {"databases": [], "crawlers": ["dataeng-dev-raw"], "jobs": [], "workflows": [], "triggers": []}
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict

from ansible_collections.dataeng.platform.plugins.module_utils.glue import glue_client, not_found

# kind: (batch call, its name parameter, the list of found items in its answer).
BATCH_CALLS = {
    "crawlers": ("batch_get_crawlers", "CrawlerNames", "Crawlers"),
    "jobs": ("batch_get_jobs", "JobNames", "Jobs"),
    "workflows": ("batch_get_workflows", "Names", "Workflows"),
    "triggers": ("batch_get_triggers", "TriggerNames", "Triggers"),
}
# The most names one batch call takes.
BATCH_SIZE = 25


def by_name(items):
    """Glue's descriptions keyed by name, snake_case, tags left as they are."""
    return {item["Name"]: camel_dict_to_snake_dict(item) for item in items}


def chunks(names):
    return [names[start : start + BATCH_SIZE] for start in range(0, len(names), BATCH_SIZE)]


def read_batch(client, kind, names):
    call, parameter, answer = BATCH_CALLS[kind]
    found = []
    for chunk in chunks(names):
        request = {parameter: chunk}
        if kind == "workflows":
            request["IncludeGraph"] = False
        found += getattr(client, call)(aws_retry=True, **request)[answer]
    return by_name(found)


def read_databases(client, names):
    found = []
    for name in names:
        try:
            found.append(client.get_database(aws_retry=True, Name=name)["Database"])
        except not_found():
            continue
    return by_name(found)


def main():
    argument_spec = {
        f"{kind[:-1]}_names": dict(type="list", elements="str", default=[]) for kind in ("databases", *BATCH_CALLS)
    }
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = glue_client(module)
    result = {}
    try:
        result["databases"] = read_databases(client, module.params["database_names"])
        for kind in BATCH_CALLS:
            result[kind] = read_batch(client, kind, module.params[f"{kind[:-1]}_names"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to read Glue")
    result["missing"] = {
        kind: [name for name in module.params[f"{kind[:-1]}_names"] if name not in result[kind]] for kind in result
    }
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
