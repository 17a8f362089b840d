"""The run history: every sync run and the result of each of its records, in SQLite in the user data dir.

The sync session opens a run (:meth:`RunHistory.start_run`), adds record results as they come
(:meth:`RunHistory.add_results`, one transaction per batch) and closes it with its summary
(:meth:`RunHistory.finish_run`). The GUI reads it back: runs newest first (:meth:`RunHistory.list_runs`),
one run (:meth:`RunHistory.get_run`), its results, and the records "Retry failed" re-plans
(:meth:`RunHistory.failed_records`). (``cpq-desktop logs`` reads the run log folders instead, which
outlive a lost history and travel in a zip.)

A run that was never finished is *running* while the process that started it lives, and *interrupted*
once it does not (killed, crashed); its counts are then those of the results it recorded.

Safe to share between threads (one connection behind a lock) and between processes (WAL, busy timeout).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cpq_desktop.core.config import paths
from cpq_desktop.core.runlog.liveness import process_alive, this_host
from cpq_desktop.core.sync.plan import RecordRef
from cpq_desktop.core.sync.results import (
    RETRYABLE_STATUSES,
    ExitCode,
    RecordResult,
    RecordStatus,
    RunStatus,
    RunSummary,
)
from cpq_desktop.core.sync.sqlite_transaction import locked_transaction

SCHEMA_VERSION = 1
HISTORY_FILE_NAME = "history.sqlite3"


def default_history_path() -> Path:
    return paths.data_dir() / HISTORY_FILE_NAME


class HistoryError(Exception):
    """The history database cannot be used; ``str()`` says what to do."""


class UnknownRunError(HistoryError):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"there is no run {run_id!r} in the history; 'cpq-desktop logs list' shows the run ids")
        self.run_id = run_id


@dataclass(frozen=True)
class RunEntry:
    """One run as the history knows it: its summary (partial while running) and its state."""

    summary: RunSummary
    status: RunStatus
    finished: bool

    @property
    def run_id(self) -> str:
        return self.summary.run_id


_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        scope TEXT NOT NULL,
        dry_run INTEGER NOT NULL,
        started_at REAL NOT NULL,
        duration_s REAL,
        counts TEXT,
        salesforce_calls INTEGER NOT NULL DEFAULT 0,
        zuora_calls INTEGER NOT NULL DEFAULT 0,
        cancelled INTEGER NOT NULL DEFAULT 0,
        exit_code INTEGER,
        status TEXT NOT NULL,
        retry_of TEXT,
        error TEXT NOT NULL DEFAULT '',
        pid INTEGER NOT NULL,
        host TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS runs_profile_started ON runs(profile, started_at)",
    "CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at)",
    """CREATE TABLE IF NOT EXISTS results (
        run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
        object TEXT NOT NULL,
        record_id TEXT NOT NULL,
        status TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, object, record_id))""",
    "CREATE INDEX IF NOT EXISTS results_status ON results(run_id, status)",
)


class RunHistory:
    """The run history database. Thread-safe; use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_history_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30.0)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(
                f"cannot open the run history at {self.path}: {exc}. Check that the folder is writable."
            ) from exc
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL is durable across a killed process in WAL mode; only a power cut may lose the last commits.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise HistoryError(
                    f"the run history at {self.path} was written by a newer version of the app "
                    f"(schema {version}); update the app to read it"
                )
            with self._transaction() as db:
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise HistoryError(
                f"the run history at {self.path} cannot be read ({exc}). Move the file away to start a new history."
            ) from exc
        except HistoryError:
            self._db.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> RunHistory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return locked_transaction(self._db, self._lock)

    # -- writing --------------------------------------------------------------------------------

    def start_run(
        self,
        run_id: str,
        *,
        profile: str,
        scope: str,
        started_at: datetime,
        dry_run: bool = False,
        retry_of: str | None = None,
    ) -> None:
        """Record that a run began (it lists as *running* until :meth:`finish_run`)."""
        try:
            self._insert_run(run_id, profile, scope, started_at, dry_run, retry_of)
        except sqlite3.IntegrityError:
            raise HistoryError(f"the run history already has a run {run_id!r}; each run needs a new id") from None

    def _insert_run(
        self, run_id: str, profile: str, scope: str, started_at: datetime, dry_run: bool, retry_of: str | None
    ) -> None:
        with self._transaction() as db:
            db.execute(
                """INSERT INTO runs (run_id, profile, scope, dry_run, started_at, status, retry_of, pid, host)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    run_id,
                    profile,
                    scope,
                    int(dry_run),
                    started_at.timestamp(),
                    RunStatus.RUNNING.value,
                    retry_of,
                    os.getpid(),
                    this_host(),
                ),
            )

    def add_result(self, run_id: str, result: RecordResult) -> None:
        self.add_results(run_id, [result])

    def add_results(self, run_id: str, results: Iterable[RecordResult]) -> None:
        """Store record results (one transaction: pass many at once); a record reported again keeps its latest."""
        with self._transaction() as db:
            rows = [
                (run_id, result.record.object, result.record.id, result.status.value, result.model_dump_json())
                for result in results
            ]
            try:
                db.executemany(
                    # the row keeps its rowid on update, so results stay in the order records were first reported
                    """INSERT INTO results (run_id, object, record_id, status, data) VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT (run_id, object, record_id)
                       DO UPDATE SET status = excluded.status, data = excluded.data""",
                    rows,
                )
            except sqlite3.IntegrityError:
                raise UnknownRunError(run_id) from None

    def finish_run(self, summary: RunSummary) -> None:
        """Record the run's outcome; a summary for a run that was never started is recorded whole."""
        values = (
            summary.profile,
            summary.scope,
            int(summary.dry_run),
            summary.started_at.timestamp(),
            summary.duration_s,
            json.dumps({status.value: count for status, count in summary.counts.items()}),
            summary.salesforce_calls,
            summary.zuora_calls,
            int(summary.cancelled),
            int(summary.exit_code),
            summary.status.value,
            summary.retry_of,
            summary.error,
        )
        with self._transaction() as db:
            db.execute(
                """INSERT INTO runs (run_id, profile, scope, dry_run, started_at, duration_s, counts,
                       salesforce_calls, zuora_calls, cancelled, exit_code, status, retry_of, error, pid, host)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (run_id) DO UPDATE SET
                       profile = excluded.profile, scope = excluded.scope, dry_run = excluded.dry_run,
                       started_at = excluded.started_at, duration_s = excluded.duration_s,
                       counts = excluded.counts, salesforce_calls = excluded.salesforce_calls,
                       zuora_calls = excluded.zuora_calls, cancelled = excluded.cancelled,
                       exit_code = excluded.exit_code, status = excluded.status,
                       retry_of = excluded.retry_of, error = excluded.error""",
                (summary.run_id, *values, os.getpid(), this_host()),
            )

    # -- reading --------------------------------------------------------------------------------

    def list_runs(self, *, profile: str | None = None, limit: int | None = None) -> list[RunEntry]:
        """Runs newest first, optionally of one profile only."""
        query = f"SELECT {_RUN_COLUMNS} FROM runs"
        params: list[object] = []
        if profile is not None:
            query += " WHERE profile = ?"
            params.append(profile)
        query += " ORDER BY started_at DESC, run_id DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        with self._lock:
            rows = self._db.execute(query, params).fetchall()
        return [self._entry(row) for row in rows]

    def get_run(self, run_id: str) -> RunEntry:
        with self._lock:
            row = self._db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise UnknownRunError(run_id)
        return self._entry(row)

    def results(self, run_id: str, statuses: Iterable[RecordStatus] | None = None) -> list[RecordResult]:
        """The run's record results in the order they were recorded, optionally of some statuses only."""
        self.get_run(run_id)
        query = "SELECT data FROM results WHERE run_id = ?"
        params: list[object] = [run_id]
        if statuses is not None:
            wanted = [status.value for status in statuses]
            query += f" AND status IN ({', '.join('?' * len(wanted))})"
            params.extend(wanted)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY rowid", params).fetchall()
        return [RecordResult.model_validate_json(row["data"]) for row in rows]

    def failed_results(self, run_id: str) -> list[RecordResult]:
        """The results "Retry failed" is about: failed records and those they held back."""
        return self.results(run_id, RETRYABLE_STATUSES)

    def failed_records(self, run_id: str) -> list[RecordRef]:
        return [result.record for result in self.failed_results(run_id)]

    def _counts_of_results(self, run_id: str) -> dict[RecordStatus, int]:
        with self._lock:
            rows = self._db.execute(
                "SELECT status, COUNT(*) FROM results WHERE run_id = ? GROUP BY status", (run_id,)
            ).fetchall()
        found = {RecordStatus(row[0]): int(row[1]) for row in rows}
        return {status: found.get(status, 0) for status in RecordStatus}

    def _entry(self, row: sqlite3.Row) -> RunEntry:
        run_id = str(row["run_id"])
        started = datetime.fromtimestamp(row["started_at"], UTC)
        finished = row["exit_code"] is not None
        if finished:
            counts = {RecordStatus(key): int(value) for key, value in json.loads(row["counts"]).items()}
            status = RunStatus(row["status"])
            duration = float(row["duration_s"])
        else:
            counts = self._counts_of_results(run_id)
            alive = process_alive(int(row["pid"]), str(row["host"]))
            status = RunStatus.RUNNING if alive else RunStatus.INTERRUPTED
            duration = max(0.0, (datetime.now(UTC) - started).total_seconds()) if alive else 0.0
        summary = RunSummary(
            run_id=run_id,
            profile=row["profile"],
            scope=row["scope"],
            dry_run=bool(row["dry_run"]),
            started_at=started,
            duration_s=duration,
            counts=counts,
            salesforce_calls=int(row["salesforce_calls"]),
            zuora_calls=int(row["zuora_calls"]),
            cancelled=bool(row["cancelled"]),
            exit_code=ExitCode(row["exit_code"]) if finished else ExitCode.OK,
            retry_of=row["retry_of"],
            error=row["error"],
        )
        return RunEntry(summary=summary, status=status, finished=finished)


_RUN_COLUMNS = (
    "run_id, profile, scope, dry_run, started_at, duration_s, counts, salesforce_calls, zuora_calls, "
    "cancelled, exit_code, status, retry_of, error, pid, host"
)
