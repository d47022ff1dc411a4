"""The ecs role runs the platform's cluster, task sizes (1024/2048, 2048/4096) and service on Fargate Spot."""

from support import expectations


def test_cluster_task_definitions_and_service_match_the_seed(aws):
    expectations.ecs(aws)
