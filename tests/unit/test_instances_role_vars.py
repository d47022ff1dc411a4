"""What the instances role reads before it changes anything (roles/instances/vars/main.yml): whether the key pair
holds the key asked for, which volume is a host's root volume, and which read of the hosts is the last."""

from __future__ import annotations

import pytest

from support.role_vars import templated

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID69TE98ALrYIrj5wzr2SR0gCLjt0dEfzusWT6eRwFGq"
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFLp0c2iLx6bMZ0Jq9XyB5s7hT3kqgQvC1o8dE4rYw2N"


def value(name: str, **facts) -> object:
    """A role variable as Ansible templates it, given what the role's tasks registered."""
    return templated("instances", name, **{"platform_prefix": "dataeng-dev", "instances_ssh_public_key": KEY, **facts})


@pytest.mark.parametrize(
    ("found", "state"),
    [
        # None found, or none read (no public key asked for).
        ({"keypairs": []}, "absent"),
        # EC2 returns the key with a comment of its own (the key pair's name): only type and key count.
        ({"keypairs": [{"key_name": "dataeng-dev-admin", "public_key": f"{KEY} dataeng-dev-admin"}]}, "same"),
        ({"keypairs": [{"key_name": "dataeng-dev-admin", "public_key": OTHER_KEY}]}, "different"),
        ({"keypairs": [{"key_name": "dataeng-dev-admin"}]}, "unknown"),
    ],
)
def test_the_key_pair_is_replaced_only_when_it_holds_another_key(found, state):
    assert value("_instances_key_state", _instances_current=found, _instances_public_key=f"{KEY} me@laptop") == state


def test_a_hosts_root_volume_is_the_one_at_its_root_device():
    host = {
        "instance_id": "i-1",
        "tags": {"Name": "dataeng-dev-kubernetes", "Role": "kubernetes"},
        "root_device_name": "/dev/xvda",
        "block_device_mappings": [
            {"device_name": "/dev/sdf", "ebs": {"volume_id": "vol-data"}},
            {"device_name": "/dev/xvda", "ebs": {"volume_id": "vol-root"}},
        ],
    }
    volumes = {"volumes": [{"id": "vol-data", "size": 100}, {"id": "vol-root", "size": 20}]}
    facts = {"_instances_found_hosts": [host], "_instances_current": volumes}

    assert value("_instances_root_volume", item={"name": "dataeng-dev-kubernetes"}, **facts) == volumes["volumes"][1]
    assert value("_instances_root_volume", item={"name": "dataeng-dev-monitoring"}, **facts) == {}


def test_the_hosts_are_those_of_the_last_read():
    kubernetes = {"instance_id": "i-1", "tags": {"Name": "dataeng-dev-kubernetes", "Role": "kubernetes"}}
    relaunched = {**kubernetes, "public_ip_address": "203.0.113.9"}
    unmanaged = {"instance_id": "i-2", "tags": {"Name": "someone-else"}}
    first_read = {"instances": [kubernetes, unmanaged], "volumes": []}

    def hosts(**facts):
        return value("_instances_found_hosts", _instances_roles=["kubernetes", "monitoring"], **facts)

    # The launch changed nothing: facts.yml skipped its read.
    assert hosts(_instances_current=first_read, _instances_found={"skipped": True}) == [kubernetes]
    # The launch changed a host: facts.yml read the hosts again.
    assert hosts(_instances_current=first_read, _instances_found={"instances": [relaunched]}) == [relaunched]
    # destroy: only facts.yml read them.
    assert hosts(_instances_found={"instances": [relaunched, unmanaged]}) == [relaunched]


def test_the_hosts_launch_only_when_each_has_its_subnet_group_and_an_instance_profile_iam_gave_an_arn():
    hosts = [{"name": "dataeng-dev-kubernetes", "security_group": "kubernetes", "iam_role": "kubernetes_host"}]
    profile = {"instance_profile_name": "dataeng-dev-kubernetes-host"}
    inputs = {
        "_instances_hosts": hosts,
        "platform_network": {"public_subnet_ids": ["subnet-1"]},
        "platform_security_groups": {"kubernetes": "sg-1"},
    }

    def ready(*profiles):
        return value(
            "_instances_inputs_ready", **inputs, platform_iam={"kubernetes_host": {"instance_profiles": list(profiles)}}
        )

    assert ready({**profile, "arn": "arn:aws:iam::123456789012:instance-profile/dataeng-dev-kubernetes-host"}) is True
    # Check mode: a profile IAM would make, or none at all.
    assert ready(profile) is False
    assert ready() is False
    assert value("_instances_inputs_ready", **inputs, platform_iam={}) is False


PROFILE_ARN = "arn:aws:iam::123456789012:instance-profile/dataeng-dev-kubernetes-host"
KUBERNETES = {
    "role": "kubernetes",
    "name": "dataeng-dev-kubernetes",
    "type": "t3.medium",
    "security_group": "kubernetes",
    "iam_role": "kubernetes_host",
}
HOST_SETTINGS = {
    "platform_resource_tags": {"Project": "dataeng", "Environment": "dev", "ManagedBy": "ansible"},
    "instances_snapshots_enabled": True,
    "_instances_snapshots_tag": {"Snapshots": "dataeng-dev"},
    "platform_security_groups": {"kubernetes": "sg-0000000000000000k"},
    "platform_iam": {"kubernetes_host": {"instance_profiles": [{"arn": PROFILE_ARN}]}},
    "instances_metadata_hop_limit": 2,
}


def kubernetes_host(**changed) -> dict:
    """The kubernetes host as ec2_hosts_info reads it after a launch, but for `changed`."""
    return {
        "instance_id": "i-0000000000000000k",
        "state": {"code": 16, "name": "running"},
        "instance_type": "t3.medium",
        "tags": {
            "Project": "dataeng",
            "Environment": "dev",
            "ManagedBy": "ansible",
            "Role": "kubernetes",
            "Snapshots": "dataeng-dev",
            "Name": "dataeng-dev-kubernetes",
        },
        "security_groups": [{"group_id": "sg-0000000000000000k", "group_name": "dataeng-dev-kubernetes"}],
        "iam_instance_profile": {"arn": PROFILE_ARN, "id": "AIPA0000000000000000K"},
        "metadata_options": {"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 2},
        **changed,
    }


def host_as_asked(*hosts: dict) -> object:
    return value(
        "_instances_host_as_asked", item=KUBERNETES, _instances_current={"instances": list(hosts)}, **HOST_SETTINGS
    )


def test_a_host_as_ec2_instance_leaves_it_costs_no_module_run():
    assert host_as_asked(kubernetes_host()) is True
    # AWS's own tags are not the role's to purge, as ec2_instance never purges them.
    assert (
        host_as_asked(kubernetes_host(tags={**kubernetes_host()["tags"], "aws:ec2launchtemplate:id": "lt-1"})) is True
    )


@pytest.mark.parametrize(
    "hosts",
    [
        [],
        [kubernetes_host(), kubernetes_host(instance_id="i-0000000000000000d")],
        [kubernetes_host(state={"code": 80, "name": "stopped"})],
        [kubernetes_host(state={"code": 0, "name": "pending"})],
        [kubernetes_host(instance_type="t3.large")],
        [kubernetes_host(tags={**kubernetes_host()["tags"], "Owner": "someone"})],
        [kubernetes_host(tags={**kubernetes_host()["tags"], "Snapshots": "none"})],
        [kubernetes_host(security_groups=[{"group_id": "sg-0000000000000000o"}])],
        [kubernetes_host(security_groups=[{"group_id": "sg-0000000000000000k"}, {"group_id": "sg-0000000000000000o"}])],
        [kubernetes_host(iam_instance_profile={"arn": PROFILE_ARN + "-old"})],
        [{key: v for key, v in kubernetes_host().items() if key != "iam_instance_profile"}],
        [
            kubernetes_host(
                metadata_options={
                    "http_endpoint": "enabled",
                    "http_tokens": "optional",
                    "http_put_response_hop_limit": 2,
                }
            )
        ],
        [
            kubernetes_host(
                metadata_options={
                    "http_endpoint": "enabled",
                    "http_tokens": "required",
                    "http_put_response_hop_limit": 1,
                }
            )
        ],
    ],
    ids=[
        "no host",
        "two hosts",
        "stopped",
        "pending",
        "another type",
        "a tag added",
        "a tag changed",
        "another group",
        "a group more",
        "another profile",
        "no profile",
        "IMDSv1 allowed",
        "another hop limit",
    ],
)
def test_a_host_ec2_instance_would_launch_start_or_change_runs_it(hosts):
    assert host_as_asked(*hosts) is False


def test_another_role_s_host_of_the_same_name_is_not_this_one():
    other = kubernetes_host(tags={**kubernetes_host()["tags"], "Role": "monitoring"})
    assert host_as_asked(other) is False
