"""The iam role gives each service its own role, trusted by that service only, with scoped policies."""

from support import expectations


def test_roles_trust_their_service_and_policies_name_the_platform_resources(aws):
    expectations.iam(aws)
