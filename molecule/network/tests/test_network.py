"""The network role builds the seed's VPC: two zones, public and private tiers, S3 endpoint."""

from support import expectations


def test_vpc_subnets_routes_and_endpoint_match_the_seed(aws):
    expectations.network(aws)
