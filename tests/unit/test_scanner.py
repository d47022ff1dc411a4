"""What the scanner test (tests/integration/test_scanner.py) makes of Prowler's findings, on hand-made
json-ocsf documents: how findings are keyed across emulators, the baseline subtracted, the severities
enforced, an exception that mutes nothing reported, and the mutelist matched as Prowler matches it."""

from __future__ import annotations

import pytest

from support import scanner

ACCOUNT = "123456789012"
BUCKET = f"arn:aws:s3:::dataeng-local-data-lake-{ACCOUNT}"
TRAIL = f"arn:aws:cloudtrail:us-east-2:{ACCOUNT}:trail"
REPOSITORY = f"arn:aws:ecr:us-east-2:{ACCOUNT}:repository/local-spark-apps"
EC2 = f"arn:aws:ec2:us-east-2:{ACCOUNT}"


def ocsf(check: str, resource: str, status: str = "FAIL", severity: str = "High", muted: bool = False) -> dict:
    """One finding as Prowler's json-ocsf output writes it (the fields the test reads); the resource's id is
    the last part of its ARN, as for buckets, instances and keys."""
    return {
        "metadata": {"event_code": check},
        "resources": [{"uid": resource, "name": resource.rpartition(":")[2].rpartition("/")[2], "region": "us-east-2"}],
        "cloud": {"region": "us-east-2"},
        "status_code": status,
        "status": "Suppressed" if muted else "New",
        "severity": severity,
        "status_detail": f"{check} on {resource}",
    }


def findings(*entries: dict) -> list[scanner.Finding]:
    return scanner.parse(list(entries))


def test_a_finding_is_read_from_its_ocsf_document():
    (finding,) = findings(ocsf("s3_bucket_kms_encryption", BUCKET, severity="Medium", muted=True))
    assert finding == scanner.Finding(
        "s3_bucket_kms_encryption",
        BUCKET,
        "dataeng-local-data-lake-123456789012",
        "us-east-2",
        "FAIL",
        "Medium",
        f"s3_bucket_kms_encryption on {BUCKET}",
        muted=True,
    )


def test_the_emulators_own_snapshots_match_across_emulators_whatever_their_random_ids():
    here = findings(ocsf("ec2_ebs_snapshots_encrypted", f"{EC2}:snapshot/snap-3d0fde83a817f8714"))
    there = findings(ocsf("ec2_ebs_snapshots_encrypted", f"{EC2}:snapshot/snap-8f9efbadcbeb3"))
    assert scanner.subtract_baseline(here, there) == []
    # Any other id is the resource's own: a security group of the platform is not the empty account's.
    group = findings(ocsf("ec2_securitygroup_default_restrict_traffic", f"{EC2}:security-group/sg-1"))
    other = findings(ocsf("ec2_securitygroup_default_restrict_traffic", f"{EC2}:security-group/sg-2"))
    assert scanner.subtract_baseline(group, other) == group


def test_what_an_empty_account_fails_as_well_is_subtracted_and_nothing_else():
    baseline = findings(ocsf("cloudtrail_multi_region_enabled", TRAIL), ocsf("s3_bucket_no_mfa_delete", BUCKET, "PASS"))
    scanned = findings(
        ocsf("cloudtrail_multi_region_enabled", TRAIL),
        # Passes in the empty account, fails here: the platform's doing.
        ocsf("s3_bucket_no_mfa_delete", BUCKET, severity="Medium"),
        ocsf("s3_bucket_kms_encryption", BUCKET, severity="Medium"),
    )
    assert [finding.check for finding in scanner.subtract_baseline(scanned, baseline)] == [
        "s3_bucket_no_mfa_delete",
        "s3_bucket_kms_encryption",
    ]


@pytest.mark.parametrize(
    ("status", "severity", "muted", "enforced"),
    [
        ("FAIL", "Critical", False, True),
        ("FAIL", "High", False, True),
        ("FAIL", "Medium", False, True),
        ("FAIL", "Low", False, False),
        ("FAIL", "Informational", False, False),
        ("PASS", "High", False, False),
        ("MANUAL", "High", False, False),
        ("FAIL", "High", True, False),
    ],
)
def test_only_an_unmuted_critical_high_or_medium_fail_is_open(status, severity, muted, enforced):
    scanned = findings(ocsf("s3_bucket_kms_encryption", BUCKET, status, severity, muted))
    assert scanner.open_findings(scanned, baseline=[]) == (scanned if enforced else [])


def mutelist(tmp_path, checks: str) -> list[scanner.Entry]:
    path = tmp_path / "mutelist.yaml"
    path.write_text(f'Mutelist:\n  Accounts:\n    "*":\n      Checks:\n{checks}')
    return scanner.load_mutelist(path)


def test_each_resource_of_a_check_is_one_exception(tmp_path):
    entries = mutelist(
        tmp_path,
        """        secretsmanager_automatic_rotation_enabled:
          Regions: ["*"]
          Resources:
            - "dataeng-local/grafana"   # Grafana reads it once, at start
            - "dataeng-local/mysql"
""",
    )
    assert entries == [
        scanner.Entry("secretsmanager_automatic_rotation_enabled", "dataeng-local/grafana", ("*",)),
        scanner.Entry("secretsmanager_automatic_rotation_enabled", "dataeng-local/mysql", ("*",)),
    ]


def test_an_exception_that_mutes_no_platform_fail_is_stale(tmp_path):
    entries = mutelist(
        tmp_path,
        """        s3_bucket_*:
          Regions: ["*"]
          Resources: ["dataeng-local-data-lake-*"]
        cloudtrail_multi_region_enabled:
          Regions: ["*"]
          Resources: ["*"]
        ecr_repositories_tag_immutability:
          Regions: ["*"]
          Resources: ["local-spark-apps"]
""",
    )
    baseline = findings(ocsf("cloudtrail_multi_region_enabled", TRAIL))
    scanned = findings(
        ocsf("cloudtrail_multi_region_enabled", TRAIL),
        ocsf("s3_bucket_kms_encryption", BUCKET, severity="Medium", muted=True),
        # Fixed: it passes now.
        ocsf(
            "ecr_repositories_tag_immutability", f"arn:aws:ecr:us-east-2:{ACCOUNT}:repository/local-spark-apps", "PASS"
        ),
    )
    stale = scanner.stale_entries(entries, scanned, baseline)
    # The trail's exception mutes only what the baseline already subtracts; the registry's, a PASS.
    assert [entry.check for entry in stale] == ["cloudtrail_multi_region_enabled", "ecr_repositories_tag_immutability"]


@pytest.mark.parametrize(
    ("check", "resource", "region", "muted"),
    [
        ("s3_bucket_kms_encryption", "dataeng-local-data-lake-", "*", True),
        ("s3_bucket_*", "data-lake", "us-east-2", True),
        ("*", "*", "*", True),
        ("s3_bucket_kms_encryption", "glue-scripts", "*", False),
        ("s3_bucket_no_mfa_delete", "*", "*", False),
        ("s3_bucket_kms_encryption", "*", "eu-west-1", False),
        # Prowler matches the resource's id, not its ARN.
        ("s3_bucket_kms_encryption", "arn:aws:s3:::dataeng", "*", False),
    ],
)
def test_an_exception_matches_as_prowlers_mutelist_does(check, resource, region, muted):
    (finding,) = findings(ocsf("s3_bucket_kms_encryption", BUCKET))
    assert scanner.matches(scanner.Entry(check, resource, (region,)), finding) is muted


def test_a_mutelist_shape_the_test_cannot_read_is_refused(tmp_path):
    with pytest.raises(ValueError, match="Exceptions"):
        mutelist(
            tmp_path,
            """        s3_bucket_kms_encryption:
          Regions: ["*"]
          Resources: ["*"]
          Exceptions: {Resources: ["glue-scripts"]}
""",
        )


def test_fails_are_counted_by_severity():
    scanned = findings(
        ocsf("a", BUCKET, severity="High"),
        ocsf("b", BUCKET, severity="High"),
        ocsf("c", BUCKET, severity="Low"),
        ocsf("d", BUCKET, "PASS", "Critical"),
    )
    assert scanner.counts(scanned) == {"Critical": 0, "High": 2, "Medium": 0, "Low": 1, "Informational": 0}
