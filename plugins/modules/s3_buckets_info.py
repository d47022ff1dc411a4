#!/usr/bin/python
# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: s3_buckets_info
version_added: 0.2.0
short_description: Read named S3 buckets' versioning, encryption, tags, public access block, ownership and policy
description:
  - Reads in one module run, for each bucket it names, the settings M(amazon.aws.s3_bucket) manages, in the shape
    M(amazon.aws.s3_bucket_info) returns them with C(bucket_facts), so that a
    role can tell which buckets M(amazon.aws.s3_bucket) would change before it runs that module once per bucket.
  - Only the named buckets are read, with C(HeadBucket) and one C(GetBucket...) call per setting. It never lists the
    account's buckets, so a bucket it is not given is not named by the run.
  - A bucket that does not exist is listed in RV(missing). One that exists but is not readable (another account owns
    the name, or the credentials lack a C(s3:Get...) permission) fails the task with its name.
options:
  names:
    description:
      - The buckets to read, by name.
    type: list
    elements: str
    required: true
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
- name: Read the lake's buckets
  dataeng.platform.s3_buckets_info:
    names: [dev-data-lake-123456789012, dev-glue-scripts-123456789012]
  register: lake_buckets
"""

RETURN = r"""
buckets:
  description: The named buckets that exist, in the order given, each with the settings M(amazon.aws.s3_bucket_info)
    returns for the C(bucket_facts) C(bucket_versioning), C(bucket_encryption),
    C(bucket_tagging), C(public_access_block), C(bucket_ownership_controls) and C(bucket_policy); a setting the bucket
    does not have is an empty dict.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "dev-data-lake-123456789012", "bucket_versioning": {"Status": "Enabled"},
           "bucket_encryption": {"ServerSideEncryptionConfiguration": {"Rules": [
             {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": false}]}},
           "bucket_tagging": {"Purpose": "data-lake"},
           "public_access_block": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": true,
             "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}},
           "bucket_ownership_controls": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
           "bucket_policy": {"Policy": "{\"Version\": \"2012-10-17\", \"Statement\": []}"}}]
missing:
  description: The named buckets that do not exist, in the order given.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import AWS_ERRORS

# Each setting: the call that reads it, and the error codes S3 answers when the bucket does not have it (the API
# reference of each call, https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html;
# the older codes amazon.aws' S3 helpers also take as "not set"). GetBucketVersioning has none: a bucket whose
# versioning was never enabled answers without a Status.
SETTINGS = {
    "bucket_versioning": ("get_bucket_versioning", []),
    "bucket_encryption": ("get_bucket_encryption", ["ServerSideEncryptionConfigurationNotFoundError"]),
    "bucket_tagging": ("get_bucket_tagging", ["NoSuchTagSet", "NoSuchTagSetError"]),
    "public_access_block": ("get_public_access_block", ["NoSuchPublicAccessBlockConfiguration"]),
    "bucket_ownership_controls": (
        "get_bucket_ownership_controls",
        ["OwnershipControlsNotFoundError", "NoSuchOwnershipControls"],
    ),
    "bucket_policy": ("get_bucket_policy", ["NoSuchBucketPolicy"]),
}


def setting_shown(key, answer):
    """A Get call's answer as s3_bucket_info shows it: without the response metadata, the tags as a dict."""
    answer = {field: value for field, value in answer.items() if field != "ResponseMetadata"}
    if key == "bucket_tagging":
        return boto3_tag_list_to_ansible_dict(answer.get("TagSet", []))
    return answer


def exists(client, name):
    """Whether bucket `name` exists (HeadBucket answers 404 when it does not)."""
    try:
        client.head_bucket(aws_retry=True, Bucket=name)
    except is_boto3_error_code(["404", "NoSuchBucket", "NotFound"]):
        return False
    return True


def read_setting(client, name, key):
    call, not_set = SETTINGS[key]
    try:
        answer = getattr(client, call)(aws_retry=True, Bucket=name)
    except is_boto3_error_code(not_set):
        return {}
    return setting_shown(key, answer)


def read_bucket(client, name):
    return {"name": name, **{key: read_setting(client, name, key) for key in SETTINGS}}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(names=dict(type="list", elements="str", required=True)),
        supports_check_mode=True,
    )
    client = module.client("s3", retry_decorator=AWSRetry.jittered_backoff())
    buckets, missing = [], []
    for name in module.params["names"]:
        try:
            if exists(client, name):
                buckets.append(read_bucket(client, name))
            else:
                missing.append(name)
        except AWS_ERRORS as e:
            module.fail_json_aws(
                e, msg=f"Unable to read bucket {name}: another account's, or not readable with these credentials"
            )
    module.exit_json(changed=False, buckets=buckets, missing=missing)


if __name__ == "__main__":
    main()
