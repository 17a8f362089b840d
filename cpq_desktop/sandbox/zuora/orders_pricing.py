"""Charge pricing in orders: which ``pricing`` key fits a charge, and applying it to the charge's state.

A charge override or update carries exactly one pricing key (zuora-api.md §3.5); it must match the
charge's type and model (``recurringPerUnit`` only on a recurring per-unit charge, and so on), as Zuora
refuses e.g. a flat-fee override on a per-unit charge.
"""

from __future__ import annotations

from typing import Any

from cpq_desktop.sandbox.zuora.errors import ApiError
from cpq_desktop.sandbox.zuora.orders_schema import RES_RATE_PLAN_CHARGE

_TYPE_PREFIX = {"Recurring": "recurring", "OneTime": "oneTime", "Usage": "usage"}
_MODEL_SUFFIX = {
    "FlatFee": "FlatFee",
    "PerUnit": "PerUnit",
    "Tiered": "Tiered",
    "Volume": "Volume",
    "Overage": "Overage",
    "TieredWithOverage": "TieredWithOverage",
}
DISCOUNT_MODELS = ("DiscountFixedAmount", "DiscountPercentage")


def pricing_key(charge_type: str, model: str) -> str | None:
    """The pricing key that fits a charge, e.g. ``recurringPerUnit``; ``discount`` for discounts."""
    if model in DISCOUNT_MODELS:
        return "discount"
    prefix, suffix = _TYPE_PREFIX.get(charge_type), _MODEL_SUFFIX.get(model)
    if prefix is None or suffix is None:
        return None
    return prefix + suffix


def apply_pricing(state: dict[str, Any], pricing: dict[str, Any], *, override: bool, at: str) -> None:
    """Apply a ``pricing`` object to a charge's state (override on create, update on amendment)."""
    given = [k for k, v in pricing.items() if v is not None]
    if len(given) != 1:
        raise ApiError.of(
            RES_RATE_PLAN_CHARGE,
            30,
            f"'pricing' must contain exactly one pricing model, it has {len(given)}: "
            f"{', '.join(given) or 'none'} (in {at}).",
        )
    key = given[0]
    expected = pricing_key(state["type"], state["model"])
    if key != expected:
        raise ApiError.of(
            RES_RATE_PLAN_CHARGE,
            30,
            f"The pricing '{key}' does not match the charge '{state['name']}', which is a {state['type']} "
            f"{state['model']} charge; use '{expected}' (in {at}).",
        )
    values: dict[str, Any] = pricing[key]
    if "listPrice" in values and values["listPrice"] is not None:
        state["price"] = float(values["listPrice"])
    if values.get("quantity") is not None:
        state["quantity"] = float(values["quantity"])
    if values.get("tiers") is not None:
        state["tiers"] = _check_tiers(values["tiers"], at)
    for name in (
        "uom",
        "listPriceBase",
        "specificListPriceBase",
        "priceChangeOption",
        "priceIncreasePercentage",
        "includedUnits",
        "overagePrice",
        "discountPercentage",
        "discountAmount",
        "applyDiscountTo",
        "discountLevel",
        "originalListPrice",
    ):
        if values.get(name) is not None:
            state[name] = values[name]
    if state.get("listPriceBase") == "Per_Specific_Months" and state.get("specificListPriceBase") is None:
        raise ApiError.of(
            RES_RATE_PLAN_CHARGE,
            22,
            f"'specificListPriceBase' may not be empty when 'listPriceBase' is Per_Specific_Months (in {at}.{key})",
        )
    if override and key in ("recurringTiered", "recurringVolume") and state.get("quantity") is None:
        raise ApiError.of(RES_RATE_PLAN_CHARGE, 22, f"'quantity' may not be empty (in {at}.{key})")


def _check_tiers(tiers: list[dict[str, Any]], at: str) -> list[dict[str, Any]]:
    ordered = sorted(tiers, key=lambda t: t["tier"])
    for expected, tier in enumerate(ordered, start=1):
        if tier["tier"] != expected:
            raise ApiError.of(
                RES_RATE_PLAN_CHARGE,
                20,
                f"Tiers must be numbered 1, 2, 3... without gaps; tier {expected} is missing (in {at}.tiers).",
            )
        end = tier.get("endingUnit")
        if end is not None and end < tier["startingUnit"]:
            raise ApiError.of(
                RES_RATE_PLAN_CHARGE,
                20,
                f"Tier {expected} ends ({end}) before it starts ({tier['startingUnit']}) (in {at}.tiers).",
            )
        if end is None and expected != len(ordered):
            raise ApiError.of(
                RES_RATE_PLAN_CHARGE,
                20,
                f"Only the last tier may be open-ended; tier {expected} has no 'endingUnit' (in {at}.tiers).",
            )
    return [
        {
            "tier": t["tier"],
            "startingUnit": t["startingUnit"],
            "endingUnit": t.get("endingUnit"),
            "price": t["price"],
            "priceFormat": t["priceFormat"],
        }
        for t in ordered
    ]


def pricing_summary(charge: dict[str, Any]) -> str:
    """Zuora's one-line price description, e.g. ``USD40/Each`` or ``USD1500``."""
    currency = charge.get("currency") or ""
    model = charge.get("model")
    if model in ("Tiered", "Volume") and charge.get("tiers"):
        parts = []
        for t in charge["tiers"]:
            span = (
                f"{_num(t['startingUnit'])}-{_num(t['endingUnit'])}"
                if t.get("endingUnit") is not None
                else f">{_num(t['startingUnit'])}"
            )
            unit = "" if t.get("priceFormat") == "FlatFee" else f"/{charge.get('uom') or 'Each'}"
            parts.append(f"{span}: {currency}{_num(t['price'])}{unit}")
        return "; ".join(parts)
    if model in DISCOUNT_MODELS:
        if charge.get("discountPercentage") is not None:
            return f"{_num(charge['discountPercentage'])}% discount"
        return f"{currency}{_num(charge.get('discountAmount') or 0)} discount"
    price = charge.get("price")
    if price is None:
        return ""
    if model == "PerUnit":
        return f"{currency}{_num(price)}/{charge.get('uom') or 'Each'}"
    return f"{currency}{_num(price)}"


def _num(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"
