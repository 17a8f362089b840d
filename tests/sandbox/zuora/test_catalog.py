"""Catalog CRUD and read APIs as a client drives them (zuora-api.md §5, §9 item 8)."""

from __future__ import annotations

import copy
import uuid
from types import ModuleType
from typing import Any

import pytest
import requests

WSDL = {"X-Zuora-WSDL-Version": "133"}

PRODUCT_EXAMPLE = {"Name": "SmartLearn Tablet", "EffectiveStartDate": "2024-01-01", "EffectiveEndDate": "2034-01-01"}
PLAN_EXAMPLE = {
    "Name": "Basic Plan",
    "Description": "monthly plan",
    "ProductId": "<product id>",
    "ActiveCurrencies": "USD",
    "EffectiveStartDate": "2020-10-20",
    "EffectiveEndDate": "2030-10-20",
    "ExternalIdSourceSystem": "extsys",
    "ExternalRatePlanIds": "ext01,ext02",
}
PLAN_ID = "8ad08c0f7f54e6b5017f6af6b0fa5b44"
CHARGE_EXAMPLES: list[dict[str, Any]] = [
    {
        "ProductRatePlanId": PLAN_ID,
        "Name": "Platform Seats",
        "ChargeType": "Recurring",
        "ChargeModel": "Per Unit Pricing",
        "BillCycleType": "DefaultFromCustomer",
        "BillingPeriod": "Annual",
        "BillingTiming": "In Advance",
        "TriggerEvent": "ContractEffective",
        "UOM": "Each",
        "DefaultQuantity": 1,
        "UseDiscountSpecificAccountingCode": False,
        "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 480.0}]},
    },
    {
        "ProductRatePlanId": PLAN_ID,
        "Name": "Implementation Fee",
        "ChargeType": "OneTime",
        "ChargeModel": "Flat Fee Pricing",
        "BillCycleType": "DefaultFromCustomer",
        "BillingPeriod": "Month",
        "TriggerEvent": "ContractEffective",
        "UseDiscountSpecificAccountingCode": False,
        "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 1500.0}]},
    },
    {
        "ProductRatePlanId": PLAN_ID,
        "Name": "API Calls",
        "ChargeType": "Usage",
        "ChargeModel": "Tiered Pricing",
        "BillCycleType": "DefaultFromCustomer",
        "BillingPeriod": "Month",
        "TriggerEvent": "ContractEffective",
        "UOM": "Each",
        "UseDiscountSpecificAccountingCode": False,
        "ProductRatePlanChargeTierData": {
            "ProductRatePlanChargeTier": [
                {"Currency": "USD", "StartingUnit": 0, "EndingUnit": 1000, "Price": 0.10, "PriceFormat": "Per Unit"},
                {"Currency": "USD", "StartingUnit": 1000, "Price": 0.05, "PriceFormat": "Per Unit"},
            ]
        },
    },
]


def ok_id(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["Success"] is True
    assert len(body["Id"]) == 32
    return str(body["Id"])


def crud_error(response: requests.Response, code: str) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["Success"] is False
    assert body["Errors"][0]["Code"] == code, body
    return str(body["Errors"][0]["Message"])


def new_product(zuora: requests.Session) -> str:
    return ok_id(zuora.post("/v1/object/product", json={**PRODUCT_EXAMPLE, "Name": f"Tablet {uuid.uuid4().hex[:6]}"}))


def new_plan(zuora: requests.Session, product_id: str, **changes: Any) -> str:
    ext = uuid.uuid4().hex[:8]
    body = {**PLAN_EXAMPLE, "ProductId": product_id, "ExternalRatePlanIds": f"{ext}-a,{ext}-b", **changes}
    return ok_id(zuora.post("/v1/object/product-rate-plan", json=body, headers=WSDL))


def test_reference_examples_build_the_catalog_the_read_apis_describe(zuora: requests.Session) -> None:
    product_id = ok_id(zuora.post("/v1/object/product", json=PRODUCT_EXAMPLE))
    ext = f"ext-{uuid.uuid4().hex[:8]}"
    plan_body = {**PLAN_EXAMPLE, "ProductId": product_id, "ExternalRatePlanIds": f"{ext}01,{ext}02"}
    plan_id = ok_id(zuora.post("/v1/object/product-rate-plan", json=plan_body, headers=WSDL))
    charge_ids = [
        ok_id(zuora.post("/v1/object/product-rate-plan-charge", json={**c, "ProductRatePlanId": plan_id}, headers=WSDL))
        for c in CHARGE_EXAMPLES
    ]

    by_external = zuora.get(f"/v1/product-rate-plans/external-id/{ext}02").json()
    assert by_external["success"] is True
    [plan] = by_external["productRatePlans"]
    assert plan["id"] == plan_id
    assert plan["externallyManagedPlanIds"] == [f"{ext}01", f"{ext}02"]
    assert plan["externalIdSourceSystem"] == "extsys"
    assert plan["status"] == "Active"
    assert plan["productRatePlanNumber"].startswith("PRP-")
    for key in (plan_id, plan["productRatePlanNumber"], f"{ext}01"):
        assert zuora.get(f"/v1/product-rate-plans/{key}").json()["id"] == plan_id

    listing = zuora.get(f"/v1/rateplan/{product_id}/productRatePlan").json()
    [listed] = listing["productRatePlans"]
    charges = {c["name"]: c for c in listed["productRatePlanCharges"]}
    assert [c["id"] for c in listed["productRatePlanCharges"]] == charge_ids
    seats = charges["Platform Seats"]
    assert (seats["type"], seats["model"], seats["billingPeriod"], seats["billingTiming"]) == (
        "Recurring",
        "PerUnit",
        "Annual",
        "IN_ADVANCE",
    )
    assert seats["uom"] == "Each"
    assert seats["pricing"][0]["currency"] == "USD"
    assert seats["pricing"][0]["price"] == 480.0
    assert seats["endDateCondition"] == "Subscription_End"
    fee = charges["Implementation Fee"]
    assert (fee["type"], fee["model"], fee["pricing"][0]["price"]) == ("OneTime", "FlatFee", 1500.0)
    usage = charges["API Calls"]
    assert (usage["type"], usage["model"]) == ("Usage", "Tiered")
    tiers = usage["pricing"][0]["tiers"]
    assert [(t["tier"], t["startingUnit"], t["endingUnit"], t["price"]) for t in tiers] == [
        (1, 0, 1000, 0.10),
        (2, 1000, None, 0.05),
    ]
    assert tiers[0]["priceFormat"] == "PerUnit"

    crud = zuora.get(f"/v1/object/product-rate-plan-charge/{charge_ids[0]}").json()
    assert crud["Id"] == charge_ids[0]
    assert crud["ChargeModel"] == "Per Unit Pricing"
    assert crud["ProductRatePlanChargeNumber"].startswith("PRPC-")


def test_external_ids_need_wsdl_130_or_are_silently_dropped(zuora: requests.Session) -> None:
    product_id = new_product(zuora)
    ext = f"old-{uuid.uuid4().hex[:8]}"
    body = {**PLAN_EXAMPLE, "ProductId": product_id, "ExternalRatePlanIds": ext}
    plan_id = ok_id(zuora.post("/v1/object/product-rate-plan", json=body))
    assert zuora.get(f"/v1/product-rate-plans/external-id/{ext}").status_code == 404
    assert zuora.get(f"/v1/product-rate-plans/{plan_id}").json()["externallyManagedPlanIds"] == []
    refused = zuora.post("/v1/object/product-rate-plan?rejectUnknownFields=true", json={**body, "Name": "Other"})
    assert refused.status_code == 400
    assert refused.json() == {"message": "Error - unrecognised fields"}
    # Updating with the right WSDL version adds them, as an array this time.
    ok_id(zuora.put(f"/v1/object/product-rate-plan/{plan_id}", json={"ExternalRatePlanIds": [ext]}, headers=WSDL))
    assert zuora.get(f"/v1/product-rate-plans/external-id/{ext}").json()["productRatePlans"][0]["id"] == plan_id


@pytest.mark.parametrize("missing", ["Name", "EffectiveStartDate", "EffectiveEndDate"])
def test_product_without_a_required_field(zuora: requests.Session, missing: str) -> None:
    body = dict(PRODUCT_EXAMPLE)
    del body[missing]
    assert missing in crud_error(zuora.post("/v1/object/product", json=body), "MISSING_REQUIRED_VALUE")


@pytest.mark.parametrize("missing", ["Name", "ProductId"])
def test_plan_without_a_required_field(zuora: requests.Session, missing: str) -> None:
    body = {**PLAN_EXAMPLE, "ProductId": new_product(zuora)}
    del body[missing]
    crud_error(zuora.post("/v1/object/product-rate-plan", json=body, headers=WSDL), "MISSING_REQUIRED_VALUE")


@pytest.mark.parametrize(
    "missing",
    [
        "ProductRatePlanId",
        "Name",
        "ChargeModel",
        "ChargeType",
        "BillCycleType",
        "BillingPeriod",
        "TriggerEvent",
        "ProductRatePlanChargeTierData",
        "UseDiscountSpecificAccountingCode",
        "UOM",
    ],
)
def test_charge_without_a_required_field(zuora: requests.Session, missing: str) -> None:
    plan_id = new_plan(zuora, new_product(zuora))
    body = copy.deepcopy(CHARGE_EXAMPLES[0])
    body["ProductRatePlanId"] = plan_id
    del body[missing]
    crud_error(zuora.post("/v1/object/product-rate-plan-charge", json=body, headers=WSDL), "MISSING_REQUIRED_VALUE")


def test_charge_rules(zuora: requests.Session) -> None:
    plan_id = new_plan(zuora, new_product(zuora))
    base = {**copy.deepcopy(CHARGE_EXAMPLES[0]), "ProductRatePlanId": plan_id}
    eur_only = {
        **base,
        "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": [{"Currency": "EUR", "Price": 1}]},
    }
    message = crud_error(zuora.post("/v1/object/product-rate-plan-charge", json=eur_only), "MISSING_REQUIRED_VALUE")
    assert message == "Tier data missing required default currency: USD"
    bad_enum = {**base, "ChargeModel": "PerUnit"}
    crud_error(zuora.post("/v1/object/product-rate-plan-charge", json=bad_enum), "INVALID_VALUE")
    gap = copy.deepcopy(CHARGE_EXAMPLES[2])
    gap["ProductRatePlanId"] = plan_id
    gap["ProductRatePlanChargeTierData"]["ProductRatePlanChargeTier"][1]["StartingUnit"] = 5000
    crud_error(zuora.post("/v1/object/product-rate-plan-charge", json=gap), "INVALID_VALUE")
    unknown_plan = {**base, "ProductRatePlanId": "0" * 32}
    crud_error(zuora.post("/v1/object/product-rate-plan-charge", json=unknown_plan), "INVALID_VALUE")
    ok_id(zuora.post("/v1/object/product-rate-plan-charge", json=base))
    duplicate = zuora.post("/v1/object/product-rate-plan-charge", json=base)
    crud_error(duplicate, "INVALID_VALUE")


def test_catalog_listing_versions_paging_and_missing_records(zuora: requests.Session) -> None:
    product_id = new_product(zuora)
    new_plan(zuora, product_id)
    new_plan(zuora, product_id, Name="Second")
    modern = zuora.get("/v1/catalog/products", params={"pageSize": 40}).json()
    entry = next(p for p in modern["products"] if p["id"] == product_id)
    assert entry["productRatePlans"].endswith(f"/v1/rateplan/{product_id}/productRatePlan")
    legacy = zuora.get("/v1/catalog/products", params={"pageSize": 40}, headers={"Zuora-Version": "229.0"}).json()
    entry = next(p for p in legacy["products"] if p["id"] == product_id)
    assert [p["name"] for p in entry["productRatePlans"]] == ["Basic Plan", "Second"]
    paged = zuora.get(f"/v1/rateplan/{product_id}/productRatePlan", params={"pageSize": 1}).json()
    assert len(paged["productRatePlans"]) == 1
    following = zuora.get(paged["nextPage"]).json()
    assert following["productRatePlans"][0]["name"] == "Second"
    assert "nextPage" not in following
    too_big = zuora.get("/v1/catalog/products", params={"pageSize": 41})
    assert too_big.status_code == 400
    missing = zuora.get(f"/v1/object/product/{'f' * 32}")
    assert missing.status_code == 404
    assert missing.json() == {"done": True, "records": [], "size": 0}
    assert zuora.get("/v1/product-rate-plans/external-id/nope-nothing").status_code == 404


def test_update_and_delete(zuora: requests.Session) -> None:
    product_id = new_product(zuora)
    ok_id(zuora.put(f"/v1/object/product/{product_id}", json={"Description": "Now with more"}))
    assert zuora.get(f"/v1/catalog/product/{product_id}").json()["description"] == "Now with more"
    deleted = zuora.delete(f"/v1/object/product/{product_id}")
    assert deleted.json() == {"id": product_id, "success": True}
    assert zuora.get(f"/v1/catalog/product/{product_id}").status_code == 404


def test_sdk_models_accept_the_examples(zuora_models: ModuleType) -> None:
    from pydantic import ValidationError

    zuora_models.CreateProductRequest.model_validate(PRODUCT_EXAMPLE)
    for charge in CHARGE_EXAMPLES:
        zuora_models.CreateProductRatePlanChargeRequest.model_validate(charge)
    # The SDK types these as arrays although the documented sample sends strings (§5.1).
    plan = {
        **PLAN_EXAMPLE,
        "ProductId": PLAN_ID,
        "ActiveCurrencies": ["USD"],
        "ExternalRatePlanIds": ["ext01", "ext02"],
    }
    zuora_models.CreateProductRatePlanRequest.model_validate(plan)
    broken = dict(CHARGE_EXAMPLES[0])
    del broken["ChargeModel"]
    with pytest.raises(ValidationError):
        zuora_models.CreateProductRatePlanChargeRequest.model_validate(broken)
