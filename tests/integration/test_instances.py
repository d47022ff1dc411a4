"""The hosts as a user changes them: a newer AMI keeps them (a rerun finds them by their tags, not by their image);
a new instance type and a larger root volume are planned by a check run, as a change of exactly those attributes,
and applied by a converge."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from support.aws import Aws
from support.emulator import running_emulator
from support.playbook import PlaybookRunner

pytestmark = pytest.mark.slow

# The hosts and only what they stand on: the network, their security groups and instance profiles.
HOSTS_CONVERGE = ("playbooks/cloud.yml", "-i", "inventories/local", "--tags", "network,security_groups,iam,instances")
# Once those exist, the instances role alone reads them (common's inputs).
INSTANCES_ONLY = ("playbooks/cloud.yml", "-i", "inventories/local", "--tags", "instances")
# A Debian 13 release the emulator lists but has not published yet (tools/emulator_amis.json: state disabled).
NEXT_DEBIAN_AMI = "ami-0c3e5a7f9b2d41e68"
# A larger Kubernetes host and larger root volumes than roles/instances/defaults/main.yml gives (t3.small, 20 GiB).
NEW_TYPE, NEW_SIZE = "t3.medium", 30
# As JSON: key=value extra vars are strings, and the size must be a number.
NEW_SETTINGS = ("-e", json.dumps({"instances_kubernetes_type": NEW_TYPE, "instances_root_volume_size": NEW_SIZE}))


@dataclass
class HostsAccount:
    aws: Aws
    env: dict[str, str]


@pytest.fixture(scope="module")
def hosts_account(repo, tmp_path_factory) -> Iterator[HostsAccount]:
    """An emulator where the hosts converged once; its tests run in order, in one process (work_groups)."""
    workdir = tmp_path_factory.mktemp("hosts")
    with running_emulator(workdir / "emulator") as emulator:
        runner = PlaybookRunner(repo, workdir)
        env = runner.environment(**emulator.environment())
        converge = runner.run(*HOSTS_CONVERGE, env=env)
        assert converge.returncode == 0, converge.output[-3000:]
        yield HostsAccount(Aws(emulator), env)


def hosts(aws: Aws) -> dict[str, dict[str, str]]:
    """Every instance not terminated, by id: its Role tag, image, type and root volume."""
    reservations = aws.ec2.describe_instances(
        Filters=[{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    )["Reservations"]
    return {
        host["InstanceId"]: {
            "role": {tag["Key"]: tag["Value"] for tag in host.get("Tags", [])}.get("Role", ""),
            "image": host["ImageId"],
            "type": host["InstanceType"],
            "root_volume": next(
                mapping["Ebs"]["VolumeId"]
                for mapping in host["BlockDeviceMappings"]
                if mapping["DeviceName"] == host["RootDeviceName"]
            ),
        }
        for reservation in reservations
        for host in reservation["Instances"]
    }


def volume_sizes(aws: Aws, volume_ids: list[str]) -> list[int]:
    return [volume["Size"] for volume in aws.ec2.describe_volumes(VolumeIds=volume_ids)["Volumes"]]


def kubernetes_id(found: dict[str, dict[str, str]]) -> str:
    return next(instance_id for instance_id, host in found.items() if host["role"] == "kubernetes")


def changed_tasks(output: str) -> dict[str, list[dict]]:
    """What a run with the JSON callback reported changed: each changed task's name, with the changes it planned
    (its own, or its loop items')."""
    document = json.loads(output[output.index("\n{") + 1 :] if not output.startswith("{") else output)
    changed: dict[str, list[dict]] = {}
    for play in document["plays"]:
        for task in play["tasks"]:
            for result in task["hosts"].values():
                items = result.get("results", [result])
                if any(item.get("changed") for item in items):
                    planned = [change for item in items if item.get("changed") for change in item.get("planned", [])]
                    # A role's task is "<role> : <name>".
                    changed.setdefault(task["task"]["name"].split(" : ")[-1], []).extend(planned)
    return changed


def test_a_newer_ami_keeps_the_running_hosts_and_says_how_to_move_to_it(playbook, hosts_account):
    launched = hosts(hosts_account.aws)
    hosts_account.aws.ec2.enable_image(ImageId=NEXT_DEBIAN_AMI)

    rerun = playbook.run(*HOSTS_CONVERGE, env=hosts_account.env)
    kept = hosts(hosts_account.aws)

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


# After the AMI test, which needs the hosts as launched; the account keeps the larger volumes (EBS never shrinks).
def test_a_check_run_plans_exactly_a_new_instance_type_and_root_volume_size_and_a_converge_applies_them(
    playbook, hosts_account
):
    before = hosts(hosts_account.aws)
    root_volumes = [host["root_volume"] for host in before.values()]
    json_env = {
        **hosts_account.env,
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
    }

    plan = playbook.run(*INSTANCES_ONLY, *NEW_SETTINGS, "--check", env=json_env)
    planned_account = (hosts(hosts_account.aws), volume_sizes(hosts_account.aws, root_volumes))
    converge = playbook.run(*INSTANCES_ONLY, *NEW_SETTINGS, env=hosts_account.env)
    after = hosts(hosts_account.aws)
    rerun = playbook.run(*INSTANCES_ONLY, *NEW_SETTINGS, env=hosts_account.env)

    assert plan.returncode == 0, plan.output[-3000:]
    assert planned_account == (before, [20, 20]), "the check run changed the account"
    changed = changed_tasks(plan.output)
    assert "Import the administrators' SSH public key" not in changed, "the unchanged key pair was planned as changed"
    # The stock modules that apply the changes say "changed" too, without what: the planned changes say what.
    assert set(changed) == {
        "Plan the hosts' instance type changes",
        "Launch the hosts",
        "Plan the growth of the hosts' root volumes",
        "Grow the hosts' root volumes in place",
    }, plan.output[-3000:]
    [type_change] = changed["Plan the hosts' instance type changes"]
    assert {key: type_change[key] for key in ("kind", "name", "action", "changes")} == {
        "kind": "instance",
        "name": "dataeng-local-kubernetes",
        "action": "update",
        "changes": [{"attribute": "instance_type", "old": "t3.small", "new": NEW_TYPE}],
    }
    assert "stops and starts the instance" in type_change["note"]
    assert "public IPv4 address" in type_change["note"]
    assert "no Elastic IP" in type_change["note"]
    volume_changes = changed["Plan the growth of the hosts' root volumes"]
    # Named as the plan names ec2_vol's own report of the change (by the volume's id), which it stands for.
    root_volume_of = {host["role"]: host["root_volume"] for host in before.values()}
    assert [(change["kind"], change["name"], change["action"], change["changes"]) for change in volume_changes] == [
        ("volume", root_volume_of[role], "update", [{"attribute": "size", "old": 20, "new": NEW_SIZE}])
        for role in ("kubernetes", "monitoring")
    ]
    for role, change in zip(("kubernetes", "monitoring"), volume_changes, strict=True):
        assert change["note"].startswith(f"the root volume of dataeng-local-{role}: ")
        assert "growpart" in change["note"]
        assert "6 hours" in change["note"]

    assert converge.returncode == 0, converge.output[-3000:]
    assert set(after) == set(before), "the converge launched or replaced hosts"
    assert after[kubernetes_id(before)]["type"] == NEW_TYPE
    assert [host["type"] for host in after.values() if host["role"] == "monitoring"] == ["t3.small"]
    assert volume_sizes(hosts_account.aws, root_volumes) == [NEW_SIZE, NEW_SIZE]
    assert rerun.returncode == 0, rerun.output[-3000:]
    assert rerun.totals()["changed"] == 0, rerun.output[-3000:]


def test_a_smaller_root_volume_stops_the_run_before_any_change_naming_the_variable(playbook, hosts_account):
    """After the growth above: EBS never shrinks a volume, and the run says so instead of ignoring it."""
    before = hosts(hosts_account.aws)

    shrink = playbook.run(*INSTANCES_ONLY, "-e", f"instances_kubernetes_type={NEW_TYPE}", env=hosts_account.env)

    assert shrink.returncode != 0
    said = " ".join(shrink.output.split())
    assert (
        f"is {NEW_SIZE} GiB gp3, and instances_root_volume_size / instances_root_volume_type ask for 20 GiB gp3" in said
    )
    assert "EBS cannot shrink a volume: set instances_root_volume_size to 30 or more" in said, shrink.output[-3000:]
    assert hosts(hosts_account.aws) == before
