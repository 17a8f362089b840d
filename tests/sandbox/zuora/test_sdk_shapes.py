"""Answers of the tenant validate against the official zuora-sdk response models, made strict (zuora-api.md §8.2).

Custom fields (``*__c``) are legal extra keys on the wire but not in the SDK schema, so they are removed
before validation, as §8.2 prescribes for request bodies.
"""

from __future__ import annotations

import uuid
from types import ModuleType
from typing import Any

import requests

WSDL = {"X-Zuora-WSDL-Version": "133"}


def without_custom(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_custom(v) for k, v in value.items() if not k.endswith("__c")}
    if isinstance(value, list):
        return [without_custom(v) for v in value]
    return value


def test_account_and_contact_answers(zuora: requests.Session, zuora_models: ModuleType) -> None:
    crm_id = f"SDK{uuid.uuid4().hex[:12]}"
    request = {
        "name": "SDK Shapes",
        "crmId": crm_id,
        "currency": "USD",
        "billCycleDay": 1,
        "paymentTerm": "Net 30",
        "billToContact": {"firstName": "S", "lastName": "D", "country": "US", "state": "CA", "zipCode": "94404"},
        "SFAccountId__c": crm_id,
    }
    zuora_models.CreateAccountRequest.model_validate(without_custom(request))
    created = zuora.post("/v1/accounts", json=request).json()
    zuora_models.CreateAccountResponse.model_validate(created)
    detail = zuora.get(f"/v1/accounts/{created['accountNumber']}").json()
    zuora_models.AccountDetailResponse.model_validate(without_custom(detail))
    contact_request = {"accountId": created["accountId"], "firstName": "C", "lastName": "T", "crmId__c": "003X"}
    zuora_models.CreateContactRequest.model_validate(without_custom(contact_request))
    contact = zuora.post("/v1/contacts", json=contact_request).json()
    zuora_models.ContactResponse.model_validate(without_custom(contact))
    queried = zuora.get(
        "/object-query/accounts",
        params=[("filter[]", f"crmid.EQ:{crm_id}"), ("expand[]", "billto"), ("expand[]", "soldto")],
    ).json()
    zuora_models.QueryAccountsResponse.model_validate(without_custom(queried))
    contacts = zuora.get("/object-query/contacts", params={"filter[]": f"accountid.EQ:{created['accountId']}"}).json()
    zuora_models.QueryContactsResponse.model_validate(without_custom(contacts))
    zoql_request = {"queryString": f"select Id, Name from Account where CrmId = '{crm_id}'"}
    zuora_models.ProxyActionqueryRequest.model_validate(zoql_request)
    zuora_models.ProxyActionqueryResponse.model_validate(zuora.post("/v1/action/query", json=zoql_request).json())


def test_catalog_answers(zuora: requests.Session, zuora_models: ModuleType) -> None:
    product_request = {"Name": "SDK Product", "EffectiveStartDate": "2024-01-01", "EffectiveEndDate": "2034-01-01"}
    created = zuora.post("/v1/object/product", json=product_request).json()
    zuora_models.ProxyCreateOrModifyResponse.model_validate(created)
    ext = f"SDK-{uuid.uuid4().hex[:8]}"
    plan_request = {"Name": "SDK Plan", "ProductId": created["Id"], "ExternalRatePlanIds": [ext]}
    zuora_models.CreateProductRatePlanRequest.model_validate(plan_request)
    plan = zuora.post("/v1/object/product-rate-plan", json=plan_request, headers=WSDL).json()["Id"]
    zuora.post(
        "/v1/object/product-rate-plan-charge",
        json={
            "ProductRatePlanId": plan,
            "Name": "Tiered",
            "ChargeType": "Recurring",
            "ChargeModel": "Tiered Pricing",
            "BillCycleType": "DefaultFromCustomer",
            "BillingPeriod": "Month",
            "TriggerEvent": "ContractEffective",
            "UOM": "Each",
            "UseDiscountSpecificAccountingCode": False,
            "ProductRatePlanChargeTierData": {
                "ProductRatePlanChargeTier": [
                    {"Currency": "USD", "StartingUnit": 1, "EndingUnit": 10, "Price": 3.0},
                    {"Currency": "USD", "StartingUnit": 11, "Price": 2.0},
                ]
            },
        },
    ).raise_for_status()
    zuora_models.GetProductsResponse.model_validate(zuora.get("/v1/catalog/products").json())
    by_external = zuora.get(f"/v1/product-rate-plans/external-id/{ext}").json()
    # The tenant sends the source system in both spellings (docs camelCase, SDK PascalCase, §5.3).
    for plan_entry in by_external["productRatePlans"]:
        assert plan_entry.pop("externalIdSourceSystem") == plan_entry["ExternalIdSourceSystem"]
    zuora_models.GetProductRatePlansByExternalIdResponse.model_validate(by_external)
    zuora_models.QueryProductRatePlansResponse.model_validate(
        zuora.get(
            "/object-query/product-rate-plans",
            params=[("filter[]", f"id.EQ:{plan}"), ("expand[]", "productrateplancharges")],
        ).json()
    )
    deleted = zuora.delete(f"/v1/object/product/{created['Id']}").json()
    zuora_models.ProxyDeleteResponse.model_validate(deleted)


def test_token_answer(zuora_anon: requests.Session, zuora_tenant: Any, zuora_models: ModuleType) -> None:
    token = zuora_anon.post("/oauth/token", data={**zuora_tenant.credentials(), "grant_type": "client_credentials"})
    zuora_models.TokenResponse.model_validate(token.json())


def test_subscription_query_answers(
    zuora: requests.Session, zuora_models: ModuleType, ordered_subscription: dict[str, Any]
) -> None:
    number = ordered_subscription["subscriptionNumber"]
    answer = zuora.get(
        "/object-query/subscriptions",
        params=[
            ("filter[]", f"name.EQ:{number}"),
            ("expand[]", "rateplans"),
            ("expand[]", "rateplans.rateplancharges"),
        ],
    ).json()
    zuora_models.QuerySubscriptionsResponse.model_validate(without_custom(answer))
    charge = answer["data"][0]["ratePlans"][0]["ratePlanCharges"][0]
    assert (charge["quantity"], charge["salesPrice"], charge["mRR"]) == (5, 9.0, 45.0)
