"""Orders, order line items and asynchronous order jobs in the tenant database."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_account ON orders (account_id);
CREATE TABLE IF NOT EXISTS order_line_items (
    id TEXT PRIMARY KEY,
    order_number TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS order_jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    version TEXT NOT NULL,
    return_ids INTEGER NOT NULL,
    result TEXT,
    errors TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS order_jobs_status ON order_jobs (status);
"""


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class OrderBook:
    """Orders and their line items, inside the caller's transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def exists(self, number: str) -> bool:
        return self.db.execute("SELECT 1 FROM orders WHERE number = ?", (number,)).fetchone() is not None

    def get(self, number: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT doc FROM orders WHERE number = ?", (number,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def save(
        self, order_id: str, number: str, account_id: str, doc: dict[str, Any], items: list[dict[str, Any]]
    ) -> None:
        self.db.execute(
            "INSERT INTO orders (id, number, account_id, doc) VALUES (?, ?, ?, ?)",
            (order_id, number, account_id, _dumps(doc)),
        )
        if items:
            self.db.executemany(
                "INSERT INTO order_line_items (id, order_number, doc) VALUES (?, ?, ?)",
                [
                    (item["id"], number, _dumps({k: v for k, v in item.items() if k != "_orderNumber"}))
                    for item in items
                ],
            )

    def replace(self, doc: dict[str, Any]) -> None:
        self.db.execute("UPDATE orders SET doc = ? WHERE number = ?", (_dumps(doc), doc["orderNumber"]))

    def all(self) -> list[dict[str, Any]]:
        return [dict(json.loads(r[0])) for r in self.db.execute("SELECT doc FROM orders ORDER BY rowid")]

    def touching_subscription(self, number: str) -> list[dict[str, Any]]:
        """Orders with an order action on the subscription ``number``, oldest first."""
        rows = self.db.execute(
            "SELECT doc FROM orders WHERE EXISTS (SELECT 1 FROM json_each(doc, '$.subscriptions') "
            "WHERE json_extract(value, '$.subscriptionNumber') = ?) ORDER BY rowid",
            (number,),
        )
        return [dict(json.loads(r[0])) for r in rows]

    def for_subscription_owner(self, account_number: str) -> list[dict[str, Any]]:
        """Orders changing a subscription owned (at the time) by ``account_number``, oldest first."""
        rows = self.db.execute(
            "SELECT doc FROM orders WHERE EXISTS (SELECT 1 FROM json_each(doc, '$.subscriptions') "
            "WHERE json_extract(value, '$.subscriptionOwnerAccountNumber') = ?) ORDER BY rowid",
            (account_number,),
        )
        return [dict(json.loads(r[0])) for r in rows]

    def line_item(self, item_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT doc, order_number FROM order_line_items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            return None
        doc = dict(json.loads(row[0]))
        doc["_orderNumber"] = row[1]
        return doc


@dataclass
class OrderJob:
    id: str
    status: str
    request: dict[str, Any]
    version: str
    return_ids: bool
    result: dict[str, Any] | None
    errors: str | None


class JobBook:
    """Asynchronous order jobs: queued with their request, finished with a result or an error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def add(self, job_id: str, request: dict[str, Any], version: str, return_ids: bool, now: float) -> None:
        self.db.execute(
            "INSERT INTO order_jobs (id, status, request, version, return_ids, created_at) "
            "VALUES (?, 'Processing', ?, ?, ?, ?)",
            (job_id, _dumps(request), version, int(return_ids), now),
        )

    def get(self, job_id: str) -> OrderJob | None:
        row = self.db.execute(
            "SELECT id, status, request, version, return_ids, result, errors FROM order_jobs WHERE id = ?", (job_id,)
        ).fetchone()
        if row is None:
            return None
        return OrderJob(
            id=str(row[0]),
            status=str(row[1]),
            request=json.loads(row[2]),
            version=str(row[3]),
            return_ids=bool(row[4]),
            result=None if row[5] is None else json.loads(row[5]),
            errors=row[6],
        )

    def processing(self) -> list[str]:
        return [
            str(r[0])
            for r in self.db.execute("SELECT id FROM order_jobs WHERE status = 'Processing' ORDER BY created_at")
        ]

    def finish(self, job_id: str, result: dict[str, Any] | None, error: str | None) -> None:
        self.db.execute(
            "UPDATE order_jobs SET status = ?, result = ?, errors = ? WHERE id = ?",
            ("Failed" if error is not None else "Completed", None if result is None else _dumps(result), error, job_id),
        )
