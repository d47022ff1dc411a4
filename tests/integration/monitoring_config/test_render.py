"""The render itself: it writes every file with the right owner and mode, a second render
changes nothing, and bad settings stop it before anything is written."""

from __future__ import annotations

import os
import re
import stat

import pytest

from support.monitoring_render import ELASTIC_PASSWORD, render

pytestmark = pytest.mark.slow


def test_render_succeeds_and_a_second_render_changes_nothing(rendered):
    assert rendered.first.returncode == 0, rendered.first.output[-4000:]
    assert rendered.first.recap("monitoring-test")["changed"] > 0
    assert rendered.second.returncode == 0, rendered.second.output[-4000:]
    assert rendered.second.recap("monitoring-test")["changed"] == 0, rendered.second.output[-4000:]
    # Nothing is started or restarted: the config entry point only writes files, and the
    # restart handlers it notifies find no running service.
    handlers = re.findall(r"RUNNING HANDLER \[[^\]]*: (.*?)\].*?\n(\w+):", rendered.first.output)
    assert len(handlers) == 7, "each changed configuration notifies its service's restart handler"
    assert {result for _handler, result in handlers} == {"skipping"}, handlers


def test_every_file_is_owned_by_root_and_only_secrets_are_private(rendered):
    expected_uid = os.geteuid()
    for path in [rendered.root, *rendered.root.rglob("*")]:
        info = path.stat()
        assert info.st_uid == expected_uid, path
        mode = stat.S_IMODE(info.st_mode)
        relative = path.relative_to(rendered.root).as_posix()
        if path.is_dir():
            assert mode == (0o700 if relative == "secrets" else 0o755), f"{relative}: {oct(mode)}"
        elif relative.startswith("secrets/"):
            assert mode == 0o600, f"{relative}: {oct(mode)}"
        else:
            assert mode == 0o644, f"{relative}: {oct(mode)}"
    assert sorted(p.name for p in (rendered.root / "secrets").iterdir()) == [
        "elasticsearch.env",
        "grafana.env",
        "kibana.env",
        "logstash.env",
    ]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"monitoring_image_overrides": {"grafana": "grafana/grafana:latest"}}, "not pinned: grafana"),
        ({"monitoring_memory_limits": {"elasticsearch": 1024}}, "monitoring_memory_limits must give"),
        (
            {"monitoring_memory_budget": 1024},
            "adding up to at most monitoring_memory_budget (1024 MiB; they add up to 1728)",
        ),
        ({"monitoring_grafana_admin_password": "has'quote"}, "monitoring_grafana_admin_password and"),
        ({"monitoring_started_services": ["prometheus", "loki"]}, "monitoring_started_services must be"),
        ({"monitoring_started_services": ["kibana"]}, "with elasticsearch when it has logstash or kibana"),
        ({"monitoring_started_services": []}, "monitoring_started_services must be a non-empty list"),
        ({"monitoring_image_archives": ["/nonexistent/images.tar"]}, "exist on the controller (missing: /nonexistent"),
    ],
)
def test_bad_settings_stop_before_anything_is_written(playbook, tmp_path, variables, message):
    root = tmp_path / "monitoring"
    result = render(playbook, root, monitoring_elasticsearch_password=ELASTIC_PASSWORD, **variables)
    assert result.returncode != 0
    assert message in " ".join(result.output.split())
    assert not root.exists()
    assert "has'quote" not in result.output
