# Copyright: (c) 2026, dataeng.platform contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What both Glue jobs of the pipeline read the same way: their arguments and the dataset schema.

Shipped next to the job scripts: the glue role uploads it to the scripts bucket and names it
in each job's ``--extra-py-files``, so ``import job_arguments`` works on AWS Glue 5.0 as it
does locally, where the scripts' own folder is on the import path.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass

try:
    from awsglue.utils import getResolvedOptions
except ImportError:
    getResolvedOptions = None

# The column types a dataset schema may declare (Spark SQL's names for them differ per job).
COLUMN_TYPES = ("string", "int", "long", "double", "boolean", "date", "timestamp")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    nullable: bool = True


def parse_arguments(
    script: str,
    argv: Sequence[str],
    required: Sequence[str],
    optional: dict[str, str],
    always: Sequence[str] = (),
) -> dict[str, str]:
    """Job arguments by name, optional ones defaulted; Glue's own (--JOB_ID, --TempDir, ...) are ignored.

    `always` names arguments Glue may pass that the job reads when present (e.g. JOB_RUN_ID).
    """
    if getResolvedOptions is not None:
        # getResolvedOptions makes every name it is given required, and skips argv[0].
        present = [name for name in [*optional, *always] if f"--{name}" in argv]
        resolved = getResolvedOptions([script, *argv], [*required, *present])
    else:
        parser = argparse.ArgumentParser(prog=script, allow_abbrev=False)
        for name in required:
            parser.add_argument(f"--{name}", required=True)
        for name in [*optional, *always]:
            parser.add_argument(f"--{name}")
        resolved = vars(parser.parse_known_args(list(argv))[0])
    return {**optional, **{name: value for name, value in resolved.items() if value is not None}}


def parse_schema(text: str) -> list[ColumnSpec]:
    """The --schema JSON as column specs."""
    entries = json.loads(text)
    if not isinstance(entries, list) or not entries:
        raise ValueError("--schema must be a non-empty JSON list of {name, type, nullable}")
    specs = []
    for entry in entries:
        spec = ColumnSpec(str(entry["name"]), str(entry["type"]).lower(), entry.get("nullable", True))
        if spec.type not in COLUMN_TYPES:
            raise ValueError(
                f"--schema: column {spec.name} has type {spec.type!r}, not one of {', '.join(COLUMN_TYPES)}"
            )
        if not isinstance(spec.nullable, bool):
            raise ValueError(f"--schema: column {spec.name} has a nullable that is not true or false")
        specs.append(spec)
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ValueError("--schema declares a column more than once")
    return specs
