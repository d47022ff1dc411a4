"""The instances role launches the platform's two hosts (kubernetes, monitoring), on a supported image, locked down."""

from support import expectations


def test_one_kubernetes_and_one_monitoring_host_match_the_seed(aws):
    expectations.instances(aws)
