"""ec2_security_groups against the emulator: check mode, groups naming each other in any order, no-op rerun,
drift repaired, deletion of groups that name each other, bad input refused before any request."""

from __future__ import annotations

import pytest

from support.aws import Aws
from support.modules import run_module

pytestmark = pytest.mark.slow
MODULE = "dataeng.platform.ec2_security_groups"
TAGS = {"Project": "it-sg", "Name": "it-sg"}


@pytest.fixture
def vpc(aws_emulator):
    aws = Aws(aws_emulator)
    vpc_id = aws.ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    yield aws, vpc_id
    for group in aws.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]:
        if group["GroupName"] != "default":
            aws.ec2.delete_security_group(GroupId=group["GroupId"])
    aws.ec2.delete_vpc(VpcId=vpc_id)


def groups_args(vpc_id: str) -> dict:
    # app is listed first and names web, which names app back: no creation order could satisfy amazon.aws's module.
    return {
        "vpc_id": vpc_id,
        "groups": [
            {
                "name": "it-app",
                "description": "app tier",
                "rules": [{"ports": [8080, "9000-9010"], "group_name": "it-web", "rule_desc": "from web"}],
                "tags": TAGS,
            },
            {
                "name": "it-web",
                "description": "web tier",
                "rules": [
                    {"ports": [443], "cidr_ip": ["0.0.0.0/0"], "rule_desc": "clients"},
                    {"proto": "all", "group_name": "it-app"},
                ],
                "tags": TAGS,
            },
        ],
    }


def in_vpc(aws, vpc_id: str) -> dict:
    found = aws.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    return {group["GroupName"]: group for group in found if group["GroupName"] != "default"}


def ingress(group: dict) -> set[tuple]:
    return {
        (
            permission["IpProtocol"],
            permission.get("FromPort"),
            permission.get("ToPort"),
            source.get("CidrIp") or source.get("GroupId"),
        )
        for permission in group["IpPermissions"]
        for source in permission["IpRanges"] + permission["UserIdGroupPairs"]
    }


def rule_descriptions(group: dict) -> dict[tuple, str | None]:
    """Each inbound rule's description, by the rule as `ingress` spells it."""
    return {
        (
            permission["IpProtocol"],
            permission.get("FromPort"),
            permission.get("ToPort"),
            source.get("CidrIp") or source.get("GroupId"),
        ): source.get("Description")
        for permission in group["IpPermissions"]
        for source in permission["IpRanges"] + permission["UserIdGroupPairs"]
    }


def test_groups_naming_each_other_converge_in_one_task(aws_emulator, vpc):
    aws, vpc_id = vpc
    args = groups_args(vpc_id)

    planned = run_module(aws_emulator, MODULE, args, check=True, diff=True)
    assert planned["changed"] is True, planned.get("msg")
    assert planned["actions"] == [
        "it-app: create_security_group",
        "it-web: create_security_group",
        "it-app: authorize_security_group_ingress",
        "it-web: authorize_security_group_ingress",
    ]
    assert planned["diff"]["before"] == {"it-app": {}, "it-web": {}}
    assert {"proto": "tcp", "ports": "9000-9010", "source": "it-web (new)", "rule_desc": "from web"} in planned["diff"][
        "after"
    ]["it-app"]["ingress"]
    assert in_vpc(aws, vpc_id) == {}

    created = run_module(aws_emulator, MODULE, args)
    assert created["changed"] is True, created.get("msg")
    groups = in_vpc(aws, vpc_id)
    app, web = groups["it-app"], groups["it-web"]
    assert ingress(app) == {("tcp", 8080, 8080, web["GroupId"]), ("tcp", 9000, 9010, web["GroupId"])}
    assert ingress(web) == {("tcp", 443, 443, "0.0.0.0/0"), ("-1", None, None, app["GroupId"])}
    assert {tag["Key"]: tag["Value"] for tag in web["Tags"]} == TAGS
    # Outbound rules are AWS's own: everything, anywhere.
    assert web["IpPermissionsEgress"][0]["IpProtocol"] == "-1"
    assert [group["group_id"] for group in created["security_groups"]] == [app["GroupId"], web["GroupId"]]

    rerun = run_module(aws_emulator, MODULE, args, diff=True)
    assert rerun["changed"] is False
    assert rerun["actions"] == []
    assert rerun["security_groups"] == created["security_groups"]

    # By hand: SSH opened on web, a tag changed on app, the description of a rule changed.
    aws.ec2.authorize_security_group_ingress(
        GroupId=web["GroupId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    aws.ec2.create_tags(Resources=[app["GroupId"]], Tags=[{"Key": "Project", "Value": "by-hand"}])
    aws.ec2.update_security_group_rule_descriptions_ingress(
        GroupId=web["GroupId"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "by hand"}],
            }
        ],
    )
    repaired = run_module(aws_emulator, MODULE, args, diff=True)
    assert repaired["actions"] == [
        "it-app: create_tags",
        "it-web: revoke_security_group_ingress",
        "it-web: update_security_group_rule_descriptions_ingress",
    ]
    assert set(repaired["diff"]["before"]) == {"it-app", "it-web"}
    groups = in_vpc(aws, vpc_id)
    assert ingress(groups["it-web"]) == ingress(web)
    assert rule_descriptions(groups["it-web"]) == rule_descriptions(web)
    assert {tag["Key"]: tag["Value"] for tag in groups["it-app"]["Tags"]} == TAGS

    names = {"vpc_id": vpc_id, "state": "absent", "groups": [{"name": "it-app"}, {"name": "it-web"}]}
    planned_deletion = run_module(aws_emulator, MODULE, names, check=True)
    assert planned_deletion["changed"] is True
    assert set(in_vpc(aws, vpc_id)) == {"it-app", "it-web"}
    deleted = run_module(aws_emulator, MODULE, names)
    assert deleted["actions"] == [
        "it-app: revoke_security_group_ingress",
        "it-web: revoke_security_group_ingress",
        "it-web: delete_security_group",
        "it-app: delete_security_group",
    ]
    assert in_vpc(aws, vpc_id) == {}
    assert run_module(aws_emulator, MODULE, names)["changed"] is False


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"ports": [70000], "cidr_ip": ["0.0.0.0/0"]}, "groups[it-bad].rules: 70000 is not a port or range"),
        ({"ports": [22]}, "groups[it-bad].rules: a rule needs cidr_ip or group_name"),
    ],
)
def test_a_bad_rule_fails_before_any_request(aws_emulator, rule, message):
    # No VPC of this id exists: a request would fail with another message.
    args = {"vpc_id": "vpc-00000000000000000", "groups": [{"name": "it-bad", "description": "bad", "rules": [rule]}]}
    failed = run_module(aws_emulator, MODULE, args)
    assert failed.get("failed") is True
    assert message in failed["msg"]


def test_a_rule_naming_an_unknown_group_fails_before_any_group_is_created(aws_emulator, vpc):
    aws, vpc_id = vpc
    args = {
        "vpc_id": vpc_id,
        "groups": [{"name": "it-new", "description": "new", "rules": [{"ports": [22], "group_name": "it-elsewhere"}]}],
    }
    failed = run_module(aws_emulator, MODULE, args)
    assert failed.get("failed") is True
    assert "group_name it-elsewhere is no group of this task" in failed["msg"]
    assert in_vpc(aws, vpc_id) == {}
