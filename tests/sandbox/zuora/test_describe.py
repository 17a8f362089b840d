"""``GET /v1/describe`` XML lists objects and fields, the tenant's custom fields included (zuora-api.md §6)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

from cpq_desktop.sandbox.zuora.server import ZuoraTenant


def fields_of(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {f.findtext("name") or "": f for f in root.iter("field")}


def test_object_list(zuora: requests.Session) -> None:
    response = zuora.get("/v1/describe")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    names = [o.findtext("name") for o in ET.fromstring(response.text).iter("object")]
    assert {"Account", "Contact", "Subscription", "RatePlanCharge", "ProductRatePlan"} <= set(names)


def test_contact_lists_the_connector_custom_fields(zuora: requests.Session) -> None:
    response = zuora.get("/v1/describe/Contact")
    assert response.status_code == 200
    fields = fields_of(response.text)
    assert fields["FirstName"].findtext("custom") == "false"
    assert fields["FirstName"].findtext("required") == "true"
    crm = fields["crmId__c"]
    assert crm.findtext("custom") == "true"
    assert crm.findtext("type") == "text"
    assert [c.text for c in crm.iter("context")] == ["soap", "export"]
    assert "SFDC_Contract__c" in fields_of(zuora.get("/v1/describe/Subscription").text)


def test_new_custom_field_appears(zuora_knobs: ZuoraTenant, zuora: requests.Session) -> None:
    custom = zuora_knobs.settings.to_json()["custom_fields"]
    custom.setdefault("Account", []).append(
        {"name": "Segment__c", "label": "Segment", "type": "picklist", "options": ["SMB", "Enterprise"]}
    )
    zuora_knobs.update_settings(custom_fields=custom)
    segment = fields_of(zuora.get("/v1/describe/account").text)["Segment__c"]
    assert [o.text for o in segment.iter("option")] == ["SMB", "Enterprise"]
    assert segment.findtext("type") == "picklist"


def test_unknown_object(zuora: requests.Session) -> None:
    response = zuora.get("/v1/describe/Spaceship")
    assert response.status_code == 404
    assert response.json()["reasons"][0]["code"] % 100 == 40
