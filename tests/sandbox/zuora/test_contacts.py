"""Contacts endpoints (zuora-api.md §4.5) and the connector's contact custom fields (connector-spec.md §1.4)."""

from __future__ import annotations

import uuid
from typing import Any

import requests


def new_account(zuora: requests.Session) -> dict[str, Any]:
    body = {
        "name": "Contact Test Co",
        "accountNumber": f"CT-{uuid.uuid4().hex[:12]}",
        "currency": "USD",
        "billCycleDay": 1,
        "billToContact": {"firstName": "Bill", "lastName": "To", "country": "United States", "state": "WA"},
    }
    response = zuora.post("/v1/accounts", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def test_create_get_update_delete_a_contact(zuora: requests.Session) -> None:
    account = new_account(zuora)
    body = {
        "accountNumber": account["accountNumber"],
        "firstName": "Carla",
        "lastName": "Contact",
        "workEmail": "carla@example.com",
        "country": "Canada",
        "state": "ON",
        "zipCode": "M5V 2T6",
        "crmId__c": "0035g00000ABCDEAAA",
        "crmOrderId__c": "8015g00000ABCDEAAA",
    }
    response = zuora.post("/v1/contacts", json=body)
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["success"] is True
    assert created["accountId"] == account["accountId"]
    assert created["crmId__c"] == "0035g00000ABCDEAAA"
    contact_id = created["id"]

    fetched = zuora.get(f"/v1/contacts/{contact_id}").json()
    assert fetched["firstName"] == "Carla"
    assert fetched["zipCode"] == "M5V 2T6"
    assert fetched["country"] == "Canada"
    assert fetched["crmOrderId__c"] == "8015g00000ABCDEAAA"
    assert fetched["asBillTo"] is False

    updated = zuora.put(f"/v1/contacts/{contact_id}", json={"lastName": "Changed", "asSoldTo": True}).json()
    assert updated["lastName"] == "Changed"
    assert updated["asSoldTo"] is True
    detail = zuora.get(f"/v1/accounts/{account['accountNumber']}").json()
    assert detail["soldToContact"]["id"] == contact_id

    # The sold-to contact cannot be deleted while it plays that role.
    refused = zuora.delete(f"/v1/contacts/{contact_id}")
    assert refused.status_code == 400
    assert refused.json()["reasons"][0]["code"] % 100 == 30

    extra = zuora.post(
        "/v1/contacts", json={"accountId": account["accountId"], "firstName": "Tmp", "lastName": "Contact"}
    ).json()
    assert zuora.delete(f"/v1/contacts/{extra['id']}").json() == {"success": True}
    gone = zuora.get(f"/v1/contacts/{extra['id']}")
    assert gone.status_code == 404
    assert gone.json()["reasons"][0]["code"] % 100 == 40


def test_contact_errors(zuora: requests.Session) -> None:
    account = new_account(zuora)
    missing = zuora.post("/v1/contacts", json={"accountNumber": account["accountNumber"], "firstName": "No"})
    assert missing.status_code == 400
    assert missing.json()["reasons"][0]["code"] % 100 == 22
    unknown_account = zuora.post("/v1/contacts", json={"accountNumber": "NOPE", "firstName": "A", "lastName": "B"})
    assert unknown_account.status_code == 400
    bad_state = zuora.post(
        "/v1/contacts",
        json={
            "accountNumber": account["accountNumber"],
            "firstName": "A",
            "lastName": "B",
            "country": "US",
            "state": "ZZ",
        },
    )
    assert bad_state.status_code == 400
    assert "ZZ" in bad_state.json()["reasons"][0]["message"]
    undefined_custom = zuora.post(
        "/v1/contacts",
        json={"accountNumber": account["accountNumber"], "firstName": "A", "lastName": "B", "Nope__c": "1"},
    )
    assert undefined_custom.status_code == 400
    assert undefined_custom.json()["reasons"][0]["code"] % 100 == 21
