"""Amendment chains, renewals and the showcase deals of the generated org, checked against salesforce-api.md §4.4
and connector-spec §3: what a sync reading this org would rely on.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cpq_desktop.sandbox.salesforce.generator import GeneratedSummary, generate_org
from cpq_desktop.sandbox.salesforce.store import OrgStore

ORDERS = 160
SEED = 23


def rows(store: OrgStore, sql: str, params: tuple[object, ...] = ()) -> list[dict[str, Any]]:
    with store.lock:
        cursor = store.connection.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one(store: OrgStore, sql: str, params: tuple[object, ...] = ()) -> dict[str, Any]:
    found = rows(store, sql, params)
    assert len(found) == 1, (sql, params, found)
    return found[0]


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OrgStore, GeneratedSummary]]:
    store = OrgStore(tmp_path_factory.mktemp("chains") / "org.db", clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    summary = generate_org(store, orders=ORDERS, seed=SEED)
    try:
        yield store, summary
    finally:
        store.close()


ITEMS_WITH_ORDERS = (
    "SELECT oi.*, o.Type AS order_type, o.EffectiveDate AS order_date, o.EndDate AS order_end, "
    'o.OpportunityId AS opportunity FROM OrderItem oi JOIN "Order" o ON o.Id = oi.OrderId WHERE oi.IsDeleted = 0'
)


def test_revisions_point_at_the_first_order_product_of_their_chain(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, _ = org
    items = {r["Id"]: r for r in rows(store, ITEMS_WITH_ORDERS)}
    opportunities = {r["Id"]: r for r in rows(store, "SELECT * FROM Opportunity")}
    subscriptions = {r["Id"]: r for r in rows(store, "SELECT * FROM SBQQ__Subscription__c")}
    revisions = [item for item in items.values() if item["SBQQ__RevisedOrderProduct__c"]]
    assert len(revisions) >= 30
    stacked = 0
    for item in revisions:
        origin = items[item["SBQQ__RevisedOrderProduct__c"]]
        assert origin["SBQQ__RevisedOrderProduct__c"] is None, "revisions point at the first order product"
        assert origin["Product2Id"] == item["Product2Id"]
        assert origin["PricebookEntryId"] == item["PricebookEntryId"]
        assert item["order_type"] == "Amendment"
        assert item["order_date"] > origin["order_date"]
        assert item["ServiceDate"] == item["order_date"]
        assert item["EndDate"] == origin["EndDate"] == item["order_end"]  # co-terminated with the contract
        amended = opportunities[item["opportunity"]]["SBQQ__AmendedContract__c"]
        assert amended == origin["SBQQ__Contract__c"] == item["SBQQ__Contract__c"]
        action = item["SBQQ__ContractAction__c"]
        assert action == ("Quantity Increase" if item["Quantity"] > 0 else action)
        assert action in ("Quantity Increase", "Quantity Decrease", "Cancel")
        assert (item["Quantity"] > 0) == (action == "Quantity Increase")
        delta = subscriptions[item["SBQQ__Subscription__c"]]
        assert delta["SBQQ__RevisedSubscription__c"] == origin["SBQQ__Subscription__c"]
        assert delta["SBQQ__Quantity__c"] == item["Quantity"]
        assert delta["SBQQ__OrderProduct__c"] == item["Id"]
        assert delta["SBQQ__StartDate__c"] == item["order_date"]
        if origin["order_type"] == "Amendment":
            stacked += 1
    assert stacked >= 1, "some revisions revise a line that an earlier amendment added"


def test_quantity_deltas_sum_to_the_effective_quantity_of_each_subscription(
    org: tuple[OrgStore, GeneratedSummary],
) -> None:
    store, _ = org
    items = rows(store, ITEMS_WITH_ORDERS + " AND oi.SBQQ__Subscription__c IS NOT NULL")
    by_origin: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_origin[item["SBQQ__RevisedOrderProduct__c"] or item["Id"]].append(item)
    subscriptions = rows(store, "SELECT * FROM SBQQ__Subscription__c")
    rows_by_origin: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for subscription in subscriptions:
        rows_by_origin[subscription["SBQQ__RevisedSubscription__c"] or subscription["Id"]].append(subscription)
    cancelled = increased = decreased = 0
    for origin_id, chain in by_origin.items():
        chain.sort(key=lambda item: item["order_date"])
        assert chain[0]["Id"] == origin_id
        assert chain[0]["Quantity"] > 0
        running = 0.0
        for item in chain:
            running += item["Quantity"]
            assert running >= 0, f"chain {origin_id} went below zero"
        subscription_rows = rows_by_origin[chain[0]["SBQQ__Subscription__c"]]
        assert len(subscription_rows) == len(chain)
        assert sum(s["SBQQ__Quantity__c"] for s in subscription_rows) == running
        live = [s for s in subscription_rows if s["SBQQ__TerminatedDate__c"] is None]
        if running == 0:
            cancelled += 1
            assert chain[-1]["SBQQ__ContractAction__c"] == "Cancel"
            assert {s["SBQQ__TerminatedDate__c"] for s in subscription_rows} == {chain[-1]["order_date"]}
        else:
            assert live == subscription_rows
            increased += any(item["Quantity"] > 0 for item in chain[1:])
            decreased += any(item["Quantity"] < 0 for item in chain[1:])
    assert cancelled >= 3
    assert increased >= 5
    assert decreased >= 3


def test_amendment_orders_follow_their_contract(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, _ = org
    amendments = rows(
        store,
        "SELECT o.*, op.SBQQ__AmendedContract__c AS amended, op.CloseDate, q.SBQQ__MasterContract__c AS master, "
        "q.SBQQ__StartDate__c AS quote_start, q.SBQQ__EndDate__c AS quote_end, c.EndDate AS contract_end, "
        "c.SBQQ__Order__c AS original_order, first.EffectiveDate AS original_date "
        'FROM "Order" o JOIN Opportunity op ON op.Id = o.OpportunityId '
        "JOIN SBQQ__Quote__c q ON q.Id = o.SBQQ__Quote__c "
        'JOIN Contract c ON c.Id = op.SBQQ__AmendedContract__c JOIN "Order" first ON first.Id = c.SBQQ__Order__c '
        "WHERE o.Type = 'Amendment'",
    )
    assert len(amendments) == rows(store, "SELECT COUNT(*) AS n FROM \"Order\" WHERE Type = 'Amendment'")[0]["n"] >= 40
    for order in amendments:
        assert order["master"] == order["amended"] == order["ContractId"]
        assert order["EffectiveDate"] == order["quote_start"] == order["CloseDate"]
        assert order["EffectiveDate"] > order["original_date"]
        assert order["EndDate"] == order["quote_end"] == order["contract_end"]
    # Stacked amendments of one contract are effective one after the other.
    dates: dict[str, list[str]] = defaultdict(list)
    for order in sorted(amendments, key=lambda o: o["Id"]):
        dates[order["amended"]].append(order["EffectiveDate"])
    assert any(len(d) >= 2 for d in dates.values())
    assert all(d == sorted(set(d)) for d in dates.values())
    lines = rows(
        store,
        "SELECT ql.* FROM SBQQ__QuoteLine__c ql JOIN SBQQ__Quote__c q ON q.Id = ql.SBQQ__Quote__c "
        "WHERE q.SBQQ__Type__c = 'Amendment' AND ql.SBQQ__Existing__c = 1",
    )
    assert lines
    for line in lines:
        assert line["SBQQ__UpgradedSubscription__c"]
        assert line["SBQQ__PriorQuantity__c"] + line["SBQQ__EffectiveQuantity__c"] == line["SBQQ__Quantity__c"]


def test_amendments_add_products_as_new_lines(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, _ = org
    added = rows(
        store,
        ITEMS_WITH_ORDERS + " AND o.Type = 'Amendment' AND oi.SBQQ__RevisedOrderProduct__c IS NULL",
    )
    assert len(added) >= 10
    for item in added:
        assert item["SBQQ__ContractAction__c"] == "New"
        assert item["Quantity"] > 0
        if item["SBQQ__Subscription__c"]:
            subscription = one(
                store, "SELECT * FROM SBQQ__Subscription__c WHERE Id = ?", (item["SBQQ__Subscription__c"],)
            )
            assert subscription["SBQQ__RevisedSubscription__c"] is None
            assert subscription["SBQQ__EndDate__c"] == item["order_end"]


def test_renewals_start_the_day_after_the_old_contract_and_carry_its_quantities(
    org: tuple[OrgStore, GeneratedSummary],
) -> None:
    store, _ = org
    renewals = rows(
        store,
        "SELECT o.*, op.SBQQ__RenewedContract__c AS renewed, op.SBQQ__Renewal__c AS flag, "
        "old.EndDate AS old_end, old.SBQQ__RenewalOpportunity__c AS old_renewal_opp, "
        "new.StartDate AS new_start, new.SBQQ__Order__c AS new_order "
        'FROM "Order" o JOIN Opportunity op ON op.Id = o.OpportunityId JOIN Contract old '
        "ON old.Id = op.SBQQ__RenewedContract__c JOIN Contract new ON new.Id = o.ContractId WHERE o.Type = 'Renewal'",
    )
    assert len(renewals) >= 15
    added_total = 0
    for order in renewals:
        assert order["flag"] == 1
        assert order["old_renewal_opp"] == order["OpportunityId"]
        assert order["new_order"] == order["Id"]
        assert order["renewed"] != order["ContractId"]
        assert date.fromisoformat(order["EffectiveDate"]) == date.fromisoformat(order["old_end"]) + timedelta(days=1)
        assert order["new_start"] == order["EffectiveDate"]
        effective: dict[str, float] = defaultdict(float)
        for subscription in rows(
            store, "SELECT * FROM SBQQ__Subscription__c WHERE SBQQ__Contract__c = ?", (order["renewed"],)
        ):
            effective[subscription["SBQQ__RevisedSubscription__c"] or subscription["Id"]] += subscription[
                "SBQQ__Quantity__c"
            ]
        renewed_lines = rows(
            store,
            "SELECT * FROM SBQQ__QuoteLine__c WHERE SBQQ__Quote__c = ? AND SBQQ__Renewal__c = 1",
            (order["SBQQ__Quote__c"],),
        )
        assert renewed_lines
        assert {line["SBQQ__RenewedSubscription__c"] for line in renewed_lines} == {
            origin for origin, quantity in effective.items() if quantity > 0
        }
        for line in renewed_lines:
            assert line["SBQQ__Quantity__c"] == effective[line["SBQQ__RenewedSubscription__c"]]
        renew_items = rows(
            store, "SELECT * FROM OrderItem WHERE OrderId = ? AND SBQQ__ContractAction__c = 'Renew'", (order["Id"],)
        )
        assert len(renew_items) == len(renewed_lines)
        assert all(item["SBQQ__RevisedOrderProduct__c"] is None for item in renew_items)
        added = rows(
            store, "SELECT * FROM OrderItem WHERE OrderId = ? AND SBQQ__ContractAction__c = 'New'", (order["Id"],)
        )
        added_total += len(added)
        for item in added:
            if item["SBQQ__Subscription__c"]:
                subscription = one(
                    store, "SELECT * FROM SBQQ__Subscription__c WHERE Id = ?", (item["SBQQ__Subscription__c"],)
                )
                assert subscription["SBQQ__Contract__c"] == order["ContractId"]
    assert added_total >= 2, "some renewals sell something new as well"


# --- showcases ----------------------------------------------------------------------------------------------------


def items_of(store: OrgStore, order_id: str) -> list[dict[str, Any]]:
    return rows(
        store,
        "SELECT oi.*, p.ProductCode FROM OrderItem oi JOIN Product2 p ON p.Id = oi.Product2Id WHERE oi.OrderId = ? "
        "ORDER BY oi.Id",
        (order_id,),
    )


def test_every_use_case_has_a_showcase(org: tuple[OrgStore, GeneratedSummary]) -> None:
    _, summary = org
    covered = {case for showcase in summary.showcases.values() for case in showcase.use_cases}
    wanted = {f"3.{n}" for n in range(1, 14)} | {"3.15", "bundle", "usage", "multi-currency"}
    assert wanted <= covered, wanted - covered
    with pytest.raises(KeyError, match="no showcase 'nope'"):
        summary.showcase("nope")


def test_showcase_amendment_chain_revises_first_order_products(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    records = summary.showcase("amendment-chain").records
    first = {i["ProductCode"]: i for i in items_of(store, records["amendment_order"])}
    second = {i["ProductCode"]: i for i in items_of(store, records["second_amendment_order"])}
    assert first["SUB-SEAT-STD"]["Quantity"] == 20
    assert first["SUB-SUP-PRM"]["Quantity"] == -1
    assert first["SUB-SUP-PRM"]["SBQQ__ContractAction__c"] == "Cancel"
    assert first["USG-BURST-BLK"]["SBQQ__RevisedOrderProduct__c"] is None
    assert first["USG-BURST-BLK"]["Id"] == records["burst_item"]
    assert second["SUB-SEAT-STD"]["Quantity"] == -30
    assert second["SUB-SEAT-STD"]["SBQQ__RevisedOrderProduct__c"] == records["seats_item"]
    assert second["USG-BURST-BLK"]["SBQQ__RevisedOrderProduct__c"] == records["burst_item"]
    seats_rows = rows(
        store,
        "SELECT SBQQ__Quantity__c AS q FROM SBQQ__Subscription__c WHERE Id = ? OR SBQQ__RevisedSubscription__c = ?",
        (records["seats_subscription"], records["seats_subscription"]),
    )
    assert sorted(r["q"] for r in seats_rows) == [-30, 20, 100]
    renewal = {i["ProductCode"]: i for i in items_of(store, records["renewal_order"])}
    assert renewal["SUB-SEAT-STD"]["Quantity"] == 90
    assert "SUB-SUP-PRM" not in renewal
    assert renewal["USG-BURST-BLK"]["Quantity"] == 3


def test_showcase_price_change_is_a_debook_and_a_rebook(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    records = summary.showcase("price-change").records
    seats = [i for i in items_of(store, records["amendment_order"]) if i["ProductCode"] == "SUB-SEAT-STD"]
    debook, rebook = sorted(seats, key=lambda i: i["Quantity"])
    assert debook["Quantity"] == -50
    assert debook["SBQQ__RevisedOrderProduct__c"] == records["debooked_item"]
    assert rebook["Quantity"] == 50
    assert rebook["SBQQ__RevisedOrderProduct__c"] is None
    assert rebook["SBQQ__ContractAction__c"] == "New"
    assert rebook["SBQQ__UnproratedNetPrice__c"] == pytest.approx(0.8 * debook["SBQQ__UnproratedNetPrice__c"], abs=0.01)


def test_showcase_termination_and_line_cancel(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    terminated = summary.showcase("termination").records
    subscriptions = rows(
        store, "SELECT * FROM SBQQ__Subscription__c WHERE SBQQ__Contract__c = ?", (terminated["contract"],)
    )
    assert sum(s["SBQQ__Quantity__c"] for s in subscriptions) == 0
    assert all(s["SBQQ__TerminatedDate__c"] for s in subscriptions)
    cancel = summary.showcase("amendment-cancel-line").records
    (item,) = items_of(store, cancel["amendment_order"])
    assert item["SBQQ__RevisedOrderProduct__c"] == cancel["cancelled_item"]
    assert item["Quantity"] == -1
    live = rows(
        store,
        "SELECT * FROM SBQQ__Subscription__c WHERE SBQQ__Contract__c = ? AND SBQQ__TerminatedDate__c IS NULL",
        (cancel["contract"],),
    )
    assert [s["SBQQ__Quantity__c"] for s in live] == [25]


def test_showcase_evergreen_has_no_end_dates(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    records = summary.showcase("evergreen").records
    contract = one(store, "SELECT * FROM Contract WHERE Id = ?", (records["contract"],))
    assert contract["SBQQ__Evergreen__c"] == 1
    assert contract["EndDate"] is None
    subscriptions = rows(
        store, "SELECT * FROM SBQQ__Subscription__c WHERE SBQQ__Contract__c = ?", (records["contract"],)
    )
    assert {s["SBQQ__SubscriptionType__c"] for s in subscriptions} == {"Evergreen"}
    assert all(s["SBQQ__EndDate__c"] is None for s in subscriptions)
    assert sum(s["SBQQ__Quantity__c"] for s in subscriptions) == 8
    order = one(store, 'SELECT * FROM "Order" WHERE Id = ?', (records["order"],))
    assert order["EndDate"] is None
    one_time = [i for i in items_of(store, records["order"]) if i["SBQQ__ChargeType__c"] == "One-Time"]
    assert len(one_time) == 1


def test_showcase_invoice_owner_moves_to_the_parent(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    records = summary.showcase("invoice-owner-change").records
    original = one(store, 'SELECT * FROM "Order" WHERE Id = ?', (records["order"],))
    amendment = one(store, 'SELECT * FROM "Order" WHERE Id = ?', (records["amendment_order"],))
    account = one(store, "SELECT * FROM Account WHERE Id = ?", (records["account"],))
    assert account["ParentId"] == records["parent_account"]
    assert original["InvoiceOwner__c"] == original["SubscriptionOwner__c"] == records["account"]
    assert amendment["InvoiceOwner__c"] == records["parent_account"]
    assert amendment["SubscriptionOwner__c"] == records["account"]


def test_showcase_coterm_add_on_is_prorated_to_a_partial_month(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    records = summary.showcase("coterm-partial-month").records
    item = one(store, "SELECT * FROM OrderItem WHERE Id = ?", (records["added_item"],))
    contract = one(store, "SELECT * FROM Contract WHERE Id = ?", (records["contract"],))
    assert item["EndDate"] == contract["EndDate"]
    months = item["SBQQ__ProrateMultiplier__c"] * 12
    assert 7 < months < 8
    assert months != round(months)
    assert item["UnitPrice"] == pytest.approx(
        item["SBQQ__UnproratedNetPrice__c"] * item["SBQQ__ProrateMultiplier__c"], abs=0.01
    )


def test_showcase_mdq_bundle_currency_and_terms(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    mdq = [
        i for i in items_of(store, summary.showcase("mdq-ramp").records["order"]) if i["ProductCode"] == "SUB-SEAT-MDQ"
    ]
    assert [i["SBQQ__SegmentIndex__c"] for i in mdq] == [1, 2, 3]
    assert [i["Quantity"] for i in mdq] == [50, 75, 100]
    assert len({i["SBQQ__SegmentKey__c"] for i in mdq}) == 1
    for earlier, later in itertools.pairwise(mdq):
        assert date.fromisoformat(later["ServiceDate"]) == date.fromisoformat(earlier["EndDate"]) + timedelta(days=1)

    bundle = summary.showcase("bundle").records
    components = rows(store, "SELECT * FROM OrderItem WHERE SBQQ__RequiredBy__c = ?", (bundle["bundle_item"],))
    assert len(components) == 2
    assert all(c["UnitPrice"] == 0 for c in components)
    parent_subscription = one(
        store, "SELECT SBQQ__Subscription__c AS s FROM OrderItem WHERE Id = ?", (bundle["bundle_item"],)
    )
    for component in components:
        subscription = one(
            store, "SELECT * FROM SBQQ__Subscription__c WHERE Id = ?", (component["SBQQ__Subscription__c"],)
        )
        assert subscription["SBQQ__Bundled__c"] == 1
        assert subscription["SBQQ__RequiredById__c"] == parent_subscription["s"]

    yen = items_of(store, summary.showcase("multi-currency-jpy").records["order"])
    assert {i["CurrencyIsoCode"] for i in yen} == {"JPY"}
    assert all(i["UnitPrice"] == int(i["UnitPrice"]) for i in yen)

    three_years = items_of(store, summary.showcase("termed-multi-year").records["order"])
    assert {i["SBQQ__ProrateMultiplier__c"] for i in three_years} == {3.0}
    assets = items_of(store, summary.showcase("one-time-assets").records["order"])
    assert sum(1 for i in assets if i["SBQQ__ChargeType__c"] == "One-Time" and i["SBQQ__Subscription__c"] is None) == 3

    reuse = summary.showcase("asset-amend-renew").records
    for role in ("amendment_order", "renewal_order"):
        assert any(i["SBQQ__ChargeType__c"] == "One-Time" for i in items_of(store, reuse[role])), role


def test_showcase_ids_are_stable_for_docs_and_tests(tmp_path: Path, org: tuple[OrgStore, GeneratedSummary]) -> None:
    _, summary = org
    store = OrgStore(tmp_path / "small.db")
    try:
        small = generate_org(store, orders=len(summary.showcases), seed=SEED)
    finally:
        store.close()
    # The showcases come first, so they get the same ids whatever the order count.
    assert small.showcases == summary.showcases


def test_the_orgs_custom_fields_are_filled_as_an_admin_would(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    records = summary.showcase("new-subscriptions").records
    subscriptions = {
        s["code"]: s
        for s in rows(
            store,
            "SELECT s.*, p.ProductCode AS code FROM SBQQ__Subscription__c s "
            "JOIN Product2 p ON p.Id = s.SBQQ__Product__c WHERE s.SBQQ__Contract__c = ?",
            (records["contract"],),
        )
    }
    # Per-billing-period prices: seats 600/year less 10%, billed monthly; support 8000/year, billed quarterly.
    assert subscriptions["SUB-SEAT-STD"]["Zuora_Price__c"] == 45.0
    assert subscriptions["SUB-SUP-PRM"]["Zuora_Price__c"] == 2000.0
    assert subscriptions["USG-STOR-GB"]["Zuora_Price__c"] is None  # usage is priced by its tiers
    po = summary.showcase("single-contract").records
    numbers = rows(
        store,
        "SELECT DISTINCT PO_Number__c AS po FROM SBQQ__Subscription__c WHERE SBQQ__Contract__c = ?",
        (po["contract"],),
    )
    assert numbers == [{"po": "PO-2025-0042"}]
    codes = rows(store, "SELECT SBQQ__ChargeType__c AS charge, Z_Accounting_Code__c AS code FROM Product2")
    assert {c["code"] for c in codes if c["charge"] == "One-Time"} == {None}
    assert {c["code"] for c in codes if c["charge"] != "One-Time"} == {"Subscription Revenue"}
