"""A stand-in AWX controller for the tests of playbooks/awx.yml (tests/integration/awx/): an in-memory
copy of the few API v2 endpoints the awx.awx modules use, which records every request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from support.playbook import PlaybookRunner

TOKEN = "fake-controller-token-8d1e5a"

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
    "schedules": "schedule",
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


@contextmanager
def running_controller() -> Iterator[FakeController]:
    """A fresh controller serving on a free loopback port until the block ends."""
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
