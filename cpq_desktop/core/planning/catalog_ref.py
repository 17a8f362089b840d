"""A reference to the catalog charge an order uses (shared by the catalog and order planning)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChargeRef:
    """The catalog charge an order uses: its id (or a placeholder), the step creating it, its shape."""

    charge_id: str
    depends_on: str | None
    charge_type: str  # Recurring | OneTime | Usage
    model: str  # PerUnit | FlatFee | Tiered | Volume | …
    description: str
