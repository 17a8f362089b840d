"""``run_gui`` end to end in this process: the event loop starts, the window shows, state and log land."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, qWarning
from PySide6.QtWidgets import QApplication

from cpq_desktop.core.config import paths
from cpq_desktop.ui.app import run_gui
from cpq_desktop.ui.main_window import MainWindow
from tests.ui.conftest import RecordingInteraction


def _when_running(qapp: QApplication, inspect: Callable[[MainWindow], None]) -> None:
    """Inspect the window once the event loop runs, then close it after anything queued at start-up.

    Closing the last window ends the loop as it does for a user; ``QApplication.quit()`` inside a test
    would leave the shared QApplication unable to deliver queued signals to later tests.
    """

    def check() -> None:
        (window,) = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        inspect(window)
        QTimer.singleShot(0, window.close)

    QTimer.singleShot(0, check)


def _write_sandbox_json(folder: Path) -> None:
    info = {"salesforce_url": "https://127.0.0.1:42001", "zuora_url": "https://127.0.0.1:42002", "ca_file": "ca.pem"}
    (folder / "sandbox.json").write_text(json.dumps(info), encoding="utf-8")


def test_run_gui_on_a_sandbox_shows_its_endpoints_and_writes_the_log(
    qapp: QApplication, tmp_path: Path, recorder: RecordingInteraction
) -> None:
    _write_sandbox_json(tmp_path)
    seen: list[str] = []
    _when_running(qapp, lambda window: seen.append(window.status_label.text()))

    assert run_gui(sandbox_dir=tmp_path) == 0

    assert seen == ["Sandbox: Salesforce https://127.0.0.1:42001 · Zuora https://127.0.0.1:42002"]
    log_text = (paths.log_dir() / "cpq-desktop.log").read_text(encoding="utf-8")
    assert "Starting CPQ Billing Connector Desktop" in log_text
    assert (paths.config_dir() / "window-state.ini").is_file()
    assert recorder.criticals == []


def test_run_gui_with_a_corrupt_settings_file_explains_and_keeps_a_backup(
    qapp: QApplication, recorder: RecordingInteraction
) -> None:
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text("{ not json", encoding="utf-8")
    seen: list[str] = []
    _when_running(qapp, lambda window: seen.append(window.status_label.text()))

    assert run_gui() == 0

    assert seen == ["No profile yet — create one on the Connections tab"]
    ((title, message, _),) = recorder.criticals
    assert title == "Settings could not be loaded"
    assert "not valid JSON" in message
    backups = list(paths.config_dir().glob("config.json.corrupt-*"))
    assert len(backups) == 1
    assert backups[0].read_text(encoding="utf-8") == "{ not json"


def test_run_gui_without_a_running_sandbox_says_so(tmp_path: Path, recorder: RecordingInteraction) -> None:
    assert run_gui(sandbox_dir=tmp_path) == 1
    ((title, message, _),) = recorder.criticals
    assert title == "Sandbox not available"
    assert "is the sandbox running" in message


def test_qt_messages_during_the_run_go_to_the_app_log(qapp: QApplication, recorder: RecordingInteraction) -> None:
    _when_running(qapp, lambda window: qWarning("offscreen platform has no clipboard"))

    assert run_gui() == 0

    log_text = (paths.log_dir() / "cpq-desktop.log").read_text(encoding="utf-8")
    assert "WARNING  qt [MainThread] offscreen platform has no clipboard" in log_text
