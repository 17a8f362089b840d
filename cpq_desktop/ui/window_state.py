"""Window geometry and the last open tab, kept in an INI file next to config.json.

QSettings holds only UI state (never profiles or secrets); its file lives in the platformdirs config dir
so tests, which point that dir at a temporary folder, never touch a developer's real state.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QTabWidget

from cpq_desktop.core.config import paths

_GEOMETRY = "main_window/geometry"
_STATE = "main_window/state"
_TAB = "main_window/tab"


def state_file() -> Path:
    return paths.config_dir() / "window-state.ini"


class WindowState:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else state_file()
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def restore(self, window: QMainWindow, tabs: QTabWidget) -> bool:
        """Apply what was saved; False when nothing was (first start), so the caller picks a default."""
        geometry = self._settings.value(_GEOMETRY)
        if not isinstance(geometry, QByteArray) or not window.restoreGeometry(geometry):
            return False
        state = self._settings.value(_STATE)
        if isinstance(state, QByteArray):
            window.restoreState(state)
        tab = self._settings.value(_TAB)
        if isinstance(tab, str) and tab.isdigit() and int(tab) < tabs.count():
            tabs.setCurrentIndex(int(tab))
        return True

    def save(self, window: QMainWindow, tabs: QTabWidget) -> None:
        self._settings.setValue(_GEOMETRY, window.saveGeometry())
        self._settings.setValue(_STATE, window.saveState())
        self._settings.setValue(_TAB, str(tabs.currentIndex()))
        self._settings.sync()
