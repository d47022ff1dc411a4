"""Amazon Data Lifecycle Manager (DLM) for the emulator: moto has no DLM at all.

The platform snapshots its hosts' volumes with a DLM policy (dataeng.platform.dlm_lifecycle_policy), so
the emulator must answer DLM's API. This is a minimal, faithful backend of the policy operations, as
the DLM API Reference describes them (https://docs.aws.amazon.com/dlm/latest/APIReference/, rest-json):
CreateLifecyclePolicy, GetLifecyclePolicies, GetLifecyclePolicy, UpdateLifecyclePolicy,
DeleteLifecyclePolicy, TagResource, UntagResource and ListTagsForResource. It stores policies; it never
runs them, so no snapshot is ever taken (as on AWS before a policy's first scheduled time).

moto finds a backend by module name (moto.backends.get_backend imports moto.<service>) and a request's
backend by the host its credential scope names (moto.backend_index.backend_url_patterns); `register`
adds DLM to both at startup, without touching moto's files. Run as a script, this file is moto's server
with DLM registered: tools/emulator.py launches it in place of `python -m moto.server` (its name keeps
"moto" in the command line, which is how the launcher recognises its server's pid).

It also gives a volume made from no snapshot the empty SnapshotId AWS gives it (moto leaves SnapshotId out, and
amazon.aws.ec2_vol_info fails without it; the emulator answers as AWS does).
"""

from __future__ import annotations

import re
import sys
import types
import uuid
from datetime import UTC, datetime

from moto import backend_index
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse, EmptyResult
from moto.iam.access_control import IAMRequest

SERVICE = "dlm"
URL_BASE = r"https?://dlm\.(.+)\.amazonaws\.com"
# CreateRule: "Interval ... The supported values are 1, 2, 3, 4, 6, 8, 12, and 24"; at most one start time;
# RetainRule: "Count ... 1 to 1000"; a policy has at most 4 schedules (DLM API Reference, CreateRule,
# RetainRule and PolicyDetails data types).
SUPPORTED_INTERVALS = {1, 2, 3, 4, 6, 8, 12, 24}
MAX_RETAIN_COUNT = 1000
MAX_SCHEDULES = 4
STATES = {"ENABLED", "DISABLED"}


class ResourceNotFoundException(ServiceException):
    code = "ResourceNotFoundException"


class InvalidRequestException(ServiceException):
    code = "InvalidRequestException"


def now() -> datetime:
    return datetime.now(UTC)


def schedule_errors(details: dict) -> list[str]:
    """What DLM refuses in the policy details of a snapshot policy (the only kind the platform makes)."""
    errors = []
    if details.get("PolicyType", "EBS_SNAPSHOT_MANAGEMENT") != "EBS_SNAPSHOT_MANAGEMENT":
        return errors  # AMI and event-based policies: accepted as given
    if not details.get("ResourceTypes"):
        errors.append("ResourceTypes is required for an EBS_SNAPSHOT_MANAGEMENT policy")
    if not details.get("TargetTags"):
        errors.append("TargetTags is required for an EBS_SNAPSHOT_MANAGEMENT policy")
    schedules = details.get("Schedules") or []
    if not 1 <= len(schedules) <= MAX_SCHEDULES:
        errors.append(f"a policy has between 1 and {MAX_SCHEDULES} schedules, got {len(schedules)}")
    for schedule in schedules:
        name = schedule.get("Name", "")
        create, retain = schedule.get("CreateRule") or {}, schedule.get("RetainRule") or {}
        if "CronExpression" in create and "Interval" in create:
            errors.append(f"schedule {name}: CreateRule takes either CronExpression or Interval, not both")
        elif "CronExpression" not in create:
            if create.get("Interval") not in SUPPORTED_INTERVALS or create.get("IntervalUnit") != "HOURS":
                errors.append(
                    f"schedule {name}: CreateRule Interval must be one of {sorted(SUPPORTED_INTERVALS)} HOURS"
                )
            if len(create.get("Times") or []) > 1:
                errors.append(f"schedule {name}: CreateRule takes at most one start time")
        if "Count" in retain:
            if not 1 <= retain["Count"] <= MAX_RETAIN_COUNT:
                errors.append(f"schedule {name}: RetainRule Count must be between 1 and {MAX_RETAIN_COUNT}")
        elif not (retain.get("Interval") and retain.get("IntervalUnit")):
            errors.append(f"schedule {name}: RetainRule needs a Count, or an Interval and IntervalUnit")
    return errors


class LifecyclePolicy:
    def __init__(self, account_id: str, region: str, request: dict):
        self.policy_id = f"policy-{uuid.uuid4().hex[:17]}"
        self.arn = f"arn:aws:dlm:{region}:{account_id}:policy/{self.policy_id}"
        self.execution_role_arn = request["ExecutionRoleArn"]
        self.description = request["Description"]
        self.state = request["State"]
        self.details = request.get("PolicyDetails") or {}
        self.default_policy = request.get("DefaultPolicy")
        self.tags = dict(request.get("Tags") or {})
        self.created = self.modified = now()

    def update(self, request: dict) -> None:
        for attribute, parameter in (
            ("execution_role_arn", "ExecutionRoleArn"),
            ("state", "State"),
            ("description", "Description"),
            ("details", "PolicyDetails"),
        ):
            if request.get(parameter) is not None:
                setattr(self, attribute, request[parameter])
        self.modified = now()

    def _described(self, **fields) -> dict:
        """What both GetLifecyclePolicies (a summary) and GetLifecyclePolicy (in full) say of the policy."""
        described = {"PolicyId": self.policy_id, "Description": self.description, "State": self.state, **fields}
        if self.default_policy:
            described["DefaultPolicy"] = True
        return described

    def summary(self) -> dict:
        return self._described(Tags=self.tags, PolicyType=self.details.get("PolicyType", "EBS_SNAPSHOT_MANAGEMENT"))

    def full(self) -> dict:
        return self._described(
            StatusMessage=self.state,
            ExecutionRoleArn=self.execution_role_arn,
            DateCreated=self.created,
            DateModified=self.modified,
            PolicyDetails=self.details,
            Tags=self.tags,
            PolicyArn=self.arn,
        )

    def matches(self, filters: dict) -> bool:
        """GetLifecyclePolicies' filters: each given one must match (TargetTags and TagsToAdd as key=value)."""
        target_tags = {f"{tag['Key']}={tag['Value']}" for tag in self.details.get("TargetTags") or []}
        tags_to_add = {
            f"{tag['Key']}={tag['Value']}"
            for schedule in self.details.get("Schedules") or []
            for tag in schedule.get("TagsToAdd") or []
        }
        return (
            (not filters.get("PolicyIds") or self.policy_id in filters["PolicyIds"])
            and (not filters.get("State") or self.state == filters["State"])
            and (
                not filters.get("ResourceTypes")
                or set(filters["ResourceTypes"]) & set(self.details.get("ResourceTypes") or [])
            )
            and (not filters.get("TargetTags") or set(filters["TargetTags"]) & target_tags)
            and (not filters.get("TagsToAdd") or set(filters["TagsToAdd"]) & tags_to_add)
        )


class DLMBackend(BaseBackend):
    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.policies: dict[str, LifecyclePolicy] = {}

    @property
    def _url_module(self) -> types.SimpleNamespace:
        # moto derives it from the backend's module name (moto.<service>.urls), which this file is not.
        return types.SimpleNamespace(url_bases=[URL_BASE], url_paths=URL_PATHS)

    def policy(self, policy_id: str) -> LifecyclePolicy:
        if policy_id not in self.policies:
            raise ResourceNotFoundException(f"Lifecycle policy with ID {policy_id} not found")
        return self.policies[policy_id]

    def policy_by_arn(self, arn: str) -> LifecyclePolicy:
        policy_id = arn.rsplit("/", 1)[-1]
        if policy_id not in self.policies or self.policies[policy_id].arn != arn:
            raise ResourceNotFoundException(f"Resource {arn} not found")
        return self.policies[policy_id]

    def create(self, request: dict) -> LifecyclePolicy:
        missing = [name for name in ("ExecutionRoleArn", "Description", "State") if not request.get(name)]
        if missing:
            raise InvalidRequestException(f"Missing required parameters: {', '.join(missing)}")
        validate(request)
        policy = LifecyclePolicy(self.account_id, self.region_name, request)
        self.policies[policy.policy_id] = policy
        return policy

    def update(self, policy_id: str, request: dict) -> None:
        policy = self.policy(policy_id)
        validate(request)
        policy.update(request)


def validate(request: dict) -> None:
    if request.get("State") is not None and request["State"] not in STATES:
        raise InvalidRequestException(f"State must be one of {sorted(STATES)}, got {request['State']}")
    errors = schedule_errors(request["PolicyDetails"]) if request.get("PolicyDetails") else []
    if errors:
        raise InvalidRequestException("; ".join(errors))


dlm_backends = BackendDict(DLMBackend, SERVICE)


class KeyCheckedRequest(IAMRequest):
    """Authorization with the caller's access key (an unknown key is still refused) and policies, without
    moto's signature check: it rebuilds the signed request from what moto parsed, and for this backend's REST
    requests answers SignatureDoesNotMatch to every correctly signed one."""

    def check_signature(self) -> None:
        pass


class DLMResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name=SERVICE)
        # botocore's DLM model parses the requests and shapes the answers.
        self.automated_parameter_parsing = True

    @property
    def backend(self) -> DLMBackend:
        return dlm_backends[self.current_account][self.region]

    def _authenticate_and_authorize_normal_action(self, resource: str = "*") -> None:
        self._authenticate_and_authorize_action(KeyCheckedRequest, resource)

    def create_lifecycle_policy(self) -> ActionResult:
        policy = self.backend.create(self.params)
        return ActionResult({"PolicyId": policy.policy_id})

    def get_lifecycle_policies(self) -> ActionResult:
        policies = [policy.summary() for policy in self.backend.policies.values() if policy.matches(self.params)]
        return ActionResult({"Policies": policies})

    def get_lifecycle_policy(self) -> ActionResult:
        return ActionResult({"Policy": self.backend.policy(self._get_param("PolicyId")).full()})

    def update_lifecycle_policy(self) -> ActionResult:
        self.backend.update(self._get_param("PolicyId"), self.params)
        return EmptyResult()

    def delete_lifecycle_policy(self) -> ActionResult:
        self.backend.policy(self._get_param("PolicyId"))
        del self.backend.policies[self._get_param("PolicyId")]
        return EmptyResult()

    def list_tags_for_resource(self) -> ActionResult:
        return ActionResult({"Tags": self.backend.policy_by_arn(self._get_param("ResourceArn")).tags})

    def tag_resource(self) -> ActionResult:
        self.backend.policy_by_arn(self._get_param("ResourceArn")).tags.update(self._get_param("Tags"))
        return EmptyResult()

    def untag_resource(self) -> ActionResult:
        tags = self.backend.policy_by_arn(self._get_param("ResourceArn")).tags
        for key in self._get_param("TagKeys") or []:
            tags.pop(key, None)
        return EmptyResult()


URL_PATHS = {
    "{0}/policies/?$": DLMResponse.dispatch,
    "{0}/policies/(?P<PolicyId>[^/]+)/?$": DLMResponse.dispatch,
    "{0}/tags/(?P<ResourceArn>.+)$": DLMResponse.dispatch,
}


def register() -> None:
    """Make moto's server route DLM requests to this backend."""
    module = types.ModuleType(f"moto.{SERVICE}")
    module.dlm_backends = dlm_backends
    sys.modules[module.__name__] = module
    if all(service != SERVICE for service, _pattern in backend_index.backend_url_patterns):
        backend_index.backend_url_patterns.append((SERVICE, re.compile(URL_BASE)))


def blank_volumes_have_an_empty_snapshot_id() -> None:
    """A volume created from no snapshot has SnapshotId "" on AWS, as the CreateVolume example of the AWS CLI shows
    (https://docs.aws.amazon.com/code-library/latest/ug/ec2_example_ec2_CreateVolume_section.html)."""
    from moto.ec2.models.elastic_block_store import Volume

    created = Volume.__init__

    def init(volume: Volume, *args, **kwargs) -> None:
        created(volume, *args, **kwargs)
        if volume.snapshot_id is None:
            volume.snapshot_id = ""

    Volume.__init__ = init


if __name__ == "__main__":
    from moto.server import main

    register()
    blank_volumes_have_an_empty_snapshot_id()
    main()
