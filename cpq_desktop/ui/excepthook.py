"""Last line of defence: an exception nobody caught is logged (redacted) and shown, not lost.

Without this, an exception raised in a Qt slot is printed to a terminal the admin never sees and the
window carries on in an unknown state. Covers the GUI thread (``sys.excepthook``) and worker threads
(``threading.excepthook``); the dialog goes through :mod:`cpq_desktop.ui.interaction`.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from cpq_desktop.core.redaction import redact
from cpq_desktop.ui import interaction

logger = logging.getLogger("cpq_desktop.crash")


def report_exception(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    log_file: Path | None = None,
) -> None:
    """Log an unexpected exception and tell the user what happened and where the details are."""
    logger.error("Unexpected error", exc_info=(exc_type, exc, tb))
    summary = redact(str(exc)) or exc_type.__name__
    where = f" The details are also in the app log: {log_file}" if log_file else ""
    message = (
        f"Something went wrong that the app did not expect: {summary}\n\n"
        f"If it happens again, send the details below (secrets are masked) to your support contact.{where}"
    )
    details = redact("".join(traceback.format_exception(exc_type, exc, tb)))
    interaction.current().critical("Unexpected error", message, details)


def install_excepthook(log_file: Path | None = None) -> Callable[[], None]:
    """Route uncaught exceptions to :func:`report_exception`; returns a function that undoes it."""
    previous_sys = sys.excepthook
    previous_threading = threading.excepthook

    def sys_hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous_sys(exc_type, exc, tb)
            return
        report_exception(exc_type, exc, tb, log_file)

    def threading_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        report_exception(args.exc_type, args.exc_value, args.exc_traceback, log_file)

    sys.excepthook = sys_hook
    threading.excepthook = threading_hook

    def restore() -> None:
        sys.excepthook = previous_sys
        threading.excepthook = previous_threading

    return restore
