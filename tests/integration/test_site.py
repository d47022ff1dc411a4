"""The whole site against a fresh emulator, as `make local` runs it: plan, converge, rerun, destroy."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import deployer_policy
from support import account, contract, expectations, host_secrets
from support import monitoring_stack as stack
from support.aws import Aws
from support.aws_proxy import Request
from support.emulator import RequestRecording, running_emulator
from support.playbook import PlaybookResult, PlaybookRunner
from support.testhost import StandIns, stand_in_hosts

pytestmark = pytest.mark.slow
LOCAL = ("-i", "inventories/local")


@dataclass
class Site:
    aws: Aws
    runner: PlaybookRunner
    env: dict[str, str]
    check: PlaybookResult
    left_by_check: list[str]
    converge: PlaybookResult
    secrets_after_converge: dict
    rerun: PlaybookResult
    stand_ins: StandIns
    recording: RequestRecording
    # Every request the runs sent, as the emulator recorded them: the check run, the converge and the rerun
    # here, the destroys in the destroy test.
    requests: list[Request]

    def run(self, *args: str) -> PlaybookResult:
        return self.runner.run(*args, env=self.env)

    def inventory(self) -> dict:
        """The local inventory as Ansible reads it now (`ansible-inventory --list`)."""
        command = [str(Path(sys.executable).parent / "ansible-inventory"), *LOCAL, "--list"]
        result = subprocess.run(
            command, cwd=self.runner.repo, env=self.env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def site(repo, tmp_path_factory) -> Site:
    """An empty account, planned in check mode, then converged twice; test hosts stand in for the
    two instances, so the host plays run for real."""
    with running_emulator(tmp_path_factory.mktemp("emulator")) as emulator, stand_in_hosts() as stand_ins:
        runner = PlaybookRunner(repo, tmp_path_factory.mktemp("site"))
        env = runner.environment(**emulator.environment(), **stand_ins.environment())
        aws = Aws(emulator)
        recording = RequestRecording(emulator)
        recording.restart()
        check = runner.run("site.yml", *LOCAL, "--check", env=env)
        left_by_check = expectations.platform_resources(aws) + [
            str(path) for path in [runner.outputs_file] if path.exists()
        ]
        # -vvv: the leak test below reads everything Ansible can print.
        converge = runner.run("site.yml", *LOCAL, "-vvv", env=env)
        secrets_after_converge = expectations.secret_values(aws) if converge.returncode == 0 else {}
        rerun = runner.run("site.yml", *LOCAL, "-vvv", env=env)
        requests = recording.requests()
        yield Site(
            aws,
            runner,
            env,
            check,
            left_by_check,
            converge,
            secrets_after_converge,
            rerun,
            stand_ins,
            recording,
            requests,
        )


@pytest.mark.parametrize("inventory", ["inventories/local", "inventories/dev", "inventories/prod"])
def test_site_passes_syntax_check(playbook, inventory):
    result = playbook.run("site.yml", "-i", inventory, "--syntax-check")
    assert result.returncode == 0, result.output


def test_check_mode_on_an_empty_account_reports_changes_and_creates_nothing(site):
    assert site.check.returncode == 0, site.check.output
    assert site.check.totals()["changed"] > 0
    assert site.left_by_check == []


def test_converge_succeeds_and_a_rerun_changes_nothing(site):
    assert site.converge.returncode == 0, site.converge.output
    assert site.rerun.returncode == 0, site.rerun.output
    assert site.rerun.totals()["changed"] == 0, site.rerun.output


def test_every_request_keeps_the_aws_contract_the_emulator_does_not_enforce(site):
    # The recording covers the check run (describes only), the converge and the rerun.
    assert {"CreateVpc", "CreateRole", "RegisterTaskDefinition"} <= {request.operation for request in site.requests}
    violations = contract.check(site.requests)
    assert violations == [], "\n".join(map(str, violations))


def test_network_matches_the_seed(site):
    expectations.network(site.aws)
    # The destroy test's "nothing left" check sees these resources through the tagging API.
    assert any(":vpc/" in arn for arn in expectations.platform_resources(site.aws))


def test_security_groups_match_the_seed_and_keep_admin_ports_off_the_internet(site):
    expectations.security_groups(site.aws)


def test_iam_roles_trust_their_service_with_scoped_policies(site):
    expectations.iam(site.aws)


def test_data_lake_buckets_match_the_seed(site):
    expectations.data_lake(site.aws)


def test_glue_pipeline_matches_the_seed(site):
    expectations.glue(site.aws)


def test_the_pipeline_playbook_starts_every_step(site):
    result = site.run("playbooks/pipeline.yml", *LOCAL, "-e", "glue_run_wait=false")
    assert result.returncode == 0, result.output
    for zone in ("raw", "processed"):
        assert len(site.aws.glue.list_crawls(CrawlerName=f"dataeng-local-{zone}")["Crawls"]) == 1, zone
    (run,) = site.aws.glue.get_workflow_runs(Name="dataeng-local-data-pipeline")["Runs"]
    assert f"Workflow run {run['WorkflowRunId']}" in result.output


def test_ecr_repositories_match_the_seed(site):
    expectations.ecr(site.aws)


def test_secrets_are_encrypted_with_the_platform_key_and_strong(site):
    expectations.secrets(site.aws)


def test_a_rerun_keeps_every_generated_password(site):
    assert expectations.secret_values(site.aws) == site.secrets_after_converge


def test_no_secret_value_reaches_any_output_even_at_vvv(site):
    values = expectations.generated_values(site.secrets_after_converge)
    assert len(values) == 7
    written = [site.check.output, site.converge.output, site.rerun.output, site.runner.outputs_file.read_text()]
    leaks = [value for value in values for text in written if value in text]
    assert leaks == []


def test_no_secret_on_a_host_command_line_or_in_a_world_readable_file(site):
    values = expectations.generated_values(site.secrets_after_converge)
    monitoring = site.stand_ins.hosts["monitoring"]
    # The scan finds what it looks for: a planted world-readable copy of one value.
    monitoring.exec("sh", "-c", "umask 022 && cat > /tmp/planted", input=values[0])
    try:
        assert host_secrets.exposures(monitoring, values) == ["world-readable file /tmp/planted"]
    finally:
        monitoring.exec("rm", "-f", "/tmp/planted")
    for role, host in site.stand_ins.hosts.items():
        assert host_secrets.exposures(host, values) == [], role


def test_ecs_cluster_tasks_and_service_match_the_seed(site):
    expectations.ecs(site.aws)


def test_hosts_match_the_seed_on_a_supported_image(site):
    expectations.instances(site.aws)


def test_the_dynamic_inventory_finds_both_instances_and_the_host_plays_configure_their_stand_ins(site):
    instances = {role: host["InstanceId"] for role, host in expectations.instances(site.aws).items()}
    inventory = site.inventory()
    for role, host in site.stand_ins.hosts.items():
        name = f"dataeng-local-{role}"
        assert inventory[role]["hosts"] == [name]
        # ansible-inventory marks values from the inventory source as unsafe in its JSON.
        instance_id = inventory["_meta"]["hostvars"][name]["instance_id"]
        assert instance_id in (instances[role], {"__ansible_unsafe": instances[role]})
        assert site.converge.recap(name)["failed"] == 0
        docker = host.exec("systemctl", "is-active", "docker", check=False)
        assert docker.stdout.strip() == "active", f"{role}: {docker.stdout}{docker.stderr}"
    assert site.rerun.recap("dataeng-local-monitoring")["changed"] == 0
    assert site.rerun.recap("dataeng-local-kubernetes")["changed"] == 0


def test_the_monitoring_host_runs_the_stack_and_prometheus_scrapes_it(site):
    monitoring = site.stand_ins.hosts["monitoring"]

    def run(command: str) -> tuple[int, str, str]:
        result = monitoring.exec("sh", "-c", command, check=False)
        return result.returncode, result.stdout, result.stderr

    containers = stack.wait_until_healthy(run)
    assert {c["Service"] for c in containers} == stack.BUILT_HERE
    stack.wait_for_targets_up(run)
    stack.promtool_check_config(run)
    assert set(stack.compose_config(run)["services"]) == stack.ALL_SERVICES
    # Grafana's admin login came from the secret the secrets role made, into root's 0600 env file.
    grafana = site.aws.secretsmanager.get_secret_value(SecretId="dataeng-local/grafana")["SecretString"]
    env_file = stack.check_output(
        run, f"stat -c '%U %a' {stack.PROJECT_DIR}/secrets/grafana.env && cat {stack.PROJECT_DIR}/secrets/grafana.env"
    )
    assert env_file.startswith("root 600\n")
    assert f"GF_SECURITY_ADMIN_PASSWORD='{json.loads(grafana)['password']}'" in env_file


def test_the_kubernetes_host_gets_every_minikube_step_but_the_real_host_only_ones(site):
    kubernetes = site.stand_ins.hosts["kubernetes"]

    def output(*command: str) -> str:
        return kubernetes.exec(*command).stdout.strip()

    assert "docker" in output("id", "-nG", "minikube").split()
    assert output("systemctl", "is-enabled", "minikube") == "enabled"
    assert "--memory=1536mb --cpus=1" in output("systemctl", "show", "minikube", "--property=ExecStart")
    output("python3", "-c", "import kubernetes")
    # inventories/local: no download, no start, so no cluster and no argocd role on the stand-in.
    assert output("systemctl", "show", "minikube", "--property=ActiveState", "--value") == "inactive"
    assert kubernetes.exec("test", "-e", "/usr/local/bin/minikube", check=False).returncode == 1
    assert "dataeng.platform.minikube : Install the systemd unit" in site.converge.output
    assert kubernetes.exec("test", "-e", "/var/lib/dataeng-platform/argocd", check=False).returncode == 1


def test_a_changed_prometheus_configuration_restarts_prometheus_only(site):
    monitoring = site.stand_ins.hosts["monitoring"]

    def started() -> dict[str, str]:
        names = [f"monitoring-{service}-1" for service in sorted(stack.BUILT_HERE)]
        inspect = monitoring.exec("docker", "inspect", "--format", "{{.Name}} {{.State.StartedAt}}", *names)
        return dict(line.lstrip("/").split(" ", 1) for line in inspect.stdout.splitlines())

    before = started()
    changed = site.run("site.yml", *LOCAL, "--tags", "monitoring", "-e", "monitoring_prometheus_scrape_interval=20s")
    assert changed.returncode == 0, changed.output
    assert "RUNNING HANDLER [dataeng.platform.monitoring : Restart Prometheus]" in changed.output
    after = started()
    assert after["monitoring-prometheus-1"] != before["monitoring-prometheus-1"]
    del before["monitoring-prometheus-1"], after["monitoring-prometheus-1"]
    assert after == before
    config = monitoring.exec("cat", f"{stack.PROJECT_DIR}/prometheus/prometheus.yml").stdout
    assert "scrape_interval: 20s" in config


def test_outputs_name_the_account_and_are_private(site):
    outputs = site.runner.outputs()
    assert outputs["account_id"] == site.aws.sts.get_caller_identity()["Account"]
    assert outputs["environment"] == "local"
    assert outputs["region"] == "us-east-2"
    assert outputs["aws_endpoint"] == site.aws.endpoint
    assert outputs["resource_tags"] == {"Environment": "local", "Project": "dataeng", "ManagedBy": "ansible"}
    assert outputs["vpc_id"] == expectations.platform_vpc(site.aws, "dataeng-local")["VpcId"]
    assert outputs["data_lake_bucket"] == expectations.bucket_names(site.aws)["data-lake"]
    assert outputs["ecr_repository_urls"] == {
        name.removeprefix("local-"): uri for name, uri in expectations.ecr(site.aws).items()
    }
    assert outputs["glue_database"] == "local_data_lake_catalog"
    assert outputs["glue_workflow"] == "dataeng-local-data-pipeline"
    assert sorted(outputs["glue_jobs"]) == ["dataeng-local-data-processing", "dataeng-local-data-quality"]
    assert sorted(outputs["glue_crawlers"]) == ["dataeng-local-processed", "dataeng-local-raw"]
    assert outputs["ecs_cluster_name"] == "local-data-processing-cluster"
    assert outputs["ecs_service_name"] == "dataeng-local-data-processing"
    assert outputs["secret_names"]["grafana"] == "dataeng-local/grafana"
    assert set(outputs["security_group_ids"]) == {"web", "app", "database", "bastion", "monitoring", "kubernetes"}
    hosts = expectations.instances(site.aws)
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
    assert stat.S_IMODE(site.runner.outputs_file.stat().st_mode) == 0o600
    assert f"account_id = {outputs['account_id']}" in site.rerun.output


def test_extra_tags_join_the_identity_tags_but_cannot_replace_them(site):
    tags = '{"platform_tags": {"CostCenter": "data-42", "Environment": "spoofed"}}'
    result = site.run("site.yml", *LOCAL, "--tags", "outputs", "-e", tags)
    assert result.returncode == 0, result.output
    assert site.runner.outputs()["resource_tags"] == {
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

    site.recording.restart()
    destroy = site.run("playbooks/destroy.yml", *LOCAL, "-e", "confirm_destroy=local")
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

    with_data = site.run("playbooks/destroy.yml", *LOCAL, "-e", "confirm_destroy=local", "-e", "destroy_data=true")
    assert with_data.returncode == 0, with_data.output
    assert expectations.remaining_resources(site.aws) == [key]
    # Every kind of resource, tagged or not: only KMS keys are left, AWS's own EBS key and the
    # platform's (which the emulator cannot schedule for deletion).
    inventory = account.inventory(site.aws)
    assert account.counts(inventory) == {"kms_keys": 2}, account.counts(inventory)
    assert sorted(k["alias"] for k in inventory["kms_keys"]) == ["alias/aws/ebs", "alias/dataeng-local-secrets"]

    again = site.run("playbooks/destroy.yml", *LOCAL, "-e", "confirm_destroy=local", "-e", "destroy_data=true")
    assert again.returncode == 0, again.output
    assert again.recap()["changed"] == 0, again.output
    site.requests += site.recording.requests()


def test_the_shipped_deployer_policy_is_what_check_converge_rerun_and_destroy_needed(site):
    """docs/deployer-policy.json equals a fresh generation from this module's runs: a new AWS call fails
    here until `make deployer-policy` regenerates the policy (test_deployer_policy.py proves it suffices)."""
    sent = [request for request in site.requests if deployer_policy.sent_by_ansible(request)]
    called = set().union(*map(deployer_policy.actions, sent))
    assert {"ec2:DeleteVpc", "s3:DeleteBucket"} <= called, "the destroys were not recorded"
    fresh = deployer_policy.generate(sent)
    local = deployer_policy.render(fresh, project="dataeng", environment="local")
    assert deployer_policy.outside_the_policy(local, sent) == []
    needed = site.runner.workdir / deployer_policy.SHIPPED_POLICY.name
    needed.write_text(deployer_policy.dumps(fresh))
    if os.environ.get(deployer_policy.UPDATE_VARIABLE):
        deployer_policy.SHIPPED_POLICY.write_text(deployer_policy.dumps(fresh))
    shipped = json.loads(deployer_policy.SHIPPED_POLICY.read_text())
    assert shipped == fresh, f"the runs needed {needed}: review the difference and run `make deployer-policy`"
