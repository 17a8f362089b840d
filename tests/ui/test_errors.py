"""Uncaught exceptions are logged with secrets masked and reach the user through the interaction seam."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread, Slot
from pytestqt.qtbot import QtBot

from cpq_desktop.core.redaction import MASK, register_secret
from cpq_desktop.ui import interaction
from cpq_desktop.ui.excepthook import install_excepthook
from tests.ui.conftest import RecordingInteraction

SECRET = "tok-9f8e7d6c5b4a"


@pytest.fixture
def hooks(tmp_path: Path) -> Iterator[Path]:
    log_file = tmp_path / "cpq-desktop.log"
    restore = install_excepthook(log_file)
    yield log_file
    restore()


def _raise_with_secret() -> None:
    raise ValueError(f"Zuora said no to {SECRET}")


@pytest.mark.expect_logged_errors
def test_uncaught_exception_shows_an_error_with_masked_details(
    hooks: Path, recorder: RecordingInteraction, caplog: pytest.LogCaptureFixture
) -> None:
    register_secret(SECRET)
    try:
        _raise_with_secret()
    except ValueError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]

    ((title, message, details),) = recorder.criticals
    assert title == "Unexpected error"
    assert f"Zuora said no to {MASK}" in message
    assert str(hooks) in message
    assert "_raise_with_secret" in details
    assert SECRET not in message + details
    assert any(r.name == "cpq_desktop.crash" for r in caplog.records)


@pytest.mark.expect_logged_errors
def test_exception_in_a_worker_thread_is_reported(hooks: Path, recorder: RecordingInteraction) -> None:
    worker = threading.Thread(target=_raise_with_secret)
    worker.start()
    worker.join()
    assert len(recorder.criticals) == 1
    assert "Zuora said no" in recorder.criticals[0][1]


def test_restore_puts_the_previous_hooks_back() -> None:
    before = (sys.excepthook, threading.excepthook)
    install_excepthook()()
    assert (sys.excepthook, threading.excepthook) == before


class _ThreadNotingInteraction(interaction.QtInteraction):
    def __init__(self) -> None:
        self.shown_in: list[QThread] = []
        super().__init__()

    @Slot(str, str, str)
    def _show_critical(self, title: str, message: str, details: str) -> None:
        self.shown_in.append(QThread.currentThread())


def test_qt_dialogs_requested_from_a_worker_thread_open_in_the_gui_thread(qtbot: QtBot) -> None:
    qt_interaction = _ThreadNotingInteraction()
    worker = threading.Thread(target=qt_interaction.critical, args=("Title", "from a worker"))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(qt_interaction.shown_in) == 1)
    assert qt_interaction.shown_in[0] is QThread.currentThread()
    qt_interaction.dispose()
