"""State shared while one org is generated: the record buffer, the seeded random source, catalog lookups."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cpq_desktop.sandbox.salesforce.generator.dates import iso_datetime
from cpq_desktop.sandbox.salesforce.generator.records import RecordBuffer, Ref


@dataclass
class AccountInfo:
    """What deals need to know about a generated account."""

    ref: Ref
    name: str
    currency: str
    billing: dict[str, str | None] | None
    shipping: dict[str, str | None] | None
    owner: Ref | str
    kind: str = "Customer - Direct"
    bill_to: Ref | None = None
    sold_to: Ref | None = None
    parent: AccountInfo | None = None


@dataclass
class CatalogRefs:
    """Generated catalog rows, keyed by the catalog's own keys."""

    products: dict[str, Ref] = field(default_factory=dict)
    pricebooks: dict[str, Ref] = field(default_factory=dict)
    # (price book key, product key, currency) -> (entry, unit price)
    entries: dict[tuple[str, str, str], tuple[Ref, float]] = field(default_factory=dict)
    # (schedule key, currency) -> schedule
    schedules: dict[tuple[str, str], Ref] = field(default_factory=dict)
    # (product key, schedule key, currency) -> product consumption schedule
    product_schedules: dict[tuple[str, str, str], Ref] = field(default_factory=dict)


class GenContext:
    """Everything a generation step reads or appends to."""

    def __init__(self, seed: int, currencies: tuple[str, ...]) -> None:
        self.rng = random.Random(seed)
        # The org's currencies, corporate currency first; a single-currency org has just that one.
        self.currencies = currencies
        self.buffer = RecordBuffer()
        self.catalog = CatalogRefs()
        self.users: list[Ref | str] = []

    @property
    def integration_user(self) -> Ref | str:
        return self.users[0]

    def add(self, sobject: str, values: dict[str, Any], *, at: datetime, by: Ref | str | None = None) -> Ref:
        """Append a row stamped as created (and last modified) at ``at`` by ``by`` (the integration user)."""
        stamp = iso_datetime(at)
        user = by if by is not None else (self.users[0] if self.users else None)
        values["CreatedDate"] = stamp
        values["LastModifiedDate"] = stamp
        values["SystemModstamp"] = stamp
        if user is not None:
            values["CreatedById"] = user
            values["LastModifiedById"] = user
        return self.buffer.add(sobject, values)

    def touch(self, ref: Ref, values: dict[str, Any], *, at: datetime) -> None:
        """Apply a later edit to a row, moving its modification stamps forward (never backward)."""
        row = self.buffer.row(ref)
        stamp = iso_datetime(at)
        row.update(values)
        if stamp > row["LastModifiedDate"]:
            row["LastModifiedDate"] = stamp
            row["SystemModstamp"] = stamp
