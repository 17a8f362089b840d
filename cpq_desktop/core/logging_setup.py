"""The app log: one rotating file in the platformdirs log dir, redacted before anything is written.

Redaction happens when a record is *created* (a log record factory), so every handler sees only masked
text — the app log, the per-run debug logs that later parts add, and anything a library attaches. The
file handler carries a :class:`~cpq_desktop.core.redaction.RedactionFilter` as well, so it stays safe
even if another component swaps the record factory.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cpq_desktop.core.config import paths
from cpq_desktop.core.redaction import RedactionFilter, Redactor, default_redactor

APP_LOG_NAME = "cpq-desktop.log"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5
LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(threadName)s] %(message)s"

RecordFactory = Callable[..., logging.LogRecord]


class AppLogging:
    """What :func:`configure_logging` installed; :meth:`close` puts the previous state back."""

    def __init__(
        self,
        log_file: Path,
        handler: logging.Handler,
        previous_factory: RecordFactory,
        previous_level: int,
    ) -> None:
        self.log_file = log_file
        self.handler = handler
        self._previous_factory = previous_factory
        self._previous_level = previous_level

    def close(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self.handler)
        self.handler.close()
        root.setLevel(self._previous_level)
        logging.setLogRecordFactory(self._previous_factory)
        logging.captureWarnings(False)


def _redacting_factory(base: RecordFactory, redactor: Redactor) -> RecordFactory:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        redactor.redact_record(record)
        return record

    return factory


def configure_logging(
    level: int | str = logging.INFO,
    log_dir: Path | None = None,
    redactor: Redactor | None = None,
) -> AppLogging:
    """Send log records at ``level`` and above to the rotating app log; returns what was installed."""
    redactor = redactor if redactor is not None else default_redactor
    directory = log_dir if log_dir is not None else paths.log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    log_file = directory / APP_LOG_NAME

    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactionFilter(redactor))

    root = logging.getLogger()
    previous_level = root.level
    previous_factory = logging.getLogRecordFactory()
    logging.setLogRecordFactory(_redacting_factory(previous_factory, redactor))
    root.addHandler(handler)
    root.setLevel(level)
    # Library warnings (e.g. urllib3) go to the log instead of stderr, where a GUI user never sees them.
    logging.captureWarnings(True)
    return AppLogging(log_file, handler, previous_factory, previous_level)
