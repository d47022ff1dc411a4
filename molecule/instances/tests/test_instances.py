"""The instances role launches the seed's two hosts, on a supported image, locked down."""

from support import expectations


def test_one_kubernetes_and_one_monitoring_host_match_the_seed(aws):
    expectations.instances(aws)
