"""The one seam through which the app talks to the user outside its windows (git-cola style).

Code calls ``interaction.current().critical(...)`` and never builds a message box itself. The default
:class:`Interaction` only logs (headless runs, unit tests); :func:`run_gui` installs :class:`QtInteraction`,
and tests install a recorder with :func:`install`. Thread-safe: a call from a worker thread is forwarded
to the GUI thread before any widget is touched.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

logger = logging.getLogger(__name__)


class Interaction:
    """Headless behaviour: everything goes to the log."""

    def critical(self, title: str, message: str, details: str = "") -> None:
        logger.error("%s: %s%s", title, message, f"\n{details}" if details else "")

    def information(self, title: str, message: str) -> None:
        logger.info("%s: %s", title, message)

    def open_folder(self, path: Path) -> None:
        logger.info("Folder: %s", path)


# Long paths and messages wrap into a narrow column otherwise.
_READABLE_WIDTH = "QLabel#qt_msgbox_label { min-width: 460px; }"


class _GuiThreadBridge(QObject):
    """Lives in the GUI thread; a signal emitted from any thread runs the dialog there."""

    critical_requested = Signal(str, str, str)


class QtInteraction(Interaction):
    """Real dialogs, parented to the active window so they stay on top of it."""

    def __init__(self) -> None:
        self._bridge = _GuiThreadBridge()
        app = QApplication.instance()
        if app is not None:
            self._bridge.moveToThread(app.thread())
        # AutoConnection: direct when called in the GUI thread, queued from any other thread.
        self._bridge.critical_requested.connect(self._show_critical, Qt.ConnectionType.AutoConnection)

    def dispose(self) -> None:
        """Delete the GUI-thread helper now, in the GUI thread (not later, from whichever thread the
        garbage collector happens to run in, which Qt does not survive)."""
        shiboken6.delete(self._bridge)

    @staticmethod
    def _parent() -> QWidget | None:
        return QApplication.activeWindow()

    def critical(self, title: str, message: str, details: str = "") -> None:
        self._bridge.critical_requested.emit(title, message, details)

    @Slot(str, str, str)
    def _show_critical(self, title: str, message: str, details: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, title, message, QMessageBox.StandardButton.Ok, self._parent())
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setStyleSheet(_READABLE_WIDTH)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if details:
            box.setDetailedText(details)
        box.exec()

    def information(self, title: str, message: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, message, QMessageBox.StandardButton.Ok, self._parent())
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        box.setStyleSheet(_READABLE_WIDTH)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.exec()

    def open_folder(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.information(
                "Open folder", f"No file manager could be started. The folder is:<br><b>{html.escape(str(path))}</b>"
            )


_current: Interaction = Interaction()


def current() -> Interaction:
    return _current


def install(interaction: Interaction) -> Interaction:
    """Make ``interaction`` the active one; returns the previous one so it can be put back."""
    global _current
    previous, _current = _current, interaction
    return previous
