#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: s3_bucket_layout
version_added: 0.1.0
short_description: Lay out several S3 buckets at once - prefixes, lifecycle rules and access logging
description:
  - For each of a list of existing buckets, creates the prefixes (empty C(name/) objects) it is organised by, sets
    its lifecycle configuration and sends its server access logs to a log bucket, in one task.
  - Does in one process what M(amazon.aws.s3_object) (one prefix per task), M(community.aws.s3_lifecycle) (one rule
    per task) and M(community.aws.s3_logging) (one bucket per task) do one resource at a time, with the same API
    requests; a data lake of many buckets and rules converges and reruns in one module call instead of dozens.
  - The module owns each listed bucket's whole lifecycle configuration, as Terraform's
    C(aws_s3_bucket_lifecycle_configuration) does - rules it is not given are removed.
  - It creates no bucket - use M(amazon.aws.s3_bucket) first; a bucket that does not exist fails the task with
    its name.
  - Prefix objects get the bucket's default encryption.
  - Unlike M(community.aws.s3_logging), it changes no ACL unless asked to (O(grant_log_delivery_acl)), so it works
    with log buckets whose ACLs are disabled.
options:
  buckets:
    description:
      - The buckets and their layout.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the bucket.
        type: str
        required: true
      prefixes:
        description:
          - Prefixes (each ending in C(/)) to create as empty objects when missing. Existing objects are left as
            they are, and prefixes not listed are never deleted.
        type: list
        elements: str
        default: []
      lifecycle_rules:
        description:
          - The bucket's lifecycle rules. Omitted leaves the lifecycle configuration as it is; an empty list removes
            it.
        type: list
        elements: dict
        suboptions:
          rule_id:
            description:
              - Unique ID of the rule in the bucket.
            type: str
            required: true
          prefix:
            description:
              - Objects the rule applies to, by key prefix; empty for every object.
            type: str
            default: ""
          status:
            description:
              - Whether the rule is in effect.
            type: str
            choices: [enabled, disabled]
            default: enabled
          transition_days:
            description:
              - Days after creation before objects move to O(buckets[].lifecycle_rules[].storage_class).
            type: int
          storage_class:
            description:
              - Storage class objects move to after O(buckets[].lifecycle_rules[].transition_days).
            type: str
            choices: [standard_ia, onezone_ia, intelligent_tiering, glacier, glacier_ir, deep_archive]
          expiration_days:
            description:
              - Days after creation before objects expire.
            type: int
          noncurrent_version_expiration_days:
            description:
              - Days after a version stops being current before it is deleted.
            type: int
          abort_incomplete_multipart_upload_days:
            description:
              - Days after an incomplete multipart upload started before it is aborted.
            type: int
      access_log_prefix:
        description:
          - Where in O(access_log_bucket) the bucket's server access logs go (e.g. C(logs/s3-access/my-bucket/)).
          - Omitted leaves the bucket's logging as it is; an empty string turns logging off.
        type: str
  access_log_bucket:
    description:
      - The bucket that receives the server access logs of every bucket with an
        O(buckets[].access_log_prefix). It must allow S3 log delivery to write there (a bucket policy for
        C(logging.s3.amazonaws.com) with ACLs disabled).
    type: str
  grant_log_delivery_acl:
    description:
      - Also grant the S3 Log Delivery group C(WRITE) and C(READ_ACP) in O(access_log_bucket)'s ACL, the older way
        to let S3 deliver access logs, for a log bucket that has ACLs enabled.
      - AWS refuses ACLs on a bucket whose object ownership is C(BucketOwnerEnforced) (the default since 2023); such
        a log bucket grants log delivery with its bucket policy instead, and this stays V(false).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Reports what would change without changing it.
  diff_mode:
    description: Shows each changed bucket's layout before and after.
"""

EXAMPLES = r"""
- name: Lay out a lake bucket and a scripts bucket, both logging into the lake
  dataeng.platform.s3_bucket_layout:
    access_log_bucket: dev-data-lake
    buckets:
      - name: dev-data-lake
        prefixes: [raw/, processed/, curated/, logs/]
        lifecycle_rules:
          - rule_id: raw-to-infrequent-access
            prefix: raw/
            transition_days: 30
            storage_class: standard_ia
          - rule_id: expire-access-logs
            prefix: logs/
            expiration_days: 90
        access_log_prefix: logs/s3-access/dev-data-lake/
      - name: dev-glue-scripts
        prefixes: [scripts/, temp/]
        lifecycle_rules:
          - rule_id: expire-glue-temp
            prefix: temp/
            expiration_days: 7
        access_log_prefix: logs/s3-access/dev-glue-scripts/

- name: Remove every lifecycle rule of a bucket and stop its access logging
  dataeng.platform.s3_bucket_layout:
    buckets:
      - name: dev-glue-scripts
        lifecycle_rules: []
        access_log_prefix: ""
"""

RETURN = r"""
planned:
  description: Each resource change made (or that check mode would make), as docs/plan.md describes it.
  returned: when something changed
  type: list
  elements: dict
actions:
  description: "The changes made (or that would be made, in check mode), each as C(<bucket>: <API call>)."
  returned: always
  type: list
  elements: str
  sample: ["dev-data-lake: put_object raw/", "dev-data-lake: put_bucket_lifecycle_configuration"]
buckets:
  description: Each bucket's layout after the task, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the bucket.
      type: str
      sample: dev-data-lake
    prefixes:
      description: The requested prefixes, all present after the task.
      type: list
      elements: str
      sample: [raw/, processed/]
    lifecycle_rules:
      description: The lifecycle rules, in the shape of O(buckets[].lifecycle_rules), sorted by ID; rules with
        settings this module does not manage carry C(unmanaged=true).
      type: list
      elements: dict
      sample: [{"rule_id": "expire-access-logs", "prefix": "logs/", "status": "enabled", "expiration_days": 90}]
    access_log:
      description: Where the bucket's access logs go; empty when logging is off.
      type: dict
      sample: {"target_bucket": "dev-data-lake", "target_prefix": "logs/s3-access/dev-data-lake/"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dataeng.platform.plugins.module_utils.lists import ListMember, MemberList
from ansible_collections.dataeng.platform.plugins.module_utils.reconcile import Action, calls_of, reconcile

LOG_DELIVERY_GROUP = "http://acs.amazonaws.com/groups/s3/LogDelivery"
LOG_DELIVERY_PERMISSIONS = ("WRITE", "READ_ACP")

# The parts of a lifecycle rule this module manages, as S3 names them; a rule with any
# other part (tag filters, several transitions, ...) is rewritten to the requested one.
_MANAGED_RULE_KEYS = {
    "ID",
    "Filter",
    "Prefix",
    "Status",
    "Transitions",
    "Expiration",
    "NoncurrentVersionExpiration",
    "AbortIncompleteMultipartUpload",
}
_OPTIONAL_RULE_SETTINGS = (
    "transition_days",
    "storage_class",
    "expiration_days",
    "noncurrent_version_expiration_days",
    "abort_incomplete_multipart_upload_days",
)


def desired_rule(rule):
    """A requested rule in the module's shape, without the settings it leaves unset."""
    shaped = {"rule_id": rule["rule_id"], "prefix": rule.get("prefix") or "", "status": rule.get("status") or "enabled"}
    for key in _OPTIONAL_RULE_SETTINGS:
        if rule.get(key) is not None:
            shaped[key] = rule[key]
    if "storage_class" in shaped:
        shaped["storage_class"] = shaped["storage_class"].lower()
    return shaped


def rule_from_s3(rule):
    """A rule as get_bucket_lifecycle_configuration returns it, in the module's shape."""
    rule_filter = rule.get("Filter", {})
    shaped = {
        "rule_id": rule.get("ID", ""),
        "prefix": rule_filter.get("Prefix", rule.get("Prefix", "")) or "",
        "status": rule.get("Status", "Enabled").lower(),
    }
    transitions = rule.get("Transitions", [])
    if len(transitions) == 1 and set(transitions[0]) <= {"Days", "StorageClass"}:
        shaped["transition_days"] = transitions[0].get("Days")
        shaped["storage_class"] = transitions[0].get("StorageClass", "").lower()
    expiration = rule.get("Expiration", {})
    if "Days" in expiration:
        shaped["expiration_days"] = expiration["Days"]
    if "NoncurrentDays" in rule.get("NoncurrentVersionExpiration", {}):
        shaped["noncurrent_version_expiration_days"] = rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
    if "DaysAfterInitiation" in rule.get("AbortIncompleteMultipartUpload", {}):
        shaped["abort_incomplete_multipart_upload_days"] = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
    if (
        set(rule) - _MANAGED_RULE_KEYS
        or set(rule_filter) - {"Prefix"}
        or len(transitions) > 1
        or (transitions and "transition_days" not in shaped)
        or set(expiration) - {"Days"}
    ):
        shaped["unmanaged"] = True
    return shaped


def rule_to_s3(rule):
    """A rule in the module's shape as put_bucket_lifecycle_configuration takes it."""
    s3_rule = {"ID": rule["rule_id"], "Filter": {"Prefix": rule["prefix"]}, "Status": rule["status"].capitalize()}
    if "transition_days" in rule or "storage_class" in rule:
        s3_rule["Transitions"] = [
            {"Days": rule.get("transition_days", 0), "StorageClass": rule.get("storage_class", "standard_ia").upper()}
        ]
    if "expiration_days" in rule:
        s3_rule["Expiration"] = {"Days": rule["expiration_days"]}
    if "noncurrent_version_expiration_days" in rule:
        s3_rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule["noncurrent_version_expiration_days"]}
    if "abort_incomplete_multipart_upload_days" in rule:
        s3_rule["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": rule["abort_incomplete_multipart_upload_days"]
        }
    return s3_rule


def desired_access_log(bucket, access_log_bucket):
    """The requested access log target ({} for off), or None when the task leaves logging alone."""
    prefix = bucket.get("access_log_prefix")
    if prefix is None:
        return None
    if prefix == "":
        return {}
    return {"target_bucket": access_log_bucket, "target_prefix": prefix}


def plan_bucket(current, bucket, access_log_bucket):
    """The calls that turn `current` (a bucket's layout as read) into what `bucket` asks for, and the layout after.

    `current` holds `missing_prefixes` (the requested prefixes with no object), `lifecycle_rules` and `access_log`.
    """
    actions = [Action("put_object", target=prefix) for prefix in current["missing_prefixes"]]
    after = {
        "name": bucket["name"],
        "prefixes": list(bucket.get("prefixes") or []),
        "lifecycle_rules": current["lifecycle_rules"],
        "access_log": current["access_log"],
    }
    if bucket.get("lifecycle_rules") is not None:
        wanted = sorted((desired_rule(rule) for rule in bucket["lifecycle_rules"]), key=lambda rule: rule["rule_id"])
        if wanted != current["lifecycle_rules"]:
            actions.append(Action("put_bucket_lifecycle_configuration" if wanted else "delete_bucket_lifecycle"))
            after["lifecycle_rules"] = wanted
    wanted_log = desired_access_log(bucket, access_log_bucket)
    if wanted_log is not None and wanted_log != current["access_log"]:
        actions.append(Action("put_bucket_logging"))
        after["access_log"] = wanted_log
    return actions, after


def missing_log_delivery_grants(acl):
    """The Log Delivery grants `acl` (get_bucket_acl) lacks for S3 to deliver access logs."""
    granted = {
        grant["Permission"]
        for grant in acl.get("Grants", [])
        if grant.get("Grantee", {}).get("URI") == LOG_DELIVERY_GROUP
    }
    if "FULL_CONTROL" in granted:
        return []
    return [
        {"Grantee": {"Type": "Group", "URI": LOG_DELIVERY_GROUP}, "Permission": permission}
        for permission in LOG_DELIVERY_PERMISSIONS
        if permission not in granted
    ]


def grant_log_delivery(client, bucket, check_mode):
    """Add the missing Log Delivery grants to `bucket`'s ACL; returns the Actions (none when granted)."""
    acl = client.get_bucket_acl(aws_retry=True, Bucket=bucket)
    missing = missing_log_delivery_grants(acl)
    if not missing:
        return []
    if not check_mode:
        client.put_bucket_acl(
            aws_retry=True,
            Bucket=bucket,
            AccessControlPolicy={"Owner": acl["Owner"], "Grants": acl.get("Grants", []) + missing},
        )
    return [Action("put_bucket_acl", missing, resource=bucket)]


def duplicate_rule_ids(buckets):
    """`bucket: rule id` for every rule ID given twice in one bucket."""
    duplicates = []
    for bucket in buckets:
        ids = [rule["rule_id"] for rule in bucket.get("lifecycle_rules") or []]
        duplicates.extend(f"{bucket['name']}: {rule_id}" for rule_id in sorted(set(ids)) if ids.count(rule_id) > 1)
    return duplicates


class BucketLayout(ListMember):
    """Reads and changes the layout of one bucket."""

    kind = "bucket"
    creates = False
    doing = "lay out bucket"
    missing_error = "NoSuchBucket"
    created_by = "amazon.aws.s3_bucket"

    def __init__(self, client, bucket, access_log_bucket):
        super().__init__(client, bucket["name"])
        self.bucket = bucket
        self.access_log_bucket = access_log_bucket

    def read(self):
        return {
            "missing_prefixes": [prefix for prefix in self.bucket["prefixes"] if not self._has_object(prefix)],
            "lifecycle_rules": self._lifecycle_rules(),
            "access_log": self._access_log(),
        }

    def plan(self, current):
        return plan_bucket(current, self.bucket, self.access_log_bucket)

    def before(self, current):
        return {
            "name": self.name,
            "prefixes": [prefix for prefix in self.bucket["prefixes"] if prefix not in current["missing_prefixes"]],
            "lifecycle_rules": current["lifecycle_rules"],
            "access_log": current["access_log"],
        }

    def _has_object(self, key):
        try:
            self.client.head_object(aws_retry=True, Bucket=self.name, Key=key)
        except is_boto3_error_code(["404", "NoSuchKey", "NotFound"]):
            return False
        return True

    def _lifecycle_rules(self):
        try:
            rules = self.client.get_bucket_lifecycle_configuration(aws_retry=True, Bucket=self.name)["Rules"]
        except is_boto3_error_code("NoSuchLifecycleConfiguration"):
            return []
        return sorted((rule_from_s3(rule) for rule in rules), key=lambda rule: rule["rule_id"])

    def _access_log(self):
        enabled = self.client.get_bucket_logging(aws_retry=True, Bucket=self.name).get("LoggingEnabled")
        if not enabled:
            return {}
        return {"target_bucket": enabled["TargetBucket"], "target_prefix": enabled.get("TargetPrefix", "")}

    def apply(self, actions, after):
        for prefix in (action.target for action in actions if action.call == "put_object"):
            self.client.put_object(aws_retry=True, Bucket=self.name, Key=prefix, Body=b"")
        if "put_bucket_lifecycle_configuration" in calls_of(actions):
            self.client.put_bucket_lifecycle_configuration(
                aws_retry=True,
                Bucket=self.name,
                LifecycleConfiguration={"Rules": [rule_to_s3(rule) for rule in after["lifecycle_rules"]]},
            )
        if "delete_bucket_lifecycle" in calls_of(actions):
            self.client.delete_bucket_lifecycle(aws_retry=True, Bucket=self.name)
        if "put_bucket_logging" in calls_of(actions):
            log = after["access_log"]
            status = (
                {"LoggingEnabled": {"TargetBucket": log["target_bucket"], "TargetPrefix": log["target_prefix"]}}
                if log
                else {}
            )
            self.client.put_bucket_logging(aws_retry=True, Bucket=self.name, BucketLoggingStatus=status)


class BucketLayouts(MemberList):
    """The listed buckets' layouts, after the Log Delivery grants on the access log bucket when the task asks for
    them."""

    def __init__(self, module, client, logging_buckets):
        access_log_bucket = module.params["access_log_bucket"]
        super().__init__(module, client, [BucketLayout(client, b, access_log_bucket) for b in module.params["buckets"]])
        self.logging_buckets = logging_buckets

    def present(self):
        access_log_bucket = self.params["access_log_bucket"]
        if self.params["grant_log_delivery_acl"] and self.logging_buckets:
            with self.failing_as(f"Failed to grant S3 log delivery in the ACL of {access_log_bucket}"):
                self.actions.extend(grant_log_delivery(self.client, access_log_bucket, self.module.check_mode))
        return super().present()


def main():
    rule_spec = dict(
        rule_id=dict(type="str", required=True),
        prefix=dict(type="str", default=""),
        status=dict(type="str", default="enabled", choices=["enabled", "disabled"]),
        transition_days=dict(type="int"),
        storage_class=dict(
            type="str",
            choices=["standard_ia", "onezone_ia", "intelligent_tiering", "glacier", "glacier_ir", "deep_archive"],
        ),
        expiration_days=dict(type="int"),
        noncurrent_version_expiration_days=dict(type="int"),
        abort_incomplete_multipart_upload_days=dict(type="int"),
    )
    bucket_spec = dict(
        name=dict(type="str", required=True),
        prefixes=dict(type="list", elements="str", default=[]),
        lifecycle_rules=dict(
            type="list",
            elements="dict",
            options=rule_spec,
            required_together=[("transition_days", "storage_class")],
        ),
        access_log_prefix=dict(type="str"),
    )
    argument_spec = dict(
        buckets=dict(type="list", elements="dict", required=True, options=bucket_spec),
        access_log_bucket=dict(type="str"),
        grant_log_delivery_acl=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    buckets = module.params["buckets"]
    access_log_bucket = module.params["access_log_bucket"]

    duplicates = duplicate_rule_ids(buckets)
    if duplicates:
        module.fail_json(
            msg=f"buckets: lifecycle rule IDs must be unique in a bucket; given twice: {', '.join(duplicates)}"
        )
    unslashed = [f"{b['name']}: {p}" for b in buckets for p in b["prefixes"] if not p.endswith("/")]
    if unslashed:
        module.fail_json(msg=f"buckets: every prefix must end in '/'; not: {', '.join(unslashed)}")
    logging_buckets = [b["name"] for b in buckets if b.get("access_log_prefix")]
    if logging_buckets and not access_log_bucket:
        module.fail_json(msg=f"access_log_bucket is required for the access_log_prefix of {', '.join(logging_buckets)}")

    client = module.client("s3", retry_decorator=AWSRetry.jittered_backoff())
    reconcile(module, BucketLayouts(module, client, logging_buckets), "buckets")


if __name__ == "__main__":
    main()
