"""PropagationRetry: what AWS answers while a resource propagates is retried, matched by code and message,
and nothing else a generic code carries is."""

from __future__ import annotations

import botocore.exceptions
import pytest

from ansible_collections.dataeng.platform.plugins.module_utils.glue import WHEN_ROLE_PROPAGATED
from ansible_collections.dataeng.platform.plugins.module_utils.propagation import (
    DLM_ROLE_NOT_PROPAGATED,
    GLUE_ROLE_NOT_PROPAGATED,
    PropagationRetry,
)

# Glue's answer, word for word, for a role IAM has not propagated yet.
ROLE_REFUSED = ("InvalidInputException", "Service is unable to assume provided role. Please verify role's TrustPolicy.")
RULES = [GLUE_ROLE_NOT_PROPAGATED, ("ConcurrentModificationException", "")]


def client_error(code, message, operation="CreateCrawler"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_the_unpropagated_role_answer_is_retried():
    assert PropagationRetry.found(ROLE_REFUSED, RULES)


def test_a_real_mistake_with_the_same_code_is_not_retried():
    assert not PropagationRetry.found(("InvalidInputException", "Crawler name is not valid"), RULES)


def test_an_empty_fragment_retries_every_message_of_its_code():
    assert PropagationRetry.found(("ConcurrentModificationException", "anything"), RULES)


def test_throttling_is_still_retried():
    assert PropagationRetry.found(("Throttling", "Rate exceeded"), [])
    assert PropagationRetry.found(("RequestLimitExceeded", "Request limit exceeded."), [])


def test_the_code_and_message_are_read_from_the_error():
    assert PropagationRetry.status_code_from_exception(client_error(*ROLE_REFUSED)) == ROLE_REFUSED


def test_a_call_refused_until_the_role_propagated_succeeds():
    answers = [client_error(*ROLE_REFUSED), client_error(*ROLE_REFUSED), {"Name": "crawler"}]

    def create_crawler():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    retry = PropagationRetry.exponential_backoff(retries=3, delay=0, catch_extra_error_codes=[GLUE_ROLE_NOT_PROPAGATED])
    assert retry(create_crawler)() == {"Name": "crawler"}
    assert answers == []


def test_another_failure_is_raised_at_once():
    calls = []

    def create_crawler():
        calls.append(1)
        raise client_error("InvalidInputException", "Crawler name is not valid")

    with pytest.raises(botocore.exceptions.ClientError):
        WHEN_ROLE_PROPAGATED(create_crawler)()
    assert len(calls) == 1


def test_dlm_refusing_its_execution_role_is_retried_on_create_and_update():
    # DLM answers a role it cannot assume yet with the code of its validation errors, whatever the message.
    refused = ("InvalidRequestException", "Provided role cannot be assumed")
    assert PropagationRetry.found(refused, [DLM_ROLE_NOT_PROPAGATED])
    assert not PropagationRetry.found(("ResourceNotFoundException", "Policy not found"), [DLM_ROLE_NOT_PROPAGATED])
