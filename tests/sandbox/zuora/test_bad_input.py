"""Garbage in never crashes the tenant nor corrupts its data (issue 4, "Bad input")."""

from __future__ import annotations

import gzip
import uuid
from typing import Any

import pytest
import requests

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def known_account(zuora: requests.Session) -> dict[str, Any]:
    body = {
        "name": "Sturdy Co",
        "accountNumber": f"STURDY-{uuid.uuid4().hex[:8]}",
        "currency": "USD",
        "billCycleDay": 1,
        "billToContact": {"firstName": "S", "lastName": "T", "country": "US", "state": "NY"},
    }
    response = zuora.post("/v1/accounts", json=body)
    assert response.status_code == 200
    return {"number": body["accountNumber"], "detail": zuora.get(f"/v1/accounts/{body['accountNumber']}").json()}


def still_intact(zuora: requests.Session, known_account: dict[str, Any]) -> None:
    assert zuora.get(f"/v1/accounts/{known_account['number']}").json() == known_account["detail"]


@pytest.mark.parametrize(
    ("path", "data", "category"),
    [
        ("/v1/accounts", b"{not json", 90),
        ("/v1/accounts", b"", 90),
        ("/v1/accounts", b"[1, 2, 3]", 90),
        ("/v1/accounts", b'"just a string"', 90),
        ("/v1/accounts", b"\xff\xfe\x00garbage", 90),
        ("/v1/accounts", b"[" * 100_000, 90),
        ("/v1/contacts", b"{not json", 90),
        ("/v1/accounts", b'{"name": NaN}', 90),
        ("/v1/accounts", b'{"billCycleDay": ' + b"1" * 5000 + b"}", 90),
    ],
)
def test_malformed_json_is_a_category_90_error(
    zuora: requests.Session, known_account: dict[str, Any], path: str, data: bytes, category: int
) -> None:
    response = zuora.post(path, data=data, headers=JSON)
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["reasons"][0]["code"] % 100 == category
    still_intact(zuora, known_account)


@pytest.mark.parametrize(
    "change",
    [
        {"name": 12},
        {"name": None, "currency": ["USD"]},
        {"billToContact": "Amy"},
        {"billToContact": {"firstName": {"nested": True}, "lastName": "x"}},
        {"additionalEmailAddresses": "a@b.c"},
        {"billCycleDay": 1e308},
        {"notes": "x" * 70_000},
        {"totallyUnknown": {"deep": [1, 2, 3]}},
    ],
)
def test_wrong_types_and_unknown_fields_on_update(
    zuora: requests.Session, known_account: dict[str, Any], change: dict[str, Any]
) -> None:
    response = zuora.put(f"/v1/accounts/{known_account['number']}", json=change)
    assert response.status_code == 400, response.text
    assert response.json()["success"] is False
    still_intact(zuora, known_account)


def test_huge_bodies_and_gzip_bombs(zuora: requests.Session, known_account: dict[str, Any]) -> None:
    huge = b'{"name": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    response = zuora.post("/v1/accounts", data=huge, headers=JSON)
    assert response.status_code == 413
    bomb = gzip.compress(b'{"name": "' + b" " * (64 * 1024 * 1024) + b'"}')
    response = zuora.post("/v1/accounts", data=bomb, headers={**JSON, "Content-Encoding": "gzip"})
    assert response.status_code == 413
    broken_gzip = zuora.post("/v1/accounts", data=b"not gzip at all", headers={**JSON, "Content-Encoding": "gzip"})
    assert broken_gzip.status_code == 400
    with_key = zuora.post("/v1/accounts", data=huge, headers={**JSON, "Idempotency-Key": str(uuid.uuid4())})
    assert with_key.status_code == 413
    still_intact(zuora, known_account)


def test_unknown_routes_methods_and_odd_paths(zuora: requests.Session, known_account: dict[str, Any]) -> None:
    assert zuora.get("/v1/nothing-here").status_code == 404
    assert zuora.get("/").status_code == 404
    assert zuora.patch(f"/v1/accounts/{known_account['number']}", json={}).status_code == 405
    assert zuora.get("/v1/accounts/%00%ff%2F..%2F").status_code in (400, 404)
    assert zuora.get("/v1/accounts/" + "A" * 5000).status_code in (400, 404, 414)
    assert zuora.get(
        "/object-query/accounts", params={"filter[]": "crmid.EQ:" + "'; drop table accounts; --"}
    ).json() == {"data": []}
    assert (
        zuora.post("/v1/action/query", json={"queryString": "select Id from Account where Name = ''; drop"}).status_code
        == 400
    )
    assert zuora.post("/v1/action/query", json={"queryString": 42}).status_code == 400
    assert zuora.post("/v1/object/product", json=["not", "an", "object"]).status_code == 400
    odd_wsdl = zuora.post("/v1/object/product", json={"Name": "x"}, headers={"X-Zuora-WSDL-Version": "inf"})
    assert odd_wsdl.status_code == 400
    still_intact(zuora, known_account)
