"""The minikube role's host steps: a dedicated user in the docker group, the Python client for the
kubernetes.core modules, and a systemd unit that starts the default cluster (docker driver, 1536 MB,
1 CPU) at boot, enabled and, with minikube_start false, not started."""

import shlex

UNIT = "/etc/systemd/system/minikube.service"


def unit_property(host, name):
    return host.check_output(f"systemctl show minikube.service --property={name} --value")


def start_arguments(host):
    (command,) = [line for line in host.file(UNIT).content_string.splitlines() if line.startswith("ExecStart=")]
    return shlex.split(command.removeprefix("ExecStart="))


def test_minikube_user_is_a_system_user_in_the_docker_group(host):
    user = host.user("minikube")
    assert user.exists
    assert user.uid < 1000
    assert user.home == "/var/lib/minikube"
    assert user.shell == "/usr/sbin/nologin"
    assert "docker" in user.groups
    assert host.file("/var/lib/minikube").user == "minikube"


def test_python_client_for_the_kubernetes_modules_imports(host):
    assert host.package("python3-kubernetes").is_installed
    version = host.check_output("/usr/bin/python3 -c 'import kubernetes; print(kubernetes.__version__)'")
    # kubernetes.core 6 needs 24.2.0 or later.
    assert int(version.split(".")[0]) >= 24, version


def test_unit_runs_minikube_as_its_user_with_the_seeds_sizes(host):
    unit = host.file(UNIT)
    assert unit.user == "root"
    assert unit.mode == 0o644
    assert unit_property(host, "User") == "minikube"
    assert "MINIKUBE_HOME=/var/lib/minikube" in unit_property(host, "Environment")
    arguments = start_arguments(host)
    assert arguments[:2] == ["/usr/local/bin/minikube", "start"]
    assert {
        "--driver=docker",
        "--memory=1536mb",
        "--cpus=1",
        "--kubernetes-version=v1.31.0",
        "--ports=8443:8443,30080:30080",
        "--apiserver-port=8443",
        # Below Minikube's minimums (1800 MB, 2 CPUs): only accepted with --force.
        "--force",
    } <= set(arguments)
    address = host.ansible("setup", "gather_subset=network")["ansible_facts"]["ansible_default_ipv4"]["address"]
    assert f"--apiserver-ips={address}" in arguments


def test_unit_starts_after_docker_and_at_boot_but_not_now(host):
    assert "docker.service" in unit_property(host, "Requires")
    assert "docker.service" in unit_property(host, "After")
    assert host.service("minikube").is_enabled
    # minikube_start is false on the stand-in host: nothing to run yet.
    assert unit_property(host, "ActiveState") == "inactive"


def test_no_binary_was_downloaded_and_no_kubeconfig_handed_out(host):
    # minikube_download_binaries is false: the real-host-only steps left no trace.
    for binary in ("minikube", "kubectl", "helm"):
        assert not host.file(f"/usr/local/bin/{binary}").exists
    assert not host.file("/home/admin/.kube/config").exists
