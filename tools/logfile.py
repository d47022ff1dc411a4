"""What the tools' error messages quote of a service's log (the emulator's, dockerd's, debootstrap's)."""

from __future__ import annotations

from pathlib import Path


def tail(log_file: Path, lines: int = 15) -> str:
    """The last `lines` lines of `log_file`, or a note that there is none."""
    try:
        return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
