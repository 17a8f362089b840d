"""What the order engine needs to know about accounts and the product catalog.

The engine reads accounts and catalog entries through :class:`Directory`, so it depends on a handful
of facts (an account's number and currency, a plan's charges and prices), not on how the tenant's
account and catalog modules store them.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from cpq_desktop.sandbox.zuora import account_records, accounts, catalog_records, contacts, records
from cpq_desktop.sandbox.zuora.store import TenantStore


@dataclass(frozen=True)
class AccountInfo:
    id: str
    number: str
    name: str
    currency: str
    status: str = "Active"
    bill_to_contact_id: str | None = None
    sold_to_contact_id: str | None = None
    payment_term: str | None = None


@dataclass(frozen=True)
class CatalogCharge:
    """A product rate plan charge, with values in the Orders/read-API spelling (zuora-api.md §5.1)."""

    id: str
    number: str
    name: str
    type: str  # Recurring | OneTime | Usage
    model: str  # FlatFee | PerUnit | Tiered | Volume | Overage | TieredWithOverage | Discount* ...
    prices: dict[str, float | None] = field(default_factory=dict)  # currency -> price
    tiers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # currency -> tiers
    default_quantity: float | None = None
    uom: str | None = None
    billing_period: str | None = None
    billing_timing: str | None = None
    bill_cycle_type: str | None = None
    billing_period_alignment: str | None = None
    trigger_event: str = "ContractEffective"
    end_date_condition: str = "Subscription_End"
    list_price_base: str | None = None
    up_to_periods: int | None = None
    up_to_periods_type: str | None = None
    discount_percentage: float | None = None
    discount_amount: float | None = None
    apply_discount_to: str | None = None
    discount_level: str | None = None
    included_units: float | None = None
    overage_price: float | None = None
    taxable: bool = False
    tax_code: str | None = None
    tax_mode: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class CatalogPlan:
    id: str
    number: str
    name: str
    product_id: str
    product_name: str
    product_sku: str
    external_ids: tuple[str, ...] = ()
    charges: tuple[CatalogCharge, ...] = ()
    status: str = "Active"

    def charge(self, charge_id: str) -> CatalogCharge | None:
        return next((c for c in self.charges if c.id == charge_id), None)


class Directory(Protocol):
    """Account and catalog lookups, inside the caller's transaction."""

    def account(self, db: sqlite3.Connection, key: str) -> AccountInfo | None:
        """An account by number or id."""
        ...

    def create_account(self, db: sqlite3.Connection, new_account: dict[str, Any]) -> AccountInfo:
        """Create the account (and its contacts) of an order's ``newAccount``; raises ``ApiError``."""
        ...

    def plans(
        self,
        db: sqlite3.Connection,
        *,
        plan_id: str | None = None,
        number: str | None = None,
        external_id: str | None = None,
    ) -> list[CatalogPlan]:
        """Product rate plans matching one key (an external id may match several)."""
        ...

    def charge_plan(self, db: sqlite3.Connection, charge_id: str) -> CatalogPlan | None:
        """The plan holding a product rate plan charge id."""
        ...


class TenantDirectory:
    """:class:`Directory` over the tenant's account and catalog modules."""

    def __init__(self, store: TenantStore) -> None:
        self.store = store
        self._plans = _PlanCache()

    def account(self, db: sqlite3.Connection, key: str) -> AccountInfo | None:
        record = account_records.find_account(db, key)
        return None if record is None else _account_info(record)

    def create_account(self, db: sqlite3.Connection, new_account: dict[str, Any]) -> AccountInfo:
        fields = {k: v for k, v in new_account.items() if k not in _CONTACT_KEYS and k != "customFields"}
        emails = fields.get("additionalEmailAddresses")
        if isinstance(emails, str):
            # A comma-separated string in Orders, an array in the Accounts API (zuora-api.md §3.3, §4.1).
            fields["additionalEmailAddresses"] = [e.strip() for e in emails.split(",") if e.strip()]
        record = accounts.create_account(
            db,
            self.store,
            fields,
            custom_fields=dict(new_account.get("customFields") or {}),
            bill_to=contacts.from_order_contact(new_account["billToContact"]),
            sold_to=_order_contact(new_account, "soldToContact"),
            ship_to=_order_contact(new_account, "shipToContact"),
            sold_to_same_as_bill_to=bool(new_account.get("soldToSameAsBillTo")),
            ship_to_same_as_bill_to=bool(new_account.get("shipToSameAsBillTo")),
        )
        return _account_info(record)

    def plans(
        self,
        db: sqlite3.Connection,
        *,
        plan_id: str | None = None,
        number: str | None = None,
        external_id: str | None = None,
    ) -> list[CatalogPlan]:
        if plan_id is not None:
            ids = [plan_id]
        elif number is not None:
            ids = [r[0] for r in db.execute("SELECT id FROM product_rate_plans WHERE number = ?", (number,))]
        else:
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT p.id FROM product_rate_plans p JOIN product_rate_plan_external_ids e ON e.plan_id = p.id "
                    "WHERE e.external_id = ? ORDER BY p.seq",
                    (external_id,),
                )
            ]
        plans = (self._plans.get(db, i) for i in ids)
        return [p for p in plans if p is not None]

    def charge_plan(self, db: sqlite3.Connection, charge_id: str) -> CatalogPlan | None:
        row = db.execute("SELECT plan_id FROM product_rate_plan_charges WHERE id = ?", (charge_id,)).fetchone()
        return None if row is None else self._plans.get(db, row[0])


class _PlanCache:
    """Catalog plans parsed once and reused while their stored rows are unchanged.

    Every use re-reads the plan, charge and product rows as text (cheap) and compares them with what
    the cached plan was built from, so a catalog change through the CRUD API is seen at once; only
    the JSON parsing and conversion are saved. The plan status depends on today's date, hence the date.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[tuple[str, str, tuple[str, ...], str], CatalogPlan]] = {}

    def get(self, db: sqlite3.Connection, plan_id: str) -> CatalogPlan | None:
        row = db.execute("SELECT data FROM product_rate_plans WHERE id = ?", (plan_id,)).fetchone()
        if row is None:
            return None
        plan_text = str(row[0])
        charge_texts = tuple(
            str(r[0])
            for r in db.execute("SELECT data FROM product_rate_plan_charges WHERE plan_id = ? ORDER BY seq", (plan_id,))
        )
        today = dt.date.today().isoformat()
        with self._lock:
            cached = self._entries.get(plan_id)
        if (
            cached is not None
            and cached[0][:3] == (today, plan_text, charge_texts)
            and _product_text(db, cached[1].product_id) == cached[0][3]
        ):
            return cached[1]
        plan = records.load(plan_text)
        product_text = _product_text(db, plan["ProductId"])
        product = records.load(product_text) if product_text else {}
        built = _catalog_plan(plan, product, [records.load(t) for t in charge_texts])
        with self._lock:
            self._entries[plan_id] = ((today, plan_text, charge_texts, product_text), built)
        return built


def _product_text(db: sqlite3.Connection, product_id: str) -> str:
    row = db.execute("SELECT data FROM products WHERE id = ?", (product_id,)).fetchone()
    return "" if row is None else str(row[0])


_CONTACT_KEYS = ("billToContact", "soldToContact", "shipToContact")


def _order_contact(new_account: dict[str, Any], key: str) -> dict[str, Any] | None:
    contact = new_account.get(key)
    return None if contact is None else contacts.from_order_contact(contact)


def _account_info(record: dict[str, Any]) -> AccountInfo:
    return AccountInfo(
        id=record["id"],
        number=record["accountNumber"],
        name=record["name"],
        currency=record["currency"],
        status=record.get("status", "Active"),
        bill_to_contact_id=record.get("billToId"),
        sold_to_contact_id=record.get("soldToId"),
        payment_term=record.get("paymentTerm"),
    )


def _catalog_plan(plan: dict[str, Any], product: dict[str, Any], charges: list[dict[str, Any]]) -> CatalogPlan:
    view = catalog_records.plan_view(plan)
    return CatalogPlan(
        id=plan["Id"],
        number=plan.get("ProductRatePlanNumber") or "",
        name=plan["Name"],
        product_id=plan["ProductId"],
        product_name=product.get("Name", ""),
        product_sku=product.get("SKU", ""),
        external_ids=tuple(plan.get("ExternalRatePlanIds") or ()),
        charges=tuple(_catalog_charge(c) for c in charges),
        status=view["status"],
    )


def _catalog_charge(charge: dict[str, Any]) -> CatalogCharge:
    view = catalog_records.charge_view(charge)
    prices: dict[str, float | None] = {}
    tiers: dict[str, list[dict[str, Any]]] = {}
    discount_percentage = discount_amount = overage_price = None
    for entry in view["pricing"]:
        currency = entry["currency"]
        prices[currency] = entry["price"]
        if entry["tiers"]:
            tiers[currency] = [{k: v for k, v in t.items() if k != "currency"} for t in entry["tiers"]]
        discount_percentage = discount_percentage or entry["discountPercentage"]
        discount_amount = discount_amount or entry["discountAmount"]
        overage_price = overage_price or entry["overagePrice"]
    quantity = view.get("defaultQuantity")
    return CatalogCharge(
        id=view["id"],
        number=view.get("productRatePlanChargeNumber") or "",
        name=view["name"],
        type=view["type"],
        model=view["model"],
        prices=prices,
        tiers=tiers,
        default_quantity=None if quantity is None else float(quantity),
        uom=view.get("uom"),
        billing_period=view.get("billingPeriod"),
        billing_timing=view.get("billingTiming"),
        bill_cycle_type=view.get("billingDay"),
        billing_period_alignment=view.get("billingPeriodAlignment"),
        trigger_event=view.get("triggerEvent") or "ContractEffective",
        end_date_condition=view.get("endDateCondition") or "Subscription_End",
        list_price_base=view.get("listPriceBase"),
        up_to_periods=view.get("upToPeriods"),
        up_to_periods_type=view.get("upToPeriodsType"),
        discount_percentage=discount_percentage,
        discount_amount=discount_amount,
        apply_discount_to=view.get("applyDiscountTo"),
        discount_level=view.get("discountLevel"),
        included_units=view.get("includedUnits"),
        overage_price=overage_price,
        taxable=bool(view.get("taxable")),
        tax_code=view.get("taxCode") or None,
        tax_mode=view.get("taxMode"),
        description=view.get("description") or None,
    )
