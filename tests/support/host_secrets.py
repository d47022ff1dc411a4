"""Where a host exposes a secret to users other than root: a process's command line (any user
can read /proc/<pid>/cmdline) or a file anyone can read through directories anyone can enter.

The scan runs on the host itself with the host's python3; the values go in on stdin, so the
scan never puts them on a command line of its own.
"""

from __future__ import annotations

import json

SCAN = r"""
import json, os, stat, sys

values = [v.encode() for v in json.load(sys.stdin)]
found = []
me = str(os.getpid())
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read()
    except OSError:
        continue
    if pid != me and any(v in cmdline for v in values):
        found.append("command line of " + cmdline.replace(b"\0", b" ").decode(errors="replace")[:120])

SKIP = {"/proc", "/sys", "/dev"}
for root, dirs, files in os.walk("/"):
    # Directories others cannot enter hide what is below them.
    dirs[:] = [d for d in dirs if os.path.join(root, d) not in SKIP
               and not os.path.islink(os.path.join(root, d))
               and os.stat(os.path.join(root, d)).st_mode & stat.S_IXOTH]
    for name in files:
        path = os.path.join(root, name)
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or not info.st_mode & stat.S_IROTH or info.st_size > 50_000_000:
                continue
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError:
            continue
        if any(v in content for v in values):
            found.append("world-readable file " + path)
print(json.dumps(found))
"""


def exposures(host, values: list[str]) -> list[str]:
    """Command lines and world-readable files on `host` (a test host) that hold any of `values`."""
    result = host.exec("python3", "-c", SCAN, input=json.dumps(values), timeout=600)
    return json.loads(result.stdout)
