"""Orders under the conditions a sync meets: lost responses, retries, and concurrent writers."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from cpq_desktop.sandbox.zuora.server import ZuoraTenant
from tests.sandbox.zuora.test_orders.conftest import Examples, Subscribed, ZuoraClient, unique


def test_a_lost_response_retried_with_its_idempotency_key_creates_one_order(
    orders_client: ZuoraClient, examples: Examples, zuora_knobs: ZuoraTenant
) -> None:
    body = examples.a()
    key = unique("idem")
    zuora_knobs.set_faults(lost_response_share=1.0)
    with pytest.raises(requests.ConnectionError):
        orders_client.post("/v1/orders", json=body, headers={"Idempotency-Key": key})
    zuora_knobs.clear_faults()

    # The order was committed before the connection dropped: a client that looks first finds it...
    order = orders_client.ok("GET", f"/v1/orders/{body['orderNumber']}")["order"]
    # ...and a client that retries with the same key gets the original answer, not a second order.
    retried = orders_client.ok("POST", "/v1/orders", json=body, headers={"Idempotency-Key": key})
    assert retried["accountNumber"] == order["existingAccountNumber"]
    subscriptions = orders_client.ok("GET", f"/v1/subscriptions/accounts/{retried['accountNumber']}")
    assert len(subscriptions["subscriptions"]) == 1

    # Without the key, the order number still stops a duplicate.
    again = orders_client.post("/v1/orders", json=body)
    assert again.status_code == 400
    assert "already exists" in again.json()["reasons"][0]["message"]


def test_concurrent_amendments_of_one_subscription_each_get_their_own_version(
    zuora_tenant: ZuoraTenant, examples: Examples, subscribed: Subscribed
) -> None:
    failures: list[Any] = []

    def amend(quantity: int) -> None:
        with ZuoraClient(zuora_tenant) as client:
            for step in range(4):
                body = examples.b(subscribed)
                charge = body["subscriptions"][0]["orderActions"][0]["updateProduct"]["chargeUpdates"][0]
                charge["pricing"] = {"recurringPerUnit": {"quantity": quantity * 10 + step}}
                response = client.post("/v1/orders", json=body)
                if response.status_code != 200:
                    failures.append(response.text)

    threads = [threading.Thread(target=amend, args=(n,)) for n in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    with ZuoraClient(zuora_tenant) as client:
        latest = client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")
        assert latest["version"] == 1 + 6 * 4
        seen = set()
        for version in range(2, latest["version"] + 1):
            old = client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}/versions/{version}")
            seen.add(old["ratePlans"][0]["ratePlanCharges"][0]["quantity"])
    assert seen == {n * 10 + step for n in range(1, 7) for step in range(4)}
