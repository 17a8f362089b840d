"""Start the GUI: logging, error hooks, settings, the main window, then Qt's event loop."""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QMessageLogContext, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from cpq_desktop import __version__
from cpq_desktop.core.config import ConfigStore, paths
from cpq_desktop.core.config.sandbox import SandboxInfoError, load_sandbox_info, sandbox_profile
from cpq_desktop.core.logging_setup import configure_logging
from cpq_desktop.ui import interaction
from cpq_desktop.ui.excepthook import install_excepthook
from cpq_desktop.ui.main_window import APP_TITLE, MainWindow, WindowContext

logger = logging.getLogger(__name__)
qt_logger = logging.getLogger("qt")

EXIT_USAGE = 1  # the command line's "usage or configuration error" (cpq_desktop.cli.EXIT_USAGE)
FAULT_LOG_NAME = "faults.log"

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message_to_log(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    qt_logger.log(_QT_LEVELS.get(kind, logging.WARNING), "%s (%s)", message, context.category)


def _application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_TITLE)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("cpq-desktop")
    return app


def _record_native_crashes(log_dir: Path) -> Callable[[], None]:
    """A crash inside Qt kills the process before any Python handler runs; faulthandler still writes
    the Python stack of every thread to ``faults.log``. Left alone when something (pytest) set it up."""
    if faulthandler.is_enabled():
        return lambda: None
    fault_log = (log_dir / FAULT_LOG_NAME).open("a", encoding="utf-8")
    faulthandler.enable(fault_log, all_threads=True)

    def stop() -> None:
        faulthandler.disable()
        fault_log.close()

    return stop


def _close_on_termination_signals(window: MainWindow) -> Callable[[], None]:
    """Ctrl+C in the terminal (or SIGTERM) closes the window normally, so state is saved and the
    sandbox started by ``--sandbox`` is shut down, instead of killing the process mid-way."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: window.close())
    # Python runs signal handlers only between bytecodes; a no-op timer hands it control regularly.
    wake_up = QTimer()
    wake_up.timeout.connect(lambda: None)
    wake_up.start(250)

    def restore() -> None:
        wake_up.stop()
        shiboken6.delete(wake_up)
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def run_gui(sandbox_dir: Path | None = None) -> int:
    """Open the main window and run until it is closed; returns the process exit code.

    With ``sandbox_dir``, the window is pointed at the sandbox described by ``sandbox_dir/sandbox.json``.
    """
    app = _application()
    store = ConfigStore()
    config, config_error = store.load_or_default()
    app_logging = configure_logging(config.settings.log_level)
    logger.info("Starting %s %s", APP_TITLE, __version__)
    stop_fault_log = _record_native_crashes(app_logging.log_file.parent)
    # Dialogs for real, unless whoever embeds the GUI (the test suite) installed its own interaction.
    embedded = type(interaction.current()) is not interaction.Interaction
    previous_interaction = interaction.current() if embedded else interaction.install(interaction.QtInteraction())
    restore_excepthook = install_excepthook(app_logging.log_file)
    previous_qt_handler = qInstallMessageHandler(_qt_message_to_log)
    try:
        profile = config.active_profile()
        if sandbox_dir is not None:
            try:
                profile = sandbox_profile(load_sandbox_info(sandbox_dir))
            except SandboxInfoError as exc:
                interaction.current().critical("Sandbox not available", str(exc))
                return EXIT_USAGE
        window = MainWindow(WindowContext(profile=profile, sandbox=sandbox_dir is not None, log_dir=paths.log_dir()))
        window.show()
        restore_signals = _close_on_termination_signals(window)
        if config_error is not None:
            logger.warning("Settings file unusable: %s", config_error)
            # After the event loop starts, so the dialog opens over the window rather than before it.
            QTimer.singleShot(
                0, lambda: interaction.current().critical("Settings could not be loaded", str(config_error))
            )
        try:
            exit_code = app.exec()
        finally:
            restore_signals()
        if window.isVisible():
            # The loop ended without the window closing (e.g. the desktop session ended): save its state too.
            window.close()
        # Delete the widgets here, in the GUI thread. Left to Python's cyclic garbage collector, they could
        # be destroyed in whichever thread happens to trigger a collection, and Qt crashes on that.
        shiboken6.delete(window)
        return exit_code
    finally:
        qInstallMessageHandler(previous_qt_handler)
        restore_excepthook()
        replaced = interaction.install(previous_interaction)
        if isinstance(replaced, interaction.QtInteraction) and not embedded:
            replaced.dispose()
        logger.info("Stopped")
        stop_fault_log()
        app_logging.close()
