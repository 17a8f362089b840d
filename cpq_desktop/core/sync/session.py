"""One sync run from start to finish, the same for the GUI worker and the command line.

:func:`run_sync` opens the run (history entry, debug log folder), settles the writes an earlier run
left unconfirmed, plans the scope (or, with ``retry_of``, only the records that failed in that run)
part by part and executes each part while the next is read (:func:`plan_parts`), optionally writes
the Zuora keys back to Salesforce, and closes the run with its summary (a cancelled run writes back
what it did; records it did not start are left as they were).
Problems that stop the run (Zuora or Salesforce unreachable, login refused) end it with exit
code 2 and a message; a cancelled run ends with exit code 4 after its in-flight writes are recorded.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from simple_salesforce.exceptions import SalesforceError

from cpq_desktop.core.config import paths
from cpq_desktop.core.extract import AccountScope, ExtractionCancelled, ExtractionError, OrderScope, Scope
from cpq_desktop.core.planning.connections import Connections
from cpq_desktop.core.planning.planner import PartSizes
from cpq_desktop.core.runlog import RunLog
from cpq_desktop.core.sync.executor import DEFAULT_CONCURRENCY, ExecutionReport, Executor, ExecutorOptions
from cpq_desktop.core.sync.history import RunHistory
from cpq_desktop.core.sync.interrupted import left_behind, save_catalog_steps, settle
from cpq_desktop.core.sync.ledger import Ledger
from cpq_desktop.core.sync.peak_memory import peak_rss_mb
from cpq_desktop.core.sync.plan import CATALOG_KINDS, PlanStep, SyncPlan
from cpq_desktop.core.sync.plan_process import plan_parts_in_child
from cpq_desktop.core.sync.progress import EventKind, ProgressCallback, ProgressEvent
from cpq_desktop.core.sync.results import ExitCode, RecordResult, RunSummary, new_run_id, utc_now
from cpq_desktop.core.sync.writeback import WriteBack, write_back
from cpq_desktop.core.zuora.client import RetryPolicy, ZuoraClient
from cpq_desktop.core.zuora.errors import ZuoraError

LEDGER_FILE_NAME = "ledger.sqlite3"
INTERRUPTED_DIR_NAME = "interrupted-catalog"
HISTORY_BATCH = 100


def default_ledger_path() -> Path:
    return paths.data_dir() / LEDGER_FILE_NAME


@dataclass
class SyncOptions:
    concurrency: int = DEFAULT_CONCURRENCY
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    ledger_path: Path | None = None
    history_path: Path | None = None
    log_root: Path | None = None
    writeback: WriteBack | None = None
    part_sizes: PartSizes = field(default_factory=PartSizes)


@dataclass(frozen=True)
class PartTaken:
    """What a run keeps of one part of its plan once taken (the steps themselves go to the executor)."""

    counts: dict[str, int]
    salesforce_calls: int
    zuora_lookup_calls: int

    @classmethod
    def of(cls, plan: SyncPlan) -> PartTaken:
        return cls(plan.counts, plan.salesforce_api_calls, plan.zuora_lookup_calls)


@dataclass
class SyncRun:
    summary: RunSummary
    results: list[RecordResult]
    parts: list[PartTaken]
    zuora_writes: int


class RetryScopeError(Exception):
    """``retry_of`` names a run without failed records, or one that is not in the history."""


def retry_scopes(history: RunHistory, run_id: str) -> list[Scope]:
    """The scopes that re-plan exactly the records that failed (or were held back) in ``run_id``."""
    records = history.failed_records(run_id)
    orders = tuple(dict.fromkeys(r.id for r in records if r.object == "Order"))
    accounts = tuple(dict.fromkeys(r.id for r in records if r.object == "Account"))
    scopes: list[Scope] = []
    if orders:
        scopes.append(OrderScope(order_ids=orders))
    if accounts:
        scopes.append(AccountScope(account_ids=accounts))
    return scopes


def tenant_concurrency_limit(client: ZuoraClient) -> int | None:
    """The tenant's default concurrency limit, from the ``Concurrency-Limit-Limit`` header Zuora sends on
    every ``/v1`` answer (zuora-api §7.3); None when it says nothing."""
    response = client.get("/v1/catalog/products", params={"pageSize": 1})
    value = response.headers.get("Concurrency-Limit-Limit")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _secrets(connections: Connections) -> list[str | None]:
    tokens = connections.salesforce.tokens
    return [
        connections.zuora.connection.client_secret,
        getattr(tokens, "access_token", None),
        getattr(tokens, "refresh_token", None),
    ]


def run_sync(
    connections: Connections,
    scope: Scope | None,
    *,
    retry_of: str | None = None,
    options: SyncOptions | None = None,
    cancel: threading.Event | None = None,
    on_event: ProgressCallback | None = None,
    run_id: str | None = None,
) -> SyncRun:
    """Plan and execute one sync of ``scope`` (or of ``retry_of``'s failed records) for ``connections``."""
    options = options or SyncOptions()
    cancel = cancel or threading.Event()
    started = utc_now()
    run_id = run_id or new_run_id(started)
    history = RunHistory(options.history_path)
    try:
        scopes: list[Scope] = retry_scopes(history, retry_of) if retry_of else ([scope] if scope else [])
        scope_text = f"records that failed in run {retry_of}" if retry_of else "; ".join(s.describe() for s in scopes)
        log = RunLog.open(
            run_id,
            profile=connections.profile,
            scope=scope_text,
            started_at=started,
            retry_of=retry_of,
            secrets=_secrets(connections),
            log_root=options.log_root,
        )
        history.start_run(run_id, profile=connections.profile, scope=scope_text, started_at=started, retry_of=retry_of)
        with log:
            return _run(
                connections, scopes, scope_text, run_id, started, retry_of, options, cancel, on_event, log, history
            )
    finally:
        history.close()


def _run(
    connections: Connections,
    scopes: Iterable[Scope],
    scope_text: str,
    run_id: str,
    started: datetime,
    retry_of: str | None,
    options: SyncOptions,
    cancel: threading.Event,
    on_event: ProgressCallback | None,
    log: RunLog,
    history: RunHistory,
) -> SyncRun:
    sf_before = connections.salesforce.api_calls
    results: list[RecordResult] = []
    parts: list[PartTaken] = []

    unsaved: list[RecordResult] = []

    def forward(event: ProgressEvent) -> None:
        if event.kind is EventKind.RECORD and event.result is not None:
            log.result(event.result)
            unsaved.append(event.result)
        # one history transaction per batch; the run log has every result at once, the ledger every write
        if len(unsaved) >= HISTORY_BATCH or (event.kind is EventKind.FINISHED and unsaved):
            history.add_results(run_id, unsaved)
            unsaved.clear()
        if on_event is not None:
            on_event(event)

    client = ZuoraClient(
        connections.zuora.connection, retry=options.retry, pool_size=options.concurrency, on_exchange=log.exchange
    )
    ledger_path = options.ledger_path or default_ledger_path()
    interrupted_dir = ledger_path.parent / INTERRUPTED_DIR_NAME
    ledger = Ledger(ledger_path)
    executor = Executor(
        client,
        ledger,
        profile=connections.profile,
        run_id=run_id,
        options=ExecutorOptions(concurrency=options.concurrency),
        cancel=cancel,
        on_event=forward,
    )
    error = ""
    cancelled = False
    try:
        limit = tenant_concurrency_limit(client)
        if limit is not None and limit < options.concurrency:
            executor.options = ExecutorOptions(concurrency=limit)
            log.event(
                "decision",
                f"the tenant allows {limit} concurrent requests: {limit} at a time instead of {options.concurrency}",
            )
        # the child process reading and planning the scope shares the writers' concurrency slots
        concurrency = executor.options.pool_size()
        client.share_slots(multiprocessing.get_context("spawn").BoundedSemaphore(concurrency), concurrency)
        for resolution in executor.resolve_open_intents():
            log.event(
                "decision",
                f"unconfirmed write {resolution.step_id} of an earlier run: {resolution.message}",
                step_id=resolution.step_id,
                state=resolution.state.value,
                resent=resolution.resent,
            )
        for path, leftover in left_behind(interrupted_dir, connections.profile):
            log.event("decision", f"completing {len(leftover.steps)} catalog step(s) of an interrupted run first")
            report = executor.run(leftover)
            settle(path, report.steps.values())
            results.extend(report.results)
            cancelled = cancelled or report.cancelled
        for scope in scopes:
            if cancel.is_set():
                cancelled = True
                break
            report = _run_scope(connections, scope, executor, log, parts, interrupted_dir, run_id, options, cancel)
            results.extend(report.results)
            cancelled = cancelled or report.cancelled
            if isinstance(report.error, ExtractionCancelled):
                cancelled = True
            elif report.error is not None:
                raise report.error
        if options.writeback is not None and results:
            outcome = write_back(connections.salesforce, results, options.writeback)
            log.event("write_back", outcome.message, updated=outcome.updated, failed=outcome.failed)
    except (ZuoraError, ExtractionError, SalesforceError, OSError) as exc:
        error = str(exc)
    finally:
        ledger.close()
        client.close()
        # after the write-back too, and whether or not the run ended early: its high-water mark
        peak = peak_rss_mb()
        if peak is not None:
            log.event(
                "memory", f"The sync process peaked at {peak:.0f} MB of memory", process="sync", peak_rss_mb=round(peak)
            )
    summary = RunSummary.from_results(
        run_id=run_id,
        profile=connections.profile,
        scope=scope_text,
        started_at=started,
        results=results,
        salesforce_calls=connections.salesforce.api_calls - sf_before + sum(p.salesforce_calls for p in parts),
        zuora_calls=client.calls + sum(p.zuora_lookup_calls for p in parts),
        cancelled=cancelled,
        retry_of=retry_of,
    )
    if error:
        summary = summary.model_copy(update={"exit_code": ExitCode.CONNECTION, "error": error})
        log.abort(error)
    else:
        log.close(summary)
    history.finish_run(summary)
    return SyncRun(summary, results, parts, executor.writes)


def _run_scope(
    connections: Connections,
    scope: Scope,
    executor: Executor,
    log: RunLog,
    parts: list[PartTaken],
    interrupted_dir: Path,
    run_id: str,
    options: SyncOptions,
    cancel: threading.Event,
) -> ExecutionReport:
    """Read, plan and write ``scope`` part by part: the executor writes one part while a child process reads
    and plans the next (:mod:`.plan_process`)."""
    catalog: list[PlanStep] = []
    saved: Path | None = None

    def taken(part: SyncPlan) -> None:
        nonlocal saved
        parts.append(PartTaken.of(part))
        log.event("plan", f"planned {part.scope} ({len(parts)}): {part.counts}", counts=part.counts)
        # the catalog steps of every part so far, until the run says they ended
        catalog.extend(step for step in part.steps if step.kind in CATALOG_KINDS)
        if catalog:
            saved = save_catalog_steps(
                interrupted_dir, SyncPlan(profile=part.profile, scope=part.scope, steps=catalog), run_id
            )

    report = executor.run_parts(
        plan_parts_in_child(
            connections,
            scope,
            sizes=options.part_sizes,
            retry=options.retry,
            slots=executor.client.slots,
            on_exchange=log.exchange,
        ),
        on_part=taken,
    )
    settle(saved, report.steps.values())
    return report
