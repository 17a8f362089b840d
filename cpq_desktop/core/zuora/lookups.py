"""Batched look-ups of what already exists in Zuora, so a plan never writes something twice.

Everything goes through Object Query (zuora-api §4.4, §5.3) with ``IN`` filters of up to
:data:`IN_BATCH` keys and pages of :data:`PAGE_SIZE` records — never one call per record:

- accounts by CRM ID (the Salesforce Account Id), with their subscriptions, rate plans and charges
  expanded in the same call: the rate plans carry the externally managed plan ids (OrderItem /
  OICS ids) that anchor amendments (connector-spec §4.3);
- catalog products by SKU (the Salesforce Product Code), then their product rate plans (with their
  external ids and charges) by product id.

An order's existence is read from its subscriptions' rate plans (a new-business order is in Zuora
when its order products are); orders that leave no such trace (amendments, renewals, line-item-only
orders) of accounts that exist in Zuora are asked for by order number through the Object Query orders
object, in the same ``IN`` batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cpq_desktop.core.zuora.client import ZuoraClient

IN_BATCH = 50
PAGE_SIZE = 99
# Characters that cannot travel inside an Object Query IN list
_UNLISTABLE = frozenset(",[]")


@dataclass
class ZuoraCharge:
    id: str
    number: str
    product_rate_plan_charge_id: str
    model: str
    charge_type: str
    quantity: float | None
    price: float | None


@dataclass
class ZuoraRatePlan:
    id: str
    subscription_number: str
    externally_managed_plan_id: str | None
    product_rate_plan_id: str | None
    charges: list[ZuoraCharge] = field(default_factory=list)


@dataclass
class ZuoraSubscription:
    number: str
    account_id: str
    status: str
    term_type: str | None
    term_end_date: str | None
    invoice_owner_id: str | None
    rate_plans: list[ZuoraRatePlan] = field(default_factory=list)


@dataclass
class ZuoraAccount:
    id: str
    number: str
    crm_id: str
    name: str
    currency: str
    notes: str | None
    sales_rep: str | None
    parent_id: str | None
    bill_to_id: str | None
    sold_to_id: str | None
    subscriptions: list[ZuoraSubscription] = field(default_factory=list)
    # every field Object Query returned (custom fields included), to compare with the mapped account
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class CatalogCharge:
    id: str
    name: str
    charge_type: str
    charge_model: str


@dataclass
class CatalogPlan:
    id: str
    product_id: str
    name: str
    external_ids: list[str]
    charges: list[CatalogCharge]


@dataclass
class CatalogProduct:
    id: str
    sku: str
    name: str
    plans: list[CatalogPlan] = field(default_factory=list)


def _chunks(values: Iterable[str], size: int = IN_BATCH) -> Iterator[list[str]]:
    unique = sorted({v for v in values if v and not (_UNLISTABLE & set(v))})
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return None if value is None else str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class ZuoraLookups:
    """Read-only queries; :attr:`calls` counts the HTTP calls they made (for the plan's cost line)."""

    def __init__(self, client: ZuoraClient) -> None:
        self.client = client
        self.calls = 0

    def _query(self, path: str, filters: list[str], expand: Iterable[str] = ()) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        params: dict[str, Any] = {"filter[]": filters, "pageSize": PAGE_SIZE}
        if expand := list(expand):
            params["expand[]"] = expand
        while True:
            self.calls += 1
            body = self.client.get(path, params=params).body
            records.extend(body.get("data") or [])
            cursor = body.get("nextPage")
            if not cursor:
                return records
            params = {**params, "cursor": cursor}

    # -- accounts and their subscriptions -------------------------------------------------------

    def accounts_by_crm_id(self, crm_ids: Iterable[str], *, with_subscriptions: bool = True) -> dict[str, ZuoraAccount]:
        """Active Zuora accounts keyed by CRM ID (the first one where several share an id)."""
        expand = (
            ["subscriptions", "subscriptions.rateplans", "subscriptions.rateplans.rateplancharges"]
            if with_subscriptions
            else []
        )
        found: dict[str, ZuoraAccount] = {}
        for chunk in _chunks(crm_ids):
            rows = self._query("/object-query/accounts", [f"crmid.IN:[{','.join(chunk)}]"], expand)
            for row in rows:
                account = _account(row)
                if account.crm_id not in found:
                    found[account.crm_id] = account
        return found

    def contacts_of_accounts(self, account_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Every contact of the given Zuora accounts (custom fields such as ``crmId__c`` included)."""
        contacts: list[dict[str, Any]] = []
        for chunk in _chunks(account_ids):
            contacts += self._query("/object-query/contacts", [f"accountid.IN:[{','.join(chunk)}]"])
        return contacts

    # -- catalog -------------------------------------------------------------------------------

    def products_by_sku(self, skus: Iterable[str]) -> dict[str, CatalogProduct]:
        """Catalog products by SKU, each with its rate plans (external ids and charges)."""
        products: dict[str, CatalogProduct] = {}
        for chunk in _chunks(skus):
            for row in self._query("/object-query/products", [f"sku.IN:[{','.join(chunk)}]"]):
                sku = _text(row, "sKU") or _text(row, "sku") or ""
                products.setdefault(sku, CatalogProduct(str(row["id"]), sku, str(row.get("name") or "")))
        by_id = {p.id: p for p in products.values()}
        for chunk in _chunks(by_id):
            rows = self._query(
                "/object-query/product-rate-plans",
                [f"productid.IN:[{','.join(chunk)}]"],
                ["externalproductrateplans", "productrateplancharges"],
            )
            for row in rows:
                plan = _plan(row)
                owner = by_id.get(plan.product_id)
                if owner is not None:
                    owner.plans.append(plan)
        return products

    # -- orders --------------------------------------------------------------------------------

    def orders_by_number(self, numbers: Iterable[str]) -> set[str]:
        """The order numbers Zuora has, asked in ``IN`` batches of the Object Query orders object."""
        found: set[str] = set()
        for chunk in _chunks(sorted(set(numbers))):
            rows = self._query("/object-query/orders", [f"ordernumber.IN:[{','.join(chunk)}]"])
            found.update(str(row["orderNumber"]) for row in rows if row.get("orderNumber"))
        return found


def _account(row: dict[str, Any]) -> ZuoraAccount:
    account = ZuoraAccount(
        id=str(row["id"]),
        number=str(row["accountNumber"]),
        crm_id=str(row.get("crmId") or ""),
        name=str(row.get("name") or ""),
        currency=str(row.get("currency") or ""),
        notes=_text(row, "notes"),
        sales_rep=_text(row, "salesRepName") or _text(row, "salesRep"),
        parent_id=_text(row, "parentId"),
        bill_to_id=_text(row, "billToId"),
        sold_to_id=_text(row, "soldToId"),
        fields={k: v for k, v in row.items() if k != "subscriptions"},
    )
    for sub in row.get("subscriptions") or []:
        subscription = ZuoraSubscription(
            number=str(sub.get("name") or sub.get("subscriptionNumber") or ""),
            account_id=str(sub.get("accountId") or account.id),
            status=str(sub.get("status") or ""),
            term_type=_text(sub, "termType"),
            term_end_date=_text(sub, "termEndDate"),
            invoice_owner_id=_text(sub, "invoiceOwnerId"),
        )
        for rp in sub.get("ratePlans") or []:
            plan = ZuoraRatePlan(
                id=str(rp["id"]),
                subscription_number=subscription.number,
                externally_managed_plan_id=_text(rp, "externallyManagedPlanId"),
                product_rate_plan_id=_text(rp, "productRatePlanId"),
            )
            for charge in rp.get("ratePlanCharges") or []:
                plan.charges.append(
                    ZuoraCharge(
                        id=str(charge["id"]),
                        number=str(charge.get("chargeNumber") or charge.get("number") or ""),
                        product_rate_plan_charge_id=str(charge.get("productRatePlanChargeId") or ""),
                        model=str(charge.get("model") or charge.get("chargeModel") or ""),
                        charge_type=str(charge.get("type") or charge.get("chargeType") or ""),
                        quantity=_number(charge.get("quantity")),
                        price=_number(charge.get("price")),
                    )
                )
            subscription.rate_plans.append(plan)
        account.subscriptions.append(subscription)
    return account


def _plan(row: dict[str, Any]) -> CatalogPlan:
    external = [
        str(e.get("externalProductRatePlanId"))
        for e in row.get("externalProductRatePlans") or []
        if e.get("externalProductRatePlanId")
    ]
    charges = [
        CatalogCharge(
            id=str(c["id"]),
            name=str(c.get("name") or ""),
            charge_type=str(c.get("chargeType") or ""),
            charge_model=str(c.get("chargeModel") or ""),
        )
        for c in row.get("productRatePlanCharges") or []
    ]
    return CatalogPlan(str(row["id"]), str(row.get("productId") or ""), str(row.get("name") or ""), external, charges)
