"""Bad orders are refused with Zuora's error shape, code and HTTP status, and leave no trace.

zuora-api.md §7.1: ``{"success": false, "processId", "reasons": [{"code": <8 digits>, "message"}],
"requestId"}``; the last two digits are the category, which sets the HTTP status from
``Zuora-Version`` 2024-05-20 on (older versions answer HTTP 200).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from cpq_desktop.sandbox.zuora.server import ZuoraTenant
from tests.sandbox.zuora.test_orders.conftest import Examples, Subscribed, ZuoraClient, unique

Path = tuple[str | int, ...]

CREATE = ("subscriptions", 0, "orderActions", 0, "createSubscription")
PLAN = (*CREATE, "subscribeToRatePlans", 0)
UPDATE = ("subscriptions", 0, "orderActions", 0, "updateProduct")
ACTION = ("subscriptions", 0, "orderActions", 0)


def pop(body: dict[str, Any], path: Path) -> dict[str, Any]:
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return body


def refused(response: Any, category: int, status: int = 400) -> str:
    """The one message of a v1 error with this category; checks the documented shape on the way."""
    body = response.json()
    assert response.status_code == status, (response.status_code, body)
    assert body["success"] is False
    assert len(body["processId"]) == 16
    assert body["requestId"] == response.headers["Zuora-Request-Id"]
    codes = [r["code"] for r in body["reasons"]]
    assert all(isinstance(c, int) and len(str(c)) == 8 for c in codes), codes
    assert codes[0] % 100 == category, body
    return str(body["reasons"][0]["message"])


def assert_order_absent(client: ZuoraClient, order_number: str) -> None:
    missing = client.get(f"/v1/orders/{order_number}")
    assert missing.status_code == 404
    assert missing.json()["reasons"][0]["code"] % 100 == 40


EXAMPLE_A_REQUIRED: list[Path] = [
    ("orderDate",),
    ("newAccount",),
    ("newAccount", "name"),
    ("newAccount", "currency"),
    ("newAccount", "billCycleDay"),
    ("newAccount", "billToContact"),
    ("newAccount", "billToContact", "firstName"),
    ("newAccount", "billToContact", "lastName"),
    ("subscriptions", 0, "orderActions"),
    (*ACTION, "type"),
    CREATE,
    (*CREATE, "terms"),
    (*CREATE, "terms", "initialTerm"),
    (*CREATE, "terms", "initialTerm", "termType"),
    (*CREATE, "terms", "initialTerm", "period"),
    (*PLAN, "productRatePlanId"),
    (*PLAN, "chargeOverrides", 0, "productRatePlanChargeId"),
    (*PLAN, "chargeOverrides", 1, "pricing", "oneTimeFlatFee", "listPrice"),
]


@pytest.mark.parametrize("path", EXAMPLE_A_REQUIRED, ids=lambda p: ".".join(map(str, p)))
def test_example_a_without_a_required_field(orders_client: ZuoraClient, examples: Examples, path: Path) -> None:
    body = pop(examples.a(), path)
    message = refused(orders_client.post("/v1/orders", json=body), 22)
    assert f"'{path[-1]}'" in message
    if "orderNumber" in body:
        assert_order_absent(orders_client, body["orderNumber"])


def test_a_missing_field_answers_http_200_on_versions_before_2024_05_20(
    orders_client: ZuoraClient, examples: Examples
) -> None:
    body = pop(examples.a(), ("orderDate",))
    message = refused(orders_client.post("/v1/orders", json=body, headers={"Zuora-Version": "211.0"}), 22, 200)
    assert message == "'orderDate' may not be empty"


AMENDMENT_REQUIRED: list[tuple[str, Path]] = [
    ("b", ("existingAccountNumber",)),
    ("b", ("subscriptions", 0, "subscriptionNumber")),
    ("b", (*UPDATE, "ratePlanId")),
    ("b", (*UPDATE, "chargeUpdates", 0, "chargeNumber")),
    ("AddProduct", (*ACTION, "addProduct", "productRatePlanNumber")),
    ("AddProduct", (*ACTION, "addProduct", "chargeOverrides", 0, "productRatePlanChargeId")),
    ("RemoveProduct", (*ACTION, "removeProduct", "ratePlanId")),
    ("TermsAndConditions", (*ACTION, "termsAndConditions", "lastTerm", "termType")),
    ("CancelSubscription", (*ACTION, "cancelSubscription", "cancellationPolicy")),
    ("CancelSubscription", (*ACTION, "cancelSubscription", "cancellationEffectiveDate")),
    ("Suspend", (*ACTION, "suspend", "suspendPolicy")),
    ("Suspend", (*ACTION, "suspend", "suspendSpecificDate")),
    ("Resume", (*ACTION, "resume", "resumePolicy")),
    ("Resume", (*ACTION, "triggerDates", 0, "triggerDate")),
    ("evergreen", (*PLAN, "externalCatalogPlanId")),
    ("line_items", ("orderLineItems", 0, "itemName")),
    ("line_items", ("orderLineItems", 0, "productRatePlanChargeId")),
    ("line_items", ("orderLineItems", 0, "billTargetDate")),
]


@pytest.mark.parametrize(("example", "path"), AMENDMENT_REQUIRED, ids=lambda v: v if isinstance(v, str) else v[-1])
def test_amendment_examples_without_a_required_field(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed, example: str, path: Path
) -> None:
    if example in ("b", "evergreen", "line_items"):
        body = getattr(examples, example)(subscribed)
    else:
        body = examples.compact(example, subscribed)
    body["orderNumber"] = unique("BAD")
    message = refused(orders_client.post("/v1/orders", json=pop(body, path)), 22)
    assert f"'{path[-1]}'" in message
    assert_order_absent(orders_client, body["orderNumber"])
    sub = orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")
    assert sub["version"] == 1


def test_unknown_account_is_not_found(orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed) -> None:
    body = examples.b(subscribed)
    body["existingAccountNumber"] = "A99999999"
    message = refused(orders_client.post("/v1/orders", json=body), 40, 404)
    assert "A99999999" in message
    old = orders_client.post("/v1/orders", json=body, headers={"Zuora-Version": "186.0"})
    assert refused(old, 40, 200) == message


def test_unknown_subscription_is_not_found(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    body = examples.b(subscribed)
    body["subscriptions"][0]["subscriptionNumber"] = "A-S99999999"
    assert "A-S99999999" in refused(orders_client.post("/v1/orders", json=body), 40, 404)


def test_unknown_rate_plan_and_charge_are_not_found(orders_client: ZuoraClient, examples: Examples) -> None:
    body = examples.a()
    plan: dict[str, Any] = body["subscriptions"][0]["orderActions"][0]["createSubscription"]["subscribeToRatePlans"][0]
    plan["productRatePlanId"] = "0" * 32
    assert "0" * 32 in refused(orders_client.post("/v1/orders", json=body), 40, 404)

    body = examples.a()
    plan = body["subscriptions"][0]["orderActions"][0]["createSubscription"]["subscribeToRatePlans"][0]
    plan["chargeOverrides"][0]["productRatePlanChargeId"] = examples.catalog.addon_charge
    message = refused(orders_client.post("/v1/orders", json=body), 40, 404)
    assert examples.catalog.addon_charge in message
    assert_order_absent(orders_client, body["orderNumber"])


def test_duplicate_order_number_is_refused(orders_client: ZuoraClient, examples: Examples) -> None:
    body = examples.a()
    first = orders_client.ok("POST", "/v1/orders", json=body)
    second = copy.deepcopy(body)
    second["newAccount"]["name"] = "Someone Else"
    message = refused(orders_client.post("/v1/orders", json=second), 30)
    assert body["orderNumber"] in message
    assert "already exists" in message
    order = orders_client.ok("GET", f"/v1/orders/{body['orderNumber']}")["order"]
    assert order["existingAccountNumber"] == first["accountNumber"]


@pytest.mark.parametrize("missing", ["country", "state"])
def test_bill_to_contact_without_country_or_state_is_refused(
    orders_client: ZuoraClient, examples: Examples, missing: str
) -> None:
    body = pop(examples.a(), ("newAccount", "billToContact", missing))
    message = refused(orders_client.post("/v1/orders", json=body), 20)
    assert missing in message
    assert_order_absent(orders_client, body["orderNumber"])


def test_invalid_state_for_the_country_is_refused(orders_client: ZuoraClient, examples: Examples) -> None:
    body = examples.a()
    body["newAccount"]["billToContact"]["state"] = "Narnia"
    refused(orders_client.post("/v1/orders", json=body), 20)


def test_currency_mismatch_between_account_and_charge_prices(orders_client: ZuoraClient, examples: Examples) -> None:
    body = examples.a()
    body["newAccount"]["currency"] = "EUR"
    message = refused(orders_client.post("/v1/orders", json=body), 30)
    assert "Currency mismatch" in message
    assert "EUR" in message
    assert_order_absent(orders_client, body["orderNumber"])


def test_currency_mismatch_on_an_order_line_item(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    body = examples.line_items(subscribed)
    body["orderLineItems"][0]["currency"] = "EUR"
    assert "Currency mismatch" in refused(orders_client.post("/v1/orders", json=body), 30)


@pytest.mark.parametrize(
    ("path", "key", "value", "category"),
    [
        (("newAccount", "billToContact"), "zipCode", "94404", 21),
        ((*PLAN, "chargeOverrides", 0, "pricing", "recurringPerUnit"), "qty", 25, 21),
        (("newAccount",), "billCycleDay", "1", 20),
        ((*PLAN, "chargeOverrides", 0, "pricing", "recurringPerUnit"), "quantity", "25", 20),
        (("newAccount", "customFields"), "Undefined__c", "x", 21),
        ((*CREATE, "terms", "initialTerm"), "termType", "FOREVER", 20),
        ((*ACTION,), "type", "Teleport", 20),
        ((), "orderNumber", "SF/Q/1", 20),
        ((), "orderDate", "2025-02-30", 20),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_wrong_or_unknown_fields_are_refused(
    orders_client: ZuoraClient, examples: Examples, path: Path, key: str, value: Any, category: int
) -> None:
    body = examples.a()
    node: Any = body
    for step in path:
        node = node[step]
    node[key] = value
    assert f"'{key}'" in refused(orders_client.post("/v1/orders", json=body), category)


def test_pricing_must_match_the_charge_model(orders_client: ZuoraClient, examples: Examples) -> None:
    body = examples.a()
    plan = body["subscriptions"][0]["orderActions"][0]["createSubscription"]["subscribeToRatePlans"][0]
    plan["chargeOverrides"][0]["pricing"] = {"recurringFlatFee": {"listPrice": 10}}
    message = refused(orders_client.post("/v1/orders", json=body), 30)
    assert "recurringPerUnit" in message


def test_new_and_existing_account_together_are_refused(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    body = examples.a()
    body["existingAccountNumber"] = subscribed.account_number
    assert "newAccount" in refused(orders_client.post("/v1/orders", json=body), 30)


def test_malformed_json_and_non_object_bodies(orders_client: ZuoraClient) -> None:
    headers = {"Content-Type": "application/json"}
    refused(orders_client.post("/v1/orders", data=b'{"orderDate": ', headers=headers), 90)
    refused(orders_client.post("/v1/orders", data=json.dumps([1, 2]), headers=headers), 90)


def test_a_bad_second_subscription_leaves_no_trace_of_the_first(orders_client: ZuoraClient, examples: Examples) -> None:
    body = examples.a()
    account_number = unique("ACC")
    body["newAccount"]["accountNumber"] = account_number
    good = body["subscriptions"][0]
    good["subscriptionNumber"] = unique("SUB")
    bad = copy.deepcopy(good)
    bad["subscriptionNumber"] = unique("SUB")
    bad_plan = bad["orderActions"][0]["createSubscription"]["subscribeToRatePlans"][0]
    bad_plan["productRatePlanId"] = "f" * 32
    body["subscriptions"].append(bad)
    body["orderLineItems"] = [
        {"itemName": "Setup", "productRatePlanChargeId": examples.catalog.setup_charge, "quantity": 1}
    ]
    refused(orders_client.post("/v1/orders", json=body), 40, 404)

    assert orders_client.get(f"/v1/accounts/{account_number}").status_code == 404
    assert orders_client.get(f"/v1/subscriptions/{good['subscriptionNumber']}").status_code == 404
    assert_order_absent(orders_client, body["orderNumber"])

    # The same order without the bad subscription goes through with the numbers it asked for.
    body["subscriptions"].pop()
    created = orders_client.ok("POST", "/v1/orders", json=body)
    assert created["accountNumber"] == account_number
    assert created["subscriptions"][0]["subscriptionNumber"] == good["subscriptionNumber"]


def _create_actions(examples: Examples, count: int) -> list[dict[str, Any]]:
    """``count`` copies of example A's subscription, with the unique tokens made unique again."""
    text = json.dumps(examples.a()["subscriptions"][0])
    return [json.loads(text.replace('"QL', f'"{i}-QL')) for i in range(count)]


def test_sync_orders_are_limited_to_50_subscriptions(orders_client: ZuoraClient, examples: Examples) -> None:
    body = examples.a()
    body["subscriptions"] = _create_actions(examples, 51)
    message = refused(orders_client.post("/v1/orders", json=body), 30)
    assert "at most 50 subscriptions" in message
    assert "/v1/async/orders" in message
    body["subscriptions"] = body["subscriptions"][:50]
    created = orders_client.ok("POST", "/v1/orders", json=body)
    assert len(created["subscriptions"]) == 50


def test_sync_orders_are_limited_to_50_order_actions(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    body = examples.b(subscribed)
    action = body["subscriptions"][0]["orderActions"][0]
    body["subscriptions"][0]["orderActions"] = [copy.deepcopy(action) for _ in range(51)]
    assert "at most 50 order actions" in refused(orders_client.post("/v1/orders", json=body), 30)


def test_orders_are_limited_to_100_line_items(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    body = examples.line_items(subscribed)
    body["orderLineItems"] = body["orderLineItems"] * 101
    assert "at most 100 order line items" in refused(orders_client.post("/v1/orders", json=body), 30)


def test_pending_when_the_tenant_requires_dates_that_were_not_sent(
    orders_client: ZuoraClient, examples: Examples, zuora_knobs: ZuoraTenant, subscribed: Subscribed
) -> None:
    zuora_knobs.update_settings(require_service_activation=True, require_customer_acceptance=True)
    body = examples.a()
    action = body["subscriptions"][0]["orderActions"][0]
    action["triggerDates"] = [d for d in action["triggerDates"] if d["name"] == "ContractEffective"]
    created = orders_client.ok("POST", "/v1/orders", json=body)
    assert created["status"] == "Pending"
    assert created["subscriptions"][0]["status"] == "Pending Activation"
    sub = orders_client.ok("GET", f"/v1/subscriptions/{created['subscriptions'][0]['subscriptionNumber']}")
    assert sub["status"] == "Pending Activation"
    assert sub["serviceActivationDate"] is None
    assert orders_client.ok("GET", f"/v1/orders/{body['orderNumber']}")["order"]["status"] == "Pending"

    body = examples.a()
    action = body["subscriptions"][0]["orderActions"][0]
    action["triggerDates"] = [d for d in action["triggerDates"] if d["name"] != "CustomerAcceptance"]
    created = orders_client.ok("POST", "/v1/orders", json=body)
    assert (created["status"], created["subscriptions"][0]["status"]) == ("Pending", "Pending Acceptance")

    # With every date sent the same tenant completes the order.
    assert orders_client.ok("POST", "/v1/orders", json=examples.a())["status"] == "Completed"

    # An amendment that waits for its dates leaves the order Pending but not the subscription...
    amendment = examples.b(subscribed)
    amendment["subscriptions"][0]["orderActions"][0]["triggerDates"] = [
        {"name": "ContractEffective", "triggerDate": "2025-06-15"}
    ]
    created = orders_client.ok("POST", "/v1/orders", json=amendment)
    assert (created["status"], created["subscriptions"][0]["status"]) == ("Pending", "Active")
    # ...and actions that never wait (Suspend, Cancel, OwnerTransfer, Resume) complete with only CE.
    suspended = orders_client.ok("POST", "/v1/orders", json=examples.compact("Suspend", subscribed))
    assert (suspended["status"], suspended["subscriptions"][0]["status"]) == ("Completed", "Suspended")


def test_a_charge_waiting_for_its_specific_trigger_date_makes_the_order_pending(
    orders_client: ZuoraClient, examples: Examples
) -> None:
    body = examples.a()
    plan = body["subscriptions"][0]["orderActions"][0]["createSubscription"]["subscribeToRatePlans"][0]
    plan["chargeOverrides"][0]["startDate"] = {"triggerEvent": "SpecificDate"}
    created = orders_client.ok("POST", "/v1/orders", json=body)
    assert (created["status"], created["subscriptions"][0]["status"]) == ("Pending", "Pending Acceptance")
    sub = orders_client.ok("GET", f"/v1/subscriptions/{created['subscriptions'][0]['subscriptionNumber']}")
    seats = sub["ratePlans"][0]["ratePlanCharges"][0]
    assert (seats["triggerEvent"], seats["effectiveStartDate"]) == ("SpecificDate", None)

    body = examples.a()
    plan = body["subscriptions"][0]["orderActions"][0]["createSubscription"]["subscribeToRatePlans"][0]
    plan["chargeOverrides"][0]["startDate"] = {"triggerEvent": "SpecificDate", "specificTriggerDate": "2025-04-01"}
    created = orders_client.ok("POST", "/v1/orders", json=body)
    assert (created["status"], created["subscriptions"][0]["status"]) == ("Completed", "Active")
    sub = orders_client.ok("GET", f"/v1/subscriptions/{created['subscriptions'][0]['subscriptionNumber']}")
    assert sub["ratePlans"][0]["ratePlanCharges"][0]["effectiveStartDate"] == "2025-04-01"
