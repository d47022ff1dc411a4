"""The bucket policies the data_lake role writes: TLS only, log delivery scoped to the account.

The emulator cannot hold them (it treats conditional statements as denials, see README),
so they are rendered by the role itself, without AWS, and checked here.
"""

from __future__ import annotations

import json

import pytest

from support import expectations

pytestmark = pytest.mark.slow

RENDER = """
- name: Render the bucket policies
  hosts: cloud
  gather_facts: false
  tasks:
    - name: Render them as the role does
      ansible.builtin.include_role:
        name: dataeng.platform.data_lake
        tasks_from: policies
    - name: Keep them for the test
      ansible.builtin.copy:
        content: "{{ data_lake_bucket_policies | to_json }}"
        dest: "{{ rendered }}"
        mode: "0600"
"""


@pytest.mark.parametrize(("env", "account"), [("local", "123456789012"), ("prod", "210987654321")])
def test_every_bucket_refuses_plain_http_and_only_the_lake_takes_access_logs(playbook, tmp_path, env, account):
    render = tmp_path / "render.yml"
    render.write_text(RENDER)
    rendered = tmp_path / "policies.json"
    variables = {"platform_env": env, "platform_aws_account_id": account, "rendered": str(rendered)}
    result = playbook.run(str(render), "-i", "inventories/local", "-e", json.dumps(variables))
    assert result.returncode == 0, result.output
    expectations.bucket_policies_are_tls_only(json.loads(rendered.read_text()), f"dataeng-{env}", account)
