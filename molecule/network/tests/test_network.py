"""The network role builds the platform's VPC (10.0.0.0/16): two zones, public and private tiers, S3 endpoint."""

from support import expectations


def test_vpc_subnets_routes_and_endpoint_match_the_seed(aws):
    expectations.network(aws)
