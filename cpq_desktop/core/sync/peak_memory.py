"""The peak memory of this process, for the run's debug log (a sync's memory is a documented limit)."""

from __future__ import annotations

import sys


def peak_rss_mb() -> float | None:
    """This process's peak resident set size in MB, or None where the platform does not tell (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux counts kilobytes, macOS bytes
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
