"""The deployer policy (docs/deployer-policy.json) is enough: a user holding only it converges and destroys the
cloud layer on an emulator that enforces IAM authorization, and a user lacking one of its actions is refused.

What the emulator's enforcement (moto's "IAM-like Access Control", moto/iam/access_control.py) checks: the
action of every request against the caller's identity policies, with valid signatures from the caller's own
keys. What it does not check, so this test cannot prove it (the generator's tables carry these, each with its
AWS source; docs/real-aws.md lists them):
- resources outside S3 and existing IAM roles: moto compares every other request with Resource "*", so the
  user holds the policy widened to "*" (deployer_policy.as_emulator_enforces). The scoping to the platform's
  names is checked by the site test instead, which fails when a request falls outside its statement's names;
- conditions (iam:PassedToService, iam:AWSServiceName, kms:ViaService): moto evaluates them only in trust
  policies;
- permissions AWS checks without an API call of their own: iam:PassRole, iam:CreateServiceLinkedRole, the tag
  action of tagging on create, KMS through Secrets Manager;
- S3 under AWS's action names where moto uses its own (HeadBucket; encryption, ownership and public access
  block settings authorized as s3:CreateBucket/ListBucket/DeleteBucket).
"""

from __future__ import annotations

import contextlib
import json

import pytest

import deployer_policy
import emulator as launcher
from support import expectations
from support.aws import Aws
from support.emulator import running_emulator
from support.playbook import PlaybookRunner

pytestmark = [pytest.mark.slow, pytest.mark.extended]
CLOUD_LAYER = ("playbooks/cloud.yml", "-i", "inventories/local")
DESTROY = ("playbooks/destroy.yml", "-i", "inventories/local", "-e", "confirm_destroy=local", "-e", "destroy_data=true")
# Needed early in every converge (the network lane's first create), so a policy without it fails at once.
WITHHELD = "ec2:CreateVpc"


def emulated_policy() -> dict:
    template = json.loads(deployer_policy.SHIPPED_POLICY.read_text())
    policy = deployer_policy.render(template, project="dataeng", environment="local")
    return deployer_policy.as_emulator_enforces(policy)


@contextlib.contextmanager
def as_emulator_admin(emulator: launcher.EmulatorState):
    """Authorization off while the test itself looks at (or changes) the account with the dummy keys."""
    launcher.set_authorization(emulator, enforced=False)
    try:
        yield Aws(emulator)
    finally:
        launcher.set_authorization(emulator, enforced=True)


def test_a_user_holding_only_the_deployer_policy_converges_and_destroys_the_cloud_layer(repo, tmp_path):
    policy = emulated_policy()
    weakened = deployer_policy.without_action(policy, WITHHELD)
    with running_emulator(tmp_path / "emulator", iam_policy=json.dumps(weakened)) as emulator:
        runner = PlaybookRunner(repo, tmp_path)
        env = runner.environment(**emulator.environment())
        assert env["EMULATOR_ACCESS_KEY_ID"] != launcher.DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"]

        refused = runner.run(*CLOUD_LAYER, env=env)
        assert refused.returncode != 0
        assert f"is not authorized to perform: {WITHHELD}" in refused.output, refused.output[-3000:]

        with as_emulator_admin(emulator) as aws:
            aws.iam.put_user_policy(
                UserName=launcher.IAM_USER, PolicyName=launcher.IAM_USER, PolicyDocument=json.dumps(policy)
            )
        converge = runner.run(*CLOUD_LAYER, env=env)
        assert converge.returncode == 0, converge.output
        with as_emulator_admin(emulator) as aws:
            expectations.network(aws)
            expectations.glue(aws)
            expectations.instances(aws)

        destroy = runner.run(*DESTROY, env=env)
        assert destroy.returncode == 0, destroy.output
        with as_emulator_admin(emulator) as aws:
            # The emulator cannot schedule a KMS key's deletion (see README): locally the key stays.
            remaining = expectations.remaining_resources(aws)
            assert [arn for arn in remaining if ":kms:" not in arn] == []
