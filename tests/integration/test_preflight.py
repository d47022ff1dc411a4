"""Bad settings and missing credentials stop the run early, with one message that names the fix."""

from __future__ import annotations

import json

import pytest

from support.emulator import RequestRecording, free_loopback_endpoint, running_emulator

pytestmark = pytest.mark.slow

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID69TE98ALrYIrj5wzr2SR0gCLjt0dEfzusWT6eRwFGq test"
ADMIN = json.dumps({"admin_cidrs": ["203.0.113.7/32"], "instances_ssh_public_key": PUBLIC_KEY})
STS_TASK = "Ask STS which account the credentials belong to"
# A small converge that creates something: the ECR repositories.
ECR_CONVERGE = ("playbooks/cloud.yml", "-i", "inventories/local", "--tags", "ecr")
# Operations that change nothing (the ec2_hosts inventory's DescribeInstances, STS GetCallerIdentity, ...).
READ_ONLY_PREFIXES = ("Get", "Describe", "List", "Head")


def test_dev_without_credentials_fails_in_seconds_with_one_clear_message(playbook):
    result = playbook.run("site.yml", "-i", "inventories/dev", "-e", ADMIN)

    assert result.returncode != 0
    # Waiting on the instance metadata service or retrying takes minutes; the run itself about 8 s alone and up to
    # 30 s on a slow 2-core machine beside the other test process (`make integration`), hence the margin.
    assert result.seconds < 60, f"took {result.seconds:.1f}s"
    assert "No AWS credentials found for region us-east-2" in result.output
    assert "AWS_ACCESS_KEY_ID" in result.output
    assert "make local" in result.output
    assert "Traceback" not in result.output
    assert result.recap()["failed"] == 1


def test_dev_without_admin_cidrs_stops_before_any_aws_request(playbook):
    result = playbook.run("site.yml", "-i", "inventories/dev")

    assert result.returncode != 0
    assert "admin_cidrs is empty" in result.output
    assert STS_TASK not in result.output


def test_local_without_a_running_emulator_says_how_to_start_it(playbook):
    endpoint = free_loopback_endpoint()
    result = playbook.run("site.yml", "-i", "inventories/local", env=playbook.environment(AWS_ENDPOINT_URL=endpoint))

    assert result.returncode != 0
    assert f"The AWS endpoint {endpoint} did not answer" in result.output
    assert "make emulator-start" in result.output


def test_credentials_of_an_account_the_inventory_does_not_allow_change_nothing(playbook, tmp_path):
    not_moto = {"platform_allowed_account_ids": ["111122223333", "012345678901"]}
    with running_emulator(tmp_path / "emulator") as emulator:
        env = playbook.environment(**emulator.environment())
        recording = RequestRecording(emulator)
        recording.restart()
        refused = playbook.run(*ECR_CONVERGE, "-e", json.dumps(not_moto), env=env)
        refused_requests = recording.counts()
        recording.restart()
        allowed = playbook.run(*ECR_CONVERGE, env=env)
        allowed_requests = recording.counts()

    assert refused.returncode != 0
    assert (
        "The AWS credentials belong to account 123456789012 (arn:aws:sts::123456789012:user/moto), which "
        "platform_allowed_account_ids does not list (allowed: 111122223333, 012345678901)"
    ) in " ".join(refused.output.split()), refused.output[-3000:]
    assert refused_requests[("sts", "GetCallerIdentity")] == 1
    changing = [operation for (_service, operation) in refused_requests if not operation.startswith(READ_ONLY_PREFIXES)]
    assert changing == [], refused_requests
    # The local inventory allows moto's account, and the same converge goes on to create.
    assert allowed.returncode == 0, allowed.output[-3000:]
    assert allowed_requests[("ecr", "CreateRepository")] == 3, allowed_requests


EVENTS = {"name": "events", "schema": [{"name": "event_id", "type": "string"}], "key_columns": ["event_id"]}

BAD_SETTINGS = [
    ({"platform_env": "Dev"}, "platform_env must be 2 to 16 lowercase letters"),
    ({"platform_env": "x"}, "platform_env must be 2 to 16 lowercase letters"),
    ({"platform_env": "prod-eu"}, "platform_env must be 2 to 16 lowercase letters"),
    ({"aws_region": "us-nowhere-1"}, "aws_region must be one of"),
    ({"platform_project": "Data_Eng"}, "platform_project must be 2 to 21"),
    ({"platform_prefix": "a" * 41}, "platform_prefix"),
    ({"platform_prefix": "team--dev"}, "platform_prefix"),
    (
        {"platform_tags": {"aws:owner": "me"}},
        'platform_tags allows at most 47 tags with keys of 1 to 128 characters that do not start with "aws:"',
    ),
    ({"platform_tags": {"Owner": "x" * 257}}, "values of at most 256 characters"),
    ({"platform_tags": {f"k{i}": "v" for i in range(48)}}, "platform_tags allows at most 47 tags"),
    ({"platform_tags": "Owner=me"}, "platform_tags must be a mapping of tag names to values (got str)"),
    ({"admin_cidrs": ["0.0.0.0/0"]}, "never 0.0.0.0/0"),
    ({"admin_cidrs": ["::/0"]}, "never 0.0.0.0/0 or ::/0"),
    (
        {"admin_cidrs": ["10.0.0.1/24"]},
        'no host bits set and never 0.0.0.0/0 or ::/0 (admin ports stay closed to the internet); got "10.0.0.1/24"',
    ),
    ({"admin_cidrs": ["203.0.113.7"]}, 'got "203.0.113.7"'),
    ({"admin_cidrs": ["office"]}, 'got "office"'),
    ({"admin_cidrs": "203.0.113.0/24"}, "admin_cidrs a list of CIDRs (got str)"),
    (
        {"platform_allowed_account_ids": ["12345678901"]},
        "platform_allowed_account_ids must be a list of 12-digit AWS account ids, quoted (unquoted, YAML reads an id "
        'with a leading zero as a shorter number), e.g. ["111122223333"]; got ["12345678901"]',
    ),
    ({"platform_allowed_account_ids": "111122223333"}, "platform_allowed_account_ids must be a list of 12-digit"),
    ({"aws_endpoint_url": "127.0.0.1:5000"}, "aws_endpoint_url must be empty (real AWS) or a URL"),
    ({"aws_access_key": "AKIAEXAMPLE", "aws_secret_key": ""}, "must be set together"),
    ({"aws_retry_mode": "legacy"}, "aws_retry_mode must be"),
    ({"aws_max_attempts": 50}, "aws_max_attempts a whole number from 1 to 20"),
    ({"network_vpc_cidr": "10.0.0.0/8"}, "network_vpc_cidr must be an IPv4 network CIDR with a prefix from /16 to /24"),
    ({"network_vpc_cidr": "10.0.0.1/16"}, 'no host bits set, such as 10.0.0.0/16; got "10.0.0.1/16"'),
    ({"network_availability_zones": ["us-east-2a"]}, "network_availability_zones must name at least two"),
    ({"network_availability_zones": ["eu-west-1a", "eu-west-1b"]}, "two distinct zones of us-east-2"),
    ({"network_public_subnet_cidrs": ["10.0.1.0/24"]}, "one subnet per zone"),
    ({"network_public_subnet_cidrs": ["10.0.1.0/24", "10.1.2.0/24"]}, '"10.1.2.0/24" is not'),
    ({"network_private_subnet_cidrs": ["10.0.1.0/25", "10.0.20.0/24"]}, '"10.0.1.0/24" is not'),
    (
        {"network_nat_gateway_enabled": True},
        "network_nat_gateway_enabled is gone: set network_private_egress to nat_gateway",
    ),
    ({"network_private_egress": "vpn"}, "network_private_egress"),
    (
        {"network_private_egress": "endpoints", "network_s3_endpoint_enabled": False},
        "endpoints needs network_s3_endpoint_enabled: true",
    ),
    (
        {"network_private_egress": "none"},
        "network_private_egress is none, but the ECS service runs its tasks in the private subnets",
    ),
    ({"security_groups_app_ports": [8080, 70000]}, "security_groups_*_ports entries must be ports from 1 to 65535"),
    ({"security_groups_kubernetes_ports": ["32767-30000"]}, 'got "32767-30000"'),
    ({"security_groups_web_cidrs": ["everywhere"]}, "security_groups_web_cidrs entries must be network CIDRs"),
    ({"iam_max_session_duration": 100}, "iam_max_session_duration must be 3600 to 43200 seconds"),
    ({"iam_permissions_boundary": "Boundary"}, "iam_permissions_boundary empty or a policy ARN"),
    ({"data_lake_encryption": "rot13"}, "data_lake_encryption"),
    (
        {"data_lake_raw_infrequent_access_days": 10},
        "data_lake_raw_infrequent_access_days must be a whole number of days, at least 30",
    ),
    ({"platform_bucket_suffix": "Team_A"}, "platform_bucket_suffix must be empty (the account id) or lowercase"),
    ({"ecr_repositories": ["Spark Apps"]}, "ecr_repositories must be distinct names"),
    ({"ecr_tagged_images_kept": 0}, "ecr_tagged_images_kept whole numbers of at least 1"),
    ({"secrets_password_length": 8}, "secrets_password_length must be 12 to 128"),
    ({"secrets_recovery_window_days": 3}, "secrets_recovery_window_days and secrets_kms_deletion_days 7 to 30 days"),
    ({"ecs_spark_job_memory": 3000}, "spark_job: Fargate does not run 2048 CPU units with 3000 MiB"),
    ({"ecs_data_processing_cpu": 1000}, "ecs_data_processing_cpu must be one of"),
    ({"ecs_default_capacity_provider": "EC2"}, "ecs_default_capacity_provider"),
    ({"ecs_service_desired_count": -1}, "ecs_service_desired_count a whole number of at least 0"),
    ({"instances_kubernetes_type": "t3-small"}, 'must be EC2 instance types such as t3.small (got "t3-small"'),
    ({"instances_root_volume_size": 4}, "instances_root_volume_size a whole number of GiB from 8 to 16384 (got 4)"),
    ({"instances_cpu_credits": "burst"}, "instances_cpu_credits"),
    ({"instances_metadata_hop_limit": 0}, "instances_metadata_hop_limit from 1 to 64 (got 0)"),
    (
        {"instances_ami_id": "ami-xyz"},
        'instances_ami_id must be empty or an AMI id (ami- and 8 or 17 hex digits; got "ami-xyz")',
    ),
    (
        {"instances_ami_owner": "debian"},
        'instances_ami_owner a 12-digit account id, amazon, aws-marketplace or self (got "debian")',
    ),
    (
        {"instances_ssh_public_key": "", "instances_ssh_public_key_file": "/nonexistent/id_ed25519.pub"},
        "instances_ssh_public_key_file: /nonexistent/id_ed25519.pub does not exist on the controller",
    ),
    (
        {"instances_ssh_public_key": "-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjE="},
        "instances_ssh_public_key must hold one OpenSSH public key line",
    ),
    ({"glue_datasets": [{**EVENTS, "name": "Events"}]}, 'glue_datasets entry "Events": names must be distinct'),
    ({"glue_datasets": [{**EVENTS, "key_columns": ["order_id"]}]}, "key_columns, order_column and partition_columns"),
    ({"glue_datasets": [{**EVENTS, "partition_columns": ["country"]}]}, "must name columns of the schema"),
    (
        {"glue_datasets": [{**EVENTS, "schema": [{"name": "id", "type": "float"}]}]},
        "type must be one of: string, int, long, double, boolean, date, timestamp",
    ),
    ({"glue_datasets": [EVENTS, EVENTS]}, "names must be distinct"),
    ({"glue_number_of_workers": 1}, "glue_number_of_workers at least 2 (got 1)"),
    ({"glue_version": "1.0"}, 'glue_version must be a Glue version of 2.0 or later (got "1.0")'),
    ({"glue_crawler_schedule": "daily"}, "glue_crawler_schedule empty or a cron expression of six fields"),
    ({"glue_runner": "local", "glue_run_wait": False}, "glue_run_wait must stay true (got false)"),
    ({"glue_runner": "spark"}, "value of glue_runner must be one of: glue, local, got: spark"),
    # Settings no role declares, which Ansible alone would ignore.
    ({"ecs_task_cpu": 3000}, "ignore them: ecs_task_cpu (did you mean ecs_spark_job_cpu?)"),
    ({"network_vpc_cdir": "10.1.0.0/16"}, "ignore them: network_vpc_cdir (did you mean network_vpc_cidr?)"),
]


@pytest.mark.parametrize(
    ("settings", "message"),
    BAD_SETTINGS,
    ids=[f"{next(iter(settings))}-{index}" for index, (settings, _message) in enumerate(BAD_SETTINGS)],
)
def test_bad_settings_fail_before_any_aws_request(playbook, settings, message):
    # An endpoint nobody listens on: had any AWS request been made, the failure would be about it.
    env = playbook.environment(AWS_ENDPOINT_URL=free_loopback_endpoint())
    result = playbook.run("site.yml", "-i", "inventories/local", "-e", json.dumps(settings), env=env)

    assert result.returncode != 0
    assert message in " ".join(result.output.split()), result.output[-2500:]
    assert STS_TASK not in result.output
    assert "did not answer" not in result.output


def test_undeclared_settings_are_all_named_at_once_before_any_aws_request(playbook):
    # The example, a mistyped shared setting and a removed one; an endpoint nobody listens on, as above.
    settings = {"ecs_task_cpu": 3000, "platform_tag": {"Owner": "me"}, "network_nat_gateway_enabled": True}
    env = playbook.environment(AWS_ENDPOINT_URL=free_loopback_endpoint())
    result = playbook.run("playbooks/cloud.yml", "-i", "inventories/local", "-e", json.dumps(settings), env=env)

    output = " ".join(result.output.split())
    assert result.returncode != 0
    assert (
        "No role of dataeng.platform declares these variables, so the run would ignore them: ecs_task_cpu (did you "
        "mean ecs_spark_job_cpu?); platform_tag (did you mean platform_tags?). network_nat_gateway_enabled is gone: "
        "set network_private_egress to nat_gateway"
    ) in output, result.output[-2500:]
    assert "Nothing was changed" in output
    assert "platform_undeclared_settings_allowed" in output
    assert result.recap()["failed"] == 1
    assert STS_TASK not in result.output
    assert "did not answer" not in result.output


def test_a_variable_of_ones_own_passes_once_allowed(playbook):
    settings = {"ecs_task_cpu": 3000, "platform_undeclared_settings_allowed": ["ecs_task_*"]}
    env = playbook.environment(AWS_ENDPOINT_URL=free_loopback_endpoint())
    result = playbook.run("playbooks/cloud.yml", "-i", "inventories/local", "-e", json.dumps(settings), env=env)

    # Past every check, the run asks STS, which does not answer.
    assert result.returncode != 0
    assert "did not answer" in result.output, result.output[-2500:]
    assert "ecs_task_cpu (did you mean" not in result.output


def test_the_host_layer_alone_stops_on_an_undeclared_setting(playbook):
    env = playbook.environment(AWS_ENDPOINT_URL=free_loopback_endpoint())
    result = playbook.run(
        "playbooks/hosts.yml", "-i", "inventories/local", "-e", "monitoring_grafana_pasword=x", env=env
    )

    assert result.returncode != 0
    assert "monitoring_grafana_pasword (did you mean monitoring_grafana_admin_password?)" in " ".join(
        result.output.split()
    ), result.output[-2500:]
    # It stopped in the first play, on the controller: no host play started.
    assert "Host layer - Docker Engine" not in result.output
