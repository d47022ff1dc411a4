"""What the cloud layer promises, checked with boto3; shared by the integration and molecule tests.

Each function takes an `Aws` (clients for one emulator) and the platform's name prefix and
environment, and asserts the platform's figures on what exists. Each figure says where it comes from:
- "seed": the specification this collection implements (the Terraform overview the README's first lines
  and "Where the seed is weak" describe; the section is named, e.g. seed §2 Security Groups);
- "AWS": a rule of the service, with the documentation page that states it;
- "collection": this collection's own choice, with the role variable that declares it (its default, in
  roles/<role>/defaults/main.yml) or the role file that fixes it.
"""

from __future__ import annotations

import json
from pathlib import Path

IDENTITY_TAGS = {"Project": "dataeng", "ManagedBy": "ansible"}


def tags(resource: dict) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def assert_identity_tags(resource: dict, env: str) -> None:
    assert tags(resource).items() >= {**IDENTITY_TAGS, "Environment": env}.items(), tags(resource)


def platform_vpc(aws, prefix: str) -> dict | None:
    vpcs = aws.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{prefix}-vpc"]}])["Vpcs"]
    assert len(vpcs) <= 1, f"duplicate VPCs named {prefix}-vpc"
    return vpcs[0] if vpcs else None


def network(aws, prefix: str = "dataeng-local", env: str = "local", region: str = "us-east-2") -> dict:
    vpc = platform_vpc(aws, prefix)
    assert vpc is not None, f"no VPC named {prefix}-vpc"
    vpc_id = vpc["VpcId"]
    # seed §1 VPC: the CIDR block, DNS support and hostnames, the four subnets and their two zones.
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert_identity_tags(vpc, env)
    for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        assert aws.ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"] is True

    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    subnets = {s["CidrBlock"]: s for s in aws.ec2.describe_subnets(Filters=in_vpc)["Subnets"]}
    expected = {
        "10.0.1.0/24": ("public", f"{region}a"),
        "10.0.2.0/24": ("public", f"{region}b"),
        "10.0.10.0/24": ("private", f"{region}a"),
        "10.0.20.0/24": ("private", f"{region}b"),
    }
    assert set(subnets) == set(expected)
    for cidr, (tier, zone) in expected.items():
        subnet = subnets[cidr]
        assert subnet["AvailabilityZone"] == zone
        # collection: the Tier tag; no subnet hands out public addresses, the hosts ask for theirs at launch
        # (network_public_ip_on_launch).
        assert tags(subnet)["Tier"] == tier
        assert subnet["MapPublicIpOnLaunch"] is False
        assert_identity_tags(subnet, env)

    gateways = aws.ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    (igw,) = gateways["InternetGateways"]
    tables = {tags(table).get("Tier"): table for table in aws.ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]}
    for tier in ("public", "private"):
        associated = {a["SubnetId"] for a in tables[tier]["Associations"] if a.get("SubnetId")}
        assert associated == {s["SubnetId"] for s in subnets.values() if tags(s)["Tier"] == tier}
    default_routes = {
        tier: [r for r in tables[tier]["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        for tier in ("public", "private")
    }
    assert [r["GatewayId"] for r in default_routes["public"]] == [igw["InternetGatewayId"]]
    # seed §1: "private subnets have no direct internet access" (network_private_egress: endpoints, the default).
    assert default_routes["private"] == [], "private subnets must have no internet route"
    # collection: an S3 gateway endpoint on every route table (network role defaults, "A gateway endpoint for S3").

    (endpoint,) = aws.ec2.describe_vpc_endpoints(
        Filters=[*in_vpc, {"Name": "service-name", "Values": [f"com.amazonaws.{region}.s3"]}]
    )["VpcEndpoints"]
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert set(endpoint["RouteTableIds"]) == {tables["public"]["RouteTableId"], tables["private"]["RouteTableId"]}
    return {"vpc_id": vpc_id, "subnets": subnets, "route_tables": tables}


def platform_resources(aws, env: str = "local", prefix: str = "dataeng-local") -> list[str]:
    """Every resource of the platform: tagged ones through the tagging API, IAM (global) by name."""
    pages = aws.resourcegroupstaggingapi.get_paginator("get_resources").paginate(
        TagFilters=[{"Key": key, "Values": [value]} for key, value in {**IDENTITY_TAGS, "Environment": env}.items()]
    )
    found = [item["ResourceARN"] for page in pages for item in page["ResourceTagMappingList"]]
    found += [role["Arn"] for role in aws.iam.list_roles()["Roles"] if role["RoleName"].startswith(f"{prefix}-")]
    found += [
        profile["Arn"]
        for profile in aws.iam.list_instance_profiles()["InstanceProfiles"]
        if profile["InstanceProfileName"].startswith(f"{prefix}-")
    ]
    return sorted(found)


def ingress(group: dict, names: dict[str, str]) -> set[tuple[int, int, str]]:
    """(from port, to port, source) for every ingress permission; sources named by purpose or CIDR."""
    flat = set()
    for permission in group["IpPermissions"]:
        ports = (permission["FromPort"], permission["ToPort"])
        flat |= {(*ports, source["CidrIp"]) for source in permission.get("IpRanges", [])}
        flat |= {(*ports, source["CidrIpv6"]) for source in permission.get("Ipv6Ranges", [])}
        flat |= {(*ports, names[pair["GroupId"]]) for pair in permission.get("UserIdGroupPairs", [])}
    return flat


def security_groups(aws, prefix: str = "dataeng-local", env: str = "local", admin_cidrs=("127.0.0.1/32",)) -> dict:
    vpc = platform_vpc(aws, prefix)
    found = aws.ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "tag:Environment", "Values": [env]}]
    )["SecurityGroups"]
    groups = {tags(group)["Purpose"]: group for group in found}
    # seed §2 Security Groups: web, database, app, bastion, kubernetes, monitoring; collection: endpoints, the
    # group of the interface endpoints (network role, network_private_egress: endpoints).
    assert set(groups) == {"web", "app", "database", "bastion", "monitoring", "kubernetes", "endpoints"}
    names = {group["GroupId"]: purpose for purpose, group in groups.items()}
    for purpose, group in groups.items():
        assert group["GroupName"] == f"{prefix}-{purpose}"
        assert len(group["Description"]) > 20, "each group says what it is for"
        assert_identity_tags(group, env)

    def from_each(ports, sources):
        return {(*((p, p) if isinstance(p, int) else map(int, p.split("-"))), s) for p in ports for s in sources}

    admin = list(admin_cidrs)
    # seed §2: every group's ports, and web from 0.0.0.0/0, app from web, database from app. collection: the
    # seed's "0.0.0.0/0" and "your IP" for the bastion, kubernetes and monitoring ports narrowed to admin_cidrs
    # (README "Where the seed is weak"); the agents' ports from the VPC (security_groups_monitoring_vpc_ports),
    # the scrape ports from monitoring (security_groups_kubernetes_scrape_ports), 443 to the endpoints.
    expected = {
        "web": from_each([80, 443], ["0.0.0.0/0"]),
        "app": from_each([8080, 3000, 5000], ["web"]),
        "database": from_each([3306, 5432, 6379], ["app"]),
        "bastion": from_each([22], admin),
        "kubernetes": from_each([22, 8443, "30000-32767"], admin) | from_each([9100, 8080], ["monitoring"]),
        "monitoring": from_each([22, 3000, 5601, 9090, 9091, 16686], admin)
        | from_each([5044, 9091, 14268, 4317, 4318], ["10.0.0.0/16"]),
        "endpoints": from_each([443], ["10.0.0.0/16"]),
    }
    for purpose, rules in expected.items():
        assert ingress(groups[purpose], names) == rules, purpose
    open_to_world = [p for p, g in groups.items() if any(r[2] in ("0.0.0.0/0", "::/0") for r in ingress(g, names))]
    assert open_to_world == ["web"], "only the web tier may be open to the internet"
    return {purpose: group["GroupId"] for purpose, group in groups.items()}


# AWS: actions with no resource type in the Service Authorization Reference (their "Resource types" column is
# empty, https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html):
# the only ones allowed on "*".
UNSCOPABLE_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:ListMetrics",
    "tag:GetResources",
}
# seed §3 IAM: the Glue service, ECS task execution and ECS task roles; collection: the two hosts' roles
# (roles/iam/vars/main.yml, _iam_roles).
IAM_ROLES = {
    "glue-service": "glue.amazonaws.com",
    "ecs-task-execution": "ecs-tasks.amazonaws.com",
    "ecs-task": "ecs-tasks.amazonaws.com",
    "monitoring-host": "ec2.amazonaws.com",
    "kubernetes-host": "ec2.amazonaws.com",
}


def trust_condition(service: str, account: str) -> dict:
    """The condition each service's trust carries (collection: roles/iam/vars/main.yml, _iam_trust_conditions),
    bounded by the source keys AWS documents the service sets (tests/support/contract.py, SOURCE_KEYS): a
    StringEquals on a key the service does not send denies the service its own role
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount)."""
    return {
        # AWS: ECS documents aws:SourceAccount for task roles
        # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html).
        "ecs-tasks.amazonaws.com": {"StringEquals": {"aws:SourceAccount": account}},
        # AWS: Glue documents no source key (https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html):
        # the condition holds only when Glue sends one.
        "glue.amazonaws.com": {"StringEqualsIfExists": {"aws:SourceAccount": account}},
        # AWS: EC2 assumes an instance profile's role for the instance and documents no source key
        # (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html); a role cannot be
        # passed to another account's instance (iam:PassRole,
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html): no condition.
        "ec2.amazonaws.com": {},
    }[service]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def iam(aws, prefix: str = "dataeng-local", env: str = "local") -> dict:
    account = aws.sts.get_caller_identity()["Account"]
    buckets = {f"{prefix}-{kind}-{account}" for kind in ("data-lake", "glue-scripts", "glue-outputs")}
    policies = {}
    for suffix, service in IAM_ROLES.items():
        name = f"{prefix}-{suffix}"
        role = aws.iam.get_role(RoleName=name)["Role"]
        (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": service}, name
        assert trust["Action"] == "sts:AssumeRole"
        assert trust.get("Condition", {}) == trust_condition(service, account), name
        assert_identity_tags(role, env)

        (policy_name,) = aws.iam.list_role_policies(RoleName=name)["PolicyNames"]
        statements = aws.iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]["Statement"]
        for statement in statements:
            if "*" in as_list(statement["Resource"]):
                assert set(as_list(statement["Action"])) <= UNSCOPABLE_ACTIONS, (name, statement)
        policies[suffix] = statements

        attached = {p["PolicyName"] for p in aws.iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}
        profiles = aws.iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]
        if service == "ec2.amazonaws.com":
            # collection: Session Manager on the hosts (iam_ssm_for_hosts).
            assert attached == {"AmazonSSMManagedInstanceCore"}
            assert [p["InstanceProfileName"] for p in profiles] == [name]
        else:
            assert attached == set()
            assert profiles == []

    def resources(suffix: str) -> str:
        return " ".join(r for s in policies[suffix] for r in as_list(s["Resource"]))

    for bucket in buckets:
        assert f"arn:aws:s3:::{bucket}" in resources("glue-service")
    assert f":database/{env}_data_lake_catalog" in resources("glue-service")
    assert f":repository/{env}-*" in resources("ecs-task-execution")
    assert f":secret:{prefix}/*" in resources("ecs-task-execution")
    assert f"arn:aws:s3:::{prefix}-data-lake-{account}/raw/*" in resources("ecs-task")
    assert f":secret:{prefix}/grafana-*" in resources("monitoring-host")
    assert f":secret:{prefix}/argocd-*" in resources("kubernetes-host")
    return policies


# seed §4 S3 Data Lake: the three buckets and their folders.
BUCKETS = {
    "data-lake": ["raw/", "processed/", "curated/", "logs/"],
    "glue-scripts": ["scripts/", "temp/", "outputs/"],
    "glue-outputs": [],
}


def bucket_names(aws, prefix: str = "dataeng-local") -> dict[str, str]:
    return bucket_names_for(prefix, aws.sts.get_caller_identity()["Account"])


# collection (data_lake_encryption): SSE-KMS on the platform's key with an S3 Bucket Key, but the lake, which
# receives the S3 server access logs, keeps SSE-S3: S3 delivers them to no other default encryption
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
def bucket_encryption(aws, prefix: str = "dataeng-local") -> dict[str, dict]:
    key_arn = aws.kms.describe_key(KeyId=f"alias/{prefix}-secrets")["KeyMetadata"]["Arn"]
    platform_key = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}
    return {
        kind: (
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
            if kind == "data-lake"
            else {**platform_key, "BucketKeyEnabled": True}
        )
        for kind in BUCKETS
    }


def data_lake(aws, prefix: str = "dataeng-local", env: str = "local") -> dict[str, str]:
    names = bucket_names(aws, prefix)
    lake = names["data-lake"]
    encryption = bucket_encryption(aws, prefix)
    for kind, bucket in names.items():
        s3 = aws.s3
        # seed §4: versioning and encryption; collection: bucket_encryption above, and public access
        # blocked, ACLs disabled and access logged to the lake (README "Where the seed is weak", Buckets).
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled", bucket
        (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rule == encryption[kind], bucket
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == dict.fromkeys(
            ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"], True
        )
        (ownership,) = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
        assert ownership["ObjectOwnership"] == "BucketOwnerEnforced"
        assert_identity_tags({"Tags": s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}, env)
        logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
        assert logging == {"TargetBucket": lake, "TargetPrefix": f"logs/s3-access/{bucket}/"}
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
        assert keys >= set(BUCKETS[kind]), bucket

        # seed §4 asks for "lifecycle policies" and gives no figure; every figure below is the collection's.
        rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
        assert all(r["Status"] == "Enabled" for r in rules.values())
        assert (
            rules["housekeeping"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
        )  # data_lake_noncurrent_version_days
        assert (
            rules["housekeeping"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7
        )  # data_lake_abort_multipart_days
    lake_rules = {r["ID"]: r for r in aws.s3.get_bucket_lifecycle_configuration(Bucket=lake)["Rules"]}
    # collection: data_lake_raw_infrequent_access_days, at AWS's minimum of 30 days before STANDARD_IA
    # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html);
    # data_lake_log_retention_days.
    assert lake_rules["raw-to-infrequent-access"]["Transitions"] == [{"Days": 30, "StorageClass": "STANDARD_IA"}]
    assert lake_rules["expire-access-logs"]["Expiration"] == {"Days": 365}
    return names


def bucket_policies_are_tls_only(policies: dict, prefix: str, account: str) -> None:
    """The rendered bucket policies: every bucket refuses plain HTTP (collection, after AWS's S3 security best
    practices: https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html); log delivery may
    write the lake's logs/, from this account only (AWS: the logging service principal's policy,
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html)."""
    lake = f"{prefix}-data-lake-{account}"
    assert set(policies) == set(bucket_names_for(prefix, account).values())
    for bucket, policy in policies.items():
        statements = {s["Sid"]: s for s in policy["Statement"]}
        tls = statements["DenyInsecureTransport"]
        assert tls["Effect"] == "Deny"
        assert tls["Principal"] == "*"
        assert tls["Action"] == "s3:*"
        assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert set(tls["Resource"]) == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}
        if bucket == lake:
            delivery = statements["S3ServerAccessLogs"]
            assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
            assert delivery["Resource"] == f"arn:aws:s3:::{lake}/logs/*"
            assert delivery["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
        else:
            assert set(statements) == {"DenyInsecureTransport"}


def bucket_names_for(prefix: str, account: str) -> dict[str, str]:
    return {kind: f"{prefix}-{kind}-{account}" for kind in BUCKETS}


def ecr(aws, env: str = "local") -> dict[str, str]:
    repositories = {
        r["repositoryName"]: r
        for r in aws.ecr.describe_repositories()["repositories"]
        if r["repositoryName"].startswith(f"{env}-")
    }
    # seed §6 ECR: the three repositories, image scanning, encryption at rest (collection: AES256,
    # ecr_encryption_type) and "automatic cleanup of old images" with no figure: the lifecycle's 7 days and
    # 30 images are the collection's (ecr_untagged_image_days, ecr_tagged_images_kept).
    # collection: every tag immutable but "latest", which ecs_image_tag runs (ecr_image_tag_mutability), and the
    # registry scanning every push to any repository (ecr_registry_scan_on_push), with the free basic scanner.
    assert set(repositories) == {f"{env}-spark-apps", f"{env}-data-jobs", f"{env}-glue-jobs"}
    scanning = aws.ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    assert scanning == {
        "scanType": "BASIC",
        "rules": [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}],
    }, scanning
    for name, repository in repositories.items():
        assert repository["imageScanningConfiguration"]["scanOnPush"] is True, name
        assert repository["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION", name
        assert repository["imageTagMutabilityExclusionFilters"] == [{"filter": "latest", "filterType": "WILDCARD"}]
        assert repository["encryptionConfiguration"]["encryptionType"] == "AES256", name
        tags = aws.ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"]
        assert_identity_tags({"Tags": tags}, env)
        policy = json.loads(aws.ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])
        selections = [rule["selection"] for rule in policy["rules"]]
        assert {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7} in (
            selections
        )
        assert {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30} in selections
    return {name: repository["repositoryUri"] for name, repository in repositories.items()}


# seed §10 Secrets Manager: the secrets and their fields; 16-character passwords of letters, digits and specials.
# collection: which specials (roles/secrets/vars/main.yml, _secrets_specials).
SECRETS = {
    "mysql": {"username", "password", "host", "port", "database"},
    "redis": {"password", "host", "port"},
    "grafana": {"username", "password"},
    "argocd": {"username", "password"},
    "app": {"jwt_secret", "api_key", "encryption_key"},
}
GENERATED = {"password", "jwt_secret", "api_key", "encryption_key"}
SPECIALS = set("!#%+-.:=?_~")


# collection: the roles whose IAM policies read each secret (roles/iam), the only principals besides the
# deployer its resource policy admits (secrets_restrict_access).
SECRET_READERS = {
    "mysql": ("ecs-task-execution", "ecs-task"),
    "redis": ("ecs-task-execution", "ecs-task"),
    "grafana": ("ecs-task-execution", "ecs-task", "monitoring-host"),
    "argocd": ("ecs-task-execution", "ecs-task", "kubernetes-host"),
    "app": ("ecs-task-execution", "ecs-task"),
}


def secret_resource_policy(aws, secret_id: str) -> dict:
    """The secret's resource policy, {} when it has none."""
    return json.loads(aws.secretsmanager.get_resource_policy(SecretId=secret_id).get("ResourcePolicy") or "{}")


def secret_values(aws, prefix: str = "dataeng-local") -> dict[str, dict]:
    """The values of the platform's secrets that exist (and are not deleted)."""
    listed = aws.secretsmanager.list_secrets(Filters=[{"Key": "name", "Values": [f"{prefix}/"]}])["SecretList"]
    return {
        secret["Name"].removeprefix(f"{prefix}/"): json.loads(
            aws.secretsmanager.get_secret_value(SecretId=secret["ARN"])["SecretString"]
        )
        for secret in listed
        if "DeletedDate" not in secret
    }


def generated_values(values: dict[str, dict]) -> list[str]:
    return [value for fields in values.values() for key, value in fields.items() if key in GENERATED]


def regenerated_values(snapshots: list[dict[str, dict]]) -> list[str]:
    """Every generated value (`secret_values` snapshots, oldest first) that a later snapshot holds no more
    or holds changed, compared with the first snapshot that held it; named, never shown."""
    first: dict[tuple[str, str], tuple[int, str]] = {}
    found = []
    for index, snapshot in enumerate(snapshots):
        for (name, key), (since, value) in first.items():
            now = snapshot.get(name, {}).get(key)
            if now != value:
                what = "gone" if now is None else "changed"
                found.append(f"{name} {key}: {what} in snapshot {index}, set in {since}")
        for name, fields in snapshot.items():
            for key, value in fields.items():
                if key in GENERATED:
                    first.setdefault((name, key), (index, value))
    return found


def secrets(aws, prefix: str = "dataeng-local", env: str = "local") -> dict[str, dict]:
    (alias,) = [a for a in aws.kms.list_aliases()["Aliases"] if a["AliasName"] == f"alias/{prefix}-secrets"]
    key_id = alias["TargetKeyId"]
    key = aws.kms.describe_key(KeyId=key_id)["KeyMetadata"]
    # seed §10: KMS encryption; collection: a customer managed key, rotated (secrets role).
    assert key["KeyManager"] == "CUSTOMER"
    assert key["KeyState"] == "Enabled"
    assert aws.kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    assert_identity_tags(
        {
            "Tags": [
                {"Key": t["TagKey"], "Value": t["TagValue"]} for t in aws.kms.list_resource_tags(KeyId=key_id)["Tags"]
            ]
        },
        env,
    )

    values = secret_values(aws, prefix)
    deployer = aws.sts.get_caller_identity()["Arn"]
    for name, fields in SECRETS.items():
        described = aws.secretsmanager.describe_secret(SecretId=f"{prefix}/{name}")
        assert described["KmsKeyId"] in (key["Arn"], key_id, f"alias/{prefix}-secrets"), described["KmsKeyId"]
        assert_identity_tags(described, env)
        assert set(values[name]) == fields, name
        readers = [aws.iam.get_role(RoleName=f"{prefix}-{role}")["Role"]["Arn"] for role in SECRET_READERS[name]]
        assert secret_resource_policy(aws, f"{prefix}/{name}") == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyAllButItsReaders",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "secretsmanager:*",
                    "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:PrincipalArn": sorted({*readers, deployer})}},
                }
            ],
        }, name
    generated = generated_values(values)
    assert len(generated) == 7
    assert len(set(generated)) == len(generated), "every secret gets its own value"
    for value in generated:
        assert len(value) == 16
        assert any(c.islower() for c in value)
        assert any(c.isupper() for c in value)
        assert any(c.isdigit() for c in value)
        assert any(c in SPECIALS for c in value)
        assert set(value) <= SPECIALS | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    # seed §2 Security Groups: the MySQL and Redis ports.
    assert values["mysql"]["port"] == 3306
    assert values["redis"]["port"] == 6379
    return values


def pending_deletion(aws, arn: str) -> bool:
    """A resource AWS only schedules for deletion (a KMS key always, a secret unless forced) or keeps
    visible for a while once deleted (a terminated instance, an inactive ECS service)."""
    if ":kms:" in arn:
        return aws.kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    if ":ecs:" in arn and ":service/" in arn:
        cluster, service = arn.split(":service/")[1].split("/")
        found = aws.ecs.describe_services(cluster=cluster, services=[service])["services"]
        return all(s["status"] != "ACTIVE" for s in found)
    if ":ec2:" in arn and ":instance/" in arn:
        (reservation,) = aws.ec2.describe_instances(InstanceIds=[arn.split("/")[-1]])["Reservations"]
        return reservation["Instances"][0]["State"]["Name"] in ("shutting-down", "terminated")
    if ":secretsmanager:" in arn:
        try:
            return "DeletedDate" in aws.secretsmanager.describe_secret(SecretId=arn)
        except aws.secretsmanager.exceptions.ResourceNotFoundException:
            return True
    return False


GLUE_READERS = {
    "database": lambda glue, name: glue.get_database(Name=name),
    "crawler": lambda glue, name: glue.get_crawler(Name=name),
    "job": lambda glue, name: glue.get_job(JobName=name),
    "workflow": lambda glue, name: glue.get_workflow(Name=name),
    "trigger": lambda glue, name: glue.get_trigger(Name=name),
}


def glue_resource_gone(aws, arn: str) -> bool:
    """A Glue resource that no longer exists: moto keeps a deleted one's tags, so the tagging API still lists it."""
    kind, name = arn.split(":", 5)[5].split("/", 1)
    try:
        GLUE_READERS[kind](aws.glue, name)
    except aws.glue.exceptions.EntityNotFoundException:
        return True
    return False


def remaining_resources(aws, env: str = "local", prefix: str = "dataeng-local") -> list[str]:
    """The platform's resources that still exist and are not merely scheduled for deletion."""
    return [
        arn
        for arn in platform_resources(aws, env, prefix)
        if not pending_deletion(aws, arn) and not (":glue:" in arn and glue_resource_gone(aws, arn))
    ]


def ecs(aws, prefix: str = "dataeng-local", env: str = "local") -> dict:
    # seed §7 ECS: the cluster, its capacity providers and FARGATE_SPOT default, the two task sizes, the
    # service's desired count, private subnets and app group. AWS: Fargate takes awsvpc only
    # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html). collection: the
    # image tag (ecs_image_tag), the app secret's variables and the log group (roles/ecs/vars/main.yml).
    cluster_name = f"{env}-data-processing-cluster"
    (cluster,) = aws.ecs.describe_clusters(clusters=[cluster_name], include=["SETTINGS"])["clusters"]
    assert cluster["status"] == "ACTIVE"
    # collection: Container Insights (ecs_container_insights).
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enabled"}], cluster["settings"]
    assert sorted(cluster["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    assert cluster["defaultCapacityProviderStrategy"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]

    account = aws.sts.get_caller_identity()["Account"]
    sizes = {"data-processing": ("1024", "2048", "data-jobs"), "spark-job": ("2048", "4096", "spark-apps")}
    # collection: read-only root file systems, each writable path an empty volume of the task (ecs_*_scratch_paths).
    scratch = {
        "data-processing": {"tmp": "/tmp"},
        "spark-job": {"tmp": "/tmp", "opt-spark-work-dir": "/opt/spark/work-dir"},
    }
    definitions = {}
    for name, (cpu, memory, repository) in sizes.items():
        definition = aws.ecs.describe_task_definition(taskDefinition=f"{prefix}-{name}")["taskDefinition"]
        assert (definition["cpu"], definition["memory"]) == (cpu, memory), name
        assert definition["networkMode"] == "awsvpc"
        assert definition["requiresCompatibilities"] == ["FARGATE"]
        assert definition["executionRoleArn"].endswith(f":role/{prefix}-ecs-task-execution")
        assert definition["taskRoleArn"].endswith(f":role/{prefix}-ecs-task")
        (container,) = definition["containerDefinitions"]
        assert container["readonlyRootFilesystem"] is True, name
        assert {m["sourceVolume"]: m["containerPath"] for m in container["mountPoints"]} == scratch[name], name
        assert [volume["name"] for volume in definition["volumes"]] == list(scratch[name]), name
        assert container["image"] == f"{account}.dkr.ecr.us-east-2.amazonaws.com/{env}-{repository}:latest"
        environment = {e["name"]: e["value"] for e in container["environment"]}
        assert environment["DATA_LAKE_BUCKET"] == f"{prefix}-data-lake-{account}"
        assert environment["ENVIRONMENT"] == env
        secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        assert set(secrets) == {"JWT_SECRET", "API_KEY", "ENCRYPTION_KEY"}
        # The ARN Secrets Manager returned (with its random suffix), never one made from the name.
        app_secret = aws.secretsmanager.describe_secret(SecretId=f"{prefix}/app")["ARN"]
        assert secrets == {name: f"{app_secret}:{name.lower()}::" for name in secrets}, secrets
        logging = container["logConfiguration"]
        assert logging["logDriver"] == "awslogs"
        assert logging["options"]["awslogs-group"] == f"/ecs/{prefix}"
        definitions[name] = definition
    # collection (ecs_log_encryption): the tasks' logs encrypted with the platform's key
    # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
    (log_group,) = aws.logs.describe_log_groups(logGroupNamePrefix=f"/ecs/{prefix}")["logGroups"]
    key = aws.kms.describe_key(KeyId=f"alias/{prefix}-secrets")["KeyMetadata"]
    assert log_group.get("kmsKeyId") == key["Arn"], log_group

    (service,) = aws.ecs.describe_services(cluster=cluster_name, services=[f"{prefix}-data-processing"])["services"]
    assert service["status"] == "ACTIVE"
    assert service["desiredCount"] == 0
    assert service["taskDefinition"] == definitions["data-processing"]["taskDefinitionArn"]
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    private = {s["SubnetId"] for s in network_subnets(aws, prefix, "private")}
    assert set(network["subnets"]) == private
    assert network["assignPublicIp"] == "DISABLED"
    (group,) = network["securityGroups"]
    assert aws.ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["GroupName"] == f"{prefix}-app"
    # No launch type or strategy of its own: the service runs on the cluster's default, Fargate Spot.
    assert not service.get("capacityProviderStrategy")
    return {"cluster": cluster, "service": service}


def network_subnets(aws, prefix: str, tier: str) -> list[dict]:
    vpc = platform_vpc(aws, prefix)
    return aws.ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "tag:Tier", "Values": [tier]}]
    )["Subnets"]


def instances(aws, prefix: str = "dataeng-local", env: str = "local") -> dict[str, dict]:
    """The two hosts. seed §8: t3.small, 20 GB gp3 encrypted, a public subnet. collection: the newest Debian 13
    image (instances_ami_name, in place of the seed's Amazon Linux 2), one host per zone, IMDSv2
    with hop limit 2 (instances_metadata_hop_limit), standard CPU credits (instances_cpu_credits)."""
    running = aws.ec2.describe_instances(
        Filters=[
            {"Name": "tag:Environment", "Values": [env]},
            {"Name": "tag:Project", "Values": ["dataeng"]},
            {"Name": "instance-state-name", "Values": ["pending", "running"]},
        ]
    )["Reservations"]
    hosts = {tags(host)["Role"]: host for reservation in running for host in reservation["Instances"]}
    assert sorted(hosts) == ["kubernetes", "monitoring"], f"expected one host per role, found {sorted(hosts)}"
    assert len([host for reservation in running for host in reservation["Instances"]]) == 2, "duplicate hosts"

    debian = aws.ec2.describe_images(
        Owners=["136693071363"],
        Filters=[
            {"Name": "name", "Values": ["debian-13-amd64-*"]},
            {"Name": "architecture", "Values": ["x86_64"]},
            {"Name": "state", "Values": ["available"]},
        ],
    )["Images"]
    newest = max(debian, key=lambda image: image["CreationDate"])
    public = {s["SubnetId"]: s["AvailabilityZone"] for s in network_subnets(aws, prefix, "public")}
    key_pairs = aws.ec2.describe_key_pairs(KeyNames=[f"{prefix}-admin"])["KeyPairs"]
    assert len(key_pairs) == 1
    # collection: EBS encryption by default, account-wide (instances_ebs_encryption_by_default).
    assert aws.ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True

    for role, host in hosts.items():
        assert_identity_tags(host, env)
        assert tags(host)["Name"] == f"{prefix}-{role}"
        assert host["InstanceType"] == "t3.small"
        assert host["ImageId"] == newest["ImageId"], (role, host["ImageId"], newest["Name"])
        assert host["KeyName"] == f"{prefix}-admin"
        assert host["SubnetId"] in public
        assert host.get("PublicIpAddress"), f"{role} has no public address"
        (group,) = host["SecurityGroups"]
        assert group["GroupName"] == f"{prefix}-{role}"
        assert host["IamInstanceProfile"]["Arn"].endswith(f":instance-profile/{prefix}-{role}-host")
        metadata = host["MetadataOptions"]
        assert (metadata["HttpTokens"], metadata["HttpEndpoint"], metadata["HttpPutResponseHopLimit"]) == (
            "required",
            "enabled",
            2,
        ), metadata
        (root,) = host["BlockDeviceMappings"]
        assert root["DeviceName"] == newest["RootDeviceName"]
        assert root["Ebs"]["DeleteOnTermination"] is True
        (volume,) = aws.ec2.describe_volumes(VolumeIds=[root["Ebs"]["VolumeId"]])["Volumes"]
        assert (volume["Size"], volume["VolumeType"], volume["Encrypted"]) == (20, "gp3", True), volume
        (credits,) = aws.ec2.describe_instance_credit_specifications(InstanceIds=[host["InstanceId"]])[
            "InstanceCreditSpecifications"
        ]
        assert credits["CpuCredits"] == "standard"
    # One host per availability zone.
    assert {public[host["SubnetId"]] for host in hosts.values()} == set(public.values())
    return hosts


def glue_encryption(aws, prefix: str = "dataeng-local") -> str:
    """The security configuration the jobs and crawlers name. collection (glue_encryption): S3 output, CloudWatch
    logs and job bookmarks encrypted with the platform's key
    (https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html), which lets CloudWatch
    Logs use it for Glue's log groups only (https://docs.aws.amazon.com/glue/latest/dg/set-up-encryption.html)."""
    key = aws.kms.describe_key(KeyId=f"alias/{prefix}-secrets")["KeyMetadata"]
    name = f"{prefix}-glue-kms"
    encryption = aws.glue.get_security_configuration(Name=name)["SecurityConfiguration"]["EncryptionConfiguration"]
    assert encryption == {
        "S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": key["Arn"]}],
        "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": key["Arn"]},
        "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": key["Arn"]},
    }
    policy = json.loads(aws.kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    account = key["AWSAccountId"]
    logs_service = {"Service": "logs.us-east-2.amazonaws.com"}
    (logs,) = [statement for statement in policy["Statement"] if statement.get("Principal") == logs_service]
    log_group = f"arn:aws:logs:us-east-2:{account}:log-group:"
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": [f"{log_group}/aws-glue/*", f"{log_group}/ecs/{prefix}"]}
    }
    return name


def glue(aws, prefix: str = "dataeng-local", env: str = "local") -> dict:
    """The pipeline. seed §5 Glue: the catalog, on-demand crawlers of raw/ and processed/, the two jobs (60 and
    30 minutes, Python 3, 2 DPU at most), the workflow, processing then quality. collection: 2 DPU as two G.1X
    workers (glue_worker_type, glue_number_of_workers; a G.1X worker is 1 DPU,
    https://docs.aws.amazon.com/glue/latest/dg/add-job.html), the scripts uploaded as shipped, the events
    dataset (glue_datasets)."""
    account = aws.sts.get_caller_identity()["Account"]
    lake, scripts = f"{prefix}-data-lake-{account}", f"{prefix}-glue-scripts-{account}"
    role = f"{prefix}-glue-service"

    def glue_tags(kind: str, name: str) -> dict:
        return aws.glue.get_tags(ResourceArn=f"arn:aws:glue:us-east-2:{account}:{kind}/{name}")["Tags"]

    def assert_platform_tags(kind: str, name: str) -> None:
        assert glue_tags(kind, name).items() >= {**IDENTITY_TAGS, "Environment": env}.items(), (kind, name)

    database = aws.glue.get_database(Name=f"{env}_data_lake_catalog")["Database"]
    assert database["LocationUri"] == f"s3://{lake}/"
    assert_platform_tags("database", database["Name"])

    security_configuration = glue_encryption(aws, prefix)
    for zone in ("raw", "processed"):
        crawler = aws.glue.get_crawler(Name=f"{prefix}-{zone}")["Crawler"]
        assert crawler.get("CrawlerSecurityConfiguration") == security_configuration, zone
        assert crawler["DatabaseName"] == database["Name"]
        assert crawler["Role"] == role
        assert [target["Path"] for target in crawler["Targets"]["S3Targets"]] == [f"s3://{lake}/{zone}/"]
        assert "Schedule" not in crawler, f"the {zone} crawler is scheduled; the seed runs it on demand"
        assert_platform_tags("crawler", crawler["Name"])

    repository = Path(__file__).resolve().parents[2]
    jobs = {}
    for name, script, timeout in (
        ("data-processing", "data_processing.py", 60),
        ("data-quality", "data_quality.py", 30),
    ):
        job = aws.glue.get_job(JobName=f"{prefix}-{name}")["Job"]
        assert job["Timeout"] == timeout, name
        assert job.get("SecurityConfiguration") == security_configuration, name
        assert (job["WorkerType"], job["NumberOfWorkers"]) == ("G.1X", 2), "2 DPU at most"
        assert job["Command"]["Name"] == "glueetl"
        assert job["Command"]["PythonVersion"] == "3"
        assert job["Command"]["ScriptLocation"] == f"s3://{scripts}/scripts/{script}"
        uploaded = aws.s3.get_object(Bucket=scripts, Key=f"scripts/{script}")["Body"].read()
        assert uploaded == (repository / "roles" / "glue" / "files" / script).read_bytes(), script
        assert job["DefaultArguments"]["--TempDir"] == f"s3://{scripts}/temp/"
        assert job["DefaultArguments"]["--extra-py-files"] == f"s3://{scripts}/scripts/job_arguments.py"
        assert_platform_tags("job", job["Name"])
        jobs[name] = job
    library = aws.s3.get_object(Bucket=scripts, Key="scripts/job_arguments.py")["Body"].read()
    assert library == (repository / "roles" / "glue" / "files" / "job_arguments.py").read_bytes()
    assert jobs["data-processing"]["DefaultArguments"]["--source_path"] == f"s3://{lake}/raw/"
    assert jobs["data-processing"]["DefaultArguments"]["--target_path"] == f"s3://{lake}/processed/"
    assert jobs["data-quality"]["DefaultArguments"]["--report_path"] == f"s3://{prefix}-glue-outputs-{account}/quality/"

    workflow = f"{prefix}-data-pipeline"
    assert workflow in aws.glue.list_workflows()["Workflows"]
    assert_platform_tags("workflow", workflow)
    start = aws.glue.get_trigger(Name=f"{prefix}-start-processing")["Trigger"]
    assert (start["Type"], start["WorkflowName"]) == ("ON_DEMAND", workflow)
    assert [action["JobName"] for action in start["Actions"]] == [f"{prefix}-data-processing"]
    assert start["Actions"][0]["Arguments"]["--dataset"] == "events"
    quality = aws.glue.get_trigger(Name=f"{prefix}-quality-after-processing")["Trigger"]
    assert (quality["Type"], quality["WorkflowName"], quality["State"]) == ("CONDITIONAL", workflow, "ACTIVATED")
    (condition,) = quality["Predicate"]["Conditions"]
    assert (condition["JobName"], condition["State"]) == (f"{prefix}-data-processing", "SUCCEEDED")
    assert [action["JobName"] for action in quality["Actions"]] == [f"{prefix}-data-quality"]
    assert quality["Actions"][0]["Arguments"]["--source_path"] == f"s3://{lake}/processed/events/"
    return {"database": database, "jobs": jobs, "triggers": {"start": start, "quality": quality}}
