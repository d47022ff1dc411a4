"""AWX configuration as code (playbooks/awx.yml): what it renders, what it sends, what it refuses.

No AWX runs here, so the definitions are checked as rendered (`awx_render_only=true`) against
the repository, and the awx.awx modules are run against a stand-in controller: an in-memory
copy of the few API v2 endpoints they use, which records every request. What the modules
sent must be exactly what the render showed.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from support.playbook import PlaybookResult, PlaybookRunner

pytestmark = pytest.mark.slow

PLAYBOOK = "playbooks/awx.yml"
# The environment's static inventory: localhost only, no AWS request.
INVENTORY = ("-i", "inventories/dev/hosts.yml")
SCM_URL = "https://git.example.com/dataeng/platform.git"
TOKEN = "fake-controller-token-8d1e5a"
ACCESS_KEY = "AKIAFAKEAWXTEST12345"
SECRET_KEY = "fake/aws+secret-key-0f4b9c7e2d"
SSH_KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAAfakeAwxTestKeyBody9a7c"
SSH_KEY = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SSH_KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n"
SECRETS = (ACCESS_KEY, SECRET_KEY, SSH_KEY_BODY, TOKEN)
SETTINGS = {
    "awx_project_scm_url": SCM_URL,
    "awx_aws_access_key": ACCESS_KEY,
    "awx_aws_secret_key": SECRET_KEY,
    "awx_ssh_private_key": SSH_KEY,
}
WORKFLOW_ORDER = ["network", "data_lake", "glue", "ecs", "compute", "kubernetes", "monitoring", "outputs"]


def run_awx(runner: PlaybookRunner, settings: dict, *args: str, env: dict[str, str] | None = None) -> PlaybookResult:
    return runner.run(PLAYBOOK, *INVENTORY, "-e", json.dumps(settings), *args, env=env)


def render(runner: PlaybookRunner, settings: dict, *args: str, env=None) -> tuple[PlaybookResult, dict, str]:
    """Renders into a file of its own; returns the run, the definitions and the file's text."""
    target = runner.workdir / f"awx-definitions-{next(_renders)}.json"
    result = run_awx(runner, {**settings, "awx_render_only": True, "awx_render_file": str(target)}, *args, env=env)
    assert result.returncode == 0, result.output[-3000:]
    text = target.read_text()
    return result, json.loads(text), text


_renders = itertools.count()


def changed_tasks(result: PlaybookResult) -> list[str]:
    """The names of the tasks that reported a change."""
    tasks = re.findall(r"^TASK \[(.*?)\] \**\n(.*?)(?=^TASK \[|^PLAY RECAP)", result.output, re.MULTILINE | re.DOTALL)
    return [name for name, lines in tasks if re.search(r"^changed: ", lines, re.MULTILINE)]


def joined(output: str) -> str:
    """Output with folded lines joined, so a message can be matched whole."""
    return " ".join(output.split())


@pytest.fixture(scope="module")
def runner(repo, tmp_path_factory) -> PlaybookRunner:
    return PlaybookRunner(repo, tmp_path_factory.mktemp("awx"))


@pytest.fixture(scope="module")
def rendered(runner) -> tuple[PlaybookResult, dict, str]:
    """The definitions rendered with (fake) keys and an SSH key, at -v."""
    return render(runner, SETTINGS, "-v")


@pytest.fixture(scope="module")
def definitions(rendered) -> dict:
    return rendered[1]


@pytest.fixture(scope="module")
def playbook_tags(repo, runner, definitions) -> dict[str, set[str]]:
    """Every tag of each playbook a job template runs, as `ansible-playbook --list-tags` reports it."""
    tags = {}
    for playbook in sorted({template["playbook"] for template in definitions["job_templates"]}):
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "ansible-playbook"),
                playbook,
                "--list-tags",
                "-i",
                "inventories/local/hosts.yml",
            ],
            cwd=repo,
            env=runner.environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        listed = re.findall(r"TAGS: \[([^\]]*)\]", result.stdout)
        tags[playbook] = {tag.strip() for line in listed for tag in line.split(",") if tag.strip()}
    return tags


# --- the playbook itself ---------------------------------------------------------------------


def test_syntax_check(runner):
    result = runner.run(PLAYBOOK, *INVENTORY, "--syntax-check")

    assert result.returncode == 0, result.output


def test_ansible_lint_production_profile_is_clean(repo):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-lint"), "--nocolor", PLAYBOOK, "playbooks/vars/awx.yml"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Profile 'production' was required, and it passed" in result.stdout + result.stderr


# --- the render ------------------------------------------------------------------------------


def test_render_writes_every_definition_and_calls_nothing(rendered, controller, runner):
    result, definitions, _text = rendered
    # The controller's settings are there, but a render never reaches it.
    _result, again, _text = render(runner, SETTINGS, env=controller.environment(runner))

    assert list(definitions) == [
        "environment",
        "organization",
        "credentials",
        "project",
        "inventory",
        "inventory_source",
        "job_templates",
        "workflow_job_template",
    ]
    assert again == definitions
    assert controller.requests == []
    assert result.recap() == {"ok": 8, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 8}
    assert definitions["organization"] == {"name": "Default"}
    project = definitions["project"]
    assert (project["name"], project["scm_type"], project["scm_url"], project["scm_branch"]) == (
        "dataeng-dev",
        "git",
        SCM_URL,
        "main",
    )
    assert project["scm_update_on_launch"] is True


def test_tags_render_renders_too(runner, controller):
    target = runner.workdir / "tags-render.json"
    settings = {**SETTINGS, "awx_render_file": str(target)}
    result = run_awx(runner, settings, "--tags", "render", env=controller.environment(runner))

    assert result.returncode == 0, result.output[-3000:]
    assert json.loads(target.read_text())["job_templates"]
    assert controller.requests == []


def test_inventory_is_sourced_from_the_project_inventory_directory(definitions, repo):
    source = definitions["inventory_source"]

    assert source["source"] == "scm"
    assert source["source_project"] == definitions["project"]["name"]
    assert source["inventory"] == definitions["inventory"]["name"]
    assert source["source_path"] == "inventories/dev/"
    assert (repo / source["source_path"] / "aws_ec2.yml").is_file()
    assert (repo / source["source_path"] / "hosts.yml").is_file()
    assert source["credential"] == "dataeng-dev AWS"
    assert source["update_on_launch"] is True
    assert source["overwrite"] is True


def test_one_job_template_per_layer(definitions):
    templates = {template["name"].removeprefix("dataeng-dev "): template for template in definitions["job_templates"]}

    assert list(templates) == [
        "network",
        "data lake",
        "glue",
        "ecs",
        "compute",
        "kubernetes",
        "monitoring",
        "site",
        "outputs",
        "destroy",
    ]
    assert templates["data lake"]["job_tags"] == "data_lake"
    assert templates["compute"]["job_tags"] == "instances"
    assert (templates["kubernetes"]["playbook"], templates["kubernetes"]["job_tags"]) == (
        "playbooks/hosts.yml",
        "docker,kubernetes",
    )
    assert templates["kubernetes"]["limit"] == "kubernetes"
    assert templates["monitoring"]["limit"] == "monitoring"
    assert "monitoring" in templates["monitoring"]["job_tags"].split(",")
    assert (templates["site"]["playbook"], templates["site"]["job_tags"]) == ("site.yml", "")
    assert templates["destroy"]["playbook"] == "playbooks/destroy.yml"
    for template in definitions["job_templates"]:
        assert template["project"] == definitions["project"]["name"]
        assert template["inventory"] == definitions["inventory"]["name"]
        assert template["ask_variables_on_launch"] is False, template["name"]


def test_job_templates_run_playbooks_and_tags_that_exist(definitions, repo, playbook_tags):
    for template in definitions["job_templates"]:
        assert (repo / template["playbook"]).is_file(), template["name"]
        for tag in filter(None, template["job_tags"].split(",")):
            assert tag in playbook_tags[template["playbook"]] - {"always"}, (template["name"], tag)


def test_limits_are_the_groups_the_dynamic_inventory_makes(definitions, repo):
    roles = {
        host["role"]
        for host in yaml.safe_load((repo / "roles/instances/vars/main.yml").read_text())["_instances_hosts"]
    }
    aws_ec2 = yaml.safe_load((repo / "inventories/dev/aws_ec2.yml").read_text())

    assert aws_ec2["keyed_groups"] == [{"key": "tags.Role", "prefix": "", "separator": ""}]
    assert {template["limit"] for template in definitions["job_templates"]} - {""} <= roles


def test_destroy_template_asks_for_the_confirmation_in_a_required_survey(definitions):
    (destroy,) = [
        template for template in definitions["job_templates"] if template["playbook"] == "playbooks/destroy.yml"
    ]
    questions = {question["variable"]: question for question in destroy["survey_spec"]["spec"]}

    assert destroy["survey_enabled"] is True
    assert destroy["ask_variables_on_launch"] is False
    assert destroy["job_tags"] == ""
    assert questions["confirm_destroy"]["required"] is True
    assert questions["confirm_destroy"]["type"] == "text"
    assert questions["confirm_destroy"]["default"] == ""
    assert "(dev)" in questions["confirm_destroy"]["question_name"]
    assert questions["destroy_data"]["type"] == "multiplechoice"
    assert questions["destroy_data"]["choices"] == ["false", "true"]
    assert questions["destroy_data"]["default"] == "false"
    assert questions["destroy_data"]["required"] is False
    for template in definitions["job_templates"]:
        if template is not destroy:
            assert template["survey_enabled"] is False, template["name"]
            assert "survey_spec" not in template, template["name"]


def test_credentials_referenced_exist(definitions):
    credentials = {credential["name"]: credential for credential in definitions["credentials"]}
    referenced = {name for template in definitions["job_templates"] for name in template["credentials"]}
    referenced |= {definitions["inventory_source"]["credential"]}

    assert referenced == set(credentials)
    assert credentials["dataeng-dev AWS"]["credential_type"] == "Amazon Web Services"
    assert credentials["dataeng-dev AWS"]["secret_inputs"] == {
        "username": "awx_aws_access_key",
        "password": "awx_aws_secret_key",
    }
    assert credentials["dataeng-dev hosts SSH"]["credential_type"] == "Machine"
    assert credentials["dataeng-dev hosts SSH"]["inputs"] == {"username": "admin"}
    assert credentials["dataeng-dev hosts SSH"]["secret_inputs"] == {"ssh_key_data": "awx_ssh_private_key"}
    for template in definitions["job_templates"]:
        host_layer = template["playbook"] in ("playbooks/hosts.yml", "site.yml")
        assert ("dataeng-dev hosts SSH" in template["credentials"]) == host_layer, template["name"]
        assert "dataeng-dev AWS" in template["credentials"], template["name"]


def test_without_aws_keys_no_aws_credential_is_made(runner):
    """A controller on an instance role: no AWS credential, nothing references one."""
    _result, definitions, _text = render(runner, {**SETTINGS, "awx_aws_access_key": "", "awx_aws_secret_key": ""})

    assert [credential["name"] for credential in definitions["credentials"]] == ["dataeng-dev hosts SSH"]
    assert definitions["inventory_source"]["credential"] is None
    for template in definitions["job_templates"]:
        assert "dataeng-dev AWS" not in template["credentials"]


def test_workflow_is_one_chain_from_network_to_outputs(definitions):
    workflow = definitions["workflow_job_template"]
    templates = {template["name"] for template in definitions["job_templates"]}
    nodes = {node["identifier"]: node for node in workflow["workflow_nodes"]}
    assert len(nodes) == len(workflow["workflow_nodes"])
    for node in nodes.values():
        assert node["unified_job_template"]["type"] == "job_template"
        assert node["unified_job_template"]["name"] in templates
        assert node["unified_job_template"]["organization"] == {"name": "Default"}
        assert set(node["related"]) == {"success_nodes"}
        assert {child["identifier"] for child in node["related"]["success_nodes"]} <= set(nodes)

    children = {key: [child["identifier"] for child in node["related"]["success_nodes"]] for key, node in nodes.items()}
    parents = {child for listed in children.values() for child in listed}
    (start,) = set(nodes) - parents
    chain = [start]
    while children[chain[-1]]:
        (following,) = children[chain[-1]]
        assert following not in chain, f"cycle at {following}"
        chain.append(following)

    assert chain == WORKFLOW_ORDER
    assert len(chain) == len(nodes)
    assert nodes["network"]["unified_job_template"]["name"] == "dataeng-dev network"
    assert nodes["outputs"]["unified_job_template"]["name"] == "dataeng-dev outputs"
    assert workflow["ask_variables_on_launch"] is False


def test_prod_names_and_inventory(runner):
    _result, definitions, _text = render(
        runner, {**SETTINGS, "awx_environment": "prod", "awx_project_scm_branch": "release"}
    )

    assert definitions["project"]["name"] == "dataeng-prod"
    assert definitions["project"]["scm_branch"] == "release"
    assert definitions["inventory_source"]["source_path"] == "inventories/prod/"
    assert all(template["name"].startswith("dataeng-prod ") for template in definitions["job_templates"])
    destroy = definitions["job_templates"][-1]
    assert "(prod)" in destroy["survey_spec"]["spec"][0]["question_name"]


def test_no_secret_in_the_render_or_the_output(rendered):
    result, definitions, text = rendered

    for secret in SECRETS:
        assert secret not in text
        assert secret not in result.output
    assert "awx_aws_secret_key" in json.dumps(definitions["credentials"])


# --- bad settings ----------------------------------------------------------------------------

BAD_SETTINGS = [
    ({"awx_environment": "staging"}, "awx_environment must be one of dev, prod"),
    ({"awx_environment": "staging"}, 'got "staging"'),
    ({"awx_project_scm_url": ""}, "awx_project_scm_url must be the Git URL"),
    ({"awx_project_scm_url": "platform"}, "awx_project_scm_url must be the Git URL"),
    ({"awx_project_scm_url": "https://bob:hunter2@git.example.com/p.git"}, "without a password or token in it"),
    ({"awx_project_scm_branch": ""}, "awx_project_scm_branch must be the branch"),
    ({"awx_organization": ""}, "awx_organization must be an organization name"),
    ({"awx_aws_secret_key": ""}, "awx_aws_access_key (an access key id such as AKIA...) and awx_aws_secret_key must"),
    ({"awx_aws_access_key": "", "awx_aws_secret_key": SECRET_KEY}, "must be set together"),
    ({"awx_ssh_private_key": "not a key"}, "awx_ssh_private_key its private key"),
    ({"awx_ssh_user": "Admin User"}, "awx_ssh_user must be the hosts' login user"),
    ({"awx_render_only": "maybe"}, "awx_render_only true or false"),
]


@pytest.mark.parametrize(
    ("override", "message"), BAD_SETTINGS, ids=[str(override) for override, _message in BAD_SETTINGS]
)
def test_bad_settings_fail_before_any_request_naming_the_variable(runner, controller, override, message):
    result = run_awx(runner, {**SETTINGS, **override}, env=controller.environment(runner))

    assert result.returncode != 0
    assert message in joined(result.output)
    assert result.recap()["failed"] == 1
    assert controller.requests == []
    for secret in SECRETS:
        assert secret not in result.output
    assert "hunter2" not in result.output


def test_the_ssh_key_is_required_to_configure_but_not_to_render(runner, controller):
    settings = {**SETTINGS, "awx_ssh_private_key": ""}
    result = run_awx(runner, settings, env=controller.environment(runner))
    _result, definitions, _text = render(runner, settings)

    assert result.returncode != 0
    assert "the key is required unless rendering (awx_render_only=true)" in joined(result.output)
    assert controller.requests == []
    assert "dataeng-dev hosts SSH" in [credential["name"] for credential in definitions["credentials"]]


def test_without_controller_settings_it_says_what_to_set(runner):
    result = run_awx(runner, SETTINGS, env=runner.environment(CONTROLLER_HOST="", CONTROLLER_OAUTH_TOKEN=""))

    assert result.returncode != 0
    assert "Set CONTROLLER_HOST (the controller's URL) and CONTROLLER_OAUTH_TOKEN" in joined(result.output)
    assert "awx_render_only=true" in joined(result.output)


# --- against a stand-in controller -------------------------------------------------------------

TYPES = {
    "organizations": "organization",
    "credential_types": "credential_type",
    "credentials": "credential",
    "execution_environments": "execution_environment",
    "projects": "project",
    "project_updates": "project_update",
    "inventories": "inventory",
    "inventory_sources": "inventory_source",
    "job_templates": "job_template",
    "workflow_job_templates": "workflow_job_template",
    "workflow_job_template_nodes": "workflow_job_template_node",
}
UNIFIED = ("projects", "inventory_sources", "job_templates", "workflow_job_templates")
ENCRYPTED = "$encrypted$"
SECRET_INPUTS = {"password", "ssh_key_data", "ssh_key_unlock", "become_password", "security_token"}
RELATED = ("survey_spec", "credentials", "success_nodes", "failure_nodes", "always_nodes")


class FakeController:
    """Just enough of AWX's API v2 for awx.awx to find, create and update what the playbook sends:
    objects in memory, name and field filters, associations, surveys, project updates that succeed at
    once, and secret credential inputs that read back as $encrypted$ (as AWX does)."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[int, dict]] = {collection: {} for collection in TYPES}
        self.associations: dict[tuple[str, int, str], list[int]] = {}
        self.surveys: dict[tuple[str, int], dict] = {}
        self.requests: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        self.url = ""
        self._last_id = 0
        self.add("organizations", {"name": "Default"})
        self.add("credential_types", {"name": "Machine", "kind": "ssh"})
        self.add("credential_types", {"name": "Amazon Web Services", "kind": "cloud"})

    def environment(self, runner: PlaybookRunner) -> dict[str, str]:
        return runner.environment(
            CONTROLLER_HOST=self.url, CONTROLLER_OAUTH_TOKEN=TOKEN, no_proxy="127.0.0.1", NO_PROXY="127.0.0.1"
        )

    def add(self, collection: str, fields: dict) -> dict:
        self._last_id += 1
        item = {**fields, "id": self._last_id}
        self.objects[collection][item["id"]] = item
        if collection == "projects":
            item["_update"] = self.add("project_updates", {"status": "successful", "failed": False})["id"]
        return item

    def view(self, collection: str, item: dict) -> dict:
        url = f"/api/v2/{collection}/{item['id']}/"
        shown = {key: value for key, value in item.items() if not key.startswith("_")}
        if isinstance(shown.get("inputs"), dict):
            shown["inputs"] = {
                key: ENCRYPTED if key in SECRET_INPUTS else value for key, value in shown["inputs"].items()
            }
        shown.update(
            type=TYPES[collection], url=url, related={name: f"{url}{name}/" for name in RELATED}, summary_fields={}
        )
        if collection == "projects":
            shown["scm_revision"] = "0" * 40
            shown["summary_fields"]["current_update"] = {"id": item["_update"]}
        if collection == "project_updates":
            shown["scm_revision"] = "0" * 40
        return shown

    @staticmethod
    def matches(shown: dict, query: dict[str, str]) -> bool:
        either = {key.removeprefix("or__"): value for key, value in query.items() if key.startswith("or__")}
        if either and not any(str(shown.get(key)) == value for key, value in either.items()):
            return False
        return all(str(shown.get(key)) == value for key, value in query.items() if not key.startswith("or__"))

    def handle(self, method: str, path: str, query: dict[str, str], data: dict) -> tuple[int, dict | None]:
        parts = [part for part in path.removeprefix("/api/v2/").split("/") if part]
        collection = parts[0] if parts else ""
        if collection == "unified_job_templates" and method == "GET":
            found = [self.view(name, item) for name in UNIFIED for item in self.objects[name].values()]
            found = [shown for shown in found if self.matches(shown, query)]
            return 200, {"count": len(found), "next": None, "previous": None, "results": found}
        if collection not in TYPES:
            return 404, {"detail": "Not found."}
        if len(parts) == 1 and method == "GET":
            found = [self.view(collection, item) for item in self.objects[collection].values()]
            found = [shown for shown in found if self.matches(shown, query)]
            return 200, {"count": len(found), "next": None, "previous": None, "results": found}
        if len(parts) == 1 and method == "POST":
            return 201, self.view(collection, self.add(collection, data))
        item = self.objects[collection].get(int(parts[1]))
        if item is None:
            return 404, {"detail": "Not found."}
        if len(parts) == 2 and method == "GET":
            return 200, self.view(collection, item)
        if len(parts) == 2 and method == "PATCH":
            item.update(data)
            return 200, self.view(collection, item)
        if len(parts) == 3 and parts[2] == "survey_spec":
            if method == "GET":
                return 200, self.surveys.get((collection, item["id"]), {})
            self.surveys[(collection, item["id"])] = data
            return 200, {}
        if len(parts) == 3 and parts[2] in RELATED:
            ids = self.associations.setdefault((collection, item["id"], parts[2]), [])
            if method == "GET":
                return 200, {"count": len(ids), "next": None, "previous": None, "results": [{"id": i} for i in ids]}
            if data.get("disassociate"):
                ids.remove(data["id"])
            else:
                ids.append(data["id"])
            return 204, None
        return 405, {"detail": f"Method {method} not allowed."}

    # What the controller holds, by name.
    def named(self, collection: str, name: str) -> dict:
        (item,) = [item for item in self.objects[collection].values() if item.get("name") == name]
        return item

    def name_of(self, collection: str, item_id: int) -> str:
        return self.objects[collection][item_id]["name"]

    def associated(self, collection: str, item: dict, relation: str) -> list[int]:
        return self.associations.get((collection, item["id"], relation), [])

    def counts(self) -> dict[str, int]:
        return {collection: len(items) for collection, items in self.objects.items()}


class _Handler(BaseHTTPRequestHandler):
    server: _ControllerServer

    def log_message(self, *args) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        url = urlsplit(self.path)
        controller = self.server.controller
        with controller.lock:
            controller.requests.append((self.command, self.path, body))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                status, reply = 401, {"detail": "Authentication credentials were not provided."}
            else:
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                status, reply = controller.handle(self.command, url.path, query, json.loads(body) if body else {})
        payload = b"" if reply is None else json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = _handle


class _ControllerServer(ThreadingHTTPServer):
    controller: FakeController


@pytest.fixture
def controller() -> Iterator[FakeController]:
    server = _ControllerServer(("127.0.0.1", 0), _Handler)
    server.controller = FakeController()
    server.controller.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.controller
    finally:
        server.shutdown()
        server.server_close()


REFERENCES = {
    "organization": "organizations",
    "project": "projects",
    "inventory": "inventories",
    "source_project": "projects",
    "credential": "credentials",
    "execution_environment": "execution_environments",
    "default_environment": "execution_environments",
}
# Module options that are not fields of the object (compared separately where they matter).
NOT_FIELDS = {"inputs", "credentials", "survey_spec", "workflow_nodes", "destroy_current_nodes", "secret_inputs"}


def assert_holds(controller: FakeController, collection: str, definition: dict, lookups: tuple[str, ...] = ()) -> dict:
    """The controller holds the object as defined: every field, names resolved to ids, nothing for null.
    `lookups` are options the module only finds other objects with."""
    held = controller.named(collection, definition["name"])
    for key, value in definition.items():
        if key in NOT_FIELDS or key in lookups:
            continue
        if value is None:
            assert key not in held, (definition["name"], key)
        elif key in REFERENCES:
            assert controller.name_of(REFERENCES[key], held[key]) == value, (definition["name"], key)
        elif key == "credential_type":
            assert controller.name_of("credential_types", held[key]) == value, definition["name"]
        else:
            assert held[key] == value, (definition["name"], key, held.get(key))
    return held


def test_configures_the_controller_with_exactly_the_rendered_definitions(runner, controller):
    env = controller.environment(runner)
    _result, definitions, _text = render(runner, SETTINGS, env=env)

    first = run_awx(runner, SETTINGS, "-vvv", env=env)
    assert first.returncode == 0, first.output[-5000:]
    created = controller.counts()
    sent = len(controller.requests)
    second = run_awx(runner, SETTINGS, env=env)

    assert second.returncode == 0, second.output[-5000:]
    # A rerun changes nothing but the credentials, whose secrets the controller never shows back.
    assert changed_tasks(second) == ["Create the credentials"]
    assert controller.counts() == created
    assert not [request for request in controller.requests[sent:] if request[0] == "POST"]

    assert controller.named("organizations", "Default")["id"] == 1
    for credential in definitions["credentials"]:
        held = assert_holds(controller, "credentials", credential)
        secrets = {field: SETTINGS[variable] for field, variable in credential["secret_inputs"].items()}
        assert held["inputs"] == {**credential["inputs"], **secrets}
    assert_holds(controller, "projects", definitions["project"])
    assert_holds(controller, "inventories", definitions["inventory"])
    source = assert_holds(controller, "inventory_sources", definitions["inventory_source"], lookups=("organization",))
    assert controller.objects["inventories"][source["inventory"]]["organization"] == 1
    for template in definitions["job_templates"]:
        held = assert_holds(controller, "job_templates", template)
        credentials = controller.associated("job_templates", held, "credentials")
        assert sorted(controller.name_of("credentials", i) for i in credentials) == sorted(template["credentials"])
        assert controller.surveys.get(("job_templates", held["id"])) == template.get("survey_spec")

    workflow = definitions["workflow_job_template"]
    held = assert_holds(controller, "workflow_job_templates", workflow)
    nodes = {node["identifier"]: node for node in controller.objects["workflow_job_template_nodes"].values()}
    assert set(nodes) == {node["identifier"] for node in workflow["workflow_nodes"]}
    for node in workflow["workflow_nodes"]:
        node_held = nodes[node["identifier"]]
        assert node_held["workflow_job_template"] == held["id"]
        assert (
            controller.name_of("job_templates", node_held["unified_job_template"])
            == node["unified_job_template"]["name"]
        )
        following = controller.associated("workflow_job_template_nodes", node_held, "success_nodes")
        identifiers = [controller.objects["workflow_job_template_nodes"][i]["identifier"] for i in following]
        assert identifiers == [child["identifier"] for child in node["related"]["success_nodes"]]

    # Secrets travel only in the credentials' own requests, and never into the output (even at -vvv).
    for method, path, body in controller.requests:
        if any(secret in body or secret in path for secret in SECRETS[:3]):
            assert (method, path.split("?")[0].rstrip("0123456789/")) in (
                ("POST", "/api/v2/credentials"),
                ("PATCH", "/api/v2/credentials"),
            ), path
    for secret in SECRETS:
        assert secret not in first.output
        assert secret not in second.output
