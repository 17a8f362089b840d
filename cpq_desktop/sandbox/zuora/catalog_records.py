"""Product catalog storage and the two spellings of its values.

Records are stored as the CRUD API writes them (PascalCase keys, ``Per Unit Pricing``-style enum
values); the read APIs, Object Query and the Orders API use camelCase keys and other enum spellings
(``PerUnit``, ``Semi_Annual``, ``IN_ADVANCE`` — zuora-api.md §5.1). The mapping tables live here.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from cpq_desktop.sandbox.zuora.records import dump, load

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    sku TEXT NOT NULL UNIQUE,
    number TEXT UNIQUE,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS product_rate_plans (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    product_id TEXT NOT NULL,
    number TEXT UNIQUE,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS product_rate_plans_product ON product_rate_plans(product_id);
CREATE TABLE IF NOT EXISTS product_rate_plan_external_ids (
    external_id TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    PRIMARY KEY (external_id, plan_id)
);
CREATE TABLE IF NOT EXISTS product_rate_plan_charges (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    plan_id TEXT NOT NULL,
    number TEXT UNIQUE,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS product_rate_plan_charges_plan ON product_rate_plan_charges(plan_id);
"""

# CRUD spelling -> read/Orders spelling.
CHARGE_MODELS = {
    "Flat Fee Pricing": "FlatFee",
    "Per Unit Pricing": "PerUnit",
    "Tiered Pricing": "Tiered",
    "Volume Pricing": "Volume",
    "Overage Pricing": "Overage",
    "Tiered with Overage Pricing": "TieredWithOverage",
    "Discount-Fixed Amount": "DiscountFixedAmount",
    "Discount-Percentage": "DiscountPercentage",
    "Delivery Pricing": "Delivery",
    "Calculated": "Calculated",
    "MultiAttributePricing": "MultiAttributePricing",
    "PreratedPerUnit": "PreratedPerUnit",
    "PreratedPricing": "PreratedPricing",
    "HighWatermarkVolumePricing": "HighWatermarkVolumePricing",
    "HighWatermarkTieredPricing": "HighWatermarkTieredPricing",
}
CHARGE_TYPES = {"OneTime": "OneTime", "Recurring": "Recurring", "Usage": "Usage"}
BILLING_PERIODS = {
    "Month": "Month",
    "Quarter": "Quarter",
    "Annual": "Annual",
    "Semi-Annual": "Semi_Annual",
    "Eighteen Months": "Eighteen_Months",
    "Two Years": "Two_Years",
    "Three Years": "Three_Years",
    "Five Years": "Five_Years",
    "Specific Months": "Specific_Months",
    "Subscription Term": "Subscription_Term",
    "Week": "Week",
    "Specific Weeks": "Specific_Weeks",
    "Specific Days": "Specific_Days",
}
BILL_CYCLE_TYPES = {
    v: v
    for v in (
        "DefaultFromCustomer",
        "SpecificDayofMonth",
        "SubscriptionStartDay",
        "ChargeTriggerDay",
        "SpecificDayofWeek",
        "TermStartDay",
        "TermEndDay",
    )
}
TRIGGER_EVENTS = {v: v for v in ("ContractEffective", "ServiceActivation", "CustomerAcceptance", "SpecificDate")}
BILLING_TIMINGS = {"In Advance": "IN_ADVANCE", "In Arrears": "IN_ARREARS"}
BILLING_PERIOD_ALIGNMENTS = {
    v: v for v in ("AlignToCharge", "AlignToSubscriptionStart", "AlignToTermStart", "AlignToTermEnd")
}
END_DATE_CONDITIONS = {
    "SubscriptionEnd": "Subscription_End",
    "FixedPeriod": "Fixed_Period",
    "OneTime": "One_Time",
    "SpecificEndDate": "Specific_End_Date",
}
UP_TO_PERIODS_TYPES = {
    "Billing Periods": "Billing_Periods",
    "Days": "Days",
    "Weeks": "Weeks",
    "Months": "Months",
    "Years": "Years",
}
LIST_PRICE_BASES = {
    "Per Billing Period": "Per_Billing_Period",
    "Per Month": "Per_Month",
    "Per Week": "Per_Week",
    "Per Year": "Per_Year",
    "Per Specific Months": "Per_Specific_Months",
    "Per Validity Period": "Per_Validity_Period",
}
PRICE_FORMATS = {"Flat Fee": "FlatFee", "Per Unit": "PerUnit"}
TAX_MODES = {"TaxExclusive": "TaxExclusive", "TaxInclusive": "TaxInclusive"}
DISCOUNT_LEVELS = {v: v for v in ("rateplan", "subscription", "account")}
APPLY_DISCOUNT_TO = {
    v: v
    for v in (
        "ONETIME",
        "RECURRING",
        "USAGE",
        "ONETIMERECURRING",
        "ONETIMEUSAGE",
        "RECURRINGUSAGE",
        "ONETIMERECURRINGUSAGE",
    )
}
PRODUCT_CATEGORIES = ("Base Products", "Add On Services", "Miscellaneous Products")

UNIT_MODELS = ("Per Unit Pricing", "Tiered Pricing", "Volume Pricing", "Overage Pricing", "Tiered with Overage Pricing")
TIERED_MODELS = ("Tiered Pricing", "Volume Pricing", "Tiered with Overage Pricing")
DISCOUNT_MODELS = ("Discount-Fixed Amount", "Discount-Percentage")


def status_for(start: str | None, end: str | None, today: dt.date | None = None) -> str:
    """``Active`` / ``Expired`` / ``NotStarted`` from effective dates."""
    today = today or dt.date.today()
    if start and dt.date.fromisoformat(start) > today:
        return "NotStarted"
    if end and dt.date.fromisoformat(end) <= today:
        return "Expired"
    return "Active"


# -- reads -----------------------------------------------------------------------------------------


def get_product(db: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    """By id, SKU or product number."""
    for column in ("id", "sku", "number"):
        row = db.execute(f"SELECT data FROM products WHERE {column} = ?", (key,)).fetchone()
        if row is not None:
            return load(row["data"])
    return None


def all_products(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return [load(r["data"]) for r in db.execute("SELECT data FROM products ORDER BY seq")]


def get_plan(db: sqlite3.Connection, plan_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT data FROM product_rate_plans WHERE id = ?", (plan_id,)).fetchone()
    return None if row is None else load(row["data"])


def plan_by_number(db: sqlite3.Connection, number: str) -> dict[str, Any] | None:
    row = db.execute("SELECT data FROM product_rate_plans WHERE number = ?", (number,)).fetchone()
    return None if row is None else load(row["data"])


def plans_by_external_id(db: sqlite3.Connection, external_id: str) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT p.data FROM product_rate_plans p JOIN product_rate_plan_external_ids e ON e.plan_id = p.id "
        "WHERE e.external_id = ? ORDER BY p.seq",
        (external_id,),
    )
    return [load(r["data"]) for r in rows]


def plans_of_product(db: sqlite3.Connection, product_id: str) -> list[dict[str, Any]]:
    rows = db.execute("SELECT data FROM product_rate_plans WHERE product_id = ? ORDER BY seq", (product_id,))
    return [load(r["data"]) for r in rows]


def all_plans(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return [load(r["data"]) for r in db.execute("SELECT data FROM product_rate_plans ORDER BY seq")]


def get_charge(db: sqlite3.Connection, charge_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT data FROM product_rate_plan_charges WHERE id = ?", (charge_id,)).fetchone()
    return None if row is None else load(row["data"])


def charge_by_number(db: sqlite3.Connection, number: str) -> dict[str, Any] | None:
    row = db.execute("SELECT data FROM product_rate_plan_charges WHERE number = ?", (number,)).fetchone()
    return None if row is None else load(row["data"])


def charges_of_plan(db: sqlite3.Connection, plan_id: str) -> list[dict[str, Any]]:
    rows = db.execute("SELECT data FROM product_rate_plan_charges WHERE plan_id = ? ORDER BY seq", (plan_id,))
    return [load(r["data"]) for r in rows]


def all_charges(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return [load(r["data"]) for r in db.execute("SELECT data FROM product_rate_plan_charges ORDER BY seq")]


# -- writes ----------------------------------------------------------------------------------------


def insert_product(db: sqlite3.Connection, seq: int, record: dict[str, Any]) -> None:
    db.execute(
        "INSERT INTO products(id, seq, sku, number, data) VALUES (?, ?, ?, ?, ?)",
        (record["Id"], seq, record["SKU"], record.get("ProductNumber"), dump(record)),
    )


def save_product(db: sqlite3.Connection, record: dict[str, Any]) -> None:
    db.execute(
        "UPDATE products SET sku = ?, number = ?, data = ? WHERE id = ?",
        (record["SKU"], record.get("ProductNumber"), dump(record), record["Id"]),
    )


def insert_plan(db: sqlite3.Connection, seq: int, record: dict[str, Any]) -> None:
    db.execute(
        "INSERT INTO product_rate_plans(id, seq, product_id, number, data) VALUES (?, ?, ?, ?, ?)",
        (record["Id"], seq, record["ProductId"], record.get("ProductRatePlanNumber"), dump(record)),
    )
    _index_external_ids(db, record)


def save_plan(db: sqlite3.Connection, record: dict[str, Any]) -> None:
    db.execute(
        "UPDATE product_rate_plans SET product_id = ?, number = ?, data = ? WHERE id = ?",
        (record["ProductId"], record.get("ProductRatePlanNumber"), dump(record), record["Id"]),
    )
    _index_external_ids(db, record)


def _index_external_ids(db: sqlite3.Connection, record: dict[str, Any]) -> None:
    db.execute("DELETE FROM product_rate_plan_external_ids WHERE plan_id = ?", (record["Id"],))
    db.executemany(
        "INSERT OR IGNORE INTO product_rate_plan_external_ids(external_id, plan_id) VALUES (?, ?)",
        [(ext, record["Id"]) for ext in record.get("ExternalRatePlanIds") or []],
    )


def insert_charge(db: sqlite3.Connection, seq: int, record: dict[str, Any]) -> None:
    db.execute(
        "INSERT INTO product_rate_plan_charges(id, seq, plan_id, number, data) VALUES (?, ?, ?, ?, ?)",
        (record["Id"], seq, record["ProductRatePlanId"], record.get("ProductRatePlanChargeNumber"), dump(record)),
    )


def save_charge(db: sqlite3.Connection, record: dict[str, Any]) -> None:
    db.execute(
        "UPDATE product_rate_plan_charges SET plan_id = ?, number = ?, data = ? WHERE id = ?",
        (record["ProductRatePlanId"], record.get("ProductRatePlanChargeNumber"), dump(record), record["Id"]),
    )


def delete_charge(db: sqlite3.Connection, charge_id: str) -> None:
    db.execute("DELETE FROM product_rate_plan_charges WHERE id = ?", (charge_id,))


def delete_plan(db: sqlite3.Connection, plan_id: str) -> None:
    db.execute("DELETE FROM product_rate_plan_charges WHERE plan_id = ?", (plan_id,))
    db.execute("DELETE FROM product_rate_plan_external_ids WHERE plan_id = ?", (plan_id,))
    db.execute("DELETE FROM product_rate_plans WHERE id = ?", (plan_id,))


def delete_product(db: sqlite3.Connection, product_id: str) -> None:
    for plan in plans_of_product(db, product_id):
        delete_plan(db, plan["Id"])
    db.execute("DELETE FROM products WHERE id = ?", (product_id,))


# -- read-API views (camelCase, read spellings) ----------------------------------------------------


def tier_view(tier: dict[str, Any]) -> dict[str, Any]:
    return {
        "tier": tier.get("Tier"),
        "startingUnit": tier.get("StartingUnit"),
        "endingUnit": tier.get("EndingUnit"),
        "price": tier.get("Price"),
        "priceFormat": PRICE_FORMATS.get(tier.get("PriceFormat") or "Per Unit", "PerUnit"),
    }


def pricing_view(charge: dict[str, Any]) -> list[dict[str, Any]]:
    """``pricing[]`` of the catalog read API: one entry per currency."""
    by_currency: dict[str, list[dict[str, Any]]] = {}
    for tier in charge.get("Tiers", []):
        by_currency.setdefault(tier["Currency"], []).append(tier)
    model = charge["ChargeModel"]
    out = []
    for currency, tiers in by_currency.items():
        entry: dict[str, Any] = {
            "currency": currency,
            "price": None,
            "tiers": None,
            "includedUnits": charge.get("IncludedUnits"),
            "overagePrice": None,
            "discountPercentage": None,
            "discountAmount": None,
        }
        if model in TIERED_MODELS:
            entry["tiers"] = [{**tier_view(t), "currency": currency} for t in tiers if not t.get("IsOveragePrice")]
            overage = [t for t in tiers if t.get("IsOveragePrice")]
            if overage:
                entry["overagePrice"] = overage[0].get("Price")
        elif model == "Discount-Percentage":
            entry["discountPercentage"] = tiers[0].get("DiscountPercentage")
        elif model == "Discount-Fixed Amount":
            entry["discountAmount"] = tiers[0].get("DiscountAmount")
        elif model == "Overage Pricing":
            entry["overagePrice"] = tiers[0].get("Price")
        else:
            entry["price"] = tiers[0].get("Price")
        out.append(entry)
    return out


def pricing_summary(charge: dict[str, Any]) -> list[str]:
    summary = []
    for entry in pricing_view(charge):
        if entry["price"] is not None:
            summary.append(f"{entry['currency']}{_fmt(entry['price'])}")
        elif entry["tiers"]:
            summary.append(f"{entry['currency']}{_fmt(entry['tiers'][0]['price'])} ({len(entry['tiers'])} tiers)")
        elif entry["discountPercentage"] is not None:
            summary.append(f"{_fmt(entry['discountPercentage'])}% discount")
        elif entry["discountAmount"] is not None:
            summary.append(f"{entry['currency']}{_fmt(entry['discountAmount'])} discount")
    return summary


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def charge_view(charge: dict[str, Any]) -> dict[str, Any]:
    """A product rate plan charge as ``GET /v1/rateplan/{product}/productRatePlan`` lists it."""
    view = {
        "id": charge["Id"],
        "name": charge["Name"],
        "type": CHARGE_TYPES.get(charge["ChargeType"], charge["ChargeType"]),
        "model": CHARGE_MODELS.get(charge["ChargeModel"], charge["ChargeModel"]),
        "productRatePlanChargeNumber": charge.get("ProductRatePlanChargeNumber"),
        "description": charge.get("Description", ""),
        "uom": charge.get("UOM"),
        "defaultQuantity": charge.get("DefaultQuantity"),
        "billingDay": charge.get("BillCycleType"),
        "billingPeriod": BILLING_PERIODS.get(charge.get("BillingPeriod") or "", charge.get("BillingPeriod")),
        "billingTiming": BILLING_TIMINGS.get(charge.get("BillingTiming") or "In Advance"),
        "billingPeriodAlignment": charge.get("BillingPeriodAlignment", "AlignToCharge"),
        "specificBillingPeriod": charge.get("SpecificBillingPeriod"),
        "endDateCondition": END_DATE_CONDITIONS.get(charge.get("EndDateCondition") or "SubscriptionEnd"),
        "upToPeriods": charge.get("UpToPeriods"),
        "upToPeriodsType": UP_TO_PERIODS_TYPES.get(charge.get("UpToPeriodsType") or ""),
        "listPriceBase": LIST_PRICE_BASES.get(charge.get("ListPriceBase") or ""),
        "specificListPriceBase": charge.get("SpecificListPriceBase"),
        "triggerEvent": charge.get("TriggerEvent"),
        "taxable": charge.get("Taxable", False),
        "taxCode": charge.get("TaxCode", ""),
        "taxMode": charge.get("TaxMode"),
        "discountLevel": charge.get("DiscountLevel"),
        "applyDiscountTo": charge.get("ApplyDiscountTo"),
        "includedUnits": charge.get("IncludedUnits"),
        "pricing": pricing_view(charge),
        "pricingSummary": pricing_summary(charge),
        **charge.get("CustomFields", {}),
    }
    return view


def plan_view(plan: dict[str, Any], charges: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": plan["Id"],
        "name": plan["Name"],
        "description": plan.get("Description", ""),
        "status": status_for(plan.get("EffectiveStartDate"), plan.get("EffectiveEndDate")),
        "effectiveStartDate": plan.get("EffectiveStartDate"),
        "effectiveEndDate": plan.get("EffectiveEndDate"),
        "productRatePlanNumber": plan.get("ProductRatePlanNumber"),
        "grade": plan.get("Grade"),
        "externalIdSourceSystem": plan.get("ExternalIdSourceSystem"),
        "externallyManagedPlanIds": list(plan.get("ExternalRatePlanIds") or []),
        "activeCurrencies": list(plan.get("ActiveCurrencies") or []),
        **plan.get("CustomFields", {}),
    }
    if charges is not None:
        view["productRatePlanCharges"] = [charge_view(c) for c in charges]
    return view


def product_view(product: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": product["Id"],
        "sku": product["SKU"],
        "productNumber": product.get("ProductNumber"),
        "name": product["Name"],
        "category": product.get("Category"),
        "description": product.get("Description", ""),
        "effectiveStartDate": product.get("EffectiveStartDate"),
        "effectiveEndDate": product.get("EffectiveEndDate"),
        "productFeatures": [],
        "tags": None,
        **product.get("CustomFields", {}),
    }


def get_product_by_id(db: sqlite3.Connection, product_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT data FROM products WHERE id = ?", (product_id,)).fetchone()
    return None if row is None else load(row["data"])
