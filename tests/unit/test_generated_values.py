"""The kill chain's comparison of generated values across snapshots (support/expectations/credentials.py)."""

from __future__ import annotations

from support.expectations import regenerated_values

FIRST = {"mysql": {"username": "admin", "password": "generated-first", "host": ""}}
BOTH = {**FIRST, "app": {"jwt_secret": "j", "api_key": "k", "encryption_key": "e"}}


def test_values_kept_from_the_snapshot_that_first_held_them_pass():
    assert regenerated_values([{}, FIRST, BOTH, BOTH]) == []


def test_a_value_regenerated_between_two_earlier_snapshots_is_named_even_when_the_last_two_agree():
    regenerated = {**BOTH, "mysql": {**FIRST["mysql"], "password": "generated-again"}}
    assert regenerated_values([FIRST, regenerated, regenerated, regenerated]) == [
        f"mysql password: changed in snapshot {index}, set in 0" for index in (1, 2, 3)
    ]


def test_a_value_that_disappears_is_named():
    assert regenerated_values([BOTH, FIRST]) == [
        "app jwt_secret: gone in snapshot 1, set in 0",
        "app api_key: gone in snapshot 1, set in 0",
        "app encryption_key: gone in snapshot 1, set in 0",
    ]


def test_fields_nobody_generates_may_change():
    moved = {"mysql": {**FIRST["mysql"], "host": "db.internal"}}
    assert regenerated_values([FIRST, moved]) == []


def test_the_message_never_shows_a_value():
    (message,) = regenerated_values([FIRST, {"mysql": {**FIRST["mysql"], "password": "generated-again"}}])
    assert "generated" not in message
