"""The reference's Orders bodies, sent as a client sends them, and the state they leave behind.

zuora-api.md §3.11 (example A), §3.12 (example B), §3.6 (compact actions), §3.7 (order line items);
every effect is read back through the public GETs, never from the database.
"""

from __future__ import annotations

from typing import Any

from tests.sandbox.zuora.test_orders.conftest import Examples, Subscribed, ZuoraClient


def charges_by_product_charge(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["productRatePlanChargeId"]: c for c in plan["ratePlanCharges"]}


def test_example_a_creates_account_subscription_and_two_charges(orders_client: ZuoraClient, examples: Examples) -> None:
    body = examples.a()
    created = orders_client.ok("POST", "/v1/orders", json=body)

    assert created["orderNumber"] == body["orderNumber"]
    assert created["status"] == "Completed"
    assert "subscriptionNumbers" not in created
    [sub_entry] = created["subscriptions"]
    assert sub_entry["status"] == "Active"
    assert sub_entry["subscriptionOwnerNumber"] == created["accountNumber"]
    assert sub_entry["subscriptionNumber"].startswith("A-S")

    account = orders_client.ok("GET", f"/v1/accounts/{created['accountNumber']}")
    assert account["basicInfo"]["crmId"] == "0015g00000XyZ12AAB"
    assert account["basicInfo"]["SFAccountId__c"] == "0015g00000XyZ12AAB"
    assert account["billToContact"]["zipCode"] == "94404"
    assert account["soldToContact"]["firstName"] == "Bella"
    assert account["billingAndPayment"]["paymentTerm"] == "Net 30"

    sub = orders_client.ok("GET", f"/v1/subscriptions/{sub_entry['subscriptionNumber']}")
    assert sub["version"] == 1
    assert sub["status"] == "Active"
    assert sub["accountNumber"] == created["accountNumber"]
    assert sub["SFContractId__c"] == "8005g000001QwErAAK"
    assert sub["notes"] == "Created from Salesforce CPQ"
    assert (sub["termType"], sub["initialTerm"], sub["initialTermPeriodType"]) == ("TERMED", 12, "Month")
    assert (sub["termStartDate"], sub["termEndDate"]) == ("2025-03-01", "2026-03-01")
    assert sub["autoRenew"] is True
    assert (sub["renewalSetting"], sub["renewalTerm"]) == ("RENEW_WITH_SPECIFIC_TERM", 12)
    assert sub["contractEffectiveDate"] == sub["serviceActivationDate"] == "2025-03-01"
    [plan] = sub["ratePlans"]
    assert plan["productRatePlanId"] == examples.catalog.seats_plan
    charges = charges_by_product_charge(plan)
    seats, setup = charges[examples.catalog.seats_charge], charges[examples.catalog.setup_charge]
    assert (seats["quantity"], seats["price"], seats["model"]) == (25, 40.0, "PerUnit")
    assert (setup["price"], setup["type"]) == (1500.0, "OneTime")
    assert seats["number"] != setup["number"]
    # 25 seats at 40 a year: 1000 a year, 83.33 a month; the setup fee counts once in the TCV.
    assert seats["mrr"] == 83.33
    assert sub["totalContractedValue"] == 2500.0

    order = orders_client.ok("GET", f"/v1/orders/{body['orderNumber']}")["order"]
    assert order["customFields"]["SFQuoteId__c"] == "a0q5g000001AbCdAAK"
    assert order["existingAccountNumber"] == created["accountNumber"]
    assert order["subscriptions"][0]["orderActions"][0]["type"] == "CreateSubscription"
    assert order["status"] == "Completed"


def test_example_a_on_a_never_upgraded_tenant_answers_with_subscription_numbers(
    orders_client: ZuoraClient, examples: Examples
) -> None:
    response = orders_client.post("/v1/orders", json=examples.a(), headers={"Zuora-Version": "186.0"})
    body = response.json()
    assert response.status_code == 200
    assert body["success"] is True
    assert "subscriptions" not in body
    assert body["subscriptionNumbers"][0].startswith("A-S")


def test_return_ids_adds_the_ids_of_what_was_created(orders_client: ZuoraClient, examples: Examples) -> None:
    body = orders_client.ok("POST", "/v1/orders?returnIds=true", json=examples.a())
    sub = orders_client.ok("GET", f"/v1/subscriptions/{body['subscriptions'][0]['subscriptionNumber']}")
    assert body["subscriptions"][0]["subscriptionId"] == sub["id"] == body["subscriptionIds"][0]
    assert body["accountId"] == sub["accountId"]
    assert len(body["orderId"]) == 32


def test_example_b_updates_the_quantity_in_a_new_version(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    body = examples.b(subscribed)
    created = orders_client.ok("POST", "/v1/orders", json=body)
    assert created["status"] == "Completed"
    assert created["subscriptions"][0]["subscriptionNumber"] == subscribed.subscription_number
    assert created["orderNumber"].startswith("O-")

    latest = orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")
    assert latest["version"] == 2
    [plan] = latest["ratePlans"]
    assert plan["id"] != subscribed.rate_plan_id
    assert plan["originalRatePlanId"] == subscribed.rate_plan_id
    assert plan["lastChangeType"] == "Update"
    seats = charges_by_product_charge(plan)[examples.catalog.seats_charge]
    assert seats["quantity"] == 30
    assert seats["price"] == 40.0
    assert seats["number"] == subscribed.seats_charge_number
    assert seats["effectiveStartDate"] == "2025-06-15"

    first = orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}/versions/1")
    assert first["isLatestVersion"] is False
    assert charges_by_product_charge(first["ratePlans"][0])[examples.catalog.seats_charge]["quantity"] == 25

    # The old rate plan id is still a key ("latest version or any history version id").
    again = examples.b(subscribed)
    again["subscriptions"][0]["orderActions"][0]["updateProduct"]["chargeUpdates"][0]["pricing"] = {
        "recurringPerUnit": {"quantity": 35}
    }
    orders_client.ok("POST", "/v1/orders", json=again)
    third = orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")
    assert third["version"] == 3
    assert charges_by_product_charge(third["ratePlans"][0])[examples.catalog.seats_charge]["quantity"] == 35


def test_compact_examples_change_one_subscription_step_by_step(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    number = subscribed.subscription_number

    def apply(action: str, **extra: str) -> dict[str, Any]:
        created = orders_client.ok("POST", "/v1/orders", json=examples.compact(action, subscribed, **extra))
        assert created["status"] == "Completed"
        return orders_client.ok("GET", f"/v1/subscriptions/{number}")

    sub = apply("AddProduct")
    assert sub["version"] == 2
    added = next(rp for rp in sub["ratePlans"] if rp["productRatePlanNumber"] == examples.catalog.addon_plan_number)
    assert added["lastChangeType"] == "Add"
    [support] = added["ratePlanCharges"]
    assert (support["price"], support["model"], support["effectiveStartDate"]) == (99.0, "FlatFee", "2025-09-01")

    sub = apply("RemoveProduct", f94f5a88a8a96ecf5e06f6643b2b737f=added["id"])
    removed = next(rp for rp in sub["ratePlans"] if rp["originalRatePlanId"] == added["originalRatePlanId"])
    assert removed["lastChangeType"] == "Remove"
    assert removed["ratePlanCharges"][0]["effectiveEndDate"] == "2025-09-01"
    assert removed["ratePlanCharges"][0]["mrr"] == 0

    sub = apply("TermsAndConditions")
    assert (sub["currentTerm"], sub["currentTermPeriodType"], sub["termEndDate"]) == (24, "Month", "2027-03-01")
    assert (sub["autoRenew"], sub["paymentTerm"], sub["renewalTerm"]) == (False, "Net 45", 12)

    sub = apply("RenewSubscription")
    assert (sub["termStartDate"], sub["termEndDate"], sub["currentTerm"]) == ("2027-03-01", "2028-03-01", 12)

    sub = apply("Suspend")
    assert sub["status"] == "Suspended"

    sub = apply("Resume")
    assert sub["status"] == "Active"
    assert sub["termEndDate"] == "2028-03-31"  # extendsTerm: 30 suspended days added

    sub = apply("CancelSubscription")
    assert sub["status"] == "Cancelled"
    assert sub["subscriptionEndDate"] == "2025-09-30"
    assert sub["version"] == 8
    assert sub["contractedMrr"] == 0

    refused = orders_client.post("/v1/orders", json=examples.compact("RenewSubscription", subscribed))
    assert refused.status_code == 400
    assert "cancelled" in refused.json()["reasons"][0]["message"]


def test_evergreen_example_selects_the_plan_by_external_id(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    created = orders_client.ok("POST", "/v1/orders", json=examples.evergreen(subscribed))
    number = created["subscriptions"][0]["subscriptionNumber"]
    assert number != subscribed.subscription_number
    sub = orders_client.ok("GET", f"/v1/subscriptions/{number}")
    assert sub["termType"] == "EVERGREEN"
    assert sub["termEndDate"] is None
    [plan] = sub["ratePlans"]
    assert plan["externalCatalogPlanId"] == examples.catalog.volume_external_id
    [storage] = plan["ratePlanCharges"]
    assert (storage["model"], storage["quantity"]) == ("Volume", 10)
    assert storage["mrr"] == 100.0  # 10 units fall in the first volume tier at 10 each

    mine = orders_client.ok("GET", f"/v1/subscriptions/accounts/{subscribed.account_number}")
    assert {s["subscriptionNumber"] for s in mine["subscriptions"]} == {subscribed.subscription_number, number}


def test_line_item_example_is_stored_and_read_back(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    created = orders_client.ok("POST", "/v1/orders", json=examples.line_items(subscribed))
    assert "subscriptions" not in created
    [item_ref] = created["orderLineItems"]
    assert item_ref["itemNumber"] == "1"
    item = orders_client.ok("GET", f"/v1/order-line-items/{item_ref['id']}")["orderLineItem"]
    assert item["itemName"] == "Onboarding services"
    assert (item["itemState"], item["itemType"], item["itemCategory"]) == ("SentToBilling", "Services", "Sales")
    assert (item["quantity"], item["listPricePerUnit"], item["amount"]) == (1, 1500, 1500)
    assert item["relatedSubscriptionNumber"] == subscribed.subscription_number
    assert item["ownerAccountNumber"] == subscribed.account_number
    assert item["currency"] == "USD"
    order = orders_client.ok("GET", f"/v1/orders/{created['orderNumber']}")["order"]
    assert order["orderLineItems"][0]["id"] == item_ref["id"]
