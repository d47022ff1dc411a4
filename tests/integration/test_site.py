"""The whole site against a fresh emulator, as `make local` runs it: plan, converge, rerun, destroy.

The cloud layer's tests need the emulator only; the host layer's need test hosts (Docker) and skip,
saying why, where none can run (`DATAENG_TESTHOST_NO_DOCKER=1` shows which tests those are)."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import deployer_policy
from support import account, contract, expectations, host_secrets
from support import monitoring_stack as stack
from support.aws import Aws
from support.aws_proxy import Request
from support.emulator import RequestRecording, running_emulator
from support.playbook import CLOUD_LANES, PlaybookResult, PlaybookRunner
from support.testhost import StandIns, stand_in_hosts

pytestmark = pytest.mark.slow
LOCAL = ("-i", "inventories/local")
# The cloud layer and the outputs, which need no host.
CLOUD_LAYER = ("playbooks/cloud.yml", "playbooks/outputs.yml", *LOCAL)


@dataclass
class Cloud:
    """The cloud layer on a fresh emulator; no test host, so no Docker, needed."""

    aws: Aws
    runner: PlaybookRunner
    env: dict[str, str]
    recording: RequestRecording
    # Every request the recorded runs sent, as the emulator recorded them: the check run, the cloud layer's
    # converge and rerun, the host layer's converge and site.yml rerun when test hosts can run, the destroys.
    requests: list[Request] = field(default_factory=list)
    check: PlaybookResult | None = None
    # What the check run left: differences in the whole account inventory, tagged resources, the outputs file.
    changed_by_check: list[str] = field(default_factory=list)
    left_by_check: list[str] = field(default_factory=list)
    converge: PlaybookResult | None = None
    secrets_after_converge: dict = field(default_factory=dict)
    rerun: PlaybookResult | None = None

    def run(self, *args: str, env: dict[str, str] | None = None) -> PlaybookResult:
        return self.runner.run(*args, env=env or self.env)

    def run_recorded(self, *args: str, env: dict[str, str] | None = None) -> PlaybookResult:
        """A run whose requests join `requests`, for the contract and deployer-policy tests."""
        self.recording.restart()
        result = self.run(*args, env=env)
        self.requests += self.recording.requests()
        return result


@dataclass
class Hosts:
    """Test hosts standing in for the two instances, the host layer converged on them, then the whole
    site.yml run again."""

    cloud: Cloud
    stand_ins: StandIns
    env: dict[str, str]
    converge: PlaybookResult
    rerun: PlaybookResult

    def run(self, *args: str) -> PlaybookResult:
        return self.cloud.run(*args, env=self.env)

    def inventory(self) -> dict:
        """The local inventory as Ansible reads it now (`ansible-inventory --list`)."""
        command = [str(Path(sys.executable).parent / "ansible-inventory"), *LOCAL, "--list"]
        result = subprocess.run(
            command, cwd=self.cloud.runner.repo, env=self.env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def cloud(repo, tmp_path_factory) -> Cloud:
    """An empty account, planned in check mode (site.yml: no instance yet, so no host play runs), then the
    cloud layer and the outputs converged twice."""
    with running_emulator(tmp_path_factory.mktemp("emulator")) as emulator:
        runner = PlaybookRunner(repo, tmp_path_factory.mktemp("site"))
        aws = Aws(emulator)
        cloud = Cloud(aws, runner, runner.environment(**emulator.environment()), RequestRecording(emulator))
        empty = account.inventory(aws)
        cloud.check = cloud.run_recorded("site.yml", *LOCAL, "--check")
        cloud.changed_by_check = account.differences(empty, account.inventory(aws))
        cloud.left_by_check = expectations.platform_resources(aws) + [
            str(path) for path in [runner.outputs_file] if path.exists()
        ]
        # -vvv: the leak test below reads everything Ansible can print.
        cloud.converge = cloud.run_recorded(*CLOUD_LAYER, "-vvv")
        cloud.secrets_after_converge = expectations.secret_values(aws) if cloud.converge.returncode == 0 else {}
        cloud.rerun = cloud.run_recorded(*CLOUD_LAYER, "-vvv")
        yield cloud


@pytest.fixture(scope="module")
def hosts(cloud) -> Hosts:
    """Skipped, with the reason, where no Docker engine can run the test hosts."""
    with stand_in_hosts() as stand_ins:
        env = {**cloud.env, **stand_ins.environment()}
        converge = cloud.run_recorded("playbooks/hosts.yml", *LOCAL, "-vvv", env=env)
        rerun = cloud.run_recorded("site.yml", *LOCAL, "-vvv", env=env)
        yield Hosts(cloud, stand_ins, env, converge, rerun)


@pytest.fixture(scope="module")
def site(cloud, request) -> Cloud:
    """The cloud layer, after the host layer where test hosts can run: the destroy must come after the host
    plays, and the tests of every request must see theirs (the ec2_hosts inventory, the secret lookups)."""
    with contextlib.suppress(pytest.skip.Exception):
        request.getfixturevalue("hosts")
    return cloud


@pytest.mark.parametrize("inventory", ["inventories/local", "inventories/dev", "inventories/prod"])
def test_site_passes_syntax_check(playbook, inventory):
    result = playbook.run("site.yml", "-i", inventory, "--syntax-check")
    assert result.returncode == 0, result.output


def test_check_mode_on_an_empty_account_reports_changes_and_creates_nothing(cloud):
    assert cloud.check.returncode == 0, cloud.check.output
    assert cloud.check.totals()["changed"] > 0
    assert cloud.changed_by_check == [], "\n".join(cloud.changed_by_check)
    assert cloud.left_by_check == []


def test_the_cloud_layer_converges_and_a_rerun_changes_nothing(cloud):
    assert cloud.converge.returncode == 0, cloud.converge.output
    assert cloud.rerun.returncode == 0, cloud.rerun.output
    assert cloud.rerun.totals()["changed"] == 0, cloud.rerun.output


def test_network_matches_the_seed(cloud):
    expectations.network(cloud.aws)
    # The destroy test's "nothing left" check sees these resources through the tagging API.
    assert any(":vpc/" in arn for arn in expectations.platform_resources(cloud.aws))


def test_security_groups_match_the_seed_and_keep_admin_ports_off_the_internet(cloud):
    expectations.security_groups(cloud.aws)


def test_iam_roles_trust_their_service_with_scoped_policies(cloud):
    expectations.iam(cloud.aws)


def test_data_lake_buckets_match_the_seed(cloud):
    expectations.data_lake(cloud.aws)


def test_glue_pipeline_matches_the_seed(cloud):
    expectations.glue(cloud.aws)


def test_ecr_repositories_match_the_seed(cloud):
    expectations.ecr(cloud.aws)


def test_secrets_are_encrypted_with_the_platform_key_and_strong(cloud):
    expectations.secrets(cloud.aws)


def test_a_rerun_keeps_every_generated_password(cloud):
    assert expectations.secret_values(cloud.aws) == cloud.secrets_after_converge


def test_ecs_cluster_tasks_and_service_match_the_seed(cloud):
    expectations.ecs(cloud.aws)


def test_hosts_match_the_seed_on_a_supported_image(cloud):
    expectations.instances(cloud.aws)


def leaked_secrets(cloud: Cloud, written: list[str]) -> list[str]:
    values = expectations.generated_values(cloud.secrets_after_converge)
    assert len(values) == 7
    return [value for value in values for text in written if value in text]


def test_no_secret_value_reaches_any_output_even_at_vvv(cloud):
    written = [cloud.check.output, cloud.converge.output, cloud.rerun.output, cloud.runner.outputs_file.read_text()]
    assert leaked_secrets(cloud, written) == []


def test_outputs_name_the_account_and_are_private(cloud):
    outputs = cloud.runner.outputs()
    assert outputs["account_id"] == cloud.aws.sts.get_caller_identity()["Account"]
    assert outputs["environment"] == "local"
    assert outputs["region"] == "us-east-2"
    assert outputs["aws_endpoint"] == cloud.aws.endpoint
    assert outputs["resource_tags"] == {"Environment": "local", "Project": "dataeng", "ManagedBy": "ansible"}
    assert outputs["vpc_id"] == expectations.platform_vpc(cloud.aws, "dataeng-local")["VpcId"]
    assert outputs["data_lake_bucket"] == expectations.bucket_names(cloud.aws)["data-lake"]
    assert outputs["ecr_repository_urls"] == {
        name.removeprefix("local-"): uri for name, uri in expectations.ecr(cloud.aws).items()
    }
    assert outputs["glue_database"] == "local_data_lake_catalog"
    assert outputs["glue_workflow"] == "dataeng-local-data-pipeline"
    assert sorted(outputs["glue_jobs"]) == ["dataeng-local-data-processing", "dataeng-local-data-quality"]
    assert sorted(outputs["glue_crawlers"]) == ["dataeng-local-curated", "dataeng-local-processed", "dataeng-local-raw"]
    assert outputs["ecs_cluster_name"] == "local-data-processing-cluster"
    assert outputs["ecs_service_name"] == "dataeng-local-data-processing"
    assert outputs["secret_names"]["grafana"] == "dataeng-local/grafana"
    assert set(outputs["security_group_ids"]) == {"web", "app", "database", "bastion", "monitoring", "kubernetes"}
    hosts = expectations.instances(cloud.aws)
    for role, host in hosts.items():
        shown = outputs["hosts"][role]
        assert (shown["instance_id"], shown["public_ip"], shown["private_ip"]) == (
            host["InstanceId"],
            host["PublicIpAddress"],
            host["PrivateIpAddress"],
        )
        assert shown["ssh"] == f"ssh admin@{host['PublicIpAddress']}"
    monitoring, kubernetes = hosts["monitoring"]["PublicIpAddress"], hosts["kubernetes"]["PublicIpAddress"]
    assert outputs["service_urls"] == {
        "prometheus": f"http://{monitoring}:9090",
        "grafana": f"http://{monitoring}:3000",
        "kibana": f"http://{monitoring}:5601",
        "jaeger": f"http://{monitoring}:16686",
        "pushgateway": f"http://{monitoring}:9091",
        "argocd": f"https://{kubernetes}:30080",
        "kubernetes_api": f"https://{kubernetes}:8443",
    }
    # How to log in, never the password: the command that reads the secret.
    assert outputs["logins"] == {
        service: f"aws secretsmanager get-secret-value --region us-east-2 --secret-id dataeng-local/{service} "
        "--query SecretString --output text"
        for service in ("grafana", "argocd")
    }
    assert stat.S_IMODE(cloud.runner.outputs_file.stat().st_mode) == 0o600
    assert f"account_id = {outputs['account_id']}" in cloud.rerun.output


def test_the_host_layer_converges_and_a_whole_site_rerun_changes_nothing(hosts):
    assert hosts.converge.returncode == 0, hosts.converge.output
    assert hosts.rerun.returncode == 0, hosts.rerun.output
    assert hosts.rerun.totals()["changed"] == 0, hosts.rerun.output
    assert expectations.secret_values(hosts.cloud.aws) == hosts.cloud.secrets_after_converge


def test_no_secret_value_reaches_the_host_plays_output_even_at_vvv(hosts):
    assert leaked_secrets(hosts.cloud, [hosts.converge.output, hosts.rerun.output]) == []


def test_no_secret_on_a_host_command_line_or_in_a_world_readable_file(hosts):
    values = expectations.generated_values(hosts.cloud.secrets_after_converge)
    monitoring = hosts.stand_ins.hosts["monitoring"]
    # The scan finds what it looks for: a planted world-readable copy of one value.
    monitoring.exec("sh", "-c", "umask 022 && cat > /tmp/planted", input=values[0])
    try:
        assert host_secrets.exposures(monitoring, values) == ["world-readable file /tmp/planted"]
    finally:
        monitoring.exec("rm", "-f", "/tmp/planted")
    for role, host in hosts.stand_ins.hosts.items():
        assert host_secrets.exposures(host, values) == [], role


def test_the_dynamic_inventory_finds_both_instances_and_the_host_plays_configure_their_stand_ins(hosts):
    instances = {role: host["InstanceId"] for role, host in expectations.instances(hosts.cloud.aws).items()}
    inventory = hosts.inventory()
    for role, host in hosts.stand_ins.hosts.items():
        name = f"dataeng-local-{role}"
        assert inventory[role]["hosts"] == [name]
        # ansible-inventory marks values from the inventory source as unsafe in its JSON.
        instance_id = inventory["_meta"]["hostvars"][name]["instance_id"]
        assert instance_id in (instances[role], {"__ansible_unsafe": instances[role]})
        assert hosts.converge.recap(name)["failed"] == 0
        docker = host.exec("systemctl", "is-active", "docker", check=False)
        assert docker.stdout.strip() == "active", f"{role}: {docker.stdout}{docker.stderr}"
    assert hosts.rerun.recap("dataeng-local-monitoring")["changed"] == 0
    assert hosts.rerun.recap("dataeng-local-kubernetes")["changed"] == 0


def test_the_monitoring_host_runs_the_stack_and_prometheus_scrapes_it(hosts):
    monitoring = hosts.stand_ins.hosts["monitoring"]

    def run(command: str) -> tuple[int, str, str]:
        result = monitoring.exec("sh", "-c", command, check=False)
        return result.returncode, result.stdout, result.stderr

    containers = stack.wait_until_healthy(run)
    assert {c["Service"] for c in containers} == stack.BUILT_HERE
    stack.wait_for_targets_up(run)
    stack.promtool_check_config(run)
    assert set(stack.compose_config(run)["services"]) == stack.ALL_SERVICES
    # Grafana's admin login came from the secret the secrets role made, into root's 0600 env file.
    grafana = hosts.cloud.aws.secretsmanager.get_secret_value(SecretId="dataeng-local/grafana")["SecretString"]
    env_file = stack.check_output(
        run, f"stat -c '%U %a' {stack.PROJECT_DIR}/secrets/grafana.env && cat {stack.PROJECT_DIR}/secrets/grafana.env"
    )
    assert env_file.startswith("root 600\n")
    assert f"GF_SECURITY_ADMIN_PASSWORD='{json.loads(grafana)['password']}'" in env_file


def test_the_kubernetes_host_gets_every_minikube_step_but_the_real_host_only_ones(hosts):
    kubernetes = hosts.stand_ins.hosts["kubernetes"]

    def output(*command: str) -> str:
        return kubernetes.exec(*command).stdout.strip()

    assert "docker" in output("id", "-nG", "minikube").split()
    assert output("systemctl", "is-enabled", "minikube") == "enabled"
    assert "--memory=1536mb --cpus=1" in output("systemctl", "show", "minikube", "--property=ExecStart")
    output("python3", "-c", "import kubernetes")
    # inventories/local: no download, no start, so no cluster and no argocd role on the stand-in.
    assert output("systemctl", "show", "minikube", "--property=ActiveState", "--value") == "inactive"
    assert kubernetes.exec("test", "-e", "/usr/local/bin/minikube", check=False).returncode == 1
    assert "dataeng.platform.minikube : Install the systemd unit" in hosts.converge.output
    assert kubernetes.exec("test", "-e", "/var/lib/dataeng-platform/argocd", check=False).returncode == 1


def test_a_changed_prometheus_configuration_restarts_prometheus_only(hosts):
    monitoring = hosts.stand_ins.hosts["monitoring"]

    def started() -> dict[str, str]:
        names = [f"monitoring-{service}-1" for service in sorted(stack.BUILT_HERE)]
        inspect = monitoring.exec("docker", "inspect", "--format", "{{.Name}} {{.State.StartedAt}}", *names)
        return dict(line.lstrip("/").split(" ", 1) for line in inspect.stdout.splitlines())

    before = started()
    changed = hosts.run("site.yml", *LOCAL, "--tags", "monitoring", "-e", "monitoring_prometheus_scrape_interval=20s")
    assert changed.returncode == 0, changed.output
    assert "RUNNING HANDLER [dataeng.platform.monitoring : Restart Prometheus]" in changed.output
    after = started()
    assert after["monitoring-prometheus-1"] != before["monitoring-prometheus-1"]
    del before["monitoring-prometheus-1"], after["monitoring-prometheus-1"]
    assert after == before
    config = monitoring.exec("cat", f"{stack.PROJECT_DIR}/prometheus/prometheus.yml").stdout
    assert "scrape_interval: 20s" in config


def test_check_mode_on_the_converged_account_predicts_changed_settings_and_changes_nothing(cloud):
    before = account.inventory(cloud.aws)
    # Another admin CIDR (the security groups role) and an extra tag (every role that tags).
    changed = '{"admin_cidrs": ["198.51.100.0/24"], "platform_tags": {"CostCenter": "data-42"}}'
    check = cloud.run("playbooks/cloud.yml", *LOCAL, "--check", "-e", changed)
    assert check.returncode == 0, check.output
    predicted = {host for host, counts in check.recaps().items() if counts["changed"]}
    # Every lane (the data lake's buckets, which s3_bucket cannot predict, share a lane with IAM's roles).
    assert predicted >= CLOUD_LANES, check.output
    differences = account.differences(before, account.inventory(cloud.aws))
    assert differences == [], "\n".join(differences)


def test_the_pipeline_playbook_starts_every_step(cloud):
    # Glue's path, as on AWS: the emulator records each run (test_pipeline_local.py runs the jobs locally).
    result = cloud.run("playbooks/pipeline.yml", *LOCAL, "-e", "glue_runner=glue", "-e", "glue_run_wait=false")
    assert result.returncode == 0, result.output
    for zone in ("raw", "processed", "curated"):
        assert len(cloud.aws.glue.list_crawls(CrawlerName=f"dataeng-local-{zone}")["Crawls"]) == 1, zone
    (run,) = cloud.aws.glue.get_workflow_runs(Name="dataeng-local-data-pipeline")["Runs"]
    assert f"Workflow run {run['WorkflowRunId']}" in result.output


def test_extra_tags_join_the_identity_tags_but_cannot_replace_them(cloud):
    tags = '{"platform_tags": {"CostCenter": "data-42", "Environment": "spoofed"}}'
    result = cloud.run("playbooks/outputs.yml", *LOCAL, "-e", tags)
    assert result.returncode == 0, result.output
    assert cloud.runner.outputs()["resource_tags"] == {
        "CostCenter": "data-42",
        "Environment": "local",
        "Project": "dataeng",
        "ManagedBy": "ansible",
    }


def test_destroy_keeps_the_data_unless_told_then_leaves_nothing(site):
    data = [name for kind, name in expectations.bucket_names(site.aws).items() if kind != "glue-scripts"]
    site.aws.s3.put_object(Bucket=data[0], Key="raw/events/2026-11-27.json", Body=b'{"id": 1}')

    # The emulator cannot schedule a KMS key's deletion (see README): locally the key stays.
    (alias,) = [a for a in site.aws.kms.list_aliases()["Aliases"] if a["AliasName"] == "alias/dataeng-local-secrets"]
    key = site.aws.kms.describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]["Arn"]

    destroy = site.run_recorded("playbooks/destroy.yml", *LOCAL, "-e", "confirm_destroy=local")
    assert destroy.returncode == 0, destroy.output
    account_id = site.aws.sts.get_caller_identity()["Account"]
    logs = f"arn:aws:logs:us-east-2:{account_id}:log-group:/ecs/dataeng-local"
    assert expectations.remaining_resources(site.aws) == sorted([key, logs, *(f"arn:aws:s3:::{name}" for name in data)])
    assert site.aws.s3.get_object(Bucket=data[0], Key="raw/events/2026-11-27.json")["Body"].read() == b'{"id": 1}'
    for name in expectations.SECRETS:
        assert "DeletedDate" in site.aws.secretsmanager.describe_secret(SecretId=f"dataeng-local/{name}"), name
    assert not site.runner.outputs_file.exists()
    # Key pairs are not in the tagging API.
    assert (
        site.aws.ec2.describe_key_pairs(Filters=[{"Name": "key-name", "Values": ["dataeng-local-admin"]}])["KeyPairs"]
        == []
    )

    with_data = site.run_recorded(
        "playbooks/destroy.yml", *LOCAL, "-e", "confirm_destroy=local", "-e", "destroy_data=true"
    )
    assert with_data.returncode == 0, with_data.output
    assert expectations.remaining_resources(site.aws) == [key]
    # Every kind of resource, tagged or not: only KMS keys are left, AWS's own EBS key and the
    # platform's (which the emulator cannot schedule for deletion), and EBS encryption by default,
    # which destroy leaves on (an account-wide setting other workloads may rely on).
    inventory = account.inventory(site.aws)
    assert account.counts(inventory) == {
        "kms_keys": 2,
        "ebs_encryption_by_default": 1,
        "ecr_registry": 1,
    }, account.counts(inventory)
    assert sorted(k["alias"] for k in inventory["kms_keys"]) == ["alias/aws/ebs", "alias/dataeng-local-secrets"]

    again = site.run_recorded("playbooks/destroy.yml", *LOCAL, "-e", "confirm_destroy=local", "-e", "destroy_data=true")
    assert again.returncode == 0, again.output
    assert again.recap()["changed"] == 0, again.output


def test_every_request_keeps_the_aws_contract_the_emulator_does_not_enforce(site):
    # After the destroy test: every recorded run, from the check run (describes only) to the destroys.
    operations = {request.operation for request in site.requests}
    assert {"CreateVpc", "CreateRole", "RegisterTaskDefinition", "DeleteVpc"} <= operations
    violations = contract.check(site.requests)
    assert violations == [], "\n".join(map(str, violations))


def sent_by_ansible(site: Cloud) -> list[Request]:
    sent = [request for request in site.requests if deployer_policy.sent_by_ansible(request)]
    called = set().union(*map(deployer_policy.actions, sent))
    assert {"ec2:DeleteVpc", "s3:DeleteBucket"} <= called, "the destroys were not recorded"
    return sent


def test_the_shipped_deployer_policy_allows_every_request_the_runs_sent(site):
    """Without test hosts too: what the cloud layer, the outputs and the destroys sent."""
    shipped = json.loads(deployer_policy.SHIPPED_POLICY.read_text())
    local = deployer_policy.render(shipped, project="dataeng", environment="local")
    assert deployer_policy.outside_the_policy(local, sent_by_ansible(site)) == []


def test_the_shipped_deployer_policy_is_what_check_converge_rerun_and_destroy_needed(site, hosts):
    """docs/deployer-policy.json equals a fresh generation from this module's runs, the host plays' included
    (their secret lookups need secretsmanager:GetSecretValue): a new AWS call fails here until
    `make deployer-policy` regenerates the policy (test_deployer_policy.py proves it suffices)."""
    sent = sent_by_ansible(site)
    fresh = deployer_policy.generate(sent)
    local = deployer_policy.render(fresh, project="dataeng", environment="local")
    assert deployer_policy.outside_the_policy(local, sent) == []
    needed = site.runner.workdir / deployer_policy.SHIPPED_POLICY.name
    needed.write_text(deployer_policy.dumps(fresh))
    if os.environ.get(deployer_policy.UPDATE_VARIABLE):
        deployer_policy.SHIPPED_POLICY.write_text(deployer_policy.dumps(fresh))
    shipped = json.loads(deployer_policy.SHIPPED_POLICY.read_text())
    assert shipped == fresh, f"the runs needed {needed}: review the difference and run `make deployer-policy`"
