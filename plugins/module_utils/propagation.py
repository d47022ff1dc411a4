# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Retrying what AWS refuses while something a call names has not propagated yet.

AWS answers some of these with codes it also uses for real mistakes (Glue's InvalidInputException, EC2's
InvalidParameterValue), so a rule matches the code and a fragment of the message: a wrong setting still
fails at once, and only the propagation answer is retried, with AWSRetry's jittered backoff.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Glue checks, on CreateCrawler, UpdateCrawler, CreateJob and UpdateJob, that it can assume the role it is
# given; a role IAM has not propagated yet is refused with this ("Identity and access management for AWS
# Glue", https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html; hashicorp/terraform-provider-aws
# retries it for two minutes in internal/service/glue/crawler.go and job.go).
GLUE_ROLE_NOT_PROPAGATED = ("InvalidInputException", "Service is unable to assume provided role")


class PropagationRetry(AWSRetry):
    """AWSRetry whose extra rules are (code, message fragment) pairs; an empty fragment matches any message."""

    @staticmethod
    def status_code_from_exception(error):
        details = error.response.get("Error", {})
        return details.get("Code", ""), details.get("Message", "")

    @staticmethod
    def found(response_code, catch_extra_error_codes=None):
        code, message = response_code
        return AWSRetry.found(code) or any(
            code == rule_code and fragment in message for rule_code, fragment in catch_extra_error_codes or ()
        )


# DLM checks, on CreateLifecyclePolicy and UpdateLifecyclePolicy, the execution role it is given, and
# refuses one IAM has not propagated yet with InvalidRequestException, the code of its validation errors too
# (DLM API Reference, CreateLifecyclePolicy, Errors); hashicorp/terraform-provider-aws retries that code for
# two minutes in internal/service/dlm/lifecycle_policy.go. The module validates its input before any call,
# so what reaches DLM invalid is the role.
DLM_ROLE_NOT_PROPAGATED = ("InvalidRequestException", "")


# IAM is eventually consistent: a change (a role just created, a policy just detached) may not be visible at
# once to the next request ("Troubleshoot IAM", Changes that I make are not always immediately visible,
# https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
# The three answers that follow are what hashicorp/terraform-provider-aws retries for two minutes around
# the role's own calls (internal/service/iam/role.go).
#
# CreateRole and UpdateAssumeRolePolicy check that each principal a trust policy names exists, and refuse one
# IAM has not propagated yet (a role or a user just created) as one that does not exist: MalformedPolicyDocument
# (IAM API Reference, CreateRole and UpdateAssumeRolePolicy, Errors), "Invalid principal in policy"
# (role.go: retryCreateRole, and around UpdateAssumeRolePolicy).
IAM_PRINCIPAL_NOT_PROPAGATED = ("MalformedPolicyDocument", "Invalid principal in policy")
# A role just created may not be found yet: GetRole answers NoSuchEntity (role.go reads a new role retrying
# "not found": RetryWhenNewResourceNotFound). Only around reading a role this run has just created.
IAM_NEW_ROLE_NOT_VISIBLE = ("NoSuchEntity", "")
# DeleteRole refuses a role that still has policies or is in an instance profile with DeleteConflict (IAM API
# Reference, DeleteRole, Errors), and so it may just after they were removed (role.go: DeleteRole retries it).
# Only around the DeleteRole that follows their removal.
IAM_REMOVALS_NOT_PROPAGATED = ("DeleteConflict", "")


def when_propagated(rule):
    """A decorator retrying a call while AWS answers it with `rule` (code, message fragment). One caller
    waiting on one resource needs no jitter: 3 s doubling to 30 s, 12 times, 285 s in all, beyond the two
    minutes hashicorp/terraform-provider-aws allows IAM (propagationTimeout)."""
    return PropagationRetry.exponential_backoff(retries=12, delay=3, max_delay=30, catch_extra_error_codes=[rule])
