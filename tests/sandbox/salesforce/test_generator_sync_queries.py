"""The generated org answers the sync's own SOQL (salesforce-api.md §4.4-§4.5) the way a real CPQ org does:
a sync that walks from an amendment back to its original order, or pages order products by order, finds
the showcase records.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cpq_desktop.sandbox.salesforce.generator import GeneratedSummary, generate_org
from cpq_desktop.sandbox.salesforce.store import OrgStore


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OrgStore, GeneratedSummary]]:
    store = OrgStore(tmp_path_factory.mktemp("sync-queries") / "org.db")
    summary = generate_org(store, orders=40, seed=2)
    try:
        yield store, summary
    finally:
        store.close()


def query(store: OrgStore, soql: str) -> list[dict[str, Any]]:
    return list(store.query(soql).records)


def test_orders_ready_to_sync_carry_the_amendment_and_renewal_markers(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    orders = query(
        store,
        "SELECT Id, Type, SBQQ__Quote__r.SBQQ__Type__c, Opportunity.SBQQ__AmendedContract__c, "
        "Opportunity.SBQQ__RenewedContract__c FROM Order WHERE Status = 'Activated' "
        "AND SystemModstamp > 2020-01-01T00:00:00Z ORDER BY SystemModstamp",
    )
    assert len(orders) == summary.counts["Order"]
    for order in orders:
        quote_type = order["SBQQ__Quote__r"]["SBQQ__Type__c"]
        amended = order["Opportunity"]["SBQQ__AmendedContract__c"]
        renewed = order["Opportunity"]["SBQQ__RenewedContract__c"]
        # How Stripe's connector tells them apart, without trusting the org-customisable Order.Type.
        assert (amended is not None) == (quote_type == "Amendment") == (order["Type"] == "Amendment")
        assert (renewed is not None) == (quote_type == "Renewal") == (order["Type"] == "Renewal")


def test_an_amendment_leads_back_to_its_original_order(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    chain = summary.showcase("amendment-chain").records
    (amendment,) = query(
        store,
        "SELECT Opportunity.SBQQ__AmendedContract__r.SBQQ__Quote__c FROM Order "
        f"WHERE Id = '{chain['amendment_order']}'",
    )
    original_quote = amendment["Opportunity"]["SBQQ__AmendedContract__r"]["SBQQ__Quote__c"]
    (original,) = query(store, f"SELECT Id FROM Order WHERE SBQQ__Quote__c = '{original_quote}' AND Type = 'New'")
    assert original["Id"] == chain["order"]
    amendments = query(
        store,
        "SELECT Id FROM Order WHERE Opportunity.SBQQ__AmendedContract__c = "
        f"'{chain['contract']}' ORDER BY SBQQ__Quote__r.SBQQ__StartDate__c, LastModifiedDate",
    )
    assert [o["Id"] for o in amendments] == [chain["amendment_order"], chain["second_amendment_order"]]


def test_order_products_page_by_order_with_their_revision_links(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    chain = summary.showcase("amendment-chain").records
    ids = "', '".join((chain["order"], chain["amendment_order"], chain["second_amendment_order"]))
    lines = query(
        store,
        "SELECT Id, OrderId, Product2.ProductCode, Quantity, SBQQ__RevisedOrderProduct__c, SBQQ__ContractAction__c, "
        f"SBQQ__Subscription__c FROM OrderItem WHERE OrderId IN ('{ids}') ORDER BY OrderId, OrderItemNumber",
    )
    seats = [line for line in lines if line["Product2"]["ProductCode"] == "SUB-SEAT-STD"]
    assert [line["Quantity"] for line in seats] == [100, 20, -30]
    assert [line["SBQQ__RevisedOrderProduct__c"] for line in seats] == [None, chain["seats_item"], chain["seats_item"]]
    assert all(line["SBQQ__Subscription__c"] for line in lines)


def test_usage_lines_expose_their_tiers_through_a_child_subquery(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    item = summary.showcase("usage-models").records["tiered_item"]
    (schedule,) = query(
        store,
        "SELECT SBQQ__Type__c, CurrencyIsoCode, (SELECT SBQQ__LowerBound__c, SBQQ__UpperBound__c, SBQQ__Price__c, "
        "SBQQ__PricingMethod__c FROM SBQQ__OrderItemConsumptionRates__r ORDER BY SBQQ__LowerBound__c) "
        f"FROM SBQQ__OrderItemConsumptionSchedule__c WHERE SBQQ__OrderItem__c = '{item}'",
    )
    assert schedule["SBQQ__Type__c"] == "Slab"
    assert schedule["CurrencyIsoCode"] == "EUR"
    rates = schedule["SBQQ__OrderItemConsumptionRates__r"]["records"]
    assert [(r["SBQQ__LowerBound__c"], r["SBQQ__UpperBound__c"]) for r in rates] == [
        (0, 10000),
        (10000, 100000),
        (100000, None),
    ]
    assert rates[0]["SBQQ__PricingMethod__c"] == "FlatFee"
    assert rates[1]["SBQQ__PricingMethod__c"] == "PerUnit"
