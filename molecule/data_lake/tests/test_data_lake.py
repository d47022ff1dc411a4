"""The data_lake role builds private, encrypted, versioned buckets, the lake organised as raw/, processed/,
curated/ and logs/."""

from support import expectations


def test_buckets_prefixes_lifecycle_and_logging_match_the_seed(aws):
    expectations.data_lake(aws)
