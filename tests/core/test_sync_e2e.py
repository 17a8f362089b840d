"""End to end over both sandboxes: plan the whole showcase org (every use case of connector-spec §3),
execute it, and read Zuora back through its public API — orders, subscriptions, rate plans, charge
quantities and prices, terms, statuses and line items are what the plan said. A second sync of the
same scope writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.extract import UnsyncedScope
from cpq_desktop.core.planning import plan_sync
from cpq_desktop.core.sync.executor import ExecutionReport, Executor, StepState
from cpq_desktop.core.sync.plan import StepKind, SyncPlan
from cpq_desktop.core.sync.progress import EventKind, ProgressEvent
from cpq_desktop.core.sync.results import RecordStatus
from cpq_desktop.core.zuora.client import ZuoraClient
from cpq_desktop.sandbox.salesforce.generator import GeneratedSummary
from cpq_desktop.sandbox.zuora.server import ZuoraTenant
from tests.core.both_sandboxes import both_sandboxes


@dataclass
class Synced:
    summary: GeneratedSummary
    zuora: ZuoraClient
    plan: SyncPlan
    report: ExecutionReport
    events: list[ProgressEvent]
    second_plan: SyncPlan
    second_report: ExecutionReport
    second_zuora_writes: int


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    with both_sandboxes(tmp_path_factory.mktemp("e2e")) as both:
        salesforce, zuora, ledger = both.salesforce, both.zuora, both.ledger
        plan = plan_sync(salesforce, zuora, profile="e2e", scope=UnsyncedScope(), options=ConnectorOptions())
        events: list[ProgressEvent] = []
        report = Executor(zuora, ledger, profile="e2e", run_id="run-1", on_event=events.append).run(plan)
        second_plan = plan_sync(salesforce, zuora, profile="e2e", scope=UnsyncedScope(), options=ConnectorOptions())
        writes_before = tenant_writes(both.tenant)
        second = Executor(zuora, ledger, profile="e2e", run_id="run-2").run(second_plan)
        second_writes = tenant_writes(both.tenant) - writes_before
        yield Synced(both.summary, zuora, plan, report, events, second_plan, second, second_writes)


def tenant_writes(tenant: ZuoraTenant) -> int:
    """Objects Zuora holds that a sync writes: orders, accounts, contacts and catalog entries."""
    with tenant.store.read() as db:
        return sum(
            int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in (
                "orders",
                "accounts",
                "contacts",
                "products",
                "product_rate_plans",
                "product_rate_plan_charges",
            )
        )


def _pricing_values(pricing: dict[str, Any]) -> dict[str, float]:
    values: dict[str, float] = {}
    for model in pricing.values():
        if isinstance(model, dict):
            if "quantity" in model:
                values["quantity"] = float(model["quantity"])
            if "listPrice" in model:
                values["price"] = float(model["listPrice"])
    return values


def expected_subscriptions(plan: SyncPlan) -> dict[str, dict[str, Any]]:
    """The end state the plan's orders describe, per subscription: status, term, charges by number."""
    subs: dict[str, dict[str, Any]] = {}
    for step in plan.steps_of(StepKind.CREATE_ORDER):
        for entry in step.request.body.get("subscriptions") or []:
            for action in entry["orderActions"]:
                kind = action["type"]
                if kind == "CreateSubscription":
                    create = action["createSubscription"]
                    sub = subs.setdefault(create["subscriptionNumber"], {"status": "Active", "charges": {}})
                    sub["term"] = create["terms"]["initialTerm"]
                    for rate_plan in create.get("subscribeToRatePlans") or []:
                        for override in rate_plan.get("chargeOverrides") or []:
                            if "chargeNumber" in override:
                                sub["charges"][override["chargeNumber"]] = _pricing_values(
                                    override.get("pricing") or {}
                                )
                    continue
                sub = subs.setdefault(entry["subscriptionNumber"], {"status": "Active", "charges": {}})
                if kind == "AddProduct":
                    for override in action["addProduct"].get("chargeOverrides") or []:
                        if "chargeNumber" in override:
                            sub["charges"][override["chargeNumber"]] = _pricing_values(override.get("pricing") or {})
                elif kind == "UpdateProduct":
                    for update in action["updateProduct"].get("chargeUpdates") or []:
                        if "chargeNumber" not in update:
                            continue
                        sub["charges"].setdefault(update["chargeNumber"], {}).update(
                            _pricing_values(update.get("pricing") or {})
                        )
                elif kind == "CancelSubscription":
                    sub["status"] = "Cancelled"
    return subs


def test_every_planned_step_ran_and_every_record_reports_its_zuora_keys(synced: Synced) -> None:
    assert synced.plan.steps, "the showcase org should need writes"
    states = {r.state for r in synced.report.steps.values()}
    assert states == {StepState.CREATED}, [
        (r.step.step_id, r.message) for r in synced.report.steps.values() if r.state is not StepState.CREATED
    ]
    assert synced.report.writes == len(synced.plan.steps)
    by_record = {(r.record.object, r.record.id): r for r in synced.report.results}
    for step in synced.plan.steps_of(StepKind.CREATE_ORDER):
        result = by_record[(step.record.object, step.record.id)]
        assert result.status is RecordStatus.CREATED
        assert result.zuora.order_number == step.request.body["orderNumber"] or result.zuora.order_number.startswith(
            step.request.body["orderNumber"].split("-")[0]
        )
        assert result.zuora.account_number
    for step in synced.plan.steps_of(StepKind.CREATE_ACCOUNT):
        assert by_record[("Account", step.record.id)].zuora.account_number.startswith("A")
    # the plan's problems and held-back records are reported too, untouched
    failed = {r.record.id for r in synced.report.results if r.status is RecordStatus.FAILED}
    assert {p.record.id for p in synced.plan.problems} <= failed
    held = {r.record.id for r in synced.report.results if r.status is RecordStatus.HELD_BACK}
    assert {h.record.id for h in synced.plan.held_back} <= held


def test_each_order_is_in_zuora_once_with_the_planned_actions_and_line_items(synced: Synced) -> None:
    for step in synced.plan.steps_of(StepKind.CREATE_ORDER):
        body = step.request.body
        order = synced.zuora.get(f"/v1/orders/{body['orderNumber']}").body["order"]
        planned = [
            (
                a["createSubscription"]["subscriptionNumber"]
                if a["type"] == "CreateSubscription"
                else e["subscriptionNumber"],
                a["type"],
            )
            for e in body.get("subscriptions") or []
            for a in e["orderActions"]
        ]
        in_zuora = [(s["subscriptionNumber"], a["type"]) for s in order["subscriptions"] for a in s["orderActions"]]
        assert sorted(in_zuora) == sorted(planned), step.step_id
        assert len(order.get("orderLineItems") or []) == len(body.get("orderLineItems") or []), step.step_id
        listed = synced.zuora.get("/v1/orders", params={"pageSize": 40}).body
        assert listed["success"] is True


def test_subscriptions_have_the_planned_terms_statuses_quantities_and_prices(synced: Synced) -> None:
    expected = expected_subscriptions(synced.plan)
    assert len(expected) >= 10
    for number, want in expected.items():
        sub = synced.zuora.get(f"/v1/subscriptions/{number}").body
        assert sub["status"] == want["status"], number
        if "term" in want and want["term"]["termType"] == "TERMED":
            assert sub["termType"] == "TERMED", number
            assert sub["subscriptionStartDate"] == want["term"]["startDate"], number
            assert sub["initialTerm"] == want["term"]["period"], number
        if want["status"] == "Cancelled":
            continue
        charges = {c["number"]: c for rp in sub["ratePlans"] for c in rp["ratePlanCharges"]}
        for charge_number, values in want["charges"].items():
            assert charge_number in charges, (number, charge_number)
            if "quantity" in values:
                assert float(charges[charge_number]["quantity"]) == values["quantity"], (number, charge_number)
            if "price" in values and charges[charge_number].get("price") is not None:
                assert float(charges[charge_number]["price"]) == values["price"], (number, charge_number)


def test_rate_plans_carry_the_order_products_ids_for_later_amendments(synced: Synced) -> None:
    for step in synced.plan.steps_of(StepKind.CREATE_ORDER):
        for entry in step.request.body.get("subscriptions") or []:
            for action in entry["orderActions"]:
                if action["type"] != "CreateSubscription":
                    continue
                create = action["createSubscription"]
                sub = synced.zuora.get(f"/v1/subscriptions/{create['subscriptionNumber']}").body
                have = {rp.get("externallyManagedPlanId") for rp in sub["ratePlans"]}
                want = {rp["externallyManagedPlanId"] for rp in create["subscribeToRatePlans"]}
                if sub["status"] != "Cancelled":
                    assert want <= have | {None}, create["subscriptionNumber"]


def test_progress_events_count_every_record_once(synced: Synced) -> None:
    events = synced.events
    assert events[0].kind is EventKind.STARTED
    assert events[-1].kind is EventKind.FINISHED
    per_record = [e for e in events if e.kind is EventKind.RECORD]
    assert len(per_record) == len(synced.report.results) == events[-1].progress.planned
    final = events[-1].progress
    assert final.running == 0
    assert final.done == final.planned
    assert final.failed == len(synced.plan.problems)
    assert final.held_back == len(synced.plan.held_back)
    assert all(e.result is not None for e in per_record)


def test_a_second_sync_of_the_same_scope_writes_nothing(synced: Synced) -> None:
    assert synced.second_plan.steps == []
    assert synced.second_report.writes == 0
    assert synced.second_zuora_writes == 0
    done = {r.record.id for r in synced.second_report.results if r.status is RecordStatus.ALREADY_IN_ZUORA}
    assert {s.record.id for s in synced.plan.steps_of(StepKind.CREATE_ORDER)} <= done


def test_showcases_of_every_use_case_reached_zuora(synced: Synced) -> None:
    by_id = {r.record.id: r for r in synced.report.results}
    failing = {"missing-billing-address", "mdq-ramp", "amendment-without-original"}
    checked = 0
    for key, showcase in synced.summary.showcases.items():
        order_ids = [v for k, v in showcase.records.items() if k.startswith("order") and v in by_id]
        for order_id in order_ids:
            status = by_id[order_id].status
            if key in failing:
                continue
            assert status is RecordStatus.CREATED, (key, order_id, by_id[order_id].message)
            checked += 1
    assert checked >= 10


def test_ledger_agrees_with_zuora(synced: Synced) -> None:
    for result in synced.report.steps.values():
        assert result.state is StepState.CREATED
        if result.step.kind is StepKind.CREATE_ORDER:
            sent = synced.plan.step(result.step.step_id).request.body
            assert result.outputs["orderNumber"] == sent["orderNumber"]
