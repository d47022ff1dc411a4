"""ecs_cluster_settings: Container Insights read from the cluster's settings, ECS's default when it has none."""

from __future__ import annotations

import pytest

from ansible_collections.dataeng.platform.plugins.modules import ecs_cluster_settings as module


@pytest.mark.parametrize(
    ("settings", "value"),
    [
        (None, "disabled"),
        ([], "disabled"),
        ([{"name": "containerInsights", "value": "enabled"}], "enabled"),
        ([{"name": "containerInsights", "value": "enhanced"}], "enhanced"),
    ],
)
def test_the_setting_is_read_with_ecs_default(settings, value):
    assert module.container_insights_of({"clusterName": "c", "settings": settings}) == value


def test_the_request_sets_container_insights_only():
    assert module.settings_request("dev-data-processing-cluster", "enabled") == {
        "cluster": "dev-data-processing-cluster",
        "settings": [{"name": "containerInsights", "value": "enabled"}],
    }
