"""SOQL text built by the extraction: ``IN`` lists cut to fit the REST URI limit and the Bulk SOQL limit,
literals escaped, ids checked and widened to 18 characters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote_plus

import pytest

from cpq_desktop.core.extract.soql import (
    BULK_SOQL_BUDGET,
    REST_URL_BUDGET,
    chunk_values,
    datetime_literal,
    is_record_id,
    literal,
    to18,
)
from cpq_desktop.sandbox.salesforce.ids import to18 as sandbox_to18

IDS = [to18(f"8018d{n:010d}") for n in range(5000)]
TEMPLATE = "SELECT Id, " + ", ".join(f"Account.Field{n}__c" for n in range(80)) + " FROM Order WHERE Id IN {values}"


def test_rest_batches_fit_the_uri_limit_and_lose_no_id() -> None:
    batches = list(chunk_values(TEMPLATE, IDS, bulk=False, max_values=10_000))
    assert [v for _, batch in batches for v in batch] == IDS
    sizes = [len(quote_plus(soql)) for soql, _ in batches]
    assert max(sizes) <= REST_URL_BUDGET < 16_384
    assert min(len(b) for _, b in batches[:-1]) > 300  # full batches, not a trickle
    assert all(soql.count("'") == 2 * len(batch) for soql, batch in batches)


def test_bulk_batches_are_larger_but_under_the_soql_length_limit() -> None:
    batches = list(chunk_values(TEMPLATE, IDS, bulk=True, max_values=10_000))
    assert max(len(soql) for soql, _ in batches) <= BULK_SOQL_BUDGET < 100_000
    assert len(batches) < len(list(chunk_values(TEMPLATE, IDS, bulk=False, max_values=10_000)))


def test_a_template_with_two_lists_counts_both_and_the_cap_applies() -> None:
    template = "SELECT Id FROM OrderItem WHERE Id IN {values} OR SBQQ__RevisedOrderProduct__c IN {values}"
    batches = list(chunk_values(template, IDS, bulk=False, max_values=10_000))
    assert max(len(quote_plus(soql)) for soql, _ in batches) <= REST_URL_BUDGET
    assert [len(b) for _, b in chunk_values(template, IDS[:450], bulk=False, max_values=200)] == [200, 200, 50]


def test_a_query_too_long_for_even_one_id_is_refused_with_advice() -> None:
    huge = "SELECT " + ", ".join(f"F{n}__c" for n in range(3000)) + " FROM Order WHERE Id IN {values}"
    with pytest.raises(ValueError, match="map fewer fields"):
        list(chunk_values(huge, IDS[:1], bulk=False, max_values=10))


def test_literals_and_datetimes() -> None:
    assert literal("O'Brien \\ Co") == "'O\\'Brien \\\\ Co'"
    assert (
        datetime_literal(datetime(2024, 1, 31, 23, 30, tzinfo=timezone(timedelta(hours=-10)))) == "2024-02-01T09:30:00Z"
    )
    assert datetime_literal(datetime(2024, 1, 31, 23, 30)) == "2024-01-31T23:30:00Z"


def test_ids_are_widened_like_salesforce_does_and_bad_checksums_are_caught() -> None:
    for short in ("001000000000001", "8018d000000001o", "a028D00000AbCdE", "0018d000000000D"):
        assert to18(short) == sandbox_to18(short)
        assert is_record_id(short)
        assert is_record_id(to18(short))
    assert not is_record_id(to18("001000000000001")[:15] + "ZZZ")
    assert is_record_id(to18("0018d000000000D")[:15] + to18("0018d000000000D")[15:].lower())
    assert to18(to18("0018d000000000D")[:15] + "aaq") == to18("0018d000000000D")
    assert not is_record_id("00100000000000")
    assert not is_record_id("0010000000000'1")
