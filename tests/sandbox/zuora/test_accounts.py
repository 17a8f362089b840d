"""Accounts through the REST API, as a client sees them (zuora-api.md §4.1-§4.3, §7.1, §9 items 2, 3, 6)."""

from __future__ import annotations

import copy
import re
import uuid
from types import ModuleType
from typing import Any

import pytest
import requests

# zuora-api.md §4.1, verbatim except the account number, which must be unique within the session tenant.
ACCOUNT_EXAMPLE: dict[str, Any] = {
    "name": "Acme Corporation",
    "accountNumber": "ACME-0001",
    "crmId": "0015g00000XyZ12AAB",
    "currency": "USD",
    "billCycleDay": 1,
    "autoPay": False,
    "paymentTerm": "Net 30",
    "invoiceDeliveryPrefsEmail": True,
    "billToContact": {
        "firstName": "Amy",
        "lastName": "Lawrence",
        "workEmail": "amy.lawrence@acme.example",
        "address1": "1051 E Hillsdale Blvd",
        "city": "Foster City",
        "state": "CA",
        "zipCode": "94404",
        "country": "United States",
    },
    "soldToSameAsBillTo": True,
    "SFAccountId__c": "0015g00000XyZ12AAB",
}


def example(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(ACCOUNT_EXAMPLE)
    body["accountNumber"] = f"ACME-{uuid.uuid4().hex[:10]}"
    body.update(changes)
    return body


def create(zuora: requests.Session, body: dict[str, Any]) -> dict[str, Any]:
    response = zuora.post("/v1/accounts", json=body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    assert created["success"] is True, created
    return created


def assert_v1_error(response: requests.Response, status: int, category: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is False
    assert re.fullmatch(r"[0-9A-F]{16}", body["processId"])
    assert body["requestId"] == response.headers["Zuora-Request-Id"]
    codes = [reason["code"] for reason in body["reasons"]]
    assert all(isinstance(c, int) and 10_000_000 <= c <= 99_999_999 for c in codes), codes
    assert codes[0] % 100 == category, body
    return body


def test_reference_example_creates_the_account_it_describes(zuora: requests.Session) -> None:
    body = example()
    created = create(zuora, body)
    assert created["accountNumber"] == body["accountNumber"]
    assert re.fullmatch(r"[0-9a-f]{32}", created["accountId"])
    # soldToSameAsBillTo: one contact plays both roles.
    assert created["soldToContactId"] == created["billToContactId"]

    for key in (created["accountNumber"], created["accountId"]):
        detail = zuora.get(f"/v1/accounts/{key}").json()
        assert detail["success"] is True
        assert detail["basicInfo"]["id"] == created["accountId"]
        assert detail["basicInfo"]["name"] == "Acme Corporation"
        assert detail["basicInfo"]["crmId"] == "0015g00000XyZ12AAB"
        assert detail["basicInfo"]["status"] == "Active"
        assert detail["basicInfo"]["SFAccountId__c"] == "0015g00000XyZ12AAB"
        assert detail["billingAndPayment"]["currency"] == "USD"
        assert detail["billingAndPayment"]["paymentTerm"] == "Net 30"
        assert detail["billingAndPayment"]["billCycleDay"] == 1
        assert detail["billToContact"]["zipCode"] == "94404"
        assert detail["billToContact"]["state"] == "CA"
        assert detail["soldToContact"]["id"] == created["billToContactId"]
        assert detail["metrics"]["balance"] == 0


def test_without_sold_to_a_separate_copy_of_bill_to_is_made(zuora: requests.Session) -> None:
    body = example()
    del body["soldToSameAsBillTo"]
    created = create(zuora, body)
    assert created["soldToContactId"] != created["billToContactId"]
    detail = zuora.get(f"/v1/accounts/{created['accountNumber']}").json()
    assert detail["soldToContact"]["firstName"] == "Amy"


def test_generated_account_numbers_follow_zuora_format(zuora: requests.Session) -> None:
    body = example()
    del body["accountNumber"]
    created = create(zuora, body)
    assert re.fullmatch(r"A\d{8}", created["accountNumber"])


@pytest.mark.parametrize(
    ("path", "missing"),
    [
        ((), "name"),
        ((), "currency"),
        ((), "billToContact"),
        ((), "billCycleDay"),
        (("billToContact",), "firstName"),
        (("billToContact",), "lastName"),
    ],
)
def test_each_required_field_removed_is_rejected(zuora: requests.Session, path: tuple[str, ...], missing: str) -> None:
    body = example()
    target = body
    for key in path:
        target = target[key]
    del target[missing]
    body_out = assert_v1_error(zuora.post("/v1/accounts", json=body), 400, 22)
    assert missing in body_out["reasons"][0]["message"]


def test_old_versions_answer_errors_with_http_200(zuora: requests.Session) -> None:
    body = example()
    del body["name"]
    response = zuora.post("/v1/accounts", json=body, headers={"Zuora-Version": "211.0"})
    assert_v1_error(response, 200, 22)


def test_orders_spelling_postal_code_is_an_unknown_field_here(zuora: requests.Session) -> None:
    body = example()
    body["billToContact"]["postalCode"] = body["billToContact"].pop("zipCode")
    reply = assert_v1_error(zuora.post("/v1/accounts", json=body), 400, 21)
    assert "postalCode" in reply["reasons"][0]["message"]


@pytest.mark.parametrize(
    ("change", "category"),
    [
        ({"billCycleDay": "1"}, 20),
        ({"billCycleDay": 32}, 20),
        ({"currency": "XYZ"}, 20),
        ({"autoPay": "no"}, 20),
        ({"name": "x" * 256}, 20),
        ({"Unknown__c": "x"}, 21),
        ({"qty": 1}, 21),
        ({"autoPay": True}, 30),
        ({"subscription": {"termType": "EVERGREEN"}}, 30),
    ],
)
def test_wrong_values_are_rejected(zuora: requests.Session, change: dict[str, Any], category: int) -> None:
    assert_v1_error(zuora.post("/v1/accounts", json=example(**change)), 400, category)


def test_bill_to_without_state_or_with_a_bad_country_is_rejected(zuora: requests.Session) -> None:
    body = example()
    del body["billToContact"]["state"]
    reply = assert_v1_error(zuora.post("/v1/accounts", json=body), 400, 20)
    assert "state" in reply["reasons"][0]["message"]
    body = example()
    body["billToContact"]["country"] = "Atlantis"
    assert_v1_error(zuora.post("/v1/accounts", json=body), 400, 20)


def test_duplicate_account_number_is_rejected(zuora: requests.Session) -> None:
    body = example()
    create(zuora, body)
    assert_v1_error(zuora.post("/v1/accounts", json=body), 400, 30)


def test_unknown_account_is_404_on_new_versions_and_200_on_old(zuora: requests.Session) -> None:
    reply = assert_v1_error(zuora.get("/v1/accounts/A99999999"), 404, 40)
    assert "A99999999" in reply["reasons"][0]["message"]
    assert_v1_error(zuora.get("/v1/accounts/A99999999", headers={"Zuora-Version": "207.0"}), 200, 40)


def test_update_changes_fields_contacts_and_custom_fields(zuora: requests.Session) -> None:
    created = create(zuora, example())
    key = created["accountNumber"]
    update = {
        "crmId": "0015g00000NEWID1AAA",
        "notes": "Synced from Salesforce",
        "paymentTerm": "Net 45",
        "SFAccountId__c": "0015g00000NEWID1AAA",
        "billToContact": {"firstName": "Amy", "lastName": "Lawrence-Smith", "state": "NY", "country": "US"},
        "soldToContact": {"firstName": "Sam", "lastName": "Sold", "country": "Germany"},
    }
    response = zuora.put(f"/v1/accounts/{key}", json=update)
    assert response.status_code == 200
    assert response.json() == {"success": True}
    detail = zuora.get(f"/v1/accounts/{key}").json()
    assert detail["basicInfo"]["crmId"] == "0015g00000NEWID1AAA"
    assert detail["basicInfo"]["notes"] == "Synced from Salesforce"
    assert detail["basicInfo"]["SFAccountId__c"] == "0015g00000NEWID1AAA"
    assert detail["billingAndPayment"]["paymentTerm"] == "Net 45"
    assert detail["billToContact"]["lastName"] == "Lawrence-Smith"
    assert detail["billToContact"]["country"] == "United States"
    assert detail["billToContact"]["city"] == "Foster City"
    # The sold-to contact was shared with bill-to; updating it split it off.
    assert detail["soldToContact"]["firstName"] == "Sam"
    assert detail["soldToContact"]["id"] != detail["billToContact"]["id"]


def test_update_of_unknown_account_and_bad_contact_id(zuora: requests.Session) -> None:
    assert_v1_error(zuora.put("/v1/accounts/A99999998", json={"notes": "x"}), 404, 40)
    created = create(zuora, example())
    other = create(zuora, example())
    response = zuora.put(f"/v1/accounts/{created['accountNumber']}", json={"billToContactId": other["billToContactId"]})
    assert_v1_error(response, 400, 20)


def test_sdk_models_accept_the_example_and_reject_it_without_name(zuora_models: ModuleType) -> None:
    from pydantic import ValidationError

    body = {k: v for k, v in ACCOUNT_EXAMPLE.items() if not k.endswith("__c")}
    zuora_models.CreateAccountRequest.model_validate(body)
    broken = dict(body)
    del broken["name"]
    with pytest.raises(ValidationError):
        zuora_models.CreateAccountRequest.model_validate(broken)
