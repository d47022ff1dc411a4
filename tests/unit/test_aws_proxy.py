"""The fault proxy: the faults it injects, read as AWS's own, and its eventual consistency (what it learns
from the creates it forwards, and what it refuses)."""

from __future__ import annotations

import json
import urllib.parse

import botocore.session
import pytest
from botocore.parsers import create_parser
from botocore.retries.standard import ThrottledRetryableChecker, TransientRetryableChecker

from support.aws_proxy import EventualConsistency, Propagation, Request, fault_response

LONG = Propagation(ec2_seconds=600, iam_seconds=600)
PROFILE_ARN = "arn:aws:iam::123456789012:instance-profile/dataeng-dev-monitoring"


def request(service, body, target=""):
    headers = {"authorization": f"AWS4-HMAC-SHA256 Credential=KEY/20261206/us-east-2/{service}/aws4_request"}
    if target:
        headers.update({"x-amz-target": target, "content-type": "application/x-amz-json-1.1"})
        return Request("POST", "/", headers, json.dumps(body).encode())
    headers["content-type"] = "application/x-www-form-urlencoded"
    return Request("POST", "/", headers, urllib.parse.urlencode(body).encode())


def consistency_after_creates(propagation=LONG):
    consistency = EventualConsistency(propagation)
    consistency.learn(request("ec2", {"Action": "CreateVpc"}), 200, b"<vpc><vpcId>vpc-0123456789abcdef0</vpcId></vpc>")
    consistency.learn(
        request("iam", {"Action": "CreateRole"}), 200, b"<Role><RoleName>dataeng-dev-glue</RoleName></Role>"
    )
    profile = {"Action": "AddRoleToInstanceProfile", "InstanceProfileName": "dataeng-dev-monitoring"}
    consistency.learn(request("iam", profile), 200, b"<AddRoleToInstanceProfileResponse/>")
    return consistency


def refused_kind(consistency, req):
    refusal = consistency.refusal(req)
    return refusal and refusal[0]


def test_a_new_vpc_is_not_found_by_id():
    describe = request("ec2", {"Action": "DescribeVpcs", "VpcId.1": "vpc-0123456789abcdef0"})
    status, _type, body = consistency_after_creates().refusal(describe)[1]
    assert status == 400
    assert b"<Code>InvalidVpcID.NotFound</Code>" in body


def test_a_call_naming_a_new_vpc_is_refused_with_its_code():
    create = request("ec2", {"Action": "CreateSubnet", "VpcId": "vpc-0123456789abcdef0", "CidrBlock": "10.0.1.0/24"})
    assert refused_kind(consistency_after_creates(), create) == "InvalidVpcID.NotFound"


def test_a_filter_on_a_new_vpc_is_not_refused():
    describe = request(
        "ec2", {"Action": "DescribeSubnets", "Filter.1.Name": "vpc-id", "Filter.1.Value.1": "vpc-0123456789abcdef0"}
    )
    assert refused_kind(consistency_after_creates(), describe) is None


def test_a_gateway_route_names_its_own_code():
    consistency = EventualConsistency(LONG)
    consistency.learn(
        request("ec2", {"Action": "CreateInternetGateway"}),
        200,
        b"<internetGatewayId>igw-0a1b2c3d4e5f60718</internetGatewayId>",
    )
    route = request("ec2", {"Action": "CreateRoute", "RouteTableId": "rtb-1", "GatewayId": "igw-0a1b2c3d4e5f60718"})
    assert refused_kind(consistency, route) == "InvalidGatewayID.NotFound"


def test_glue_refuses_a_new_role_by_name_or_arn():
    consistency = consistency_after_creates()
    crawler = request(
        "glue", {"Name": "raw", "Role": "arn:aws:iam::123456789012:role/dataeng-dev-glue"}, "AWSGlue.CreateCrawler"
    )
    status, _type, body = consistency.refusal(crawler)[1]
    assert json.loads(body) == {
        "__type": "InvalidInputException",
        "message": "Service is unable to assume provided role. Please verify role's TrustPolicy.",
    }
    update = request("glue", {"JobName": "processing", "JobUpdate": {"Role": "dataeng-dev-glue"}}, "AWSGlue.UpdateJob")
    assert refused_kind(consistency, update) == "glue role"


def test_run_instances_refuses_a_new_instance_profile():
    launch = request("ec2", {"Action": "RunInstances", "IamInstanceProfile.Arn": PROFILE_ARN})
    _status, _type, body = consistency_after_creates().refusal(launch)[1]
    assert (
        f"Value ({PROFILE_ARN}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN"
        in body.decode()
    )


def test_what_has_propagated_is_forwarded():
    consistency = consistency_after_creates(Propagation(ec2_seconds=0, iam_seconds=0))
    assert (
        refused_kind(consistency, request("ec2", {"Action": "DescribeVpcs", "VpcId.1": "vpc-0123456789abcdef0"}))
        is None
    )
    assert (
        refused_kind(consistency, request("ec2", {"Action": "RunInstances", "IamInstanceProfile.Arn": PROFILE_ARN}))
        is None
    )


def test_a_failed_create_teaches_nothing():
    consistency = EventualConsistency(LONG)
    consistency.learn(request("ec2", {"Action": "CreateVpc"}), 400, b"<vpcId>vpc-0123456789abcdef0</vpcId>")
    assert (
        refused_kind(consistency, request("ec2", {"Action": "DescribeVpcs", "VpcId.1": "vpc-0123456789abcdef0"}))
        is None
    )


def test_a_role_stays_unpropagated_from_its_first_use_however_old():
    consistency = EventualConsistency(Propagation(ec2_seconds=0, iam_seconds=600))
    consistency.learn(request("iam", {"Action": "CreateRole"}), 200, b"<RoleName>dataeng-dev-glue</RoleName>")
    consistency._visible_at["role", "dataeng-dev-glue"] = 0.0  # created long ago
    crawler = request("glue", {"Name": "raw", "Role": "dataeng-dev-glue"}, "AWSGlue.CreateCrawler")
    assert refused_kind(consistency, crawler) == "glue role"


def test_a_role_this_run_did_not_create_is_never_refused():
    crawler = request("glue", {"Name": "raw", "Role": "someone-elses-role"}, "AWSGlue.CreateCrawler")
    assert refused_kind(consistency_after_creates(), crawler) is None


def test_a_rest_json_request_is_named_by_its_method_and_path():
    """DLM's API is REST with JSON bodies: no Action, no X-Amz-Target; botocore's model names each request."""
    headers = {"authorization": "AWS4-HMAC-SHA256 Credential=KEY/20261206/us-east-2/dlm/aws4_request"}
    arn = urllib.parse.quote("arn:aws:dlm:us-east-2:123456789012:policy/policy-0123456789abcdef0", safe="")
    requests = {
        ("POST", "/policies"): "CreateLifecyclePolicy",
        ("GET", "/policies"): "GetLifecyclePolicies",
        ("GET", "/policies/policy-0123456789abcdef0"): "GetLifecyclePolicy",
        ("PATCH", "/policies/policy-0123456789abcdef0"): "UpdateLifecyclePolicy",
        ("DELETE", "/policies/policy-0123456789abcdef0/"): "DeleteLifecyclePolicy",
        ("POST", f"/tags/{arn}"): "TagResource",
        ("GET", "/tags/arn:aws:dlm:us-east-2:123456789012:policy/policy-0123456789abcdef0"): "ListTagsForResource",
        ("DELETE", f"/tags/{arn}?tagKeys=Name"): "UntagResource",
    }
    named = {(method, path): Request(method, path, headers, b"").operation for method, path in requests}
    assert named == requests


def signed(service, method="POST", path="/", body=b"", headers=()):
    credential = {"authorization": f"AWS4-HMAC-SHA256 Credential=KEY/20261206/us-east-2/{service}/aws4_request"}
    return Request(method, path, credential | dict(headers), body)


# One request of each protocol the platform's clients speak, with the operation botocore parses its answer for.
PROTOCOL_SAMPLES = {
    "json": (signed("glue", headers={"x-amz-target": "AWSGlue.GetJob"}), "glue", "GetJob"),
    "rest-json": (signed("dlm", "GET", "/policies"), "dlm", "GetLifecyclePolicies"),
    "ec2": (request("ec2", {"Action": "DescribeVpcs"}), "ec2", "DescribeVpcs"),
    "rest-xml": (signed("s3", "GET", "/bucket"), "s3", "ListObjects"),
    "query": (request("iam", {"Action": "GetRole"}), "iam", "GetRole"),
}


@pytest.mark.parametrize("protocol", PROTOCOL_SAMPLES)
@pytest.mark.parametrize("kind", ["throttle", "server_error", "unavailable"])
def test_an_injected_fault_reads_as_the_retryable_error_aws_sends(protocol, kind):
    """botocore (and AWSRetry after it) retries a fault only when it can parse its code from the answer."""
    req, service, operation = PROTOCOL_SAMPLES[protocol]
    assert req.protocol == protocol
    status, content_type, body = fault_response(req, kind)
    model = botocore.session.get_session().get_service_model(service)
    parsed = create_parser(model.metadata["protocol"]).parse(
        {"status_code": status, "headers": {"content-type": content_type}, "body": body},
        model.operation_model(operation).output_shape,
    )
    code = parsed["Error"]["Code"]
    if kind == "throttle":
        assert code in ThrottledRetryableChecker._THROTTLED_ERROR_CODES
    else:
        assert status in TransientRetryableChecker._TRANSIENT_STATUS_CODES
        assert code in {"InternalFailure", "InternalError", "ServiceUnavailable", "Unavailable"}
