"""One object that records a run everywhere it is kept: its debug log and its entry in the run history.

The CLI's ``sync`` and the GUI worker open a :class:`RunRecorder` when a run starts, hand it every
record result (and the log events, Zuora exchanges and SOQL queries), and finish it with the run's
summary. A run killed half-way keeps what its log wrote, and its history entry shows it interrupted
with the results stored before (the history writes them in batches).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from cpq_desktop.core.runlog.run_log import RunLog
from cpq_desktop.core.sync.history import RunHistory
from cpq_desktop.core.sync.results import ExitCode, RecordResult, RecordStatus, RunSummary, new_run_id, utc_now
from cpq_desktop.core.zuora.client import Exchange


class RunRecorder:
    """A run's debug log and history entry, written together. Thread-safe."""

    def __init__(self, run_log: RunLog, history: RunHistory) -> None:
        self.run_log = run_log
        self.history = history
        # the latest status of each record, for the counts of a run that ends early
        self._statuses: dict[tuple[str, str], RecordStatus] = {}
        self._lock = threading.Lock()
        self._finished = False

    @classmethod
    def start(
        cls,
        history: RunHistory,
        *,
        profile: str,
        scope: str,
        dry_run: bool = False,
        retry_of: str | None = None,
        secrets: Iterable[str | None] = (),
        run_id: str | None = None,
        started_at: datetime | None = None,
        log_root: Path | None = None,
    ) -> RunRecorder:
        """Open the run's log folder and its history entry (``RunLogError`` / ``HistoryError`` say why not)."""
        started = started_at or utc_now()
        run_id = run_id or new_run_id(started)
        run_log = RunLog.open(
            run_id,
            profile=profile,
            scope=scope,
            dry_run=dry_run,
            started_at=started,
            retry_of=retry_of,
            secrets=secrets,
            log_root=log_root,
        )
        try:
            history.start_run(
                run_id, profile=profile, scope=scope, started_at=started, dry_run=dry_run, retry_of=retry_of
            )
        except BaseException as exc:
            run_log.abort(f"the run could not be added to the run history: {exc}")
            raise
        return cls(run_log, history)

    @property
    def run_id(self) -> str:
        return self.run_log.run_id

    @property
    def started_at(self) -> datetime:
        return self.run_log.started_at

    # -- what happens during the run ------------------------------------------------------------

    def event(self, kind: str, message: str, *, level: str = "info", **fields: Any) -> None:
        self.run_log.event(kind, message, level=level, **fields)

    def exchange(self, exchange: Exchange) -> None:
        """Pass as ``ZuoraClient(on_exchange=recorder.exchange)``."""
        self.run_log.exchange(exchange)

    def soql(self, query: str, rows: int, duration_s: float, **fields: Any) -> None:
        self.run_log.soql(query, rows, duration_s, **fields)

    def result(self, result: RecordResult) -> None:
        self.run_log.result(result)
        self.history.add_result(self.run_id, result)
        with self._lock:
            self._statuses[(result.record.object, result.record.id)] = result.status

    def flush(self) -> None:
        """Write everything reported so far to the log files and the history."""
        self.run_log.flush()
        self.history.flush()

    # -- the end of the run ---------------------------------------------------------------------

    def finish(self, summary: RunSummary) -> None:
        """Record the outcome in the log (``summary.json``, last line) and the history."""
        if self._finished:
            return
        self._finished = True
        self.flush()
        self.history.finish_run(summary)
        self.run_log.close(summary)

    def abort(self, error: str, exit_code: ExitCode = ExitCode.CONNECTION) -> None:
        """The run could not go on (``error`` says why): both places record it as *could not run*.

        With :attr:`ExitCode.CANCELLED` it is recorded as cancelled instead. The counts are those of
        the results recorded so far.
        """
        if self._finished:
            return
        self._finished = True
        self.flush()
        with self._lock:
            counts = Counter(self._statuses.values())
        summary = RunSummary(
            run_id=self.run_id,
            profile=self.run_log.profile,
            scope=self.run_log.scope,
            dry_run=self.run_log.dry_run,
            started_at=self.started_at,
            duration_s=max(0.0, (utc_now() - self.started_at).total_seconds()),
            counts=dict(counts),
            cancelled=exit_code is ExitCode.CANCELLED,
            exit_code=exit_code,
            retry_of=self.run_log.retry_of,
            error=self.run_log.redact(error),
        )
        self.history.finish_run(summary)
        self.run_log.abort(error, summary.status)

    def __enter__(self) -> RunRecorder:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if isinstance(exc, KeyboardInterrupt):
            self.abort("cancelled (interrupted from the keyboard)", ExitCode.CANCELLED)
        elif exc is not None:
            self.abort(f"the run stopped on an unexpected error: {type(exc).__name__}: {exc}", ExitCode.USAGE)
