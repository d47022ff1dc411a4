# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tags: the one planner of the calls that change a resource's tags, what the tags are after them, the tag options,
and the calls themselves for the services whose tag API takes a resource, keys and a dict or list of tags."""

from __future__ import annotations

from typing import NamedTuple

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list, compare_aws_tags

from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action

TAG_OPTIONS = dict(
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


class TagApi(NamedTuple):
    """How a service's untag and tag calls name the resource, the keys to remove and the tags to add, and whether
    they take the tags as a list of Key/Value pairs (`pair_keys`) rather than a dict."""

    resource: str
    keys: str = "TagKeys"
    tags: str = "Tags"
    pair_keys: tuple = ()
    untag: str = "untag_resource"
    tag: str = "tag_resource"


GLUE_TAGS = TagApi("ResourceArn", keys="TagsToRemove", tags="TagsToAdd")
DLM_TAGS = TagApi("ResourceArn")
ECR_TAGS = TagApi("resourceArn", keys="tagKeys", tags="tags", pair_keys=("Key", "Value"))
SECRETS_TAGS = TagApi("SecretId", pair_keys=("Key", "Value"))
# IAM names a role by its name and has a tag call of its own for each kind of resource (TagRole, UntagRole).
IAM_ROLE_TAGS = TagApi("RoleName", pair_keys=("Key", "Value"), untag="untag_role", tag="tag_role")
# EC2 takes a list of resources and a list of tags in both calls (ec2.apply_ec2_tags).
EC2_TAGS = TagApi("Resources", untag="delete_tags", tag="create_tags")


def plan_tags(current_tags, wanted_tags, purge_tags, api=GLUE_TAGS):
    """The tag calls that turn `current_tags` into `wanted_tags`, in the order they are made: the untag call with
    the keys it removes, then the tag call with the tags it adds. None for `wanted_tags` leaves the tags alone
    (not a purge of every tag)."""
    if wanted_tags is None:
        return []
    to_add, to_remove = compare_aws_tags(current_tags, wanted_tags, purge_tags)
    return ([Action(api.untag, to_remove)] if to_remove else []) + ([Action(api.tag, to_add)] if to_add else [])


def plan_task_tags(current_tags, params, api=GLUE_TAGS):
    """plan_tags for the `tags` and `purge_tags` options of a task."""
    return plan_tags(current_tags, params.get("tags"), params["purge_tags"], api)


def expected_tags(current_tags, wanted_tags, purge_tags):
    """The tags a resource will carry once the task has run."""
    if wanted_tags is None:
        return dict(current_tags)
    tags = {} if purge_tags else dict(current_tags)
    tags.update(wanted_tags)
    return tags


def expected_task_tags(current_tags, params):
    """expected_tags for the `tags` and `purge_tags` options of a task."""
    return expected_tags(current_tags, params.get("tags"), params["purge_tags"])


def apply_tags(client, api, resource, actions):
    """Make the tag calls among `actions` (planned by plan_tags with `api`) on `resource`."""
    for action in actions:
        if action.call == api.untag:
            getattr(client, api.untag)(aws_retry=True, **{api.resource: resource, api.keys: action.argument})
        elif action.call == api.tag:
            tags = ansible_dict_to_boto3_tag_list(action.argument, *api.pair_keys) if api.pair_keys else action.argument
            getattr(client, api.tag)(aws_retry=True, **{api.resource: resource, api.tags: tags})
