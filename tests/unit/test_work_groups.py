"""`make integration`'s split of the tests between processes (support/work_groups.py)."""

from __future__ import annotations

import pytest

from support import work_groups

INTEGRATION = "tests/integration"


@pytest.mark.parametrize(
    ("nodeid", "group"),
    [
        (f"{INTEGRATION}/test_account.py::test_the_inventory_holds_every_value_the_converge_set", "converges"),
        (f"{INTEGRATION}/test_resilience.py::test_x[faulted]", "converges"),
        (f"{INTEGRATION}/test_site.py::test_destroy_keeps_the_data_unless_told_then_leaves_nothing", "docker"),
        (f"{INTEGRATION}/test_testhost.py::test_x", "docker"),
        (f"{INTEGRATION}/test_molecule.py::test_scenario[monitoring]", "docker"),
        (f"{INTEGRATION}/test_molecule.py::test_scenario[minikube]", "docker"),
        (f"{INTEGRATION}/test_molecule.py::test_scenario[iam]", f"{INTEGRATION}/test_molecule.py::test_scenario[iam]"),
        (f"{INTEGRATION}/awx/test_render.py::test_x", f"{INTEGRATION}/awx"),
        (f"{INTEGRATION}/monitoring_config/test_grafana.py::test_x[a]", f"{INTEGRATION}/monitoring_config"),
        (f"{INTEGRATION}/plugins/test_s3_objects.py::test_x", f"{INTEGRATION}/plugins/test_s3_objects.py"),
        (f"{INTEGRATION}/test_preflight.py::test_x[bad]", f"{INTEGRATION}/test_preflight.py"),
    ],
)
def test_a_test_runs_with_what_it_shares(nodeid, group):
    assert work_groups.of(nodeid) == group


def test_only_the_host_roles_scenarios_run_on_test_hosts():
    scenarios = sorted(path.parent.name for path in (work_groups.REPO / "molecule").glob("*/molecule.yml"))
    assert [scenario for scenario in scenarios if work_groups.on_test_hosts(scenario)] == [
        "docker",
        "minikube",
        "monitoring",
    ]
