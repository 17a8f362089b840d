"""The tenant's data, credentials, settings and idempotency replays survive a restart."""

from __future__ import annotations

import uuid
from pathlib import Path

import requests

from cpq_desktop.sandbox.tls import create_tls
from cpq_desktop.sandbox.zuora.server import ZuoraTenant


def session_for(tenant: ZuoraTenant) -> requests.Session:
    session = requests.Session()
    session.verify = str(tenant.tls.ca_file)
    session.trust_env = False
    token = session.post(
        f"{tenant.url}/oauth/token", data={**tenant.credentials(), "grant_type": "client_credentials"}, timeout=10
    ).json()
    session.headers["Authorization"] = f"Bearer {token['access_token']}"
    session.headers["Zuora-Version"] = "2025-08-12"
    return session


def test_restart_keeps_everything(tmp_path: Path) -> None:
    tls = create_tls(tmp_path)
    key = f"sf-account-{uuid.uuid4()}"
    body = {
        "name": "Persistent Inc",
        "currency": "EUR",
        "billCycleDay": 15,
        "billToContact": {"firstName": "Per", "lastName": "Sist", "country": "Germany", "state": "Bayern"},
    }
    first = ZuoraTenant(tmp_path / "zuora", tls, concurrency_limit=7)
    first.start()
    try:
        first.update_settings(require_service_activation=True)
        with session_for(first) as session:
            created = session.post(f"{first.url}/v1/accounts", json=body, headers={"Idempotency-Key": key})
            assert created.status_code == 200
        credentials = first.credentials()
    finally:
        first.stop()

    second = ZuoraTenant(tmp_path / "zuora", tls)
    second.start()
    try:
        assert second.credentials() == credentials
        assert second.settings.require_service_activation is True
        assert second.settings.concurrency_default == 7
        with session_for(second) as session:
            detail = session.get(f"{second.url}/v1/accounts/{created.json()['accountNumber']}").json()
            assert detail["basicInfo"]["name"] == "Persistent Inc"
            assert detail["billToContact"]["state"] == "Bayern"
            replay = session.post(f"{second.url}/v1/accounts", json=body, headers={"Idempotency-Key": key})
            assert replay.json() == created.json()
    finally:
        second.stop()
