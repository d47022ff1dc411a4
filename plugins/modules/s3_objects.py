#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: s3_objects
version_added: 0.1.0
short_description: Upload several files to one S3 bucket, each only when its content differs
description:
  - Puts a list of files into an existing bucket, each under its key, and leaves alone each object whose content is
    already the file's.
  - Does in one process what M(amazon.aws.s3_object) with O(amazon.aws.s3_object#module:overwrite=different) does
    one file per task, with one read per object and one write per changed object.
  - Content is compared by SHA-256, which the module stores as the object's C(sha256) metadata, so the comparison
    holds whatever the bucket's encryption (with KMS encryption an object's ETag is not the MD5 of its content).
    An object without that metadata is compared by its ETag as an MD5.
options:
  bucket:
    description:
      - Name of the bucket.
    type: str
    required: true
  objects:
    description:
      - The objects and the files they hold.
    type: list
    elements: dict
    required: true
    suboptions:
      key:
        description:
          - Key of the object.
        type: str
        required: true
      src:
        description:
          - Path of the file to upload, on the host the module runs on.
        type: path
        required: true
      content_type:
        description:
          - The object's Content-Type.
        type: str
        default: binary/octet-stream
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports which objects would be written without writing them.
  diff_mode:
    description: Shows the SHA-256 of each changed object before and after.
"""

EXAMPLES = r"""
- name: The Glue job scripts and the module they share
  dataeng.platform.s3_objects:
    bucket: dev-glue-scripts
    objects:
      - {key: scripts/data_processing.py, src: files/data_processing.py, content_type: text/x-python}
      - {key: scripts/job_arguments.py, src: files/job_arguments.py, content_type: text/x-python}
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: "The objects written (or that would be written, in check mode), each as C(<key>: put_object)."
  returned: always
  type: list
  elements: str
  sample: ["scripts/data_processing.py: put_object"]
objects:
  description: The objects after the task, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    key:
      description: Key of the object.
      type: str
      sample: scripts/data_processing.py
    sha256:
      description: SHA-256 of the object's content, hexadecimal.
      type: str
    changed:
      description: Whether the task wrote (or would write) the object.
      type: bool
"""

import hashlib

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dataeng.platform.plugins.module_utils.lists import ListMember, MemberList
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action, reconcile

# The user metadata key the module keeps an object's SHA-256 under (x-amz-meta-sha256).
SHA256_METADATA = "sha256"


def stored_digest(head):
    """What HeadObject tells of an object's content: ("sha256", hex) from the module's metadata, else ("md5", hex)
    from the ETag (an MD5 only for a single-part upload without KMS), or None for no object."""
    if head is None:
        return None
    if SHA256_METADATA in head.get("Metadata", {}):
        return ("sha256", head["Metadata"][SHA256_METADATA])
    return ("md5", head.get("ETag", "").strip('"'))


def holds(head, content):
    """Whether the object HeadObject described holds exactly `content`."""
    digest = stored_digest(head)
    if digest is None:
        return False
    algorithm, value = digest
    return hashlib.new(algorithm, content).hexdigest() == value


class S3Object(ListMember):
    """One object of the bucket, uploaded when it does not hold the source's content."""

    kind = "S3 object"
    missing_error = "NoSuchBucket"

    def __init__(self, client, bucket, wanted, content):
        super().__init__(client, wanted["key"])
        self.bucket = bucket
        self.wanted = wanted
        self.content = content
        self.sha256 = hashlib.sha256(content).hexdigest()
        self.changed = False

    @property
    def failure(self):
        return f"Failed to upload {self.wanted['src']} to s3://{self.bucket}/{self.name}"

    @property
    def missing(self):
        return f"Bucket {self.bucket} does not exist: create it first (amazon.aws.s3_bucket)."

    def read(self):
        """The object's HeadObject answer, None when there is none."""
        try:
            return self.client.head_object(aws_retry=True, Bucket=self.bucket, Key=self.name)
        except is_boto3_error_code(["404", "NoSuchKey"]):
            return None

    def plan(self, current):
        self.changed = not holds(current, self.content)
        return ([Action("put_object")] if self.changed else []), {"sha256": self.sha256}

    def apply(self, actions, after):
        self.client.put_object(
            aws_retry=True,
            Bucket=self.bucket,
            Key=self.name,
            Body=self.content,
            ContentType=self.wanted["content_type"],
            Metadata={SHA256_METADATA: self.sha256},
        )

    def before(self, current):
        digest = stored_digest(current)
        return {} if digest is None else {digest[0]: digest[1]}

    def result(self, after):
        return {"key": self.name, "sha256": self.sha256, "changed": self.changed}


def main():
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        objects=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                key=dict(type="str", required=True, no_log=False),
                src=dict(type="path", required=True),
                content_type=dict(type="str", default="binary/octet-stream"),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    bucket = module.params["bucket"]
    contents = {}
    for wanted in module.params["objects"]:
        try:
            with open(wanted["src"], "rb") as source:
                contents[wanted["key"]] = source.read()
        except OSError as e:
            module.fail_json(msg=f"objects[{wanted['key']}].src: cannot read {wanted['src']}: {e}")

    client = module.client("s3", retry_decorator=AWSRetry.jittered_backoff())
    objects = [S3Object(client, bucket, wanted, contents[wanted["key"]]) for wanted in module.params["objects"]]
    reconcile(module, MemberList(module, client, objects), "objects")


if __name__ == "__main__":
    main()
