"""The tenant's database: one SQLite file in the data dir, shared by every module of the tenant.

One connection guarded by a re-entrant lock: SQLite allows one writer at a time anyway, and a single
connection makes "all-or-nothing per request" a plain transaction. Modules declare their tables with
:meth:`TenantStore.add_schema` (``CREATE TABLE IF NOT EXISTS ...``), so the file survives restarts and
new modules can add tables to an existing file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cpq_desktop.sandbox.zuora.settings import TenantSettings

_BASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

DB_FILE = "tenant.sqlite3"


def new_id() -> str:
    """A 32-hex-char Zuora object id."""
    return uuid.uuid4().hex


class TenantStore:
    """SQLite storage for one tenant, safe to use from the server's request threads."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_FILE
        self._lock = threading.RLock()
        self._depth = 0
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_BASE_SCHEMA)
        self.settings = self._load_settings()

    # -- schema ---------------------------------------------------------------------------------

    def add_schema(self, ddl: str) -> None:
        """Create a module's tables (and indexes) if they do not exist yet. Use ``IF NOT EXISTS``."""
        with self._lock:
            self._db.executescript(ddl)

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing: commit when the block ends, roll back if it raises.

        Re-entrant: a nested ``transaction()`` on the same thread joins the outer one, so helpers
        can open one without knowing whether their caller already did.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Consistent reads (the same lock as writes, so a reader never sees half a request)."""
        with self._lock:
            yield self._db

    def next_number(self, db: sqlite3.Connection, name: str) -> int:
        """The next value of a named counter (``account``, ``subscription``, ...), starting at 1."""
        row = db.execute(
            "INSERT INTO counters(name, value) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
            (name,),
        ).fetchone()
        return int(row[0])

    # -- settings and metadata ------------------------------------------------------------------

    def get_meta(self, key: str) -> Any:
        with self.read() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    def update_settings(self, changes: dict[str, Any]) -> TenantSettings:
        """Validate and persist a partial settings change; the live settings object is updated in place."""
        with self._lock:
            self.settings.update(changes)
            self.set_meta("settings", self.settings.to_json())
            return self.settings

    def _load_settings(self) -> TenantSettings:
        stored = self.get_meta("settings")
        if stored is None:
            settings = TenantSettings()
            self.set_meta("settings", settings.to_json())
            return settings
        return TenantSettings.from_json(stored)

    def close(self) -> None:
        with self._lock:
            self._db.close()
