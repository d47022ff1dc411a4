"""Secure by default: the account a converge with the shipped defaults leaves passes a generic
security audit (support/audit.py), and the audit catches each insecure setting it looks for.

Where the rest is checked: the bucket policies (TLS only; the emulator cannot hold them) in
test_bucket_policies.py, the monitoring stack's credentials and private env files in
test_monitoring_config.py, ArgoCD's admin password in molecule/argocd, admin_cidrs required
against real AWS and 0.0.0.0/0 refused in test_preflight.py.
"""

from __future__ import annotations

import copy

import pytest

from support import audit

pytestmark = pytest.mark.slow


def test_the_account_a_converge_leaves_has_no_insecure_setting(converges):
    reference = converges["reference"]
    assert reference.last.returncode == 0, reference.last.output[-3000:]
    assert audit.findings(reference.inventory) == []
    assert audit.weak_credentials(reference.secrets) == []
    # What the audit read: a real account, not an empty one.
    kinds = ("security_groups", "buckets", "roles", "instances", "ecr", "kms_keys", "secrets")
    assert all(reference.inventory[kind] for kind in kinds)


def _open_to_world(inventory, group, port):
    group = next(g for g in inventory["security_groups"] if g["name"] == group)
    rule = {"FromPort": port, "ToPort": port, "IpProtocol": "tcp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    group["ingress"].append(rule)


def _first(inventory, kind, name_part):
    return next(item for item in inventory[kind] if name_part in item["name"])


def _inline_statement(inventory, statement):
    role = _first(inventory, "roles", "glue-service")
    document = next(iter(role["inline"].values()))
    document["Statement"].append({"Effect": "Allow", **statement})


WEAKENED = {
    "ssh open to the internet": (
        lambda i: _open_to_world(i, "dataeng-local-bastion", 22),
        "security group dataeng-local-bastion: ports [22] open to the internet",
    ),
    "kubernetes api open to the internet": (
        lambda i: _open_to_world(i, "dataeng-local-kubernetes", 8443),
        "security group dataeng-local-kubernetes: ports [8443] open to the internet",
    ),
    "grafana open to the internet": (
        lambda i: _open_to_world(i, "dataeng-local-monitoring", 3000),
        "security group dataeng-local-monitoring: ports [3000] open to the internet",
    ),
    "bucket without default encryption": (
        lambda i: _first(i, "buckets", "data-lake").update(encryption=None),
        "bucket dataeng-local-data-lake-123456789012: no default encryption",
    ),
    "bucket with public access allowed": (
        lambda i: _first(i, "buckets", "glue-scripts").update(public_access_block=None),
        "bucket dataeng-local-glue-scripts-123456789012: public access not blocked ({})",
    ),
    "bucket without versioning": (
        lambda i: _first(i, "buckets", "data-lake").update(versioning="Suspended"),
        "bucket dataeng-local-data-lake-123456789012: versioning off (deleted data cannot be recovered)",
    ),
    "role anyone may assume": (
        lambda i: _first(i, "roles", "glue-service")["trust"]["Statement"][0].update(Principal={"AWS": "*"}),
        "role dataeng-local-glue-service: trusted by {'AWS': '*'}, not by an AWS service",
    ),
    "administrator policy": (
        lambda i: _first(i, "roles", "ecs-task")["attached"].append("arn:aws:iam::aws:policy/AdministratorAccess"),
        "an administrator policy is attached",
    ),
    "every action of a service": (
        lambda i: _inline_statement(i, {"Action": "s3:*", "Resource": "arn:aws:s3:::x"}),
        "every action of a service (['s3:*'])",
    ),
    "writes to any resource": (
        lambda i: _inline_statement(i, {"Action": ["s3:PutObject"], "Resource": "*"}),
        "changes any resource (['s3:PutObject'] on *)",
    ),
    "instance metadata v1": (
        lambda i: _first(i, "instances", "monitoring")["metadata"].update(HttpTokens="optional"),
        "instance dataeng-local-monitoring: IMDSv1 allowed (HttpTokens optional)",
    ),
    "unencrypted root volume": (
        lambda i: _first(i, "instances", "kubernetes")["volumes"][0].update(encrypted=False),
        "instance dataeng-local-kubernetes: volume /dev/xvda not encrypted",
    ),
    "registry without scans": (
        lambda i: _first(i, "ecr", "spark-apps").update(scan_on_push=False),
        "ECR repository local-spark-apps: no scan on push",
    ),
    "key without rotation": (
        lambda i: next(k for k in i["kms_keys"] if k["alias"] == "alias/dataeng-local-secrets").update(rotation=False),
        "KMS key alias/dataeng-local-secrets: no automatic rotation",
    ),
    "secret under the AWS managed key": (
        lambda i: _first(i, "secrets", "grafana").update(kms_key=None),
        "secret dataeng-local/grafana: not encrypted with a customer key",
    ),
}


@pytest.mark.parametrize("weakening", WEAKENED, ids=list(WEAKENED))
def test_the_audit_finds_each_insecure_setting(converges, weakening):
    inventory = copy.deepcopy(converges["reference"].inventory)
    weaken, finding = WEAKENED[weakening]
    weaken(inventory)
    (found,) = audit.findings(inventory)
    assert finding in found


@pytest.mark.parametrize("password", ["", "admin", "changeme", "Short-1a"])
def test_the_audit_finds_default_empty_or_short_passwords(converges, password):
    secrets = copy.deepcopy(converges["reference"].secrets)
    secrets["grafana"]["password"] = password
    assert audit.weak_credentials(secrets) == ["secret grafana: weak password"]
