"""The Salesforce records a plan is made from, as Salesforce REST returns them, and the links between them.

:class:`RecordGraph` holds flat record dicts per object (``graph.add("Order", records)``) and answers
the questions the planner asks: the order products of an order, the amendment chain of an order
product (salesforce-api §4.4: every revision points at the *first* order product), the consumption
schedules of a line. :meth:`RecordGraph.linked` nests a record's parents the way the mapping's source
paths walk them (``SBQQ__OrderProduct__r.Order.EffectiveDate``), so the mapping applies to graph records
exactly as to records read with relationship queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from cpq_desktop.core.cpq.graph import CpqGraph

Record = dict[str, Any]

# (object, lookup field) -> (relationship name, parent object): the parents the mapping's paths walk
PARENTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "SBQQ__Subscription__c": (
        ("SBQQ__OrderProduct__c", "SBQQ__OrderProduct__r", "OrderItem"),
        ("SBQQ__Contract__c", "SBQQ__Contract__r", "Contract"),
        ("SBQQ__Product__c", "SBQQ__Product__r", "Product2"),
        ("SBQQ__Account__c", "SBQQ__Account__r", "Account"),
    ),
    "OrderItem": (
        ("OrderId", "Order", "Order"),
        ("Product2Id", "Product2", "Product2"),
        ("SBQQ__Subscription__c", "SBQQ__Subscription__r", "SBQQ__Subscription__c"),
        ("SBQQ__QuoteLine__c", "SBQQ__QuoteLine__r", "SBQQ__QuoteLine__c"),
    ),
    "Order": (
        ("AccountId", "Account", "Account"),
        ("SBQQ__Quote__c", "SBQQ__Quote__r", "SBQQ__Quote__c"),
        ("OpportunityId", "Opportunity", "Opportunity"),
        ("ContractId", "Contract", "Contract"),
        ("BillToContactId", "BillToContact", "Contact"),
        ("ShipToContactId", "ShipToContact", "Contact"),
    ),
    "SBQQ__OrderItemConsumptionSchedule__c": (
        ("SBQQ__OrderItem__c", "SBQQ__OrderItem__r", "OrderItem"),
        ("SBQQ__ConsumptionSchedule__c", "SBQQ__ConsumptionSchedule__r", "ConsumptionSchedule"),
    ),
    "SBQQ__OrderItemConsumptionRate__c": (
        (
            "SBQQ__OrderItemConsumptionSchedule__c",
            "SBQQ__OrderItemConsumptionSchedule__r",
            "SBQQ__OrderItemConsumptionSchedule__c",
        ),
    ),
    "ProductConsumptionSchedule": (
        ("ProductId", "Product", "Product2"),
        ("ConsumptionScheduleId", "ConsumptionSchedule", "ConsumptionSchedule"),
    ),
}


def _is_typed(sobject: str, record: Mapping[str, Any]) -> bool:
    attributes = record.get("attributes")
    return isinstance(attributes, Mapping) and bool(attributes.get("type")) and bool(record.get("Id"))


def _typed(sobject: str, record: Mapping[str, Any]) -> Record:
    copy = dict(record)
    attributes = copy.get("attributes")
    if not isinstance(attributes, Mapping) or not attributes.get("type"):
        copy["attributes"] = {"type": sobject}
    return copy


class RecordGraph:
    def __init__(self) -> None:
        self._records: dict[str, dict[str, Record]] = defaultdict(dict)
        self._indexes: dict[tuple[str, str], dict[Any, list[Record]]] = {}
        self._linked: dict[tuple[str, str, int], Record] = {}
        # the orders the admin asked for (the graph also holds the originals their amendments need)
        self.scope_order_ids: set[str] = set()
        self.scope_account_ids: list[str] = []

    def add(self, sobject: str, records: Iterable[Mapping[str, Any]], *, copy: bool = True) -> None:
        """Add ``records`` of ``sobject``. With ``copy=False`` a record that already has its ``Id`` and type
        is kept as it is, not copied: for records nobody changes any more (an extraction's)."""
        table = self._records[sobject]
        for record in records:
            kept = record if not copy and _is_typed(sobject, record) and isinstance(record, dict) else None
            table[str(record["Id"])] = kept if kept is not None else _typed(sobject, record)
        self._indexes = {key: index for key, index in self._indexes.items() if key[0] != sobject}
        self._linked.clear()

    def where(self, sobject: str, field: str, value: Any) -> list[Record]:
        """Records of ``sobject`` whose ``field`` equals ``value`` (indexed on first use)."""
        index = self._indexes.get((sobject, field))
        if index is None:
            index = defaultdict(list)
            for record in self._records.get(sobject, {}).values():
                index[record.get(field)].append(record)
            self._indexes[(sobject, field)] = index
        return list(index.get(value, ()))

    def get(self, sobject: str, record_id: str | None) -> Record | None:
        if not record_id:
            return None
        return self._records.get(sobject, {}).get(record_id)

    def all(self, sobject: str) -> list[Record]:
        return list(self._records.get(sobject, {}).values())

    def ids(self, sobject: str) -> set[str]:
        return set(self._records.get(sobject, {}))

    # -- links ---------------------------------------------------------------------------------

    def items_of(self, order_id: str) -> list[Record]:
        items = self.where("OrderItem", "OrderId", order_id)
        return sorted(items, key=lambda r: (str(r.get("OrderItemNumber") or ""), str(r["Id"])))

    def schedules_of(self, item_id: str) -> list[Record]:
        rows = self.where("SBQQ__OrderItemConsumptionSchedule__c", "SBQQ__OrderItem__c", item_id)
        return sorted(rows, key=lambda r: str(r["Id"]))

    def rates_of(self, schedule_id: str) -> list[Record]:
        rows = self.where("SBQQ__OrderItemConsumptionRate__c", "SBQQ__OrderItemConsumptionSchedule__c", schedule_id)
        return sorted(rows, key=lambda r: float(r.get("SBQQ__LowerBound__c") or 0))

    def product_schedule(self, product_id: str, schedule_id: str) -> Record | None:
        for row in self.where("ProductConsumptionSchedule", "ProductId", product_id):
            if row.get("ConsumptionScheduleId") == schedule_id:
                return row
        return None

    def order_sort_key(self, order: Mapping[str, Any]) -> tuple[str, str, str]:
        return (str(order.get("EffectiveDate") or ""), str(order.get("OrderNumber") or ""), str(order.get("Id")))

    def chain(self, origin_id: str) -> list[Record]:
        """The origin order product and every revision of it, in the order their orders took effect."""
        origin = self.get("OrderItem", origin_id)
        members = ([origin] if origin else []) + self.where("OrderItem", "SBQQ__RevisedOrderProduct__c", origin_id)

        def key(item: Record) -> tuple[int, tuple[str, str, str]]:
            order = self.get("Order", item.get("OrderId")) or {}
            return (0 if item["Id"] == origin_id else 1, self.order_sort_key(order))

        return sorted(members, key=key)

    def linked(self, sobject: str, record: Mapping[str, Any], depth: int = 3) -> Record:
        """``record`` with its parents nested under their relationship names, ``depth`` levels deep.

        The result is shared (computed once per record and depth until the graph changes): read it, don't
        change it."""
        key = (sobject, str(record.get("Id") or ""), depth)
        stored = self.get(sobject, key[1])
        if stored is record and key in self._linked:
            return self._linked[key]
        updates: dict[str, Any] = {}
        for field, relationship, parent_object in PARENTS.get(sobject, ()) if depth > 0 else ():
            parent = self.get(parent_object, record.get(field)) if field in record else None
            nested = record.get(relationship)
            if parent is None:
                if relationship not in record and field in record:
                    updates[relationship] = None
                continue
            full = self.linked(parent_object, parent, depth - 1)
            # the extraction may carry a projection of the parent; the graph's copy has every field read
            value = _merge(full, nested) if isinstance(nested, Mapping) else full
            if value is not nested:
                updates[relationship] = value
        # a graph record that gains nothing is its own result: records have dozens of fields, and a copy
        # of each per depth was most of a plan's memory
        result = stored if stored is record and not updates else {**record, **updates}
        if stored is record:
            self._linked[key] = result
        return result


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> Mapping[str, Any]:
    """``base`` plus what ``extra`` has that it lacks, nested relationships merged the same way; ``base``
    itself (no copy) when ``extra`` adds nothing, as when both hold the same parent record."""
    if extra is base:
        return base
    merged: dict[str, Any] | None = None
    for key, value in extra.items():
        if key not in base:
            update = value
        elif type(value) is dict and type(base[key]) is dict:
            update = _merge(base[key], value)
            if update is base[key]:
                continue
        else:
            continue
        if merged is None:
            merged = dict(base)
        merged[key] = update
    return base if merged is None else merged


def graph_from_cpq(cpq: CpqGraph) -> RecordGraph:
    """The planner's view of an extraction: the raw REST record of every typed record, per object."""
    graph = RecordGraph()
    tables: list[tuple[str, Iterable[Any]]] = [
        ("Account", cpq.accounts.values()),
        ("Contact", cpq.contacts.values()),
        ("Product2", cpq.products.values()),
        ("PricebookEntry", cpq.pricebook_entries.values()),
        ("ConsumptionSchedule", cpq.consumption_schedules.values()),
        ("ConsumptionRate", cpq.consumption_rates.values()),
        ("ProductConsumptionSchedule", cpq.product_schedules.values()),
        ("Opportunity", cpq.opportunities.values()),
        ("SBQQ__Quote__c", cpq.quotes.values()),
        ("Contract", cpq.contracts.values()),
        ("Order", cpq.orders.values()),
        ("OrderItem", cpq.order_items.values()),
        ("SBQQ__Subscription__c", cpq.subscriptions.values()),
        ("SBQQ__OrderItemConsumptionSchedule__c", cpq.item_schedules.values()),
    ]
    for sobject, records in tables:
        graph.add(sobject, (r.raw if r.raw.get("Id") == r.id else {**r.raw, "Id": r.id} for r in records), copy=False)
    graph.add(
        "SBQQ__OrderItemConsumptionRate__c",
        (
            rate.raw if rate.raw.get("Id") == rate.id else {**rate.raw, "Id": rate.id}
            for schedule in cpq.item_schedules.values()
            for rate in schedule.rates
        ),
        copy=False,
    )
    graph.scope_order_ids = set(cpq.scope_order_ids)
    graph.scope_account_ids = list(cpq.scope_account_ids)
    return graph
