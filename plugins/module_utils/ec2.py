# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the collection's modules for lists of EC2 resources of one VPC share: the tag calls and the run."""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    boto3_tag_specifications,
)

from ansible_collections.dataeng.platform.plugins.module_utils.lists import fail_on_repeats
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import STATE_OPTION, ResourceList, reconcile
from ansible_collections.dataeng.platform.plugins.module_utils.tags import EC2_TAGS, expected_tags, plan_tags


def tags_of(described):
    """The tags of an EC2 resource as a Describe call gives it, as a dict."""
    return boto3_tag_list_to_ansible_dict(described.get("Tags", []))


def snake_with_tags(described):
    """A Describe answer's resource as amazon.aws' info modules return it: in snake_case (times as ISO 8601 text),
    its tags as a dict (tag keys are left as they are)."""
    untagged = {key: value for key, value in described.items() if key != "Tags"}
    return {**camel_dict_to_snake_dict(normalize_boto3_result(untagged)), "tags": tags_of(described)}


def ebs_encryption_by_default(client):
    """Whether the region encrypts every new EBS volume of the account (GetEbsEncryptionByDefault)."""
    return client.get_ebs_encryption_by_default(aws_retry=True)["EbsEncryptionByDefault"]


def tag_specifications(tags, resource_type):
    """The TagSpecifications that tag a resource of `resource_type` (subnet, route-table...) as it is created."""
    return boto3_tag_specifications(tags, [resource_type])


def plan_ec2_tags(current_tags, wanted_tags, purge_tags):
    """plan_tags with EC2's calls: delete_tags with the keys, create_tags with the tags."""
    return plan_tags(current_tags, wanted_tags, purge_tags, EC2_TAGS)


def with_tag_changes(current, actions, wanted_tags, purge_tags, **settings):
    """A member's planned `actions` followed by its tag calls, and the member after them: `current` with the
    changed `settings` and the tags asked for."""
    after = dict(current, **settings, tags=expected_tags(current["tags"], wanted_tags, purge_tags))
    return actions + plan_ec2_tags(current["tags"], wanted_tags, purge_tags), after


def apply_ec2_tags(client, resource_id, action):
    """Make one of the calls plan_ec2_tags planned."""
    if action.call == EC2_TAGS.untag:
        client.delete_tags(aws_retry=True, Resources=[resource_id], Tags=[{"Key": key} for key in action.argument])
    else:
        client.create_tags(
            aws_retry=True, Resources=[resource_id], Tags=ansible_dict_to_boto3_tag_list(action.argument)
        )


class VpcList(ResourceList):
    """A list of EC2 resources of the VPC `vpc_id`, whose `option` lists them, each named by its `key`."""

    #: The list option, the member option that names a member, and the result key.
    option = ""
    key = ""
    result_key = ""

    @classmethod
    def check(cls, module):
        """Fail before any request on what argument_spec cannot say."""

    @property
    def failure(self):
        return f"Failed to manage the {self.result_key.replace('_', ' ')} of {self.params['vpc_id']}"

    def expected_tags(self, current_tags, wanted_tags):
        return expected_tags(current_tags, wanted_tags, self.params["purge_tags"])


def run_vpc_list(list_class, member_options, options=None, retried_error_codes=()):
    """The main() of a module for a list of EC2 resources of one VPC: `vpc_id`, the list option of `list_class`
    whose members take `member_options`, `purge_tags`, `state` and the module's other `options`. Checks that no
    member repeats its key and what `list_class.check` checks, converges the list and exits with the members'
    results under `list_class.result_key`.

    `retried_error_codes` are retried besides throttling: what AWS answers while it catches up with a change.
    """
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        **{list_class.option: dict(type="list", elements="dict", required=True, options=member_options)},
        **(options or {}),
        purge_tags=dict(type="bool", default=True),
        state=STATE_OPTION,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    list_class.check(module)
    fail_on_repeats(module, list_class.option, list_class.key)
    retries = AWSRetry.jittered_backoff(catch_extra_error_codes=list(retried_error_codes))
    members = list_class(module, module.client("ec2", retry_decorator=retries))
    reconcile(module, members, list_class.result_key)
