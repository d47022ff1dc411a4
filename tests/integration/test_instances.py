"""The hosts survive Debian publishing a newer AMI: a rerun finds them by their tags, not by their image."""

from __future__ import annotations

import pytest

from support.aws import Aws
from support.emulator import running_emulator

pytestmark = pytest.mark.slow

# The hosts and only what they stand on: the network, their security groups and instance profiles.
HOSTS_CONVERGE = ("playbooks/cloud.yml", "-i", "inventories/local", "--tags", "network,security_groups,iam,instances")
# A Debian 13 release the emulator lists but has not published yet (tools/emulator_amis.json: state disabled).
NEXT_DEBIAN_AMI = "ami-0c3e5a7f9b2d41e68"


def hosts(aws: Aws) -> dict[str, dict[str, str]]:
    """Every instance not terminated, by id: its Role tag and image."""
    reservations = aws.ec2.describe_instances(
        Filters=[{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    )["Reservations"]
    return {
        host["InstanceId"]: {
            "role": {tag["Key"]: tag["Value"] for tag in host.get("Tags", [])}.get("Role", ""),
            "image": host["ImageId"],
        }
        for reservation in reservations
        for host in reservation["Instances"]
    }


def test_a_newer_ami_keeps_the_running_hosts_and_says_how_to_move_to_it(playbook, tmp_path):
    with running_emulator(tmp_path / "emulator") as emulator:
        env = playbook.environment(**emulator.environment())
        aws = Aws(emulator)
        converge = playbook.run(*HOSTS_CONVERGE, env=env)
        assert converge.returncode == 0, converge.output[-3000:]
        launched = hosts(aws)
        aws.ec2.enable_image(ImageId=NEXT_DEBIAN_AMI)

        rerun = playbook.run(*HOSTS_CONVERGE, env=env)
        kept = hosts(aws)

    assert sorted(host["role"] for host in launched.values()) == ["kubernetes", "monitoring"]
    assert rerun.returncode == 0, rerun.output[-3000:]
    assert kept == launched, "the rerun launched or replaced hosts"
    assert rerun.totals()["changed"] == 0, rerun.output[-3000:]
    said = " ".join(rerun.output.split())
    for instance_id, host in launched.items():
        assert (
            f"A newer image exists: the {host['role']} host {instance_id} runs {host['image']}, "
            f"while a host launched now would get {NEXT_DEBIAN_AMI} (debian-13-amd64-20261201-2310"
        ) in said, rerun.output[-3000:]
        assert f"instances_ami_id: {host['image']}" in said
