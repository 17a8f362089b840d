"""The CPQ data generator: determinism, scale, referential integrity, catalog coverage, realistic accounts.

Checks read the org's SQLite tables directly (not through SOQL), so they stay independent of the query
engine they help to test.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cpq_desktop.sandbox.salesforce import ids
from cpq_desktop.sandbox.salesforce.generator import (
    ANCHOR_DATE,
    ChargeModel,
    GeneratedSummary,
    OrgNotEmptyError,
    generate_org,
    plan_org,
)
from cpq_desktop.sandbox.salesforce.store import OrgStore, quote_ident

FIXED_CLOCK = datetime(2026, 1, 1, tzinfo=UTC)
ORDERS = 120
SEED = 11


def open_store(path: Path, **kwargs: Any) -> OrgStore:
    # A fixed clock makes the rows the store itself creates (organization, integration user) repeatable too.
    return OrgStore(path, clock=lambda: FIXED_CLOCK, **kwargs)


def rows(store: OrgStore, sql: str, params: tuple[object, ...] = ()) -> list[dict[str, Any]]:
    with store.lock:
        cursor = store.connection.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def table_dump(store: OrgStore) -> dict[str, list[tuple[Any, ...]]]:
    dump = {}
    for obj in store.schema:
        with store.lock:
            dump[obj.name] = store.connection.execute(f"SELECT * FROM {quote_ident(obj.name)} ORDER BY Id").fetchall()
    return dump


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OrgStore, GeneratedSummary]]:
    store = open_store(tmp_path_factory.mktemp("gen") / "org.db")
    summary = generate_org(store, orders=ORDERS, seed=SEED)
    try:
        yield store, summary
    finally:
        store.close()


def test_same_seed_gives_identical_rows_ids_and_dates(tmp_path: Path) -> None:
    first = open_store(tmp_path / "a.db")
    second = open_store(tmp_path / "b.db")
    other = open_store(tmp_path / "c.db")
    try:
        summary_a = generate_org(first, orders=60, seed=5)
        summary_b = generate_org(second, orders=60, seed=5)
        generate_org(other, orders=60, seed=6)
        dump_a = table_dump(first)
        assert dump_a == table_dump(second)
        assert summary_a == summary_b
        assert sum(len(v) for v in dump_a.values()) > 1000
        # A different seed gives a different org, not just different ids.
        assert [r[1:] for r in dump_a["Account"]] != [r[1:] for r in table_dump(other)["Account"]]
    finally:
        for store in (first, second, other):
            store.close()


DIGEST_SCRIPT = """
import hashlib, sys
from datetime import UTC, datetime
from pathlib import Path
from cpq_desktop.sandbox.salesforce.store import OrgStore, quote_ident
from cpq_desktop.sandbox.salesforce.generator import generate_org
store = OrgStore(Path(sys.argv[1]), clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
generate_org(store, orders=40, seed=9)
digest = hashlib.sha256()
for obj in store.schema:
    for row in store.connection.execute(f"SELECT * FROM {quote_ident(obj.name)} ORDER BY Id"):
        digest.update(repr(row).encode())
print(digest.hexdigest())
"""


def test_output_does_not_depend_on_the_interpreters_hash_seed(tmp_path: Path) -> None:
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", DIGEST_SCRIPT, str(tmp_path / f"org{hash_seed}.db")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1
    assert len(digests.pop()) == 64


def test_dates_are_pinned_to_the_anchor_not_today(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    assert summary.anchor_date == ANCHOR_DATE.isoformat()
    latest = rows(store, 'SELECT MAX(CreatedDate) AS m FROM "Order"')[0]["m"]
    earliest = rows(store, 'SELECT MIN(EffectiveDate) AS m FROM "Order"')[0]["m"]
    assert latest < "2026-01-01T00:00:00.000+0000"
    assert "2020-06-01" < earliest < "2024-01-01"
    # Accounts and the catalog exist before the first deal is done.
    assert rows(store, "SELECT MAX(CreatedDate) AS m FROM Account")[0]["m"][:10] < earliest
    assert rows(store, "SELECT MAX(CreatedDate) AS m FROM Product2")[0]["m"][:10] < earliest


def test_order_counts_grow_linearly_with_the_requested_orders(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    # generate_org reports what plan_org built; planning alone keeps this test fast.
    planned = plan_org(ORDERS, SEED, integration_user_id=store.default_user_id)
    assert planned.counts() == (summary.counts, summary.deleted_counts)
    assert planned.orders_by_type() == summary.orders_by_type
    sizes = (100, 300, 500)
    plans = [plan_org(n, 3, integration_user_id=store.default_user_id) for n in sizes]
    for plan, n in zip(plans, sizes, strict=True):
        assert plan.orders_by_type()["New"] == n
        assert plan.counts()[0]["Order"] == sum(plan.orders_by_type().values())
    for name in ("Account", "Order", "OrderItem", "SBQQ__Subscription__c", "Contract", "SBQQ__QuoteLine__c"):
        small, medium, large = (plan.counts()[0][name] for plan in plans)
        step_one, step_two = medium - small, large - medium
        assert step_one > 0
        assert abs(step_two - step_one) <= 0.2 * step_one, (name, small, medium, large)
    for kind in ("Amendment", "Renewal"):
        small, medium, large = (plan.orders_by_type()[kind] for plan in plans)
        assert abs((large - medium) - (medium - small)) <= 0.2 * (medium - small), (kind, small, medium, large)
    # Amendments and renewals are a fixed share of new business, not a handful.
    assert plans[-1].orders_by_type()["Amendment"] >= 0.25 * 500
    assert plans[-1].orders_by_type()["Renewal"] >= 0.12 * 500


def test_every_lookup_points_at_an_existing_record(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, _ = org
    checked = 0
    for obj in store.schema:
        for field in obj.iter_fields():
            if field.type != "reference":
                continue
            targets = [store.schema.get(name) for name in field.reference_to]
            union = " UNION ".join(f"SELECT Id FROM {quote_ident(t.name)}" for t in targets if t is not None)
            dangling = rows(
                store,
                f"SELECT Id, {quote_ident(field.name)} AS ref FROM {quote_ident(obj.name)} "
                f"WHERE {quote_ident(field.name)} IS NOT NULL AND {quote_ident(field.name)} NOT IN ({union})",
            )
            assert not dangling, f"{obj.name}.{field.name} points nowhere: {dangling[:3]}"
            checked += rows(
                store, f"SELECT COUNT(*) AS n FROM {quote_ident(obj.name)} WHERE {quote_ident(field.name)} IS NOT NULL"
            )[0]["n"]
    assert checked > 5000


def test_id_valued_text_fields_hold_ids_of_the_right_object(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, _ = org
    text_refs = {
        ("SBQQ__Subscription__c", "SBQQ__RequiredById__c"): "SBQQ__Subscription__c",
        ("SBQQ__Subscription__c", "SBQQ__RootId__c"): "SBQQ__Subscription__c",
        ("SBQQ__QuoteLine__c", "SBQQ__PricebookEntryId__c"): "PricebookEntry",
        ("SBQQ__Quote__c", "SBQQ__PricebookId__c"): "Pricebook2",
        ("Contract", "SBQQ__RenewalPricebookId__c"): "Pricebook2",
    }
    for (sobject, field), target in text_refs.items():
        values = [
            r["v"] for r in rows(store, f"SELECT {field} AS v FROM {quote_ident(sobject)} WHERE {field} IS NOT NULL")
        ]
        assert values, f"{sobject}.{field} is never filled"
        existing = {r["Id"] for r in rows(store, f"SELECT Id FROM {quote_ident(target)}")}
        assert all(ids.is_valid(v) and v in existing for v in values), (sobject, field)


def test_every_charge_model_of_the_connector_table_is_in_the_catalog(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    assert set(summary.charge_model_products) == {model.value for model in ChargeModel}
    # connector-spec §2.8: how each row is set up on Product2.
    expected = {
        ChargeModel.ONE_TIME_FLAT_FEE: ("One-Time", "Block"),
        ChargeModel.ONE_TIME_PER_UNIT: ("One-Time", "List"),
        ChargeModel.RECURRING_FLAT_FEE: ("Recurring", "Block"),
        ChargeModel.RECURRING_PER_UNIT: ("Recurring", "List"),
        ChargeModel.USAGE_FLAT_FEE: ("Usage", "Block"),
        ChargeModel.USAGE_PER_UNIT: ("Usage", "List"),
        ChargeModel.USAGE_VOLUME: ("Usage", "List"),
        ChargeModel.USAGE_TIERED: ("Usage", "List"),
    }
    for model, (charge_type, pricing_method) in expected.items():
        product = rows(store, "SELECT * FROM Product2 WHERE Id = ?", (summary.charge_model_products[model.value],))[0]
        assert (product["SBQQ__ChargeType__c"], product["SBQQ__PricingMethod__c"]) == (charge_type, pricing_method)
        assert product["ProductCode"]
        assert product["IsActive"] == 1
        if charge_type == "Recurring":
            assert product["SBQQ__SubscriptionTerm__c"]
            assert product["SBQQ__SubscriptionPricing__c"] == "Fixed Price"
        schedules = rows(
            store,
            "SELECT cs.Type FROM ProductConsumptionSchedule pcs JOIN ConsumptionSchedule cs "
            "ON cs.Id = pcs.ConsumptionScheduleId WHERE pcs.ProductId = ?",
            (product["Id"],),
        )
        wanted = {ChargeModel.USAGE_VOLUME: "Range", ChargeModel.USAGE_TIERED: "Slab"}.get(model)
        assert ({s["Type"] for s in schedules} == {wanted}) if wanted else not schedules, model
    evergreen = rows(store, "SELECT COUNT(*) AS n FROM Product2 WHERE SBQQ__SubscriptionType__c = 'Evergreen'")
    assert evergreen[0]["n"] >= 1


def test_consumption_schedules_have_contiguous_rates_in_every_currency(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, _ = org
    schedules = rows(store, "SELECT Id, CurrencyIsoCode, NumberOfRates FROM ConsumptionSchedule")
    assert {s["CurrencyIsoCode"] for s in schedules} == {"USD", "EUR", "GBP", "JPY"}
    for schedule in schedules:
        rates = rows(
            store,
            "SELECT LowerBound, UpperBound, CurrencyIsoCode FROM ConsumptionRate "
            "WHERE ConsumptionScheduleId = ? ORDER BY ProcessingOrder",
            (schedule["Id"],),
        )
        assert len(rates) == schedule["NumberOfRates"] >= 2
        assert rates[0]["LowerBound"] == 0
        assert rates[-1]["UpperBound"] is None
        for lower, upper in itertools.pairwise(rates):
            assert lower["UpperBound"] == upper["LowerBound"]  # upper bounds are exclusive in Salesforce
        assert {r["CurrencyIsoCode"] for r in rates} == {schedule["CurrencyIsoCode"]}


def test_usage_order_products_carry_copies_of_their_schedules(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    usage_items = rows(
        store,
        "SELECT oi.Id, oi.Product2Id, oi.CurrencyIsoCode FROM OrderItem oi JOIN Product2 p ON p.Id = oi.Product2Id "
        "WHERE p.SBQQ__HasConsumptionSchedule__c = 1 AND oi.SBQQ__RevisedOrderProduct__c IS NULL",
    )
    assert len(usage_items) >= 10
    for item in usage_items:
        copies = rows(
            store,
            "SELECT o.Id, o.SBQQ__Type__c, o.CurrencyIsoCode, cs.Type AS source_type, cs.CurrencyIsoCode AS source_cur "
            "FROM SBQQ__OrderItemConsumptionSchedule__c o JOIN ConsumptionSchedule cs "
            "ON cs.Id = o.SBQQ__ConsumptionSchedule__c WHERE o.SBQQ__OrderItem__c = ?",
            (item["Id"],),
        )
        product_schedules = rows(
            store, "SELECT COUNT(*) AS n FROM ProductConsumptionSchedule WHERE ProductId = ?", (item["Product2Id"],)
        )[0]["n"]
        assert len(copies) * 4 == product_schedules  # one copy per schedule, in the order's currency only
        for copy in copies:
            assert copy["SBQQ__Type__c"] == copy["source_type"]
            assert copy["CurrencyIsoCode"] == copy["source_cur"] == item["CurrencyIsoCode"]
            rates = rows(
                store,
                "SELECT COUNT(*) AS n FROM SBQQ__OrderItemConsumptionRate__c "
                "WHERE SBQQ__OrderItemConsumptionSchedule__c = ?",
                (copy["Id"],),
            )
            assert rates[0]["n"] >= 2
    two = summary.showcase("multi-schedule-usage").records["usage_item"]
    assert (
        len(rows(store, "SELECT Id FROM SBQQ__OrderItemConsumptionSchedule__c WHERE SBQQ__OrderItem__c = ?", (two,)))
        == 2
    )


def test_accounts_have_addresses_hierarchies_and_contacts_like_a_real_org(
    org: tuple[OrgStore, GeneratedSummary],
) -> None:
    store, summary = org
    accounts = rows(store, "SELECT * FROM Account")
    no_billing = [a for a in accounts if a["BillingStreet"] is None]
    no_shipping = [a for a in accounts if a["ShippingStreet"] is None]
    assert 1 <= len(no_billing) <= 0.1 * len(accounts)
    assert len(no_billing) < len(no_shipping) <= 0.3 * len(accounts)
    complete = [a for a in accounts if a["BillingStreet"] is not None]
    assert all(a["BillingCity"] and a["BillingCountry"] and a["BillingPostalCode"] for a in complete)
    assert sum(1 for a in accounts if a["ParentId"]) >= 0.1 * len(accounts)
    assert {a["CurrencyIsoCode"] for a in accounts} == {"USD", "EUR", "GBP", "JPY"}
    assert len({a["Name"] for a in accounts}) == len(accounts)
    missing = summary.showcase("missing-billing-address").records["account"]
    assert rows(store, "SELECT BillingStreet, ShippingStreet FROM Account WHERE Id = ?", (missing,))[0] == {
        "BillingStreet": None,
        "ShippingStreet": None,
    }
    orders = rows(
        store,
        'SELECT BillToContactId, ShipToContactId, AccountId, InvoiceOwner__c, SubscriptionOwner__c FROM "Order" '
        "WHERE IsDeleted = 0",
    )
    with_contacts = [o for o in orders if o["BillToContactId"]]
    assert 0.5 * len(orders) < len(with_contacts) < len(orders)
    contact_accounts = {c["Id"]: c["AccountId"] for c in rows(store, "SELECT Id, AccountId FROM Contact")}
    # Bill To belongs to the invoice owner, Ship To to the subscription owner (connector-spec §2.2).
    assert all(
        contact_accounts[o["BillToContactId"]] == (o["InvoiceOwner__c"] or o["AccountId"]) for o in with_contacts
    )
    assert all(
        contact_accounts[o["ShipToContactId"]] == (o["SubscriptionOwner__c"] or o["AccountId"])
        for o in orders
        if o["ShipToContactId"]
    )
    assert any(o["InvoiceOwner__c"] and o["BillToContactId"] for o in orders)


def test_orders_are_activated_contracted_and_consistent_with_their_quotes(
    org: tuple[OrgStore, GeneratedSummary],
) -> None:
    store, _ = org
    orders = rows(
        store,
        "SELECT o.*, q.SBQQ__Type__c AS quote_type, q.SBQQ__StartDate__c AS quote_start, "
        "q.SBQQ__Primary__c AS primary_, q.SBQQ__Opportunity2__c AS quote_opp, op.SBQQ__PrimaryQuote__c AS opp_quote "
        'FROM "Order" o JOIN SBQQ__Quote__c q ON q.Id = o.SBQQ__Quote__c '
        "JOIN Opportunity op ON op.Id = o.OpportunityId WHERE o.IsDeleted = 0",
    )
    assert len(orders) == rows(store, 'SELECT COUNT(*) AS n FROM "Order" WHERE IsDeleted = 0')[0]["n"]
    quote_type = {"New": "Quote", "Amendment": "Amendment", "Renewal": "Renewal"}
    for order in orders:
        assert order["Status"] == "Activated"
        assert order["SBQQ__Contracted__c"] == 1
        assert order["ContractId"]
        assert order["quote_type"] == quote_type[order["Type"]]
        assert order["quote_start"] == order["EffectiveDate"]
        assert order["primary_"] == 1
        assert order["quote_opp"] == order["OpportunityId"]
        assert order["opp_quote"] == order["SBQQ__Quote__c"]
        assert order["ActivatedDate"] >= order["CreatedDate"]
    totals = rows(
        store,
        'SELECT o.Id, o.TotalAmount, ROUND(SUM(oi.TotalPrice), 2) AS lines FROM "Order" o '
        "JOIN OrderItem oi ON oi.OrderId = o.Id WHERE o.IsDeleted = 0 GROUP BY o.Id",
    )
    assert all(abs(t["TotalAmount"] - t["lines"]) < 0.01 for t in totals)
    contracts = rows(
        store,
        'SELECT c.*, o.EffectiveDate, o.EndDate AS order_end FROM Contract c JOIN "Order" o ON o.Id = c.SBQQ__Order__c',
    )
    assert len(contracts) == rows(store, "SELECT COUNT(*) AS n FROM Contract")[0]["n"]
    for contract in contracts:
        assert contract["Status"] == "Activated"
        assert contract["StartDate"] == contract["EffectiveDate"]
        assert contract["EndDate"] == contract["order_end"]
        assert (contract["EndDate"] is None) == (contract["SBQQ__Evergreen__c"] == 1)


def test_one_time_lines_are_never_contracted_and_subscription_lines_always_are(
    org: tuple[OrgStore, GeneratedSummary],
) -> None:
    store, _ = org
    items = rows(
        store,
        "SELECT oi.SBQQ__ChargeType__c AS charge, oi.SBQQ__Subscription__c AS sub, oi.EndDate, "
        "s.SBQQ__OrderProduct__c AS back FROM OrderItem oi LEFT JOIN SBQQ__Subscription__c s "
        "ON s.Id = oi.SBQQ__Subscription__c WHERE oi.IsDeleted = 0",
    )
    one_time = [i for i in items if i["charge"] == "One-Time"]
    assert len(one_time) >= 10
    assert all(i["sub"] is None and i["EndDate"] is None for i in one_time)
    contracted = [i for i in items if i["charge"] != "One-Time"]
    assert all(i["sub"] is not None for i in contracted)
    subscriptions = rows(store, "SELECT Id, SBQQ__OrderProduct__c FROM SBQQ__Subscription__c")
    item_subscription = {
        r["Id"]: r["SBQQ__Subscription__c"]
        for r in rows(store, "SELECT Id, SBQQ__Subscription__c FROM OrderItem WHERE IsDeleted = 0")
    }
    assert all(item_subscription[s["SBQQ__OrderProduct__c"]] == s["Id"] for s in subscriptions)


def test_the_deleted_duplicate_order_is_only_in_the_recycle_bin(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, summary = org
    records = summary.showcase("deleted-order").records
    deleted = rows(store, 'SELECT * FROM "Order" WHERE Id = ?', (records["deleted_order"],))[0]
    assert deleted["IsDeleted"] == 1
    assert deleted["Status"] == "Draft"
    assert (
        deleted["SBQQ__Quote__c"]
        == rows(store, 'SELECT SBQQ__Quote__c FROM "Order" WHERE Id = ?', (records["order"],))[0]["SBQQ__Quote__c"]
    )
    items = rows(store, "SELECT IsDeleted FROM OrderItem WHERE OrderId = ?", (records["deleted_order"],))
    assert len(items) == 2
    assert {i["IsDeleted"] for i in items} == {1}
    assert summary.deleted_counts == {"Order": 1, "OrderItem": 2}
    assert store.count("Order") == summary.counts["Order"]
    assert store.count("Order", include_deleted=True) == summary.counts["Order"] + 1


def test_a_second_generation_into_the_same_org_is_refused(org: tuple[OrgStore, GeneratedSummary]) -> None:
    store, _ = org
    before = store.count("Order")
    with pytest.raises(OrgNotEmptyError, match="already holds data"):
        generate_org(store, orders=5, seed=1)
    assert store.count("Order") == before


def test_small_and_single_currency_orgs(tmp_path: Path) -> None:
    empty = open_store(tmp_path / "empty.db")
    single = open_store(tmp_path / "single.db", multi_currency=False)
    try:
        catalog_only = generate_org(empty, orders=0, seed=1)
        assert catalog_only.counts["Order"] == 0
        assert catalog_only.counts["Product2"] > 10
        assert catalog_only.showcases == {}
        summary = generate_org(single, orders=40, seed=1)
        assert summary.orders_by_type["New"] == 40
        entries = rows(single, "SELECT COUNT(*) AS n FROM PricebookEntry")[0]["n"]
        assert entries == 2 * summary.counts["Product2"]  # one per product and price book, one currency
    finally:
        empty.close()
        single.close()
    negative = open_store(tmp_path / "negative.db")
    try:
        with pytest.raises(ValueError, match="zero or more"):
            generate_org(negative, orders=-1, seed=1)
    finally:
        negative.close()
