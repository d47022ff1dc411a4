"""What the IAM role publishes (roles/iam/vars/main.yml, platform_iam): each role as the role module converged it, a
host role's own instance profile as the role module returned it with the role or as the task that made or mended it
returned it, never read again (IAM is eventually consistent); run alone, each role as facts.yml read it."""

from __future__ import annotations

from support.role_vars import templated

GLUE = {"key": "glue", "name": "dev-glue-service", "instance_profile": False}
MONITORING = {"key": "monitoring_host", "name": "dev-monitoring-host", "instance_profile": True}
KUBERNETES = {"key": "kubernetes_host", "name": "dev-kubernetes-host", "instance_profile": True}
ROLES = [GLUE, MONITORING, KUBERNETES]
ARN = "arn:aws:iam::123456789012:"


def converged(role: dict) -> dict:
    return {"role_name": role["name"], "arn": f"{ARN}role/{role['name']}"}


def profile(name: str) -> dict:
    return {
        "instance_profile_name": name,
        "instance_profile_id": f"AIPA{name.upper()}",
        "arn": f"{ARN}instance-profile/{name}",
        "path": "/",
    }


def read(role: dict, *profiles: dict) -> dict:
    """A host role as the role module returns it with its instance profiles (or as iam_role_info reads it)."""
    return {**converged(role), "instance_profiles": list(profiles)}


def value(name: str, **facts) -> object:
    return templated("iam", name, _iam_roles=ROLES, **facts)


def test_a_host_role_whose_profile_holds_it_is_published_with_that_profile_alone():
    facts = {
        # Another profile may hold the role too: the role's own is the one of its name.
        "_iam_created": {
            "roles": [
                converged(GLUE),
                read(MONITORING, profile("shared"), profile(MONITORING["name"])),
                read(KUBERNETES, profile(KUBERNETES["name"])),
            ]
        },
        "_iam_profiles_mended": {"results": [], "skipped": True},
    }
    assert value("_iam_profiles_missing", **facts) == []
    assert value("_iam_published", **facts) == {
        "glue": {**converged(GLUE), "instance_profiles": []},
        "monitoring_host": {**converged(MONITORING), "instance_profiles": [profile(MONITORING["name"])]},
        "kubernetes_host": {**converged(KUBERNETES), "instance_profiles": [profile(KUBERNETES["name"])]},
    }


def test_a_profile_made_or_mended_is_published_as_the_task_returned_it_not_as_read_before():
    facts = {
        # The kubernetes host role was taken out of its profile; the monitoring one's profile was just made, and IAM
        # did not list it yet.
        "_iam_created": {"roles": [converged(GLUE), read(MONITORING), read(KUBERNETES, profile("shared"))]},
    }
    assert [role["name"] for role in value("_iam_profiles_missing", **facts)] == [
        MONITORING["name"],
        KUBERNETES["name"],
    ]
    returned = [
        {
            "item": role,
            "changed": True,
            "iam_instance_profile": {**profile(role["name"]), "roles": [{"role_name": role["name"]}], "tags": {}},
        }
        for role in (MONITORING, KUBERNETES)
    ]
    published = value("_iam_published", **facts, _iam_profiles_mended={"results": returned})
    assert published["monitoring_host"]["instance_profiles"] == [profile(MONITORING["name"])]
    assert published["kubernetes_host"]["instance_profiles"] == [profile(KUBERNETES["name"])]


def test_in_check_mode_a_profile_to_make_has_no_arn_and_a_role_to_make_is_left_out():
    # Check mode: iam_instance_profile returns what it would make, without an ARN; a role it would create has none.
    facts = {
        "_iam_created": {
            "roles": [converged(GLUE), read(MONITORING), {"role_name": KUBERNETES["name"], "instance_profiles": []}]
        },
        "_iam_profiles_mended": {
            "results": [
                {
                    "item": MONITORING,
                    "changed": True,
                    "iam_instance_profile": {"instance_profile_name": MONITORING["name"], "path": None, "roles": []},
                },
                {
                    "item": KUBERNETES,
                    "changed": True,
                    "iam_instance_profile": {"instance_profile_name": KUBERNETES["name"], "path": None, "roles": []},
                },
            ]
        },
    }
    published = value("_iam_published", **facts)
    assert sorted(published) == ["glue", "monitoring_host"]
    assert published["monitoring_host"]["instance_profiles"] == [
        {"instance_profile_name": MONITORING["name"], "path": None}
    ]


def test_run_alone_the_roles_are_published_as_facts_yml_read_them():
    found = {"iam_roles": [read(GLUE), read(KUBERNETES, profile("shared"), profile(KUBERNETES["name"]))]}
    assert value("_iam_published", _iam_found=found) == {
        "glue": {**converged(GLUE), "instance_profiles": []},
        "kubernetes_host": {**converged(KUBERNETES), "instance_profiles": [profile(KUBERNETES["name"])]},
    }
