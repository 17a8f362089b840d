"""Server-side result sets behind ZOQL ``queryLocator`` values (expire after 15 minutes unused)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

IDLE_SECONDS = 15 * 60


@dataclass
class ResultSet:
    records: list[dict[str, Any]]
    batch_size: int
    touched: float


class QueryCursors:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sets: dict[str, ResultSet] = {}

    def open(self, records: list[dict[str, Any]], batch_size: int) -> str:
        key = uuid.uuid4().hex
        with self._lock:
            self._prune()
            self._sets[key] = ResultSet(records, batch_size, time.monotonic())
        return key

    def fetch(self, key: str) -> ResultSet | None:
        with self._lock:
            self._prune()
            result = self._sets.get(key)
            if result is not None:
                result.touched = time.monotonic()
            return result

    def replace(self, key: str, records: list[dict[str, Any]]) -> None:
        with self._lock:
            result = self._sets.get(key)
            if result is not None:
                result.records = records
                result.touched = time.monotonic()

    def close(self, key: str) -> None:
        with self._lock:
            self._sets.pop(key, None)

    def _prune(self) -> None:
        cutoff = time.monotonic() - IDLE_SECONDS
        for key in [k for k, v in self._sets.items() if v.touched < cutoff]:
            del self._sets[key]
