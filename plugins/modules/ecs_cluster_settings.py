#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_cluster_settings
version_added: 0.1.0
short_description: Set the Container Insights setting of an existing ECS cluster
description:
  - Turns CloudWatch Container Insights on (C(enabled), or C(enhanced) with per-container metrics) or off for one
    cluster (U(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cloudwatch-container-insights.html)).
  - community.aws.ecs_cluster creates the cluster but does not manage its settings.
options:
  cluster:
    description:
      - Name of the cluster, which must exist.
    required: true
    type: str
  container_insights:
    description:
      - The cluster's C(containerInsights) setting.
    choices: [enabled, enhanced, disabled]
    required: true
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports what would change without changing it.
  diff_mode:
    description: Shows the setting before and after.
"""

EXAMPLES = r"""
- name: Collect the cluster's CPU, memory, network and storage metrics
  dataeng.platform.ecs_cluster_settings:
    cluster: dev-data-processing-cluster
    container_insights: enabled
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
container_insights:
  description: The cluster's containerInsights setting after the task.
  returned: always
  type: str
  sample: enabled
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Failure, Setting, reconcile


def container_insights_of(cluster):
    """The containerInsights value of a DescribeClusters cluster (include SETTINGS); ECS's default is disabled."""
    return next((s["value"] for s in cluster.get("settings") or [] if s["name"] == "containerInsights"), "disabled")


def settings_request(cluster, container_insights):
    """The UpdateCluster parameters that set the cluster's containerInsights."""
    return {"cluster": cluster, "settings": [{"name": "containerInsights", "value": container_insights}]}


class ContainerInsights(Setting):
    kind = "settings of ECS cluster"

    def __init__(self, module, client, wanted):
        super().__init__(module, client, wanted)
        self.cluster = module.params["cluster"]
        self.failure = f"Unable to read or set the settings of ECS cluster {self.cluster}"
        self.name = self.cluster

    def read(self):
        clusters = self.client.describe_clusters(aws_retry=True, clusters=[self.cluster], include=["SETTINGS"])
        active = [c for c in clusters["clusters"] if c["status"] == "ACTIVE"]
        if not active:
            raise Failure(f"ECS cluster {self.cluster} does not exist: create it first")
        return container_insights_of(active[0])

    def write(self):
        self.client.update_cluster(aws_retry=True, **settings_request(self.cluster, self.wanted))

    def shown(self, value):
        return {"container_insights": value}


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        container_insights=dict(type="str", required=True, choices=["enabled", "enhanced", "disabled"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    reconcile(module, ContainerInsights(module, client, module.params["container_insights"]), "container_insights")


if __name__ == "__main__":
    main()
