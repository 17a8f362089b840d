"""OAuth client credentials and bearer-token checks, driven like a real client (zuora-api.md §2, §9 item 1)."""

from __future__ import annotations

import re

import requests

from cpq_desktop.sandbox.zuora.server import ZuoraTenant


def test_token_response_has_the_real_shape(zuora_anon: requests.Session, zuora_tenant: ZuoraTenant) -> None:
    response = zuora_anon.post("/oauth/token", data={**zuora_tenant.credentials(), "grant_type": "client_credentials"})
    assert response.status_code == 200
    token = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", token["access_token"])
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 3599
    assert re.search(r"\btenant\.\d+\b", token["scope"])
    assert re.fullmatch(r"[0-9a-f]{32}", token["jti"])
    assert re.fullmatch(r"[0-9a-f-]{36}", response.headers["Zuora-Request-Id"])
    assert response.headers["X-RateLimit-Limit-minute"] == "2000"
    assert int(response.headers["X-RateLimit-Remaining-minute"]) < 2000
    assert "Concurrency-Limit-Type" not in response.headers


def test_wrong_secret_is_refused(zuora_anon: requests.Session, zuora_tenant: ZuoraTenant) -> None:
    creds = zuora_tenant.credentials()
    response = zuora_anon.post(
        "/oauth/token",
        data={"client_id": creds["client_id"], "client_secret": "wrong", "grant_type": "client_credentials"},
    )
    assert response.status_code == 401
    assert response.json() == {"message": "Authentication error"}
    assert "wrong" not in response.text


def test_unknown_route_is_404_without_crashing(zuora_anon: requests.Session) -> None:
    response = zuora_anon.get("/v1/no-such-thing/at-all")
    assert response.status_code == 404
    assert response.json() == {"message": "no Route matched with those values"}
