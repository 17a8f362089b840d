"""The plan model: placeholders and their resolution, JSON round trips, counts, and order splitting."""

from __future__ import annotations

import json

import pytest

from cpq_desktop.core.planning.orders import ASYNC_LIMIT, LINE_ITEM_LIMIT, split_order
from cpq_desktop.core.sync.plan import (
    LookupKind,
    PlaceholderError,
    PlanStep,
    RecordRef,
    Request,
    ResultLookup,
    StepKind,
    SyncPlan,
    placeholder,
    placeholders_in,
    resolve_body,
)


def order_step() -> PlanStep:
    account = placeholder("account:001A", "accountNumber").token
    charge = placeholder("catalog:prpc:01tB", "Id").token
    body = {
        "orderDate": "2025-03-01",
        "existingAccountNumber": account,
        "subscriptions": [
            {
                "orderActions": [
                    {
                        "createSubscription": {
                            "subscribeToRatePlans": [{"chargeOverrides": [{"productRatePlanChargeId": charge}]}]
                        }
                    }
                ]
            }
        ],
        "note": "text ${not a token",
    }
    return PlanStep(
        step_id="order:801C",
        kind=StepKind.CREATE_ORDER,
        record=RecordRef(object="Order", id="801C", label="00000001"),
        request=Request(method="POST", path="/v1/orders", body=body),
        reason="new order",
        depends_on=["account:001A", "catalog:prpc:01tB"],
        lookup=ResultLookup(kind=LookupKind.ORDER_NUMBER, value="00000001"),
        placeholders=placeholders_in(body),
    )


def test_placeholders_are_found_and_resolved_anywhere_in_the_body() -> None:
    step = order_step()
    assert [(p.step_id, p.output) for p in step.placeholders] == [
        ("account:001A", "accountNumber"),
        ("catalog:prpc:01tB", "Id"),
    ]
    body = step.resolved_body({"account:001A": {"accountNumber": "A00000007"}, "catalog:prpc:01tB": {"Id": "8ad0"}})
    assert body["existingAccountNumber"] == "A00000007"
    override = body["subscriptions"][0]["orderActions"][0]["createSubscription"]["subscribeToRatePlans"][0]
    assert override["chargeOverrides"][0]["productRatePlanChargeId"] == "8ad0"
    assert body["note"] == "text ${not a token"
    assert step.request.body["existingAccountNumber"].startswith("${")  # the plan itself is unchanged


def test_a_missing_output_names_the_step_to_run_first() -> None:
    with pytest.raises(PlaceholderError, match="from step account:001A"):
        resolve_body(order_step().request.body, {"catalog:prpc:01tB": {"Id": "x"}})


def test_plan_round_trips_through_json_with_counts() -> None:
    plan = SyncPlan(profile="p", scope="orders 801C", steps=[order_step()], orders_in_scope=1)
    data = json.loads(json.dumps(plan.to_json_dict()))
    assert data["counts"]["create_order"] == 1
    assert data["counts"]["steps"] == 1
    data.pop("counts")
    assert SyncPlan.model_validate(data) == plan
    assert plan.step("order:801C").lookup == ResultLookup(kind=LookupKind.ORDER_NUMBER, value="00000001")
    with pytest.raises(KeyError):
        plan.step("order:nope")


def _subscriptions(count: int, actions: int) -> list[dict[str, object]]:
    return [{"orderActions": [{"type": "UpdateProduct"}] * actions} for _ in range(count)]


def test_orders_split_to_the_orders_api_limits() -> None:
    parts = split_order(_subscriptions(130, 3), [{"itemName": str(n)} for n in range(250)])
    actions = [sum(len(s["orderActions"]) for s in subs) for subs, _ in parts]  # type: ignore[arg-type]
    assert actions == [ASYNC_LIMIT, 90, 0]  # a subscription's actions never straddle two parts
    assert [len(items) for _, items in parts] == [LINE_ITEM_LIMIT, LINE_ITEM_LIMIT, 50]
    assert split_order(_subscriptions(2, 1), []) == [(_subscriptions(2, 1), [])]
