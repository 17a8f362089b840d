"""The harness itself: a Qt warning, a leaked QThread or an unexpected logged error fails a test.

A throwaway suite runs in a subprocess with this project's conftest and pytest settings; its outcomes
show that each guard really trips (and stays quiet for well-behaved tests).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

THROWAWAY_SUITE = """
import logging

import pytest


def test_qt_warning_fails(qapp):
    from PySide6.QtCore import qWarning

    qWarning("something is off")


def test_leaked_qthread_fails(qapp):
    from PySide6.QtCore import QThread  # imported lazily on purpose

    thread = QThread()
    thread.setObjectName("forgotten-worker")
    thread.start()
    test_leaked_qthread_fails.keep = thread


def test_stopped_qthread_passes(qapp):
    from PySide6.QtCore import QThread

    thread = QThread()
    thread.start()
    thread.quit()
    assert thread.wait(5000)


def test_unexpected_logged_error_fails():
    logging.getLogger("cpq_desktop.sync").error("order 801 failed")


@pytest.mark.expect_logged_errors
def test_expected_logged_error_passes():
    logging.getLogger("cpq_desktop.sync").error("order 802 failed, as the test intends")
"""


def test_guards_trip_on_warnings_leaked_threads_and_logged_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_throwaway=THROWAWAY_SUITE)

    result = pytester.runpytest_subprocess("test_throwaway.py")

    # A test whose teardown guard trips counts as "passed" plus one "error" in pytest's tally.
    assert result.parseoutcomes() == {"failed": 1, "passed": 4, "errors": 2}, result.stdout.str()
    # In order, not consecutive: under CI=true pytest does not shorten summary lines, so a multi-line
    # failure message spreads over several lines.
    result.stdout.re_match_lines(
        [
            r"ERROR test_throwaway.py::test_leaked_qthread_fails - Failed: 1 QThread.*",
            r"ERROR test_throwaway.py::test_unexpected_logged_error_fails - Failed: unexpec.*",
            r"FAILED test_throwaway.py::test_qt_warning_fails.*",
        ]
    )
    output = result.stdout.str()
    assert "still running at the end of the test: forgotten-worker" in output
    assert "cpq_desktop.sync: order 801 failed" in output
    assert "QtWarningMsg: something is off" in output
