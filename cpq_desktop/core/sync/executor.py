"""Runs a :class:`SyncPlan` against Zuora: every write exactly once, many at a time, crash-safe.

- **Order of work**: a step starts when every step it depends on has succeeded; up to
  ``concurrency`` requests are in flight at once on one shared :class:`ZuoraClient` (one
  authenticated session with connection reuse, token renewal and retries). The pool never exceeds
  Zuora's documented default concurrency limit (:data:`MAX_CONCURRENCY`, zuora-api §7.3).
- **Exactly once**: the body is resolved (placeholders swapped for earlier steps' outputs, from this
  run or — through the ledger — from an earlier one), its idempotency key derived from profile, step
  and resolved body, the intent recorded in the ledger *before* the write and the outputs *after*.
  A step whose intent already succeeded is not sent again; one whose intent is still open (an earlier
  run crashed or lost the answer) is looked up in Zuora first and only re-sent, under the same key,
  when Zuora does not have it. :meth:`Executor.resolve_open_intents` does this for the whole profile
  before anything is planned.
- **Failures stay local**: a business error fails the step's record and holds back every step that
  depends on it (transitively); the rest goes on. When Zuora cannot be reached even after the client's
  retries, the record fails but its intent stays open, so the next run looks it up before writing.
- **Cancel**: once the ``cancel`` event is set no new step starts; requests in flight finish and are
  recorded; the steps not started stay planned and a later run picks them up.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cpq_desktop.core.sync.ledger import Intent, IntentState, Ledger, idempotency_key
from cpq_desktop.core.sync.plan import LookupKind, PlaceholderError, PlanStep, RecordRef, StepKind, SyncPlan
from cpq_desktop.core.sync.progress import EventKind, ProgressCallback, ProgressCounter, ProgressEvent
from cpq_desktop.core.sync.results import RecordResult, RecordStatus, ZuoraKeys, results_without_steps, utc_now
from cpq_desktop.core.sync.step_outputs import Outputs, find_in_zuora, keys_from_outputs, outputs_from_answer
from cpq_desktop.core.zuora.client import ZuoraClient, ZuoraResponse
from cpq_desktop.core.zuora.errors import (
    ZuoraApiError,
    ZuoraAuthError,
    ZuoraConnectionError,
    ZuoraError,
    ZuoraOutcomeUnknown,
)

DEFAULT_CONCURRENCY = 10
# Zuora's "Default" concurrency pool (zuora-api §7.3): look-ups and catalog calls count against it.
MAX_CONCURRENCY = 40

ERROR_REJECTED = "Zuora rejected the request"
ERROR_UNREACHABLE = "Zuora did not answer"
ERROR_JOB_FAILED = "Asynchronous order job failed"
ERROR_PLAN = "Plan inconsistent"


@dataclass(frozen=True)
class ExecutorOptions:
    concurrency: int = DEFAULT_CONCURRENCY
    # async order jobs (zuora-api §3.10): first poll after this, then doubling up to the maximum
    poll_interval_s: float = 0.1
    poll_max_interval_s: float = 5.0
    job_timeout_s: float = 900.0
    # the next part of a plan is taken once fewer steps than this are ready to start (steps waiting for
    # another, like an account's later orders, don't count: they keep no writer busy)
    read_ahead_steps: int = 300

    def pool_size(self) -> int:
        return max(1, min(self.concurrency, MAX_CONCURRENCY))


class StepState(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    # the ledger or Zuora already had it: nothing was written in this run
    FOUND = "found"
    FAILED = "failed"
    HELD_BACK = "held_back"
    NOT_STARTED = "not_started"


@dataclass
class StepResult:
    step: PlanStep
    state: StepState
    outputs: Outputs = field(default_factory=dict)
    error_class: str = ""
    message: str = ""
    request_ids: list[str] = field(default_factory=list)
    wrote: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class Resolution:
    """What became of one open intent of an earlier run."""

    step_id: str
    state: IntentState
    resent: bool
    message: str


@dataclass
class ExecutionReport:
    results: list[RecordResult]
    steps: dict[str, StepResult]
    cancelled: bool
    writes: int
    started_at: datetime
    finished_at: datetime
    # what stopped the run before its whole plan was taken (a part could not be read or looked up)
    error: Exception | None = None


def _ledger_request(step: PlanStep, body: dict[str, Any]) -> dict[str, Any]:
    """What the ledger keeps of an intent: enough to look it up or re-send it in a later run."""
    return {
        "kind": step.kind.value,
        "record": step.record.model_dump(mode="json"),
        "method": step.request.method,
        "path": step.request.path,
        "headers": step.request.headers,
        "asynchronous": step.request.asynchronous,
        "body": body,
        "lookup": step.lookup.model_dump(mode="json") if step.lookup else None,
    }


class _Unresolved(Exception):
    """Zuora could not be asked whether a write happened: the intent stays open for the next run."""


class _Scheduling:
    """The bookkeeping of one :meth:`Executor.run_parts`: every part's steps, what each waits for, what is
    ready, what is done, and the results and progress events that follow (scheduling thread only)."""

    def __init__(self, started_at: datetime) -> None:
        self.started_at = started_at
        self.steps: dict[str, PlanStep] = {}
        self.dependents: dict[str, list[str]] = defaultdict(list)
        self.waiting: dict[str, int] = {}
        self.by_record: dict[tuple[str, str], list[str]] = defaultdict(list)
        # accounts created inside an order (newAccount): a record of their own, with that order's outcome
        self.inline_accounts: dict[str, RecordRef] = {}
        self.done: dict[str, StepResult] = {}
        self.ready: list[str] = []
        self.results: list[RecordResult] = []
        self.running_records: set[tuple[str, str]] = set()
        self.pending_events: list[tuple[EventKind, RecordResult | None]] = []
        self.counter = ProgressCounter(planned=0)

    def add(self, plan: SyncPlan) -> None:
        """Take in a part: its fixed results now, its steps ready or waiting for their prerequisites."""
        fixed = results_without_steps(plan, utc_now())
        records = {_record_key(step.record) for step in plan.steps if _record_key(step.record) not in self.by_record}
        accounts = {s.step_id: a for s in plan.steps if (a := _account_created_by(s)) is not None}
        self.counter.planned += len(fixed) + len(records) + len(accounts)
        self.inline_accounts.update(accounts)
        for result in fixed:
            self.results.append(result)
            self.counter.record_done(result, was_running=False)
            self.pending_events.append((EventKind.RECORD, result))
        for step in plan.steps:
            self.steps[step.step_id] = step
            self.by_record[_record_key(step.record)].append(step.step_id)
        ready: list[str] = []
        blocked: list[tuple[PlanStep, StepResult]] = []
        for step in plan.steps:
            waits = 0
            for dep in step.depends_on:
                finished = self.done.get(dep)
                if finished is not None and finished.state not in _SUCCESS:
                    blocked.append((step, finished))
                elif finished is None and dep in self.steps:
                    waits += 1
                    self.dependents[dep].append(step.step_id)
            self.waiting[step.step_id] = waits
            if waits == 0:
                ready.append(step.step_id)
        blocked_ids = {step.step_id for step, _ in blocked}
        ready = [step_id for step_id in ready if step_id not in blocked_ids]
        ready.reverse()  # popped from the end: plan order
        self.ready[:0] = ready
        for step, prerequisite in blocked:
            if step.step_id not in self.done:
                self.settle(_held_back(step, prerequisite))

    def started(self, step: PlanStep) -> None:
        key = _record_key(step.record)
        if key not in self.running_records:
            self.running_records.add(key)
            self.counter.running += 1
            self.pending_events.append((EventKind.RUNNING, None))

    def settle(self, result: StepResult) -> None:
        # a finished step's request (most of a plan's memory) is in the ledger and the run log; the run
        # keeps what its results and later parts need: the step's identity, record, kind and outcome
        result.step = self.steps[result.step.step_id] = result.step.without_request_body()
        self.done[result.step.step_id] = result
        if result.state in _SUCCESS:
            for child in self.dependents[result.step.step_id]:
                self.waiting[child] -= 1
                if self.waiting[child] == 0 and child not in self.done:
                    self.ready.append(child)
        elif result.state is not StepState.NOT_STARTED:
            for child in self.dependents[result.step.step_id]:
                if child not in self.done:
                    self.settle(_held_back(self.steps[child], result))
        key = _record_key(result.step.record)
        if all(s in self.done for s in self.by_record[key]):
            record_result = _record_result(result.step.record, [self.done[s] for s in self.by_record[key]])
            self.results.append(record_result)
            self.counter.record_done(record_result, was_running=key in self.running_records)
            self.running_records.discard(key)
            self.pending_events.append((EventKind.RECORD, record_result))
        account = self.inline_accounts.get(result.step.step_id)
        if account is not None:
            account_result = _account_result(account, result)
            self.results.append(account_result)
            self.counter.record_done(account_result, was_running=False)
            self.pending_events.append((EventKind.RECORD, account_result))


_SUCCESS = frozenset({StepState.CREATED, StepState.UPDATED, StepState.FOUND})


def _held_back(step: PlanStep, prerequisite: StepResult) -> StepResult:
    now = utc_now()
    return StepResult(
        step,
        StepState.HELD_BACK,
        message=f"held back: {prerequisite.step.record.text()} could not be synced"
        + (f" ({prerequisite.message})" if prerequisite.state is StepState.FAILED else ""),
        started_at=now,
        finished_at=now,
    )


class Executor:
    """Runs plans for one profile with one client and one ledger; thread-safe inside, one run at a time."""

    def __init__(
        self,
        client: ZuoraClient,
        ledger: Ledger,
        *,
        profile: str,
        run_id: str,
        options: ExecutorOptions | None = None,
        cancel: threading.Event | None = None,
        on_event: ProgressCallback | None = None,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.profile = profile
        self.run_id = run_id
        self.options = options or ExecutorOptions()
        self.cancel = cancel or threading.Event()
        self._on_event = on_event
        self._outputs: dict[str, Outputs] = {}
        self._outputs_lock = threading.Lock()
        self._writes = 0
        self._writes_lock = threading.Lock()

    @property
    def writes(self) -> int:
        """Zuora writes sent by this executor (each counted once, whatever the client's retries)."""
        return self._writes

    # -- open intents -------------------------------------------------------------------------

    def resolve_open_intents(self) -> list[Resolution]:
        """Settle every write an earlier run left open: found in Zuora → succeeded; else re-sent, same key.

        Call before planning, so the plan sees what those writes created.
        """
        resolutions: list[Resolution] = []
        for intent in self.ledger.open_intents(self.profile):
            request = intent.request if isinstance(intent.request, dict) else {}
            kind = StepKind(request.get("kind", StepKind.CREATE_ORDER.value))
            body = request.get("body") or {}
            lookup = request.get("lookup")
            try:
                found = (
                    find_in_zuora(self.client, LookupKind(lookup["kind"]), str(lookup["value"]), body)
                    if lookup and request.get("method") == "POST"
                    else None
                )
            except ZuoraError as exc:
                raise ZuoraConnectionError(
                    f"an earlier sync left a write to Zuora unconfirmed ({intent.step_id}) and Zuora cannot be "
                    f"asked about it now: {exc}"
                ) from None
            if found is not None:
                self.ledger.finish(self.profile, intent.key, IntentState.SUCCEEDED, {"outputs": found, "found": True})
                resolutions.append(Resolution(intent.step_id, IntentState.SUCCEEDED, False, "found in Zuora"))
                continue
            with self._writes_lock:
                self._writes += 1
            try:
                response = self._send(request, intent.key)
                outputs = self._outputs_of(kind, request, response)
            except ZuoraApiError as exc:
                if exc.retryable:
                    raise ZuoraConnectionError(str(exc)) from None
                self.ledger.finish(self.profile, intent.key, IntentState.FAILED, error=str(exc))
                resolutions.append(Resolution(intent.step_id, IntentState.FAILED, True, str(exc)))
                continue
            except _JobFailed as exc:
                self.ledger.finish(self.profile, intent.key, IntentState.FAILED, error=str(exc))
                resolutions.append(Resolution(intent.step_id, IntentState.FAILED, True, str(exc)))
                continue
            self.ledger.finish(self.profile, intent.key, IntentState.SUCCEEDED, {"outputs": outputs})
            resolutions.append(Resolution(intent.step_id, IntentState.SUCCEEDED, True, "not in Zuora; sent again"))
        return resolutions

    # -- running a plan -----------------------------------------------------------------------

    def run(self, plan: SyncPlan) -> ExecutionReport:
        """Run every step of ``plan``; returns one result per record (the plan's problems included)."""
        return self.run_parts(iter([plan]))

    def run_parts(
        self, parts: Iterator[SyncPlan], *, on_part: Callable[[SyncPlan], None] | None = None
    ) -> ExecutionReport:
        """Run the parts of one sync's plan as they come: the next part is taken from ``parts`` (read and
        planned) in a background thread while this one's steps are written. A step may wait for a step of
        an earlier part (a catalog charge); one whose prerequisite failed is held back. ``on_part`` sees
        each part as it arrives, before any of its steps starts. When taking a part fails, the steps
        already started finish, the rest are not started, and the error is in the report."""
        run = _Scheduling(utc_now())
        self._emit(EventKind.STARTED, run.counter)
        error: Exception | None = None
        with (
            ThreadPoolExecutor(max_workers=self._workers(), thread_name_prefix="zuora-write") as pool,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="planning") as planning,
        ):
            next_part: Future[SyncPlan | None] | None = planning.submit(next, parts, None)
            more = run.counter.planning = True
            in_flight: dict[Future[StepResult], PlanStep] = {}
            while run.ready or in_flight or next_part is not None or more:
                if next_part is not None and next_part.done():
                    try:
                        part = next_part.result()
                    except Exception as exc:  # noqa: BLE001 - reported with the run, after in-flight writes end
                        error, part = exc, None
                    next_part = None
                    more = part is not None and not self.cancel.is_set()
                    if part is not None:
                        if on_part is not None:
                            on_part(part)
                        run.add(part)
                    run.counter.planning = more
                wanted = len(run.ready) < self.options.read_ahead_steps and not self._stopping(error)
                if more and next_part is None and wanted:
                    next_part = planning.submit(next, parts, None)
                # a few steps queue behind the busy workers, so a worker that finishes starts the next
                # one at once instead of waiting for this thread; the pool still caps concurrency
                while run.ready and len(in_flight) < 3 * self.options.pool_size() and not self._stopping(error):
                    step = run.steps[run.ready.pop()]
                    in_flight[pool.submit(self._run_step, step)] = step
                    run.started(step)
                # the free slots are filled first: observers (logs, history, GUI) must not idle the pool
                if self._stopping(error):
                    for future in [f for f in in_flight if f.cancel()]:
                        in_flight.pop(future)
                    run.ready.clear()
                self._flush(run.pending_events, run.counter)
                waiting_on: list[Future[Any]] = [*in_flight, *([next_part] if next_part is not None else [])]
                if not waiting_on:
                    break
                finished, _ = wait(waiting_on, return_when=FIRST_COMPLETED)
                for future in [f for f in in_flight if f in finished]:
                    in_flight.pop(future)
                    run.settle(future.result())
        close = getattr(parts, "close", None)
        if close is not None:
            close()  # a generator of parts stops reading ahead (and lets its threads end) now, not when collected
        cancelled = self.cancel.is_set() and (len(run.done) < len(run.steps) or more)
        for step in run.steps.values():
            if step.step_id not in run.done:
                reason = "the sync was cancelled" if error is None else "the sync stopped"
                run.settle(
                    StepResult(step, StepState.NOT_STARTED, message=f"not started: {reason}; the next sync picks it up")
                )
        run.counter.planning = False
        self._flush(run.pending_events, run.counter)
        finished_at = utc_now()
        self._emit(EventKind.FINISHED, run.counter)
        return ExecutionReport(run.results, run.done, cancelled, self._writes, run.started_at, finished_at, error)

    def _workers(self) -> int:
        """Twice as many workers as requests may be in flight when the client's concurrency slots cap
        them at that: while a worker records a finished write and its next intent in the ledger, another
        one takes the freed slot, so the tenant's concurrency is used all the time."""
        if self.client.pool_size <= self.options.pool_size():
            return 2 * self.options.pool_size()
        return self.options.pool_size()

    def _stopping(self, error: Exception | None) -> bool:
        return error is not None or self.cancel.is_set()

    def _flush(self, events: list[tuple[EventKind, RecordResult | None]], counter: ProgressCounter) -> None:
        for kind, result in events:
            self._emit(kind, counter, result)
        events.clear()

    def _emit(self, kind: EventKind, counter: ProgressCounter, result: RecordResult | None = None) -> None:
        if self._on_event is not None:
            self._on_event(ProgressEvent(kind, counter.snapshot(), result))

    # -- one step (worker threads) ------------------------------------------------------------

    def _outputs_for(self, step: PlanStep) -> dict[str, Outputs]:
        """Outputs of the steps named by ``step``'s placeholders: this run's, else the ledger's."""
        wanted = {p.step_id for p in step.placeholders} | {d for d in step.depends_on}
        known: dict[str, Outputs] = {}
        with self._outputs_lock:
            for step_id in wanted:
                if step_id in self._outputs:
                    known[step_id] = self._outputs[step_id]
        for step_id in wanted - known.keys():
            intent = self.ledger.latest_for_step(self.profile, step_id)
            if intent is not None and intent.state is IntentState.SUCCEEDED and isinstance(intent.result, dict):
                known[step_id] = dict(intent.result.get("outputs") or {})
        return known

    def _key_for(self, step: PlanStep, body: dict[str, Any]) -> tuple[str, Intent | None]:
        """The step's key and its intent; after a definite business failure a new key, since Zuora would
        replay the failure it stored under the old one."""
        key = idempotency_key(self.profile, step.step_id, body)
        while True:
            intent = self.ledger.get(self.profile, key)
            if intent is None or intent.state is not IntentState.FAILED:
                return key, intent
            key = idempotency_key(self.profile, step.step_id, {"retry_of": key, "body": body})

    def _run_step(self, step: PlanStep) -> StepResult:
        started = utc_now()
        result = self._attempt(step)
        result.started_at = result.started_at or started
        result.finished_at = utc_now()
        if result.state in (StepState.CREATED, StepState.UPDATED, StepState.FOUND):
            with self._outputs_lock:
                self._outputs[step.step_id] = result.outputs
        return result

    def _attempt(self, step: PlanStep) -> StepResult:
        try:
            body = step.resolved_body(self._outputs_for(step))
        except PlaceholderError as exc:
            return StepResult(step, StepState.FAILED, error_class=ERROR_PLAN, message=str(exc))
        key, intent = self._key_for(step, body)
        request = _ledger_request(step, body)
        if intent is not None and intent.state is IntentState.SUCCEEDED:
            outputs = dict((intent.result or {}).get("outputs") or {})
            return StepResult(step, StepState.FOUND, outputs, message="already written by an earlier sync")
        if intent is not None:
            try:
                found = self._lookup(step, body)
            except _Unresolved as exc:
                return StepResult(step, StepState.FAILED, error_class=ERROR_UNREACHABLE, message=str(exc))
            if found is not None:
                self.ledger.finish(self.profile, key, IntentState.SUCCEEDED, {"outputs": found, "found": True})
                return StepResult(step, StepState.FOUND, found, message="found in Zuora (written by an earlier sync)")
        self.ledger.begin(self.profile, step.step_id, key, self.run_id, request)
        with self._writes_lock:
            self._writes += 1
        try:
            response = self._send(request, key)
            outputs = self._outputs_of(step.kind, request, response)
        except ZuoraAuthError:
            raise
        except ZuoraApiError as exc:
            if exc.retryable:
                return self._unanswered(step, body, key, exc)
            self.ledger.finish(self.profile, key, IntentState.FAILED, error=str(exc))
            return StepResult(
                step,
                StepState.FAILED,
                error_class=ERROR_REJECTED,
                message=str(exc),
                request_ids=[exc.request_id] if exc.request_id else [],
                wrote=True,
            )
        except _JobFailed as exc:
            self.ledger.finish(self.profile, key, IntentState.FAILED, error=str(exc))
            return StepResult(step, StepState.FAILED, error_class=ERROR_JOB_FAILED, message=str(exc), wrote=True)
        except (ZuoraOutcomeUnknown, ZuoraConnectionError) as exc:
            return self._unanswered(step, body, key, exc)
        self.ledger.finish(self.profile, key, IntentState.SUCCEEDED, {"outputs": outputs})
        state = (
            StepState.UPDATED if step.kind in (StepKind.UPDATE_ACCOUNT, StepKind.UPDATE_CONTACT) else StepState.CREATED
        )
        ids = [response.request_id] if response.request_id else []
        return StepResult(step, state, outputs, message=step.reason, request_ids=ids, wrote=True)

    def _unanswered(self, step: PlanStep, body: dict[str, Any], key: str, exc: ZuoraError) -> StepResult:
        """The write may or may not have happened: look it up; if Zuora has it, it succeeded."""
        try:
            found = self._lookup(step, body)
        except _Unresolved:
            found = None
        if found is not None:
            self.ledger.finish(self.profile, key, IntentState.SUCCEEDED, {"outputs": found, "found": True})
            return StepResult(step, StepState.CREATED, found, message=step.reason, wrote=True)
        return StepResult(
            step,
            StepState.FAILED,
            error_class=ERROR_UNREACHABLE,
            message=f"{exc} The write stays recorded as unconfirmed; the next sync looks it up before writing again.",
            wrote=True,
        )

    def _lookup(self, step: PlanStep, body: dict[str, Any]) -> Outputs | None:
        if step.request.method != "POST":
            return None  # a PUT is safe to send again
        if step.lookup is None:
            raise _Unresolved(f"{step.step_id} has no way to be looked up in Zuora; check it there by hand")
        try:
            return find_in_zuora(self.client, step.lookup.kind, step.lookup.value, body)
        except ZuoraAuthError:
            raise
        except ZuoraError as exc:
            raise _Unresolved(f"Zuora could not be asked whether {step.step_id} was written: {exc}") from None

    def _send(self, request: dict[str, Any], key: str) -> ZuoraResponse:
        method = str(request["method"]).upper()
        headers = dict(request.get("headers") or {})
        if method == "POST":
            response = self.client.post(request["path"], request["body"], idempotency_key=key, headers=headers)
        else:
            response = self.client.request(method, request["path"], json=request["body"], headers=headers)
        if request.get("asynchronous"):
            return self._wait_for_job(response)
        return response

    def _wait_for_job(self, accepted: ZuoraResponse) -> ZuoraResponse:
        job_id = accepted.body.get("jobId") if isinstance(accepted.body, dict) else None
        if not job_id:
            raise _JobFailed(f"Zuora accepted the asynchronous order without a job id: {accepted.body!r}")
        delay = self.options.poll_interval_s
        deadline = time.monotonic() + self.options.job_timeout_s
        while True:
            time.sleep(delay)
            polled = self.client.get(f"/v1/async-jobs/{job_id}")
            body = polled.body if isinstance(polled.body, dict) else {}
            status = str(body.get("status") or "")
            if status == "Completed":
                return ZuoraResponse(polled.status, body.get("result") or {}, polled.headers)
            if status == "Failed":
                raise _JobFailed(f"Zuora's asynchronous order job {job_id} failed: {body.get('errors')}")
            if time.monotonic() > deadline:
                raise ZuoraConnectionError(
                    f"Zuora's asynchronous order job {job_id} was still {status or 'running'} after "
                    f"{self.options.job_timeout_s:.0f} s"
                )
            delay = min(self.options.poll_max_interval_s, delay * 2)

    def _outputs_of(self, kind: StepKind, request: dict[str, Any], response: ZuoraResponse) -> Outputs:
        outputs = outputs_from_answer(kind, response.body)
        if kind is StepKind.UPDATE_ACCOUNT:
            outputs.setdefault("accountNumber", str(request["path"]).rsplit("/", 1)[-1])
        if kind is StepKind.UPDATE_CONTACT:
            outputs.setdefault("id", str(request["path"]).rsplit("/", 1)[-1])
        return outputs


class _JobFailed(Exception):
    """An asynchronous order job ended ``Failed``: a business failure of that order."""


def _record_key(record: RecordRef) -> tuple[str, str]:
    return (record.object, record.id)


_STATUS_OF = {
    StepState.CREATED: RecordStatus.CREATED,
    StepState.UPDATED: RecordStatus.UPDATED,
    StepState.FOUND: RecordStatus.ALREADY_IN_ZUORA,
}


def _account_created_by(step: PlanStep) -> RecordRef | None:
    """The Salesforce account an order step creates with ``newAccount`` (found by its CRM ID)."""
    new_account = step.request.body.get("newAccount") if step.kind is StepKind.CREATE_ORDER else None
    if not isinstance(new_account, dict) or not new_account.get("crmId"):
        return None
    return RecordRef(object="Account", id=str(new_account["crmId"]), label=str(new_account.get("name") or ""))


def _account_result(account: RecordRef, order: StepResult) -> RecordResult:
    """The result of an account created by ``order``: that order's outcome, with the account's number."""
    result = _record_result(account, [order])
    keys = ZuoraKeys(account_number=result.zuora.account_number)
    message = result.message
    if result.status is RecordStatus.CREATED:
        message = f"created by order {order.step.record.label or order.step.record.id}"
    return result.model_copy(update={"zuora": keys, "message": message})


def _record_result(record: RecordRef, steps: Iterable[StepResult]) -> RecordResult:
    """One record's result from its steps: the first failure decides, else what was written."""
    ordered = list(steps)
    keys = ZuoraKeys()
    for result in ordered:
        keys = keys.merged(keys_from_outputs(result.step.kind, result.outputs))
    common: dict[str, Any] = {
        "record": record,
        "step_ids": [r.step.step_id for r in ordered],
        "zuora": keys,
        "request_ids": [i for r in ordered for i in r.request_ids],
        "started_at": min((r.started_at for r in ordered if r.started_at), default=None),
        "finished_at": max((r.finished_at for r in ordered if r.finished_at), default=None),
    }
    for state, status in (
        (StepState.FAILED, RecordStatus.FAILED),
        (StepState.HELD_BACK, RecordStatus.HELD_BACK),
        (StepState.NOT_STARTED, RecordStatus.SKIPPED),
    ):
        bad = next((r for r in ordered if r.state is state), None)
        if bad is not None:
            return RecordResult(status=status, error_class=bad.error_class, message=bad.message, **common)
    states = {r.state for r in ordered}
    for state in (StepState.CREATED, StepState.UPDATED, StepState.FOUND):
        if state in states:
            written = [r.message for r in ordered if r.state is state]
            return RecordResult(status=_STATUS_OF[state], message="; ".join(dict.fromkeys(written)), **common)
    return RecordResult(status=RecordStatus.SKIPPED, **common)
