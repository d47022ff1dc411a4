"""The security_groups role opens each tier to the one before it and admin ports to admin_cidrs only."""

from support import expectations


def test_groups_ports_and_sources_match_the_seed_with_admin_ports_closed_to_the_world(aws):
    expectations.security_groups(aws)
