"""The glue role builds the platform's pipeline: catalog, crawlers, jobs and the workflow that chains them."""

from support import expectations


def test_catalog_crawlers_jobs_and_workflow_match_the_seed(aws):
    expectations.glue(aws)
