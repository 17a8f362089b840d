"""SOQL over a generated CPQ org: the queries a billing sync runs, checked against expectations computed in Python
from a raw dump of the org's tables (read with plain SQLite, never through the SOQL engine)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from cpq_desktop.sandbox.salesforce.generator import GeneratedSummary, generate_org
from cpq_desktop.sandbox.salesforce.schema import NUMBER_TYPES
from cpq_desktop.sandbox.salesforce.store import OrgStore, quote_ident

CLOCK = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Generated:
    store: OrgStore
    summary: GeneratedSummary
    tables: dict[str, list[dict[str, Any]]]  # every row, deleted ones included, with API-typed values

    def live(self, sobject: str) -> list[dict[str, Any]]:
        return [r for r in self.tables[sobject] if not r["IsDeleted"]]

    def by_id(self, sobject: str) -> dict[str, dict[str, Any]]:
        return {r["Id"]: r for r in self.tables[sobject]}


def _dump(store: OrgStore) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    for obj in store.schema:
        with store.lock:
            cursor = store.connection.execute(f"SELECT * FROM {quote_ident(obj.name)} ORDER BY Id")
            names = [d[0] for d in cursor.description]
            raw = cursor.fetchall()
        rows = []
        for values in raw:
            row: dict[str, Any] = {}
            for name, value in zip(names, values, strict=True):
                fdef = obj.field(name)
                assert fdef is not None
                if value is not None and fdef.type == "boolean":
                    value = bool(value)
                elif value is not None and fdef.type in NUMBER_TYPES and fdef.type != "int":
                    value = float(value)
                row[fdef.name] = value
            rows.append(row)
        tables[obj.name] = rows
    return tables


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    store = OrgStore(tmp_path_factory.mktemp("generated") / "org.db", clock=lambda: CLOCK)
    summary = generate_org(store, orders=80, seed=5)
    yield Generated(store, summary, _dump(store))
    store.close()


def records(gen: Generated, soql: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
    result = gen.store.query(soql, include_deleted=include_deleted)
    return [_plain(r) for r in result.records]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "attributes"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_generated_org_has_the_shapes_these_tests_rely_on(gen: Generated) -> None:
    assert gen.summary.orders_by_type["Amendment"] > 5
    assert gen.summary.orders_by_type["Renewal"] > 2
    assert any(i["SBQQ__RevisedOrderProduct__c"] for i in gen.live("OrderItem"))
    assert gen.live("SBQQ__OrderItemConsumptionRate__c")


def test_orders_ready_to_sync(gen: Generated) -> None:
    soql = (
        "SELECT Id, OrderNumber, Type, SBQQ__Quote__r.SBQQ__Type__c, Opportunity.SBQQ__AmendedContract__c, "
        "Opportunity.SBQQ__RenewedContract__c FROM Order WHERE Status = 'Activated' "
        "AND SystemModstamp > 2020-01-01T00:00:00Z ORDER BY SystemModstamp, Id"
    )
    quotes, opportunities = gen.by_id("SBQQ__Quote__c"), gen.by_id("Opportunity")
    expected = []
    for order in sorted(
        (o for o in gen.live("Order") if o["Status"] == "Activated" and o["SystemModstamp"] > "2020-01-01T00"),
        key=lambda o: (o["SystemModstamp"], o["Id"]),
    ):
        quote = quotes.get(order["SBQQ__Quote__c"])
        opportunity = opportunities.get(order["OpportunityId"])
        expected.append(
            {
                "Id": order["Id"],
                "OrderNumber": order["OrderNumber"],
                "Type": order["Type"],
                "SBQQ__Quote__r": None if quote is None else {"SBQQ__Type__c": quote["SBQQ__Type__c"]},
                "Opportunity": None
                if opportunity is None
                else {
                    "SBQQ__AmendedContract__c": opportunity["SBQQ__AmendedContract__c"],
                    "SBQQ__RenewedContract__c": opportunity["SBQQ__RenewedContract__c"],
                },
            }
        )
    assert records(gen, soql) == expected
    assert len(expected) > 50


def test_order_lines_by_order_ids(gen: Generated) -> None:
    orders = [o["Id"] for o in gen.live("Order")][:40]
    soql = (
        "SELECT Id, OrderId, Quantity, Product2.ProductCode, SBQQ__ChargeType__c FROM OrderItem "
        f"WHERE OrderId IN ({', '.join(repr(i) for i in orders)}) ORDER BY OrderId, OrderItemNumber"
    )
    products = gen.by_id("Product2")
    lines = sorted(
        (i for i in gen.live("OrderItem") if i["OrderId"] in orders),
        key=lambda i: (i["OrderId"], i["OrderItemNumber"].lower()),
    )
    assert records(gen, soql) == [
        {
            "Id": i["Id"],
            "OrderId": i["OrderId"],
            "Quantity": i["Quantity"],
            "Product2": None if i["Product2Id"] is None else {"ProductCode": products[i["Product2Id"]]["ProductCode"]},
            "SBQQ__ChargeType__c": i["SBQQ__ChargeType__c"],
        }
        for i in lines
    ]


def test_amendment_lines_point_at_the_first_order_product(gen: Generated) -> None:
    soql = (
        "SELECT Id, Quantity, SBQQ__RevisedOrderProduct__r.OrderId, SBQQ__RevisedOrderProduct__r.Order.Type "
        "FROM OrderItem WHERE SBQQ__RevisedOrderProduct__c != null ORDER BY Id"
    )
    items, orders = gen.by_id("OrderItem"), gen.by_id("Order")
    expected = []
    for line in gen.live("OrderItem"):
        origin = items.get(line["SBQQ__RevisedOrderProduct__c"])
        if origin is None:
            continue
        live_origin = not origin["IsDeleted"]
        expected.append(
            {
                "Id": line["Id"],
                "Quantity": line["Quantity"],
                "SBQQ__RevisedOrderProduct__r": {
                    "OrderId": origin["OrderId"],
                    "Order": {"Type": orders[origin["OrderId"]]["Type"]},
                }
                if live_origin
                else None,
            }
        )
    assert records(gen, soql) == expected
    assert any(r["Quantity"] < 0 for r in expected)


def test_amendments_of_a_contract_in_effective_order(gen: Generated) -> None:
    opportunities, quotes = gen.by_id("Opportunity"), gen.by_id("SBQQ__Quote__c")
    per_contract = Counter(
        opportunities[o["OpportunityId"]]["SBQQ__AmendedContract__c"]
        for o in gen.live("Order")
        if o["OpportunityId"] and opportunities[o["OpportunityId"]]["SBQQ__AmendedContract__c"]
    )
    contract = per_contract.most_common(1)[0][0]
    soql = (
        f"SELECT Id FROM Order WHERE Opportunity.SBQQ__AmendedContract__c = '{contract[:15]}' "
        "ORDER BY SBQQ__Quote__r.SBQQ__StartDate__c, LastModifiedDate, Id"
    )
    expected = sorted(
        (
            o
            for o in gen.live("Order")
            if o["OpportunityId"] and opportunities[o["OpportunityId"]]["SBQQ__AmendedContract__c"] == contract
        ),
        key=lambda o: (
            (quotes.get(o["SBQQ__Quote__c"]) or {}).get("SBQQ__StartDate__c") or "",
            o["LastModifiedDate"],
            o["Id"],
        ),
    )
    assert [r["Id"] for r in records(gen, soql)] == [o["Id"] for o in expected]


def test_order_counts_by_type_and_renewal_quotes(gen: Generated) -> None:
    by_type = Counter(o["Type"] for o in gen.live("Order"))
    rows = records(gen, "SELECT Type, COUNT(Id) n FROM Order GROUP BY Type ORDER BY Type")
    assert rows == [{"Type": t, "n": n} for t, n in sorted(by_type.items())]
    quotes = gen.by_id("SBQQ__Quote__c")
    renewals = sum(
        1 for o in gen.live("Order") if (quotes.get(o["SBQQ__Quote__c"]) or {}).get("SBQQ__Type__c") == "Renewal"
    )
    assert gen.store.query("SELECT COUNT() FROM Order WHERE SBQQ__Quote__r.SBQQ__Type__c = 'Renewal'").total_size == (
        renewals
    )


def test_contracts_with_their_subscriptions(gen: Generated) -> None:
    soql = (
        "SELECT Id, ContractNumber, (SELECT Id, SBQQ__Quantity__c, SBQQ__RevisedSubscription__c "
        "FROM SBQQ__Subscriptions__r ORDER BY Id) FROM Contract ORDER BY Id"
    )
    expected = []
    for contract in gen.live("Contract"):
        subs = [
            {
                "Id": s["Id"],
                "SBQQ__Quantity__c": s["SBQQ__Quantity__c"],
                "SBQQ__RevisedSubscription__c": s["SBQQ__RevisedSubscription__c"],
            }
            for s in gen.live("SBQQ__Subscription__c")
            if s["SBQQ__Contract__c"] == contract["Id"]
        ]
        expected.append(
            {
                "Id": contract["Id"],
                "ContractNumber": contract["ContractNumber"],
                "SBQQ__Subscriptions__r": {"totalSize": len(subs), "done": True, "records": subs} if subs else None,
            }
        )
    assert records(gen, soql) == expected


def test_usage_tiers_copied_onto_order_products(gen: Generated) -> None:
    soql = (
        "SELECT Id, SBQQ__OrderItem__r.OrderId, (SELECT SBQQ__LowerBound__c, SBQQ__UpperBound__c, SBQQ__Price__c "
        "FROM SBQQ__OrderItemConsumptionRates__r ORDER BY SBQQ__LowerBound__c) "
        "FROM SBQQ__OrderItemConsumptionSchedule__c ORDER BY Id"
    )
    items = gen.by_id("OrderItem")
    expected = []
    for schedule in gen.live("SBQQ__OrderItemConsumptionSchedule__c"):
        rates = sorted(
            (
                r
                for r in gen.live("SBQQ__OrderItemConsumptionRate__c")
                if r["SBQQ__OrderItemConsumptionSchedule__c"] == schedule["Id"]
            ),
            key=lambda r: (r["SBQQ__LowerBound__c"] is not None, r["SBQQ__LowerBound__c"] or 0, r["Id"]),
        )
        item = items[schedule["SBQQ__OrderItem__c"]]
        expected.append(
            {
                "Id": schedule["Id"],
                "SBQQ__OrderItem__r": None if item["IsDeleted"] else {"OrderId": item["OrderId"]},
                "SBQQ__OrderItemConsumptionRates__r": {
                    "totalSize": len(rates),
                    "done": True,
                    "records": [
                        {k: r[k] for k in ("SBQQ__LowerBound__c", "SBQQ__UpperBound__c", "SBQQ__Price__c")}
                        for r in rates
                    ],
                }
                if rates
                else None,
            }
        )
    assert records(gen, soql) == expected


def test_accounts_without_a_billing_address_and_child_accounts(gen: Generated) -> None:
    missing = records(gen, "SELECT Id FROM Account WHERE BillingCountry = null ORDER BY Id")
    assert [r["Id"] for r in missing] == [a["Id"] for a in gen.live("Account") if a["BillingCountry"] is None]
    accounts = gen.by_id("Account")
    children = records(gen, "SELECT Id, Parent.Name FROM Account WHERE ParentId != null ORDER BY Id")
    assert children == [
        {"Id": a["Id"], "Parent": {"Name": accounts[a["ParentId"]]["Name"]}}
        for a in gen.live("Account")
        if a["ParentId"]
    ]
    assert children


def test_price_book_entries_per_currency(gen: Generated) -> None:
    counts = Counter(e["CurrencyIsoCode"] for e in gen.live("PricebookEntry"))
    rows = records(
        gen, "SELECT CurrencyIsoCode, COUNT(Id) FROM PricebookEntry GROUP BY CurrencyIsoCode ORDER BY CurrencyIsoCode"
    )
    assert rows == [{"CurrencyIsoCode": c, "expr0": n} for c, n in sorted(counts.items())]
    assert len(counts) > 1


def test_query_all_sees_the_recycle_bin(gen: Generated) -> None:
    for sobject in ("Order", "OrderItem"):
        deleted = [r["Id"] for r in gen.tables[sobject] if r["IsDeleted"]]
        rows = records(gen, f"SELECT Id FROM {sobject} WHERE IsDeleted = true ORDER BY Id", include_deleted=True)
        assert [r["Id"] for r in rows] == deleted
        assert len(deleted) == gen.summary.deleted_counts.get(sobject, 0)
        live = gen.store.query(f"SELECT COUNT() FROM {sobject}").total_size
        assert live == len(gen.live(sobject)) == gen.summary.counts[sobject]


def test_consumption_schedules_with_rates_and_products(gen: Generated) -> None:
    soql = (
        "SELECT Id, Type, (SELECT LowerBound, UpperBound, Price, PricingMethod FROM ConsumptionRates "
        "ORDER BY ProcessingOrder), (SELECT ProductId FROM ProductConsumptionSchedules) "
        "FROM ConsumptionSchedule ORDER BY Id"
    )
    expected = []
    for schedule in gen.live("ConsumptionSchedule"):
        rates = sorted(
            (r for r in gen.live("ConsumptionRate") if r["ConsumptionScheduleId"] == schedule["Id"]),
            key=lambda r: (r["ProcessingOrder"], r["Id"]),
        )
        links = [p for p in gen.live("ProductConsumptionSchedule") if p["ConsumptionScheduleId"] == schedule["Id"]]
        expected.append(
            {
                "Id": schedule["Id"],
                "Type": schedule["Type"],
                "ConsumptionRates": {
                    "totalSize": len(rates),
                    "done": True,
                    "records": [
                        {k: r[k] for k in ("LowerBound", "UpperBound", "Price", "PricingMethod")} for r in rates
                    ],
                }
                if rates
                else None,
                "ProductConsumptionSchedules": {
                    "totalSize": len(links),
                    "done": True,
                    "records": [{"ProductId": p["ProductId"]} for p in links],
                }
                if links
                else None,
            }
        )
    assert records(gen, soql) == expected
