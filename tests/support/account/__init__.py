"""Everything an emulated account holds, in a form two accounts can be compared in.

`inventory(aws)` lists every resource of every kind the platform creates, not only the tagged
ones, so an orphan (an untagged internet gateway, a second KMS key, a route table nobody
associated, a volume or network interface left unattached) shows up as an extra entry. Per
resource it holds every setting the converge sends, read back from AWS: the VPC's tenancy and DNS
attributes; subnets, route tables and their routes, gateways, endpoints (type, subnets, groups,
private DNS, policy), security groups (description, VPC, rules); instances (type, image, subnet,
groups, profile, key, metadata options, CPU credits, their volumes and network interfaces);
every volume and every network interface in the platform's VPCs; key pairs (fingerprint); EBS
encryption by default (the account's, listed while on); IAM
roles (path, description, session duration, boundary, trust, inline and attached policies),
instance profiles and local policies; buckets (region, versioning, encryption, public access
block, lifecycle, policy, logging, ownership controls, ACL, objects and their ETags); Glue
databases, crawlers, jobs, triggers (State included) and workflows as Glue describes them; KMS
keys (spec, usage, origin, rotation, key policy); secrets (key, description, resource policy); ECR repositories
(mutability, scanning, encryption, lifecycle policy); Data Lifecycle Manager policies (role, state,
schedules, target tags); the ECS cluster (capacity providers,
default strategy, settings), service (launch, network configuration, desired count, tags) and
task definitions (their whole contents); log groups (retention, encryption); and the tags of
every one of these.

`unread(inventory, calls, ids)` proves that list complete instead of relying on memory: every
value of every request a converge sent to create or change something must be found on the
inventory entry of the resource the request was about (the reference converge records its
requests: support/converges.py, tests/integration/test_account.py). A value that only means
something with its name (true, 20, AES256) must be found under the same name (or the inventory's
own name for it, INVENTORY_NAMES); a name, ARN, CIDR or description by value. A consequence:
two settings of one resource with the same name and value vouch for each other (a bucket's
versioning Status and a lifecycle rule's Status, both Enabled).

What is deliberately left out, and why:
- Request parameters that are no setting (LEFT_OUT): the query protocol's envelope, idempotency
  tokens, instance counts, safety switches; public key material (read back as the fingerprint);
  secret values, which Converge.secrets compares through expectations.secret_values, so no
  assertion message ever prints them.
- Settings moto accepts and forgets (NOT_KEPT_BY_THE_EMULATOR): read all the same, for real AWS.
- Generated identifiers (vpc-..., i-..., KMS key ids, a secret ARN's random suffix), replaced
  by the Name of what they point to or by a placeholder; addresses AWS assigns (private IPs,
  MACs, DNS names); timestamps, counters, run history and version numbers (GLUE_VOLATILE,
  ECS_VOLATILE); S3 access-log objects (named after the time of delivery): none is a setting,
  and each differs between two converges of the same settings.
- What AWS creates and owns: the default VPC and security groups, service-linked roles, AWS
  managed keys and policies; Glue tables (made by crawler runs, not by a converge).
So the inventories of two converges of the same settings on two fresh emulators are equal when
their end states are.

The package: ec2 and services read the account, inventories assembles, counts and compares,
completeness holds `unread`; the names tests use are importable from here.
"""

from __future__ import annotations

from support.account.completeness import LEFT_OUT, SETTERS, unread
from support.account.inventories import counts, differences, inventory, inventory_and_ids, managed_resources, normalised

__all__ = [
    "LEFT_OUT",
    "SETTERS",
    "counts",
    "differences",
    "inventory",
    "inventory_and_ids",
    "managed_resources",
    "normalised",
    "unread",
]
