"""The Zuora client against the sandbox tenant over TLS: logins, retries, and writes that happen once."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from cpq_desktop.core.zuora.client import Exchange, RetryPolicy, ZuoraClient, ZuoraConnection
from cpq_desktop.core.zuora.errors import ZuoraApiError, ZuoraAuthError, ZuoraConnectionError, ZuoraOutcomeUnknown
from cpq_desktop.sandbox.tls import create_tls
from cpq_desktop.sandbox.zuora.server import ZuoraTenant

FAST_RETRY = RetryPolicy(attempts=12, base_delay_s=0.01, max_delay_s=0.05, max_retry_after_s=0.05)


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZuoraTenant]:
    data_dir = tmp_path_factory.mktemp("zuora-client")
    tenant = ZuoraTenant(data_dir / "zuora", create_tls(data_dir))
    tenant.start()
    yield tenant
    tenant.stop()


@pytest.fixture
def connection(tenant: ZuoraTenant) -> Iterator[ZuoraConnection]:
    creds = tenant.credentials()
    yield ZuoraConnection(
        base_url=tenant.url,
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        ca_file=Path(tenant.tls.ca_file),
    )
    tenant.clear_faults()


def _account(crm_id: str) -> dict[str, Any]:
    return {
        "name": f"Client test {crm_id}",
        "currency": "USD",
        "crmId": crm_id,
        "billCycleDay": 1,
        "billToContact": {"firstName": "Ada", "lastName": "Lovelace", "country": "United States", "state": "CA"},
    }


def _accounts_with_crm_id(client: ZuoraClient, crm_id: str) -> list[dict[str, Any]]:
    answer = client.get("/object-query/accounts", params={"filter[]": f"crmId.EQ:{crm_id}"})
    data: list[dict[str, Any]] = answer.body["data"]
    return data


def test_create_and_read_an_account(connection: ZuoraConnection) -> None:
    crm_id = uuid.uuid4().hex[:18]
    with ZuoraClient(connection) as client:
        created = client.post("/v1/accounts", _account(crm_id), idempotency_key=f"t-{crm_id}")
        number = created.body["accountNumber"]
        read = client.get(f"/v1/accounts/{number}")
        assert read.body["basicInfo"]["name"] == f"Client test {crm_id}"
        assert client.token_requests == 1


def test_wrong_secret_says_what_to_check_and_never_shows_it(connection: ZuoraConnection) -> None:
    bad = ZuoraConnection(
        base_url=connection.base_url,
        client_id=connection.client_id,
        client_secret="not-the-secret-0123456789",
        ca_file=connection.ca_file,
    )
    with ZuoraClient(bad) as client, pytest.raises(ZuoraAuthError) as raised:
        client.authenticate()
    message = str(raised.value)
    assert "client id" in message
    assert "not-the-secret" not in message
    assert connection.client_secret not in message


def test_business_error_is_not_retried(connection: ZuoraConnection) -> None:
    exchanges: list[Exchange] = []
    with ZuoraClient(connection, retry=FAST_RETRY, on_exchange=exchanges.append) as client:
        with pytest.raises(ZuoraApiError) as raised:
            client.get("/v1/accounts/A-NO-SUCH-ACCOUNT")
        assert raised.value.status == 404
        assert not raised.value.retryable
        assert len(exchanges) == 1
        assert "HTTP 404" in str(raised.value)


def test_expired_token_is_renewed_once_and_the_call_goes_through(
    tenant: ZuoraTenant, connection: ZuoraConnection
) -> None:
    with ZuoraClient(connection) as client:
        client.authenticate()
        tenant.expire_tokens()
        answer = client.get("/v1/catalog/products")
        assert answer.status == 200
        assert client.token_requests == 2


def test_server_errors_are_retried_until_they_pass(tenant: ZuoraTenant, connection: ZuoraConnection) -> None:
    # Seeded, and the calls are sequential: the same requests meet the same faults on every run.
    tenant.set_faults(error_share=0.3, error_statuses=[500, 502, 503, 504], seed=7)
    exchanges: list[Exchange] = []
    with ZuoraClient(connection, retry=FAST_RETRY, on_exchange=exchanges.append) as client:
        for _ in range(20):
            assert client.get("/v1/catalog/products").status == 200
    statuses = {e.status for e in exchanges}
    assert statuses & {500, 502, 503, 504}, "the fault injection should have produced some errors"


def test_lost_answers_to_keyed_writes_are_resent_and_applied_once(
    tenant: ZuoraTenant, connection: ZuoraConnection
) -> None:
    crm_ids = [uuid.uuid4().hex[:18] for _ in range(10)]
    tenant.set_faults(lost_response_share=0.3, seed=3)
    exchanges: list[Exchange] = []
    with ZuoraClient(connection, retry=FAST_RETRY, on_exchange=exchanges.append) as client:
        for crm_id in crm_ids:
            client.post("/v1/accounts", _account(crm_id), idempotency_key=f"acct-{crm_id}")
        tenant.clear_faults()
        assert any(e.error for e in exchanges), "some answers should have been lost"
        for crm_id in crm_ids:
            assert len(_accounts_with_crm_id(client, crm_id)) == 1


def test_lost_answer_to_an_unkeyed_write_is_reported_not_resent(
    tenant: ZuoraTenant, connection: ZuoraConnection
) -> None:
    crm_id = uuid.uuid4().hex[:18]
    with ZuoraClient(connection, retry=FAST_RETRY) as client:
        client.authenticate()
        tenant.set_faults(lost_response_share=1.0)
        with pytest.raises(ZuoraOutcomeUnknown) as raised:
            client.post("/v1/accounts", _account(crm_id))
        tenant.clear_faults()
        assert "looked up" in str(raised.value)
        assert len(_accounts_with_crm_id(client, crm_id)) == 1


def _eight_callers_against_a_limit_of_two(
    tenant: ZuoraTenant, connection: ZuoraConnection, calls: int, latency_ms: float
) -> tuple[list[int], list[Exchange]]:
    """The statuses ``calls`` catalog reads end with, from 8 threads against a tenant that takes 2 at once."""
    tenant.set_concurrency_limit(2)
    tenant.set_faults(latency_ms=latency_ms)
    exchanges: list[Exchange] = []
    try:
        with ZuoraClient(connection, retry=FAST_RETRY, pool_size=8, on_exchange=exchanges.append) as client:
            client.authenticate()
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda _: client.get("/v1/catalog/products").status, range(calls)))
    finally:
        tenant.set_concurrency_limit(40)
    return statuses, exchanges


def test_concurrency_limit_answers_are_waited_out(tenant: ZuoraTenant, connection: ZuoraConnection) -> None:
    statuses, exchanges = _eight_callers_against_a_limit_of_two(tenant, connection, 16, latency_ms=40)
    assert statuses == [200] * 16
    assert any(e.status == 429 for e in exchanges), "8 callers against a limit of 2 should meet 429s"


def test_concurrency_settles_at_what_the_tenant_takes(tenant: ZuoraTenant, connection: ZuoraConnection) -> None:
    """Another integration may hold part of the tenant's limit: the client then keeps fewer requests in
    flight instead of having most of them refused over and over (each 429 is a wasted call and a wait)."""
    statuses, exchanges = _eight_callers_against_a_limit_of_two(tenant, connection, 160, latency_ms=20)
    assert statuses == [200] * 160
    refused = sum(e.status == 429 for e in exchanges)
    # six slots go out of use in the first round; one comes back, and is refused, every 20 answers
    assert 6 <= refused <= 25, f"{refused} answers were 429"


def test_shared_slots_never_all_go_out_of_use(tenant: ZuoraTenant, connection: ZuoraConnection) -> None:
    """A sync shares 3 slots with its planning process (the tenant allows 3): however many 429s come, one
    slot stays in use, or every request would wait for a slot forever."""
    tenant.set_faults(latency_ms=5, error_share=0.3, error_statuses=[429], seed=3)
    client = ZuoraClient(connection, retry=FAST_RETRY, pool_size=8)
    client.share_slots(threading.BoundedSemaphore(3), 3)
    try:
        client.authenticate()
        with ThreadPoolExecutor(8) as pool:
            calls = [pool.submit(lambda: client.get("/v1/catalog/products").status) for _ in range(40)]
            try:
                statuses = [call.result(timeout=30) for call in calls]
            finally:
                # a stuck pool can still end: no more 429s, and the slots out of use released
                tenant.clear_faults()
                client.close()
    finally:
        tenant.clear_faults()
    assert statuses == [200] * 40


def test_calls_reuse_their_connections(connection: ZuoraConnection, caplog: pytest.LogCaptureFixture) -> None:
    """One TLS connection per concurrent caller, kept for every call after (the sandbox keeps
    connections alive as Zuora does): a new connection per call costs a handshake each time."""
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")
    with ZuoraClient(connection, pool_size=4) as client:
        client.authenticate()
        for _ in range(20):
            client.get("/v1/catalog/products")
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: client.get("/v1/catalog/products"), range(40)))
    opened = [r for r in caplog.records if r.getMessage().startswith(("Starting new", "Resetting dropped"))]
    assert 1 <= len(opened) <= 4, [r.getMessage() for r in opened]


def test_unreachable_tenant_says_where_it_tried() -> None:
    nowhere = ZuoraConnection(base_url="https://127.0.0.1:9", client_id="c", client_secret="s", timeout_s=2)
    retry = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.01)
    with ZuoraClient(nowhere, retry=retry) as client, pytest.raises(ZuoraConnectionError) as raised:
        client.authenticate()
    assert "https://127.0.0.1:9" in str(raised.value)
    assert "after 2 attempts" in str(raised.value)
