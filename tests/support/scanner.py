"""The account as an established scanner judges it: Prowler (pinned in requirements-scanner.txt, installed
by `make scanner` into its own virtualenv) run against an emulator, its findings read back.

What counts is what the platform adds: a finding an EMPTY emulator shows as well (the baseline: no CloudTrail,
GuardDuty, password policy, the emulator's own AMI snapshots...) is the account's or the emulator's, not the
platform's, and is subtracted. What remains is either fixed or listed, with its reason, in
docs/prowler-mutelist.yaml, in Prowler's own mutelist format (Prowler is handed it with --mutelist-file, so a
scan by hand shows the same). `open_findings` is what the test fails on; `stale_entries` the exceptions that
no longer mute anything.

Which checks run: those of the services the platform creates resources in (SERVICES), not all of Prowler's.
Measured on an empty emulator (Prowler 5.46.0, 2 cores shared with other test runs): all checks took
15.1 min of wall time and 47 s of CPU, these services 6.3 min and 31 s (unloaded: about 3.5 min for all,
1 to 3 for these);
the wall time is mostly waiting on the retries of services the emulator lacks. On the converged account,
every check finds, beyond the baseline, only one finding the service list misses (networkfirewall_in_all_vpc,
so networkfirewall is in the list; dlm is, for the hosts' snapshot policy). The other services'
checks judge the account (CloudTrail, GuardDuty, Config, Security Hub, Organizations, Macie, Bedrock,
SSM Incidents, FMS, the account's contacts), which the platform does not manage and an empty account fails
the same, so they would only ever land in the baseline.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from support.aws import Aws

REPO = Path(__file__).resolve().parents[2]
SCANNER_VENV = Path(os.environ.get("SCANNER_VENV", REPO / ".scanner-venv"))
MUTELIST = REPO / "docs" / "prowler-mutelist.yaml"
INVENTORY_VARIABLES = REPO / "inventories" / "local" / "group_vars" / "all.yml"
SERVICES = (
    "ec2",
    "vpc",
    "s3",
    "iam",
    "glue",
    "ecr",
    "ecs",
    "secretsmanager",
    "kms",
    "cloudwatch",
    "backup",
    "ssm",
    "dlm",
    "networkfirewall",
)
# What the test fails on: a FAIL of these severities (Low and Informational are reported, not enforced).
ENFORCED_SEVERITIES = ("Critical", "High", "Medium")
# Ids the emulator draws at random for what it creates by itself in every account (its AMIs' snapshots):
# the baseline's and the scanned account's differ, so both are keyed by what the id stands for.
RANDOM_IDS = re.compile(r"snap-[0-9a-f]+")


@dataclass(frozen=True)
class Finding:
    check: str
    # The resource's ARN (OCSF resources[0].uid), which keys a finding, and its id (resources[0].name:
    # a name, an instance or key id), which is what Prowler's mutelist matches (AWSMutelist.is_finding_muted).
    resource: str
    resource_id: str
    region: str
    status: str
    severity: str
    detail: str
    # Muted by an entry of the mutelist (Prowler reports it as OCSF status "Suppressed").
    muted: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.check, RANDOM_IDS.sub("snap-*", self.resource))

    @property
    def enforced(self) -> bool:
        return self.status == "FAIL" and self.severity in ENFORCED_SEVERITIES

    def __str__(self) -> str:
        return f"{self.severity} {self.check} {self.resource}: {self.detail}"


def parse(document: list[dict]) -> list[Finding]:
    """The findings of a json-ocsf report."""
    return [
        Finding(
            check=entry["metadata"]["event_code"],
            resource=entry["resources"][0]["uid"],
            resource_id=entry["resources"][0]["name"],
            region=entry["resources"][0].get("region") or entry["cloud"]["region"],
            status=entry["status_code"],
            severity=entry["severity"],
            detail=entry.get("status_detail", ""),
            muted=entry.get("status") == "Suppressed",
        )
        for entry in document
    ]


@dataclass
class Usage:
    wall_seconds: float
    cpu_seconds: float


def installed() -> bool:
    return (SCANNER_VENV / "bin" / "prowler").exists()


def inventory_region() -> str:
    """The region the local inventory converges into, the only one scanned."""
    return yaml.safe_load(INVENTORY_VARIABLES.read_text())["aws_region"]


def emulator_own_ids(aws: Aws) -> dict[str, str]:
    """What the emulator makes by itself in every account, by id, and what it stands for: the default VPC and what
    AWS puts in it (its network ACL, security groups, subnets). Two emulators draw different ids for these, so a
    baseline finding on one is matched by what the id stands for."""
    own = {}
    for vpc in aws.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
        in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        own[vpc["VpcId"]] = "default-vpc"
        for acl in aws.ec2.describe_network_acls(Filters=in_vpc)["NetworkAcls"]:
            own[acl["NetworkAclId"]] = "default-vpc-acl"
        for group in aws.ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]:
            own[group["GroupId"]] = f"default-vpc-sg-{group['GroupName']}"
        for subnet in aws.ec2.describe_subnets(Filters=in_vpc)["Subnets"]:
            own[subnet["SubnetId"]] = f"default-vpc-subnet-{subnet['AvailabilityZone']}"
    return own


class Scan:
    """One Prowler run in the background (a scan mostly waits on the emulator): `start`, then `findings`, whose
    ARNs name the emulator's own resources (`own_ids`, emulator_own_ids) by what they stand for.

    `environment` points Prowler's boto3 at the emulator (Aws.environment). Not S3 Control: its endpoint rules put
    the account id in front of any endpoint's host (123456789012.127.0.0.1), which reaches nothing, so the
    account-level S3 checks (s3_account_level_public_access_blocks, access points) report nothing here."""

    def __init__(
        self,
        environment: dict[str, str],
        region: str,
        output_dir: Path,
        mutelist: Path | None = MUTELIST,
        own_ids: dict[str, str] | None = None,
    ):
        self.own_ids = own_ids or {}
        self.output_dir = output_dir
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.command = [
            str(SCANNER_VENV / "bin" / "prowler"),
            "aws",
            "--region",
            region,
            "--services",
            *SERVICES,
            "--output-formats",
            "json-ocsf",
            "--output-directory",
            str(output_dir),
            "--output-filename",
            "scan",
            "--no-banner",
            "--log-level",
            "ERROR",
            "--log-file",
            str(output_dir / "prowler.log"),
            *(["--mutelist-file", str(mutelist)] if mutelist else []),
        ]
        self.environment = {**os.environ, **environment, "AWS_DEFAULT_REGION": region}
        self.process: subprocess.Popen | None = None
        self.usage: Usage | None = None
        self.waiter: threading.Thread | None = None

    def start(self) -> Scan:
        if not installed():
            raise FileNotFoundError(f"no scanner in {SCANNER_VENV}: run `make scanner`")
        self.started = time.monotonic()
        with (self.output_dir / "prowler.out").open("w") as output:
            self.process = subprocess.Popen(self.command, env=self.environment, stdout=output, stderr=subprocess.STDOUT)
        # Reaped as soon as it ends, so that its wall time is its own, not until someone asks for its findings.
        self.waiter = threading.Thread(target=self._reap, daemon=True)
        self.waiter.start()
        return self

    def _reap(self) -> None:
        status, rusage = os.wait4(self.process.pid, 0)[1:]
        self.usage = Usage(time.monotonic() - self.started, rusage.ru_utime + rusage.ru_stime)
        self.process.returncode = os.waitstatus_to_exitcode(status)

    def findings(self) -> list[Finding]:
        """Waits for the scan; its findings. Prowler exits 3 when it found a FAIL, which is no error here."""
        self.waiter.join()
        report = self.output_dir / "scan.ocsf.json"
        if self.process.returncode not in (0, 3) or not report.exists():
            output = (self.output_dir / "prowler.out").read_text()[-3000:]
            raise RuntimeError(f"{' '.join(self.command)} exited {self.process.returncode}:\n{output}")
        return [self._stable(finding) for finding in parse(json.loads(report.read_text()))]

    def _stable(self, finding: Finding) -> Finding:
        resource = finding.resource
        for own_id, stands_for in self.own_ids.items():
            resource = resource.replace(own_id, stands_for)
        return dataclasses.replace(finding, resource=resource)

    def stop(self) -> None:
        """Ends a scan nobody waits for any more (the test failed before reading it)."""
        if self.waiter and self.waiter.is_alive():
            self.process.kill()
            self.waiter.join()


# The mutelist: one account ("*"), each check's Resources one accepted finding or emulator artifact each.


@dataclass(frozen=True)
class Entry:
    check: str
    resource: str
    regions: tuple[str, ...]


def load_mutelist(path: Path = MUTELIST) -> list[Entry]:
    """Its entries, one per (check, resource pattern); only the shape this project writes (no Tags, no
    Exceptions, no per-account lists), so that `matches` decides as Prowler does."""
    mutelist = yaml.safe_load(path.read_text())["Mutelist"]
    accounts = mutelist["Accounts"]
    if set(accounts) != {"*"}:
        raise ValueError(f"{path}: only the account '*' is supported, not {sorted(accounts)}")
    entries = []
    for check, rule in accounts["*"]["Checks"].items():
        unsupported = set(rule) - {"Regions", "Resources", "Description"}
        if unsupported:
            raise ValueError(f"{path}: {check} has {sorted(unsupported)}, which this test does not read")
        entries += [Entry(check, resource, tuple(rule["Regions"])) for resource in rule["Resources"]]
    return entries


def _matched(pattern: str, value: str) -> bool:
    # Prowler's Mutelist.is_item_matched: each '*' becomes '.*' and the pattern is searched, not anchored.
    return re.search(pattern.replace("*", ".*"), value) is not None


def matches(entry: Entry, finding: Finding) -> bool:
    return (
        (entry.check == "*" or entry.check == finding.check or _matched(entry.check, finding.check))
        and any(_matched(region, finding.region) for region in entry.regions)
        and _matched(entry.resource, finding.resource_id)
    )


def subtract_baseline(findings: Iterable[Finding], baseline: Iterable[Finding]) -> list[Finding]:
    """The findings that do not fail in an empty account as well (a check that passes there and fails here
    fails because of what the platform did)."""
    failing_in_baseline = {finding.key for finding in baseline if finding.status == "FAIL"}
    return [finding for finding in findings if finding.key not in failing_in_baseline]


def open_findings(findings: Iterable[Finding], baseline: Iterable[Finding]) -> list[Finding]:
    """What the test fails on: a Critical, High or Medium FAIL that is neither in the baseline nor muted."""
    return sorted(
        (finding for finding in subtract_baseline(findings, baseline) if finding.enforced and not finding.muted),
        key=lambda finding: finding.key,
    )


def stale_entries(entries: Iterable[Entry], findings: Iterable[Finding], baseline: Iterable[Finding]) -> list[Entry]:
    """Exceptions that mute no FAIL the platform causes: what they excused is fixed, renamed, or was the
    baseline's all along."""
    failing = [finding for finding in subtract_baseline(findings, baseline) if finding.status == "FAIL"]
    return [entry for entry in entries if not any(matches(entry, finding) for finding in failing)]


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """FAIL findings by severity, most severe first."""
    severities = ("Critical", "High", "Medium", "Low", "Informational")
    failing = [finding.severity for finding in findings if finding.status == "FAIL"]
    return {severity: failing.count(severity) for severity in severities}
