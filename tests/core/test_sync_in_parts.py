"""A sync read, planned and written in parts: the scope is split into groups of accounts that share
nothing but the catalog; writing starts once the first part is planned while later parts are read.

What an admin would notice: the same records end up in Zuora as when the scope is planned in one go
(nothing twice, nothing missing), writing starts before the whole scope is read, a cancelled sync stops
reading further parts and the next sync finishes the rest, and a step whose prerequisite in an earlier
part failed is held back with the reason.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.extract import Extractor, ResolvedScope, UnsyncedScope
from cpq_desktop.core.extract.scope_parts import linked_accounts, split_scope
from cpq_desktop.core.planning import plan_sync
from cpq_desktop.core.planning.connections import Connections
from cpq_desktop.core.planning.planner import PartSizes
from cpq_desktop.core.runlog import run_folder
from cpq_desktop.core.sync.executor import Executor, StepState
from cpq_desktop.core.sync.ledger import Ledger
from cpq_desktop.core.sync.plan import PlanStep, RecordRef, Request, StepKind, SyncPlan
from cpq_desktop.core.sync.progress import EventKind, Progress, ProgressEvent
from cpq_desktop.core.sync.results import ExitCode, RecordStatus
from cpq_desktop.core.sync.session import SyncOptions, run_sync
from cpq_desktop.sandbox.runner import Sandbox

SMALL_PARTS = PartSizes(first=4, growth=1.5, most=8)
ONE_PART = PartSizes(first=100_000, most=100_000)


# -- splitting a resolved scope --------------------------------------------------------------------


def _resolved(orders: list[tuple[str, tuple[str, ...]]], accounts: tuple[str, ...] = ()) -> ResolvedScope:
    return ResolvedScope(order_ids=[order for order, _ in orders], account_ids=list(accounts), links=dict(orders))


def test_an_accounts_orders_and_every_account_they_tie_to_stay_in_one_part() -> None:
    resolved = _resolved(
        [
            ("o1", ("a1",)),
            ("o2", ("a2", "a9")),  # a2's order billed to a9 (invoice owner)
            ("o3", ("a1",)),
            ("o4", ("a3",)),
            ("o5", ("a9",)),  # a9's own order: with a2's
            ("o6", ("a4", "a5")),  # a4 is a child of a5
            ("o7", ("a5",)),
        ]
    )
    parts = split_scope(resolved, first=1, growth=1.0, most=1)
    groups = [set(p.order_ids) for p in parts]
    assert {"o1", "o3"} in groups
    assert {"o2", "o5"} in groups
    assert {"o6", "o7"} in groups
    assert {"o4"} in groups
    assert sorted(o for p in parts for o in p.order_ids) == sorted(resolved.order_ids)


def test_parts_grow_from_a_small_first_one_and_keep_the_sync_order() -> None:
    resolved = _resolved([(f"o{i:03d}", (f"a{i:03d}",)) for i in range(100)])
    parts = split_scope(resolved, first=10, growth=1.5, most=20)
    assert [len(p.order_ids) for p in parts] == [10, 15, 20, 20, 20, 15]
    assert [o for p in parts for o in p.order_ids] == resolved.order_ids


def test_accounts_named_without_orders_go_in_the_first_part() -> None:
    resolved = _resolved([("o1", ("a1",)), ("o2", ("a2",))], accounts=("a7", "a2"))
    parts = split_scope(resolved, first=1, growth=1.0, most=1)
    assert parts[0].account_ids == ["a7"]
    assert [p.account_ids for p in parts[1:]] == [["a2"]]


def test_the_links_of_a_resolution_row_are_its_accounts_through_every_path() -> None:
    row = {
        "Id": "801",
        "AccountId": "001A",
        "Account": {"ParentId": "001P", "Parent": {"ParentId": "001G", "Parent": None}},
        "InvoiceOwner__c": "001I",
        "SubscriptionOwner__c": None,
        "Opportunity": {"SBQQ__AmendedContract__r": {"AccountId": "001A"}, "SBQQ__RenewedContract__r": None},
    }
    assert linked_accounts(row) == ("001A", "001P", "001G", "001I")


# -- over both sandboxes ---------------------------------------------------------------------------


def _shape(plan: SyncPlan) -> dict[str, Any]:
    """What a plan writes and reports, independent of the order its parts came in."""
    return {
        "steps": {
            s.step_id: (s.kind, s.request.method, s.request.path, s.request.body, sorted(s.depends_on))
            for s in plan.steps
        },
        "problems": sorted((p.record.id, p.message) for p in plan.problems),
        "held_back": sorted((h.record.id, h.reason) for h in plan.held_back),
        "orders_in_scope": plan.orders_in_scope,
    }


def _plan_unsynced(connections: Connections, sizes: PartSizes = ONE_PART) -> SyncPlan:
    """The dry-run plan of every order not synced yet, in parts of ``sizes``."""
    return plan_sync(
        connections.salesforce,
        connections.zuora,
        profile=connections.profile,
        scope=UnsyncedScope(),
        options=ConnectorOptions(),
        sizes=sizes,
    )


def test_planning_in_parts_plans_exactly_what_planning_in_one_go_does(connections: Connections) -> None:
    whole, parted = _plan_unsynced(connections), _plan_unsynced(connections, SMALL_PARTS)
    assert whole.orders_in_scope > 3 * SMALL_PARTS.most
    assert _shape(parted) == _shape(whole)
    # the catalog is planned once, whichever part needs a product first
    catalog = [s for s in parted.steps if s.kind is StepKind.CREATE_PRODUCT]
    assert len(catalog) == len({s.request.body["SKU"] for s in catalog})


def _plans_and_first_write(run_id: str) -> tuple[list[float], float]:
    lines = (run_folder(run_id) / "run.jsonl").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    plans = [float(e["t"]) for e in events if e["kind"] == "plan"]
    writes = [
        float(e["t"])
        for e in events
        if e["kind"] == "exchange" and e.get("method") == "POST" and e.get("path") == "/v1/orders"
    ]
    return plans, min(writes)


def test_a_sync_in_parts_starts_writing_before_the_scope_is_read_and_writes_everything_once(
    connections: Connections,
) -> None:
    options = SyncOptions(part_sizes=SMALL_PARTS)
    run = run_sync(connections, UnsyncedScope(), options=options)
    assert run.summary.exit_code is ExitCode.RECORDS_FAILED  # the org's deliberate bad records
    assert len(run.parts) >= 4
    plans, first_write = _plans_and_first_write(run.summary.run_id)
    assert first_write < plans[-1]

    whole = _plan_unsynced(connections)
    assert whole.steps == []  # everything the parts planned is in Zuora now
    again = run_sync(connections, UnsyncedScope(), options=options)
    assert again.zuora_writes == 0
    orders = [r for r in run.results if r.record.object == "Order"]
    assert len({r.record.id for r in orders}) == len(orders)  # one result per order


def test_a_cancelled_sync_reads_no_further_part_and_the_next_one_finishes_the_rest(
    connections: Connections,
) -> None:
    cancel = threading.Event()

    def stop_after_first_record(event: ProgressEvent) -> None:
        if event.kind is EventKind.RECORD and event.result is not None and event.result.record.object == "Order":
            cancel.set()

    options = SyncOptions(part_sizes=SMALL_PARTS)
    first = run_sync(connections, UnsyncedScope(), options=options, cancel=cancel, on_event=stop_after_first_record)
    assert first.summary.exit_code is ExitCode.CANCELLED
    everything = _plan_unsynced(connections)
    assert len(first.parts) < len(_parts_of_scope(connections))
    assert everything.steps  # the cancelled run left work for the next one

    second = run_sync(connections, UnsyncedScope(), options=options)
    assert second.summary.exit_code is ExitCode.RECORDS_FAILED
    synced = {
        r.record.id
        for r in [*first.results, *second.results]
        if r.record.object == "Order" and r.status is RecordStatus.CREATED
    }
    numbers = [r.zuora.order_number for r in [*first.results, *second.results] if r.zuora.order_number]
    assert len(numbers) == len(set(numbers))  # no order written twice
    assert synced
    third = run_sync(connections, UnsyncedScope(), options=options)
    assert third.zuora_writes == 0


def _parts_of_scope(connections: Connections) -> list[ResolvedScope]:
    resolved, _ = Extractor(connections.salesforce).resolve(UnsyncedScope())
    return split_scope(resolved, first=SMALL_PARTS.first, growth=SMALL_PARTS.growth, most=SMALL_PARTS.most)


def _account_step(step_id: str, body: dict[str, Any], depends_on: list[str]) -> PlanStep:
    return PlanStep(
        step_id=step_id,
        kind=StepKind.CREATE_ACCOUNT,
        record=RecordRef(object="Account", id=f"001{step_id}", label=step_id),
        request=Request(method="POST", path="/v1/accounts", body=body),
        reason="test",
        depends_on=depends_on,
    )


def test_a_step_waiting_for_a_failed_step_of_an_earlier_part_is_held_back(
    connections: Connections, tmp_path: Path
) -> None:
    valid = {
        "name": "Later part",
        "currency": "USD",
        "billCycleDay": 1,
        "billToContact": {"firstName": "A", "lastName": "B", "country": "United States", "state": "CA"},
    }
    first = SyncPlan(profile="p", scope="s", steps=[_account_step("bad", {"name": "no currency"}, [])])
    second = SyncPlan(
        profile="p",
        scope="s",
        steps=[_account_step("child", valid, ["bad"]), _account_step("grandchild", valid, ["child"])],
    )
    ledger = Ledger(tmp_path / "ledger.sqlite")
    try:
        report = Executor(connections.zuora, ledger, profile="p", run_id="r").run_parts(iter([first, second]))
    finally:
        ledger.close()
    assert report.steps["bad"].state is StepState.FAILED
    assert report.steps["child"].state is StepState.HELD_BACK
    assert report.steps["grandchild"].state is StepState.HELD_BACK
    assert "Account bad (001bad) could not be synced" in report.steps["child"].message
    assert "currency" in report.steps["child"].message  # the reason, from Zuora
    assert report.writes == 1
    assert report.error is None


def test_the_progress_line_says_more_is_being_read_instead_of_an_eta_that_would_be_too_short() -> None:
    reading = Progress(planned=100, succeeded=40, elapsed_s=4.0, planning=True)
    assert reading.line().endswith("reading more from Salesforce")
    assert "ETA" not in reading.line()
    read = Progress(planned=100, succeeded=40, elapsed_s=4.0)
    assert read.line().endswith("ETA 6 s")


# -- the child process that reads and plans ----------------------------------------------------------


def _events(run_id: str) -> list[dict[str, Any]]:
    lines = (run_folder(run_id) / "run.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_what_the_planning_process_reads_and_looks_up_is_in_the_runs_debug_log(connections: Connections) -> None:
    run = run_sync(connections, UnsyncedScope(), options=SyncOptions(part_sizes=SMALL_PARTS))
    events = _events(run.summary.run_id)
    soql = [e for e in events if e["kind"] == "soql"]
    lookups = [e for e in events if e["kind"] == "exchange" and str(e.get("path")).startswith("/object-query/")]
    assert soql
    assert {e["thread"] for e in soql} == {"planning_0"}  # the thread taking the parts from the process
    assert any("FROM OrderItem" in e["query"] for e in soql)
    assert lookups
    # every call of both processes is counted once in the run's summary
    writes = [e for e in events if e["kind"] == "exchange" and not str(e.get("path")).startswith("/object-query/")]
    assert run.summary.zuora_calls == len(writes) + len(lookups)
    assert run.summary.salesforce_calls >= len(soql)
    # each process logs its own peak memory (what the benchmark reports)
    memory = {e["process"]: e["peak_rss_mb"] for e in events if e["kind"] == "memory"}
    assert set(memory) == {"planning", "sync"}
    assert all(mb > 0 for mb in memory.values())


def test_an_expired_salesforce_session_is_renewed_for_the_planning_process(
    sandbox: Sandbox, connections: Connections
) -> None:
    sandbox.salesforce.expire_current_token()
    run = run_sync(connections, UnsyncedScope(), options=SyncOptions(part_sizes=SMALL_PARTS))
    assert run.summary.exit_code is ExitCode.RECORDS_FAILED, run.summary.error  # the org's bad records only
    assert any(r.status is RecordStatus.CREATED for r in run.results)


def test_a_failure_while_reading_ends_the_run_with_its_message(connections: Connections) -> None:
    run = run_sync(connections, UnsyncedScope(status_field="No_Such_Status__c"))
    assert run.summary.exit_code is ExitCode.CONNECTION
    assert "No_Such_Status__c" in run.summary.error
    assert run.results == []
