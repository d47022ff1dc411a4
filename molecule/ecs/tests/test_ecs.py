"""The ecs role runs the seed's cluster, task sizes and service on Fargate Spot."""

from support import expectations


def test_cluster_task_definitions_and_service_match_the_seed(aws):
    expectations.ecs(aws)
