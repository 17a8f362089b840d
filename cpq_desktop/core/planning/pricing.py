"""Charge overrides and updates in the shape each charge model takes (zuora-api §3.5).

The mapping gives *logical* charge values (``price``, ``quantity``, ``billCycleType``, ``billingPeriod``,
``listPriceBase``, ``specificListPriceBase``, ``chargeNumber``); which pricing key they go under depends on
the catalog charge: ``recurringPerUnit`` takes a quantity and a per-unit price, ``recurringFlatFee`` a
price only, usage charges take tiers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cpq_desktop.core.mapping.model import ZUORA_CUSTOM_SUFFIX
from cpq_desktop.core.planning.catalog_ref import ChargeRef

_LOGICAL = ("price", "quantity", "billCycleType", "billingPeriod", "listPriceBase", "specificListPriceBase")
_PREFIX = {"Recurring": "recurring", "OneTime": "oneTime", "Usage": "usage"}


def number(value: Any) -> int | float | None:
    """A JSON number for Zuora: whole numbers as ints (``10.0`` → ``10``), others as floats."""
    if value is None or isinstance(value, bool):
        return None
    try:
        as_decimal = Decimal(str(value))
    except ArithmeticError:
        return None
    return int(as_decimal) if as_decimal == as_decimal.to_integral_value() else float(as_decimal)


def pricing_key(charge: ChargeRef) -> str:
    return _PREFIX.get(charge.charge_type, "recurring") + charge.model


def _pricing_values(charge: ChargeRef, values: dict[str, Any], *, with_quantity: bool = True) -> dict[str, Any]:
    pricing: dict[str, Any] = {}
    quantity, price = number(values.get("quantity")), number(values.get("price"))
    per_unit = charge.model in ("PerUnit", "Tiered", "Volume") and charge.charge_type != "Usage"
    if per_unit and with_quantity and quantity is not None:
        pricing["quantity"] = quantity
    if price is not None and charge.model in ("PerUnit", "FlatFee"):
        pricing["listPrice"] = price
    if charge.charge_type == "Recurring" and charge.model in ("PerUnit", "FlatFee"):
        base, months = values.get("listPriceBase"), values.get("specificListPriceBase")
        if base is not None and (base != "Per_Specific_Months" or months is not None):
            pricing["listPriceBase"] = base
            if months is not None:
                pricing["specificListPriceBase"] = months
    return pricing


def charge_override(charge: ChargeRef, values: dict[str, Any]) -> dict[str, Any]:
    """A ``chargeOverrides[]`` entry from the mapped charge values."""
    override: dict[str, Any] = {"productRatePlanChargeId": charge.charge_id}
    if values.get("chargeNumber") is not None:
        override["chargeNumber"] = str(values["chargeNumber"])
    pricing = _pricing_values(charge, values)
    if pricing:
        override["pricing"] = {pricing_key(charge): pricing}
    billing = {k: values[k] for k in ("billCycleType", "billingPeriod") if values.get(k) is not None}
    if billing and charge.charge_type == "Recurring":
        override["billing"] = billing
    custom = {k: v for k, v in values.items() if k.endswith(ZUORA_CUSTOM_SUFFIX)}
    if custom:
        override["customFields"] = custom
    for key, value in values.items():
        if key not in _LOGICAL and key != "chargeNumber" and not key.endswith(ZUORA_CUSTOM_SUFFIX):
            override[key] = value
    return override


def usage_override(charge: ChargeRef, tiers: list[dict[str, Any]]) -> dict[str, Any]:
    return {"productRatePlanChargeId": charge.charge_id, "pricing": {pricing_key(charge): {"tiers": tiers}}}


def charge_update(
    charge_number: str, charge: ChargeRef, *, quantity: Any = None, price: Any = None
) -> dict[str, Any] | None:
    """A ``chargeUpdates[]`` entry changing quantity and/or price; None when the model takes neither."""
    values = {"quantity": quantity, "price": price}
    pricing = _pricing_values(charge, values)
    if not pricing:
        return None
    return {"chargeNumber": charge_number, "pricing": {pricing_key(charge): pricing}}
