"""What the cloud layer promises, checked with boto3; shared by the integration and molecule tests.

Each function takes an `Aws` (clients for one emulator) and the platform's name prefix and
environment, and asserts the platform's figures on what exists. Each figure says where it comes from:
- "platform": what the platform is required to have whatever builds it (the README's roles table states
  it; the part is named, e.g. platform, security groups);
- "AWS": a rule of the service, with the documentation page that states it;
- "collection": this collection's own choice, with the role variable that declares it (its default, in
  roles/<role>/defaults/main.yml) or the role file that fixes it.

One module per part of the platform; the names the tests use are importable from here.
"""

from __future__ import annotations

from support.expectations.access import as_list, iam
from support.expectations.containers import ecr, ecs
from support.expectations.credentials import (
    SECRETS,
    generated_values,
    regenerated_values,
    secret_resource_policy,
    secret_values,
    secrets,
)
from support.expectations.glue_pipeline import glue
from support.expectations.hosts import instances
from support.expectations.identity import tags
from support.expectations.networking import network, platform_vpc, security_groups
from support.expectations.remaining import platform_resources, remaining_resources
from support.expectations.storage import bucket_names, bucket_policies_are_tls_only, data_lake

__all__ = [
    "SECRETS",
    "as_list",
    "bucket_names",
    "bucket_policies_are_tls_only",
    "data_lake",
    "ecr",
    "ecs",
    "generated_values",
    "glue",
    "iam",
    "instances",
    "network",
    "platform_resources",
    "platform_vpc",
    "regenerated_values",
    "remaining_resources",
    "secret_resource_policy",
    "secret_values",
    "secrets",
    "security_groups",
    "tags",
]
