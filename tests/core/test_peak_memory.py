"""The peak memory a sync logs is its own process's, not its parent's."""

from __future__ import annotations

import subprocess
import sys

from cpq_desktop.core.sync.peak_memory import peak_rss_mb


def test_a_process_reports_its_own_peak_not_the_memory_of_the_process_that_started_it() -> None:
    ballast = b"x" * (300 * 1024 * 1024)
    try:
        own = peak_rss_mb()
        assert own is not None
        assert own >= 300
        child = subprocess.run(
            [sys.executable, "-c", "from cpq_desktop.core.sync.peak_memory import peak_rss_mb; print(peak_rss_mb())"],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        del ballast
    assert float(child.stdout) < 100, "the child counted the 300 MB its parent held when it started"
