"""Cross-cutting behaviour every endpoint shares: ids and tracing headers, versions, tokens, limits,
idempotency and injected faults (zuora-api.md §1.3, §1.4, §2.2, §7, §9 items 1-4)."""

from __future__ import annotations

import gzip
import json
import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from cpq_desktop.sandbox.zuora.server import ZuoraTenant

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def account_body(**changes: Any) -> dict[str, Any]:
    body = {
        "name": "Platform Test",
        "crmId": f"PT{uuid.uuid4().hex[:14]}",
        "currency": "USD",
        "billCycleDay": 1,
        "billToContact": {"firstName": "Pat", "lastName": "Form", "country": "US", "state": "CA"},
    }
    body.update(changes)
    return body


def accounts_with_crm_id(zuora: requests.Session, crm_id: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = zuora.get("/object-query/accounts", params={"filter[]": f"crmid.EQ:{crm_id}"}).json()[
        "data"
    ]
    return data


# -- headers and versions --------------------------------------------------------------------------


def test_request_and_track_ids(zuora: requests.Session) -> None:
    response = zuora.get("/v1/catalog/products", headers={"Zuora-Track-Id": "sync-7f3a-0001"})
    assert response.status_code == 200
    assert UUID.fullmatch(response.headers["Zuora-Request-Id"])
    assert response.headers["Zuora-Track-Id"] == "sync-7f3a-0001"
    assert response.headers["Concurrency-Limit-Type"] == "Default"
    assert int(response.headers["Concurrency-Limit-Limit"]) == 40
    assert int(response.headers["Concurrency-Limit-Remaining"]) < 40
    assert response.headers["RateLimit-Limit"].startswith("50000")
    assert int(response.headers["RateLimit-Remaining"]) > 0
    other = zuora.get("/v1/catalog/products")
    assert other.headers["Zuora-Request-Id"] != response.headers["Zuora-Request-Id"]
    assert "Zuora-Track-Id" not in other.headers
    bad = zuora.get("/v1/catalog/products", headers={"Zuora-Track-Id": "has:colon"})
    assert bad.status_code == 400
    assert "Zuora-Track-Id" in bad.json()["reasons"][0]["message"]


def test_pools_per_endpoint(zuora: requests.Session) -> None:
    created = zuora.post("/v1/accounts", json=account_body())
    assert created.headers["Concurrency-Limit-Type"] == "High-volume transactions"
    assert created.headers["Concurrency-Limit-Limit"] == "200"
    queried = zuora.get("/object-query/accounts")
    assert queried.headers["Concurrency-Limit-Type"] == "Object Query"
    assert queried.headers["Concurrency-Limit-Limit"] == "80"


def test_gzip_both_ways(zuora: requests.Session) -> None:
    body = gzip.compress(json.dumps(account_body()).encode())
    created = zuora.post(
        "/v1/accounts", data=body, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )
    assert created.status_code == 200, created.text
    listing = zuora.get("/object-query/accounts", params={"pageSize": 99}, headers={"Accept-Encoding": "gzip"})
    assert listing.headers["Content-Encoding"] == "gzip"
    assert listing.json()["data"]


def test_versions_change_error_statuses(
    zuora: requests.Session, zuora_anon: requests.Session, zuora_tenant: ZuoraTenant
) -> None:
    zuora_anon.authenticate(zuora_tenant.credentials())  # type: ignore[attr-defined]
    # No header: the tenant default (186.0, as on a never-upgraded tenant) answers errors with HTTP 200.
    legacy = zuora_anon.get("/v1/accounts/NOPE-404")
    assert legacy.status_code == 200
    assert legacy.json()["success"] is False
    assert zuora.get("/v1/accounts/NOPE-404").status_code == 404
    invalid = zuora.get("/v1/accounts/NOPE-404", headers={"Zuora-Version": "next-tuesday"})
    assert invalid.status_code == 400
    assert "Zuora-Version" in invalid.json()["reasons"][0]["message"]


def test_tenant_default_version_is_a_setting(zuora_knobs: ZuoraTenant, zuora_anon: requests.Session) -> None:
    zuora_knobs.update_settings(default_version="2025-08-12")
    zuora_anon.authenticate(zuora_knobs.credentials())  # type: ignore[attr-defined]
    assert zuora_anon.get("/v1/accounts/NOPE-404").status_code == 404


# -- tokens ----------------------------------------------------------------------------------------


def test_missing_bad_and_expired_tokens(zuora_anon: requests.Session, zuora_knobs: ZuoraTenant) -> None:
    for headers in ({}, {"Authorization": "Bearer 0123456789abcdef0123456789abcdef"}, {"Authorization": "Basic eDp5"}):
        response = zuora_anon.get("/v1/catalog/products", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"message": "Authentication error"}
        assert response.headers["WWW-Authenticate"] == (
            "Basic realm=Zuora API, ZSession realm=Zuora API, Bearer realm=Zuora API"
        )
        assert "Concurrency-Limit-Type" not in response.headers
    zuora_knobs.set_token_ttl(120)
    token = zuora_anon.authenticate(zuora_knobs.credentials())  # type: ignore[attr-defined]
    assert token["expires_in"] == 120
    assert zuora_anon.get("/v1/catalog/products").status_code == 200
    zuora_knobs.expire_tokens()
    assert zuora_anon.get("/v1/catalog/products").status_code == 401
    zuora_anon.authenticate(zuora_knobs.credentials())  # type: ignore[attr-defined]
    assert zuora_anon.get("/v1/catalog/products").status_code == 200


def test_token_request_errors(zuora_anon: requests.Session, zuora_tenant: ZuoraTenant) -> None:
    creds = zuora_tenant.credentials()
    missing = zuora_anon.post("/oauth/token", data={"client_id": creds["client_id"]})
    assert missing.status_code == 400
    assert "client_secret" in missing.json()["message"]
    wrong_grant = zuora_anon.post("/oauth/token", data={**creds, "grant_type": "password"})
    assert wrong_grant.status_code == 400


# -- concurrency -----------------------------------------------------------------------------------


@pytest.fixture
def sessions(zuora_session_factory: Callable[[], requests.Session]) -> Iterator[list[requests.Session]]:
    """Six authenticated sessions, made before a test slows the tenant down."""
    made = [zuora_session_factory() for _ in range(6)]
    try:
        yield made
    finally:
        for session in made:
            session.close()


def parallel(sessions: list[requests.Session], call: Callable[[requests.Session], Any]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        return list(pool.map(call, sessions))


def test_concurrency_limit_gives_429_with_retry_after(
    zuora_knobs: ZuoraTenant, sessions: list[requests.Session]
) -> None:
    zuora_knobs.set_concurrency_limit(2)
    zuora_knobs.set_faults(latency_ms=400)
    responses = parallel(sessions, lambda s: s.get("/v1/catalog/products"))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) >= 2
    limited = [r for r in responses if r.status_code == 429]
    assert limited, statuses
    for response in limited:
        assert response.headers["Retry-After"] == "120"
        assert response.headers["Concurrency-Limit-Limit"] == "2"
        assert response.headers["Concurrency-Limit-Remaining"] == "0"
        body = response.json()
        assert body["success"] is False
        assert body["reasons"][0]["code"] == 50000070
        assert "concurrent requests" in body["reasons"][0]["message"]
    zoql = parallel(sessions, lambda s: s.post("/v1/action/query", json={"queryString": "select Id from Account"}))
    limited_zoql = [r for r in zoql if r.status_code == 429]
    assert limited_zoql
    assert limited_zoql[0].json()["code"] == "REQUEST_EXCEEDED_LIMIT"


# -- idempotency -----------------------------------------------------------------------------------


def test_idempotency_key_replays_the_first_answer(zuora: requests.Session) -> None:
    body = account_body()
    key = f"sf-account-{uuid.uuid4()}"
    first = zuora.post("/v1/accounts", json=body, headers={"Idempotency-Key": key})
    second = zuora.post("/v1/accounts", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Zuora-Request-Id"] == first.headers["Zuora-Request-Id"]
    assert len(accounts_with_crm_id(zuora, body["crmId"])) == 1
    changed = zuora.post("/v1/accounts", json={**body, "name": "Other"}, headers={"Idempotency-Key": key})
    assert changed.status_code == 422
    other_path = zuora.post("/v1/contacts", json=body, headers={"Idempotency-Key": key})
    assert other_path.status_code == 422
    # Failures are stored and replayed too.
    bad = account_body()
    del bad["name"]
    bad_key = f"sf-account-{uuid.uuid4()}"
    assert zuora.post("/v1/accounts", json=bad, headers={"Idempotency-Key": bad_key}).status_code == 400
    assert zuora.post("/v1/accounts", json=bad, headers={"Idempotency-Key": bad_key}).status_code == 400
    too_long = zuora.post("/v1/accounts", json=account_body(), headers={"Idempotency-Key": "k" * 256})
    assert too_long.status_code == 400


def test_idempotency_key_in_flight_is_409(zuora_knobs: ZuoraTenant, sessions: list[requests.Session]) -> None:
    zuora_knobs.set_faults(latency_ms=500)
    body = account_body()
    key = f"sf-account-{uuid.uuid4()}"
    responses = parallel(sessions[:2], lambda s: s.post("/v1/accounts", json=body, headers={"Idempotency-Key": key}))
    assert sorted(r.status_code for r in responses) == [200, 409]
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict.json()["reasons"][0]["code"] % 100 == 50


# -- faults ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "check"),
    [
        (500, lambda r: r.json()["reasons"][0]["code"] % 100 == 61),
        (502, lambda r: "message" in r.json()),
        (503, lambda r: "message" in r.json()),
        (504, lambda r: "timing out" in r.json()["message"]),
        (429, lambda r: r.headers["Retry-After"] == "120"),
        (409, lambda r: r.json()["reasons"][0]["code"] % 100 == 50),
    ],
)
def test_injected_errors(
    zuora_knobs: ZuoraTenant, zuora: requests.Session, status: int, check: Callable[[requests.Response], bool]
) -> None:
    zuora_knobs.set_faults(error_share=1.0, error_statuses=[status])
    response = zuora.get("/v1/catalog/products")
    assert response.status_code == status
    assert check(response)
    assert UUID.fullmatch(response.headers["Zuora-Request-Id"])


def test_dropped_connection_and_control_api_still_answers(zuora_knobs: ZuoraTenant, zuora: requests.Session) -> None:
    zuora_knobs.set_faults(drop_share=1.0)
    with pytest.raises(requests.ConnectionError):
        zuora.get("/v1/catalog/products")
    creds = zuora_knobs.credentials()
    control = requests.Session()
    control.verify = str(zuora_knobs.tls.ca_file)
    control.trust_env = False
    with control:
        reply = control.patch(
            f"{zuora_knobs.url}/sandbox/faults",
            json={"drop_share": 0.0},
            auth=(creds["client_id"], creds["client_secret"]),
            timeout=10,
        )
    assert reply.status_code == 200
    assert reply.json()["drop_share"] == 0.0
    assert zuora.get("/v1/catalog/products").status_code == 200


def test_lost_response_then_retry_with_the_same_key_creates_once(
    zuora_knobs: ZuoraTenant, zuora: requests.Session
) -> None:
    body = account_body()
    key = f"sf-account-{uuid.uuid4()}"
    zuora_knobs.set_faults(lost_response_share=1.0)
    with pytest.raises(requests.ConnectionError):
        zuora.post("/v1/accounts", json=body, headers={"Idempotency-Key": key})
    zuora_knobs.clear_faults()
    # The write happened although the client never heard of it...
    [account] = accounts_with_crm_id(zuora, body["crmId"])
    # ...and the retry with the same key gets the original answer instead of a second account.
    retry = zuora.post("/v1/accounts", json=body, headers={"Idempotency-Key": key})
    assert retry.status_code == 200
    assert retry.json()["accountId"] == account["id"]
    assert len(accounts_with_crm_id(zuora, body["crmId"])) == 1


# -- control API -----------------------------------------------------------------------------------


def test_control_api_is_guarded_and_validates(zuora_knobs: ZuoraTenant, zuora_anon: requests.Session) -> None:
    assert zuora_anon.get("/sandbox/settings").status_code == 401
    assert zuora_anon.get("/sandbox/settings", auth=("someone", "guess")).status_code == 401
    creds = (zuora_knobs.credentials()["client_id"], zuora_knobs.credentials()["client_secret"])
    settings = zuora_anon.get("/sandbox/settings", auth=creds).json()
    assert settings["default_version"] == "186.0"
    assert "client_secret" not in json.dumps(settings)
    changed = zuora_anon.patch("/sandbox/settings", json={"token_ttl_seconds": 60}, auth=creds)
    assert changed.json()["token_ttl_seconds"] == 60
    assert zuora_anon.authenticate(zuora_knobs.credentials())["expires_in"] == 60  # type: ignore[attr-defined]
    for bad in ({"token_ttl_seconds": "soon"}, {"no_such_setting": 1}, {"concurrency_default": 0}):
        assert zuora_anon.patch("/sandbox/settings", json=bad, auth=creds).status_code == 400
    assert zuora_anon.patch("/sandbox/faults", json={"error_share": 2}, auth=creds).status_code == 400
    assert zuora_anon.post("/sandbox/tokens/expire", auth=creds).status_code == 200
    assert zuora_anon.get("/v1/catalog/products").status_code == 401


def test_gateway_timeout_answers_504_but_the_work_completes(zuora_knobs: ZuoraTenant, zuora: requests.Session) -> None:
    zuora_knobs.update_settings(gateway_timeout_seconds=0.2)
    zuora_knobs.set_faults(latency_ms=300)
    body = account_body()
    key = f"sf-account-{uuid.uuid4()}"
    timed_out = zuora.post("/v1/accounts", json=body, headers={"Idempotency-Key": key})
    assert timed_out.status_code == 504
    zuora_knobs.clear_faults()
    [account] = accounts_with_crm_id(zuora, body["crmId"])
    retry = zuora.post("/v1/accounts", json=body, headers={"Idempotency-Key": key})
    assert retry.status_code == 200
    assert retry.json()["accountId"] == account["id"]


def test_idempotency_keys_are_forgotten_after_24_hours(zuora_tenant: ZuoraTenant, zuora: requests.Session) -> None:
    body = account_body()
    key = f"sf-account-{uuid.uuid4()}"
    first = zuora.post("/v1/accounts", json=body, headers={"Idempotency-Key": key}).json()
    # Travel a day ahead for this key only (the tenant keeps replays in its database).
    with zuora_tenant.store.transaction() as db:
        db.execute("UPDATE idempotency SET created_at = created_at - 86401 WHERE key = ?", (key,))
    later = zuora.post("/v1/accounts", json=body, headers={"Idempotency-Key": key}).json()
    assert later["success"] is True
    assert later["accountId"] != first["accountId"]
    assert len(accounts_with_crm_id(zuora, body["crmId"])) == 2


def test_random_token_expiry_knob(zuora_knobs: ZuoraTenant, zuora_anon: requests.Session) -> None:
    zuora_anon.authenticate(zuora_knobs.credentials())  # type: ignore[attr-defined]
    zuora_knobs.update_settings(token_expiry_share=1.0)
    assert zuora_anon.get("/v1/catalog/products").status_code == 401
    zuora_knobs.update_settings(token_expiry_share=0.0)
    # The token stays revoked: only a new one works.
    assert zuora_anon.get("/v1/catalog/products").status_code == 401
    zuora_anon.authenticate(zuora_knobs.credentials())  # type: ignore[attr-defined]
    assert zuora_anon.get("/v1/catalog/products").status_code == 200


def test_a_fault_seed_repeats_the_same_faults(zuora_knobs: ZuoraTenant, zuora: requests.Session) -> None:
    def outcomes() -> list[int]:
        zuora_knobs.set_faults(error_share=0.5, error_statuses=[500, 503], seed=7)
        statuses = [zuora.get("/v1/catalog/products", params={"pageSize": 1}).status_code for _ in range(12)]
        zuora_knobs.clear_faults()
        return statuses

    first = outcomes()
    assert 200 in first
    assert {500, 503} & set(first)
    assert outcomes() == first
