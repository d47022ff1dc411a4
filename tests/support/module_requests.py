"""What the collection's modules send to AWS, for the module unit tests to check against botocore's model of the API
as boto3 checks it before sending (botocore_shape.py), on top of what each test asserts about it.

Nothing for a test to remember: for every test of tests/unit/plugins, its conftest wraps
- each request builder (REQUEST_BUILDERS): whatever a test makes it build is validated as every request the
  module sends it in;
- each planning function (PLAN_REPLAYS): the plan a test makes it produce is carried out by the module's own code
  that makes the calls (`update`, `apply`) on a ShapeCheckingClient, so every planned call, with the parameters
  the module would send, is validated, and the calls that code makes must be exactly the planned ones.
tests/unit/plugins/test_request_shapes.py fails when a `plan_*` function has no replay, or when a function whose
result a module hands to a client call is not a declared builder.
"""

from __future__ import annotations

from ansible_collections.dataeng.platform.plugins.module_utils import ec2, iam, tags
from ansible_collections.dataeng.platform.plugins.modules import (
    dlm_lifecycle_policy,
    ec2_security_groups,
    ec2_vpc_endpoint_policies,
    ec2_vpc_interface_endpoints,
    ec2_vpc_route_tables,
    ec2_vpc_subnets,
    ecr_registry_scanning,
    ecr_repository,
    ecs_cluster_settings,
    glue_crawler,
    glue_database,
    glue_job,
    glue_security_configuration,
    glue_trigger,
    glue_workflow,
    iam_role,
    s3_bucket_layout,
    secretsmanager_secrets,
)
from support.botocore_shape import ShapeCheckingClient

# What a builder's output does not carry and the module adds from elsewhere (a name, an id): any valid value.
NAME = "placeholder"
GLUE_ARN = "arn:aws:glue:us-east-2:123456789012:placeholder/placeholder"


def _crawler_requests(output, arguments):
    return [("glue", "UpdateCrawler" if arguments["update"] else "CreateCrawler", output)]


# (module, function) -> the (service, operation, parameters) requests the function's output goes into, as the
# module's create/update/apply code sends it.
REQUEST_BUILDERS = {
    (glue_crawler, "crawler_request"): _crawler_requests,
    (glue_job, "job_settings"): lambda output, _arguments: [
        ("glue", "CreateJob", {"Name": NAME, **output}),
        ("glue", "UpdateJob", {"JobName": NAME, "JobUpdate": output}),
    ],
    (glue_job, "update_request"): lambda output, _arguments: [("glue", "UpdateJob", output)],
    (glue_security_configuration, "encryption_configuration"): lambda output, _arguments: [
        ("glue", "CreateSecurityConfiguration", {"Name": NAME, "EncryptionConfiguration": output})
    ],
    (glue_trigger, "create_request"): lambda output, _arguments: [("glue", "CreateTrigger", output)],
    (glue_trigger, "update_request"): lambda output, _arguments: [("glue", "UpdateTrigger", output)],
    (ecr_registry_scanning, "scanning_request"): lambda output, _arguments: [
        ("ecr", "PutRegistryScanningConfiguration", output)
    ],
    (ecs_cluster_settings, "settings_request"): lambda output, _arguments: [("ecs", "UpdateCluster", output)],
    (ecr_repository, "mutability_request"): lambda output, _arguments: [
        ("ecr", "PutImageTagMutability", {"repositoryName": NAME, **output}),
        ("ecr", "CreateRepository", {"repositoryName": NAME, **output}),
    ],
    (glue_database, "database_input"): lambda output, _arguments: [
        ("glue", "CreateDatabase", {"DatabaseInput": output}),
        ("glue", "UpdateDatabase", {"Name": output["Name"], "DatabaseInput": output}),
    ],
    (glue_workflow, "workflow_request"): lambda output, _arguments: [
        ("glue", "CreateWorkflow", output),
        ("glue", "UpdateWorkflow", output),
    ],
    (ec2_security_groups, "ip_permissions"): lambda output, _arguments: [
        ("ec2", operation, {"GroupId": "sg-0123456789abcdef0", "IpPermissions": output})
        for operation in (
            "AuthorizeSecurityGroupIngress",
            "RevokeSecurityGroupIngress",
            "UpdateSecurityGroupRuleDescriptionsIngress",
        )
    ],
    (dlm_lifecycle_policy, "policy_settings"): lambda output, _arguments: [
        ("dlm", "CreateLifecyclePolicy", output),
        ("dlm", "UpdateLifecyclePolicy", {"PolicyId": "policy-0123456789abcdef0", **output}),
    ],
    (iam_role, "create_request"): lambda output, _arguments: [("iam", "CreateRole", output)],
    (s3_bucket_layout, "rule_to_s3"): lambda output, _arguments: [
        ("s3", "PutBucketLifecycleConfiguration", {"Bucket": NAME, "LifecycleConfiguration": {"Rules": [output]}})
    ],
    (s3_bucket_layout, "missing_log_delivery_grants"): lambda output, _arguments: [
        ("s3", "PutBucketAcl", {"Bucket": NAME, "AccessControlPolicy": {"Owner": {"ID": NAME}, "Grants": output}})
    ],
}


def planned(output):
    """The Actions of a plan function's output: the plan itself, or its first part when it returns the Actions and
    the state after them."""
    return output[0] if isinstance(output, tuple) else output


def shown(actions):
    """Actions as the modules' `actions` result shows them ("update_job", "put_role_policy <name>")."""
    return [str(action) for action in actions]


def calls_with_arguments(actions):
    """Actions as (call, what it changes) pairs."""
    return [(action.call, action.argument) for action in actions]


def replayed(replay):
    """The check a plan function's output goes through: unless the plan is empty (the modules then make no call),
    `replay` carries it out on a ShapeCheckingClient, each call validated, and the calls the module's code made
    must be the planned ones, in order (what `actions` reports, check mode predicts and a run does)."""

    def check(output, arguments):
        operations = [action.call for action in planned(output)]
        if operations:
            made = [method for method, _params in replay(output, arguments).calls]
            assert made == operations, f"planned {operations}, the module's code called {made}"

    return check


def _shell(cls, **attributes):
    """An instance of `cls` holding only what its calling code reads (no module, no real client)."""
    instance = cls.__new__(cls)
    instance.__dict__.update(attributes)
    return instance


def _update(cls, service):
    """Replay for a ManagedResource's plan(current, params): its `update` makes the planned calls."""

    def replay(actions, arguments):
        client = ShapeCheckingClient(service)
        resource_ = _shell(cls, module=None, params=arguments["params"], client=client, _arn=GLUE_ARN)
        resource_.update(arguments["current"], actions)
        return client

    return replay


def _ec2_apply(cls, apply):
    """Replay for an EC2 list module's plan (the calls, or the calls and the state after them): its `apply`
    makes them; `apply(members, calls, arguments)` calls it with what it takes from the plan's arguments."""

    def replay(output, arguments):
        client = ShapeCheckingClient("ec2")
        apply(_shell(cls, client=client), planned(output), arguments)
        return client

    return replay


def _ec2_tags(output, _arguments):
    client = ShapeCheckingClient("ec2")
    for action in output:
        ec2.apply_ec2_tags(client, "vpc-0123456789abcdef0", action)
    return client


def _tags(output, arguments):
    """plan_tags' calls, made by the EC2 tag calls or by apply_tags with the API they were planned for."""
    if arguments["api"] == tags.EC2_TAGS:
        return _ec2_tags(output, arguments)
    service = {
        tags.GLUE_TAGS: "glue",
        tags.DLM_TAGS: "dlm",
        tags.ECR_TAGS: "ecr",
        tags.SECRETS_TAGS: "secretsmanager",
        tags.IAM_ROLE_TAGS: "iam",
    }
    client = ShapeCheckingClient(service[arguments["api"]])
    # Secrets Manager and IAM name the resource (a secret, a role), the others take its ARN.
    resource = {tags.SECRETS_TAGS: "dataeng-local/app", tags.IAM_ROLE_TAGS: NAME}.get(arguments["api"], GLUE_ARN)
    tags.apply_tags(client, arguments["api"], resource, output)
    return client


def _endpoint_policy(output):
    client = ShapeCheckingClient("ec2")
    ec2_vpc_endpoint_policies.apply_policy(client, "vpce-0123456789abcdef0", output)
    return client


def _role_policies(output, arguments):
    actions, _after = output
    client = ShapeCheckingClient("iam")
    iam.apply_inline_policies(client, NAME, actions, arguments["wanted"])
    return client


def _bucket_layout(output, arguments):
    actions, after = output
    client = ShapeCheckingClient("s3")
    bucket = arguments["bucket"]
    _shell(s3_bucket_layout.BucketLayout, client=client, name=bucket["name"], bucket=bucket).apply(actions, after)
    return client


def _secret(output, arguments):
    calls, _after = output
    current = arguments["current"]
    # The key the task names: the secret's own when it matches, else another one.
    kms_key_id = current.get("kms_key_id") if arguments["kms_key_matches"] else "alias/placeholder"
    params = {"purge_tags": arguments["purge_tags"], "kms_key_id": kms_key_id}
    client = ShapeCheckingClient("secretsmanager")
    _shell(secretsmanager_secrets.Secrets, client=client, params=params).apply(arguments["wanted"], calls)
    return client


def _secret_resource_policy(calls, arguments):
    # The policy's calls on an otherwise unchanged secret, as plan_secret appends them.
    current = {"name": "dataeng-local/app", "tags": {}}
    wanted = {**current, "resource_policy": arguments["wanted"]}
    client = ShapeCheckingClient("secretsmanager")
    _shell(secretsmanager_secrets.Secrets, client=client, params={"purge_tags": False}).apply(wanted, calls)
    return client


def _dlm_policy(actions, arguments):
    client = ShapeCheckingClient("dlm")
    policy = _shell(
        dlm_lifecycle_policy.LifecyclePolicy,
        module=None,
        params=arguments["params"],
        client=client,
        _role_arn=arguments["execution_role_arn"],
    )
    policy.update(arguments["current"], actions)
    return client


# (module, plan function) -> replay(output, arguments): carries the plan out with the module's own calling code
# and returns the ShapeCheckingClient it called.
PLAN_REPLAYS = {
    (glue_crawler, "plan_crawler"): _update(glue_crawler.GlueCrawler, "glue"),
    (glue_job, "plan_job"): _update(glue_job.GlueJob, "glue"),
    (glue_security_configuration, "plan_security_configuration"): _update(
        glue_security_configuration.GlueSecurityConfiguration, "glue"
    ),
    (glue_trigger, "plan_trigger"): _update(glue_trigger.GlueTrigger, "glue"),
    (glue_database, "plan_database"): _update(glue_database.GlueDatabase, "glue"),
    (glue_workflow, "plan_workflow"): _update(glue_workflow.GlueWorkflow, "glue"),
    (ecr_repository, "plan_update"): _update(ecr_repository.EcrRepository, "ecr"),
    (dlm_lifecycle_policy, "plan_policy"): _dlm_policy,
    (tags, "plan_tags"): _tags,
    (tags, "plan_task_tags"): _tags,
    (ec2, "plan_ec2_tags"): _ec2_tags,
    (ec2_security_groups, "plan_group"): _ec2_apply(
        ec2_security_groups.SecurityGroups,
        lambda groups, calls, _arguments: groups.apply("sg-0123456789abcdef0", calls),
    ),
    (ec2_vpc_subnets, "plan_subnet"): _ec2_apply(
        ec2_vpc_subnets.Subnets, lambda subnets, calls, arguments: subnets.apply(arguments["current"]["id"], calls)
    ),
    (ec2_vpc_interface_endpoints, "plan_endpoint"): _ec2_apply(
        ec2_vpc_interface_endpoints.Endpoints,
        lambda endpoints, calls, arguments: endpoints.apply(arguments["current"]["id"], calls),
    ),
    (ec2_vpc_endpoint_policies, "plan_policy"): lambda output, _arguments: _endpoint_policy(output),
    (ec2_vpc_route_tables, "plan_table"): _ec2_apply(
        ec2_vpc_route_tables.RouteTables,
        lambda tables, calls, arguments: tables.apply(
            arguments["current"], arguments["wanted"], calls, arguments["subnet_owners"]
        ),
    ),
    (iam, "plan_inline_policies"): _role_policies,
    (iam_role, "plan_role"): _update(iam_role.IamRole, "iam"),
    (s3_bucket_layout, "plan_bucket"): _bucket_layout,
    (secretsmanager_secrets, "plan_secret"): _secret,
    (secretsmanager_secrets, "plan_resource_policy"): _secret_resource_policy,
}
