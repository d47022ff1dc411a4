"""The tags every resource of the platform carries."""

from __future__ import annotations

IDENTITY_TAGS = {"Project": "dataeng", "ManagedBy": "ansible"}


def tags(resource: dict) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def assert_identity_tags(resource: dict, env: str) -> None:
    assert tags(resource).items() >= {**IDENTITY_TAGS, "Environment": env}.items(), tags(resource)
