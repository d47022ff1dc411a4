# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the collection's modules for lists of EC2 resources of one VPC share: the tag calls and the run.

Such a module describes its list with a class taking (module, client) whose `present()` and `absent()` return
the members' results and the diff, recording each call made (or planned, in check mode) in `actions`.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list, compare_aws_tags

from ansible_collections.dataeng.platform.plugins.module_utils.resource import converge_members, fail_on_repeats


def plan_ec2_tags(current_tags, wanted_tags, purge_tags):
    """The tag calls that turn `current_tags` into `wanted_tags`, in order, each with what it takes:
    ("delete_tags", [keys]) and ("create_tags", {key: value}). None for `wanted_tags` leaves the tags alone."""
    if wanted_tags is None:
        return []
    to_add, to_remove = compare_aws_tags(current_tags, wanted_tags, purge_tags)
    return ([("delete_tags", to_remove)] if to_remove else []) + ([("create_tags", to_add)] if to_add else [])


def apply_ec2_tags(client, resource_id, call, argument):
    """Make one of the calls plan_ec2_tags planned."""
    if call == "delete_tags":
        client.delete_tags(aws_retry=True, Resources=[resource_id], Tags=[{"Key": key} for key in argument])
    else:
        client.create_tags(aws_retry=True, Resources=[resource_id], Tags=ansible_dict_to_boto3_tag_list(argument))


def run_ec2_list(module, list_class, option, key, result_key, retried_error_codes):
    """Check that no member of `option` repeats its `key`, then converge the list as `state` asks and exit the module
    with the members' results under `result_key`.

    `retried_error_codes` are retried besides throttling: what AWS answers while it catches up with a change.
    """
    fail_on_repeats(module, option, key)
    retries = AWSRetry.jittered_backoff(catch_extra_error_codes=retried_error_codes)
    members = list_class(module, module.client("ec2", retry_decorator=retries))
    failure = f"Failed to manage the {result_key.replace('_', ' ')} of {module.params['vpc_id']}"
    converge_members(module, members, result_key, failure)
