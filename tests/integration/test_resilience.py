"""The cloud layer against an AWS that misbehaves: throttling, server errors, dropped connections,
converges killed at the worst moments, and resources that stay unseen a while after their creation.
Each ends where an undisturbed converge ends: their account inventories (every resource of every
kind, tagged or not, with every value the converge set: support/account/) equal the reference's,
and each account passes the platform checks test_site.py runs (support/expectations/). The four
converges are the session fixture `converges` (support/converges.py).
"""

from __future__ import annotations

import signal

import pytest

from support import account, expectations
from support.aws_proxy import FAULTS
from support.converges import KILL_AFTER, PROPAGATION

# What the eventually consistent proxy must have refused at least once, so the converge cannot pass by
# never meeting it: each EC2 kind the platform creates, by AWS's code, and each IAM refusal.
REFUSED_KINDS = {
    "InvalidVpcID.NotFound",
    "InvalidSubnetID.NotFound",
    "InvalidGroup.NotFound",
    "InvalidRouteTableID.NotFound",
    "InvalidInternetGatewayID.NotFound",
    "InvalidVpcEndpointId.NotFound",
    "InvalidInstanceID.NotFound",
    "glue role",
    "instance profile",
}

# The checks of what the platform promises (the README's roles table) that test_site.py runs on its account
# (support/expectations/).
SEED_CHECKS = (
    expectations.network,
    expectations.security_groups,
    expectations.iam,
    expectations.data_lake,
    expectations.glue,
    expectations.ecr,
    expectations.secrets,
    expectations.ecs,
    expectations.instances,
)

pytestmark = pytest.mark.slow


def test_the_reference_converge_succeeds(converges):
    reference = converges["reference"]
    assert reference.last.returncode == 0, reference.last.output
    assert len(reference.inventory["vpcs"]) == 1


def test_a_fifth_of_requests_faulted_still_converges_to_the_same_account(converges):
    faulted = converges["faulted"]
    assert faulted.last.returncode == 0, faulted.last.output[-5000:]
    injected = sum(faulted.traffic.faulted.values())
    assert injected >= 0.15 * faulted.traffic.total, faulted.traffic
    assert set(faulted.traffic.faults_by_kind) == set(FAULTS), faulted.traffic.faults_by_kind
    # Every service the platform uses was faulted (the proxy faults the first request to each).
    assert {service for service, _operation in faulted.traffic.faulted} >= {
        "ec2",
        "iam",
        "s3",
        "glue",
        "kms",
        "secretsmanager",
        "ecr",
        "ecs",
    }
    differences = account.differences(converges["reference"].inventory, faulted.inventory)
    assert differences == [], "\n".join(differences)
    print(f"faults: {injected} of {faulted.traffic.total} requests, {dict(faulted.traffic.faults_by_kind)}")


def test_every_kill_point_fired_in_a_run_it_killed(converges):
    interrupted = converges["interrupted"]
    killed = interrupted.runs[:-1]
    assert sorted(interrupted.kills) == sorted(KILL_AFTER), f"fired {interrupted.kills}, armed {KILL_AFTER}"
    # Each run but the rerun died at a point that fired while it ran; none fired in the rerun. Two points
    # fire in one run when another lane's create was already on its way as the kill landed.
    assert sorted(set(interrupted.kills.values())) == list(range(len(killed))), interrupted.kills
    for index, run in enumerate(killed):
        assert run.returncode == -signal.SIGKILL, f"run {index}: {run.returncode}\n{run.output[-3000:]}"
    points = [[point for point, run in interrupted.kills.items() if run == index] for index in range(len(killed))]
    print(f"{len(KILL_AFTER)} kill points, {len(killed)} runs killed: {'; '.join(map(', '.join, points))}")


def test_a_killed_converge_rerun_ends_like_an_undisturbed_one(converges):
    interrupted = converges["interrupted"]
    assert interrupted.last.returncode == 0, interrupted.last.output[-5000:]
    differences = account.differences(converges["reference"].inventory, interrupted.inventory)
    assert differences == [], "\n".join(differences)


def test_a_killed_converge_keeps_every_password_it_generated(converges):
    interrupted = converges["interrupted"]
    # The last kill lands in the second wave (a Glue job or an instance, which wait for the first),
    # after the secrets lane converged: every secret existed.
    assert set(interrupted.secrets_when_killed[-1]) == set(expectations.SECRETS)
    # Each generated value, from the first killed run after which it existed, through every later one and
    # the rerun.
    regenerated = expectations.regenerated_values([*interrupted.secrets_when_killed, interrupted.secrets])
    assert regenerated == [], "\n".join(regenerated)
    kept = expectations.generated_values(interrupted.secrets)
    print(f"{len(kept)} generated values kept through {len(interrupted.secrets_when_killed)} killed runs and the rerun")


def test_an_eventually_consistent_aws_still_converges_to_the_same_account(converges):
    consistent = converges["eventually_consistent"]
    assert PROPAGATION.iam_seconds >= 10
    assert PROPAGATION.ec2_seconds >= 5
    assert consistent.last.returncode == 0, consistent.last.output[-5000:]
    refused = consistent.traffic.refused
    assert {kind for kind, count in refused.items() if count} >= REFUSED_KINDS, refused
    differences = account.differences(converges["reference"].inventory, consistent.inventory)
    assert differences == [], "\n".join(differences)
    print(
        f"refused {sum(refused.values())} requests {dict(refused)}; converged in {consistent.last.seconds:.0f} s "
        f"(undisturbed: {converges['reference'].last.seconds:.0f} s)"
    )


# Not the reference: test_site.py checks an undisturbed account, and test_secure_defaults.py weakens and
# restores the reference's account while tests may run.
@pytest.mark.parametrize("scenario", ["faulted", "interrupted", "eventually_consistent"])
@pytest.mark.parametrize("check", SEED_CHECKS, ids=lambda check: check.__name__)
def test_a_disturbed_converge_still_matches_the_seed(converges, scenario, check):
    check(converges[scenario].aws)
