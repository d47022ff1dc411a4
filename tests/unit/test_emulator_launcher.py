"""The launcher's logic that needs no running emulator."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest
import yaml

import emulator


def test_a_bound_port_is_reported_by_address():
    with socket.socket() as sock:
        sock.bind((emulator.DEFAULT_HOST, 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(emulator.PortInUseError, match=rf"127\.0\.0\.1:{port} is already in use"):
            emulator.ensure_port_free(emulator.DEFAULT_HOST, port)


def test_refuses_to_bind_beyond_loopback(tmp_path):
    with pytest.raises(emulator.EmulatorError, match="loopback only"):
        emulator.start(tmp_path, port=0, host="0.0.0.0")
    assert not (tmp_path / emulator.STATE_FILE).exists()


def test_environment_points_boto3_at_the_endpoint():
    state = emulator.EmulatorState(pid=1, host="127.0.0.1", port=5123, log_file="/dev/null", ca_bundle="/x/ca.pem")
    env = state.environment(region="eu-west-1")
    assert env["AWS_ENDPOINT_URL"] == "https://127.0.0.1:5123"
    assert env["AWS_CA_BUNDLE"] == "/x/ca.pem"
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_ACCESS_KEY_ID"]
    assert env["AWS_SECRET_ACCESS_KEY"]


def test_a_record_of_a_process_that_is_not_the_emulator_is_dropped(tmp_path):
    other = subprocess.Popen(["sleep", "30"])
    try:
        record = {"pid": other.pid, "host": "127.0.0.1", "port": 5999, "log_file": "x", "ca_bundle": "x"}
        (tmp_path / emulator.STATE_FILE).write_text(json.dumps(record))
        assert emulator.running_state(tmp_path) is None
        assert not (tmp_path / emulator.STATE_FILE).exists()
        assert emulator.stop(tmp_path) is None
        assert other.poll() is None, "stop() must never signal a process that is not the emulator"
    finally:
        other.kill()
        other.wait()


def test_cli_reports_no_emulator_with_its_own_exit_code(tmp_path, capsys):
    assert emulator.main(["status", "--state-dir", str(tmp_path)]) == 3
    assert "no emulator is running" in capsys.readouterr().err


def test_the_exported_region_is_the_local_inventorys():
    with emulator.LOCAL_INVENTORY_VARS.open() as group_vars:
        assert emulator.local_region() == yaml.safe_load(group_vars)["aws_region"]


def test_group_vars_without_a_region_say_to_name_one(tmp_path):
    group_vars = tmp_path / "all.yml"
    group_vars.write_text("platform_env: local\n# aws_region: eu-west-1\n")
    with pytest.raises(emulator.EmulatorError, match="sets no aws_region: name the region with --region"):
        emulator.local_region(group_vars)
