"""The deployer-policy generator maps requests to the actions AWS authorizes them by, and scopes them."""

from __future__ import annotations

import json
import urllib.parse

import parliament
import pytest

import deployer_policy
from support.aws_proxy import Request


def request(service: str, method: str = "POST", path: str = "/", body: bytes = b"", target: str = "") -> Request:
    headers = {"authorization": f"AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-2/{service}/aws4_request"}
    if target:
        headers["x-amz-target"] = target
    elif service not in ("s3",):
        headers["content-type"] = "application/x-www-form-urlencoded"
    return Request(method, path, headers, body)


def query(service: str, action: str, **params: str) -> Request:
    return request(service, body=urllib.parse.urlencode({"Action": action, **params}).encode())


def json_call(service: str, target: str, **params) -> Request:
    return request(service, body=json.dumps(params).encode(), target=target)


@pytest.mark.parametrize(
    ("method", "path", "action"),
    [
        ("GET", "/", "s3:ListAllMyBuckets"),
        ("HEAD", "/dataeng-dev-data-lake-1", "s3:ListBucket"),
        ("GET", "/dataeng-dev-data-lake-1?list-type=2&prefix=raw", "s3:ListBucket"),
        ("PUT", "/dataeng-dev-data-lake-1?policy", "s3:PutBucketPolicy"),
        ("GET", "/dataeng-dev-data-lake-1?encryption", "s3:GetEncryptionConfiguration"),
        ("DELETE", "/dataeng-dev-data-lake-1?lifecycle", "s3:PutLifecycleConfiguration"),
        ("PUT", "/dataeng-dev-glue-scripts-1/scripts/process.py", "s3:PutObject"),
        ("DELETE", "/dataeng-dev-data-lake-1/raw/a.json?versionId=3", "s3:DeleteObjectVersion"),
    ],
)
def test_s3_rest_operations_need_their_documented_actions(method, path, action):
    assert deployer_policy.actions(request("s3", method, path)) == {action}


def test_get_caller_identity_needs_no_permission():
    assert deployer_policy.actions(query("sts", "GetCallerIdentity")) == set()


def test_tags_given_on_create_need_the_tag_action_too():
    vpc = query("ec2", "CreateVpc", **{"TagSpecification.1.ResourceType": "vpc", "TagSpecification.1.Tag.1.Key": "P"})
    assert deployer_policy.actions(vpc) == {"ec2:CreateVpc", "ec2:CreateTags"}
    role = query("iam", "CreateRole", RoleName="dataeng-dev-glue", **{"Tags.member.1.Key": "P"})
    assert deployer_policy.actions(role) == {"iam:CreateRole", "iam:TagRole"}


def test_passing_a_role_is_allowed_for_the_services_it_went_to_only():
    job = json_call(
        "glue", "AWSGlue.CreateJob", Name="dataeng-dev-data-quality", Role="arn:aws:iam::1:role/dataeng-dev-glue"
    )
    policy = deployer_policy.generate([job])
    (pass_role,) = [s for s in policy["Statement"] if "iam:PassRole" in s["Action"]]
    assert pass_role["Action"] == ["iam:PassRole"]
    assert pass_role["Resource"] == "arn:aws:iam::{account}:role/{project}-{environment}-*"
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": ["glue.amazonaws.com"]}}


def test_objects_uploaded_and_read_may_use_a_kms_key_through_s3_only():
    upload = request("s3", "PUT", "/dataeng-dev-glue-scripts-1/scripts/process.py")
    policy = deployer_policy.generate([upload, request("s3", "GET", "/dataeng-dev-glue-scripts-1/scripts/process.py")])
    (kms,) = [s for s in policy["Statement"] if s["Sid"] == "KmsThroughS3"]
    assert kms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Resource"] == "arn:aws:kms:{region}:{account}:key/*"
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": "s3.{region}.amazonaws.com"}}
    # An upload alone needs no Decrypt.
    (kms,) = [s for s in deployer_policy.generate([upload])["Statement"] if s["Sid"] == "KmsThroughS3"]
    assert kms["Action"] == ["kms:GenerateDataKey"]


def test_resources_are_the_platforms_and_star_only_where_aws_knows_no_resource_level():
    policy = deployer_policy.generate([json_call("glue", "AWSGlue.GetJob", JobName="x"), query("ec2", "DescribeVpcs")])
    resources = {action: s["Resource"] for s in policy["Statement"] for action in s["Action"]}
    assert resources["glue:GetJob"] == "arn:aws:glue:{region}:{account}:job/{project}-{environment}-*"
    assert resources["ec2:DescribeVpcs"] == "*"
    # What only a real account is asked for (inventories/local turns it off) is in every policy.
    assert resources["s3:PutBucketPolicy"] == "arn:aws:s3:::{project}-{environment}-*"


def test_an_action_aws_does_not_know_fails_generation():
    with pytest.raises(deployer_policy.PolicyError, match="glue:MakeItSo is not an action"):
        deployer_policy.generate([json_call("glue", "AWSGlue.MakeItSo")])


def test_a_request_outside_the_platforms_names_is_found():
    inside = query("iam", "GetRole", RoleName="dataeng-local-glue")
    outside = query("iam", "GetRole", RoleName="someone-elses-role")
    policy = deployer_policy.render(deployer_policy.generate([inside, outside]), project="dataeng", environment="local")
    assert deployer_policy.outside_the_policy(policy, [inside, outside]) == [
        "iam:GetRole arn:aws:iam::*:role/someone-elses-role"
    ]


def test_the_emulator_gets_the_same_actions_on_any_resource_under_its_own_names():
    template = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "S3", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "arn:aws:s3:::x-*"},
            {"Sid": "Tag", "Effect": "Allow", "Action": ["tag:GetResources"], "Resource": "*"},
        ],
    }
    emulated = deployer_policy.as_emulator_enforces(template)
    assert [s["Action"] for s in emulated["Statement"]] == [
        ["s3:HeadBucket", "s3:ListBucket"],
        ["tag:GetResources", "tagging:GetResources"],
    ]
    assert {s["Resource"] for s in emulated["Statement"]} == {"*"}


def test_the_shipped_policy_is_valid_and_scoped():
    template = json.loads(deployer_policy.SHIPPED_POLICY.read_text())
    policy = deployer_policy.render(
        template, project="dataeng", environment="dev", region="us-east-2", account="1" * 12
    )
    assert parliament.analyze_policy_string(json.dumps(policy)).findings == []
    assert len({s["Sid"] for s in policy["Statement"]}) == len(policy["Statement"])
    assert [name for name in deployer_policy.PLACEHOLDERS if f"{{{name}}}" in json.dumps(policy)] == []
    for statement in template["Statement"]:
        if statement["Resource"] == "*":
            unscoped = [a for a in statement["Action"] if deployer_policy.resource_types(a)]
            assert unscoped == [], f"{statement['Sid']}: these support resource-level permissions"


def test_the_shipped_policy_allows_the_run_lock_of_its_environment_only():
    """The lock is the deployer's one SSM parameter; the site test's recording covers it too, this needs no converge."""
    policy = deployer_policy.render(
        json.loads(deployer_policy.SHIPPED_POLICY.read_text()), project="dataeng", environment="dev"
    )
    lock = [json_call("ssm", f"AmazonSSM.{operation}", Name="/dataeng-dev/run-lock") for operation in LOCK_CALLS]
    other = [json_call("ssm", f"AmazonSSM.{operation}", Name="/dataeng-prod/run-lock") for operation in LOCK_CALLS]
    assert deployer_policy.outside_the_policy(policy, lock) == []
    assert len(deployer_policy.outside_the_policy(policy, other)) == len(LOCK_CALLS)


LOCK_CALLS = ("PutParameter", "GetParameter", "DeleteParameter")
