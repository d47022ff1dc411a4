"""The configurations of Kibana, Jaeger and the CloudWatch exporter."""

from __future__ import annotations

import pytest

from support.monitoring_render import ELASTIC_PASSWORD, env_file_values

pytestmark = pytest.mark.slow


def test_kibana_logs_in_as_kibana_system_with_the_password_from_the_environment(rendered, compose):
    settings = rendered.yaml("kibana/kibana.yml")
    assert settings["elasticsearch.hosts"] == ["http://elasticsearch:9200"]
    assert settings["elasticsearch.username"] == "kibana_system"
    assert settings["elasticsearch.password"] == "${KIBANA_SYSTEM_PASSWORD}"
    assert settings["xpack.encryptedSavedObjects.encryptionKey"] == "${KIBANA_ENCRYPTION_KEY}"
    values = env_file_values(rendered, "kibana")
    assert len(values["KIBANA_ENCRYPTION_KEY"]) >= 32
    assert values["KIBANA_SYSTEM_PASSWORD"] != ELASTIC_PASSWORD
    assert compose["services"]["kibana"]["environment"]["KIBANA_SYSTEM_PASSWORD"] == values["KIBANA_SYSTEM_PASSWORD"]


def test_jaeger_receives_otlp_on_the_published_ports(rendered, compose):
    config = rendered.yaml("jaeger/config.yaml")
    otlp = config["receivers"]["otlp"]["protocols"]
    assert otlp["grpc"]["endpoint"] == "0.0.0.0:4317"
    assert otlp["http"]["endpoint"] == "0.0.0.0:4318"
    assert "otlp" in config["service"]["pipelines"]["traces"]["receivers"]
    assert config["extensions"]["jaeger_storage"]["backends"]["memstore"]["memory"]["max_traces"] == 10000
    health_port = config["extensions"]["healthcheckv2"]["http"]["endpoint"].rsplit(":", 1)[1]
    assert f"127.0.0.1:{health_port}/" in " ".join(compose["services"]["jaeger"]["healthcheck"]["test"])


def test_the_cloudwatch_exporter_reads_s3_glue_ecs_and_ec2_of_the_platform(rendered, compose):
    config = rendered.yaml("cloudwatch-exporter/config.yml")
    assert config["region"] == "us-east-2"
    by_namespace = {}
    for metric in config["metrics"]:
        assert metric["aws_dimensions"], metric
        assert metric["aws_statistics"], metric
        by_namespace.setdefault(metric["aws_namespace"], []).append(metric)
    # Glue job metrics are published under "Glue" (AWS's namespace for them), not "AWS/Glue".
    assert set(by_namespace) == {"AWS/S3", "Glue", "AWS/ECS", "AWS/EC2"}
    for metric in by_namespace["AWS/S3"]:
        assert metric["aws_dimensions"] == ["BucketName", "StorageType"]
        assert metric["aws_dimension_select_regex"]["BucketName"] == ["dataeng-dev-.*"]
        assert metric["period_seconds"] == 86400
    assert {m["aws_metric_name"] for m in by_namespace["AWS/S3"]} == {"BucketSizeBytes", "NumberOfObjects"}
    for metric in by_namespace["Glue"]:
        assert metric["aws_dimensions"] == ["JobName", "JobRunId", "Type"]
        assert metric["aws_dimension_select"]["JobRunId"] == ["ALL"]
    for metric in by_namespace["AWS/ECS"]:
        assert metric["aws_dimension_select"]["ClusterName"] == ["dev-data-processing-cluster"]
    for metric in by_namespace["AWS/EC2"]:
        assert metric["aws_dimensions"] == ["InstanceId"]
        hosts = metric["aws_tag_select"]["tag_selections"]["Name"]
        assert hosts == ["dataeng-dev-kubernetes", "dataeng-dev-monitoring"]
    # The instance role, not keys.
    text = rendered.text("cloudwatch-exporter/config.yml")
    assert "access_key" not in text
    assert "role_arn" not in text
    environment = compose["services"]["cloudwatch-exporter"]["environment"]
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & set(environment)
