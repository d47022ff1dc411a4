# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the Glue modules share: a retrying client, resource ARNs and tags."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dataeng.platform.plugins.module_utils.propagation import (
    GLUE_ROLE_NOT_PROPAGATED,
    when_propagated,
)
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import ManagedResource
from ansible_collections.dataeng.platform.plugins.module_utils.tags import GLUE_TAGS, apply_tags

# Glue answers a burst of catalog calls with ConcurrentModificationException as well as throttling.
RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=["ConcurrentModificationException"])
# Around the calls that hand Glue a role: until a role IAM has just created has propagated, Glue refuses it.
WHEN_ROLE_PROPAGATED = when_propagated(GLUE_ROLE_NOT_PROPAGATED)


def glue_client(module):
    return module.client("glue", retry_decorator=RETRY)


def not_found(error_code="EntityNotFoundException"):
    return is_boto3_error_code(error_code)


def same_role(reported, asked):
    """Whether the role Glue reports (as it was given: name or ARN) is the one asked for (name or ARN)."""
    return reported == asked or reported.endswith(f":role/{asked}") or asked.endswith(f":role/{reported}")


class GlueResource(ManagedResource):
    """A Glue resource with tags; `arn_type` is the ARN's resource type (database, workflow, trigger...)."""

    arn_type = ""
    #: The call that reads the resource and the key of its answer, e.g. ("get_job", "Job").
    get_call = ("", "")
    #: How the calls name the resource.
    name_parameter = "Name"
    #: The planning function of the module: (current, params) -> Actions.
    planner = None

    def __init__(self, module):
        super().__init__(module)
        self.client = glue_client(module)
        self._arn = None

    @property
    def arn(self):
        if self._arn is None:
            account, partition = get_aws_account_info(self.module)
            self._arn = f"arn:{partition}:glue:{self.module.region}:{account}:{self.arn_type}/{self.name}"
        return self._arn

    def get_request(self):
        """The parameters of the get call."""
        return {self.name_parameter: self.name}

    def shape(self, found):
        """The get call's answer in the module's terms, tags and ARN aside."""
        raise NotImplementedError

    def describe(self):
        call, key = self.get_call
        try:
            found = getattr(self.client, call)(aws_retry=True, **self.get_request())[key]
        except not_found():
            return None
        return {**self.shape(found), "arn": self.arn, "tags": self.tags()}

    def plan(self, current):
        return self.planner(current, self.params)

    def tags(self):
        return self.client.get_tags(aws_retry=True, ResourceArn=self.arn).get("Tags", {})

    def update_tags(self, actions):
        """Make the tag calls among the planned `actions`."""
        apply_tags(self.client, GLUE_TAGS, self.arn, actions)
