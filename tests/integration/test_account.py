"""The account inventory (support/account/) the resilience tests compare holds every value the
reference converge set: each value of each request that created or changed something, found on the
resource the request was about, except for the parameters account.LEFT_OUT names and why."""

from __future__ import annotations

import pytest

from support import account, contract

pytestmark = pytest.mark.slow


def test_the_inventory_holds_every_value_the_converge_set(converges):
    reference = converges["reference"]
    calls = [contract.decode(request) for request in reference.requests]
    # What was recorded: the whole converge, not a part of it.
    assert {"CreateVpc", "ModifyVpcAttribute", "CreateTrigger", "RegisterTaskDefinition", "RunInstances"} <= {
        call.operation for call in calls
    }
    unread = account.unread(reference.inventory, calls, reference.ids)
    assert unread == [], "values the converge set that the inventory does not hold:\n" + "\n".join(unread)
