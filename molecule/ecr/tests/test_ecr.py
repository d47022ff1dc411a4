"""The ecr role makes the platform's three repositories (spark-apps, data-jobs, glue-jobs):
scanned, encrypted, tagged, old images expired."""

from support import expectations


def test_repositories_match_the_seed(aws):
    expectations.ecr(aws)
