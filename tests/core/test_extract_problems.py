"""What goes wrong while reading Salesforce: per-record problems with what to fix, recovery from failing
batches and expired sessions, and a clear stop when the whole run cannot go on."""

from __future__ import annotations

import pytest

from cpq_desktop.core.extract import (
    ExtractionCancelled,
    ExtractionError,
    ExtractionSettings,
    Extractor,
    OrderScope,
    UnsyncedScope,
)
from cpq_desktop.core.extract.soql import to18
from tests.core.extract_fixtures import ExtractOrg, sync_order


@pytest.fixture(autouse=True)
def _no_faults_after(small_org: ExtractOrg) -> object:
    yield None
    small_org.org.fail_next_queries(0)
    small_org.org.set_faults(error_share=0, drop_share=0, lost_response_share=0, seed=None)


QUICK = ExtractionSettings(retry_backoff_s=0)


def _amendment_revision(org: ExtractOrg) -> dict[str, str]:
    found = org.rows(
        'SELECT oi.Id AS item, oi.OrderId AS "order", oi.SBQQ__RevisedOrderProduct__c AS origin FROM OrderItem oi '
        "WHERE oi.SBQQ__RevisedOrderProduct__c IS NOT NULL ORDER BY oi.Id"
    )
    assert found
    return dict(found[0])


def test_a_missing_revised_order_product_is_reported_on_its_line_and_the_rest_is_read(small_org: ExtractOrg) -> None:
    revision = _amendment_revision(small_org)
    ghost = to18("8028d00000ZZZZZ")
    small_org.org.store.update("OrderItem", revision["item"], {"SBQQ__RevisedOrderProduct__c": ghost}, trusted=True)
    other = next(o for o in sync_order(small_org) if o != revision["order"])
    try:
        result = Extractor(small_org.connect()).extract(OrderScope(order_ids=(revision["order"], other)))
    finally:
        small_org.org.store.update(
            "OrderItem", revision["item"], {"SBQQ__RevisedOrderProduct__c": revision["origin"]}, trusted=True
        )
    about_item = [p for p in result.problems if p.record_id == revision["item"]]
    assert len(about_item) == 1
    message = about_item[0].message
    assert ghost in message
    assert "SBQQ__RevisedOrderProduct__c" in message
    assert "first order product" in message  # says what to fix
    assert set(result.graph.scope_order_ids) == {revision["order"], other}
    assert result.graph.items_of(other)
    assert revision["item"] in result.graph.order_items


def test_an_amended_contract_without_its_original_order_is_reported(small_org: ExtractOrg) -> None:
    found = small_org.rows(
        'SELECT o.Id AS "order", op.SBQQ__AmendedContract__c AS contract, c.SBQQ__Order__c AS original, '
        'c.SBQQ__Quote__c AS quote FROM "Order" o JOIN Opportunity op ON op.Id = o.OpportunityId '
        "JOIN Contract c ON c.Id = op.SBQQ__AmendedContract__c ORDER BY o.Id"
    )
    amendment = found[0]
    store = small_org.org.store
    store.update("Contract", amendment["contract"], {"SBQQ__Order__c": None, "SBQQ__Quote__c": None}, trusted=True)
    try:
        result = Extractor(small_org.connect()).extract(OrderScope(order_ids=(amendment["order"],)))
    finally:
        store.update(
            "Contract",
            amendment["contract"],
            {"SBQQ__Order__c": amendment["original"], "SBQQ__Quote__c": amendment["quote"]},
            trusted=True,
        )
    messages = [p.message for p in result.problems if p.record_id == amendment["order"]]
    assert len(messages) == 1
    assert f"amends contract {amendment['contract']}" in messages[0]
    assert "SBQQ__Order__c" in messages[0]


def test_a_failing_batch_is_split_and_everything_is_still_read(small_org: ExtractOrg) -> None:
    orders = sync_order(small_org)[:6]
    connection = small_org.connect()
    Extractor(connection).extract(OrderScope(order_ids=tuple(orders)))  # describes the org once
    clean = Extractor(connection).extract(OrderScope(order_ids=tuple(orders)))
    small_org.org.fail_next_queries(1)  # the first query of the next run times out
    recovered = Extractor(connection).extract(OrderScope(order_ids=tuple(orders)))
    assert recovered.problems == []
    assert recovered.graph.model_dump() == clean.graph.model_dump()
    assert recovered.api_calls == clean.api_calls + 2  # the failed batch, then its two halves


def test_a_record_salesforce_never_answers_for_is_reported_alone(small_org: ExtractOrg) -> None:
    order = sync_order(small_org)[0]
    small_org.org.fail_next_queries(50)
    result = Extractor(small_org.connect()).extract(OrderScope(order_ids=(order,)))
    assert result.graph.scope_order_ids == []
    assert [p.record_id for p in result.problems] == [order]
    assert "running for too long" in result.problems[0].message
    assert "integration user" in result.problems[0].message


def test_an_outage_stops_the_run_with_a_clear_message_instead_of_burning_api_calls(small_org: ExtractOrg) -> None:
    small_org.org.fail_next_queries(1000)
    connection = small_org.connect()
    with pytest.raises(ExtractionError, match=r"QUERY_TIMEOUT.*narrower scope"):
        Extractor(connection).extract(UnsyncedScope())
    with pytest.raises(ExtractionError, match="keeps failing") as caught:
        Extractor(connection).extract(OrderScope(order_ids=tuple(sync_order(small_org))))
    assert "Try again later" in str(caught.value)
    assert connection.api_calls < 40


def test_an_expired_session_is_renewed_and_the_extraction_completes(small_org: ExtractOrg) -> None:
    connection = small_org.connect()
    first = Extractor(connection).extract(UnsyncedScope())
    assert small_org.org.expire_current_token() >= 1
    again = Extractor(connection).extract(UnsyncedScope())
    assert again.problems == []
    assert again.graph.model_dump() == first.graph.model_dump()


def test_dropped_connections_and_server_errors_are_repeated_and_nothing_is_lost(small_org: ExtractOrg) -> None:
    connection = small_org.connect()
    clean = Extractor(connection, settings=QUICK).extract(UnsyncedScope())
    small_org.org.set_faults(error_share=0.25, drop_share=0.05, lost_response_share=0.05, seed=5)
    shaky = Extractor(connection, settings=QUICK).extract(UnsyncedScope())
    small_org.org.set_faults(error_share=0, drop_share=0, lost_response_share=0, seed=None)
    assert shaky.problems == []
    assert shaky.graph.model_dump() == clean.graph.model_dump()
    assert shaky.api_calls > clean.api_calls  # the failed attempts were answered (and counted) too


def test_an_unreachable_org_stops_the_run_with_what_to_check(small_org: ExtractOrg) -> None:
    connection = small_org.connect()
    small_org.org.set_faults(drop_share=1.0)
    with pytest.raises(ExtractionError, match="could not be reached") as caught:
        Extractor(connection, settings=QUICK).extract(UnsyncedScope())
    assert "network connection" in str(caught.value)


def test_progress_is_reported_per_batch_and_a_cancelled_run_stops_at_the_next_batch(small_org: ExtractOrg) -> None:
    connection = small_org.connect()
    events: list[tuple[str, int, int]] = []
    settings = ExtractionSettings(max_ids_per_query=10)
    result = Extractor(connection, settings=settings).extract(
        UnsyncedScope(), progress=lambda step, done, total: events.append((step, done, total))
    )
    orders = [e for e in events if e[0] == "Reading orders"]
    total = result.order_count
    assert [e[1] for e in orders] == [*range(10, total, 10), total]
    assert {e[2] for e in orders} == {total}
    assert [e for e in events if e[0] == "Reading order products"][-1][1:] == (total, total)
    steps = list(dict.fromkeys(e[0] for e in events))
    assert steps[:2] == ["Reading orders", "Reading order products"]
    assert "Reading price books" in steps

    stop_after_first: list[tuple[str, int, int]] = []
    calls_before = connection.api_calls
    with pytest.raises(ExtractionCancelled, match="nothing was planned or written"):
        Extractor(connection, settings=settings).extract(
            UnsyncedScope(),
            progress=lambda *event: stop_after_first.append(event),
            cancelled=lambda: bool(stop_after_first),
        )
    assert len(stop_after_first) == 1
    assert connection.api_calls - calls_before == 2  # the scope's ids, then one batch of orders
