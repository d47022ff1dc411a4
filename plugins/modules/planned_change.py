#!/usr/bin/python

# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The action plugin of the same name (plugins/action/planned_change.py) does the work on the controller;
# this file only documents it.

DOCUMENTATION = r"""
---
module: planned_change
version_added: 0.1.0
short_description: Report the change a role predicts for a resource a stock module manages
description:
  - Reports one resource change in the shape every module of the collection returns under RV(planned), so that the
    plan (the C(dataeng.platform.plan) callback) names it. The change gives the resource, the action, each changed
    attribute with its old and new value, and a note on what applying it does.
  - For stock modules whose check mode reports too little (C(amazon.aws.s3_bucket) has none, C(amazon.aws.ec2_instance)
    says C(changed) without what). The role reads the resource first and runs this task, in check mode, only when
    what it read differs from what it asks for.
  - Always reports C(changed); makes no request and does not contact the host.
options:
  kind:
    description: What the resource is, as a user knows it (C(bucket), C(instance)).
    type: str
    required: true
  name:
    description: The resource's name.
    type: str
    required: true
  action:
    description:
      - What applying the change does to the resource. C(replace) is a delete and a create (a new id, the data on
        it lost unless kept elsewhere).
    type: str
    required: true
    choices: [create, update, delete, replace]
  before:
    description: The attributes that change, as they are (empty for a new resource).
    type: dict
    default: {}
  after:
    description: The attributes that change, as they will be (empty for a deleted resource).
    type: dict
    default: {}
  note:
    description:
      - What a user must know before applying it, shown beside the change (C(stops and starts the instance)), or why
        the prediction is partial.
    type: str
extends_documentation_fragment:
  - dataeng.platform.attributes
attributes:
  check_mode:
    description: Meant for check mode; it never changes anything.
  diff_mode:
    support: none
    description: The change it reports is the diff.
"""

EXAMPLES = r"""
- name: Predict the instance type change
  dataeng.platform.planned_change:
    kind: instance
    name: dataeng-dev-monitoring
    action: update
    before: {instance_type: t3.medium}
    after: {instance_type: t3.large}
    note: stops and starts the instance; its public address changes
  when: ansible_check_mode and current_type != wanted_type
"""

RETURN = r"""
planned:
  description: The change, as every module of the collection reports a change.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What the resource is.
      type: str
    name:
      description: The resource's name.
      type: str
    action:
      description: One of C(create), C(update), C(delete), C(replace).
      type: str
    changes:
      description: Each changed attribute, with its C(attribute) path, C(old) and C(new) value.
      type: list
      elements: dict
    note:
      description: What applying it does, when there is something to know.
      type: str
      returned: when given
  sample:
    - kind: instance
      name: dataeng-dev-monitoring
      action: update
      changes: [{attribute: instance_type, old: t3.medium, new: t3.large}]
      note: stops and starts the instance; its public address changes
"""
