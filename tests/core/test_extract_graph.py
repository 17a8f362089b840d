"""Extraction against the sandbox org with the real simple-salesforce client: what a 1,000-order scope
costs, the showcase deals' chains and originals, usage schedules, parents, Bulk API 2.0 against REST,
and fields chosen by the mapping."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from cpq_desktop.core.extract import (
    AccountScope,
    ExtractionError,
    ExtractionSettings,
    Extractor,
    OrderScope,
    UnsyncedScope,
)
from cpq_desktop.core.extract.describe import describe_for
from cpq_desktop.core.mapping import MappingFile, MappingRow, merge
from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.tls import SandboxTLS
from tests.core.extract_fixtures import SCOPE_ORDERS, ExtractOrg, connect, sync_order

MAX_CALLS_PER_1000_ORDERS = 25  # issue 5: at most one API call per 40 orders


def test_a_1000_order_scope_costs_at_most_one_api_call_per_40_orders(big_org: ExtractOrg) -> None:
    connection = big_org.connect()
    before = connection.api_calls
    result = Extractor(connection).extract(UnsyncedScope())
    calls = connection.api_calls - before
    print(f"\n1,000-order scope: {calls} Salesforce API calls ({result.queries} queries), {len(result.graph)} records")
    assert result.order_count == SCOPE_ORDERS
    assert result.api_calls == calls
    assert calls <= MAX_CALLS_PER_1000_ORDERS
    assert not result.used_bulk
    assert result.problems == []
    graph = result.graph
    assert graph.scope_order_ids == sync_order(big_org)[:SCOPE_ORDERS]
    # every order product of every scope order, each with its CPQ subscription when it has one
    scope = set(graph.scope_order_ids)
    items = big_org.rows("SELECT Id, OrderId, SBQQ__Subscription__c AS sub FROM OrderItem WHERE IsDeleted = 0")
    expected = Counter(r["OrderId"] for r in items if r["OrderId"] in scope)
    assert Counter(i.order_id for i in graph.order_items.values() if i.order_id in scope) == expected
    for row in items:
        if row["OrderId"] in scope and row["sub"]:
            assert graph.subscriptions[row["sub"]].order_product_id is not None
    # every account, bill-to / ship-to contact, opportunity and quote a scope order points at
    for order in graph.scope_orders():
        assert order.account_id in graph.accounts
        for contact in (order.bill_to_contact_id, order.ship_to_contact_id):
            assert contact is None or contact in graph.contacts
        assert order.opportunity_id in graph.opportunities
        assert order.quote_id in graph.quotes


@pytest.fixture(scope="module")
def amendment_chain(big_org: ExtractOrg) -> dict[str, str]:
    return big_org.summary.showcase("amendment-chain").records


def test_a_stacked_amendment_alone_brings_its_originals_and_earlier_revisions(
    big_org: ExtractOrg, amendment_chain: dict[str, str]
) -> None:
    second = amendment_chain["second_amendment_order"]
    result = Extractor(big_org.connect()).extract(OrderScope(order_ids=(second,)))
    graph = result.graph
    assert result.problems == []
    assert graph.scope_order_ids == [second]
    assert {amendment_chain["order"], amendment_chain["amendment_order"]} <= set(graph.orders)
    assert not graph.in_scope(amendment_chain["order"])
    order = graph.orders[second]
    original = graph.original_order_of(order)
    assert original is not None
    assert original.id == amendment_chain["order"]
    chains = {
        r["Id"]: r for r in big_org.rows("SELECT Id, Quantity, SBQQ__RevisedOrderProduct__c AS revised FROM OrderItem")
    }
    for item in graph.items_of(second):
        first = graph.first_order_product(item)
        assert first is not None
        assert first.id == chains[item.id]["revised"]
        # the new quantity is the sum of the whole chain, including the first amendment outside the scope
        chain_rows = [r for r in chains.values() if first.id in (r["Id"], r["revised"])]
        assert graph.quantity_through(item) == Decimal(str(sum(r["Quantity"] for r in chain_rows)))
    seats = [i for i in graph.items_of(second) if i.revised_order_product_id == amendment_chain["seats_item"]]
    assert len(seats) == 1
    assert graph.quantity_through(seats[0]) == Decimal(90)
    burst = [i for i in graph.items_of(second) if i.revised_order_product_id == amendment_chain["burst_item"]]
    assert len(burst) == 1
    burst_origin = graph.first_order_product(burst[0])
    assert burst_origin is not None
    assert burst_origin.order_id == amendment_chain["amendment_order"]  # added by the first amendment
    assert graph.quantity_through(burst[0]) == Decimal(3)


def test_a_renewal_finds_the_order_of_the_contract_it_renews(
    big_org: ExtractOrg, amendment_chain: dict[str, str]
) -> None:
    renewal = amendment_chain["renewal_order"]
    graph = Extractor(big_org.connect()).extract(OrderScope(order_ids=(renewal,))).graph
    order = graph.orders[renewal]
    assert graph.is_renewal(order)
    assert not graph.is_amendment(order)
    assert graph.renewed_contract_id(order) == amendment_chain["contract"]
    original = graph.original_order_of(order)
    assert original is not None
    assert original.id == amendment_chain["order"]
    assert graph.items_of(amendment_chain["order"])  # the renewed subscriptions' order products came along


def test_owner_accounts_parents_and_usage_tiers_are_in_the_graph(big_org: ExtractOrg) -> None:
    owner_change = big_org.summary.showcase("invoice-owner-change").records
    usage = big_org.summary.showcase("usage-models").records
    scope = OrderScope(order_ids=(owner_change["amendment_order"], usage["order"]))
    graph = Extractor(big_org.connect()).extract(scope).graph
    amendment = graph.orders[owner_change["amendment_order"]]
    assert amendment.invoice_owner_id == owner_change["parent_account"]
    assert amendment.invoice_owner_id in graph.accounts
    child = graph.accounts[amendment.account_id]
    assert child.parent_id == owner_change["parent_account"]
    for key in ("volume_item", "tiered_item"):
        schedules = graph.schedules_of(usage[key])
        assert schedules
        for schedule in schedules:
            stored = big_org.rows(
                "SELECT SBQQ__LowerBound__c AS low FROM SBQQ__OrderItemConsumptionRate__c "
                "WHERE SBQQ__OrderItemConsumptionSchedule__c = ? ORDER BY SBQQ__LowerBound__c",
                (schedule.id,),
            )
            assert [r.lower_bound for r in schedule.rates] == [Decimal(str(r["low"])) for r in stored]
            item = graph.order_items[usage[key]]
            assert item.product_id is not None
            link = graph.product_schedule_for(item.product_id, schedule.schedule_id)
            assert link is not None  # its id is the External Catalog Plan Id of the usage plan
            assert graph.rates_of(link.schedule_id)
    assert {s.type for key in ("volume_item", "tiered_item") for s in graph.schedules_of(usage[key])} == {
        "Range",
        "Slab",
    }


def test_an_account_scope_brings_the_accounts_contacts(big_org: ExtractOrg, amendment_chain: dict[str, str]) -> None:
    account = amendment_chain["account"]
    graph = Extractor(big_org.connect()).extract(AccountScope(account_ids=(account,))).graph
    stored = {r["Id"] for r in big_org.rows("SELECT Id FROM Contact WHERE AccountId = ?", (account,))}
    assert stored
    assert {c.id for c in graph.contacts_of(account)} == stored
    assert graph.scope_account_ids == [account]


def test_bulk_api_above_the_threshold_returns_the_same_graph(small_org: ExtractOrg) -> None:
    connection = small_org.connect()
    rest = Extractor(connection).extract(UnsyncedScope())
    bulk = Extractor(connection, settings=ExtractionSettings(bulk_threshold=10, bulk_poll_wait_s=0)).extract(
        UnsyncedScope()
    )
    assert not rest.used_bulk
    assert bulk.used_bulk
    assert rest.order_count > 10
    assert bulk.graph.model_dump() == rest.graph.model_dump()
    assert bulk.problems == rest.problems == []


def _with_rows(pair: str, *rows: MappingRow) -> MappingFile:
    return MappingFile(sections={pair: list(rows)})


def test_extraction_reads_the_custom_fields_the_mapping_names(small_org: ExtractOrg) -> None:
    custom = _with_rows(
        "SBQQ__Subscription__c->Subscription", MappingRow(target="InvoiceGroupNumber", source="PO_Number__c")
    )
    connection = small_org.connect()
    plain = Extractor(connection).extract(UnsyncedScope()).graph
    mapped = Extractor(connection, mapping=merge(custom)).extract(UnsyncedScope()).graph
    assert all("PO_Number__c" not in s.raw for s in plain.subscriptions.values())
    assert all("PO_Number__c" in s.raw for s in mapped.subscriptions.values())
    stored = {r["Id"]: r["PO_Number__c"] for r in small_org.rows("SELECT Id, PO_Number__c FROM SBQQ__Subscription__c")}
    assert {s.id: s.value("PO_Number__c") for s in mapped.subscriptions.values()} == {
        k: v for k, v in stored.items() if k in mapped.subscriptions
    }


def test_a_mapped_field_the_org_lacks_stops_the_run_with_what_to_fix(small_org: ExtractOrg) -> None:
    bad = _with_rows("Account->Account", MappingRow(target="Region__c", source="Region__c"))
    with pytest.raises(ExtractionError, match=r"Region__c.*mapping") as caught:
        Extractor(small_org.connect(), mapping=merge(bad)).extract(UnsyncedScope())
    assert "integration user" in str(caught.value)


@pytest.fixture(scope="module")
def single_currency_org(tmp_path_factory: pytest.TempPathFactory, extract_tls: SandboxTLS) -> Iterator[ExtractOrg]:
    org = SalesforceOrg(Path(tmp_path_factory.mktemp("extract-1ccy")), extract_tls, multi_currency=False)
    summary = org.generate(orders=8, seed=3)
    assert summary is not None
    org.start()
    try:
        yield ExtractOrg(org, summary, extract_tls)
    finally:
        org.stop()


def test_an_org_without_multi_currency_is_read_without_currency_fields(single_currency_org: ExtractOrg) -> None:
    connection = connect(single_currency_org.org, single_currency_org.tls)
    result = Extractor(connection).extract(UnsyncedScope())
    assert result.problems == []
    assert result.order_count > 0
    assert "Order.CurrencyIsoCode" in result.left_out_fields
    assert all(o.currency is None and "CurrencyIsoCode" not in o.raw for o in result.graph.orders.values())


AMENDMENT_SHOWCASES = (
    "amendment-add-product",
    "amendment-quantity-increase",
    "amendment-quantity-decrease",
    "amendment-cancel-line",
    "termination",
    "price-change",
    "coterm-partial-month",
    "invoice-owner-change",
)


def test_every_amendment_showcase_resolves_to_its_original_order_and_first_order_products(
    big_org: ExtractOrg,
) -> None:
    showcases = [big_org.summary.showcase(key).records for key in AMENDMENT_SHOWCASES]
    scope = OrderScope(order_ids=tuple(s["amendment_order"] for s in showcases))
    result = Extractor(big_org.connect()).extract(scope)
    graph = result.graph
    assert result.problems == []
    query = "SELECT Id, OrderId, Quantity, SBQQ__RevisedOrderProduct__c AS rev FROM OrderItem"
    stored = {r["Id"]: r for r in big_org.rows(query)}
    revisions = 0
    for key, records in zip(AMENDMENT_SHOWCASES, showcases, strict=True):
        amendment = graph.orders[records["amendment_order"]]
        assert graph.is_amendment(amendment), key
        original = graph.original_order_of(amendment)
        assert original is not None
        assert original.id == records["order"], key
        for item in graph.items_of(amendment.id):
            first = graph.first_order_product(item)
            assert first is not None
            if stored[item.id]["rev"] is None:
                assert first.id == item.id  # an added product starts its own chain
                continue
            revisions += 1
            assert first.id == stored[item.id]["rev"]
            assert first.order_id == records["order"], key
            expected = stored[first.id]["Quantity"] + sum(
                r["Quantity"] for r in stored.values() if r["rev"] == first.id and r["OrderId"] == amendment.id
            )
            assert graph.quantity_through(item) == Decimal(str(expected)), key
    assert revisions >= len(AMENDMENT_SHOWCASES) - 2  # add-product and co-term only add lines
    cancelled = graph.order_items[big_org.summary.showcase("amendment-cancel-line").records["cancelled_item"]]
    (revision,) = graph.revisions_of(cancelled.id)
    assert graph.quantity_through(revision) == 0  # the line is removed


def test_a_second_run_on_the_same_connection_does_not_describe_again(small_org: ExtractOrg) -> None:
    connection = small_org.connect()
    first = Extractor(connection).extract(UnsyncedScope())
    described = describe_for(connection).described
    assert "Order" in described
    second = Extractor(connection).extract(UnsyncedScope())
    assert second.api_calls == first.api_calls - len(described)


def test_an_empty_scope_costs_only_its_resolution(small_org: ExtractOrg) -> None:
    connection = small_org.connect()
    result = Extractor(connection).extract(OrderScope(order_numbers=("99999999",)))
    # the resolution query, and the describes that tell which account links it can select
    assert result.api_calls == 1 + len(describe_for(connection).described)
    assert len(result.graph) == 0
    assert [p.sobject for p in result.problems] == ["Order"]


def test_price_book_entries_of_every_product_and_the_org_currency_come_along(big_org: ExtractOrg) -> None:
    yen = big_org.summary.showcase("multi-currency-jpy").records
    graph = Extractor(big_org.connect()).extract(OrderScope(order_ids=(yen["order"],))).graph
    assert graph.organization is not None
    stored_org = big_org.rows("SELECT DefaultCurrencyIsoCode AS ccy FROM Organization")
    assert graph.organization.default_currency == stored_org[0]["ccy"]
    assert graph.orders[yen["order"]].currency == "JPY"
    for product_id in {i.product_id for i in graph.items_of(yen["order"])}:
        assert product_id is not None
        stored = big_org.rows(
            "SELECT Id, CurrencyIsoCode AS ccy, UnitPrice FROM PricebookEntry WHERE Product2Id = ? AND IsActive = 1",
            (product_id,),
        )
        entries = graph.price_entries_of(product_id)
        assert {(e.id, e.currency, e.unit_price) for e in entries} == {
            (r["Id"], r["ccy"], Decimal(str(r["UnitPrice"]))) for r in stored
        }
        assert "JPY" in {e.currency for e in entries}
