#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The action plugin of the same name (plugins/action/undeclared_settings.py) does the work on the controller;
# this file only documents it.

DOCUMENTATION = r"""
---
module: undeclared_settings
version_added: 0.1.0
short_description: Fail on variables that look like the collection's settings but that no role declares
description:
  - Looks at the variables set for the host outside the collection's roles and plays (inventory group and host
    variables, playbook-adjacent C(group_vars)/C(host_vars), extra variables) whose name starts with a role's name and
    C(_) (C(ecs_), C(glue_), ...) or with C(platform_), and fails, naming each, when no entry point of any role of
    the collection declares it in C(meta/argument_specs.yml). Terraform refuses an undeclared variable in the same
    way; without this check Ansible would ignore a mistyped setting and converge with the default.
  - For each undeclared name the message gives the closest declared name (C(did you mean ecs_spark_job_cpu?)) when
    one is close, and says how to go on.
  - The facts the roles publish (C(platform_<role>) and O(published)) are not settings and pass, as do names starting
    with C(_) or C(ansible_).
  - Makes no AWS request and does not contact the host. The C(common) role runs it first in its checks.
options:
  allowed:
    description:
      - Variables of your own that look like the collection's and are not meant for it, as names or shell-style
        patterns (C(docker_*)). The C(common) role passes C(platform_undeclared_settings_allowed).
    type: list
    elements: str
    default: []
  published:
    description:
      - Facts the collection's roles publish besides C(platform_<role>), which a run may already hold and which are
        no settings (C(platform_aws_account_id), ...).
    type: list
    elements: str
    default: []
  retired:
    description:
      - Settings that were removed, each mapped to what to set instead; the message says so instead of guessing a
        close name.
    type: dict
    default: {}
extends_documentation_fragment:
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Checks the same in check mode; it never changes anything.
  diff_mode:
    support: none
    description: Nothing to compare; it never changes anything.
notes:
  - Variables a playbook, a role or a task defines (C(vars:), role parameters) are not looked at; they are code, not
    settings a user gives to a run.
"""

EXAMPLES = r"""
- name: Stop on settings no role declares
  dataeng.platform.undeclared_settings:
    allowed: "{{ platform_undeclared_settings_allowed }}"
    published: [platform_aws_account_id, platform_aws_partition]
    retired:
      network_nat_gateway_enabled: set network_private_egress to nat_gateway, endpoints or none
"""

RETURN = r"""
undeclared:
  description: The variables that look like the collection's settings but that no role declares, sorted.
  returned: always
  type: list
  elements: str
  sample: [ecs_task_cpu]
"""
