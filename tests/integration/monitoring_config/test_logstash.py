"""Logstash's pipelines, read by a parser of Logstash's grammar (tests/support/logstash_config.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.logstash_config import Bareword, LogstashSyntaxError, Plugin, parse
from support.monitoring_render import env_file_values

pytestmark = pytest.mark.slow


def test_pipelines_yml_lists_every_pipeline_file(rendered, compose):
    pipelines = rendered.yaml("logstash/pipelines.yml")
    ids = [p["pipeline.id"] for p in pipelines]
    assert ids == ["beats", "s3-access", "ecs", "system"]
    mounts = {v["target"]: v["source"] for v in compose["services"]["logstash"]["volumes"]}
    assert mounts["/usr/share/logstash/config/pipelines.yml"] == str(rendered.root / "logstash" / "pipelines.yml")
    files = set()
    for pipeline in pipelines:
        container_path = Path(pipeline["path.config"])
        host_path = Path(mounts[str(container_path.parent)]) / container_path.name
        assert host_path.is_file(), host_path
        files.add(host_path.name)
        assert pipeline["pipeline.workers"] == 1
    assert files == {p.name for p in (rendered.root / "logstash" / "pipeline").iterdir()}


def test_every_pipeline_parses_and_beats_listens_on_5044(rendered, compose):
    beats = parse(rendered.text("logstash/pipeline/beats.conf"))
    (beats_input,) = beats.plugins("input")
    assert beats_input.name == "beats"
    assert beats_input["port"] == 5044
    ports = {(int(p["published"]), int(p["target"])) for p in compose["services"]["logstash"]["ports"]}
    assert ports == {(5044, 5044)}
    # The router's outputs hand every kind of event to one of the other pipelines.
    sent_to = [address for plugin in beats.plugins("output") for address in plugin["send_to"]]
    assert all(plugin.name == "pipeline" for plugin in beats.plugins("output"))
    (router,) = beats.branches("output")
    assert router.clauses[-1][0] is None, "the last clause must catch every other event"
    addresses = {}
    for name in ("s3-access", "ecs", "system"):
        config = parse(rendered.text(f"logstash/pipeline/{name}.conf"))
        (source,) = config.plugins("input")
        assert source.name == "pipeline"
        addresses[source["address"]] = name
    assert sorted(sent_to) == sorted(addresses)


LOG_PIPELINES = [("s3-access", "s3-access"), ("ecs", "ecs-logs"), ("system", "system-logs")]


@pytest.mark.parametrize(("name", "index"), LOG_PIPELINES)
def test_each_pipeline_writes_to_elasticsearch_with_the_password_from_the_environment(rendered, compose, name, index):
    config = parse(rendered.text(f"logstash/pipeline/{name}.conf"))
    (output,) = config.plugins("output")
    assert output.name == "elasticsearch"
    (host,) = output["hosts"]
    service, port = re.fullmatch(r"http://([\w-]+):(\d+)", host).groups()
    assert service == "elasticsearch"
    assert service in compose["services"]
    assert port == "9200"
    assert output["user"] == "logstash_writer"
    assert output["password"] == "${LOGSTASH_WRITER_PASSWORD}"
    assert output["index"] == f"{index}-%{{+YYYY.MM.dd}}"
    assert output["ilm_enabled"] == Bareword("false")
    # The variable is defined for the logstash service, from its 0600 env file only.
    logstash = compose["services"]["logstash"]
    assert logstash["environment"]["LOGSTASH_WRITER_PASSWORD"]
    from_file = env_file_values(rendered, "logstash")["LOGSTASH_WRITER_PASSWORD"]
    assert logstash["environment"]["LOGSTASH_WRITER_PASSWORD"] == from_file
    assert not re.search(r"password\s*=>\s*\"(?!\$\{)", rendered.text(f"logstash/pipeline/{name}.conf"))


def test_the_pipelines_parse_their_logs(rendered):
    s3 = parse(rendered.text("logstash/pipeline/s3-access.conf"))
    grok = next(p for p in s3.plugins("filter") if p.name == "grok")
    assert grok["match"] == {"message": "%{S3_ACCESS_LOG}"}
    system = parse(rendered.text("logstash/pipeline/system.conf"))
    assert {p.name for p in system.plugins("filter")} >= {"grok", "date"}
    ecs = parse(rendered.text("logstash/pipeline/ecs.conf"))
    json_filter = next(p for p in ecs.plugins("filter") if p.name == "json")
    assert json_filter["source"] == "message"


def test_the_logstash_parser_rejects_broken_configurations():
    good = parse('input { beats { port => 5044 codec => json { charset => "UTF-8" } } } # done')
    (beats,) = good.plugins("input")
    assert isinstance(beats["codec"], Plugin)
    assert beats["codec"]["charset"] == "UTF-8"
    for broken in (
        "input { beats { port => 5044 }",  # unclosed section
        "input { beats { port => } }",  # missing value
        "inputs { beats {} }",  # unknown section
        'output { elasticsearch { hosts => ["a" "b"] } }',  # array without comma
        "filter { if [a] == { drop {} } }",  # condition without right-hand side
        'filter { mutate { add_field => { "a" => "b" } }',  # unclosed section after a hash
        "",
    ):
        with pytest.raises(LogstashSyntaxError):
            parse(broken)
