"""A TLS proxy on loopback between Ansible and the emulator: it counts every AWS request by
service and operation, answers a chosen share of them (and the first to each service) with a
fault instead of forwarding them, and can run a hook right after a chosen operation reached the
emulator, before its answer goes back (how the tests kill a converge at the worst moment: the
resource exists, Ansible never learns it).

A faulted request never reaches the emulator, so a client's retry cannot duplicate a create:
what the faults test is that every module retries, not what AWS does with lost answers (the
interruption tests cover those).

With `Propagation`, it also plays AWS's eventual consistency: for a while after the emulator
created them, EC2 resources answer "not found" to every request that names them, and IAM roles
and instance profiles are refused by the services that use them, with AWS's own error codes and
messages. Like a fault, a refused request never reaches the emulator.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import http.server
import json
import random
import re
import socket
import ssl
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import botocore.session

import emulator as launcher

# What AWS answers when it sheds load or fails, per kind of fault.
FAULTS = ("throttle", "server_error", "unavailable", "drop")
# Services the platform calls whose API is REST with JSON bodies (the operation is the method and the path).
REST_JSON_SERVICES = ("dlm",)


@functools.cache
def _rest_json_routes(service: str) -> list[tuple[str, re.Pattern, str]]:
    """(method, path pattern, operation) of each operation of the service's botocore model, literal paths first."""
    model = botocore.session.get_session().get_service_model(service)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"].split("?", 1)[0]
        pattern = re.escape(uri)
        # A label may hold a '/' (an ARN's resource part), whether or not its encoding escapes it.
        pattern = re.sub(r"\\\{[^}]+\\\}", ".+", pattern)
        routes.append((http["method"], re.compile(f"^{pattern}$"), name, uri.count("{")))
    return [route[:3] for route in sorted(routes, key=lambda route: route[3])]


def rest_json_operation(service: str, method: str, path: str) -> str:
    """The operation a REST-JSON request is, found by its method and path in botocore's model of the service."""
    for route_method, pattern, name in _rest_json_routes(service):
        if route_method == method and pattern.match(path):
            return name
    return "unknown"


CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/aws4_request")
# Headers the proxy sets itself on the way back (it always answers with a Content-Length).
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "expect"}

# What AWS answers for an EC2 id it does not show yet, by the id's prefix: the codes of "Eventual
# consistency in the Amazon EC2 API" (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html:
# "if you run a command to modify or describe the resource that you just created, its ID might not
# have propagated throughout the system, and you will get an error responding that the resource does
# not exist") and of "Error codes for the Amazon EC2 API"
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html). hashicorp/terraform-provider-aws
# retries the same codes after its creates (internal/service/ec2/errors.go, errCodeInvalid*NotFound).
EC2_NOT_FOUND = {
    "vpc": ("InvalidVpcID.NotFound", "The vpc ID '{id}' does not exist"),
    "subnet": ("InvalidSubnetID.NotFound", "The subnet ID '{id}' does not exist"),
    "sg": ("InvalidGroup.NotFound", "The security group '{id}' does not exist"),
    "rtb": ("InvalidRouteTableID.NotFound", "The routeTable ID '{id}' does not exist"),
    "igw": ("InvalidInternetGatewayID.NotFound", "The internetGateway ID '{id}' does not exist"),
    "i": ("InvalidInstanceID.NotFound", "The instance ID '{id}' does not exist"),
    "nat": ("NatGatewayNotFound", "The Nat Gateway {id} was not found"),
    "vpce": ("InvalidVpcEndpointId.NotFound", "The VpcEndpoint Id '{id}' does not exist"),
}
# The EC2 creates, and the element of their answers that holds the new resource's id.
EC2_CREATES = {
    "CreateVpc": "vpcId",
    "CreateSubnet": "subnetId",
    "CreateSecurityGroup": "groupId",
    "CreateRouteTable": "routeTableId",
    "CreateInternetGateway": "internetGatewayId",
    "RunInstances": "instanceId",
    "CreateNatGateway": "natGatewayId",
    "CreateVpcEndpoint": "vpcEndpointId",
}
# Not network ACLs: hashicorp/terraform-provider-aws adds entries to an ACL and moves subnets to it right after
# CreateNetworkAcl without retrying (internal/service/ec2/vpc_network_acl.go, modifyNetworkACLAttributesOnCreate),
# and only its read after the create waits for the id, so AWS is not known to refuse those calls.
# Where a parameter of its own takes an id, AWS names the error after the parameter (CreateRoute's
# GatewayId and NatGatewayId, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html).
EC2_NOT_FOUND_BY_PARAMETER = {
    "GatewayId": ("InvalidGatewayID.NotFound", "The gateway ID '{id}' does not exist"),
    "NatGatewayId": ("InvalidNatGatewayID.NotFound", "The nat gateway ID '{id}' does not exist"),
}
EC2_ID = re.compile(r"^(?P<prefix>[a-z]+)-[0-9a-f]{8,17}$")
# The Glue operations that check, when called, that Glue can assume the role they are given; until the
# role has propagated, Glue answers this (hashicorp/terraform-provider-aws retries it for its
# propagationTimeout of 2 minutes: internal/service/glue/crawler.go and job.go, "Service is unable to
# assume provided role").
GLUE_ROLE_USERS = ("CreateCrawler", "UpdateCrawler", "CreateJob", "UpdateJob")
GLUE_ROLE_REFUSED = (
    "InvalidInputException",
    "Service is unable to assume provided role. Please verify role's TrustPolicy.",
)
# What RunInstances answers for an instance profile EC2 does not see yet ("Using instance profiles",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html:
# a new profile may take a few seconds to be usable; hashicorp/terraform-provider-aws retries
# InvalidParameterValue "Invalid IAM Instance Profile" in internal/service/ec2/ec2_instance.go).
PROFILE_REFUSED = (
    "Value ({value}) for parameter iamInstanceProfile.{kind} is invalid. Invalid IAM Instance Profile {label}"
)


@dataclass(frozen=True)
class Propagation:
    """How long, in seconds, what the emulator just created stays unseen: EC2 resources by the requests that
    name them, from their creation; IAM roles and instance profiles by the services that use them, from their
    creation but never less than `iam_seconds` after a service was first handed them. The roles are created
    at the start of the first wave and used in the second: on a busy machine the first wave outlasts any
    fixed propagation, and a refusal never met would prove nothing."""

    ec2_seconds: float
    iam_seconds: float


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
        if self.service in REST_JSON_SERVICES:
            return "rest-json"
        return "query"

    @property
    def operation(self) -> str:
        """The API operation: X-Amz-Target (JSON protocols), Action (query protocols), or for
        S3's REST API the method, the sub-resource and whether a bucket or an object is addressed."""
        if self.protocol == "json":
            return self.headers["x-amz-target"].rsplit(".", 1)[-1]
        url = urllib.parse.urlsplit(self.path)
        if self.protocol == "rest-json":
            return rest_json_operation(self.service, self.method, url.path)
        if self.protocol == "rest-xml":
            subresource = next(iter(urllib.parse.parse_qs(url.query, keep_blank_values=True)), "")
            target = "object" if url.path.strip("/").count("/") else "bucket"
            return f"{self.method} {target}{'?' + subresource if subresource else ''}"
        params = urllib.parse.parse_qs(url.query)
        if "x-www-form-urlencoded" in self.headers.get("content-type", ""):
            params.update(urllib.parse.parse_qs(self.body.decode()))
        return params.get("Action", ["unknown"])[0]

    def parameters(self) -> dict[str, str]:
        """The parameters of a query-protocol request (EC2, IAM), each with its first value."""
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query)
        if "x-www-form-urlencoded" in self.headers.get("content-type", ""):
            params.update(urllib.parse.parse_qs(self.body.decode()))
        return {name: values[0] for name, values in params.items()}

    def json(self) -> dict:
        return json.loads(self.body or b"{}")


def error_response(request: Request, status: int, code: str, message: str) -> tuple[int, str, bytes]:
    """Status, content type and body of an AWS error in the request's protocol."""
    if request.protocol in ("json", "rest-json"):
        # REST-JSON services (DLM) answer errors in JSON too
        # (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization).
        content_type = "application/x-amz-json-1.1" if request.protocol == "json" else "application/json"
        return status, content_type, json.dumps({"__type": code, "message": message}).encode()
    error = f"<Code>{code}</Code><Message>{message}</Message>"
    if request.protocol == "ec2":
        body = f"<Response><Errors><Error>{error}</Error></Errors><RequestID>0</RequestID></Response>"
    elif request.protocol == "rest-xml":
        body = f"<Error>{error}<RequestId>0</RequestId></Error>"
    else:
        side = "Receiver" if status >= 500 else "Sender"
        body = f"<ErrorResponse><Error><Type>{side}</Type>{error}</Error><RequestId>0</RequestId></ErrorResponse>"
    return status, "text/xml", body.encode()


def fault_response(request: Request, kind: str) -> tuple[int, str, bytes]:
    """Status, content type and body AWS sends for `kind` in the request's protocol."""
    codes = {
        "throttle": {
            "json": "ThrottlingException",
            "rest-json": "ThrottlingException",
            "ec2": "RequestLimitExceeded",
            "rest-xml": "SlowDown",
        },
        "server_error": {"json": "InternalFailure", "ec2": "InternalError", "rest-xml": "InternalError"},
        "unavailable": {"json": "ServiceUnavailable", "ec2": "Unavailable", "rest-xml": "ServiceUnavailable"},
    }[kind]
    code = codes.get(request.protocol, codes["json"] if kind != "throttle" else "Throttling")
    status = {"throttle": 503 if request.protocol in ("ec2", "rest-xml") else 400, "server_error": 500}.get(kind, 503)
    return error_response(request, status, code, f"injected {kind}")


def last_path_segment(name_or_arn: str) -> str:
    """The name in an IAM ARN (arn:aws:iam::1:role/path/name), or the name itself."""
    return name_or_arn.rsplit("/", 1)[-1]


class EventualConsistency:
    """Remembers when the emulator created what AWS propagates slowly, and refuses what names it too soon."""

    def __init__(self, propagation: Propagation):
        self.propagation = propagation
        # (kind, key) -> the monotonic time it becomes visible: ("ec2", id), ("role", name), ("profile", name).
        self._visible_at: dict[tuple[str, str], float] = {}
        # The roles and profiles a service has been handed already (their clock restarted then).
        self._used: set[tuple[str, str]] = set()

    def _hidden(self, kind: str, key: str) -> bool:
        return time.monotonic() < self._visible_at.get((kind, key), 0.0)

    def _hidden_from_service(self, kind: str, key: str) -> bool:
        """Whether a role or profile is still unpropagated for a service using it now (see Propagation)."""
        if (kind, key) in self._visible_at and (kind, key) not in self._used:
            self._used.add((kind, key))
            first_use_visible = time.monotonic() + self.propagation.iam_seconds
            self._visible_at[kind, key] = max(self._visible_at[kind, key], first_use_visible)
        return self._hidden(kind, key)

    def learn(self, request: Request, status: int, body: bytes) -> None:
        """Note what a forwarded request created: from the emulator's answer, or the request (a profile's role)."""
        if status >= 300:
            return
        now, operation = time.monotonic(), request.operation
        if request.service == "ec2" and operation in EC2_CREATES:
            for resource_id in re.findall(rf"<{EC2_CREATES[operation]}>([^<]+)<", body.decode()):
                self._visible_at["ec2", resource_id] = now + self.propagation.ec2_seconds
        elif request.service == "iam" and operation == "CreateRole":
            for name in re.findall(r"<RoleName>([^<]+)<", body.decode()):
                self._visible_at["role", name] = now + self.propagation.iam_seconds
        elif request.service == "iam" and operation in ("CreateInstanceProfile", "AddRoleToInstanceProfile"):
            # EC2 accepts a profile once it and the role added to it have propagated.
            name = request.parameters().get("InstanceProfileName")
            self._visible_at["profile", name] = now + self.propagation.iam_seconds

    def refusal(self, request: Request) -> tuple[str, tuple[int, str, bytes]] | None:
        """None, or the kind of refusal (its error code) and AWS's answer, for a request that names what is unseen."""
        if request.service == "ec2":
            return self._ec2_refusal(request)
        if request.service == "glue" and request.operation in GLUE_ROLE_USERS:
            # UpdateJob carries the job's settings in JobUpdate; the others at the top level.
            settings = request.json()
            role = settings.get("JobUpdate", settings).get("Role", "")
            if self._hidden_from_service("role", last_path_segment(role)):
                return "glue role", error_response(request, 400, *GLUE_ROLE_REFUSED)
        return None

    def _ec2_refusal(self, request: Request) -> tuple[str, tuple[int, str, bytes]] | None:
        params = request.parameters()
        if request.operation == "RunInstances":
            for kind, label in (("Arn", "ARN"), ("Name", "name")):
                value = params.get(f"IamInstanceProfile.{kind}", "")
                if value and self._hidden_from_service("profile", last_path_segment(value)):
                    message = PROFILE_REFUSED.format(value=value, kind=kind.lower(), label=label)
                    return "instance profile", error_response(request, 400, "InvalidParameterValue", message)
        for name, value in params.items():
            # A filter on an id AWS does not show yet matches nothing rather than failing.
            match = EC2_ID.match(value)
            if name.startswith("Filter.") or not match or not self._hidden("ec2", value):
                continue
            code, message = EC2_NOT_FOUND_BY_PARAMETER.get(name) or EC2_NOT_FOUND[match.group("prefix")]
            return code, error_response(request, 400, code, message.format(id=value))
        return None


@dataclass
class Traffic:
    """What went through the proxy: (service, operation) counted by outcome."""

    forwarded: Counter = field(default_factory=Counter)
    faulted: Counter = field(default_factory=Counter)
    faults_by_kind: Counter = field(default_factory=Counter)
    # Requests refused because what they name has not propagated yet, by kind (an EC2 error code,
    # "glue role", "instance profile").
    refused: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.forwarded.values()) + sum(self.faulted.values())


class AwsProxy:
    def __init__(
        self,
        upstream: launcher.EmulatorState,
        fault_share: float = 0.0,
        seed: int = 0,
        propagation: Propagation | None = None,
    ):
        self.upstream = upstream
        self.fault_share = fault_share
        self._consistency = EventualConsistency(propagation) if propagation else None
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

    def _refusal(self, request: Request) -> tuple[int, str, bytes] | None:
        if not self._consistency:
            return None
        with self._lock:
            refusal = self._consistency.refusal(request)
            if not refusal:
                return None
            kind, answer = refusal
            self.traffic.refused[kind] += 1
            return answer

    def _forwarded(self, request: Request, status: int, body: bytes) -> Callable[[], None] | None:
        with self._lock:
            if self._consistency:
                self._consistency.learn(request, status, body)
            self.traffic.forwarded[request.service, request.operation] += 1
            return self._hooks.pop(request.operation, None)

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
                refused = None if fault else proxy._refusal(request)
                if fault or refused:
                    status, content_type, body = refused or fault_response(request, fault)
                    headers = [("Content-Type", content_type)]
                else:
                    status, headers, body = proxy.forward(request)
                    hook = proxy._forwarded(request, status, body)
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
