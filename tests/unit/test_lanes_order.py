"""The lanes converge a role only after the roles whose resources it uses."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LANES = yaml.safe_load((ROOT / "roles/common/vars/main.yml").read_text())["_common_cloud_lanes"]
# A lane runs its roles in the order of lane.yml's includes, not of its list.
LANE_ORDER = [
    task["ansible.builtin.include_role"]["name"].rsplit(".", 1)[-1]
    for task in yaml.safe_load((ROOT / "roles/common/tasks/lane.yml").read_text())
    if "ansible.builtin.include_role" in task
]


def test_the_buckets_are_encrypted_with_a_key_that_exists_already():
    """data_lake_encryption uses the KMS key the secrets role makes: same lane, secrets first, or an earlier wave."""
    (lake,) = [lane for lane in LANES if "data_lake" in lane["roles"]]
    (secrets,) = [lane for lane in LANES if "secrets" in lane["roles"]]
    same_lane_first = lake is secrets and LANE_ORDER.index("secrets") < LANE_ORDER.index("data_lake")
    assert same_lane_first or secrets["wave"] < lake["wave"], (lake, secrets)
