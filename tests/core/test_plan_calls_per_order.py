"""Zuora calls per order on a fresh tenant (issue 6's goal: at most 1.2, the catalog created once).

A generated org of 200 orders is planned and synced into an empty tenant. A new account is created inside
its first order, an order's contacts only when they are not the account's defaults, and an order within
the synchronous limits costs one call — so the writes stay at or under 1.2 per order plus the catalog.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.config.models import WriteBackSettings
from cpq_desktop.core.extract import AccountScope, OrderScope, UnsyncedScope
from cpq_desktop.core.planning import plan_sync
from cpq_desktop.core.sync.executor import ExecutionReport, Executor, StepState
from cpq_desktop.core.sync.plan import StepKind, SyncPlan
from cpq_desktop.core.sync.results import RecordStatus
from cpq_desktop.core.sync.writeback import updates_for
from tests.core.both_sandboxes import both_sandboxes
from tests.core.test_sync_e2e import tenant_writes

ORDERS = 200
CATALOG = (StepKind.CREATE_PRODUCT, StepKind.CREATE_PRODUCT_RATE_PLAN, StepKind.CREATE_PRODUCT_RATE_PLAN_CHARGE)


@dataclass
class Run:
    plan: SyncPlan
    report: ExecutionReport
    writes: int
    calls: int
    tenant_objects: int


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with both_sandboxes(tmp_path_factory.mktemp("calls"), orders=ORDERS, seed=1) as both:
        zuora = both.zuora
        before = tenant_writes(both.tenant)
        plan = plan_sync(both.salesforce, zuora, profile="calls", scope=UnsyncedScope(), options=ConnectorOptions())
        executor = Executor(zuora, both.ledger, profile="calls", run_id="run-1")
        report = executor.run(plan)
        yield Run(plan, report, executor.writes, zuora.calls, tenant_writes(both.tenant) - before)


def test_zuora_writes_per_order_on_a_fresh_tenant(run: Run) -> None:
    orders = run.plan.orders_in_scope
    catalog = sum(len(run.plan.steps_of(kind)) for kind in CATALOG)
    assert orders >= ORDERS
    assert run.writes <= math.floor(1.2 * orders) + catalog, json.dumps(run.plan.counts)
    # Zuora holds exactly what was written: one object per write, nothing twice
    created = [r for r in run.report.steps.values() if r.state is StepState.CREATED]
    assert len(created) == run.writes
    order_steps = run.plan.steps_of(StepKind.CREATE_ORDER)
    assert all(not s.request.asynchronous for s in order_steps)  # within the limits: one call each
    # look-ups included, the sync stays near one call per order
    assert run.calls <= 1.3 * orders + catalog


def test_new_accounts_are_created_inside_their_first_order(run: Run) -> None:
    creating = [s for s in run.plan.steps_of(StepKind.CREATE_ORDER) if "newAccount" in s.request.body]
    assert creating
    account_steps = run.plan.steps_of(StepKind.CREATE_ACCOUNT)
    # only accounts needed before (or without) an order of their own are created on their own
    assert len(account_steps) < len(creating)
    results = {r.step.step_id: r for r in run.report.steps.values()}
    accounts = {r.record.id: r for r in run.report.results if r.record.object == "Account"}
    for step in creating:
        result = results[step.step_id]
        assert result.state is StepState.CREATED, result.message
        assert str(result.outputs.get("accountNumber") or "").startswith("A")
        # the account has a result of its own (results.csv, write-back of its Zuora account number)
        account = accounts[step.request.body["newAccount"]["crmId"]]
        assert account.status is RecordStatus.CREATED
        assert account.zuora.account_number == result.outputs["accountNumber"]
        assert account.step_ids == [step.step_id]
    updates = updates_for(run.report.results, WriteBackSettings(enabled=True), {})
    written = {u["id"]: u for u in updates if u["attributes"]["type"] == "Account"}
    for step in creating:
        crm_id = step.request.body["newAccount"]["crmId"]
        assert written[crm_id]["Zuora_Account_Number__c"] == accounts[crm_id].zuora.account_number


def test_a_later_plan_takes_the_contacts_an_order_gave_its_new_account_as_its_defaults(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with both_sandboxes(tmp_path_factory.mktemp("later")) as both:
        salesforce, zuora, ledger = both.salesforce, both.zuora, both.ledger
        soql = (
            "SELECT Id, AccountId, BillToContactId, InvoiceOwner__c FROM Order WHERE BillToContactId != null "
            "ORDER BY EffectiveDate, OrderNumber"
        )
        rows = salesforce.call(lambda sf: sf.query_all(soql))["records"]
        by_account: dict[tuple[str, str], list[str]] = {}
        for row in rows:
            if not row["InvoiceOwner__c"]:
                by_account.setdefault((row["AccountId"], row["BillToContactId"]), []).append(row["Id"])
        options = ConnectorOptions()
        whole = plan_sync(salesforce, zuora, profile="later", scope=UnsyncedScope(), options=options)
        creating = {s.record.id for s in whole.steps_of(StepKind.CREATE_ORDER) if "newAccount" in s.request.body}
        (account, contact), ids = next((k, ids) for k, ids in by_account.items() if len(ids) > 1 and ids[0] in creating)
        plan = plan_sync(salesforce, zuora, profile="later", scope=OrderScope(order_ids=(ids[0],)), options=options)
        assert "newAccount" in plan.step(f"order:{ids[0]}").request.body
        Executor(zuora, ledger, profile="later", run_id="run-1").run(plan)
        # the account is in Zuora now, its default Bill To being that contact (without a crmId__c): its
        # other orders send no contact for it
        again = plan_sync(
            salesforce, zuora, profile="later", scope=AccountScope(account_ids=(account,)), options=options
        )
        assert f"contact:{contact}" not in {s.step_id for s in again.steps}
        later = [s for s in again.steps_of(StepKind.CREATE_ORDER) if s.record.id in ids[1:]]
        assert later
        for step in later:
            assert "newAccount" not in step.request.body
            for entry in step.request.body.get("subscriptions") or []:
                for action in entry["orderActions"]:
                    assert "billToContactId" not in action.get("createSubscription", {})
