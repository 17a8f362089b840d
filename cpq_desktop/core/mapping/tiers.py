"""Usage tier boundaries: Salesforce consumption rates -> Zuora charge tiers (connector-spec §2.5, §2.6).

Salesforce bounds are lower-inclusive and upper-exclusive; Zuora's are inclusive at both ends. By
default each tier's upper bound is lowered by the unit of measure's smallest unit (1 for whole units,
0.01 for two decimals), except the last tier's. With the connector option "Increment tier upper bound
for decimal point" the upper bounds stay and every later tier's lower bound is raised instead.
Decimal arithmetic keeps 185.00 - 0.01 exactly 184.99.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class TierBounds:
    tier: int
    starting_unit: Decimal
    ending_unit: Decimal | None  # None: the last tier is open-ended


def smallest_unit(decimal_places: int) -> Decimal:
    """1 for a whole-unit UOM, 0.01 for two decimal places …"""
    return Decimal(1).scaleb(-decimal_places)


def convert_tier_bounds(
    bounds: Sequence[tuple[Decimal, Decimal | None]], *, unit: Decimal, increment_upper_bound: bool
) -> list[TierBounds]:
    """Zuora tiers for Salesforce ``(lower, upper)`` bounds, numbered in order of the lower bounds."""
    ordered = sorted(bounds, key=lambda pair: pair[0])
    last = len(ordered) - 1
    tiers = []
    for index, (lower, upper) in enumerate(ordered):
        if increment_upper_bound:
            start = lower + unit if index > 0 else lower
            end = upper
        else:
            start = lower
            end = upper - unit if upper is not None and index < last else upper
        tiers.append(TierBounds(index + 1, start, end))
    return tiers
