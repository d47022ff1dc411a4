"""The IAM roles: who may assume them, what their policies reach."""

from __future__ import annotations

from support.expectations.identity import assert_identity_tags

# AWS: actions with no resource type in the Service Authorization Reference (their "Resource types" column is
# empty, https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html):
# the only ones allowed on "*".
UNSCOPABLE_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:ListMetrics",
    "tag:GetResources",
}
# platform, IAM: the Glue service, ECS task execution and ECS task roles; collection: the two hosts' roles
# (roles/iam/vars/main.yml, _iam_roles).
IAM_ROLES = {
    "glue-service": "glue.amazonaws.com",
    "ecs-task-execution": "ecs-tasks.amazonaws.com",
    "ecs-task": "ecs-tasks.amazonaws.com",
    "monitoring-host": "ec2.amazonaws.com",
    "kubernetes-host": "ec2.amazonaws.com",
}


def trust_condition(service: str, account: str) -> dict:
    """The condition each service's trust carries (collection: roles/iam/vars/main.yml, _iam_trust_conditions),
    bounded by the source keys AWS documents the service sets (tests/support/contract/checks.py, SOURCE_KEYS): a
    StringEquals on a key the service does not send denies the service its own role
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount)."""
    return {
        # AWS: ECS documents aws:SourceAccount for task roles
        # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html).
        "ecs-tasks.amazonaws.com": {"StringEquals": {"aws:SourceAccount": account}},
        # AWS: Glue documents no source key (https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html):
        # the condition holds only when Glue sends one.
        "glue.amazonaws.com": {"StringEqualsIfExists": {"aws:SourceAccount": account}},
        # AWS: EC2 assumes an instance profile's role for the instance and documents no source key
        # (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html); a role cannot be
        # passed to another account's instance (iam:PassRole,
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html): no condition.
        "ec2.amazonaws.com": {},
    }[service]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def iam(aws, prefix: str = "dataeng-local", env: str = "local") -> dict:
    account = aws.sts.get_caller_identity()["Account"]
    buckets = {f"{prefix}-{kind}-{account}" for kind in ("data-lake", "glue-scripts", "glue-outputs")}
    policies = {}
    for suffix, service in IAM_ROLES.items():
        name = f"{prefix}-{suffix}"
        role = aws.iam.get_role(RoleName=name)["Role"]
        (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": service}, name
        assert trust["Action"] == "sts:AssumeRole"
        assert trust.get("Condition", {}) == trust_condition(service, account), name
        assert_identity_tags(role, env)

        (policy_name,) = aws.iam.list_role_policies(RoleName=name)["PolicyNames"]
        statements = aws.iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]["Statement"]
        for statement in statements:
            if "*" in as_list(statement["Resource"]):
                assert set(as_list(statement["Action"])) <= UNSCOPABLE_ACTIONS, (name, statement)
        policies[suffix] = statements

        attached = {p["PolicyName"] for p in aws.iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}
        profiles = aws.iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]
        if service == "ec2.amazonaws.com":
            # collection: Session Manager on the hosts (iam_ssm_for_hosts).
            assert attached == {"AmazonSSMManagedInstanceCore"}
            assert [p["InstanceProfileName"] for p in profiles] == [name]
        else:
            assert attached == set()
            assert profiles == []

    def resources(suffix: str) -> str:
        return " ".join(r for s in policies[suffix] for r in as_list(s["Resource"]))

    for bucket in buckets:
        assert f"arn:aws:s3:::{bucket}" in resources("glue-service")
    assert f":database/{env}_data_lake_catalog" in resources("glue-service")
    assert f":repository/{env}-*" in resources("ecs-task-execution")
    assert f":secret:{prefix}/*" in resources("ecs-task-execution")
    assert f"arn:aws:s3:::{prefix}-data-lake-{account}/raw/*" in resources("ecs-task")
    assert f":secret:{prefix}/grafana-*" in resources("monitoring-host")
    assert f":secret:{prefix}/argocd-*" in resources("kubernetes-host")
    return policies
