"""Charge overrides, custom fields, owner transfer and multi-action orders, read back as a client would."""

from __future__ import annotations

from typing import Any

import pytest

from cpq_desktop.sandbox.zuora.server import ZuoraTenant
from tests.sandbox.zuora.test_orders.conftest import WSDL, Examples, Subscribed, ZuoraClient, subscribe, unique

DATES = [
    {"name": n, "triggerDate": "2025-04-01"} for n in ("ContractEffective", "ServiceActivation", "CustomerAcceptance")
]


def create_order(account: str, plan: dict[str, Any], **subscription: Any) -> dict[str, Any]:
    return {
        "orderDate": "2025-04-01",
        "existingAccountNumber": account,
        "subscriptions": [
            {
                **subscription,
                "orderActions": [
                    {
                        "type": "CreateSubscription",
                        "triggerDates": DATES,
                        "createSubscription": {
                            "terms": {"initialTerm": {"termType": "TERMED", "period": 12, "periodType": "Month"}},
                            "subscribeToRatePlans": [plan],
                        },
                    }
                ],
            }
        ],
    }


def only_plan(client: ZuoraClient, created: dict[str, Any]) -> dict[str, Any]:
    sub = client.ok("GET", f"/v1/subscriptions/{created['subscriptions'][0]['subscriptionNumber']}")
    plan: dict[str, Any] = sub["ratePlans"][-1]
    return plan


def error_of(response: Any, category: int) -> str:
    body = response.json()
    assert response.status_code == 400, body
    assert body["reasons"][0]["code"] % 100 == category, body
    return str(body["reasons"][0]["message"])


def test_usage_tiers_and_volume_tiers_can_be_overridden(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    tiers = [
        {"tier": 1, "startingUnit": 0, "endingUnit": 500, "price": 0.2, "priceFormat": "PerUnit"},
        {"tier": 2, "startingUnit": 501, "price": 0.1, "priceFormat": "PerUnit"},
    ]
    plan = {
        "productRatePlanId": examples.catalog.usage_plan,
        "externallyManagedPlanId": "802xx000001OICSAAA",
        "chargeOverrides": [
            {"productRatePlanChargeId": examples.catalog.usage_charge, "pricing": {"usageTiered": {"tiers": tiers}}}
        ],
    }
    created = orders_client.ok("POST", "/v1/orders", json=create_order(subscribed.account_number, plan))
    rate_plan = only_plan(orders_client, created)
    assert rate_plan["externallyManagedPlanId"] == "802xx000001OICSAAA"
    [usage] = rate_plan["ratePlanCharges"]
    assert (usage["type"], usage["model"], usage["mrr"]) == ("Usage", "Tiered", 0)
    assert [(t["tier"], t["startingUnit"], t["endingUnit"], t["price"]) for t in usage["tiers"]] == [
        (1, 0, 500, 0.2),
        (2, 501, None, 0.1),
    ]

    volume_tiers = [
        {"tier": 1, "startingUnit": 1, "endingUnit": 50, "price": 9.0, "priceFormat": "PerUnit"},
        {"tier": 2, "startingUnit": 51, "price": 500.0, "priceFormat": "FlatFee"},
    ]
    plan = {
        "externalCatalogPlanId": examples.catalog.volume_external_id,
        "chargeOverrides": [
            {
                "productRatePlanChargeId": examples.catalog.volume_charge,
                "pricing": {"recurringVolume": {"quantity": 60, "tiers": volume_tiers}},
            }
        ],
    }
    created = orders_client.ok("POST", "/v1/orders", json=create_order(subscribed.account_number, plan))
    [storage] = only_plan(orders_client, created)["ratePlanCharges"]
    assert storage["quantity"] == 60
    assert storage["mrr"] == 500.0  # 60 units fall in the flat-fee second tier


def test_tiers_must_be_numbered_without_gaps(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    tiers = [{"tier": 2, "startingUnit": 0, "price": 0.2, "priceFormat": "PerUnit"}]
    plan = {
        "productRatePlanId": examples.catalog.usage_plan,
        "chargeOverrides": [
            {"productRatePlanChargeId": examples.catalog.usage_charge, "pricing": {"usageTiered": {"tiers": tiers}}}
        ],
    }
    message = error_of(orders_client.post("/v1/orders", json=create_order(subscribed.account_number, plan)), 20)
    assert "tier 1 is missing" in message


def test_billing_and_list_price_base_overrides(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    seats = {
        "productRatePlanChargeId": examples.catalog.seats_charge,
        "pricing": {"recurringPerUnit": {"quantity": 3, "listPrice": 90.0}},
        "billing": {"billingPeriod": "Quarter", "billCycleType": "ChargeTriggerDay"},
    }
    plan = {"productRatePlanId": examples.catalog.seats_plan, "chargeOverrides": [seats]}
    created = orders_client.ok("POST", "/v1/orders", json=create_order(subscribed.account_number, plan))
    charges = {c["productRatePlanChargeId"]: c for c in only_plan(orders_client, created)["ratePlanCharges"]}
    seat_charge = charges[examples.catalog.seats_charge]
    assert (seat_charge["billingPeriod"], seat_charge["billingDay"]) == ("Quarter", "ChargeTriggerDay")
    assert seat_charge["mrr"] == 90.0  # 3 x 90 a quarter
    assert charges[examples.catalog.setup_charge]["price"] == 1500.0  # not overridden: the catalog price

    seats["pricing"] = {"recurringPerUnit": {"quantity": 3, "listPriceBase": "Per_Specific_Months"}}
    message = error_of(orders_client.post("/v1/orders", json=create_order(subscribed.account_number, plan)), 22)
    assert "'specificListPriceBase'" in message


def test_a_catalog_price_change_reaches_the_next_order(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    product = orders_client.post(
        "/v1/object/product",
        json={"Name": unique("Widget"), "EffectiveStartDate": "2020-01-01", "EffectiveEndDate": "2040-01-01"},
    ).json()["Id"]
    plan_id = orders_client.post(
        "/v1/object/product-rate-plan",
        json={"Name": "Widgets", "ProductId": product},
        headers=WSDL,
    ).json()["Id"]
    charge = {
        "ProductRatePlanId": plan_id,
        "Name": "Widget",
        "ChargeType": "Recurring",
        "ChargeModel": "Flat Fee Pricing",
        "BillCycleType": "DefaultFromCustomer",
        "BillingPeriod": "Month",
        "TriggerEvent": "ContractEffective",
        "UseDiscountSpecificAccountingCode": False,
        "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 10.0}]},
    }
    charge_id = orders_client.post("/v1/object/product-rate-plan-charge", json=charge, headers=WSDL).json()["Id"]
    order = create_order(subscribed.account_number, {"productRatePlanId": plan_id})
    created = orders_client.ok("POST", "/v1/orders", json=order)
    assert only_plan(orders_client, created)["ratePlanCharges"][0]["price"] == 10.0

    charge["ProductRatePlanChargeTierData"]["ProductRatePlanChargeTier"][0]["Price"] = 12.5
    updated = orders_client.put(f"/v1/object/product-rate-plan-charge/{charge_id}", json=charge, headers=WSDL)
    assert updated.json()["Success"] is True, updated.text
    created = orders_client.ok("POST", "/v1/orders", json=order)
    assert only_plan(orders_client, created)["ratePlanCharges"][0]["price"] == 12.5


def test_custom_fields_at_every_level_of_an_order(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed, zuora_knobs: ZuoraTenant
) -> None:
    fields = zuora_knobs.settings.to_json()["custom_fields"]
    for obj, name in (
        ("RatePlan", "SFOrderItemId__c"),
        ("RatePlanCharge", "SFQuoteLineId__c"),
        ("OrderAction", "SFAmendment__c"),
    ):
        fields.setdefault(obj, []).append({"name": name, "label": name})
    zuora_knobs.update_settings(custom_fields=fields)
    plan = {
        "productRatePlanId": examples.catalog.seats_plan,
        "customFields": {"SFOrderItemId__c": "802xx0000001"},
        "chargeOverrides": [
            {
                "productRatePlanChargeId": examples.catalog.seats_charge,
                "customFields": {"SFQuoteLineId__c": "a0x0001"},
                "pricing": {"recurringPerUnit": {"quantity": 2}},
            }
        ],
    }
    body = create_order(subscribed.account_number, plan, customFields={"SFDC_Contract__c": "800xx01"})
    body["orderNumber"] = unique("CF")
    body["subscriptions"][0]["orderActions"][0]["customFields"] = {"SFAmendment__c": "New"}
    created = orders_client.ok("POST", "/v1/orders", json=body)
    sub = orders_client.ok("GET", f"/v1/subscriptions/{created['subscriptions'][0]['subscriptionNumber']}")
    assert sub["SFDC_Contract__c"] == "800xx01"
    assert sub["SFContractId__c"] is None  # defined on Subscription, not sent
    rate_plan = sub["ratePlans"][0]
    assert rate_plan["SFOrderItemId__c"] == "802xx0000001"
    charges = {c["productRatePlanChargeId"]: c for c in rate_plan["ratePlanCharges"]}
    assert charges[examples.catalog.seats_charge]["SFQuoteLineId__c"] == "a0x0001"
    assert charges[examples.catalog.setup_charge]["SFQuoteLineId__c"] is None
    order = orders_client.ok("GET", f"/v1/orders/{body['orderNumber']}")["order"]
    assert order["subscriptions"][0]["orderActions"][0]["customFields"] == {"SFAmendment__c": "New"}

    plan["customFields"] = {"SFOrderItemId__c": "x", "Nope__c": "y"}
    message = error_of(orders_client.post("/v1/orders", json=create_order(subscribed.account_number, plan)), 21)
    assert "Nope__c" in message
    assert "RatePlan" in message


def test_owner_transfer_moves_the_subscription_to_other_accounts(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    other = subscribe(orders_client, examples)
    body = {
        "orderDate": "2025-07-01",
        "existingAccountNumber": subscribed.account_number,
        "subscriptions": [
            {
                "subscriptionNumber": subscribed.subscription_number,
                "orderActions": [
                    {
                        "type": "OwnerTransfer",
                        "triggerDates": [{"name": "ContractEffective", "triggerDate": "2025-07-01"}],
                        "ownerTransfer": {
                            "destinationAccountNumber": other.account_number,
                            "destinationInvoiceAccountNumber": other.account_number,
                        },
                    }
                ],
            }
        ],
    }
    created = orders_client.ok("POST", "/v1/orders", json=body)
    assert created["subscriptions"][0]["subscriptionOwnerNumber"] == other.account_number
    sub = orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")
    assert (sub["accountNumber"], sub["invoiceOwnerAccountNumber"]) == (other.account_number, other.account_number)
    listed = orders_client.ok("GET", f"/v1/subscriptions/accounts/{other.account_number}")["subscriptions"]
    assert subscribed.subscription_number in {s["subscriptionNumber"] for s in listed}
    mine = orders_client.ok("GET", f"/v1/subscriptions/accounts/{subscribed.account_number}")["subscriptions"]
    assert subscribed.subscription_number not in {s["subscriptionNumber"] for s in mine}

    transfer = body["subscriptions"][0]["orderActions"][0]["ownerTransfer"]
    transfer["destinationAccountNumber"] = "A77777777"
    assert "A77777777" in orders_client.post("/v1/orders", json=body).json()["reasons"][0]["message"]


def test_several_actions_on_one_subscription_make_one_new_version(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    body = examples.compact("AddProduct", subscribed)
    update = {
        "type": "UpdateProduct",
        "triggerDates": [{"name": "ContractEffective", "triggerDate": "2025-09-01"}],
        "updateProduct": {
            "uniqueToken": "QL-0003",
            "chargeUpdates": [
                {
                    "productRatePlanChargeId": examples.catalog.addon_charge,
                    "pricing": {"recurringFlatFee": {"listPrice": 79.0}},
                }
            ],
        },
    }
    quantity = {
        "type": "UpdateProduct",
        "triggerDates": [{"name": "ContractEffective", "triggerDate": "2025-09-01"}],
        "updateProduct": {
            "ratePlanId": subscribed.rate_plan_id,
            "chargeUpdates": [
                {"chargeNumber": subscribed.seats_charge_number, "pricing": {"recurringPerUnit": {"quantity": 40}}}
            ],
        },
    }
    body["subscriptions"][0]["orderActions"] += [update, quantity]
    orders_client.ok("POST", "/v1/orders", json=body)
    sub = orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")
    assert sub["version"] == 2
    prices = {c["productRatePlanChargeId"]: c for rp in sub["ratePlans"] for c in rp["ratePlanCharges"]}
    assert prices[examples.catalog.addon_charge]["price"] == 79.0
    assert prices[examples.catalog.seats_charge]["quantity"] == 40


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"cancellationPolicy": "EndOfCurrentTerm"}, None),
        ({"cancellationPolicy": "SpecificDate", "cancellationEffectiveDate": "2024-01-01"}, "before the subscription"),
    ],
)
def test_cancellation_policies(
    orders_client: ZuoraClient,
    examples: Examples,
    subscribed: Subscribed,
    action: dict[str, Any],
    message: str | None,
) -> None:
    body = examples.compact("CancelSubscription", subscribed)
    body["subscriptions"][0]["orderActions"][0]["cancelSubscription"] = action
    if message is not None:
        assert message in error_of(orders_client.post("/v1/orders", json=body), 30)
        return
    orders_client.ok("POST", "/v1/orders", json=body)
    sub = orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")
    assert (sub["status"], sub["subscriptionEndDate"]) == ("Cancelled", "2026-03-01")


def test_an_evergreen_subscription_cannot_be_renewed(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    created = orders_client.ok("POST", "/v1/orders", json=examples.evergreen(subscribed))
    number = created["subscriptions"][0]["subscriptionNumber"]
    body = examples.compact("RenewSubscription", subscribed)
    body["subscriptions"][0]["subscriptionNumber"] = number
    assert "evergreen" in error_of(orders_client.post("/v1/orders", json=body), 30)


def test_line_items_link_to_a_subscription_of_the_same_order_and_are_numbered(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    body = examples.a()
    body["subscriptions"][0]["orderActions"][0]["createSubscription"]["uniqueToken"] = "SUB-1"
    item = {"itemName": "Kit", "productRatePlanChargeId": examples.catalog.setup_charge, "quantity": 2}
    body["orderLineItems"] = [{**item, "uniqueToken": "SUB-1"}, {**item, "listPricePerUnit": 10}]
    created = orders_client.ok("POST", "/v1/orders", json=body)
    assert [i["itemNumber"] for i in created["orderLineItems"]] == ["1", "2"]
    first = orders_client.ok("GET", f"/v1/order-line-items/{created['orderLineItems'][0]['id']}")["orderLineItem"]
    assert first["relatedSubscriptionNumber"] == created["subscriptions"][0]["subscriptionNumber"]
    assert (first["listPricePerUnit"], first["amount"]) == (1500.0, 3000.0)  # the catalog price
    second = orders_client.ok("GET", f"/v1/order-line-items/{created['orderLineItems'][1]['id']}")["orderLineItem"]
    assert second["amount"] == 20.0

    partly_numbered = examples.line_items(subscribed)
    partly_numbered["orderLineItems"].append({**item, "itemNumber": "7"})
    assert "'itemNumber'" in error_of(orders_client.post("/v1/orders", json=partly_numbered), 30)

    recurring = examples.line_items(subscribed)
    recurring["orderLineItems"][0]["productRatePlanChargeId"] = examples.catalog.seats_charge
    assert "one-time charges only" in error_of(orders_client.post("/v1/orders", json=recurring), 30)


def test_subscriptions_show_the_current_account_name_and_page_by_account(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    orders_client.ok("POST", "/v1/orders", json=examples.evergreen(subscribed))
    renamed = orders_client.put(f"/v1/accounts/{subscribed.account_number}", json={"name": "Acme Renamed"})
    assert renamed.json()["success"] is True
    sub = orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")
    assert (sub["accountName"], sub["invoiceOwnerAccountName"]) == ("Acme Renamed", "Acme Renamed")

    first = orders_client.ok("GET", f"/v1/subscriptions/accounts/{subscribed.account_number}?pageSize=1")
    assert len(first["subscriptions"]) == 1
    assert first["subscriptions"][0]["subscriptionNumber"] == subscribed.subscription_number
    second = orders_client.ok("GET", first["nextPage"].replace(orders_client.base_url, ""))
    assert len(second["subscriptions"]) == 1
    assert "nextPage" not in second
    assert orders_client.get("/v1/subscriptions/accounts/A99999999").status_code == 404


def test_change_plan_replaces_one_rate_plan_by_another(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    body = examples.compact("RemoveProduct", subscribed)
    body["orderNumber"] = unique("CP")
    body["subscriptions"][0]["orderActions"][0] = {
        "type": "ChangePlan",
        "triggerDates": [{"name": "ContractEffective", "triggerDate": "2025-10-01"}],
        "changePlan": {
            "ratePlanId": subscribed.rate_plan_id,
            "effectivePolicy": "EffectiveImmediately",
            "subType": "Upgrade",
            "newProductRatePlan": {
                "productRatePlanNumber": examples.catalog.addon_plan_number,
                "externallyManagedPlanId": "802xx0000002",
                "chargeOverrides": [
                    {
                        "productRatePlanChargeId": examples.catalog.addon_charge,
                        "pricing": {"recurringFlatFee": {"listPrice": 150}},
                    }
                ],
            },
        },
    }
    orders_client.ok("POST", "/v1/orders", json=body)
    sub = orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")
    old, new = sub["ratePlans"]
    assert (old["lastChangeType"], old["ratePlanCharges"][0]["effectiveEndDate"]) == ("Remove", "2025-10-01")
    assert (new["lastChangeType"], new["externallyManagedPlanId"]) == ("Add", "802xx0000002")
    assert (new["ratePlanCharges"][0]["price"], new["ratePlanCharges"][0]["effectiveStartDate"]) == (150, "2025-10-01")
    action = orders_client.ok("GET", f"/v1/orders/{body['orderNumber']}")["order"]["subscriptions"][0]["orderActions"][
        0
    ]
    assert action["changePlan"]["newProductRatePlan"]["productRatePlanId"] == new["productRatePlanId"]

    del body["subscriptions"][0]["orderActions"][0]["changePlan"]["newProductRatePlan"]
    body["orderNumber"] = unique("CP")
    assert "'newProductRatePlan'" in error_of(orders_client.post("/v1/orders", json=body), 22)


def test_custom_fields_can_be_updated_without_a_new_version(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed, zuora_knobs: ZuoraTenant
) -> None:
    fields = zuora_knobs.settings.to_json()["custom_fields"]
    fields.setdefault("RatePlanCharge", []).append({"name": "SFQuoteLineId__c", "label": "Quote line"})
    zuora_knobs.update_settings(custom_fields=fields)
    number = subscribed.subscription_number
    body = {
        "customFields": {"SFDC_Contract__c": "800xx02"},
        "ratePlans": [
            {
                "ratePlanId": subscribed.rate_plan_id,
                "charges": [
                    {"chargeNumber": subscribed.seats_charge_number, "customFields": {"SFQuoteLineId__c": "L1"}}
                ],
            }
        ],
    }
    assert orders_client.put(f"/v1/subscriptions/{number}/customFields", json=body).json() == {"success": True}
    sub = orders_client.ok("GET", f"/v1/subscriptions/{number}")
    assert (sub["version"], sub["SFDC_Contract__c"]) == (1, "800xx02")
    seats = next(c for c in sub["ratePlans"][0]["ratePlanCharges"] if c["number"] == subscribed.seats_charge_number)
    assert seats["SFQuoteLineId__c"] == "L1"

    orders_client.ok("POST", "/v1/orders", json=examples.b(subscribed))
    versioned = {"customFields": {"SFDC_Contract__c": "800xx03"}}
    assert orders_client.put(f"/v1/subscriptions/{number}/versions/1/customFields", json=versioned).status_code == 200
    assert orders_client.ok("GET", f"/v1/subscriptions/{number}/versions/1")["SFDC_Contract__c"] == "800xx03"
    assert orders_client.ok("GET", f"/v1/subscriptions/{number}")["SFDC_Contract__c"] == "800xx02"

    undefined = orders_client.put(f"/v1/subscriptions/{number}/customFields", json={"customFields": {"No__c": 1}})
    assert undefined.json()["reasons"][0]["code"] % 100 == 21
    body["ratePlans"][0]["ratePlanId"] = "0" * 32
    assert orders_client.put(f"/v1/subscriptions/{number}/customFields", json=body).status_code == 404


def test_a_new_subscription_owner_account_is_created_with_the_order(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    body = examples.evergreen(subscribed)
    owner = {
        "name": "Acme Subsidiary",
        "currency": "USD",
        "billCycleDay": 1,
        "crmId": "0015g00000Sub01",
        "billToContact": {"firstName": "Sam", "lastName": "Sub", "country": "Canada", "state": "Ontario"},
    }
    body["subscriptions"][0]["orderActions"][0]["createSubscription"]["newSubscriptionOwnerAccount"] = owner
    created = orders_client.ok("POST", "/v1/orders", json=body)
    [entry] = created["subscriptions"]
    assert entry["subscriptionOwnerNumber"] != subscribed.account_number
    sub = orders_client.ok("GET", f"/v1/subscriptions/{entry['subscriptionNumber']}")
    assert (sub["accountName"], sub["invoiceOwnerAccountNumber"]) == ("Acme Subsidiary", subscribed.account_number)
    account = orders_client.ok("GET", f"/v1/accounts/{entry['subscriptionOwnerNumber']}")
    assert account["basicInfo"]["crmId"] == "0015g00000Sub01"


def test_orders_are_listed_by_subscription_and_by_subscription_owner(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    amendment = orders_client.ok("POST", "/v1/orders", json=examples.b(subscribed))
    number = subscribed.subscription_number
    listed = orders_client.ok("GET", f"/v1/orders/subscription/{number}")["orders"]
    assert [o["orderNumber"] for o in listed] == [subscribed.order_number, amendment["orderNumber"]]
    assert [o["subscriptions"][0]["newVersion"] for o in listed] == [1, 2]

    owned = orders_client.ok("GET", f"/v1/orders/subscriptionOwner/{subscribed.account_number}?pageSize=1")
    assert [o["orderNumber"] for o in owned["orders"]] == [subscribed.order_number]
    rest = orders_client.ok("GET", owned["nextPage"].replace(orders_client.base_url, ""))
    assert [o["orderNumber"] for o in rest["orders"]] == [amendment["orderNumber"]]

    in_june = orders_client.ok(
        "GET", f"/v1/orders/subscription/{number}?startDate=2025-06-01&endDate=2025-06-30&status=Completed"
    )
    assert [o["orderNumber"] for o in in_june["orders"]] == [amendment["orderNumber"]]
    assert orders_client.get("/v1/orders?pageSize=41").status_code == 400
    assert orders_client.ok("GET", "/v1/orders?pageSize=2")["orders"]


def test_order_and_order_action_custom_fields_can_be_updated(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed, zuora_knobs: ZuoraTenant
) -> None:
    fields = zuora_knobs.settings.to_json()["custom_fields"]
    fields.setdefault("OrderAction", []).append({"name": "SFAmendment__c", "label": "Amendment"})
    zuora_knobs.update_settings(custom_fields=fields)
    number = subscribed.order_number
    body = {
        "customFields": {"SFQuoteId__c": "a0q-updated"},
        "subscriptions": [
            {
                "subscriptionNumber": subscribed.subscription_number,
                "orderActions": [{"sequence": 0, "customFields": {"SFAmendment__c": "Renewal"}}],
            }
        ],
    }
    assert orders_client.put(f"/v1/orders/{number}/customFields", json=body).json() == {"success": True}
    order = orders_client.ok("GET", f"/v1/orders/{number}")["order"]
    assert order["customFields"]["SFQuoteId__c"] == "a0q-updated"
    assert order["subscriptions"][0]["orderActions"][0]["customFields"] == {"SFAmendment__c": "Renewal"}

    body["subscriptions"][0]["orderActions"][0] = {"orderActionId": "0" * 32, "customFields": {}}
    assert orders_client.put(f"/v1/orders/{number}/customFields", json=body).status_code == 404
    assert orders_client.put("/v1/orders/NO-SUCH-ORDER/customFields", json={}).status_code == 404
