"""A security audit of an account inventory (support/account.py), in the spirit of tfsec or
checkov: generic rules that hold for any well-kept AWS account, independent of the seed's
expectations. `findings()` lists every breach, one line each, naming the resource.
"""

from __future__ import annotations

from support.expectations import as_list

WORLD = ("0.0.0.0/0", "::/0")
# The only ports the platform may open to the internet: the web tier's HTTP and HTTPS.
PUBLIC_PORTS = {80, 443}
PUBLIC_ACCESS_BLOCK = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
# Values that are someone's default password, never a generated one.
ADMINISTRATOR_POLICIES = ("/AdministratorAccess", "/PowerUserAccess", "/IAMFullAccess")
DEFAULT_PASSWORDS = {"", "admin", "password", "changeme", "changeit", "elastic", "secret", "grafana", "argocd"}


def _security_groups(inventory: dict) -> list[str]:
    found = []
    for group in inventory["security_groups"]:
        for permission in group["ingress"]:
            ranges = [r["CidrIp"] for r in permission.get("IpRanges", [])]
            ranges += [r["CidrIpv6"] for r in permission.get("Ipv6Ranges", [])]
            ports = set(range(permission.get("FromPort", 0), permission.get("ToPort", 65535) + 1))
            if permission.get("IpProtocol") == "-1":
                ports = set(range(65536))
            if any(cidr in WORLD for cidr in ranges) and ports - PUBLIC_PORTS:
                shown = sorted(ports - PUBLIC_PORTS)
                found.append(f"security group {group['name']}: ports {shown[:5]} open to the internet")
    return found


def _buckets(inventory: dict) -> list[str]:
    found = []
    for bucket in inventory["buckets"]:
        if not bucket["encryption"]:
            found.append(f"bucket {bucket['name']}: no default encryption")
        block = (bucket["public_access_block"] or {}).get("PublicAccessBlockConfiguration", {})
        if not all(block.get(setting) for setting in PUBLIC_ACCESS_BLOCK):
            found.append(f"bucket {bucket['name']}: public access not blocked ({block})")
        if bucket["versioning"] != "Enabled":
            found.append(f"bucket {bucket['name']}: versioning off (deleted data cannot be recovered)")
    return found


def _iam(inventory: dict) -> list[str]:
    found = []
    for role in inventory["roles"]:
        for statement in as_list(role["trust"]["Statement"]):
            principal = statement.get("Principal")
            if not isinstance(principal, dict) or set(principal) != {"Service"}:
                found.append(f"role {role['name']}: trusted by {principal}, not by an AWS service")
        if any(arn.endswith(ADMINISTRATOR_POLICIES) for arn in role["attached"]):
            found.append(f"role {role['name']}: an administrator policy is attached ({role['attached']})")
        for name, document in role["inline"].items():
            for statement in as_list(document["Statement"]):
                if statement.get("Effect") != "Allow":
                    continue
                actions = as_list(statement.get("Action", []))
                if any(action == "*" or action.endswith(":*") for action in actions):
                    found.append(f"role {role['name']} policy {name}: every action of a service ({actions})")
                # A condition (a CloudWatch namespace, say) scopes what the resource cannot.
                unscoped = "*" in as_list(statement.get("Resource", [])) and "Condition" not in statement
                if unscoped and not all(
                    action.split(":")[1].startswith(("Describe", "List", "Get")) for action in actions
                ):
                    found.append(f"role {role['name']} policy {name}: changes any resource ({actions} on *)")
    return found


def _instances(inventory: dict) -> list[str]:
    found = []
    for instance in inventory["instances"]:
        tokens = instance["metadata"].get("HttpTokens")
        if tokens != "required":
            found.append(f"instance {instance['name']}: IMDSv1 allowed (HttpTokens {tokens})")
        found += [
            f"instance {instance['name']}: volume {volume['device']} not encrypted"
            for volume in instance["volumes"]
            if not volume["encrypted"]
        ]
        if not instance["volumes"]:
            found.append(f"instance {instance['name']}: no EBS volume to check")
    return found


def _registries_and_keys(inventory: dict) -> list[str]:
    found = [f"ECR repository {r['name']}: no scan on push" for r in inventory["ecr"] if not r["scan_on_push"]]
    found += [
        f"KMS key {key['alias']}: no automatic rotation"
        for key in inventory["kms_keys"]
        if not key["rotation"] and not (key["alias"] or "").startswith("alias/aws/")
    ]
    found += [
        f"secret {secret['name']}: not encrypted with a customer key"
        for secret in inventory["secrets"]
        if not secret["kms_key"]
    ]
    return found


def findings(inventory: dict) -> list[str]:
    """Every insecure setting in the account."""
    return (
        _security_groups(inventory)
        + _buckets(inventory)
        + _iam(inventory)
        + _instances(inventory)
        + _registries_and_keys(inventory)
    )


def weak_credentials(secret_values: dict[str, dict]) -> list[str]:
    """Logins (Grafana, ArgoCD, the databases) with an empty, default or short password."""
    return [
        f"secret {name}: weak password"
        for name, fields in secret_values.items()
        if "password" in fields and (fields["password"].lower() in DEFAULT_PASSWORDS or len(fields["password"]) < 12)
    ]
