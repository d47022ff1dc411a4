"""The converged account as an established scanner judges it (Prowler, support/scanner.py): the reference
scenario's live account (tests/support/converges.py, not converged again) is scanned, an empty emulator's
scan (the baseline, started with the converges) subtracted, and what remains must be fixed or listed with
its reason in docs/prowler-mutelist.yaml; a listed exception must still mute something.

The decisions (keying, baseline, severities, staleness) are unit-tested in tests/unit/test_scanner.py on
hand-made findings; which of the hand-written audit's rules the scanner took over is in support/audit.py.
"""

from __future__ import annotations

import pytest

from support import scanner

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scans(converges, baseline_scan, tmp_path_factory) -> tuple[list, list]:
    """(the reference account's findings, the baseline's)."""
    if baseline_scan is None:
        pytest.fail(f"no scanner in {scanner.SCANNER_VENV}: `make scanner` installs it")
    reference = converges["reference"]
    scan = scanner.Scan(
        reference.aws.environment(),
        scanner.inventory_region(),
        tmp_path_factory.mktemp("scan"),
        own_ids=scanner.emulator_own_ids(reference.aws),
    ).start()
    try:
        findings = scan.findings()
    finally:
        scan.stop()
    baseline = baseline_scan.findings()
    for name, done in (("reference", scan), ("baseline", baseline_scan)):
        print(f"scan of the {name}: {done.usage.wall_seconds:.0f} s wall, {done.usage.cpu_seconds:.0f} s CPU")
    return findings, baseline


def test_the_scanner_finds_nothing_the_platform_has_not_fixed_or_excused(scans):
    findings, baseline = scans
    assert findings, "the scan found nothing at all: it did not reach the emulator"
    assert baseline, "the baseline scan found nothing at all: it did not reach its emulator"
    opened = scanner.open_findings(findings, baseline)
    assert opened == [], "open findings (fix them or add each to docs/prowler-mutelist.yaml with its reason):\n" + (
        "\n".join(f"  {finding}" for finding in opened)
    )


def test_every_exception_still_mutes_a_finding(scans):
    findings, baseline = scans
    stale = scanner.stale_entries(scanner.load_mutelist(), findings, baseline)
    assert stale == [], "exceptions that mute nothing (remove them from docs/prowler-mutelist.yaml):\n" + (
        "\n".join(f"  {entry.check} {entry.resource}" for entry in stale)
    )


def test_the_mutelist_mutes_what_the_test_reads_it_to_mute(scans):
    """The staleness check reads the mutelist itself: it must decide as Prowler did on every finding."""
    findings = scans[0]
    entries = scanner.load_mutelist()
    assert entries
    read = {finding for finding in findings if any(scanner.matches(entry, finding) for entry in entries)}
    assert read == {finding for finding in findings if finding.muted}
