"""Subscriptions: every version kept, read back through ``GET /v1/subscriptions/...``.

Each version is one row holding the document ``GET /v1/subscriptions/{key}`` returns (rate plans and
charges nested), plus the columns lookups need. An order that changes a subscription writes a new
version with new subscription, rate plan and charge ids; ``originalRatePlanId``/``originalChargeId``
tie them together, and every rate plan id ever issued stays a valid key (zuora-api.md §3.12: "the old
``ratePlanId`` still works").
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from cpq_desktop.sandbox.zuora import errors
from cpq_desktop.sandbox.zuora.errors import ApiError
from cpq_desktop.sandbox.zuora.orders_schema import RES_SUBSCRIPTION

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscription_versions (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    version INTEGER NOT NULL,
    is_latest INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    invoice_owner_id TEXT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (number, version)
);
CREATE INDEX IF NOT EXISTS subscription_versions_latest ON subscription_versions (number, is_latest);
CREATE INDEX IF NOT EXISTS subscription_versions_account ON subscription_versions (account_id, is_latest);
CREATE TABLE IF NOT EXISTS subscription_rate_plan_ids (
    rate_plan_id TEXT PRIMARY KEY,
    subscription_number TEXT NOT NULL,
    original_id TEXT NOT NULL
);
"""

# Keys of the stored document that are bookkeeping, not part of the wire format.
INTERNAL_PREFIX = "_"


@dataclass
class StoredSubscription:
    id: str
    number: str
    version: int
    doc: dict[str, Any]


class SubscriptionBook:
    """Reads and writes subscription versions inside the caller's transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def latest(self, number: str) -> StoredSubscription | None:
        row = self.db.execute(
            "SELECT id, number, version, doc FROM subscription_versions WHERE number = ? AND is_latest = 1",
            (number,),
        ).fetchone()
        return _stored(row)

    def version(self, number: str, version: int) -> StoredSubscription | None:
        row = self.db.execute(
            "SELECT id, number, version, doc FROM subscription_versions WHERE number = ? AND version = ?",
            (number, version),
        ).fetchone()
        return _stored(row)

    def by_id(self, subscription_id: str) -> StoredSubscription | None:
        row = self.db.execute(
            "SELECT id, number, version, doc FROM subscription_versions WHERE id = ?", (subscription_id,)
        ).fetchone()
        return _stored(row)

    def exists(self, number: str) -> bool:
        row = self.db.execute("SELECT 1 FROM subscription_versions WHERE number = ? LIMIT 1", (number,)).fetchone()
        return row is not None

    def for_account(self, account_id: str) -> list[StoredSubscription]:
        """Latest versions of the subscriptions an account owns or is invoiced for, oldest first."""
        rows = self.db.execute(
            "SELECT id, number, version, doc FROM subscription_versions "
            "WHERE is_latest = 1 AND (account_id = ? OR invoice_owner_id = ?) ORDER BY rowid",
            (account_id, account_id),
        ).fetchall()
        return [s for s in map(_stored, rows) if s is not None]

    def rate_plan_owner(self, rate_plan_id: str) -> tuple[str, str] | None:
        """(subscription number, original rate plan id) of a rate plan id from any version."""
        row = self.db.execute(
            "SELECT subscription_number, original_id FROM subscription_rate_plan_ids WHERE rate_plan_id = ?",
            (rate_plan_id,),
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def save(self, doc: dict[str, Any]) -> None:
        """Write ``doc`` as the new latest version of its subscription."""
        number = doc["subscriptionNumber"]
        self.db.execute("UPDATE subscription_versions SET is_latest = 0 WHERE number = ? AND is_latest = 1", (number,))
        self.db.execute(
            "INSERT INTO subscription_versions (id, number, version, is_latest, account_id, invoice_owner_id, "
            "status, doc) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
            (
                doc["id"],
                number,
                doc["version"],
                doc["accountId"],
                doc["invoiceOwnerAccountId"],
                doc["status"],
                json.dumps(doc, separators=(",", ":")),
            ),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO subscription_rate_plan_ids (rate_plan_id, subscription_number, original_id) "
            "VALUES (?, ?, ?)",
            [(rp["id"], number, rp["originalRatePlanId"]) for rp in doc["ratePlans"]],
        )

    def replace(self, stored: StoredSubscription) -> None:
        """Rewrite one version in place (custom field updates do not make a new version)."""
        self.db.execute(
            "UPDATE subscription_versions SET doc = ? WHERE id = ?",
            (json.dumps(stored.doc, separators=(",", ":")), stored.id),
        )


def _stored(row: sqlite3.Row | None) -> StoredSubscription | None:
    if row is None:
        return None
    return StoredSubscription(str(row[0]), str(row[1]), int(row[2]), json.loads(row[3]))


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """The wire form of a stored document: bookkeeping keys dropped, at every level."""
    out = {k: v for k, v in doc.items() if not k.startswith(INTERNAL_PREFIX)}
    out["ratePlans"] = [
        {
            **{k: v for k, v in rp.items() if not k.startswith(INTERNAL_PREFIX)},
            "ratePlanCharges": [
                {k: v for k, v in c.items() if not k.startswith(INTERNAL_PREFIX)} for c in rp["ratePlanCharges"]
            ],
        }
        for rp in doc.get("ratePlans", [])
    ]
    return out


def not_found(key: str) -> ApiError:
    return errors.not_found(RES_SUBSCRIPTION, f"Subscription '{key}' does not exist.")
