"""Reading the records a plan needs from Salesforce into a :class:`RecordGraph`, in batched SOQL.

The planner's own reader, used until the extraction layer (``cpq_desktop.core.extract``) feeds the
planner its CPQ graph: one describe per object (to select every queryable field), then per batch of
:data:`BATCH` ids one ``IN`` query per object — orders, their order products, the amendment chains those
reach (origins and every revision), subscriptions, contracts, quotes, opportunities, products,
consumption schedules and rates, contacts and accounts (owners and parents included). Never one query
per record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cpq_desktop.core.planning.graph import RecordGraph
from cpq_desktop.core.salesforce.connection import SalesforceConnection

BATCH = 200
_SKIPPED_TYPES = frozenset({"address", "location"})


@dataclass(frozen=True)
class PlanScope:
    """Which orders to plan: any mix of ids, numbers and accounts, or all activated orders (optionally
    only those changed since a date-time)."""

    order_ids: tuple[str, ...] = ()
    order_numbers: tuple[str, ...] = ()
    account_ids: tuple[str, ...] = ()
    all_activated: bool = False
    changed_since: str | None = None

    def describe(self) -> str:
        parts = []
        if self.order_ids:
            parts.append(f"orders {', '.join(self.order_ids)}")
        if self.order_numbers:
            parts.append(f"order numbers {', '.join(self.order_numbers)}")
        if self.account_ids:
            parts.append(f"accounts {', '.join(self.account_ids)} and their orders")
        if self.all_activated:
            parts.append("all activated orders")
        if self.changed_since:
            parts.append(f"changed since {self.changed_since}")
        return "; ".join(parts) or "nothing"


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class SalesforceReader:
    connection: SalesforceConnection
    _fields: dict[str, list[str]] = field(default_factory=dict)

    def fields(self, sobject: str) -> list[str]:
        if sobject not in self._fields:
            describe: dict[str, Any] = self.connection.call(lambda sf: getattr(sf, sobject).describe())
            self._fields[sobject] = [
                str(f["name"]) for f in describe["fields"] if str(f.get("type")) not in _SKIPPED_TYPES
            ]
        return self._fields[sobject]

    def query(self, sobject: str, where: str) -> list[dict[str, Any]]:
        soql = f"SELECT {', '.join(self.fields(sobject))} FROM {sobject} WHERE {where}"
        result: dict[str, Any] = self.connection.call(lambda sf: sf.query_all(soql))
        return [dict(r) for r in result["records"]]

    def by_ids(self, sobject: str, field_name: str, ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = sorted({i for i in ids if i})
        rows: list[dict[str, Any]] = []
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            rows.extend(self.query(sobject, f"{field_name} IN ({', '.join(map(_quote, chunk))})"))
        return rows


def _values(records: Iterable[dict[str, Any]], *fields: str) -> set[str]:
    return {str(r[f]) for r in records for f in fields if r.get(f)}


def read_graph(connection: SalesforceConnection, scope: PlanScope) -> RecordGraph:
    """The scope's orders and everything their plan reads, in a handful of queries per 200 orders."""
    reader = SalesforceReader(connection)
    graph = RecordGraph()
    orders: list[dict[str, Any]] = []
    orders += reader.by_ids("Order", "Id", scope.order_ids)
    orders += reader.by_ids("Order", "OrderNumber", scope.order_numbers)
    orders += reader.by_ids("Order", "AccountId", scope.account_ids)
    if scope.all_activated or scope.changed_since:
        where = "Status = 'Activated'"
        if scope.changed_since:
            where += f" AND SystemModstamp > {scope.changed_since}"
        orders += reader.query("Order", where)
    graph.add("Order", orders)
    graph.scope_order_ids = {str(o["Id"]) for o in orders}

    items = reader.by_ids("OrderItem", "OrderId", graph.ids("Order"))
    graph.add("OrderItem", items)
    # amendment chains: the origins the scope's revisions point at, and every revision of those origins
    origins = _values(items, "SBQQ__RevisedOrderProduct__c") | {str(i["Id"]) for i in items}
    graph.add("OrderItem", reader.by_ids("OrderItem", "Id", origins - graph.ids("OrderItem")))
    graph.add("OrderItem", reader.by_ids("OrderItem", "SBQQ__RevisedOrderProduct__c", origins))
    # renewals: the subscriptions a renewal's quote lines renew, and the order products behind them
    quote_lines = reader.by_ids("SBQQ__QuoteLine__c", "Id", _values(graph.all("OrderItem"), "SBQQ__QuoteLine__c"))
    graph.add("SBQQ__QuoteLine__c", quote_lines)
    renewed = reader.by_ids("SBQQ__Subscription__c", "Id", _values(quote_lines, "SBQQ__RenewedSubscription__c"))
    graph.add("SBQQ__Subscription__c", renewed)
    renewed_items = _values(renewed, "SBQQ__OrderProduct__c") - graph.ids("OrderItem")
    graph.add("OrderItem", reader.by_ids("OrderItem", "Id", renewed_items))
    chain_items = reader.by_ids("OrderItem", "SBQQ__RevisedOrderProduct__c", _values(renewed, "SBQQ__OrderProduct__c"))
    graph.add("OrderItem", chain_items)
    graph.add("Order", reader.by_ids("Order", "Id", _values(graph.all("OrderItem"), "OrderId") - graph.ids("Order")))

    all_items = graph.all("OrderItem")
    graph.add(
        "SBQQ__Subscription__c",
        reader.by_ids(
            "SBQQ__Subscription__c",
            "Id",
            _values(all_items, "SBQQ__Subscription__c") - graph.ids("SBQQ__Subscription__c"),
        ),
    )
    all_orders = graph.all("Order")
    graph.add(
        "Contract",
        reader.by_ids(
            "Contract",
            "Id",
            _values(all_orders, "ContractId") | _values(graph.all("SBQQ__Subscription__c"), "SBQQ__Contract__c"),
        ),
    )
    graph.add("SBQQ__Quote__c", reader.by_ids("SBQQ__Quote__c", "Id", _values(all_orders, "SBQQ__Quote__c")))
    graph.add("Opportunity", reader.by_ids("Opportunity", "Id", _values(all_orders, "OpportunityId")))
    graph.add("Contact", reader.by_ids("Contact", "Id", _values(all_orders, "BillToContactId", "ShipToContactId")))
    products = _values(all_items, "Product2Id")
    graph.add("Product2", reader.by_ids("Product2", "Id", products))
    graph.add("PricebookEntry", reader.by_ids("PricebookEntry", "Product2Id", products))
    schedules = reader.by_ids(
        "SBQQ__OrderItemConsumptionSchedule__c", "SBQQ__OrderItem__c", {str(i["Id"]) for i in all_items}
    )
    graph.add("SBQQ__OrderItemConsumptionSchedule__c", schedules)
    graph.add(
        "SBQQ__OrderItemConsumptionRate__c",
        reader.by_ids(
            "SBQQ__OrderItemConsumptionRate__c",
            "SBQQ__OrderItemConsumptionSchedule__c",
            {str(s["Id"]) for s in schedules},
        ),
    )
    graph.add(
        "ConsumptionSchedule",
        reader.by_ids("ConsumptionSchedule", "Id", _values(schedules, "SBQQ__ConsumptionSchedule__c")),
    )
    graph.add("ProductConsumptionSchedule", reader.by_ids("ProductConsumptionSchedule", "ProductId", products))

    account_ids = _values(all_orders, "AccountId", "InvoiceOwner__c", "SubscriptionOwner__c")
    while account_ids:
        accounts = reader.by_ids("Account", "Id", account_ids)
        graph.add("Account", accounts)
        account_ids = _values(accounts, "ParentId") - graph.ids("Account")
    return graph
