"""ec2_ebs_encryption_by_default: one call, only when the account's setting differs from the one asked for."""

from __future__ import annotations

import pytest

from ansible_collections.dataeng.platform.plugins.modules import ec2_ebs_encryption_by_default
from support.botocore_shape import validate


@pytest.mark.parametrize(
    ("enabled_now", "wanted", "call"),
    [
        (False, True, "enable_ebs_encryption_by_default"),
        (True, False, "disable_ebs_encryption_by_default"),
        (True, True, None),
        (False, False, None),
    ],
)
def test_the_setting_changes_only_when_it_differs(enabled_now, wanted, call):
    assert ec2_ebs_encryption_by_default.call_to_make(enabled_now, wanted) == call


@pytest.mark.parametrize("wanted", [True, False])
def test_each_call_is_an_ec2_operation_without_parameters(wanted):
    call = ec2_ebs_encryption_by_default.call_to_make(not wanted, wanted)
    validate("ec2", "".join(word.capitalize() for word in call.split("_")), {})
