"""Server-side query cursors: an open query held between pages, fetched through ``nextRecordsUrl``.

A page holds at most ``batch_size`` rows, and rows of child sub-queries count toward it (so a page of
orders with many lines holds fewer orders), but a page always carries at least one record. Rows are
built by the store page by page; rows built but not sent are kept for the next page. Cursors live two
days, as on API v56.0 and later; the least recently used are dropped first when too many are open.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

from cpq_desktop.sandbox.salesforce.errors import SalesforceApiError
from cpq_desktop.sandbox.salesforce.ids import to18

DEFAULT_BATCH_SIZE = 2000
MIN_BATCH_SIZE = 200
MAX_BATCH_SIZE = 2000
CURSOR_TTL_S = 2 * 24 * 3600.0
MAX_OPEN_CURSORS = 500
FIRST_CHUNK = 200  # rows built before the page's average row weight is known
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class RowSource(Protocol):
    """An open query of the store: its total size and its rows, built on demand."""

    @property
    def total_size(self) -> int: ...

    def page(self, start: int, count: int) -> list[dict[str, Any]]: ...


def batch_size_from_header(value: str | None) -> int | None:
    """``Sforce-Query-Options: batchSize=N`` → N clamped to 200..2000; None when absent or unreadable."""
    if not value:
        return None
    for part in value.split(","):
        name, _, number = part.partition("=")
        if name.strip().lower() == "batchsize":
            try:
                return min(MAX_BATCH_SIZE, max(MIN_BATCH_SIZE, int(number.strip())))
            except ValueError:
                return None
    return None


def _weight(record: dict[str, Any]) -> int:
    """One row for the record plus the rows of its child sub-query results."""
    rows = 1
    for value in record.values():
        if isinstance(value, dict) and "totalSize" in value and isinstance(value.get("records"), list):
            rows += len(value["records"])
    return rows


@dataclass
class _Cursor:
    source: RowSource
    batch_size: int
    query_all: bool
    api_version: str
    touched: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Rows already built from ``buffer_start`` on, not yet sent.
    buffer_start: int = -1
    buffer: list[dict[str, Any]] = field(default_factory=list)


class CursorStore:
    """Open cursors of one org, keyed by their ``01g…`` locator. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()

    def first_page(
        self, source: RowSource, *, batch_size: int | None, query_all: bool, api_version: str
    ) -> dict[str, Any]:
        """The first page of a result; keeps a cursor only when more pages follow."""
        cursor = _Cursor(source, batch_size or DEFAULT_BATCH_SIZE, query_all, api_version, time.monotonic())
        records, end, done = self._take(cursor, 0, cursor.batch_size)
        body: dict[str, Any] = {"totalSize": source.total_size, "done": done}
        if not done:
            locator = to18("01g" + "".join(secrets.choice(_BASE62) for _ in range(12)))
            with self._lock:
                self._expire_locked()
                self._cursors[locator] = cursor
                while len(self._cursors) > MAX_OPEN_CURSORS:
                    self._cursors.popitem(last=False)
            body["nextRecordsUrl"] = self._next_url(cursor, locator, end)
        body["records"] = records
        return body

    def next_page(self, locator_and_offset: str, *, batch_size: int | None, query_all: bool) -> dict[str, Any]:
        locator, sep, offset_text = locator_and_offset.partition("-")
        if not sep or not offset_text.isdigit() or len(offset_text) > 12:
            raise SalesforceApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        with self._lock:
            self._expire_locked()
            cursor = self._cursors.get(locator)
            if cursor is not None:
                cursor.touched = time.monotonic()
                self._cursors.move_to_end(locator)
        offset = int(offset_text)
        if cursor is None or offset > cursor.source.total_size or cursor.query_all != query_all:
            raise SalesforceApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        records, end, done = self._take(cursor, offset, batch_size or cursor.batch_size)
        body: dict[str, Any] = {"totalSize": cursor.source.total_size, "done": done}
        if not done:
            body["nextRecordsUrl"] = self._next_url(cursor, locator, end)
        body["records"] = records
        return body

    @staticmethod
    def _next_url(cursor: _Cursor, locator: str, end: int) -> str:
        resource = "queryAll" if cursor.query_all else "query"
        return f"/services/data/v{cursor.api_version}/{resource}/{locator}-{end}"

    def _expire_locked(self) -> None:
        horizon = time.monotonic() - CURSOR_TTL_S
        for locator in [k for k, c in self._cursors.items() if c.touched < horizon]:
            del self._cursors[locator]

    @staticmethod
    def _take(cursor: _Cursor, start: int, batch_size: int) -> tuple[list[dict[str, Any]], int, bool]:
        """``(records, end, done)`` of the page starting at row ``start``.

        Rows are built in chunks sized from the rows seen so far, so that a query whose records carry many
        child rows builds little more than the page it sends.
        """
        with cursor.lock:
            pending = cursor.buffer if cursor.buffer_start == start else []
            fetched_to = start + len(pending)
            taken: list[dict[str, Any]] = []
            weight, index, full, exhausted = 0, 0, False, False
            while True:
                while index < len(pending):
                    row_weight = _weight(pending[index])
                    if taken and weight + row_weight > batch_size:
                        full = True
                        break
                    taken.append(pending[index])
                    weight += row_weight
                    index += 1
                if full or weight >= batch_size or exhausted:
                    break
                average = weight / len(taken) if taken else 1.0
                want = max(1, int((batch_size - weight) / average))
                if not taken:
                    want = min(want, FIRST_CHUNK)
                pending, index = cursor.source.page(fetched_to, want), 0
                fetched_to += len(pending)
                exhausted = len(pending) < want
            end = start + len(taken)
            cursor.buffer_start, cursor.buffer = end, pending[index:]
            done = (exhausted and not cursor.buffer) or end >= cursor.source.total_size
            return taken, end, done
