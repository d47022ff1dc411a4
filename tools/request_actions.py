"""The IAM actions AWS authorizes a recorded request by: the action its API call names, and those AWS checks
on the way without a call of their own (tagging on create). tools/deployer_policy.py builds the deployer's
policy from them.
"""

from __future__ import annotations

import json
import re
import urllib.parse

# The IAM service prefix of a request, from the signing name in its credential scope where they differ.
IAM_PREFIX = {"tagging": "tag", "monitoring": "cloudwatch"}
# Requests no policy has to allow: "No permissions are required to perform this operation" (STS API
# reference, GetCallerIdentity).
NEEDS_NO_PERMISSION = {("sts", "GetCallerIdentity")}


# S3's REST operations and the action each needs: "Amazon S3 API operations and the permissions they
# require", https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
# Keys: method, what is addressed (service, bucket, object), the sub-resource ("" for none).
S3_ACTIONS = {
    ("GET", "service", ""): "ListAllMyBuckets",
    ("PUT", "bucket", ""): "CreateBucket",
    ("DELETE", "bucket", ""): "DeleteBucket",
    ("HEAD", "bucket", ""): "ListBucket",  # HeadBucket
    ("GET", "bucket", ""): "ListBucket",  # ListObjects
    ("GET", "bucket", "list-type"): "ListBucket",  # ListObjectsV2
    ("GET", "bucket", "versions"): "ListBucketVersions",
    ("GET", "bucket", "uploads"): "ListBucketMultipartUploads",
    ("GET", "bucket", "location"): "GetBucketLocation",
    ("POST", "bucket", "delete"): "DeleteObject",  # DeleteObjects; versioned keys: DeleteObjectVersion below
    ("GET", "bucket", "acl"): "GetBucketAcl",
    ("PUT", "bucket", "acl"): "PutBucketAcl",
    ("GET", "bucket", "policy"): "GetBucketPolicy",
    ("PUT", "bucket", "policy"): "PutBucketPolicy",
    ("DELETE", "bucket", "policy"): "DeleteBucketPolicy",
    ("GET", "bucket", "policyStatus"): "GetBucketPolicyStatus",
    ("GET", "bucket", "versioning"): "GetBucketVersioning",
    ("PUT", "bucket", "versioning"): "PutBucketVersioning",
    ("GET", "bucket", "encryption"): "GetEncryptionConfiguration",
    ("PUT", "bucket", "encryption"): "PutEncryptionConfiguration",
    ("DELETE", "bucket", "encryption"): "PutEncryptionConfiguration",
    ("GET", "bucket", "publicAccessBlock"): "GetBucketPublicAccessBlock",
    ("PUT", "bucket", "publicAccessBlock"): "PutBucketPublicAccessBlock",
    ("DELETE", "bucket", "publicAccessBlock"): "PutBucketPublicAccessBlock",
    ("GET", "bucket", "ownershipControls"): "GetBucketOwnershipControls",
    ("PUT", "bucket", "ownershipControls"): "PutBucketOwnershipControls",
    ("DELETE", "bucket", "ownershipControls"): "PutBucketOwnershipControls",
    ("GET", "bucket", "lifecycle"): "GetLifecycleConfiguration",
    ("PUT", "bucket", "lifecycle"): "PutLifecycleConfiguration",
    ("DELETE", "bucket", "lifecycle"): "PutLifecycleConfiguration",
    ("GET", "bucket", "tagging"): "GetBucketTagging",
    ("PUT", "bucket", "tagging"): "PutBucketTagging",
    ("DELETE", "bucket", "tagging"): "PutBucketTagging",
    ("GET", "bucket", "logging"): "GetBucketLogging",
    ("PUT", "bucket", "logging"): "PutBucketLogging",
    ("GET", "bucket", "notification"): "GetBucketNotification",
    ("GET", "bucket", "website"): "GetBucketWebsite",
    ("GET", "bucket", "cors"): "GetBucketCORS",
    ("GET", "bucket", "replication"): "GetReplicationConfiguration",
    ("GET", "bucket", "accelerate"): "GetAccelerateConfiguration",
    ("GET", "bucket", "requestPayment"): "GetBucketRequestPayment",
    ("GET", "bucket", "object-lock"): "GetBucketObjectLockConfiguration",
    ("PUT", "object", ""): "PutObject",
    ("GET", "object", ""): "GetObject",
    ("HEAD", "object", ""): "GetObject",  # HeadObject
    ("GET", "object", "versionId"): "GetObjectVersion",
    ("HEAD", "object", "versionId"): "GetObjectVersion",
    ("DELETE", "object", ""): "DeleteObject",
    ("DELETE", "object", "versionId"): "DeleteObjectVersion",
    ("GET", "object", "tagging"): "GetObjectTagging",
    ("PUT", "object", "tagging"): "PutObjectTagging",
}

# Tags given on create are authorized as a tagging action as well, e.g. "Grant permission to tag Amazon EC2
# resources during creation" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html),
# "Grant permission to tag resources on creation" (ECS developer guide), and the same rule in each service's
# authorization reference (the aws:RequestTag condition of the create action and its tag action).
TAG_ACTION = {"ec2": "CreateTags", "logs": "TagResource"}
IAM_TAG_ACTION = {"CreateRole": "TagRole", "CreateInstanceProfile": "TagInstanceProfile", "CreatePolicy": "TagPolicy"}
TAG_PARAMETERS = re.compile(r"^(Tags|tags|TagSpecification\.\d+\.Tag\.|Tags\.member\.|Tag\.)")


class PolicyError(ValueError):
    """A request the generator cannot map to an action or resource: extend the tables here or in deployer_policy."""


def parameters(request) -> dict[str, str]:
    """The request's parameters, flattened to dotted names (JSON bodies) or as sent (query protocols)."""
    if request.protocol == "json":
        flat: dict[str, str] = {}

        def walk(value, name: str) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    walk(item, f"{name}.{key}" if name else key)
            elif isinstance(value, list):
                for index, item in enumerate(value, 1):
                    walk(item, f"{name}.{index}")
            else:
                flat[name] = str(value)

        walk(json.loads(request.body or b"{}"), "")
        return flat
    if request.protocol in ("query", "ec2"):
        query = urllib.parse.urlsplit(request.path).query
        body = request.body.decode() if "x-www-form-urlencoded" in request.headers.get("content-type", "") else ""
        return {name: values[0] for name, values in urllib.parse.parse_qs(f"{query}&{body}").items()}
    return {}


def s3_action(request) -> str:
    url = urllib.parse.urlsplit(request.path)
    path = url.path.strip("/")
    target = "object" if "/" in path else "bucket" if path else "service"
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    subresource = next((name for name in query if (request.method, target, name) in S3_ACTIONS), "")
    if target == "object" and request.method == "PUT" and "x-amz-copy-source" in request.headers:
        raise PolicyError("S3 CopyObject needs s3:GetObject on the source too: add it to the generator")
    try:
        return S3_ACTIONS[request.method, target, subresource]
    except KeyError:
        raise PolicyError(f"no IAM action known for S3 {request.method} {target} {url.query!r}") from None


def actions(request) -> set[str]:
    """The IAM actions AWS authorizes `request` by, including those it checks without a call of their own."""
    service, operation = request.service, request.operation
    if (service, operation) in NEEDS_NO_PERMISSION or service == "unsigned":
        return set()
    prefix = IAM_PREFIX.get(service, service)
    if service == "s3":
        needed = {f"s3:{s3_action(request)}"}
        if request.method == "POST" and b"<VersionId>" in request.body:
            needed.add("s3:DeleteObjectVersion")
        return needed
    needed = {f"{prefix}:{operation}"}
    params = parameters(request)
    if any(TAG_PARAMETERS.match(name) for name in params) and operation.startswith(("Create", "Register", "Run")):
        tag_action = IAM_TAG_ACTION.get(operation) if prefix == "iam" else TAG_ACTION.get(prefix, "TagResource")
        if tag_action:
            needed.add(f"{prefix}:{tag_action}")
    return needed
