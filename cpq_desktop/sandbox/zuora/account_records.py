"""Account storage: one JSON document per account, with the keys clients look accounts up by.

Shared by the Accounts API, the Orders API (``newAccount`` / ``existingAccountNumber``), Object Query
and ZOQL. An account key is its number or its 32-char id (zuora-api.md §4.2).
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from cpq_desktop.sandbox.zuora import errors
from cpq_desktop.sandbox.zuora.errors import RES_ACCOUNT
from cpq_desktop.sandbox.zuora.records import dump, load, now_stamp
from cpq_desktop.sandbox.zuora.store import TenantStore, new_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    account_number TEXT NOT NULL UNIQUE,
    crm_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS accounts_crm ON accounts(crm_id);
"""

_FORBIDDEN_NUMBER_CHARS = re.compile(r"[#?/]")


def get_account(db: sqlite3.Connection, account_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT data FROM accounts WHERE id = ?", (account_id,)).fetchone()
    return None if row is None else load(row["data"])


def find_account(db: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    """By account number first, then by id (either may be used as an account key)."""
    row = db.execute("SELECT data FROM accounts WHERE account_number = ?", (key,)).fetchone()
    if row is None:
        row = db.execute("SELECT data FROM accounts WHERE id = ?", (key,)).fetchone()
    return None if row is None else load(row["data"])


def require_account(db: sqlite3.Connection, key: str) -> dict[str, Any]:
    account = find_account(db, key)
    if account is None:
        raise errors.not_found(RES_ACCOUNT, f"Cannot find entity by key: '{key}'.")
    return account


def all_accounts(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return [load(r["data"]) for r in db.execute("SELECT data FROM accounts ORDER BY seq")]


def allocate_number(db: sqlite3.Connection, store: TenantStore, requested: str | None) -> str:
    """The requested account number (checked unique) or the next ``A00000001``-style number."""
    if requested is not None:
        if _FORBIDDEN_NUMBER_CHARS.search(requested):
            raise errors.invalid_value(RES_ACCOUNT, "The account number must not contain '#', '?' or '/'.")
        if db.execute("SELECT 1 FROM accounts WHERE account_number = ?", (requested,)).fetchone():
            raise errors.business_rule(
                RES_ACCOUNT, f"The account number '{requested}' is already used by another account."
            )
        return requested
    while True:
        number = f"A{store.next_number(db, 'account'):08d}"
        if not db.execute("SELECT 1 FROM accounts WHERE account_number = ?", (number,)).fetchone():
            return number


def insert_account(db: sqlite3.Connection, store: TenantStore, record: dict[str, Any]) -> dict[str, Any]:
    """Store a new account. ``record`` holds the account fields; id, dates and seq are filled in."""
    stamp = now_stamp()
    record.setdefault("id", new_id())
    record.setdefault("status", "Active")
    record.setdefault("balance", 0)
    record.setdefault("customFields", {})
    record["createdDate"] = stamp
    record["updatedDate"] = stamp
    seq = store.next_number(db, "account-seq")
    db.execute(
        "INSERT INTO accounts(id, seq, account_number, crm_id, data) VALUES (?, ?, ?, ?, ?)",
        (record["id"], seq, record["accountNumber"], record.get("crmId"), dump(record)),
    )
    return record


def save_account(db: sqlite3.Connection, record: dict[str, Any]) -> None:
    record["updatedDate"] = now_stamp()
    db.execute(
        "UPDATE accounts SET crm_id = ?, data = ? WHERE id = ?",
        (record.get("crmId"), dump(record), record["id"]),
    )
