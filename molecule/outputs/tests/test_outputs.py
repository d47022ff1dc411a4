"""The outputs role leaves a private JSON file that says where the platform is."""

import json
import os


def outputs_file(host):
    return host.file(os.environ["PLATFORM_OUTPUTS_FILE"])


def test_outputs_are_written_for_the_owner_only(host):
    written = outputs_file(host)
    assert written.is_file
    assert written.mode == 0o600


def test_outputs_name_the_account_region_and_environment(host, aws):
    outputs = json.loads(outputs_file(host).content_string)
    assert outputs["account_id"] == aws.sts.get_caller_identity()["Account"]
    assert outputs["region"] == "us-east-2"
    assert outputs["environment"] == "local"
    assert outputs["aws_endpoint"] == aws.endpoint


def test_outputs_hold_no_credentials_and_name_secrets_only(host):
    content = outputs_file(host).content_string
    assert "testing" not in content, "the emulator's access key pair must not be written"
    outputs = json.loads(content)
    assert outputs["secret_names"] == {
        name: f"dataeng-local/{name}" for name in ("mysql", "redis", "grafana", "argocd", "app")
    }
