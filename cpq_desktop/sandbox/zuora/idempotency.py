"""``Idempotency-Key`` replay (zuora-api.md §7.4).

The first response to a key (success or failure) is stored with its status, headers and body for 24 h
and replayed for every later request with that key. A second request while the first is still running
gets 409; a key reused for another URL, method or body gets 422. Stored in the tenant database, so a
replay survives a restart of the emulator.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from enum import Enum

from cpq_desktop.sandbox.zuora.store import TenantStore

RETENTION_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255

SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at REAL NOT NULL
);
"""


class Outcome(Enum):
    PROCEED = "proceed"
    REPLAY = "replay"
    IN_FLIGHT = "in-flight"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyCache:
    def __init__(self, store: TenantStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._in_flight: dict[str, str] = {}
        store.add_schema(SCHEMA)

    def begin(self, key: str, print_: str) -> tuple[Outcome, StoredResponse | None]:
        """Claim ``key`` for a request, or say why it cannot run."""
        with self._lock:
            running = self._in_flight.get(key)
            if running is not None:
                return (Outcome.IN_FLIGHT if running == print_ else Outcome.MISMATCH), None
            stored = self._lookup(key)
            if stored is not None:
                stored_print, response = stored
                return (Outcome.REPLAY if stored_print == print_ else Outcome.MISMATCH), response
            self._in_flight[key] = print_
            return Outcome.PROCEED, None

    def finish(self, key: str, response: StoredResponse) -> None:
        with self._lock:
            print_ = self._in_flight.pop(key, None)
            if print_ is None:
                return
            with self._store.transaction() as db:
                db.execute(
                    "INSERT OR REPLACE INTO idempotency(key, fingerprint, status, headers, body, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (key, print_, response.status, json.dumps(response.headers), response.body, time.time()),
                )

    def abandon(self, key: str) -> None:
        """The request never produced a response (crashed or dropped): later retries may run it."""
        with self._lock:
            self._in_flight.pop(key, None)

    def _lookup(self, key: str) -> tuple[str, StoredResponse] | None:
        cutoff = time.time() - RETENTION_SECONDS
        with self._store.read() as db:
            row = db.execute(
                "SELECT fingerprint, status, headers, body, created_at FROM idempotency WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        if row["created_at"] < cutoff:
            with self._store.transaction() as db:
                db.execute("DELETE FROM idempotency WHERE created_at < ?", (cutoff,))
            return None
        headers = [(str(k), str(v)) for k, v in json.loads(row["headers"])]
        return row["fingerprint"], StoredResponse(int(row["status"]), headers, bytes(row["body"]))
