"""The newcomer run's verdict on a log (tools/newcomer.py), without a container."""

from __future__ import annotations

import newcomer

LOG = """TASK [dataeng.platform.iam : Create the platform's roles] ***
[DEPRECATION WARNING]: The 'tags' host variable is deprecated. Use 'ec2_tags' instead.
changed: [cloud-iam]
[WARNING]: Could not match supplied host pattern, ignoring: platform_hosts
  [DEPRECATION WARNING]: The 'tags' host variable is deprecated. Use 'ec2_tags' instead.
[DEPRECATION WARNING]: Passing `disable_lookups` to `template` is deprecated.
"""


def test_each_deprecation_is_named_once_in_order():
    assert newcomer.deprecations(LOG) == [
        "[DEPRECATION WARNING]: The 'tags' host variable is deprecated. Use 'ec2_tags' instead.",
        "[DEPRECATION WARNING]: Passing `disable_lookups` to `template` is deprecated.",
    ]


def test_a_log_without_deprecations_has_none():
    assert newcomer.deprecations("TASK [x] ***\nok: [localhost]\n[WARNING]: something else\n") == []


def test_every_step_runs_in_the_clone_but_what_makes_it():
    folders = {name: folder for name, folder, _command in newcomer.STEPS}
    assert folders.pop("prerequisites") == folders.pop("clone") == "/root"
    assert set(folders.values()) == {newcomer.CLONE}
    assert [name for name, _folder, _command in newcomer.STEPS][2:] == ["make local", "make unit", "site test"]
