"""Scope resolution against the sandbox org: every kind of scope gives the right orders, in sync order,
for one paged query (filter scopes) — and names what it could not find."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from cpq_desktop.core.extract import (
    AccountScope,
    ChangedSinceScope,
    Extractor,
    OrderScope,
    Scope,
    UnsyncedScope,
)
from cpq_desktop.core.extract.describe import describe_for
from cpq_desktop.core.extract.soql import to18
from tests.core.extract_fixtures import SCOPE_ORDERS, ExtractOrg, sync_order


def test_unsynced_scope_is_every_activated_order_without_a_synced_status_in_one_call(big_org: ExtractOrg) -> None:
    connection = big_org.connect()
    before = connection.api_calls
    resolved, problems = Extractor(connection).resolve(UnsyncedScope())
    # one query, besides the describes the extraction needs anyway (which account links the org has)
    assert connection.api_calls - before == 1 + len(describe_for(connection).described)
    assert problems == []
    assert resolved.order_ids == sync_order(big_org)[:SCOPE_ORDERS]
    assert len(resolved.order_ids) == SCOPE_ORDERS


def test_unsynced_scope_retries_failed_orders_through_a_configurable_status_field(big_org: ExtractOrg) -> None:
    statuses = big_org.rows("SELECT Id, Zuora_Sync_Status__c AS s FROM \"Order\" WHERE Status = 'Activated'")
    synced = [r["Id"] for r in statuses if r["s"] == "Synced"]
    connection = big_org.connect()
    resolved, _ = Extractor(connection).resolve(UnsyncedScope(pending_values=("Synced",)))
    assert len(resolved.order_ids) == SCOPE_ORDERS + len(synced)
    resolved, _ = Extractor(connection).resolve(UnsyncedScope(status_field="Zuora_Order_Number__c", pending_values=()))
    assert resolved.order_ids == sync_order(big_org)


def test_order_scope_takes_ids_of_either_length_and_order_numbers(big_org: ExtractOrg) -> None:
    showcase = big_org.summary.showcase("amendment-chain").records
    numbers = {
        r["Id"]: r["OrderNumber"]
        for r in big_org.rows(
            'SELECT Id, OrderNumber FROM "Order" WHERE Id IN (?, ?, ?)',
            (showcase["order"], showcase["amendment_order"], showcase["second_amendment_order"]),
        )
    }
    scope = OrderScope(
        order_ids=(showcase["second_amendment_order"][:15], showcase["order"]),
        order_numbers=(numbers[showcase["amendment_order"]], numbers[showcase["order"]]),
    )
    resolved, problems = Extractor(big_org.connect()).resolve(scope)
    assert problems == []
    # originals first, whatever order the admin listed them in
    assert resolved.order_ids == [showcase["order"], showcase["amendment_order"], showcase["second_amendment_order"]]


def test_order_scope_names_each_order_it_cannot_find(big_org: ExtractOrg) -> None:
    known = sync_order(big_org)[0]
    unknown = to18("8010000000ZZZZZ")
    scope = OrderScope(order_ids=(known, unknown, "not-an-id", "8010000000ZZZZZAAA"), order_numbers=("99999999",))
    resolved, problems = Extractor(big_org.connect()).resolve(scope)
    assert resolved.order_ids == [known]
    messages = sorted(p.message for p in problems)
    assert len(messages) == 4
    assert any(f"{unknown} was not found" in m for m in messages)
    assert any("'not-an-id' is not a Salesforce record id" in m for m in messages)
    assert any("'8010000000ZZZZZAAA' is not a Salesforce record id" in m for m in messages)  # bad checksum
    assert any("No order has the Order Number 99999999" in m for m in messages)


def test_account_scope_is_the_accounts_and_all_their_activated_orders(big_org: ExtractOrg) -> None:
    account = big_org.summary.showcase("amendment-chain").records["account"]
    expected = [
        r["Id"]
        for r in big_org.rows(
            "SELECT Id FROM \"Order\" WHERE AccountId = ? AND Status = 'Activated' "
            "ORDER BY EffectiveDate, OrderNumber, Id",
            (account,),
        )
    ]
    assert len(expected) >= 4  # the new order, two amendments and the renewal
    resolved, problems = Extractor(big_org.connect()).resolve(AccountScope(account_ids=(account, "0010000000ZZZZZ")))
    assert resolved.order_ids == expected
    assert resolved.account_ids == [account]
    assert [p.record_id for p in problems] == [to18("0010000000ZZZZZ")]


def test_changed_since_scope_compares_system_modstamp_in_utc(big_org: ExtractOrg) -> None:
    stamps = sorted(
        r["SystemModstamp"] for r in big_org.rows("SELECT SystemModstamp FROM \"Order\" WHERE Status = 'Activated'")
    )
    cut = stamps[len(stamps) // 2]
    since = datetime.fromisoformat(cut.replace("+0000", "+00:00").replace(".000", ""))
    expected = big_org.rows(
        "SELECT Id FROM \"Order\" WHERE Status = 'Activated' AND SystemModstamp > ? "
        "ORDER BY EffectiveDate, OrderNumber, Id",
        (cut,),
    )
    connection = big_org.connect()
    before = connection.api_calls
    resolved, _ = Extractor(connection).resolve(ChangedSinceScope(since=since))
    assert connection.api_calls - before == 1 + len(describe_for(connection).described)
    assert resolved.order_ids == [r["Id"] for r in expected]
    assert 0 < len(resolved.order_ids) < len(stamps)


def test_scopes_round_trip_through_json_as_a_sync_profile_would_store_them() -> None:
    adapter: TypeAdapter[Scope] = TypeAdapter(Scope)
    scope = UnsyncedScope(status_field="Billing_Status__c", pending_values=("Error",))
    assert adapter.validate_json(adapter.dump_json(scope)) == scope
    assert isinstance(adapter.validate_python({"kind": "orders", "order_numbers": ["00000001"]}), OrderScope)


def test_a_status_field_that_is_not_a_field_name_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a Salesforce field name"):
        UnsyncedScope(status_field="Status__c = null OR Id")
    with pytest.raises(ValidationError, match="not a relationship path"):
        UnsyncedScope(status_field="Account.Status__c")
