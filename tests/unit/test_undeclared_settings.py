"""The check of undeclared settings (plugins/action/undeclared_settings.py): which names it reports, what it says, and
that nothing the collection itself sets or ships trips it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.dataeng.platform.plugins.action import undeclared_settings as check

REPO = Path(__file__).resolve().parents[2]
COMMON_VARS = yaml.safe_load((REPO / "roles" / "common" / "vars" / "main.yml").read_text())
DECLARED, ROLES = check.declared_settings(REPO / "roles")
PREFIXES = check.setting_prefixes(ROLES)
# What the action adds to the published facts it is given (every role publishes platform_<role>).
PUBLISHED = {*COMMON_VARS["_common_published_facts"], *(f"platform_{role}" for role in ROLES)}
RETIRED = COMMON_VARS["_common_retired_settings"]


def reported(*names: str, allowed: tuple[str, ...] = ()) -> list[str]:
    return check.undeclared(names, DECLARED, PREFIXES, PUBLISHED, list(allowed))


def test_the_roles_dir_the_action_reads_is_the_collections():
    assert check.ROLES_DIR == REPO / "roles"
    assert {"common", "ecs", "monitoring"} <= set(ROLES)


def test_an_invented_and_a_mistyped_setting_of_a_role_are_reported():
    assert reported("ecs_task_cpu", "network_vpc_cdir", "ecs_data_processing_cpu") == [
        "ecs_task_cpu",
        "network_vpc_cdir",
    ]


def test_a_mistyped_shared_setting_is_reported():
    assert reported("platform_tag") == ["platform_tag"]


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("network_vpc_cdir", "network_vpc_cidr"),
        ("data_lake_encription", "data_lake_encryption"),
        ("monitoring_grafana_pasword", "monitoring_grafana_admin_password"),
        ("platform_suffix", "platform_bucket_suffix"),
        ("glue_workers", "glue_worker_type"),
        ("security_groups_web_cidr", "security_groups_web_cidrs"),
        ("platform_owner", None),
        ("docker_packages", None),
    ],
)
def test_the_guess_is_the_closest_setting_of_the_same_role(name, meant):
    assert check.suggestion(name, DECLARED, PREFIXES) == meant


@pytest.mark.parametrize(
    "name",
    [
        "platform_env",  # common, main
        "admin_cidrs",  # common, main, without the platform_ prefix
        "common_lane_roles",  # common, lane entry point
        "common_login_secret_name",  # common, login_secret entry point
        "glue_run_wait",  # glue, run entry point
        "minikube_start",  # a host role
        "outputs_file",
        "platform_undeclared_settings_allowed",
    ],
)
def test_a_setting_of_any_entry_point_of_any_role_passes(name):
    assert reported(name) == []


@pytest.mark.parametrize(
    "name",
    ["platform_network", "platform_ecs", "platform_glue", "platform_aws_account_id", "data_lake_bucket_policies"],
)
def test_the_facts_the_roles_publish_are_no_settings(name):
    assert reported(name) == []


@pytest.mark.parametrize(
    "name",
    [
        "_ecs_task_definitions",  # internal
        "ansible_connection",
        "ansible_facts",
        "aws_region",  # declared, and not a prefix the check looks at
        "confirm_destroy",  # destroy.yml's confirmation, no role's
        "destroy_data",
        "molecule_emulator",
        "inventory_hostname",
        "groups",
    ],
)
def test_internal_ansible_and_other_names_are_not_looked_at(name):
    assert reported(name) == []


def test_allowed_names_and_patterns_pass():
    names = ("docker_packages", "docker_edition", "ecs_task_cpu", "platform_owner")
    assert reported(*names, allowed=("docker_*", "platform_owner")) == ["ecs_task_cpu"]


def test_the_message_names_each_variable_with_the_closest_setting_and_how_to_go_on():
    message = check.message(["ecs_data_procesing_cpu", "platform_tag", "platform_owner"], DECLARED, PREFIXES, RETIRED)
    assert "the run would ignore them: ecs_data_procesing_cpu (did you mean ecs_data_processing_cpu?)" in message
    assert "platform_tag (did you mean platform_tags?)" in message
    # Nothing close (not platform_env, however alike the whole names look): named, without a guess.
    assert "; platform_owner." in message
    assert "Nothing was changed" in message
    assert "ansible-doc -t role dataeng.platform.<role>" in message
    assert "platform_undeclared_settings_allowed" in message


def test_the_issues_example_gets_a_cpu_setting_of_the_ecs_role():
    message = check.message(["ecs_task_cpu"], DECLARED, PREFIXES, RETIRED)
    assert "ecs_task_cpu (did you mean ecs_spark_job_cpu?)" in message


def test_a_retired_setting_says_what_replaces_it():
    message = check.message(["network_nat_gateway_enabled"], DECLARED, PREFIXES, RETIRED)
    assert message.startswith(
        "network_nat_gateway_enabled is gone: set network_private_egress to nat_gateway (what true did)"
    )
    assert "did you mean" not in message


def test_retired_settings_are_declared_by_no_role():
    assert set(RETIRED) & DECLARED == set()
    assert reported(*RETIRED) == sorted(RETIRED)


def _task_lists(tasks):
    for task in tasks or []:
        yield task
        for section in ("block", "rescue", "always"):
            yield from _task_lists(task.get(section))


def _set_names(task: dict) -> set[str]:
    """The variables a task sets for the host beyond itself: set_fact's keys and add_host's host variables."""
    names = set()
    for action in ("ansible.builtin.set_fact", "ansible.builtin.add_host"):
        names.update(name for name in task.get(action) or {} if name != "cacheable")
    if task.get("register"):
        names.add(task["register"])
    return names


def test_every_fact_the_roles_set_is_declared_or_published():
    """A role or playbook that starts publishing a fact named like a setting must add it to _common_published_facts,
    or a later play's check (outputs.yml after site.yml) would take it for an undeclared setting."""
    task_lists = [yaml.safe_load(task_file.read_text()) for task_file in REPO.glob("roles/*/tasks/*.yml")]
    for playbook in REPO.glob("playbooks/*.yml"):
        for play in yaml.safe_load(playbook.read_text()):
            task_lists += [play.get(section) for section in ("pre_tasks", "tasks", "post_tasks")]
    set_names = set()
    for tasks in task_lists:
        for task in _task_lists(tasks):
            set_names |= {name for name in _set_names(task) if "{{" not in name}
    assert set_names, "no set_fact found: the walk above is broken"
    assert reported(*set_names) == []
    # Every published fact is really set somewhere (lanes_published.yml sets the platform_<role> ones by name).
    assert set(COMMON_VARS["_common_published_facts"]) <= set_names


def _inventory_variables():
    for path in sorted(REPO.glob("inventories/*/group_vars/*.yml")) + sorted(REPO.glob("molecule/**/*_vars/*.yml")):
        for name in yaml.safe_load(path.read_text()) or {}:
            yield pytest.param(name, id=f"{path.relative_to(REPO)}:{name}")


@pytest.mark.parametrize("name", list(_inventory_variables()))
def test_no_variable_the_shipped_inventories_set_trips_the_check(name):
    assert reported(name) == []
