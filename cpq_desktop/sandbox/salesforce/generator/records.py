"""An in-memory buffer of generated rows whose lookups are symbolic references.

CPQ's object graph has cycles (Opportunity ↔ primary Quote, Order ↔ Contract, OrderItem ↔
Subscription), so rows are built first with :class:`Ref` placeholders and only get real ids when the
whole graph is written to the store in one pass per object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Ref:
    """The ``index``-th generated row of ``sobject``."""

    sobject: str
    index: int


class RecordBuffer:
    """Rows per sObject, in creation order."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def add(self, sobject: str, values: dict[str, Any]) -> Ref:
        rows = self.rows.setdefault(sobject, [])
        rows.append(values)
        return Ref(sobject, len(rows) - 1)

    def row(self, ref: Ref) -> dict[str, Any]:
        return self.rows[ref.sobject][ref.index]

    def update(self, ref: Ref, values: dict[str, Any]) -> None:
        self.rows[ref.sobject][ref.index].update(values)

    def count(self, sobject: str) -> int:
        return len(self.rows.get(sobject, ()))
