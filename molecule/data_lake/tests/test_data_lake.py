"""The data_lake role builds private, encrypted, versioned buckets organised as the seed's lake."""

from support import expectations


def test_buckets_prefixes_lifecycle_and_logging_match_the_seed(aws):
    expectations.data_lake(aws)
