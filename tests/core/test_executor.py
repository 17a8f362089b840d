"""The executor against the sandboxes: exactly once under faults, open intents resolved before writing,
business errors failing only their record and its dependents, cancel, and outputs reused across runs.

A Salesforce org per module (it is only read); a fresh Zuora tenant per test, since each test writes.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.extract import UnsyncedScope
from cpq_desktop.core.planning import plan_sync
from cpq_desktop.core.salesforce.connection import SalesforceConnection
from cpq_desktop.core.sync.executor import Executor, ExecutorOptions, StepState
from cpq_desktop.core.sync.ledger import IntentState, Ledger, idempotency_key
from cpq_desktop.core.sync.plan import StepKind, SyncPlan
from cpq_desktop.core.sync.progress import EventKind, ProgressEvent
from cpq_desktop.core.sync.results import RecordStatus
from cpq_desktop.core.zuora.client import Exchange, RetryPolicy, ZuoraClient, ZuoraConnection
from cpq_desktop.sandbox.salesforce.generator import GeneratedSummary
from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.tls import SandboxTLS, create_tls
from cpq_desktop.sandbox.zuora.server import ZuoraTenant
from tests.core.both_sandboxes import connect

FAST_RETRIES = RetryPolicy(attempts=10, base_delay_s=0.005, max_delay_s=0.05, max_retry_after_s=0.02)


@dataclass
class Org:
    org: SalesforceOrg
    summary: GeneratedSummary
    tls: SandboxTLS
    data: Path


@dataclass
class Env:
    salesforce: SalesforceConnection
    tenant: ZuoraTenant
    zuora: ZuoraClient
    ledger: Ledger
    exchanges: list[Exchange]

    def plan(self) -> SyncPlan:
        return plan_sync(self.salesforce, self.zuora, profile="p", scope=UnsyncedScope(), options=ConnectorOptions())

    def executor(self, run_id: str = "run", **kwargs: object) -> Executor:
        return Executor(self.zuora, self.ledger, profile="p", run_id=run_id, **kwargs)  # type: ignore[arg-type]


def _org(tmp_path_factory: pytest.TempPathFactory, orders: int, seed: int) -> Iterator[Org]:
    data = tmp_path_factory.mktemp(f"org{orders}")
    tls = create_tls(data)
    org = SalesforceOrg(data / "salesforce", tls)
    summary = org.generate(orders=orders, seed=seed)
    assert summary is not None
    org.start()
    try:
        yield Org(org, summary, tls, data)
    finally:
        org.stop()


@pytest.fixture(scope="module")
def small_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    yield from _org(tmp_path_factory, 24, 7)


@pytest.fixture(scope="module")
def big_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    yield from _org(tmp_path_factory, 500, 11)


def _env(org: Org, tmp_path: Path) -> Iterator[Env]:
    tenant = ZuoraTenant(tmp_path / "zuora", org.tls)
    tenant.start()
    salesforce, zuora = connect(org.org, tenant, org.tls.ca_file)
    zuora.close()
    exchanges: list[Exchange] = []
    zuora = ZuoraClient(
        ZuoraConnection(
            base_url=tenant.url,
            client_id=tenant.credentials()["client_id"],
            client_secret=tenant.credentials()["client_secret"],
            ca_file=org.tls.ca_file,
        ),
        retry=FAST_RETRIES,
        pool_size=20,
        on_exchange=exchanges.append,
    )
    ledger = Ledger(tmp_path / "ledger.sqlite")
    try:
        yield Env(salesforce, tenant, zuora, ledger, exchanges)
    finally:
        ledger.close()
        zuora.close()
        tenant.stop()


@pytest.fixture
def env(small_org: Org, tmp_path: Path) -> Iterator[Env]:
    yield from _env(small_org, tmp_path)


@pytest.fixture
def big_env(big_org: Org, tmp_path: Path) -> Iterator[Env]:
    yield from _env(big_org, tmp_path)


def duplicates(tenant: ZuoraTenant) -> dict[str, list[str]]:
    """Keys that Zuora holds more than once (connector-spec §4.3); empty when everything is there once."""
    checks = {
        "account crmId": "SELECT crm_id FROM accounts",
        "rate plan external id": "SELECT external_id FROM product_rate_plan_external_ids",
        "charge of plan": "SELECT plan_id FROM product_rate_plan_charges",
        "contact": "SELECT account_id || ' ' || coalesce(json_extract(data, '$.customFields.crmId__c'), "
        "json_extract(data, '$.customFields.crmOrderId__c') || json_extract(data, '$.firstName'), id) FROM contacts",
    }
    found: dict[str, list[str]] = {}
    with tenant.store.read() as conn:
        for name, sql in checks.items():
            counts = Counter(str(row[0]) for row in conn.execute(sql))
            found[name] = [key for key, n in counts.items() if n > 1]
    return {k: v for k, v in found.items() if v}


def order_numbers(tenant: ZuoraTenant) -> set[str]:
    with tenant.store.read() as conn:
        return {str(row[0]) for row in conn.execute("SELECT number FROM orders")}


def planned_orders(plan: SyncPlan) -> set[str]:
    return {str(s.request.body["orderNumber"]) for s in plan.steps_of(StepKind.CREATE_ORDER)}


# -- exactly once ----------------------------------------------------------------------------------


def test_500_orders_under_429_5xx_drops_lost_answers_and_token_expiry_land_exactly_once(big_env: Env) -> None:
    plan = big_env.plan()
    assert len(plan.steps_of(StepKind.CREATE_ORDER)) >= 400
    tenant = big_env.tenant
    tenant.update_settings(retry_after_seconds=1)
    tenant.set_concurrency_limit(6)
    tenant.set_faults(
        error_share=0.08,
        error_statuses=[429, 500, 502, 503, 504],
        drop_share=0.04,
        lost_response_share=0.06,
        seed=5,
    )
    expired = threading.Event()

    def expire_midway(event: ProgressEvent) -> None:
        if event.kind is EventKind.RECORD and event.progress.done >= 200 and not expired.is_set():
            expired.set()
            tenant.expire_tokens()

    big_env.exchanges.clear()
    report = big_env.executor(options=ExecutorOptions(concurrency=10), on_event=expire_midway).run(plan)
    tenant.clear_faults()
    assert expired.is_set()
    seen = Counter(e.status for e in big_env.exchanges)
    assert seen[429] >= 5  # injected (a share of the 8% errors) and real: 10 workers against a limit of 6
    assert seen[401] >= 1
    assert seen[None] > 20
    assert sum(seen[s] for s in (500, 502, 503, 504)) > 20
    not_created = [(s, r.message) for s, r in report.steps.items() if r.state is not StepState.CREATED]
    assert not_created == []
    assert duplicates(tenant) == {}
    assert planned_orders(plan) <= order_numbers(tenant)
    assert big_env.ledger.open_intents("p") == []
    assert big_env.ledger.counts("p") == {"succeeded": len(plan.steps)}
    # the same scope again: everything is found in Zuora, nothing is written
    again = big_env.executor("run-2").run(big_env.plan())
    assert again.writes == 0
    assert duplicates(tenant) == {}


def test_an_open_intent_whose_write_landed_is_found_not_sent_again(env: Env) -> None:
    plan = env.plan()
    account = plan.steps_of(StepKind.CREATE_ACCOUNT)[0]
    body = account.request.body
    key = idempotency_key("p", account.step_id, body)
    # a crashed run: the intent was recorded, the write reached Zuora, the answer never came back
    env.ledger.begin(
        "p",
        account.step_id,
        key,
        "crashed",
        {
            "kind": "create_account",
            "method": "POST",
            "path": "/v1/accounts",
            "body": body,
            "headers": {},
            "asynchronous": False,
            "lookup": account.lookup.model_dump(mode="json") if account.lookup else None,
        },
    )
    written = env.zuora.post("/v1/accounts", body, idempotency_key="another-client").body
    resolutions = env.executor().resolve_open_intents()
    assert [(r.step_id, r.state, r.resent) for r in resolutions] == [(account.step_id, IntentState.SUCCEEDED, False)]
    intent = env.ledger.get("p", key)
    assert intent is not None
    assert intent.result["outputs"]["accountNumber"] == written["accountNumber"]
    # the plan still holds the step (planned before the intent was resolved): it is not written again
    report = env.executor().run(plan)
    assert report.steps[account.step_id].state is StepState.FOUND
    assert report.steps[account.step_id].outputs["accountNumber"] == written["accountNumber"]
    assert duplicates(env.tenant) == {}


def test_an_open_intent_that_never_reached_zuora_is_sent_again_with_its_key(env: Env) -> None:
    plan = env.plan()
    product = plan.steps_of(StepKind.CREATE_PRODUCT)[0]
    key = idempotency_key("p", product.step_id, product.request.body)
    env.ledger.begin(
        "p",
        product.step_id,
        key,
        "crashed",
        {
            "kind": "create_product",
            "method": "POST",
            "path": product.request.path,
            "body": product.request.body,
            "headers": product.request.headers,
            "asynchronous": False,
            "lookup": product.lookup.model_dump(mode="json") if product.lookup else None,
        },
    )
    resolutions = env.executor().resolve_open_intents()
    assert [(r.state, r.resent) for r in resolutions] == [(IntentState.SUCCEEDED, True)]
    intent = env.ledger.get("p", key)
    assert intent is not None
    assert intent.state is IntentState.SUCCEEDED
    assert intent.result["outputs"]["Id"]
    # a re-plan now finds the product in Zuora and plans only its rate plan and charge
    again = env.plan()
    assert product.step_id not in {s.step_id for s in again.steps}
    report = env.executor().run(again)
    assert {r.state for r in report.steps.values()} == {StepState.CREATED}
    assert duplicates(env.tenant) == {}


def test_zuora_unreachable_fails_the_records_keeps_intents_open_and_the_next_run_settles_them(env: Env) -> None:
    plan = env.plan()
    env.tenant.set_faults(drop_share=1.0, seed=1)
    first = env.executor("run-1").run(plan)
    env.tenant.clear_faults()
    failed = [r for r in first.steps.values() if r.state is StepState.FAILED]
    assert failed
    assert all("unconfirmed" in r.message or "did not answer" in r.message for r in failed)
    held = [r for r in first.steps.values() if r.state is StepState.HELD_BACK]
    assert held
    assert env.ledger.open_intents("p")
    resolutions = env.executor("run-2").resolve_open_intents()
    assert resolutions
    assert all(r.state is IntentState.SUCCEEDED and r.resent for r in resolutions)
    assert env.ledger.open_intents("p") == []
    second = env.executor("run-2").run(env.plan())
    assert all(r.state is StepState.CREATED for r in second.steps.values())
    assert env.plan().steps == []
    assert duplicates(env.tenant) == {}


# -- failures stay local -----------------------------------------------------------------------------


def test_a_business_error_fails_its_record_and_holds_back_only_what_depends_on_it(env: Env) -> None:
    plan = env.plan()
    bad = plan.steps_of(StepKind.CREATE_ACCOUNT)[0]
    bad.request.body["currency"] = "XXX"
    report = env.executor().run(plan)
    assert report.steps[bad.step_id].state is StepState.FAILED
    assert "Zuora refused POST /v1/accounts" in report.steps[bad.step_id].message
    dependents = {s.step_id for s in plan.steps if bad.step_id in s.depends_on}
    assert dependents
    assert {report.steps[d].state for d in dependents} == {StepState.HELD_BACK}
    others = [s for s in plan.steps if s.step_id != bad.step_id and report.steps[s.step_id].state is StepState.CREATED]
    assert len(others) >= len(plan.steps) // 2
    by_record = {r.record.id: r for r in report.results}
    assert by_record[bad.record.id].status is RecordStatus.FAILED
    assert by_record[bad.record.id].error_class == "Zuora rejected the request"
    # sent again unchanged, the write gets a new key: Zuora would replay the stored failure for 24 h
    again = env.executor("run-1b").run(plan)
    assert again.steps[bad.step_id].state is StepState.FAILED
    assert env.ledger.counts("p").get("failed") == 2
    fixed = env.plan()
    retried = env.executor("run-2").run(fixed)
    assert retried.steps[bad.step_id].state is StepState.CREATED


def test_outputs_of_an_earlier_run_resolve_placeholders_of_a_later_one(env: Env) -> None:
    plan = env.plan()
    accounts = plan.steps_of(StepKind.CREATE_ACCOUNT)
    first = SyncPlan(profile="p", scope="accounts only", steps=accounts)
    env.executor("run-1").run(first)
    # the rest of the same plan, in a later run: its placeholders name steps that ran before
    rest = SyncPlan(
        profile="p", scope="the rest", steps=[s for s in plan.steps if s.kind is not StepKind.CREATE_ACCOUNT]
    )
    report = env.executor("run-2").run(rest)
    assert {r.state for r in report.steps.values()} == {StepState.CREATED}
    assert env.plan().steps == []


# -- cancel ----------------------------------------------------------------------------------------------


def test_cancel_finishes_requests_in_flight_and_leaves_the_rest_planned(env: Env) -> None:
    plan = env.plan()
    cancel = threading.Event()

    def stop_after_a_few(event: ProgressEvent) -> None:
        if event.kind is EventKind.RECORD and event.result is not None and event.result.step_ids:
            cancel.set()

    report = env.executor("run-1", cancel=cancel, on_event=stop_after_a_few).run(plan)
    assert report.cancelled
    states = Counter(r.state for r in report.steps.values())
    assert states[StepState.NOT_STARTED] > 0
    assert states[StepState.CREATED] > 0
    assert env.ledger.open_intents("p") == []  # what was in flight finished and was recorded
    skipped = [r for r in report.results if r.status is RecordStatus.SKIPPED]
    assert skipped
    assert all("cancelled" in r.message for r in skipped)
    # a later run picks the rest up, and nothing is written twice
    rest = env.plan()
    assert 0 < len(rest.steps) < len(plan.steps)
    env.executor("run-2").run(rest)
    assert env.plan().steps == []
    assert duplicates(env.tenant) == {}


# -- asynchronous orders -----------------------------------------------------------------------------


def test_an_asynchronous_order_is_polled_to_completion_and_its_keys_recorded(env: Env) -> None:
    plan = env.plan()
    order = plan.steps_of(StepKind.CREATE_ORDER)[0]
    order.request.path = "/v1/async/orders"
    order.request.asynchronous = True
    env.tenant.set_faults(lost_response_share=0.3, seed=3)
    report = env.executor(options=ExecutorOptions(poll_interval_s=0.01)).run(plan)
    env.tenant.clear_faults()
    result = report.steps[order.step_id]
    assert result.state is StepState.CREATED, result.message
    number = order.request.body["orderNumber"]
    assert result.outputs["orderNumber"] == number
    assert result.outputs["subscriptionNumbers"]
    assert number in order_numbers(env.tenant)
    assert any(e.path.startswith("/v1/async-jobs/") for e in env.exchanges)
    assert duplicates(env.tenant) == {}
