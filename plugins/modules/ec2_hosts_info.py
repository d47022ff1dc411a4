#!/usr/bin/python
# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_hosts_info
version_added: 0.2.0
short_description: Read EC2 hosts with their volumes, the image and key pair they launch with and the EBS encryption
  default at once
description:
  - Reads in one module run what M(amazon.aws.ec2_ami_info), M(amazon.aws.ec2_instance_info),
    M(amazon.aws.ec2_vol_info) and M(amazon.aws.ec2_key_info) read in four, each in the shape those modules return it,
    and whether the region encrypts new EBS volumes by default, so that a role can tell what its hosts stand on and
    which of its changes are needed before it runs a module for them.
  - EC2's Describe calls are eventually consistent, so a resource just made or changed may be missing from the answer
    or read as it was (U(https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html)).
options:
  image_ids:
    description:
      - The images read by their ids. With O(image_owners) and O(image_filters) empty too, no image is read.
    type: list
    elements: str
    default: []
  image_owners:
    description:
      - The owners of the images read (account ids, or C(amazon), C(aws-marketplace), C(self)).
    type: list
    elements: str
    default: []
  image_filters:
    description:
      - The filters of C(DescribeImages), such as C(name) or C(architecture).
    type: dict
    default: {}
  instance_filters:
    description:
      - The filters of C(DescribeInstances) that select the hosts, such as C(tag:Role) or C(instance-state-name).
        The volumes read are those attached to the hosts they select.
    type: dict
    required: true
  key_name:
    description:
      - The key pair read, with its public key. A key pair of another name is not read; none is read when empty.
    type: str
    default: ""
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reads only, in check mode too.
  diff_mode:
    support: none
    description: Reads only; there is nothing to compare.
"""

EXAMPLES = r"""
- name: Read the image, the hosts, their volumes, the key pair and the EBS encryption default
  dataeng.platform.ec2_hosts_info:
    image_owners: ["136693071363"]
    image_filters:
      name: debian-12-amd64-*
      architecture: x86_64
    instance_filters:
      tag:Project: platform
      instance-state-name: [pending, running, stopping, stopped]
    key_name: dev-admin
  register: hosts
"""

RETURN = r"""
images:
  description: The images O(image_ids), O(image_owners) and O(image_filters) select, oldest first, as
    M(amazon.aws.ec2_ami_info) returns them (snake_case, tags as a dict).
  returned: always
  type: list
  elements: dict
instances:
  description: The hosts O(instance_filters) selects, as M(amazon.aws.ec2_instance_info) returns them (snake_case,
    times as ISO 8601 text, tags as a dict).
  returned: always
  type: list
  elements: dict
volumes:
  description: The EBS volumes attached to the hosts in RV(instances), as M(amazon.aws.ec2_vol_info) returns them.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "vol-0123456789abcdef0", "size": 20, "type": "gp3", "encrypted": true, "zone": "eu-west-1a",
           "status": "in-use", "attachment_set": [{"instance_id": "i-0123456789abcdef0", "device": "/dev/xvda",
           "status": "attached", "delete_on_termination": true, "attach_time": "2026-12-07T12:00:00+00:00"}],
           "tags": {"Snapshots": "dev"}}]
keypairs:
  description: The key pair named O(key_name) with its public key, as M(amazon.aws.ec2_key_info) returns it (empty
    when it does not exist).
  returned: always
  type: list
  elements: dict
ebs_encryption_by_default:
  description: Whether the region encrypts every new EBS volume of the account (C(GetEbsEncryptionByDefault)).
  returned: always
  type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import (
    AnsibleEC2Error,
    describe_images,
    describe_instances,
    describe_key_pairs,
    describe_volumes,
)
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.dataeng.platform.plugins.module_utils.ec2 import ebs_encryption_by_default, snake_with_tags
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import AWS_ERRORS


def volume(described, region):
    """A DescribeVolumes answer's volume as ec2_vol_info returns it: its attachments' state as `status`, its tags as
    a dict or None when it has none."""
    snake = snake_with_tags(described)
    shown = {
        "create_time": snake["create_time"],
        "id": snake["volume_id"],
        "encrypted": snake["encrypted"],
        "iops": snake.get("iops"),
        "size": snake["size"],
        # EC2 gives a volume made from no snapshot an empty SnapshotId.
        "snapshot_id": snake.get("snapshot_id", ""),
        "status": snake["state"],
        "type": snake["volume_type"],
        "zone": snake["availability_zone"],
        "region": region,
        "attachment_set": [
            {
                "attach_time": attachment.get("attach_time"),
                "device": attachment.get("device"),
                "instance_id": attachment.get("instance_id"),
                "status": attachment.get("state"),
                "delete_on_termination": attachment.get("delete_on_termination"),
            }
            for attachment in snake["attachments"]
        ],
        "tags": snake["tags"] if "Tags" in described else None,
    }
    if "throughput" in snake:
        shown["throughput"] = snake["throughput"]
    return shown


def image_request(params):
    """The DescribeImages parameters, or None when nothing selects an image: with none, EC2 lists every image the
    account may launch, public ones included."""
    if not (params["image_ids"] or params["image_owners"] or params["image_filters"]):
        return None
    request = {"Filters": ansible_dict_to_boto3_filter_list(params["image_filters"])}
    if params["image_ids"]:
        request["ImageIds"] = params["image_ids"]
    if params["image_owners"]:
        request["Owners"] = params["image_owners"]
    return request


def read(client, params, region):
    request = image_request(params)
    images = sorted(
        (snake_with_tags(image) for image in describe_images(client, **request)) if request else [],
        key=lambda image: image.get("creation_date", ""),
    )
    reservations = describe_instances(client, Filters=ansible_dict_to_boto3_filter_list(params["instance_filters"]))
    instances = [snake_with_tags(instance) for reservation in reservations for instance in reservation["Instances"]]
    volumes = []
    if instances:
        attached = {"attachment.instance-id": [instance["instance_id"] for instance in instances]}
        volumes = [
            volume(described, region)
            for described in describe_volumes(client, Filters=ansible_dict_to_boto3_filter_list(attached))
        ]
    keypairs = []
    if params["key_name"]:
        # A filter, not KeyNames: a missing key pair is then an empty answer rather than InvalidKeyPair.NotFound.
        named = ansible_dict_to_boto3_filter_list({"key-name": params["key_name"]})
        keypairs = [snake_with_tags(key) for key in describe_key_pairs(client, Filters=named, IncludePublicKey=True)]
    encryption = ebs_encryption_by_default(client)
    return {
        "images": images,
        "instances": instances,
        "volumes": volumes,
        "keypairs": keypairs,
        "ebs_encryption_by_default": encryption,
    }


def main():
    argument_spec = dict(
        image_ids=dict(type="list", elements="str", default=[]),
        image_owners=dict(type="list", elements="str", default=[]),
        image_filters=dict(type="dict", default={}),
        instance_filters=dict(type="dict", required=True),
        key_name=dict(type="str", default=""),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        found = read(client, module.params, module.region)
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Unable to read whether EBS encrypts new volumes by default")
    module.exit_json(changed=False, **found)


if __name__ == "__main__":
    main()
