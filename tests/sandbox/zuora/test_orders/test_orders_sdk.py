"""The reference's bodies and the tenant's answers checked against the strict zuora-sdk models (§8.2).

Requests are validated as the reference writes them; answers as the tenant sends them. Custom fields
(``Foo__c``) and ``externalCatalogPlanId`` on a subscription rate plan are legal on the wire but not in
the SDK's response schemas, so they are set aside before validating.
"""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

import pytest

from cpq_desktop.sandbox.zuora.orders import order_jobs
from cpq_desktop.sandbox.zuora.server import ZuoraTenant
from tests.sandbox.zuora.test_orders.conftest import (
    COMPACT_ACTIONS,
    EVERGREEN_EXAMPLE,
    EXAMPLE_A,
    EXAMPLE_B,
    LINE_ITEM_EXAMPLE,
    Examples,
    Subscribed,
    ZuoraClient,
    compact_body,
    unique,
)

REQUEST_BODIES: dict[str, dict[str, Any]] = {
    "A": EXAMPLE_A,
    "B": EXAMPLE_B,
    "evergreen": EVERGREEN_EXAMPLE,
    "line-items": LINE_ITEM_EXAMPLE,
    **{action: compact_body(action) for action in COMPACT_ACTIONS},
}


def without_custom_fields(data: Any, extra: tuple[str, ...] = ()) -> Any:
    """``data`` without ``*__c`` keys (and ``extra`` keys) at any depth."""
    if isinstance(data, dict):
        return {k: without_custom_fields(v, extra) for k, v in data.items() if not k.endswith("__c") and k not in extra}
    if isinstance(data, list):
        return [without_custom_fields(v, extra) for v in data]
    return data


@pytest.mark.parametrize("name", list(REQUEST_BODIES))
def test_reference_bodies_are_valid_sdk_requests(zuora_models: ModuleType, name: str) -> None:
    body = REQUEST_BODIES[name]
    zuora_models.CreateOrderRequest.model_validate(copy.deepcopy(body))
    asynchronous = {k: v for k, v in body.items() if k != "processingOptions"}
    zuora_models.CreateOrderAsyncRequest.model_validate(asynchronous)


def test_the_strict_models_catch_what_the_tenant_refuses(zuora_models: ModuleType) -> None:
    from pydantic import ValidationError

    body = copy.deepcopy(EXAMPLE_A)
    body["newAccount"]["billToContact"]["zipCode"] = "94404"
    with pytest.raises(ValidationError):
        zuora_models.CreateOrderRequest.model_validate(body)


def test_create_and_read_answers_validate(
    zuora_models: ModuleType,
    orders_client: ZuoraClient,
    examples: Examples,
    subscribed: Subscribed,
    zuora_tenant: ZuoraTenant,
) -> None:
    zuora_models.CreateOrderResponse.model_validate(subscribed.response)
    with_ids = orders_client.ok("POST", "/v1/orders?returnIds=true", json=examples.b(subscribed))
    zuora_models.CreateOrderResponse.model_validate(with_ids)

    sub = orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")
    zuora_models.GetSubscriptionResponse.model_validate(
        without_custom_fields(sub, ("externalCatalogPlanId", "billToContactId", "soldToContactId"))
    )
    listed = orders_client.ok("GET", f"/v1/subscriptions/accounts/{subscribed.account_number}")
    zuora_models.GetSubscriptionsResponse.model_validate(
        without_custom_fields(listed, ("externalCatalogPlanId", "billToContactId", "soldToContactId"))
    )

    items = orders_client.ok("POST", "/v1/orders", json=examples.line_items(subscribed))
    zuora_models.CreateOrderResponse.model_validate(items)
    item = orders_client.ok("GET", f"/v1/order-line-items/{items['orderLineItems'][0]['id']}")
    zuora_models.GetOrderLineItemResponse.model_validate(item)
    order = orders_client.ok("GET", f"/v1/orders/{subscribed.order_number}")
    zuora_models.GetOrderResponse.model_validate(without_custom_fields(order))
    listed = orders_client.ok("GET", f"/v1/orders/subscription/{subscribed.subscription_number}")
    zuora_models.GetOrdersResponse.model_validate(without_custom_fields(listed))

    response = orders_client.post("/v1/async/orders", json=examples.a())
    zuora_models.CreateOrderAsyncResponse.model_validate(response.json())
    job_id = response.json()["jobId"]
    assert order_jobs(zuora_tenant.store).wait(job_id)
    job = orders_client.ok("GET", f"/v1/async-jobs/{job_id}")
    zuora_models.GetAsyncOrderJobResponse.model_validate({k: v for k, v in job.items() if k != "result"})
    zuora_models.GetAsyncCreateOrderJobResponse.model_validate(job["result"])


def test_orders_of_every_action_type_read_back_as_valid_sdk_orders(
    zuora_models: ModuleType, orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    bodies = [examples.b(subscribed), examples.evergreen(subscribed)]
    add = examples.compact("AddProduct", subscribed)
    bodies.append(add)
    bodies.append(examples.compact("RemoveProduct", subscribed))
    change = examples.compact("AddProduct", subscribed)
    change["subscriptions"][0]["orderActions"][0] = {
        "type": "ChangePlan",
        "triggerDates": [{"name": "ContractEffective", "triggerDate": "2025-09-01"}],
        "changePlan": {
            "productRatePlanNumber": examples.catalog.addon_plan_number,
            "newProductRatePlan": add["subscriptions"][0]["orderActions"][0]["addProduct"],
        },
    }
    bodies.append(change)
    for action in ("TermsAndConditions", "RenewSubscription", "Suspend", "Resume", "CancelSubscription"):
        bodies.append(examples.compact(action, subscribed))
    numbers = []
    for body in bodies:
        body["orderNumber"] = unique("SDK")
        orders_client.ok("POST", "/v1/orders", json=body)
        numbers.append(body["orderNumber"])
    for number in numbers:
        order = orders_client.ok("GET", f"/v1/orders/{number}")
        zuora_models.GetOrderResponse.model_validate(without_custom_fields(order))
