"""The CPQ graph models: typed fields from REST records (raw kept), and the §4.4 chain helpers on a
hand-built amendment history (new order → amendment → stacked amendment → renewal)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from cpq_desktop.core.cpq import (
    Contract,
    CpqGraph,
    Opportunity,
    Order,
    OrderItem,
    OrderItemConsumptionRate,
    OrderItemConsumptionSchedule,
    Quote,
    Subscription,
)


def rec(sobject: str, record_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "attributes": {"type": sobject, "url": f"/services/data/v59.0/sobjects/{sobject}/{record_id}"},
        "Id": record_id,
        **fields,
    }


def order(record_id: str, number: str, effective: str, opportunity: str, quote: str, **fields: Any) -> Order:
    values: dict[str, Any] = {"Status": "Activated", **fields}
    return Order.from_raw(
        rec(
            "Order",
            record_id,
            OrderNumber=number,
            AccountId="001A",
            EffectiveDate=effective,
            OpportunityId=opportunity,
            SBQQ__Quote__c=quote,
            **values,
        )
    )


def item(record_id: str, order_id: str, number: str, quantity: float, revised: str | None = None) -> OrderItem:
    return OrderItem.from_raw(
        rec(
            "OrderItem",
            record_id,
            OrderId=order_id,
            OrderItemNumber=number,
            Quantity=quantity,
            UnitPrice=19.99,
            SBQQ__RevisedOrderProduct__c=revised,
        )
    )


def test_typed_fields_come_from_the_raw_record_which_is_kept_whole() -> None:
    raw = rec(
        "Order",
        "801A",
        OrderNumber="00000123",
        AccountId="001A",
        EffectiveDate="2024-02-29",
        ActivatedDate="2024-03-01T23:30:00.000+0000",
        SBQQ__Quote__r={"attributes": {"type": "SBQQ__Quote__c"}, "Id": "a00A", "Name": "Q-00042"},
        Custom_Field__c="kept",
    )
    typed = Order.from_raw(raw)
    assert typed.effective_date == date(2024, 2, 29)
    assert typed.activated_date == datetime(2024, 3, 1, 23, 30, tzinfo=UTC)
    assert typed.raw == raw
    assert typed.raw["EffectiveDate"] == "2024-02-29"  # the string Salesforce sent, untouched
    assert typed.value("SBQQ__Quote__r.Name") == "Q-00042"
    assert typed.value("Custom_Field__c") == "kept"
    assert typed.label == "Order 00000123 (801A)"


def test_money_and_quantities_are_exact_decimals() -> None:
    typed = item("802A", "801A", "0000000001", 3.0)
    assert typed.unit_price == Decimal("19.99")
    assert typed.quantity == Decimal("3.0")


def test_a_record_without_a_required_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="Quantity"):
        OrderItem.from_raw(rec("OrderItem", "802A", OrderId="801A"))


@pytest.fixture
def history() -> CpqGraph:
    """Contract 800C from order 801N (seats 100). Amendment 801A: seats +20, burst added. Stacked
    amendment 801B: seats -30 (revising the first order product, not the +20), burst +1. Renewal 801R."""
    graph = CpqGraph(scope_order_ids=["801A", "801B", "801R"])
    records: list[Any] = [
        Contract.from_raw(rec("Contract", "800C", SBQQ__Order__c="801N", SBQQ__Quote__c="a0QN")),
        Opportunity.from_raw(rec("Opportunity", "006N")),
        Opportunity.from_raw(rec("Opportunity", "006A", SBQQ__AmendedContract__c="800C")),
        Opportunity.from_raw(rec("Opportunity", "006B", SBQQ__AmendedContract__c="800C")),
        Opportunity.from_raw(rec("Opportunity", "006R", SBQQ__RenewedContract__c="800C", SBQQ__Renewal__c=True)),
        Quote.from_raw(rec("SBQQ__Quote__c", "a0QR", SBQQ__Type__c="Renewal")),
        order("801N", "00000001", "2024-01-01", "006N", "a0QN", Type="New"),
        # Type is customised in this org: the chain helpers must not rely on it
        order("801B", "00000003", "2024-08-10", "006B", "a0QB", Type="Change"),
        order("801A", "00000002", "2024-04-01", "006A", "a0QA", Type="Amendment"),
        order("801R", "00000004", "2025-01-01", "006R", "a0QR", Type="Renewal"),
        item("802S", "801N", "0000000001", 100),
        item("802U", "801N", "0000000002", 1),
        item("802S2", "801A", "0000000003", 20, revised="802S"),
        item("802X", "801A", "0000000004", 2),
        item("802S3", "801B", "0000000005", -30, revised="802S"),
        item("802X2", "801B", "0000000006", 1, revised="802X"),
        item("802Z", "801B", "0000000007", -5, revised="802GONE"),
        # a draft amendment dated between the two: it must not change the quantities of activated ones
        order("801D", "00000005", "2024-06-01", "006A", "a0QD", Status="Draft"),
        item("802SD", "801D", "0000000008", 1000, revised="802S"),
    ]
    for record in records:
        graph.add(record)
    graph.reindex()
    return graph


def test_revisions_resolve_to_the_first_order_product_in_order(history: CpqGraph) -> None:
    stacked = history.order_items["802S3"]
    first = history.first_order_product(stacked)
    assert first is not None
    assert first.id == "802S"
    assert [i.id for i in history.chain("802S")] == ["802S", "802S2", "802SD", "802S3"]
    assert history.quantity_through(history.order_items["802S2"]) == Decimal(120)
    assert history.quantity_through(stacked) == Decimal(90)  # the draft amendment in between is ignored
    assert history.quantity_through(history.order_items["802SD"]) == Decimal(1120)
    # a product added by the first amendment is itself the first order product of its chain
    added = history.first_order_product(history.order_items["802X2"])
    assert added is not None
    assert added.id == "802X"
    assert added.order_id == "801A"
    assert history.quantity_through(history.order_items["802X2"]) == Decimal(3)


def test_a_missing_revised_order_product_resolves_to_nothing(history: CpqGraph) -> None:
    assert history.first_order_product(history.order_items["802Z"]) is None
    assert history.chain("802GONE") == []


def test_amendments_and_renewals_find_the_order_that_created_their_contract(history: CpqGraph) -> None:
    for amendment in ("801A", "801B"):
        original = history.original_order_of(history.orders[amendment])
        assert original is not None
        assert original.id == "801N"
        assert history.is_amendment(history.orders[amendment])
        assert not history.is_renewal(history.orders[amendment])
    renewal = history.orders["801R"]
    assert history.is_renewal(renewal)
    assert not history.is_amendment(renewal)
    original = history.original_order_of(renewal)
    assert original is not None
    assert original.id == "801N"
    assert history.original_order_of(history.orders["801N"]) is None
    assert [o.id for o in history.amendments_of("800C")] == ["801A", "801D", "801B"]
    assert [o.id for o in history.scope_orders()] == ["801A", "801B", "801R"]


def test_a_contract_without_its_order_field_falls_back_to_the_order_of_its_quote() -> None:
    graph = CpqGraph()
    graph.add(Contract.from_raw(rec("Contract", "800C", SBQQ__Quote__c="a0QN")))
    graph.add(order("801N", "00000001", "2024-01-01", "006N", "a0QN"))
    graph.reindex()
    found = graph.contract_original_order("800C")
    assert found is not None
    assert found.id == "801N"
    assert graph.contract_original_order("800MISSING") is None


def test_usage_schedules_keep_their_rates_and_the_graph_serialises() -> None:
    rates = (
        OrderItemConsumptionRate.from_raw(
            rec(
                "SBQQ__OrderItemConsumptionRate__c",
                "a04A",
                SBQQ__OrderItemConsumptionSchedule__c="a03A",
                SBQQ__LowerBound__c=0.0,
                SBQQ__UpperBound__c=185.0,
                SBQQ__Price__c=0.5,
            )
        ),
    )
    schedule = OrderItemConsumptionSchedule.from_raw(
        rec("SBQQ__OrderItemConsumptionSchedule__c", "a03A", SBQQ__OrderItem__c="802U", SBQQ__Type__c="Range")
    ).model_copy(update={"rates": rates})
    graph = CpqGraph()
    graph.add(schedule)
    graph.add(Subscription.from_raw(rec("SBQQ__Subscription__c", "a02A", SBQQ__SubscriptionType__c="Evergreen")))
    graph.reindex()
    assert [s.rates[0].upper_bound for s in graph.schedules_of("802U")] == [Decimal(185)]
    assert graph.subscriptions["a02A"].is_evergreen
    copy = CpqGraph.model_validate_json(graph.model_dump_json())
    assert copy.schedules_of("802U")[0].rates[0].price == Decimal("0.5")
    assert copy.get("a02A") == graph.get("a02A")
