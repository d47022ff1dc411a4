"""The ecr role makes the seed's three repositories: scanned, encrypted, tagged, old images expired."""

from support import expectations


def test_repositories_match_the_seed(aws):
    expectations.ecr(aws)
