"""A TLS proxy on loopback between Ansible and the emulator: it counts every AWS request by
service and operation, answers a chosen share of them (and the first to each service) with a
fault instead of forwarding them, and can run a hook right after a chosen operation reached the
emulator, before its answer goes back (how the tests kill a converge at the worst moment: the
resource exists, Ansible never learns it).

A faulted request never reaches the emulator, so a client's retry cannot duplicate a create:
what the faults test is that every module retries, not what AWS does with lost answers (the
interruption tests cover those).
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import random
import re
import socket
import ssl
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import emulator as launcher

# What AWS answers when it sheds load or fails, per kind of fault.
FAULTS = ("throttle", "server_error", "unavailable", "drop")
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/aws4_request")
# Headers the proxy sets itself on the way back (it always answers with a Content-Length).
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "expect"}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def service(self) -> str:
        match = CREDENTIAL_SCOPE.search(self.headers.get("authorization", ""))
        return match.group("service") if match else "unsigned"

    @property
    def protocol(self) -> str:
        if "x-amz-target" in self.headers:
            return "json"
        if self.service == "ec2":
            return "ec2"
        if self.service == "s3":
            return "rest-xml"
        return "query"

    @property
    def operation(self) -> str:
        """The API operation: X-Amz-Target (JSON protocols), Action (query protocols), or for
        S3's REST API the method, the sub-resource and whether a bucket or an object is addressed."""
        if self.protocol == "json":
            return self.headers["x-amz-target"].rsplit(".", 1)[-1]
        url = urllib.parse.urlsplit(self.path)
        if self.protocol == "rest-xml":
            subresource = next(iter(urllib.parse.parse_qs(url.query, keep_blank_values=True)), "")
            target = "object" if url.path.strip("/").count("/") else "bucket"
            return f"{self.method} {target}{'?' + subresource if subresource else ''}"
        params = urllib.parse.parse_qs(url.query)
        if "x-www-form-urlencoded" in self.headers.get("content-type", ""):
            params.update(urllib.parse.parse_qs(self.body.decode()))
        return params.get("Action", ["unknown"])[0]


def fault_response(request: Request, kind: str) -> tuple[int, str, bytes]:
    """Status, content type and body AWS sends for `kind` in the request's protocol."""
    codes = {
        "throttle": {"json": "ThrottlingException", "ec2": "RequestLimitExceeded", "rest-xml": "SlowDown"},
        "server_error": {"json": "InternalFailure", "ec2": "InternalError", "rest-xml": "InternalError"},
        "unavailable": {"json": "ServiceUnavailable", "ec2": "Unavailable", "rest-xml": "ServiceUnavailable"},
    }[kind]
    code = codes.get(request.protocol, codes["json"] if kind != "throttle" else "Throttling")
    status = {"throttle": 503 if request.protocol in ("ec2", "rest-xml") else 400, "server_error": 500}.get(kind, 503)
    message = f"injected {kind}"
    if request.protocol == "json":
        return status, "application/x-amz-json-1.1", json.dumps({"__type": code, "message": message}).encode()
    error = f"<Code>{code}</Code><Message>{message}</Message>"
    if request.protocol == "ec2":
        body = f"<Response><Errors><Error>{error}</Error></Errors><RequestID>0</RequestID></Response>"
    elif request.protocol == "rest-xml":
        body = f"<Error>{error}<RequestId>0</RequestId></Error>"
    else:
        body = f"<ErrorResponse><Error><Type>Receiver</Type>{error}</Error><RequestId>0</RequestId></ErrorResponse>"
    return status, "text/xml", body.encode()


@dataclass
class Traffic:
    """What went through the proxy: (service, operation) counted by outcome."""

    forwarded: Counter = field(default_factory=Counter)
    faulted: Counter = field(default_factory=Counter)
    faults_by_kind: Counter = field(default_factory=Counter)
    # The operations whose hook ran, in order.
    hooked: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.forwarded.values()) + sum(self.faulted.values())


class AwsProxy:
    def __init__(self, upstream: launcher.EmulatorState, fault_share: float = 0.0, seed: int = 0):
        self.upstream = upstream
        self.fault_share = fault_share
        self.traffic = Traffic()
        self._random = random.Random(seed)
        self._services_seen: set[str] = set()
        self._lock = threading.Lock()
        self._hooks: dict[str, Callable[[], None]] = {}
        self._server: http.server.ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"https://{host}:{port}"

    def environment(self) -> dict[str, str]:
        """The emulator's environment with the proxy as the endpoint."""
        return {**self.upstream.environment(), "AWS_ENDPOINT_URL": self.endpoint}

    def after(self, operation: str, hook: Callable[[], None]) -> None:
        """Run `hook` once, right after the emulator answered `operation`; the client gets no answer."""
        with self._lock:
            self._hooks[operation] = hook

    def _draw_fault(self, request: Request) -> str | None:
        """No fault, or the kind to inject. With faults on, the first request to each service is
        always faulted, so a service the platform calls only a few times is not spared by chance."""
        with self._lock:
            if request.service == "unsigned" or not self.fault_share:
                return None
            first_to_service = request.service not in self._services_seen
            self._services_seen.add(request.service)
            if not first_to_service and self._random.random() >= self.fault_share:
                return None
            kind = self._random.choice(FAULTS)
            self.traffic.faulted[request.service, request.operation] += 1
            self.traffic.faults_by_kind[kind] += 1
            return kind

    def _forwarded(self, request: Request) -> Callable[[], None] | None:
        with self._lock:
            self.traffic.forwarded[request.service, request.operation] += 1
            hook = self._hooks.pop(request.operation, None)
            if hook:
                self.traffic.hooked.append(request.operation)
            return hook

    def forward(self, request: Request) -> tuple[int, list[tuple[str, str]], bytes]:
        context = ssl.create_default_context(cafile=self.upstream.ca_bundle)
        connection = http.client.HTTPSConnection(self.upstream.host, self.upstream.port, context=context, timeout=120)
        try:
            headers = {name: value for name, value in request.headers.items() if name not in HOP_BY_HOP}
            connection.request(request.method, request.path, body=request.body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    @contextlib.contextmanager
    def running(self) -> Iterator[AwsProxy]:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - the base class's signature
                pass

            def _body(self) -> bytes:
                """The request body; botocore streams uploads with chunked transfer encoding."""
                if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
                    return self.rfile.read(int(self.headers.get("Content-Length") or 0))
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)

            def _serve(self) -> None:
                request = Request(
                    self.command,
                    self.path,
                    {name.lower(): value for name, value in self.headers.items()},
                    self._body(),
                )
                fault = proxy._draw_fault(request)
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault:
                    status, content_type, body = fault_response(request, fault)
                    headers = [("Content-Type", content_type)]
                else:
                    status, headers, body = proxy.forward(request)
                    hook = proxy._forwarded(request)
                    if hook:
                        hook()
                        self.close_connection = True
                        return
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                # A HEAD answer has no body but the length of the one GET would return.
                upstream_length = next((v for n, v in headers if n.lower() == "content-length"), None)
                length = upstream_length if self.command == "HEAD" and upstream_length else str(len(body))
                self.send_header("Content-Length", length)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _serve

        state_dir = Path(self.upstream.ca_bundle).parent
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(state_dir / launcher.CERT_FILE, state_dir / launcher.KEY_FILE)
        server = http.server.ThreadingHTTPServer((launcher.DEFAULT_HOST, 0), Handler)
        server.daemon_threads = True
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        thread = threading.Thread(target=server.serve_forever, name="aws-proxy", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
