"""The write-ahead ledger that makes a sync exactly-once (DESIGN.md "Data flow of a sync").

Before a Zuora write, the intent is recorded with its idempotency key; after it, the result. A later run
finds intents still ``in_flight`` (the app crashed, was killed, or the answer was lost) and resolves them
by looking the object up in Zuora before anything is written again.

Keys are derived from the profile, the step (which Salesforce record, which action) and the exact request
body: the same write always carries the same key, so Zuora replays instead of writing twice within its
24-hour window, and a changed record gets a new key because it is a new write.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cpq_desktop.core.sync.sqlite_transaction import locked_transaction

SCHEMA_VERSION = 1


class IntentState(StrEnum):
    IN_FLIGHT = "in_flight"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def idempotency_key(profile: str, step_id: str, body: Any) -> str:
    """A deterministic ``Idempotency-Key`` (< 255 chars, zuora-api.md §7.4) for one write."""
    digest = hashlib.sha256(f"{profile}\x1f{step_id}\x1f{canonical_json(body)}".encode()).hexdigest()
    return f"cpqd-{digest[:48]}"


@dataclass(frozen=True)
class Intent:
    profile: str
    step_id: str
    key: str
    run_id: str
    state: IntentState
    request: Any
    result: Any
    error: str | None
    updated_at: float


class Ledger:
    """SQLite in the user data dir; safe to use from the executor's worker threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a recorded intent must survive a power cut
        with self._transaction() as db:
            db.execute(
                """CREATE TABLE IF NOT EXISTS intents (
                    profile TEXT NOT NULL, step_id TEXT NOT NULL, key TEXT NOT NULL, run_id TEXT NOT NULL,
                    state TEXT NOT NULL, request TEXT NOT NULL, result TEXT, error TEXT,
                    updated_at REAL NOT NULL, PRIMARY KEY (profile, key))"""
            )
            db.execute("CREATE INDEX IF NOT EXISTS intents_step ON intents(profile, step_id)")
            db.execute("CREATE INDEX IF NOT EXISTS intents_state ON intents(profile, state)")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return locked_transaction(self._db, self._lock)

    def begin(self, profile: str, step_id: str, key: str, run_id: str, request: Any) -> None:
        """Record the intent to write; call before sending. Re-beginning an open intent keeps it open."""
        with self._transaction() as db:
            db.execute(
                """INSERT INTO intents (profile, step_id, key, run_id, state, request, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(profile, key) DO UPDATE SET run_id=excluded.run_id, state=excluded.state,
                       updated_at=excluded.updated_at, error=NULL""",
                (profile, step_id, key, run_id, IntentState.IN_FLIGHT, canonical_json(request), time.time()),
            )

    def finish(self, profile: str, key: str, state: IntentState, result: Any = None, error: str | None = None) -> None:
        """Record the outcome of a write; call after the answer (or the lookup that resolved it)."""
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE intents SET state=?, result=?, error=?, updated_at=? WHERE profile=? AND key=?",
                (state, canonical_json(result) if result is not None else None, error, time.time(), profile, key),
            ).rowcount
        if changed != 1:
            raise KeyError(f"no intent {key!r} for profile {profile!r}")

    def get(self, profile: str, key: str) -> Intent | None:
        with self._lock:
            row = self._db.execute(
                "SELECT profile, step_id, key, run_id, state, request, result, error, updated_at "
                "FROM intents WHERE profile=? AND key=?",
                (profile, key),
            ).fetchone()
        return _intent(row) if row else None

    def latest_for_step(self, profile: str, step_id: str) -> Intent | None:
        """The newest intent for a step, whatever its content (to tell "changed since" from "done")."""
        with self._lock:
            row = self._db.execute(
                "SELECT profile, step_id, key, run_id, state, request, result, error, updated_at "
                "FROM intents WHERE profile=? AND step_id=? ORDER BY updated_at DESC LIMIT 1",
                (profile, step_id),
            ).fetchone()
        return _intent(row) if row else None

    def open_intents(self, profile: str) -> list[Intent]:
        """Writes that were sent (or about to be) without a recorded outcome: resolve these first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT profile, step_id, key, run_id, state, request, result, error, updated_at "
                "FROM intents WHERE profile=? AND state=? ORDER BY updated_at",
                (profile, IntentState.IN_FLIGHT),
            ).fetchall()
        return [_intent(r) for r in rows]

    def counts(self, profile: str) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute(
                "SELECT state, COUNT(*) FROM intents WHERE profile=? GROUP BY state", (profile,)
            ).fetchall()
        return {str(state): int(n) for state, n in rows}


def _intent(row: tuple[Any, ...]) -> Intent:
    profile, step_id, key, run_id, state, request, result, error, updated_at = row
    return Intent(
        profile=profile,
        step_id=step_id,
        key=key,
        run_id=run_id,
        state=IntentState(state),
        request=json.loads(request),
        result=json.loads(result) if result is not None else None,
        error=error,
        updated_at=float(updated_at),
    )
