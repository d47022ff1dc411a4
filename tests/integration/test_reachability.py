"""What the platform runs can reach what it needs (support/reachability.py), read from the account the reference
converge of the cloud layer leaves (support/converges.py), with the shipped defaults; and the check names the
setting when the private subnets are left without a way out while the ECS service runs there."""

from __future__ import annotations

import copy

import pytest

from support import reachability

pytestmark = pytest.mark.slow


def test_every_workload_reaches_what_it_needs_with_the_defaults(converges):
    reference = converges["reference"]
    assert reference.last.returncode == 0, reference.last.output[-3000:]
    assert [str(finding) for finding in reachability.findings(reference.network)] == []
    # What the check followed: the ECS service's tasks and both hosts, through the interface endpoints.
    needs = {workload["name"]: workload["needs"] for workload in reference.network["workloads"]}
    assert needs["ECS service dataeng-local-data-processing"] == ["ecr.api", "ecr.dkr", "logs", "s3", "secretsmanager"]
    assert sum(name.startswith("host ") for name in needs) == 2
    interfaces = [e for e in reference.network["endpoints"] if e["type"] == "Interface"]
    assert sorted(e["service"].rsplit(".", 2)[-1] for e in interfaces) == ["api", "dkr", "logs", "secretsmanager"]
    assert all(e["private_dns"] and len(e["subnets"]) == 2 for e in interfaces)
    # Through the platform's own network ACLs (network_acls_enabled), from subnets that hand out no public address
    # (network_public_ip_on_launch), by hosts that asked for one.
    acls = [a for a in reference.network["network_acls"] if not a["default"]]
    assert sorted(s for a in acls for s in a["subnets"]) == sorted(s["id"] for s in reference.network["subnets"])
    assert not any(s["public_ips"] for s in reference.network["subnets"])
    assert all(w["public_ip"] for w in reference.network["workloads"] if w["name"].startswith("host "))


def test_no_way_out_of_the_private_subnets_is_found_and_the_setting_named(converges):
    network = copy.deepcopy(converges["reference"].network)
    # What network_private_egress: none leaves: no interface endpoint, no NAT gateway, no internet route.
    network["endpoints"] = [e for e in network["endpoints"] if e["type"] != "Interface"]
    found = reachability.findings(network)
    assert {f.destination for f in found} == {"ECR (api)", "ECR (dkr)", "Secrets Manager", "CloudWatch Logs"}
    assert all(f.workload.startswith("ECS service dataeng-local-data-processing") for f in found)
    assert all("network_private_egress" in f.why for f in found), found


def test_network_acls_that_stop_the_replies_from_the_internet_are_found(converges):
    network = copy.deepcopy(converges["reference"].network)
    for acl in network["network_acls"]:
        acl["entries"] = [
            e for e in acl["entries"] if e["egress"] or e["cidr"] != "0.0.0.0/0" or e["ports"] != [32768, 65535]
        ]
    found = reachability.findings(network)
    # The hosts' downloads and the tasks' image layers from S3 come back from the internet's addresses.
    assert {f.destination for f in found} >= {"S3"}
    assert any(f.workload.startswith("host ") for f in found)
    assert all("stops the replies (TCP 32768-60999) of 0.0.0.0/0" in f.why for f in found), found
