#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_repository
version_added: 0.1.0
short_description: Manage an Amazon ECR repository with its tags, scanning and lifecycle policy
description:
  - Creates, updates or deletes a private Amazon ECR repository.
  - Unlike M(community.aws.ecs_ecr), it manages the repository's tags, so the platform's common tag set reaches
    ECR too, and it reports the change it would make in check mode and as a diff.
  - The encryption of a repository is fixed when it is created; asking for a different one fails with a message
    instead of silently keeping the old one.
options:
  name:
    description:
      - Name of the repository.
      - Required unless O(repositories) lists the repositories.
    type: str
  repositories:
    description:
      - The repositories to converge in one module run instead of a loop's run per repository (each run starts
        Python, boto3 and the service model again).
      - Each item is a dict of this module's options for one repository, O(name) among them; an option the item
        does not set takes the task's value. Each item is checked as the module checks one repository; a message
        about an item begins with C(repositories[index] (name)). Mutually exclusive with O(name).
    type: list
    elements: dict
    version_added: 0.2.0
  state:
    description:
      - Whether the repository should exist.
    choices: [present, absent]
    default: present
    type: str
  scan_on_push:
    description:
      - Scan every pushed image for vulnerabilities.
    type: bool
    default: true
  image_tag_mutability:
    description:
      - Whether an image tag can be moved to another image (C(MUTABLE)) or not (C(IMMUTABLE)).
      - C(IMMUTABLE_WITH_EXCLUSION) keeps every tag but those matching O(image_tag_mutability_exclusion_filters)
        immutable; C(MUTABLE_WITH_EXCLUSION) the reverse.
    choices: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]
    default: MUTABLE
    type: str
  image_tag_mutability_exclusion_filters:
    description:
      - Tag patterns (letters, digits, C(.), C(_), C(-) and the C(*) wildcard) excepted from O(image_tag_mutability);
        only with the C(_WITH_EXCLUSION) values, which need at least one.
    type: list
    elements: str
    default: []
  encryption_type:
    description:
      - Encryption at rest, with an AWS owned key (C(AES256)) or a KMS key (C(KMS)).
    choices: [AES256, KMS]
    default: AES256
    type: str
  kms_key:
    description:
      - KMS key ARN or id for O(encryption_type=KMS); empty uses the AWS managed C(aws/ecr) key.
    type: str
  lifecycle_policy:
    description:
      - Lifecycle policy document (a dict or JSON string). An empty value removes the policy.
    type: json
  force_delete:
    description:
      - With O(state=absent), delete the repository even when it still holds images.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports what would change without changing it.
  diff_mode:
    description: Shows the repository's settings before and after.
"""

EXAMPLES = r"""
- name: A repository for Spark applications, scanned on push, old images expired
  dataeng.platform.ecr_repository:
    name: dev-spark-apps
    scan_on_push: true
    lifecycle_policy:
      rules:
        - rulePriority: 1
          description: Expire untagged images after 7 days
          selection:
            tagStatus: untagged
            countType: sinceImagePushed
            countUnit: days
            countNumber: 7
          action:
            type: expire
    tags:
      Environment: dev
      Project: dataeng

- name: Delete it with its images
  dataeng.platform.ecr_repository:
    name: dev-spark-apps
    state: absent
    force_delete: true
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: The API calls an update made (or would make, in check mode).
  returned: when an existing repository changed (with O(repositories), each prefixed with the repository's name)
  type: list
  elements: str
  sample: ["put_image_scanning_configuration", "tag_resource"]
repositories:
  description: Each repository of O(repositories) as it is after the task, in the order listed (each as RV(repository)
    describes it; empty when absent).
  returned: when O(repositories) is given
  type: list
  elements: dict
  version_added: 0.2.0
repository:
  description: The repository as it is after the task (empty when absent).
  returned: unless O(repositories) is given
  type: dict
  contains:
    repository_name:
      description: Name of the repository.
      type: str
      sample: dev-spark-apps
    repository_arn:
      description: ARN of the repository.
      type: str
      sample: arn:aws:ecr:us-east-2:123456789012:repository/dev-spark-apps
    repository_uri:
      description: URI to push to and pull from.
      type: str
      sample: 123456789012.dkr.ecr.us-east-2.amazonaws.com/dev-spark-apps
    scan_on_push:
      description: Whether images are scanned on push.
      type: bool
      sample: true
    image_tag_mutability:
      description: C(MUTABLE), C(IMMUTABLE), C(IMMUTABLE_WITH_EXCLUSION) or C(MUTABLE_WITH_EXCLUSION).
      type: str
      sample: IMMUTABLE_WITH_EXCLUSION
    image_tag_mutability_exclusion_filters:
      description: The tag patterns excepted from O(image_tag_mutability), sorted.
      type: list
      elements: str
      sample: ["latest"]
    encryption_type:
      description: C(AES256) or C(KMS).
      type: str
      sample: AES256
    kms_key:
      description: KMS key of a C(KMS) encrypted repository.
      type: str
      sample: arn:aws:kms:us-east-2:123456789012:key/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab
    lifecycle_policy:
      description: The lifecycle policy document, if any.
      type: dict
      sample: {"rules": []}
    tags:
      description: Tags of the repository.
      type: dict
      sample: {"Environment": "dev"}
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)

from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import (
    Action,
    ManagedResource,
    RefusedChange,
    calls_of,
    run,
)
from ansible_collections.dataeng.platform.plugins.module_utils.tags import (
    ECR_TAGS,
    TAG_OPTIONS,
    apply_tags,
    expected_task_tags,
    plan_task_tags,
)


def normalize_policy(policy):
    """A lifecycle policy as a dict (or None), whether given as JSON text or a dict."""
    if policy in (None, "", {}):
        return None
    if isinstance(policy, str):
        policy = json.loads(policy)
    return policy


MUTABILITY = ("image_tag_mutability", "image_tag_mutability_exclusion_filters")


def mutability_request(settings):
    """The tag mutability parameters of create_repository and put_image_tag_mutability."""
    request = {"imageTagMutability": settings["image_tag_mutability"]}
    if settings["image_tag_mutability_exclusion_filters"]:
        request["imageTagMutabilityExclusionFilters"] = [
            {"filterType": "WILDCARD", "filter": pattern}
            for pattern in settings["image_tag_mutability_exclusion_filters"]
        ]
    return request


def desired_settings(params):
    """The repository settings the task asks for, in the shape describe_repository returns."""
    return {
        "scan_on_push": params["scan_on_push"],
        "image_tag_mutability": params["image_tag_mutability"],
        "image_tag_mutability_exclusion_filters": sorted(params["image_tag_mutability_exclusion_filters"]),
        "encryption_type": params["encryption_type"],
        "kms_key": params.get("kms_key") or None,
        "lifecycle_policy": normalize_policy(params.get("lifecycle_policy")),
    }


def plan_update(current, params):
    """The API calls that turn `current` (describe_repository) into what `params` ask for, in order.

    Raises RefusedChange for a different encryption, which ECR fixes at creation.
    """
    desired = desired_settings(params)
    if current["encryption_type"] != desired["encryption_type"] or (
        desired["encryption_type"] == "KMS" and desired["kms_key"] and current.get("kms_key") != desired["kms_key"]
    ):
        raise RefusedChange(
            f"encrypted with {current['encryption_type']}"
            f"{' key ' + current['kms_key'] if current.get('kms_key') else ''}; ECR fixes the encryption at creation, "
            "so delete the repository (state=absent, force_delete=true) and create it again to change it"
        )
    actions = []
    if current["scan_on_push"] != desired["scan_on_push"]:
        actions.append(Action("put_image_scanning_configuration"))
    if any(current[key] != desired[key] for key in MUTABILITY):
        actions.append(Action("put_image_tag_mutability"))
    if current["lifecycle_policy"] != desired["lifecycle_policy"]:
        actions.append(Action("put_lifecycle_policy" if desired["lifecycle_policy"] else "delete_lifecycle_policy"))
    return actions + plan_task_tags(current["tags"], params, ECR_TAGS)


def expected_after(current, params):
    """The repository as it will be once the planned actions are made (for check mode and diff)."""
    after = dict(current)
    desired = desired_settings(params)
    for key in ("scan_on_push", *MUTABILITY, "lifecycle_policy"):
        after[key] = desired[key]
    after["tags"] = expected_task_tags(current["tags"], params)
    return after


def check_params(params):
    """What argument_spec cannot say; returns an error message or None."""
    # https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImageTagMutability.html: exclusion
    # filters go with the _WITH_EXCLUSION values only, which need at least one.
    with_exclusion = params["image_tag_mutability"].endswith("_WITH_EXCLUSION")
    if with_exclusion != bool(params["image_tag_mutability_exclusion_filters"]):
        return f"image_tag_mutability_exclusion_filters: {params['image_tag_mutability']} takes " + (
            "at least one filter" if with_exclusion else "none (only the _WITH_EXCLUSION values take filters)"
        )
    return None


class EcrRepository(ManagedResource):
    kind = "ECR repository"

    def __init__(self, module):
        super().__init__(module)
        self.client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())

    def describe(self):
        try:
            (repository,) = self.client.describe_repositories(aws_retry=True, repositoryNames=[self.name])[
                "repositories"
            ]
        except is_boto3_error_code("RepositoryNotFoundException"):
            return None
        encryption = repository.get("encryptionConfiguration", {})
        return {
            "repository_name": repository["repositoryName"],
            "repository_arn": repository["repositoryArn"],
            "repository_uri": repository["repositoryUri"],
            "scan_on_push": repository.get("imageScanningConfiguration", {}).get("scanOnPush", False),
            "image_tag_mutability": repository.get("imageTagMutability", "MUTABLE"),
            "image_tag_mutability_exclusion_filters": sorted(
                f["filter"] for f in repository.get("imageTagMutabilityExclusionFilters") or []
            ),
            "encryption_type": encryption.get("encryptionType", "AES256"),
            "kms_key": encryption.get("kmsKey"),
            "lifecycle_policy": self._lifecycle_policy(),
            "tags": self._tags(repository["repositoryArn"]),
        }

    def _lifecycle_policy(self):
        try:
            text = self.client.get_lifecycle_policy(aws_retry=True, repositoryName=self.name)["lifecyclePolicyText"]
        except is_boto3_error_code("LifecyclePolicyNotFoundException"):
            return None
        return json.loads(text)

    def _tags(self, arn):
        return boto3_tag_list_to_ansible_dict(
            self.client.list_tags_for_resource(aws_retry=True, resourceArn=arn).get("tags", []), "Key", "Value"
        )

    def plan(self, current):
        return plan_update(current, self.params)

    def expected(self, current):
        return expected_after(current or {"repository_name": self.name, "tags": {}}, self.params)

    def create(self):
        settings = desired_settings(self.params)
        encryption = {"encryptionType": settings["encryption_type"]}
        if settings["kms_key"]:
            encryption["kmsKey"] = settings["kms_key"]
        request = {
            "repositoryName": self.name,
            "imageScanningConfiguration": {"scanOnPush": settings["scan_on_push"]},
            **mutability_request(settings),
            "encryptionConfiguration": encryption,
        }
        if self.params.get("tags"):
            request["tags"] = ansible_dict_to_boto3_tag_list(self.params["tags"], "Key", "Value")
        self.client.create_repository(aws_retry=True, **request)
        if settings["lifecycle_policy"]:
            self.client.put_lifecycle_policy(
                aws_retry=True, repositoryName=self.name, lifecyclePolicyText=json.dumps(settings["lifecycle_policy"])
            )

    def update(self, current, actions):
        settings = desired_settings(self.params)
        if "put_image_scanning_configuration" in calls_of(actions):
            self.client.put_image_scanning_configuration(
                aws_retry=True,
                repositoryName=self.name,
                imageScanningConfiguration={"scanOnPush": settings["scan_on_push"]},
            )
        if "put_image_tag_mutability" in calls_of(actions):
            self.client.put_image_tag_mutability(
                aws_retry=True, repositoryName=self.name, **mutability_request(settings)
            )
        if "put_lifecycle_policy" in calls_of(actions):
            self.client.put_lifecycle_policy(
                aws_retry=True, repositoryName=self.name, lifecyclePolicyText=json.dumps(settings["lifecycle_policy"])
            )
        if "delete_lifecycle_policy" in calls_of(actions):
            self.client.delete_lifecycle_policy(aws_retry=True, repositoryName=self.name)
        apply_tags(self.client, ECR_TAGS, current["repository_arn"], actions)

    def delete(self, current):
        self.client.delete_repository(aws_retry=True, repositoryName=self.name, force=self.params["force_delete"])


def main():
    options = dict(
        scan_on_push=dict(type="bool", default=True),
        image_tag_mutability=dict(
            type="str",
            default="MUTABLE",
            choices=["MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"],
        ),
        image_tag_mutability_exclusion_filters=dict(type="list", elements="str", default=[]),
        encryption_type=dict(type="str", default="AES256", choices=["AES256", "KMS"]),
        kms_key=dict(type="str", no_log=False),
        lifecycle_policy=dict(type="json"),
        force_delete=dict(type="bool", default=False),
        **TAG_OPTIONS,
    )
    run(EcrRepository, "repository", options, check_params, several="repositories")


if __name__ == "__main__":
    main()
