"""The CPQ graph of one extraction: every record read, indexed by id, with the amendment-chain helpers of
salesforce-api.md §4.4.

Amendments carry only changes. Each changed line is an OrderItem whose ``SBQQ__RevisedOrderProduct__c``
points at the *first* order product of its chain (never at the previous revision), so a chain is the
first order product plus every revision pointing at it, in order of their orders' effective dates. An
amendment's original order is found through the amended contract (``Opportunity.SBQQ__AmendedContract__c``,
or the quote's ``SBQQ__MasterContract__c``): the contract's ``SBQQ__Order__c``, else the order of the
contract's quote. ``Order.Type`` is not trusted for this: orgs customise it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from cpq_desktop.core.cpq.models import (
    Account,
    ConsumptionRate,
    ConsumptionSchedule,
    Contact,
    Contract,
    Opportunity,
    Order,
    OrderItem,
    OrderItemConsumptionSchedule,
    Organization,
    PricebookEntry,
    Product,
    ProductConsumptionSchedule,
    Quote,
    Subscription,
)
from cpq_desktop.core.cpq.records import SfRecord

_FAR_PAST = date.min

# model -> the graph field holding its records
_TABLES: dict[type[SfRecord], str] = {
    Account: "accounts",
    Contact: "contacts",
    Product: "products",
    PricebookEntry: "pricebook_entries",
    ConsumptionSchedule: "consumption_schedules",
    ConsumptionRate: "consumption_rates",
    ProductConsumptionSchedule: "product_schedules",
    Opportunity: "opportunities",
    Quote: "quotes",
    Contract: "contracts",
    Order: "orders",
    OrderItem: "order_items",
    Subscription: "subscriptions",
    OrderItemConsumptionSchedule: "item_schedules",
}


def _order_key(order: Order | None) -> tuple[date, str]:
    if order is None:
        return (_FAR_PAST, "")
    return (order.effective_date or _FAR_PAST, order.order_number)


class CpqGraph(BaseModel):
    """Records by id, per object. ``scope_order_ids`` are the orders to sync, in the order to sync them;
    every other order is context (an amendment's original, a renewed contract's order)."""

    scope_order_ids: list[str] = Field(default_factory=list)
    scope_account_ids: list[str] = Field(default_factory=list)
    accounts: dict[str, Account] = Field(default_factory=dict)
    contacts: dict[str, Contact] = Field(default_factory=dict)
    organization: Organization | None = None
    products: dict[str, Product] = Field(default_factory=dict)
    pricebook_entries: dict[str, PricebookEntry] = Field(default_factory=dict)
    consumption_schedules: dict[str, ConsumptionSchedule] = Field(default_factory=dict)
    consumption_rates: dict[str, ConsumptionRate] = Field(default_factory=dict)
    product_schedules: dict[str, ProductConsumptionSchedule] = Field(default_factory=dict)
    opportunities: dict[str, Opportunity] = Field(default_factory=dict)
    quotes: dict[str, Quote] = Field(default_factory=dict)
    contracts: dict[str, Contract] = Field(default_factory=dict)
    orders: dict[str, Order] = Field(default_factory=dict)
    order_items: dict[str, OrderItem] = Field(default_factory=dict)
    subscriptions: dict[str, Subscription] = Field(default_factory=dict)
    item_schedules: dict[str, OrderItemConsumptionSchedule] = Field(default_factory=dict)

    _index: dict[str, SfRecord] = PrivateAttr(default_factory=dict)
    _items_by_order: dict[str, list[OrderItem]] = PrivateAttr(default_factory=dict)
    _revisions: dict[str, list[OrderItem]] = PrivateAttr(default_factory=dict)
    _schedules_by_item: dict[str, list[OrderItemConsumptionSchedule]] = PrivateAttr(default_factory=dict)
    _contacts_by_account: dict[str, list[Contact]] = PrivateAttr(default_factory=dict)
    _product_schedules_by_product: dict[str, list[ProductConsumptionSchedule]] = PrivateAttr(default_factory=dict)
    _rates_by_schedule: dict[str, list[ConsumptionRate]] = PrivateAttr(default_factory=dict)
    _orders_by_quote: dict[str, Order] = PrivateAttr(default_factory=dict)
    _scope: frozenset[str] = PrivateAttr(default_factory=frozenset)
    _entries_by_product: dict[str, list[PricebookEntry]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        self.reindex()

    # -- building ------------------------------------------------------------------------------------------

    def _table(self, record: SfRecord) -> dict[str, Any]:
        table: dict[str, Any] = getattr(self, _TABLES[type(record)])
        return table

    def add(self, record: SfRecord) -> None:
        """Add a record (the first copy of an id wins; the same query gives the same copy). :meth:`get`
        sees it at once; call :meth:`reindex` once done adding for the other lookups."""
        if isinstance(record, Organization):
            self.organization = record
            return
        kept = self._table(record).setdefault(record.id, record)
        self._index.setdefault(record.id, kept)

    def reindex(self) -> None:
        """Rebuild the lookups after records were added."""
        index: dict[str, SfRecord] = {}
        for name in _TABLES.values():
            index.update(getattr(self, name))
        self._index = index
        self._scope = frozenset(self.scope_order_ids)
        by_order: dict[str, list[OrderItem]] = defaultdict(list)
        revisions: dict[str, list[OrderItem]] = defaultdict(list)
        for item in self.order_items.values():
            by_order[item.order_id].append(item)
            if item.revised_order_product_id:
                revisions[item.revised_order_product_id].append(item)
        for items in by_order.values():
            items.sort(key=lambda i: (i.order_item_number or "", i.id))
        for chain in revisions.values():
            chain.sort(key=lambda i: (*_order_key(self.orders.get(i.order_id)), i.order_item_number or ""))
        self._items_by_order = dict(by_order)
        self._revisions = dict(revisions)
        schedules: dict[str, list[OrderItemConsumptionSchedule]] = defaultdict(list)
        for schedule in self.item_schedules.values():
            schedules[schedule.order_item_id].append(schedule)
        self._schedules_by_item = {k: sorted(v, key=lambda s: s.id) for k, v in schedules.items()}
        contacts: dict[str, list[Contact]] = defaultdict(list)
        for contact in self.contacts.values():
            if contact.account_id:
                contacts[contact.account_id].append(contact)
        self._contacts_by_account = dict(contacts)
        links: dict[str, list[ProductConsumptionSchedule]] = defaultdict(list)
        for link in self.product_schedules.values():
            links[link.product_id].append(link)
        self._product_schedules_by_product = {k: sorted(v, key=lambda s: s.id) for k, v in links.items()}
        rates: dict[str, list[ConsumptionRate]] = defaultdict(list)
        for rate in self.consumption_rates.values():
            rates[rate.schedule_id].append(rate)
        self._rates_by_schedule = {
            k: sorted(v, key=lambda r: (r.processing_order or 0, r.lower_bound or Decimal(0))) for k, v in rates.items()
        }
        entries: dict[str, list[PricebookEntry]] = defaultdict(list)
        for entry in self.pricebook_entries.values():
            entries[entry.product_id].append(entry)
        self._entries_by_product = {
            k: sorted(v, key=lambda e: (e.currency or "", e.pricebook_id or "", e.id)) for k, v in entries.items()
        }
        self._orders_by_quote = {o.quote_id: o for o in sorted(self.orders.values(), key=_order_key) if o.quote_id}

    # -- lookups ------------------------------------------------------------------------------------------

    def get(self, record_id: str | None) -> SfRecord | None:
        """Any record of the graph by its 18-character id."""
        return self._index.get(record_id) if record_id else None

    def __len__(self) -> int:
        return len(self._index)

    def scope_orders(self) -> list[Order]:
        """The orders to sync, in sync order (originals before their amendments)."""
        return [self.orders[i] for i in self.scope_order_ids if i in self.orders]

    def in_scope(self, order_id: str) -> bool:
        """Is the order one to sync (not context read for an amendment or renewal)?"""
        return order_id in self._scope

    def items_of(self, order_id: str) -> list[OrderItem]:
        """An order's products by ``OrderItemNumber``."""
        return list(self._items_by_order.get(order_id, ()))

    def schedules_of(self, item_id: str) -> list[OrderItemConsumptionSchedule]:
        """An order product's consumption schedules (usage tiers in their rates)."""
        return list(self._schedules_by_item.get(item_id, ()))

    def contacts_of(self, account_id: str) -> list[Contact]:
        return list(self._contacts_by_account.get(account_id, ()))

    def product_schedules_of(self, product_id: str) -> list[ProductConsumptionSchedule]:
        """A product's consumption schedule links: one Zuora usage rate plan each (connector-spec §2.8)."""
        return list(self._product_schedules_by_product.get(product_id, ()))

    def product_schedule_for(self, product_id: str, schedule_id: str | None) -> ProductConsumptionSchedule | None:
        """The link keying the catalog plan of an order item's schedule (its External Catalog Plan Id, §2.5)."""
        for link in self._product_schedules_by_product.get(product_id, ()):
            if link.schedule_id == schedule_id:
                return link
        return None

    def price_entries_of(self, product_id: str) -> list[PricebookEntry]:
        """A product's active price book entries (one per price book and currency)."""
        return list(self._entries_by_product.get(product_id, ()))

    def rates_of(self, schedule_id: str) -> list[ConsumptionRate]:
        """A catalog consumption schedule's rates, in processing order."""
        return list(self._rates_by_schedule.get(schedule_id, ()))

    def subscription_of(self, item: OrderItem) -> Subscription | None:
        found = self.subscriptions.get(item.subscription_id or "")
        return found

    def account_of(self, order: Order) -> Account | None:
        return self.accounts.get(order.account_id)

    def opportunity_of(self, order: Order) -> Opportunity | None:
        return self.opportunities.get(order.opportunity_id or "")

    def quote_of(self, order: Order) -> Quote | None:
        return self.quotes.get(order.quote_id or "")

    # -- amendment chains (salesforce-api.md §4.4) ---------------------------------------------------------

    def first_order_product(self, item: OrderItem) -> OrderItem | None:
        """The first order product of ``item``'s chain (``item`` itself when it revises nothing); ``None``
        when the revised order product is not in Salesforce's answer (deleted, or not shared)."""
        return self.order_items.get(item.first_order_product_id)

    def revisions_of(self, origin_id: str) -> list[OrderItem]:
        """The revisions of a first order product, in order of their orders (stacked amendments last)."""
        return list(self._revisions.get(origin_id, ()))

    def chain(self, origin_id: str) -> list[OrderItem]:
        """The first order product followed by its revisions; empty if the first one is not in the graph."""
        origin = self.order_items.get(origin_id)
        return [origin, *self.revisions_of(origin_id)] if origin is not None else []

    def quantity_through(self, item: OrderItem) -> Decimal:
        """The line's quantity once ``item``'s order is applied: the sum of the chain's deltas up to and
        including that order (Zuora's new quantity for an UpdateProduct; 0 means the line is removed).
        Revisions in other orders that are not activated (a draft amendment) do not count."""
        origin_id = item.first_order_product_id
        limit = _order_key(self.orders.get(item.order_id))
        total = Decimal(0)
        for link in self.chain(origin_id):
            order = self.orders.get(link.order_id)
            if link.order_id != item.order_id and order is not None and order.status not in (None, "Activated"):
                continue
            if _order_key(order) <= limit:
                total += link.quantity
        return total

    def amended_contract_id(self, order: Order) -> str | None:
        """The contract an amendment order amends (``Opportunity.SBQQ__AmendedContract__c``, else the quote's
        ``SBQQ__MasterContract__c``); ``None`` for new business and renewals."""
        opportunity = self.opportunity_of(order)
        if opportunity is not None and opportunity.amended_contract_id:
            return opportunity.amended_contract_id
        quote = self.quote_of(order)
        if quote is not None and quote.master_contract_id and quote.type != "Renewal":
            return quote.master_contract_id
        return None

    def renewed_contract_id(self, order: Order) -> str | None:
        """The contract a renewal order continues (``Opportunity.SBQQ__RenewedContract__c``)."""
        opportunity = self.opportunity_of(order)
        return opportunity.renewed_contract_id if opportunity is not None else None

    def is_amendment(self, order: Order) -> bool:
        return self.amended_contract_id(order) is not None

    def is_renewal(self, order: Order) -> bool:
        quote = self.quote_of(order)
        return self.renewed_contract_id(order) is not None or (quote is not None and quote.type == "Renewal")

    def contract_original_order(self, contract_id: str | None) -> Order | None:
        """The order a contract was created from: ``Contract.SBQQ__Order__c``, else the order of its quote."""
        contract = self.contracts.get(contract_id or "")
        if contract is None:
            return None
        if contract.order_id and contract.order_id in self.orders:
            return self.orders[contract.order_id]
        return self._orders_by_quote.get(contract.quote_id or "")

    def original_order_of(self, order: Order) -> Order | None:
        """For an amendment or a renewal, the order that created the contract it changes; ``None`` for new
        business or when that order is not in the graph."""
        contract_id = self.amended_contract_id(order) or self.renewed_contract_id(order)
        if contract_id is not None:
            found = self.contract_original_order(contract_id)
            if found is not None:
                return found
        for item in self.items_of(order.id):
            origin = self.first_order_product(item) if item.is_revision else None
            if origin is not None:
                return self.orders.get(origin.order_id)
        return None

    def amendments_of(self, contract_id: str) -> list[Order]:
        """Orders of the graph that amend ``contract_id``, in the order to process them."""
        found = [o for o in self.orders.values() if self.amended_contract_id(o) == contract_id]
        return sorted(found, key=_order_key)
