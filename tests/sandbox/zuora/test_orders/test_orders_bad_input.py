"""Mangled order bodies never crash the tenant or leave half an order behind.

A seeded generator drops keys, swaps values for values of other types, and adds unknown keys in the
reference's bodies; every answer must be a well-formed Zuora answer (never a 5xx, which would also log
an error and fail the test), and the tenant must still serve the subscription it had.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

from tests.sandbox.zuora.test_orders.conftest import COMPACT_ACTIONS, Examples, Subscribed, ZuoraClient, unique

VALUES: list[Any] = [None, "", "x", 0, -1, 1.5, 10**20, True, [], {}, [1], {"a": 1}, "2025-13-45", "#?/", "A-S1"]


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


def mangle(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    body = copy.deepcopy(body)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(list(paths(body)))
        node: Any = body
        try:
            for key in path[:-1]:
                node = node[key]
            roll = rng.random()
            if roll < 0.3 and isinstance(node, dict):
                node.pop(path[-1], None)
            elif roll < 0.85:
                node[path[-1]] = rng.choice(VALUES)
            elif isinstance(node, dict):
                node[f"unknown{rng.randint(0, 9)}"] = rng.choice(VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change in this round replaced the path's parent
    if isinstance(body.get("orderNumber"), str):
        body["orderNumber"] = unique("FUZZ")
    return body


def test_mangled_bodies_get_zuora_answers_and_the_store_stays_sound(
    orders_client: ZuoraClient, examples: Examples, subscribed: Subscribed
) -> None:
    bases = [examples.a(), examples.b(subscribed), examples.evergreen(subscribed), examples.line_items(subscribed)]
    bases += [examples.compact(a, subscribed) for a in COMPACT_ACTIONS if a != "CancelSubscription"]
    rng = random.Random(20261126)
    statuses: dict[int, int] = {}
    for _ in range(200):
        response = orders_client.post("/v1/orders", json=mangle(rng.choice(bases), rng))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, response.text
        body = response.json()
        if response.status_code == 200:
            assert isinstance(body["success"], bool)
        else:
            assert body["success"] is False
            assert body["reasons"][0]["message"]
    assert statuses.get(400, 0) > 100  # most mangled bodies are refused...
    assert statuses.get(200, 0) > 5  # ...and harmless changes (a dropped description) are not

    sub = orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")
    assert sub["subscriptionNumber"] == subscribed.subscription_number
    # Some mangled amendments were valid and changed it; the versions must still be consecutive.
    versions = [
        orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}/versions/{v}")["version"]
        for v in range(1, sub["version"] + 1)
    ]
    assert versions == list(range(1, sub["version"] + 1))
    assert orders_client.ok("POST", "/v1/orders", json=examples.a())["status"] == "Completed"
