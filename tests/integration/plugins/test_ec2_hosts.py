"""The ec2_hosts inventory plugin as Ansible runs it, against the emulator: the instances its filters match become
hosts named by `hostnames`, grouped by `keyed_groups` and `groups`, with their attributes, `ec2_tags` and what
`compose` makes as variables; Ansible says nothing about it (no deprecation, no variable with a reserved name)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

import emulator as launcher
from support.aws import Aws

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
# Not AWS_ENDPOINT_URL, which boto3 reads by itself: the requests reach the emulator only if the plugin renders the
# endpoint_url template, lookup included.
ENDPOINT_VARIABLE = "EC2_HOSTS_TEST_ENDPOINT"


def inventory_file(run: str) -> dict:
    return {
        "plugin": "dataeng.platform.ec2_hosts",
        "regions": ["us-east-2"],
        "endpoint_url": f"{{{{ lookup('ansible.builtin.env', '{ENDPOINT_VARIABLE}') }}}}",
        "access_key": "{{ 'test' ~ 'ing' }}",
        "secret_key": "testing",
        "filters": {"tag:Run": run, "tag:Environment": ["{{ 'it' }}", "qa"], "instance-state-name": "running"},
        "hostnames": ["tag:Name", "instance-id"],
        "keyed_groups": [
            {"key": "ec2_tags.Role", "prefix": "", "separator": ""},
            {"key": "instance_type | replace('.', '_')", "prefix": "type"},
        ],
        "groups": {"platform_hosts": "'Role' in ec2_tags"},
        "compose": {"ansible_host": "public_ip_address | default(private_ip_address, true)"},
        "strict": True,
    }


def launch(aws: Aws, tags: dict) -> dict:
    image = aws.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    (instance,) = aws.ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}
        ],
    )["Instances"]
    return aws.ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"][0]


def ansible(command: str, arguments: list[str], emulator: launcher.EmulatorState) -> subprocess.CompletedProcess:
    """An Ansible command run as a user runs it from the repository (its ansible.cfg, the collection through
    .collections), pointed at the emulator by the inventory file only."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "ANSIBLE_", "EMULATOR_"))}
    env.update(
        {
            ENDPOINT_VARIABLE: emulator.endpoint,
            "AWS_CA_BUNDLE": emulator.ca_bundle,
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return subprocess.run(
        [str(BIN / command), *arguments], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def plain(value):
    """A value of ansible-inventory's JSON without the marks it puts on values from the source."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def assert_quiet(completed: subprocess.CompletedProcess) -> None:
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "DEPRECATION" not in output
    assert "reserved name" not in output
    assert "[WARNING]" not in completed.stderr, completed.stderr


@pytest.fixture(scope="module")
def instances(aws_emulator):
    """Two instances the inventory finds (one without a Name tag), one of another environment it leaves out."""
    aws = Aws(aws_emulator)
    run = uuid.uuid4().hex[:8]
    found = {
        "monitoring": launch(
            aws, {"Run": run, "Environment": "it", "Name": f"it-{run}-monitoring", "Role": "monitoring"}
        ),
        "kubernetes": launch(aws, {"Run": run, "Environment": "qa", "Role": "kubernetes"}),
        "other": launch(aws, {"Run": run, "Environment": "prod", "Name": f"it-{run}-other", "Role": "monitoring"}),
    }
    yield run, found
    aws.ec2.terminate_instances(InstanceIds=[instance["InstanceId"] for instance in found.values()])


@pytest.fixture(scope="module")
def listed(instances, aws_emulator, tmp_path_factory):
    run = instances[0]
    path = tmp_path_factory.mktemp("inventory") / "it.ec2_hosts.yml"
    path.write_text(yaml.safe_dump(inventory_file(run), sort_keys=False))
    completed = ansible("ansible-inventory", ["-i", str(path), "--list"], aws_emulator)
    return path, completed


def test_the_matching_instances_are_the_hosts_named_by_hostnames_in_their_groups(instances, listed):
    run, found = instances
    completed = listed[1]
    assert completed.returncode == 0, completed.stderr
    inventory = json.loads(completed.stdout)
    monitoring, kubernetes = f"it-{run}-monitoring", found["kubernetes"]["InstanceId"]
    assert set(inventory["_meta"]["hostvars"]) == {monitoring, kubernetes}
    assert inventory["monitoring"]["hosts"] == [monitoring]
    assert inventory["kubernetes"]["hosts"] == [kubernetes]
    assert sorted(inventory["platform_hosts"]["hosts"]) == sorted([monitoring, kubernetes])
    assert sorted(inventory["type_t3_micro"]["hosts"]) == sorted([monitoring, kubernetes])
    assert f"it-{run}-other" not in json.dumps(inventory)


def test_the_host_variables_are_the_instances_attributes_with_ec2_tags_and_the_composed_ones(instances, listed):
    run, found = instances
    completed = listed[1]
    hostvars = plain(json.loads(completed.stdout)["_meta"]["hostvars"])
    for name, described in [
        (f"it-{run}-monitoring", found["monitoring"]),
        (found["kubernetes"]["InstanceId"], found["kubernetes"]),
    ]:
        variables = hostvars[name]
        assert variables["ec2_tags"] == {tag["Key"]: tag["Value"] for tag in described["Tags"]}
        assert "tags" not in variables
        assert variables["instance_id"] == described["InstanceId"]
        assert variables["private_ip_address"] == described["PrivateIpAddress"]
        assert variables["state"]["name"] == "running"
        assert variables["placement"]["region"] == "us-east-2"
        assert variables["placement"]["availability_zone"] == described["Placement"]["AvailabilityZone"]
        assert variables["ansible_host"] == (described.get("PublicIpAddress") or described["PrivateIpAddress"])


def test_ansible_says_nothing_about_the_inventory(listed):
    completed = listed[1]
    assert_quiet(completed)


def test_the_hosts_variables_reach_a_play_without_a_reserved_name_warning(instances, listed, aws_emulator):
    """ansible-inventory does not check variable names; a run does (on every host's variables)."""
    run, found = instances
    path = listed[0]
    completed = ansible(
        "ansible",
        ["platform_hosts", "-i", str(path), "-m", "ansible.builtin.debug", "-a", "var=ec2_tags"],
        aws_emulator,
    )
    assert_quiet(completed)
    hosts = json.loads(completed.stdout)["plays"][0]["tasks"][0]["hosts"]
    assert plain(hosts[f"it-{run}-monitoring"]["ec2_tags"])["Role"] == "monitoring"
    assert plain(hosts[found["kubernetes"]["InstanceId"]]["ec2_tags"])["Role"] == "kubernetes"


def test_with_the_cache_on_a_second_run_reads_no_api_until_the_cache_is_flushed(instances, aws_emulator, tmp_path):
    run = instances[0]
    settings = {
        **inventory_file(run),
        "cache": True,
        "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(tmp_path / "cache"),
    }
    path = tmp_path / "cached.ec2_hosts.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    first = ansible("ansible-inventory", ["-i", str(path), "--list"], aws_emulator)
    assert_quiet(first)

    # The same inventory with an endpoint nobody answers on: the hosts come from the cache.
    gone = dataclasses.replace(aws_emulator, port=launcher.free_port())
    cached = ansible("ansible-inventory", ["-i", str(path), "--list"], gone)
    assert_quiet(cached)
    assert json.loads(cached.stdout) == json.loads(first.stdout)

    flushed = ansible("ansible-inventory", ["-i", str(path), "--list", "--flush-cache"], gone)
    assert "DescribeInstances in us-east-2 failed" in flushed.stderr
    assert f"it-{run}-monitoring" not in flushed.stdout
