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
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter

from support.expectations import secret_resource_policy, tags

# EC2 identifiers moto generates: replaced by the resource's Name tag, or by their kind alone.
EC2_ID = re.compile(
    r"\b(?:vpc|subnet|sg|igw|rtb|nat|vpce|i|eipalloc|eipassoc|eni|vol|pl|rtbassoc|key|acl)-[0-9a-f]{8,17}\b"
)
KMS_KEY_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
# The six random characters Secrets Manager appends to a secret's name in its ARN
# (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources).
SECRET_ARN_SUFFIX = re.compile(r"(?P<name>:secret:[^:\"]+)-[A-Za-z0-9]{6}\b")


# What a route says (where to, through what), not how it came to be (Origin) or whether its target is up (State).
ROUTE_SETTINGS = (
    "DestinationCidrBlock",
    "DestinationIpv6CidrBlock",
    "DestinationPrefixListId",
    "GatewayId",
    "NatGatewayId",
    "InstanceId",
    "NetworkInterfaceId",
    "VpcEndpointId",
    "VpcPeeringConnectionId",
    "TransitGatewayId",
)


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
    all_groups = described("describe_security_groups", "SecurityGroups")
    groups = [g for g in all_groups if g["GroupName"] != "default"]
    network_acls = described("describe_network_acls", "NetworkAcls")
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
    # Every volume and network interface, attached or not: a stray one left by a killed run shows.
    volumes = {v["VolumeId"]: v for v in ec2.describe_volumes()["Volumes"]}
    interfaces = described("describe_network_interfaces", "NetworkInterfaces")
    credits = {
        c["InstanceId"]: c["CpuCredits"]
        for c in (
            ec2.describe_instance_credit_specifications(InstanceIds=[i["InstanceId"] for i in instances])[
                "InstanceCreditSpecifications"
            ]
            if instances
            else []
        )
    }

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
        ("acl", network_acls, "NetworkAclId"),
    ):
        for item in items:
            names[item[id_key]] = f"{kind}:{name_tag(item)}"
    names.update({g["GroupId"]: f"sg:{g['GroupName']}" for g in groups})

    state = {
        "vpcs": [
            {
                "name": name_tag(v),
                "cidr": v["CidrBlock"],
                "InstanceTenancy": v["InstanceTenancy"],
                **_vpc_dns(ec2, v["VpcId"]),
                "tags": v.get("Tags"),
            }
            for v in vpcs
        ],
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
            {
                "name": name_tag(g),
                "attached": sorted(a["VpcId"] for a in g.get("Attachments", [])),
                "tags": g.get("Tags"),
            }
            for g in gateways
        ],
        "route_tables": [
            {
                "name": name_tag(t),
                "main": any(a.get("Main") for a in t.get("Associations", [])),
                "subnets": sorted(a["SubnetId"] for a in t.get("Associations", []) if "SubnetId" in a),
                "vpc": t["VpcId"],
                "routes": [{k: v for k, v in r.items() if k in ROUTE_SETTINGS} for r in t["Routes"]],
                "tags": t.get("Tags"),
            }
            for t in tables
        ],
        "nat_gateways": [
            {"name": name_tag(n), "subnet": n["SubnetId"], "state": n["State"], "tags": n.get("Tags")} for n in nats
        ],
        "elastic_ips": [
            {"name": name_tag(a), "nat": a.get("NetworkInterfaceId") is not None, "tags": a.get("Tags")}
            for a in addresses
        ],
        "vpc_endpoints": [
            {
                "name": name_tag(e),
                "service": e["ServiceName"],
                "VpcEndpointType": e["VpcEndpointType"],
                "vpc": e["VpcId"],
                "route_tables": sorted(e.get("RouteTableIds", [])),
                "subnets": sorted(e.get("SubnetIds", [])),
                "groups": sorted(g["GroupId"] for g in e.get("Groups", [])),
                "PrivateDnsEnabled": e.get("PrivateDnsEnabled"),
                "PolicyDocument": e.get("PolicyDocument"),
                "tags": e.get("Tags"),
            }
            for e in endpoints
        ],
        "network_acls": [
            {
                "name": name_tag(a),
                "vpc": a["VpcId"],
                "default": a["IsDefault"],
                "subnets": sorted(s["SubnetId"] for s in a["Associations"]),
                "entries": sorted(
                    (e for e in a["Entries"] if e["RuleNumber"] != 32767), key=lambda e: (e["Egress"], e["RuleNumber"])
                ),
                "tags": a.get("Tags"),
            }
            for a in network_acls
        ],
        # What the network role leaves of each VPC's default group (network_default_security_group_restricted).
        "default_security_groups": [
            {"vpc": g["VpcId"], "ingress": g["IpPermissions"], "egress": g["IpPermissionsEgress"]}
            for g in all_groups
            if g["GroupName"] == "default"
        ],
        "security_groups": [
            {
                "name": g["GroupName"],
                "description": g["Description"],
                "vpc": g["VpcId"],
                "ingress": g["IpPermissions"],
                "egress": g["IpPermissionsEgress"],
                "tags": g.get("Tags"),
            }
            for g in groups
        ],
        "instances": [
            {
                "name": name_tag(i),
                "state": i["State"]["Name"],
                "type": i["InstanceType"],
                "image": i["ImageId"],
                "subnet": i.get("SubnetId"),
                "groups": sorted(g["GroupId"] for g in i["SecurityGroups"]),
                "profile": i.get("IamInstanceProfile", {}).get("Arn"),
                "key": i.get("KeyName"),
                "metadata": {k: v for k, v in i.get("MetadataOptions", {}).items() if k != "State"},
                "CpuCredits": credits.get(i["InstanceId"]),
                "volumes": [
                    {
                        "device": m["DeviceName"],
                        "size": volumes[m["Ebs"]["VolumeId"]]["Size"],
                        "type": volumes[m["Ebs"]["VolumeId"]]["VolumeType"],
                        "encrypted": volumes[m["Ebs"]["VolumeId"]]["Encrypted"],
                        "DeleteOnTermination": m["Ebs"].get("DeleteOnTermination"),
                    }
                    for m in i.get("BlockDeviceMappings", [])
                    if "Ebs" in m
                ],
                "network_interfaces": [
                    {
                        "DeviceIndex": n["Attachment"]["DeviceIndex"],
                        "DeleteOnTermination": n["Attachment"].get("DeleteOnTermination"),
                        "subnet": n.get("SubnetId"),
                        "groups": sorted(g["GroupId"] for g in n.get("Groups", [])),
                        "AssociatePublicIpAddress": "PublicIp" in n.get("Association", {}),
                    }
                    for n in i.get("NetworkInterfaces", [])
                ],
                "tags": i.get("Tags"),
            }
            for i in instances
        ],
        "key_pairs": [
            {"name": k["KeyName"], "KeyFingerprint": k.get("KeyFingerprint"), "tags": k.get("Tags")} for k in key_pairs
        ],
        "volumes": [
            {
                "name": name_tag(v),
                "attached": sorted(f"{a['InstanceId']} {a['Device']}" for a in v.get("Attachments", [])),
                "zone": v["AvailabilityZone"],
                "Size": v["Size"],
                "VolumeType": v["VolumeType"],
                "Iops": v.get("Iops"),
                "Throughput": v.get("Throughput"),
                "Encrypted": v["Encrypted"],
                "KmsKeyId": v.get("KmsKeyId"),
                "tags": v.get("Tags"),
            }
            for v in volumes.values()
        ],
        "network_interfaces": [
            {
                "attached": (n.get("Attachment") or {}).get("InstanceId"),
                "type": n.get("InterfaceType"),
                "description": n.get("Description"),
                "subnet": n["SubnetId"],
                "groups": sorted(g["GroupId"] for g in n.get("Groups", [])),
                "status": n["Status"],
                "SourceDestCheck": n.get("SourceDestCheck"),
                "tags": n.get("TagSet"),
            }
            for n in interfaces
        ],
        # An account-wide setting (instances_ebs_encryption_by_default), listed while it is on: an account
        # that never turned it on, like an empty emulator, has none.
        "ebs_encryption_by_default": [{"name": "ebs_encryption_by_default"}]
        if ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
        else [],
    }
    return state, names


def _vpc_dns(ec2, vpc_id: str) -> dict[str, bool]:
    """A VPC's DNS attributes (DescribeVpcAttribute answers one per call)."""
    return {
        name: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=name[0].lower() + name[1:])[name]["Value"]
        for name in ("EnableDnsSupport", "EnableDnsHostnames")
    }


def _iam(aws) -> dict:
    iam = aws.iam
    roles = [r for r in iam.list_roles()["Roles"] if not r["Path"].startswith("/aws-service-role/")]
    return {
        "roles": [
            {
                "name": r["RoleName"],
                "Path": r["Path"],
                "Description": r.get("Description"),
                "MaxSessionDuration": r.get("MaxSessionDuration"),
                "PermissionsBoundary": r.get("PermissionsBoundary"),
                "tags": iam.list_role_tags(RoleName=r["RoleName"])["Tags"],
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
            {
                "name": p["InstanceProfileName"],
                "Path": p["Path"],
                "roles": sorted(r["RoleName"] for r in p["Roles"]),
                "tags": p.get("Tags"),
            }
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
                "LocationConstraint": s3.get_bucket_location(Bucket=name).get("LocationConstraint"),
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
                "ownership": _optional(
                    lambda name=name: s3.get_bucket_ownership_controls(Bucket=name),
                    "OwnershipControlsNotFoundError",
                ),
                "acl": _optional(lambda name=name: s3.get_bucket_acl(Bucket=name)),
                # Access log objects are named after the time S3 delivered them. The ETag (the
                # content's MD5) tells an object uploaded whole from an empty or truncated one.
                "objects": sorted(
                    (
                        {"Key": o["Key"], "ETag": o["ETag"]}
                        for o in s3.list_objects_v2(Bucket=name).get("Contents", [])
                        if "/s3-access/" not in o["Key"]
                    ),
                    key=lambda o: o["Key"],
                ),
            }
        )
    return buckets


# Glue's timestamps and counters, and the version numbers every update bumps: a rerun or a retried
# update changes them without changing a setting.
GLUE_VOLATILE = (
    "CreatedOn",
    "LastModifiedOn",
    "CreateTime",
    "CreationTime",
    "LastUpdated",
    "LastCrawl",
    "LastRun",
    "Version",
    "CrawlElapsedTime",
    # A security configuration's creation time: AWS's name, then moto 5.2.5's.
    "CreatedTimeStamp",
    "CreatedTime",
)


def _glue(aws, account_id: str) -> dict:
    glue = aws.glue
    arn = f"arn:aws:glue:{aws.region}:{account_id}"

    def stable(items: list[dict], kind: str) -> list[dict]:
        """Each item's settings and its tags (GetTags, by the item's ARN)."""
        return [
            {
                **{k: v for k, v in item.items() if k not in GLUE_VOLATILE},
                "Tags": glue.get_tags(ResourceArn=f"{arn}:{kind}/{item['Name']}")["Tags"],
            }
            for item in items
        ]

    workflows = [glue.get_workflow(Name=name)["Workflow"] for name in glue.list_workflows()["Workflows"]]
    return {
        "databases": stable(glue.get_databases()["DatabaseList"], "database"),
        "crawlers": stable(glue.get_crawlers()["Crawlers"], "crawler"),
        "jobs": stable(glue.get_jobs()["Jobs"], "job"),
        "triggers": stable(glue.get_triggers()["Triggers"], "trigger"),
        "workflows": stable(workflows, "workflow"),
        # Untaggable, so read without tags.
        "security_configurations": [
            {k: v for k, v in item.items() if k not in GLUE_VOLATILE}
            for item in glue.get_security_configurations()["SecurityConfigurations"]
        ],
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
                "arn": meta["Arn"],
                "description": meta["Description"],
                "state": meta["KeyState"],
                **{setting: meta.get(setting) for setting in ("KeyUsage", "KeySpec", "Origin", "MultiRegion")},
                "rotation": kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"],
                "policy": json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]),
                "tags": kms.list_resource_tags(KeyId=key["KeyId"])["Tags"],
            }
        )
    return keys


def _dlm(aws) -> list[dict]:
    """Data Lifecycle Manager policies as DLM describes them, named by their description (they have no name)."""
    policies = []
    for summary in aws.dlm.get_lifecycle_policies()["Policies"]:
        policy = aws.dlm.get_lifecycle_policy(PolicyId=summary["PolicyId"])["Policy"]
        policies.append(
            {
                "name": policy["Description"],
                "arn": policy["PolicyArn"].replace(policy["PolicyId"], "policy-?"),
                **{setting: policy.get(setting) for setting in ("ExecutionRoleArn", "State", "PolicyDetails")},
                "tags": policy.get("Tags"),
            }
        )
    return policies


def _secrets(aws) -> list[dict]:
    return [
        {
            "name": s["Name"],
            "kms_key": s.get("KmsKeyId"),
            "description": s.get("Description"),
            "tags": s.get("Tags"),
            "resource_policy": secret_resource_policy(aws, s["ARN"]),
        }
        for s in aws.secretsmanager.list_secrets()["SecretList"]
        if "DeletedDate" not in s
    ]


def _ecr_registry(aws) -> list[dict]:
    """The registry's scanning configuration (ecr_registry_scan_on_push), account-wide: listed while it has
    rules, as an account that never set one (an empty emulator) has none."""
    scanning = aws.ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    return [{"name": "registry-scanning", **scanning}] if scanning.get("rules") else []


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
                "imageTagMutabilityExclusionFilters": repository.get("imageTagMutabilityExclusionFilters", []),
                "scan_on_push": repository["imageScanningConfiguration"]["scanOnPush"],
                "encryption": repository.get("encryptionConfiguration"),
                "lifecycle": lifecycle and lifecycle["lifecyclePolicyText"],
                "tags": ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"],
            }
        )
    return repositories


# What ECS reports about a service's or task definition's life rather than its settings: counts,
# deployments and events, timestamps, who registered it.
ECS_VOLATILE = (
    "runningCount",
    "pendingCount",
    "deployments",
    "events",
    "createdAt",
    "createdBy",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
)


def _ecs(aws) -> dict:
    ecs = aws.ecs
    # A deleted cluster stays listed as INACTIVE for a while, on AWS too.
    clusters = [
        cluster
        for cluster in ecs.describe_clusters(
            clusters=ecs.list_clusters()["clusterArns"], include=["SETTINGS", "CONFIGURATIONS", "TAGS"]
        )["clusters"]
        if cluster["status"] == "ACTIVE"
    ]
    services = []
    for cluster in clusters:
        arns = ecs.list_services(cluster=cluster["clusterArn"])["serviceArns"]
        if arns:
            services += ecs.describe_services(cluster=cluster["clusterArn"], services=arns, include=["TAGS"])[
                "services"
            ]
    definitions = []
    for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]:
        answer = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
        definitions.append({**answer["taskDefinition"], "tags": answer.get("tags", [])})

    def stable(item: dict) -> dict:
        return {k: v for k, v in item.items() if k not in ECS_VOLATILE}

    return {
        "clusters": [
            {
                "name": c["clusterName"],
                "providers": sorted(c.get("capacityProviders", [])),
                "defaultCapacityProviderStrategy": c.get("defaultCapacityProviderStrategy", []),
                "settings": c.get("settings", []),
                "configuration": c.get("configuration"),
                "tags": c.get("tags", []),
            }
            for c in clusters
        ],
        "services": [stable(s) for s in services if s["status"] == "ACTIVE"],
        "task_definitions": [stable(d) for d in definitions],
    }


def _logs(aws) -> list[dict]:
    logs = aws.logs
    return [
        {
            "name": g["logGroupName"],
            "retention": g.get("retentionInDays"),
            "kmsKeyId": g.get("kmsKeyId"),
            "tags": logs.list_tags_log_group(logGroupName=g["logGroupName"])["tags"],
        }
        for g in logs.describe_log_groups()["logGroups"]
    ]


def normalised(value, ids: dict[str, str]):
    """A JSON value with what differs between two emulators replaced as the inventory replaces it."""
    text = json.dumps(value, sort_keys=True, default=str)
    text = EC2_ID.sub(lambda match: ids.get(match.group(0), match.group(0).split("-")[0] + "-?"), text)
    text = KMS_KEY_ID.sub("key-?", text)
    text = SECRET_ARN_SUFFIX.sub(r"\g<name>-??????", text)
    return json.loads(text)


def inventory(aws) -> dict:
    """Every resource in the account, identifiers replaced by names, each kind sorted."""
    return inventory_and_ids(aws)[0]


def inventory_and_ids(aws) -> tuple[dict, dict[str, str]]:
    """The inventory, and what it calls each EC2 identifier in the account instead (for `unread`), from one read."""
    ec2, ids = _ec2(aws)
    iam = _iam(aws)
    raw = {
        **ec2,
        **iam,
        "buckets": _s3(aws),
        "glue": _glue(aws, aws.sts.get_caller_identity()["Account"]),
        "kms_keys": _kms(aws),
        "secrets": _secrets(aws),
        "ecr": _ecr(aws),
        "ecr_registry": _ecr_registry(aws),
        "dlm_policies": _dlm(aws),
        "ecs": _ecs(aws),
        "log_groups": _logs(aws),
    }
    return _sorted(normalised(raw, ids)), ids


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
        count["route"] += sum(
            1
            for route in table["routes"]
            if route.get("GatewayId") != "local" and "DestinationPrefixListId" not in route
        )
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
    count["dlm_lifecycle_policy"] = len(inventory["dlm_policies"])
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


# ---------------------------------------------------------------------------------------------
# Whether the inventory reads everything a converge set.

# The operations that set something; every other recorded operation must read (READS) or remove
# (REMOVALS), so a new kind of call cannot slip past `unread`.
SETTERS = (
    "Create",
    "Put",
    "Modify",
    "Update",
    "Register",
    "Attach",
    "Tag",
    "Enable",
    "Associate",
    "Authorize",
    "Add",
    "Run",
    "Import",
    "Start",
    "Replace",
    "PUT ",
)
READS = ("Describe", "List", "Get", "BatchGet", "Search", "GET ", "HEAD ")
REMOVALS = ("Delete", "Revoke", "Detach", "Disassociate", "Remove", "Untag", "Disable", "Stop", "Deregister", "DELETE ")

# Request parameters whose values the inventory deliberately does not hold, and why.
LEFT_OUT = {
    "Action": "the query protocol's envelope (the operation), not a setting",
    "Version": "the query protocol's envelope (the API version), not a setting",
    "ClientToken": "an idempotency token, new on every run",
    "AssociationId": "the id of a subnet's association with its network ACL, new on every association (the "
    "inventory holds which ACL each subnet is on)",
    "clientToken": "an idempotency token, new on every run",
    "ClientRequestToken": "an idempotency token (a secret's version id), new on every generated value",
    "SecretString": "a secret value: compared through every snapshot by expectations.secret_values "
    "(Converge.secrets), never put in an inventory an assertion message prints",
    "PublicKeyMaterial": "read back as the key pair's KeyFingerprint",
    "MinCount": "how many instances one RunInstances launches: the inventory lists the instances",
    "MaxCount": "how many instances one RunInstances launches: the inventory lists the instances",
    "BypassPolicyLockoutSafetyCheck": "a safety switch of the CreateKey call, not a setting of the key",
    "BlockPublicPolicy": "a check of the PutResourcePolicy call (Secrets Manager refuses a policy open beyond the "
    "account), not a setting of the secret",
    "ResourceType": "what a TagSpecification tags: the tags are read on that resource",
}
# Settings AWS reads back as another attribute: (parameter, value sent) -> (attribute, value read).
READ_BACK_AS = {
    # https://docs.aws.amazon.com/glue/latest/webapi/API_CreateTrigger.html: StartOnCreation "Set to true
    # to start SCHEDULED and CONDITIONAL triggers when created".
    ("StartOnCreation", "true"): ("State", "ACTIVATED"),
}
# Where the inventory keeps a setting under a name of its own (the audit reads these), by the
# request parameter's name.
INVENTORY_NAMES = {
    "VolumeSize": "size",
    "VolumeType": "type",
    "InstanceType": "type",
    "MapPublicIpOnLaunch": "public_ips",
    "capacityProviders": "providers",
    "imageTagMutability": "mutability",
    "scanOnPush": "scan_on_push",
    "retentionInDays": "retention",
    # KMS renamed CustomerMasterKeySpec KeySpec and answers both; CreateKey still takes the old name.
    "CustomerMasterKeySpec": "KeySpec",
}
# Settings the emulator accepts and forgets, so no inventory of it can hold them (on AWS the
# inventory reads them: account.py asks for them all the same).
NOT_KEPT_BY_THE_EMULATOR = {
    "Throughput": "moto's DescribeVolumes answers no Throughput for a gp3 volume",
}
# Request parameters that name what a request is about, most specific first: a request's values are
# looked for in the inventory entries named after its subject (a Name tag first).
SUBJECTS = (
    "Name",
    "InstanceProfileName",
    "RoleName",
    "GroupId",
    "NetworkAclId",
    "VpcEndpointId",
    "InstanceId",
    "RouteTableId",
    "InternetGatewayId",
    "SubnetId",
    "VpcId",
    "KeyName",
    "serviceName",
    "family",
    "clusterName",
    "cluster",
    "SecretId",
    "repositoryName",
    "logGroupName",
    "AliasName",
    "KeyId",
    "Bucket",
)
# The inventory's kinds by the service that holds them (EC2: every other kind). A Glue job, the ECS
# service and its task definition share a name: each request is checked against its own service's.
SERVICE_KINDS = {
    "iam": ("roles", "instance_profiles", "policies"),
    "s3": ("buckets",),
    "glue": ("glue",),
    "kms": ("kms_keys",),
    "secretsmanager": ("secrets",),
    "ecr": ("ecr", "ecr_registry"),
    "dlm": ("dlm_policies",),
    "ecs": ("ecs",),
    "logs": ("log_groups",),
}
# The attributes an inventory entry is named by.
IDENTITIES = ("name", "Name", "alias", "arn", "family", "serviceName")
# Values that only mean something with their name (true, 20, AES256, standard): found only under
# the same parameter name. Anything else (a name, an ARN, a CIDR, a description) is found by value.
ENUM_LIKE = re.compile(r"[A-Za-z0-9_.]{0,24}")
TAG_PAIRS = (("Key", "Value"), ("key", "value"), ("TagKey", "TagValue"), ("name", "value"))


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _leaves(value, key: str = "") -> list[tuple[str, str]]:
    """(parameter name, value as text) of each scalar in a value: JSON documents held as strings
    opened, tag-like {Key, Value} pairs as {Key: Value}, {"Value": x} wrappers as x, empty values
    (unset) left out."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, dict):
        for name, content in TAG_PAIRS:
            if set(value) == {name, content} and isinstance(value[name], str):
                return _leaves(value[content], value[name])
        if set(value) == {"Value"}:
            return _leaves(value["Value"], key)
        return [leaf for name, item in value.items() for leaf in _leaves(item, name)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item, key)]
    if value is None or value == "":
        return []
    return [(key, _text(value))]


def _resources(inventory: dict, service: str) -> list[dict]:
    """Each resource of the inventory (an entry of a kind's list) of one service."""
    others = {kind for kinds in SERVICE_KINDS.values() for kind in kinds}
    groups = [
        items
        for kind, items in inventory.items()
        if kind in SERVICE_KINDS.get(service, ()) or (service == "ec2" and kind not in others)
    ]
    kinds = [items for items in groups if isinstance(items, list)]
    kinds += [items for group in groups if isinstance(group, dict) for items in group.values()]
    return [resource for items in kinds for resource in items if isinstance(resource, dict)]


def _subject(params: dict) -> str | None:
    for tag in _leaves({k: v for k, v in params.items() if k.lower() in ("tags", "tag", "tagspecification")}):
        if tag[0] == "Name":
            return tag[1]
    for name in SUBJECTS:
        if isinstance(params.get(name), str) and params[name]:
            return params[name]
    database = params.get("DatabaseInput")
    return database.get("Name") if isinstance(database, dict) else None


def _same(found: str, sent: str) -> bool:
    """Equal, or an ARN the inventory holds for a name the request sent (a task definition, a cluster)."""
    return found == sent or (found.startswith("arn:") and found.endswith("/" + sent))


def _named(resource: dict, subject: str) -> bool:
    # Where the inventory replaced an id, it refers to the resource as "kind:Name"; the resource's own
    # entry holds the Name alone.
    plain = subject.split(":", 1)[1] if re.match(r"^[a-z]+:[^:/]+$", subject) else subject
    names = [resource.get(key) for key in IDENTITIES if isinstance(resource.get(key), str)]
    return any(_same(name, subject) or name == plain for name in names)


def setting_operation(operation: str) -> bool:
    """Whether a recorded operation sets something; a ValueError for one this module does not classify."""
    if operation.startswith(SETTERS):
        return True
    if operation.startswith(READS + REMOVALS):
        return False
    raise ValueError(f"{operation}: neither a setter, a read nor a removal (account.SETTERS, READS, REMOVALS)")


def unread(inventory: dict, calls, ids: dict[str, str]) -> list[str]:
    """Each value a setting request sent (calls: support.contract.Call) that the inventory does not
    hold for the resource the request is about, as "service Operation subject: parameter=value".

    `ids` (from `inventory_and_ids`) turns the generated identifiers the requests carry into the inventory's names."""
    missing = []
    for call in calls:
        if not setting_operation(call.operation):
            continue
        resources = _resources(inventory, call.service)
        params = normalised({k: v for k, v in call.params.items() if k not in LEFT_OUT}, ids)
        subject = _subject(params)
        # A request that names nothing sets a setting of its service's (the registry's scanning, a DLM policy
        # found by its id in the path): its values are looked for in all of that service's resources.
        scope = [
            leaf for resource in resources if not subject or _named(resource, subject) for leaf in _leaves(resource)
        ]
        for key, value in _leaves(params):
            # The subject is how the request found its resource (by name, or by an id the inventory calls
            # "kind:Name"), not something it set on it.
            if key in LEFT_OUT or key in NOT_KEPT_BY_THE_EMULATOR or subject in (value, value.partition(":")[2]):
                continue
            key, value = READ_BACK_AS.get((key, value), (key, value))
            wanted = {key.lower(), INVENTORY_NAMES.get(key, key).lower()}
            by_value = not ENUM_LIKE.fullmatch(value)
            if not any(_same(found, value) and (by_value or name.lower() in wanted) for name, found in scope):
                missing.append(f"{call.service} {call.operation} {subject}: {key}={value[:120]}")
    return sorted(set(missing))
