"""Everything an emulated account holds, in a form two accounts can be compared in.

`inventory(aws)` lists every resource of every kind the platform creates, not only the tagged
ones, so an orphan (an untagged internet gateway, a second KMS key, a route table nobody
associated) shows up as an extra entry. Generated identifiers (vpc-..., i-..., key ids) are
replaced by the Name of what they point to, and timestamps left out, so the inventories of two
converges of the same settings on two fresh emulators are equal when their end states are.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from support.expectations import tags

# EC2 identifiers moto generates: replaced by the resource's Name tag, or by their kind alone.
EC2_ID = re.compile(
    r"\b(?:vpc|subnet|sg|igw|rtb|nat|vpce|i|eipalloc|eipassoc|eni|vol|pl|rtbassoc|key|acl)-[0-9a-f]{8,17}\b"
)
KMS_KEY_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def name_tag(resource: dict) -> str | None:
    return tags(resource).get("Name")


def _ec2(aws) -> tuple[dict, dict[str, str]]:
    ec2 = aws.ec2
    vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    vpc_ids = [v["VpcId"] for v in vpcs]
    in_vpcs = [{"Name": "vpc-id", "Values": vpc_ids}] if vpc_ids else None

    def described(call, key, filters=True, **kwargs):
        if filters and not in_vpcs:
            return []
        return getattr(ec2, call)(**({"Filters": in_vpcs} if filters else {}), **kwargs)[key]

    subnets = described("describe_subnets", "Subnets")
    groups = [g for g in described("describe_security_groups", "SecurityGroups") if g["GroupName"] != "default"]
    tables = described("describe_route_tables", "RouteTables")
    gateways = ec2.describe_internet_gateways()["InternetGateways"]
    nats = [n for n in described("describe_nat_gateways", "NatGateways", filters=False) if n["State"] != "deleted"]
    endpoints = described("describe_vpc_endpoints", "VpcEndpoints")
    addresses = ec2.describe_addresses()["Addresses"]
    instances = [
        i
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
        if i["State"]["Name"] not in ("terminated", "shutting-down")
    ]
    key_pairs = ec2.describe_key_pairs()["KeyPairs"]
    volume_ids = [m["Ebs"]["VolumeId"] for i in instances for m in i.get("BlockDeviceMappings", []) if "Ebs" in m]
    volumes = {v["VolumeId"]: v for v in ec2.describe_volumes(VolumeIds=volume_ids)["Volumes"]} if volume_ids else {}

    names = {}
    for kind, items, id_key in (
        ("vpc", vpcs, "VpcId"),
        ("subnet", subnets, "SubnetId"),
        ("rtb", tables, "RouteTableId"),
        ("igw", gateways, "InternetGatewayId"),
        ("nat", nats, "NatGatewayId"),
        ("vpce", endpoints, "VpcEndpointId"),
        ("i", instances, "InstanceId"),
        ("eipalloc", addresses, "AllocationId"),
    ):
        for item in items:
            names[item[id_key]] = f"{kind}:{name_tag(item)}"
    names.update({g["GroupId"]: f"sg:{g['GroupName']}" for g in groups})

    state = {
        "vpcs": [{"name": name_tag(v), "cidr": v["CidrBlock"], "tags": v.get("Tags")} for v in vpcs],
        "subnets": [
            {
                "name": name_tag(s),
                "cidr": s["CidrBlock"],
                "zone": s["AvailabilityZone"],
                "vpc": s["VpcId"],
                "public_ips": s["MapPublicIpOnLaunch"],
                "tags": s.get("Tags"),
            }
            for s in subnets
        ],
        "internet_gateways": [
            {"name": name_tag(g), "attached": sorted(a["VpcId"] for a in g.get("Attachments", []))} for g in gateways
        ],
        "route_tables": [
            {
                "name": name_tag(t),
                "main": any(a.get("Main") for a in t.get("Associations", [])),
                "subnets": sorted(a["SubnetId"] for a in t.get("Associations", []) if "SubnetId" in a),
                "routes": sorted(
                    f"{r.get('DestinationCidrBlock') or r.get('DestinationPrefixListId')} -> "
                    f"{r.get('GatewayId') or r.get('NatGatewayId') or r.get('InstanceId')}"
                    for r in t["Routes"]
                ),
            }
            for t in tables
        ],
        "nat_gateways": [{"name": name_tag(n), "subnet": n["SubnetId"], "state": n["State"]} for n in nats],
        "elastic_ips": [{"name": name_tag(a), "nat": a.get("NetworkInterfaceId") is not None} for a in addresses],
        "vpc_endpoints": [
            {"name": name_tag(e), "service": e["ServiceName"], "route_tables": sorted(e.get("RouteTableIds", []))}
            for e in endpoints
        ],
        "security_groups": [
            {
                "name": g["GroupName"],
                "ingress": g["IpPermissions"],
                "egress": g["IpPermissionsEgress"],
                "tags": g.get("Tags"),
            }
            for g in groups
        ],
        "instances": [
            {
                "name": name_tag(i),
                "type": i["InstanceType"],
                "image": i["ImageId"],
                "subnet": i.get("SubnetId"),
                "groups": sorted(g["GroupId"] for g in i["SecurityGroups"]),
                "profile": i.get("IamInstanceProfile", {}).get("Arn"),
                "key": i.get("KeyName"),
                "metadata": {k: v for k, v in i.get("MetadataOptions", {}).items() if k != "State"},
                "volumes": [
                    {
                        "device": m["DeviceName"],
                        "size": volumes[m["Ebs"]["VolumeId"]]["Size"],
                        "type": volumes[m["Ebs"]["VolumeId"]]["VolumeType"],
                        "encrypted": volumes[m["Ebs"]["VolumeId"]]["Encrypted"],
                    }
                    for m in i.get("BlockDeviceMappings", [])
                    if "Ebs" in m
                ],
                "tags": i.get("Tags"),
            }
            for i in instances
        ],
        "key_pairs": [k["KeyName"] for k in key_pairs],
    }
    return state, names


def _iam(aws) -> dict:
    iam = aws.iam
    roles = [r for r in iam.list_roles()["Roles"] if not r["Path"].startswith("/aws-service-role/")]
    return {
        "roles": [
            {
                "name": r["RoleName"],
                "trust": r["AssumeRolePolicyDocument"],
                "attached": sorted(
                    p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]
                ),
                "inline": {
                    name: iam.get_role_policy(RoleName=r["RoleName"], PolicyName=name)["PolicyDocument"]
                    for name in iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"]
                },
            }
            for r in roles
        ],
        "instance_profiles": [
            {"name": p["InstanceProfileName"], "roles": sorted(r["RoleName"] for r in p["Roles"])}
            for p in iam.list_instance_profiles()["InstanceProfiles"]
        ],
        "policies": [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]],
    }


def _optional(call, *missing: str):
    """A bucket setting, or None where the bucket has none (S3 answers an error then)."""
    try:
        answer = call()
    except Exception as error:  # noqa: BLE001 - botocore's ClientError, whose code says "not set"
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        if code in missing:
            return None
        raise
    answer.pop("ResponseMetadata", None)
    return answer


def _s3(aws) -> list[dict]:
    s3 = aws.s3
    buckets = []
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        buckets.append(
            {
                "name": name,
                "versioning": s3.get_bucket_versioning(Bucket=name).get("Status"),
                "encryption": _optional(
                    lambda name=name: s3.get_bucket_encryption(Bucket=name),
                    "ServerSideEncryptionConfigurationNotFoundError",
                ),
                "public_access_block": _optional(
                    lambda name=name: s3.get_public_access_block(Bucket=name), "NoSuchPublicAccessBlockConfiguration"
                ),
                "lifecycle": _optional(
                    lambda name=name: s3.get_bucket_lifecycle_configuration(Bucket=name), "NoSuchLifecycleConfiguration"
                ),
                "policy": _optional(lambda name=name: s3.get_bucket_policy(Bucket=name), "NoSuchBucketPolicy"),
                "logging": _optional(lambda name=name: s3.get_bucket_logging(Bucket=name)),
                "tags": _optional(lambda name=name: s3.get_bucket_tagging(Bucket=name), "NoSuchTagSet"),
                # Access log objects are named after the time S3 delivered them. The ETag (the
                # content's MD5) tells an object uploaded whole from an empty or truncated one.
                "objects": sorted(
                    f"{o['Key']} {o['ETag']}"
                    for o in s3.list_objects_v2(Bucket=name).get("Contents", [])
                    if "/s3-access/" not in o["Key"]
                ),
            }
        )
    return buckets


def _glue(aws) -> dict:
    glue = aws.glue
    volatile = (
        "CreatedOn",
        "LastModifiedOn",
        "CreateTime",
        "CreationTime",
        "LastUpdated",
        "LastCrawl",
        "Version",
        "State",
        "CrawlElapsedTime",
    )

    def stable(items: list[dict]) -> list[dict]:
        return [{k: v for k, v in item.items() if k not in volatile} for item in items]

    return {
        "databases": stable(glue.get_databases()["DatabaseList"]),
        "crawlers": stable(glue.get_crawlers()["Crawlers"]),
        "jobs": stable(glue.get_jobs()["Jobs"]),
        "triggers": stable(glue.get_triggers()["Triggers"]),
        "workflows": glue.list_workflows()["Workflows"],
    }


def _kms(aws) -> list[dict]:
    kms = aws.kms
    aliases = {}
    for alias in kms.list_aliases()["Aliases"]:
        if "TargetKeyId" in alias:
            aliases[alias["TargetKeyId"]] = alias["AliasName"]
    keys = []
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta["KeyManager"] != "CUSTOMER" or meta["KeyState"] == "PendingDeletion":
            continue
        keys.append(
            {
                "alias": aliases.get(key["KeyId"]),
                "description": meta["Description"],
                "state": meta["KeyState"],
                "rotation": kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"],
                "tags": kms.list_resource_tags(KeyId=key["KeyId"])["Tags"],
            }
        )
    return keys


def _secrets(aws) -> list[dict]:
    return [
        {"name": s["Name"], "kms_key": s.get("KmsKeyId"), "description": s.get("Description"), "tags": s.get("Tags")}
        for s in aws.secretsmanager.list_secrets()["SecretList"]
        if "DeletedDate" not in s
    ]


def _ecr(aws) -> list[dict]:
    ecr = aws.ecr
    repositories = []
    for repository in ecr.describe_repositories()["repositories"]:
        name = repository["repositoryName"]
        lifecycle = _optional(
            lambda name=name: ecr.get_lifecycle_policy(repositoryName=name), "LifecyclePolicyNotFoundException"
        )
        repositories.append(
            {
                "name": name,
                "mutability": repository["imageTagMutability"],
                "scan_on_push": repository["imageScanningConfiguration"]["scanOnPush"],
                "encryption": repository.get("encryptionConfiguration"),
                "lifecycle": lifecycle and lifecycle["lifecyclePolicyText"],
            }
        )
    return repositories


def _ecs(aws) -> dict:
    ecs = aws.ecs
    # A deleted cluster stays listed as INACTIVE for a while, on AWS too.
    clusters = [
        cluster
        for cluster in ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"])["clusters"]
        if cluster["status"] == "ACTIVE"
    ]
    services = []
    for cluster in clusters:
        arns = ecs.list_services(cluster=cluster["clusterArn"])["serviceArns"]
        if arns:
            services += ecs.describe_services(cluster=cluster["clusterArn"], services=arns)["services"]
    definitions = ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]
    return {
        "clusters": [{"name": c["clusterName"], "providers": sorted(c.get("capacityProviders", []))} for c in clusters],
        "services": [
            {"name": s["serviceName"], "task": s["taskDefinition"], "desired": s["desiredCount"], "status": s["status"]}
            for s in services
            if s["status"] == "ACTIVE"
        ],
        "task_definitions": definitions,
    }


def _logs(aws) -> list[dict]:
    return [
        {"name": g["logGroupName"], "retention": g.get("retentionInDays"), "kms": g.get("kmsKeyId") is not None}
        for g in aws.logs.describe_log_groups()["logGroups"]
    ]


def inventory(aws) -> dict:
    """Every resource in the account, identifiers replaced by names, each kind sorted."""
    ec2, names = _ec2(aws)
    raw = {
        **ec2,
        **_iam(aws),
        "buckets": _s3(aws),
        "glue": _glue(aws),
        "kms_keys": _kms(aws),
        "secrets": _secrets(aws),
        "ecr": _ecr(aws),
        "ecs": _ecs(aws),
        "log_groups": _logs(aws),
    }
    text = json.dumps(raw, sort_keys=True, default=str)
    text = EC2_ID.sub(lambda match: names.get(match.group(0), match.group(0).split("-")[0] + "-?"), text)
    text = KMS_KEY_ID.sub("key-?", text)
    return _sorted(json.loads(text))


def counts(inventory: dict) -> dict[str, int]:
    """How many resources of each kind the inventory holds, kinds with none left out."""
    sizes = {
        kind: sum(map(len, items.values())) if isinstance(items, dict) else len(items)
        for kind, items in inventory.items()
    }
    return {kind: size for kind, size in sizes.items() if size}


BUCKET_SETTINGS = ("versioning", "encryption", "public_access_block", "lifecycle", "policy", "logging")


def managed_resources(inventory: dict) -> Counter:
    """The inventory's resources counted as Terraform counts them: a bucket's settings, a route
    table's associations and routes, a role's policies and attachments are resources of their own."""
    count = Counter()
    count["vpc"] = len(inventory["vpcs"])
    count["subnet"] = len(inventory["subnets"])
    count["internet_gateway"] = len(inventory["internet_gateways"])
    count["nat_gateway + eip"] = len(inventory["nat_gateways"]) + len(inventory["elastic_ips"])
    for table in inventory["route_tables"]:
        if table["main"]:
            continue
        count["route_table"] += 1
        count["route_table_association"] += len(table["subnets"])
        # "local" comes with the VPC, prefix-list routes with the endpoint's table associations.
        count["route"] += sum(1 for route in table["routes"] if not route.endswith(" -> local") and "pl-" not in route)
    for endpoint in inventory["vpc_endpoints"]:
        count["vpc_endpoint"] += 1
        count["vpc_endpoint_route_table_association"] += len(endpoint["route_tables"])
    for group in inventory["security_groups"]:
        count["security_group"] += 1
        count["security_group_rule_set"] += len(group["ingress"]) + len(group["egress"])
    count["instance"] = len(inventory["instances"])
    count["key_pair"] = len(inventory["key_pairs"])
    for role in inventory["roles"]:
        count["iam_role"] += 1
        count["iam_role_policy"] += len(role["inline"])
        count["iam_role_policy_attachment"] += len(role["attached"])
    count["iam_instance_profile"] = len(inventory["instance_profiles"])
    count["iam_policy"] = len(inventory["policies"])
    for bucket in inventory["buckets"]:
        count["s3_bucket"] += 1
        count["s3_bucket_setting"] += sum(1 for setting in BUCKET_SETTINGS if bucket[setting])
        count["s3_object"] += len(bucket["objects"])
    for kind, items in inventory["glue"].items():
        count[f"glue_{kind}"] = len(items)
    for key in inventory["kms_keys"]:
        if not (key["alias"] or "").startswith("alias/aws/"):
            count["kms_key + alias"] += 1 + bool(key["alias"])
    count["secret + version"] = 2 * len(inventory["secrets"])
    count["ecr_repository + lifecycle"] = sum(1 + bool(r["lifecycle"]) for r in inventory["ecr"])
    # A cluster's capacity providers are a resource of their own (aws_ecs_cluster_capacity_providers).
    count["ecs"] = 2 * len(inventory["ecs"]["clusters"]) + sum(
        map(len, (inventory["ecs"]["services"], inventory["ecs"]["task_definitions"]))
    )
    count["log_group"] = len(inventory["log_groups"])
    return +count


def _sorted(value):
    if isinstance(value, dict):
        return {key: _sorted(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_sorted(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def differences(expected: dict, actual: dict, path: str = "") -> list[str]:
    """Where two inventories differ, one line per differing value, for an assertion message."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return [
            line
            for key in sorted(set(expected) | set(actual))
            for line in differences(expected.get(key), actual.get(key), f"{path}.{key}")
        ]
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        pairs = enumerate(zip(expected, actual, strict=True))
        return [line for i, pair in pairs for line in differences(*pair, f"{path}[{i}]")]
    if expected != actual:
        shown = [json.dumps(value, default=str)[:600] for value in (expected, actual)]
        return [f"{path or '.'}: expected {shown[0]}, got {shown[1]}"]
    return []
