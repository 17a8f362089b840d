"""Calendar arithmetic for subscription terms and charge metrics (MRR, TCV).

Zuora adds months by calendar (31 Jan + 1 month = 28/29 Feb) and a term of N months ends N months
after it starts; charge metrics here are the simple, deterministic versions a reader can check by hand.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

# Months per Orders billing period (zuora-api.md §3.5 ``billingPeriod``); week/day periods are approximated.
MONTHS_PER_PERIOD: dict[str, float] = {
    "Month": 1,
    "Quarter": 3,
    "Semi_Annual": 6,
    "Annual": 12,
    "Eighteen_Months": 18,
    "Two_Years": 24,
    "Three_Years": 36,
    "Five_Years": 60,
    "Week": 12 / 52,
}


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_period(day: dt.date, period: int, period_type: str) -> dt.date:
    if period_type == "Year":
        return add_months(day, 12 * period)
    if period_type == "Month":
        return add_months(day, period)
    if period_type == "Week":
        return day + dt.timedelta(weeks=period)
    return day + dt.timedelta(days=period)


def term_months(period: int, period_type: str) -> float:
    return {"Year": 12.0, "Month": 1.0, "Week": 12 / 52, "Day": 12 / 365}.get(period_type, 1.0) * period


def tier_amount(tiers: list[dict[str, Any]], quantity: float, volume: bool) -> float:
    """Charge for ``quantity`` units under tiered (each tier its share) or volume (one tier) pricing."""
    total = 0.0
    covered = 0.0  # tiers cover (previous ending unit, ending unit]
    for tier in sorted(tiers, key=lambda t: t.get("tier") or 0):
        start = float(tier.get("startingUnit") or 0)
        end = tier.get("endingUnit")
        flat = tier.get("priceFormat") == "FlatFee"
        price = float(tier.get("price") or 0)
        if volume:
            if quantity >= start and (end is None or quantity <= float(end)):
                return price if flat else price * quantity
            continue
        if quantity <= covered or quantity < start:
            break
        upper = quantity if end is None else min(quantity, float(end))
        total += price if flat else price * (upper - covered)
        if end is None or quantity <= float(end):
            break
        covered = float(end)
    return total


def period_amount(charge: dict[str, Any]) -> float:
    """What one billing period (or the one-time event) of a charge costs."""
    model = charge.get("model")
    price = float(charge.get("price") or 0)
    quantity = float(charge.get("quantity") or 0)
    if model in ("PerUnit",):
        return price * quantity
    if model in ("Tiered", "Volume"):
        return tier_amount(charge.get("tiers") or [], quantity, model == "Volume")
    if model == "FlatFee":
        return price
    return 0.0


def charge_metrics(charge: dict[str, Any], months_in_term: float | None) -> tuple[float, float]:
    """(MRR, TCV) of a charge; evergreen terms count twelve months of recurring revenue."""
    amount = period_amount(charge)
    kind = charge.get("type")
    if kind == "OneTime":
        return 0.0, round(amount, 2)
    if kind != "Recurring":
        return 0.0, 0.0
    months = MONTHS_PER_PERIOD.get(str(charge.get("billingPeriod")), 1.0)
    mrr = amount / months if months else amount
    term = months_in_term if months_in_term is not None else 12.0
    return round(mrr, 2), round(mrr * term, 2)
