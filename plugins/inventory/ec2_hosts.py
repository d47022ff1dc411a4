# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: ec2_hosts
version_added: 0.1.0
short_description: The EC2 instances of one or more regions as inventory hosts, a small subset of amazon.aws.aws_ec2
description:
  - Lists the EC2 instances that match O(filters) in each of O(regions) (C(DescribeInstances), every page of it) and
    adds each as a host named after the first entry of O(hostnames) it has, with its attributes as host variables.
  - A deliberately small subset of C(amazon.aws.aws_ec2), with the same option names and the same host variables
    (the instance's C(DescribeInstances) attributes in snake_case, C(placement.region) added), except that the
    instance's tags are in C(ec2_tags) and there is no C(tags) variable (C(tags) is a name Ansible reserves for the
    task keyword). It prints no deprecation warning with any of the ansible-core and amazon.aws versions the
    collection supports.
  - Not supported, unlike C(amazon.aws.aws_ec2) - C(include_filters), C(exclude_filters), C(hostvars_prefix),
    C(hostvars_suffix), C(allow_duplicated_hosts), SSM inventory, Route53 names, assuming a role, and hostnames
    entries that are dicts, C(tag:Name=Value) or comma lists, or carry Jinja filters; an unknown O(hostnames) entry is
    an error, not a literal name. Without O(regions) it reads the region boto3 is configured with, not every region.
    It adds its hosts to no group of its own (C(aws_ec2) adds them to C(aws_ec2)); use O(groups) or O(keyed_groups).
  - The inventory file is a YAML file whose name ends in C(ec2_hosts.yml) or C(ec2_hosts.yaml) (or, so that an
    C(amazon.aws.aws_ec2) source can switch by its C(plugin) line alone, C(aws_ec2.yml) or C(aws_ec2.yaml)).
  - Credentials come from one place - the inventory file when it sets any of O(access_key), O(secret_key),
    O(session_token) or O(profile); otherwise the environment variables those options name; otherwise boto3's own
    chain (shared credentials and config files, container or instance role). From one place, access keys win over a
    profile, as in boto3.
  - C(DescribeInstances) is retried on throttling and transient errors with botocore's C(standard) retry mode, as many
    times as boto3 is configured to (C(AWS_MAX_ATTEMPTS), the profile's C(max_attempts); 3 attempts by default).
author:
  - dataeng.platform maintainers (@dataeng)
requirements:
  - boto3
  - botocore
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks the file as this plugin's inventory source.
    required: true
    type: str
    choices: [dataeng.platform.ec2_hosts]
  regions:
    description:
      - The regions whose instances are listed, each with a request of its own.
      - Empty lists the region boto3 is configured with (C(AWS_REGION), C(AWS_DEFAULT_REGION), the profile's
        C(region)); the plugin fails when there is none.
      - Each entry may be a template.
    type: list
    elements: str
    default: []
  filters:
    description:
      - C(DescribeInstances) filters, each name mapped to a value or a list of values; an instance is listed when it
        matches every filter, and matches a filter when it matches any of its values. Names and values are
        case-sensitive. U(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html) lists
        the names (C(tag:<key>) for a tag's value, C(instance-state-name), C(instance-id), ...).
      - Without an C(instance-state-name) filter, only instances that are C(pending), C(running), C(stopping) or
        C(stopped) are listed, as C(amazon.aws.aws_ec2) does (C(DescribeInstances) returns recently terminated
        instances too).
      - Values may be templates; booleans are sent as C(true) / C(false), numbers as text.
    type: dict
    default: {}
  hostnames:
    description:
      - The host name of an instance, in order of preference - the first entry the instance has a non-empty value
        for wins; an instance with none is left out, with a warning.
      - C(tag:<key>) is the value of the instance's tag C(<key>). The other entries are C(DescribeInstances) filter
        names of the instance's own attributes - C(instance-id), C(dns-name) (public DNS name), C(private-dns-name),
        C(ip-address) (public IPv4 address), C(private-ip-address), C(ipv6-address), C(availability-zone),
        C(image-id), C(instance-type), C(key-name), C(subnet-id), C(vpc-id).
      - Empty means C([dns-name, private-dns-name]), as in C(amazon.aws.aws_ec2).
      - When two instances get the same name, the one with the lower instance id is the host, with a warning.
    type: list
    elements: str
    default: []
  endpoint_url:
    description:
      - The URL of the EC2 API to send requests to instead of AWS's (an emulator's, a VPC endpoint's).
      - Without it, boto3 reads C(AWS_ENDPOINT_URL_EC2) and C(AWS_ENDPOINT_URL) itself.
      - May be a template.
    type: str
    aliases: [aws_endpoint_url]
    env:
      - name: AWS_URL
  access_key:
    description:
      - The AWS access key id; may be a template.
    type: str
    aliases: [aws_access_key_id, aws_access_key]
    env:
      - name: AWS_ACCESS_KEY_ID
      - name: AWS_ACCESS_KEY
  secret_key:
    description:
      - The AWS secret access key; may be a template.
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
    env:
      - name: AWS_SECRET_ACCESS_KEY
      - name: AWS_SECRET_KEY
  session_token:
    description:
      - The AWS session token of temporary credentials; may be a template.
    type: str
    aliases: [aws_session_token]
    env:
      - name: AWS_SESSION_TOKEN
  profile:
    description:
      - A profile of the AWS shared config and credentials files; may be a template.
    type: str
    aliases: [aws_profile]
    env:
      - name: AWS_PROFILE
      - name: AWS_DEFAULT_PROFILE
"""

EXAMPLES = r"""
# inventories/dev/ec2_hosts.yml: the running instances of one project and environment, named after their Name tag,
# grouped by their Role tag, reached on their public address or else their private one.
plugin: dataeng.platform.ec2_hosts
regions:
  - us-east-2
filters:
  tag:Project: dataeng
  tag:Environment: dev
  instance-state-name: running
hostnames:
  - tag:Name
  - instance-id
keyed_groups:
  - key: ec2_tags.Role
    prefix: ""
    separator: ""
groups:
  platform_hosts: "'Role' in ec2_tags"
compose:
  ansible_host: public_ip_address | default(private_ip_address, true)

---
# An emulator's endpoint and keys, read from the environment when the inventory is read.
plugin: dataeng.platform.ec2_hosts
regions: [us-east-2]
endpoint_url: "{{ lookup('ansible.builtin.env', 'AWS_ENDPOINT_URL') | default('https://127.0.0.1:5000', true) }}"
access_key: testing
secret_key: testing
filters:
  tag:Environment: [local, test]
keyed_groups:
  - key: placement.region
    prefix: aws_region
  - key: instance_type
    prefix: type

---
# A profile, and the results kept for an hour (ansible-inventory --flush-cache reads them again).
plugin: dataeng.platform.ec2_hosts
profile: platform-readonly
regions: [eu-west-1, eu-central-1]
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 3600
"""

import datetime

import ansible.template
from ansible.errors import AnsibleError
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:
    boto3 = None

# ansible-core 2.19 trusts no value an inventory plugin sets as a template; before it, values from the API (a tag
# anyone allowed to tag an instance sets) are marked unsafe so that they are never templated.
if hasattr(ansible.template, "trust_as_template"):
    _unsafe = None
else:
    from ansible.utils.unsafe_proxy import wrap_var as _unsafe

NAME = "dataeng.platform.ec2_hosts"
FILE_SUFFIXES = ("ec2_hosts.yml", "ec2_hosts.yaml", "aws_ec2.yml", "aws_ec2.yaml")
# Options read through a template (a lookup of the environment, ...), as amazon.aws.aws_ec2 reads them.
TEMPLATED_OPTIONS = ("regions", "filters", "endpoint_url", "access_key", "secret_key", "session_token", "profile")
CREDENTIAL_OPTIONS = ("access_key", "secret_key", "session_token", "profile")
# The states amazon.aws.aws_ec2 lists when no filter names one: DescribeInstances also returns recently terminated
# instances (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html).
DEFAULT_STATES = ["pending", "running", "stopping", "stopped"]
DEFAULT_HOSTNAMES = ["dns-name", "private-dns-name"]
# DescribeInstances filter names (API_DescribeInstances.html, Filter.N) of an instance's own single-valued attributes,
# and where each is in an instance of the response.
HOSTNAME_ATTRIBUTES = {
    "availability-zone": ("Placement", "AvailabilityZone"),
    "dns-name": ("PublicDnsName",),
    "image-id": ("ImageId",),
    "instance-id": ("InstanceId",),
    "instance-type": ("InstanceType",),
    "ip-address": ("PublicIpAddress",),
    "ipv6-address": ("Ipv6Address",),
    "key-name": ("KeyName",),
    "private-dns-name": ("PrivateDnsName",),
    "private-ip-address": ("PrivateIpAddress",),
    "subnet-id": ("SubnetId",),
    "vpc-id": ("VpcId",),
}
TAG_PREFIX = "tag:"
# DescribeInstances returns at most this many instances a page (MaxResults: 5 to 1000); asking for pages at all keeps
# each request short (API_DescribeInstances.html: "Unpaginated requests are susceptible to throttling and timeouts").
PAGE_SIZE = 1000
# botocore's standard retry mode retries throttling (RequestLimitExceeded) and transient errors with exponential
# backoff; how many attempts is boto3's setting (AWS_MAX_ATTEMPTS, the profile's max_attempts; 3 by default), so that
# an endpoint that does not answer fails in seconds.
RETRIES = {"mode": "standard"}


def boto3_filters(filters: dict) -> list[dict]:
    """The DescribeInstances `Filters` of the `filters` option: one {Name, Values} a filter, each value as text, and
    the default instance states when no filter names a state.

    The API joins filters with AND and the values of one filter with OR; names and values are case-sensitive
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Filter.html), so both are sent as given."""
    if not isinstance(filters, dict):
        raise ValueError(f"filters must be a mapping of filter names to values, not {filters!r}")
    translated = []
    for name, value in filters.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        if not values:
            raise ValueError(f"filter {name!r} has no value")
        translated.append({"Name": str(name), "Values": [_filter_value(name, item) for item in values]})
    if not any(entry["Name"] == "instance-state-name" for entry in translated):
        translated.append({"Name": "instance-state-name", "Values": list(DEFAULT_STATES)})
    return translated


def _filter_value(name, value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ValueError(f"filter {name!r} has a value that is neither text, a number nor a boolean: {value!r}")


def check_hostnames(hostnames: list) -> list[str]:
    """The `hostnames` option, or the default, with every entry one this plugin knows (ValueError otherwise)."""
    for entry in hostnames:
        if not isinstance(entry, str):
            raise ValueError(f"hostnames entries are text (tag:<key> or an attribute), not {entry!r}")
        if entry.startswith(TAG_PREFIX):
            if len(entry) == len(TAG_PREFIX):
                raise ValueError("hostnames entry 'tag:' names no tag key")
        elif entry not in HOSTNAME_ATTRIBUTES:
            raise ValueError(
                f"unknown hostnames entry {entry!r}: use tag:<key> or one of {', '.join(sorted(HOSTNAME_ATTRIBUTES))}"
            )
    return list(hostnames) or list(DEFAULT_HOSTNAMES)


def tags_of(instance: dict) -> dict[str, str]:
    """An instance's tags (DescribeInstances' list of {Key, Value}) as a mapping."""
    return {tag["Key"]: tag.get("Value", "") for tag in instance.get("Tags") or []}


def hostname(instance: dict, hostnames: list[str]) -> str | None:
    """The first entry of `hostnames` the instance has a non-empty value for (amazon.aws.aws_ec2's choice), or None."""
    tags = tags_of(instance)
    for entry in hostnames:
        if entry.startswith(TAG_PREFIX):
            value = tags.get(entry[len(TAG_PREFIX) :])
        else:
            value = instance
            for key in HOSTNAME_ATTRIBUTES[entry]:
                value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            return value
    return None


def host_variables(instance: dict, region: str) -> dict:
    """An instance's host variables: its DescribeInstances attributes in snake_case (as amazon.aws.aws_ec2 gives them,
    with the reservation's owner_id, requester_id and reservation_id, and placement.region), its tags as ec2_tags.

    There is no `tags` variable: Ansible reserves that name (the task keyword)."""
    attributes = {key: value for key, value in instance.items() if key != "Tags"}
    variables = camel_dict_to_snake_dict(attributes)
    variables.setdefault("placement", {})["region"] = region
    variables["ec2_tags"] = tags_of(instance)
    return variables


def instances_of_pages(pages, region: str) -> list[dict]:
    """The instances of DescribeInstances' response pages, each with its reservation's OwnerId, RequesterId and
    ReservationId (as amazon.aws.aws_ec2 adds them) and the region it was read from, in instance id order (the API's
    order may vary), with times as ISO 8601 text, so that what the cache gives back is what a request gives."""
    instances = []
    for page in pages:
        for reservation in page.get("Reservations", []):
            reservation_details = {
                "OwnerId": reservation.get("OwnerId", ""),
                "RequesterId": reservation.get("RequesterId", ""),
                "ReservationId": reservation.get("ReservationId", ""),
            }
            for instance in reservation.get("Instances", []):
                instances.append({"region": region, "instance": _plain({**instance, **reservation_details})})
    return sorted(instances, key=lambda found: found["instance"].get("InstanceId", ""))


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def session_arguments(values: dict, origins: dict) -> dict:
    """boto3.Session's credential arguments from the credential options' values and where each came from: all from
    the inventory file when it sets any of them ('Direct'), else all from the environment, else none (boto3's chain);
    from one place, keys win over a profile, as in boto3."""
    given = {name: values.get(name) or None for name in CREDENTIAL_OPTIONS}
    from_file = {name for name, value in given.items() if value and origins.get(name) == "Direct"}
    chosen = {name: value for name, value in given.items() if value and (not from_file or name in from_file)}
    if chosen.keys() & {"access_key", "secret_key", "session_token"}:
        chosen.pop("profile", None)
    names = {
        "access_key": "aws_access_key_id",
        "secret_key": "aws_secret_access_key",
        "session_token": "aws_session_token",
        "profile": "profile_name",
    }
    return {names[name]: value for name, value in chosen.items()}


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = NAME

    def verify_file(self, path):
        return super().verify_file(path) and str(path).endswith(FILE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        if boto3 is None:
            raise AnsibleError(f"{NAME} needs the boto3 and botocore Python packages on the controller")
        self._read_config_data(path)
        try:
            hostnames = check_hostnames(self.get_option("hostnames"))
            filters = boto3_filters(self._option("filters"))
        except ValueError as error:
            raise AnsibleError(f"{NAME} ({path}): {error}") from error

        found = None
        use_cache = self.get_option("cache")
        cache_key = self.get_cache_key(path)
        if use_cache and cache:
            found = self._cache.get(cache_key)
        if found is None:
            found = self._describe(filters)
            if use_cache:
                self._cache[cache_key] = found
        self._add_hosts(found, hostnames)

    def _option(self, name):
        """An option's value, templated (lookups allowed) where it may be a template: the whole value, or each entry
        of a list, or each value of a mapping."""
        value = self.get_option(name)
        if name not in TEMPLATED_OPTIONS:
            return value
        if isinstance(value, list):
            return [self._templated(item) for item in value]
        if isinstance(value, dict):
            return {key: self._templated(item) for key, item in value.items()}
        return self._templated(value)

    def _templated(self, value):
        if isinstance(value, str):
            return self.templar.template(value)
        if isinstance(value, list):
            return [self._templated(item) for item in value]
        return value

    def _session(self):
        values = {name: self._option(name) for name in CREDENTIAL_OPTIONS}
        origins = {name: self.get_option_and_origin(name)[1] for name in CREDENTIAL_OPTIONS}
        try:
            return boto3.session.Session(**session_arguments(values, origins))
        except botocore.exceptions.BotoCoreError as error:
            raise AnsibleError(f"{NAME}: no AWS session: {error}") from error

    def _describe(self, filters: list[dict]) -> list[dict]:
        session = self._session()
        regions = [region for region in self._option("regions") if region] or [session.region_name]
        if regions == [None]:
            raise AnsibleError(f"{NAME}: set regions, or a region for boto3 (AWS_REGION, AWS_DEFAULT_REGION)")
        config = botocore.config.Config(retries=dict(RETRIES), user_agent_extra=NAME)
        endpoint_url = self._option("endpoint_url") or None
        found = []
        for region in regions:
            try:
                client = session.client("ec2", region_name=region, endpoint_url=endpoint_url, config=config)
                pages = client.get_paginator("describe_instances").paginate(
                    Filters=filters, PaginationConfig={"PageSize": PAGE_SIZE}
                )
                found.extend(instances_of_pages(pages, region))
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
                raise AnsibleError(f"{NAME}: DescribeInstances in {region} failed: {error}") from error
        return found

    def _add_hosts(self, found: list[dict], hostnames: list[str]) -> None:
        strict = self.get_option("strict")
        named = {}
        # Instance id order across regions too: of two instances of one name, the same one is the host every time.
        for entry in sorted(found, key=lambda entry: entry["instance"].get("InstanceId", "")):
            instance = entry["instance"]
            instance_id = instance.get("InstanceId")
            name = hostname(instance, hostnames)
            if name is None:
                self.display.warning(f"{NAME}: instance {instance_id} has none of {hostnames}: left out")
                continue
            if name in named:
                self.display.warning(
                    f"{NAME}: instances {named[name]} and {instance_id} are both named {name!r}: "
                    f"{instance_id} is left out"
                )
                continue
            named[name] = instance_id
            variables = host_variables(instance, entry["region"])
            if _unsafe is not None:
                variables = _unsafe(variables)
            self.inventory.add_host(name)
            for key, value in variables.items():
                self.inventory.set_variable(name, key, value)
            self._set_composite_vars(self.get_option("compose"), variables, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, name, strict=strict)
