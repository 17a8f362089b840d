"""The peak memory of this process, for the run's debug log (a sync's memory is a documented limit)."""

from __future__ import annotations

import sys
from pathlib import Path

_STATUS = Path("/proc/self/status")


def peak_rss_mb() -> float | None:
    """This process's peak resident set size in MB, or None where the platform does not tell (Windows).

    On Linux the kernel's high-water mark of this process image (``VmHWM``): ``ru_maxrss`` survives
    ``exec`` and so also counts the parent's memory at the moment it forked this process — a sync started
    by a process holding 150 MB reported 150 MB however little it used itself."""
    try:
        for line in _STATUS.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux counts kilobytes, macOS bytes
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
