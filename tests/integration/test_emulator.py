"""The launcher against a real moto server: it starts, answers, stops, and says why it cannot."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from certifi import where as certifi_bundle

import emulator
from support.emulator import RequestRecording, client


@pytest.fixture
def state_dir(tmp_path):
    yield tmp_path
    emulator.stop(tmp_path)


def test_starts_answers_and_stops(state_dir):
    state = emulator.start(state_dir, port=0)
    assert emulator.answers(state.endpoint, state.ca_bundle)
    identity = client(state, "sts").get_caller_identity()
    assert re.fullmatch(r"\d{12}", identity["Account"])
    assert emulator.read_state(state_dir) == state

    stopped = emulator.stop(state_dir)

    assert stopped == state
    assert not emulator.answers(state.endpoint, state.ca_bundle)
    assert not emulator.pid_is_emulator(state.pid)
    assert emulator.read_state(state_dir) is None


def test_speaks_tls_with_a_certificate_of_its_own(state_dir):
    state = emulator.start(state_dir, port=0)
    assert state.endpoint.startswith("https://")
    # Verified against its own certificate, and only that one: the system's CAs do not know it.
    assert emulator.answers(state.endpoint, state.ca_bundle)
    assert not emulator.answers(state.endpoint, certifi_bundle())
    assert oct(os.stat(state_dir / emulator.KEY_FILE).st_mode & 0o777) == "0o600"


def test_start_again_returns_the_running_emulator(state_dir):
    first = emulator.start(state_dir, port=0)
    assert emulator.start(state_dir, port=0) == first
    assert emulator.start(state_dir, port=first.port) == first
    with pytest.raises(emulator.EmulatorError, match=f"already runs on port {first.port}"):
        emulator.start(state_dir, port=emulator.free_port())


def test_any_free_port_chooses_again_when_the_chosen_port_is_taken_meanwhile(state_dir, monkeypatch):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        choices = iter([taken, emulator.free_port()])
        monkeypatch.setattr(emulator, "free_port", lambda host: next(choices))

        state = emulator.start(state_dir, port=0)
        assert state.port != taken
        assert emulator.answers(state.endpoint, state.ca_bundle)


def test_a_taken_port_fails_fast_with_a_clear_error(state_dir):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]

        started = time.monotonic()
        with pytest.raises(emulator.PortInUseError, match=f"127.0.0.1:{port} is already in use"):
            emulator.start(state_dir, port=port)
        assert time.monotonic() - started < 2

        cli = subprocess.run(
            [sys.executable, emulator.__file__, "start", "--port", str(port), "--state-dir", str(state_dir)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert cli.returncode == 2
    assert f"127.0.0.1:{port} is already in use" in cli.stderr
    assert "Traceback" not in cli.stderr
    assert emulator.read_state(state_dir) is None


def test_cli_start_env_status_stop(state_dir):
    def cli(*args):
        return subprocess.run(
            [sys.executable, emulator.__file__, *args, "--state-dir", str(state_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    started = cli("start", "--port", "0")
    assert started.returncode == 0, started.stderr
    state = emulator.read_state(state_dir)
    assert f"answering at {state.endpoint}" in started.stdout

    exports = cli("env").stdout.splitlines()
    assert f"export AWS_ENDPOINT_URL={state.endpoint}" in exports
    assert f"export AWS_CA_BUNDLE={state.ca_bundle}" in exports
    # What the README shows: `eval $(tools/emulator.py env)`, then the virtualenv's AWS CLI, no --region needed.
    exported = dict(line.removeprefix("export ").split("=", 1) for line in exports)
    aws = subprocess.run(
        [str(Path(sys.executable).parent / "aws"), "ec2", "describe-availability-zones"]
        + ["--query", "AvailabilityZones[0].RegionName", "--output", "text"],
        env={"PATH": os.environ["PATH"], "HOME": str(state_dir), **exported},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert aws.returncode == 0, aws.stderr
    assert aws.stdout.strip() == emulator.local_region()
    assert "answering" in cli("status").stdout

    # The emulator runs in its own session: it outlived the CLI process that started it.
    assert emulator.answers(state.endpoint, state.ca_bundle)
    assert cli("stop").returncode == 0
    assert not emulator.answers(state.endpoint, state.ca_bundle)
    assert cli("status").returncode == 3


def test_its_recorder_counts_each_request_by_service_and_operation(aws_emulator):
    """What `make bench` counts with: every request since the last restart, and nothing before it."""
    ec2, s3 = client(aws_emulator, "ec2"), client(aws_emulator, "s3")
    recording = RequestRecording(aws_emulator)
    ec2.describe_vpcs()
    recording.restart()
    try:
        ec2.describe_vpcs()
        ec2.describe_subnets()
        ec2.describe_subnets()
        s3.list_buckets()
    finally:
        recording.stop()
    ec2.describe_vpcs()
    assert recording.counts() == {("ec2", "DescribeVpcs"): 1, ("ec2", "DescribeSubnets"): 2, ("s3", "GET bucket"): 1}
    # The launcher points the recorder into the emulator's state directory, not wherever it was started from.
    assert (Path(aws_emulator.log_file).parent / emulator.RECORDING_FILE).stat().st_size > 0


def test_with_an_iam_policy_it_accepts_only_what_its_one_user_may_do(state_dir):
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
    }
    state = emulator.start(state_dir, port=0, iam_policy=json.dumps(policy))
    assert emulator.read_state(state_dir) == state
    env = state.environment()
    assert env["EMULATOR_ACCESS_KEY_ID"] == env["AWS_ACCESS_KEY_ID"] != emulator.DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"]
    user = {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }

    def as_user(service: str):
        return boto3.client(
            service, region_name="us-east-2", endpoint_url=state.endpoint, verify=state.ca_bundle, **user
        )

    as_user("s3").list_buckets()
    with pytest.raises(ClientError, match="not authorized to perform: ec2:DescribeVpcs"):
        as_user("ec2").describe_vpcs()
    with pytest.raises(ClientError, match="InvalidClientTokenId"):
        client(state, "iam").list_users()  # the dummy keys belong to nobody now

    emulator.set_authorization(state, enforced=False)
    assert client(state, "ec2").describe_vpcs()["Vpcs"]


SNAPSHOT_POLICY = {
    "PolicyType": "EBS_SNAPSHOT_MANAGEMENT",
    "ResourceTypes": ["VOLUME"],
    "TargetTags": [{"Key": "Snapshots", "Value": "daily"}],
    "Schedules": [
        {
            "Name": "daily",
            "CopyTags": True,
            "CreateRule": {"Interval": 24, "IntervalUnit": "HOURS", "Times": ["03:00"]},
            "RetainRule": {"Count": 7},
        }
    ],
}


def test_it_answers_data_lifecycle_manager_as_the_dlm_api_reference_does(aws_emulator):
    """moto has no DLM: tools/moto_dlm.py adds it, with DLM's ids, ARNs, filters, tags and errors."""
    dlm = client(aws_emulator, "dlm")
    role = "arn:aws:iam::123456789012:role/snapshots"
    policy_id = dlm.create_lifecycle_policy(
        ExecutionRoleArn=role, Description="hosts", State="ENABLED", PolicyDetails=SNAPSHOT_POLICY, Tags={"a": "1"}
    )["PolicyId"]
    assert re.fullmatch(r"policy-[0-9a-f]{17}", policy_id)

    policy = dlm.get_lifecycle_policy(PolicyId=policy_id)["Policy"]
    account = client(aws_emulator, "sts").get_caller_identity()["Account"]
    assert policy["PolicyArn"] == f"arn:aws:dlm:us-east-2:{account}:policy/{policy_id}"
    assert (policy["ExecutionRoleArn"], policy["State"], policy["PolicyDetails"]) == (role, "ENABLED", SNAPSHOT_POLICY)
    assert [p["PolicyId"] for p in dlm.get_lifecycle_policies(TargetTags=["Snapshots=daily"])["Policies"]] == [
        policy_id
    ]
    assert dlm.get_lifecycle_policies(TargetTags=["Snapshots=weekly"])["Policies"] == []

    dlm.update_lifecycle_policy(PolicyId=policy_id, State="DISABLED")
    dlm.tag_resource(ResourceArn=policy["PolicyArn"], Tags={"b": "2"})
    dlm.untag_resource(ResourceArn=policy["PolicyArn"], TagKeys=["a"])
    assert dlm.get_lifecycle_policy(PolicyId=policy_id)["Policy"]["State"] == "DISABLED"
    assert dlm.list_tags_for_resource(ResourceArn=policy["PolicyArn"])["Tags"] == {"b": "2"}

    dlm.delete_lifecycle_policy(PolicyId=policy_id)
    for gone in (
        lambda: dlm.get_lifecycle_policy(PolicyId=policy_id),
        lambda: dlm.delete_lifecycle_policy(PolicyId=policy_id),
        lambda: dlm.list_tags_for_resource(ResourceArn=policy["PolicyArn"]),
    ):
        with pytest.raises(ClientError) as error:
            gone()
        assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize(
    ("request_change", "message"),
    [
        ({"ExecutionRoleArn": None}, "Missing required parameters: ExecutionRoleArn"),
        (
            {
                "Schedules": [
                    {**SNAPSHOT_POLICY["Schedules"][0], "CreateRule": {"Interval": 5, "IntervalUnit": "HOURS"}}
                ]
            },
            "Interval must be one of",
        ),
        (
            {"Schedules": [{**SNAPSHOT_POLICY["Schedules"][0], "RetainRule": {"Count": 1001}}]},
            "Count must be between 1 and 1000",
        ),
        ({"TargetTags": []}, "TargetTags is required"),
    ],
)
def test_its_dlm_refuses_what_dlm_refuses(aws_emulator, request_change, message):
    # botocore checks required parameters itself: unchecked, the request reaches the emulator as a raw call would.
    dlm = boto3.client(
        "dlm",
        region_name="us-east-2",
        endpoint_url=aws_emulator.endpoint,
        verify=aws_emulator.ca_bundle,
        config=Config(parameter_validation=False),
        **{key.lower(): value for key, value in emulator.DUMMY_CREDENTIALS.items()},
    )
    request = {
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/snapshots",
        "Description": "hosts",
        "State": "ENABLED",
    }
    details = dict(SNAPSHOT_POLICY)
    for key, value in request_change.items():
        (request if key in request else details)[key] = value
    with pytest.raises(ClientError, match=message) as error:
        dlm.create_lifecycle_policy(**{key: value for key, value in request.items() if value}, PolicyDetails=details)
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"


def test_a_volume_made_from_no_snapshot_has_the_empty_snapshot_id_aws_gives_it(aws_emulator):
    """amazon.aws.ec2_vol_info reads SnapshotId of every volume; moto would leave it out."""
    ec2 = client(aws_emulator, "ec2")
    volume_id = ec2.create_volume(Size=8, AvailabilityZone="us-east-2a")["VolumeId"]
    assert ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]["SnapshotId"] == ""
