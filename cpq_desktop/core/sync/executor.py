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
from collections.abc import Callable, Iterable
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
        started = utc_now()
        steps = {step.step_id: step for step in plan.steps}
        dependents: dict[str, list[str]] = defaultdict(list)
        waiting: dict[str, int] = {}
        for step in plan.steps:
            inside = [d for d in step.depends_on if d in steps]
            waiting[step.step_id] = len(inside)
            for dep in inside:
                dependents[dep].append(step.step_id)
        by_record: dict[tuple[str, str], list[str]] = defaultdict(list)
        for step in plan.steps:
            by_record[_record_key(step.record)].append(step.step_id)

        # accounts created inside an order (newAccount): a record of their own, with that order's outcome
        inline_accounts = {s.step_id: a for s in plan.steps if (a := _account_created_by(s)) is not None}

        fixed = results_without_steps(plan, started)
        counter = ProgressCounter(planned=len(fixed) + len(by_record) + len(inline_accounts))
        self._emit(EventKind.STARTED, counter)
        for result in fixed:
            counter.record_done(result, was_running=False)
            self._emit(EventKind.RECORD, counter, result)

        done: dict[str, StepResult] = {}
        pending_events: list[tuple[EventKind, RecordResult | None]] = []
        running_records: set[tuple[str, str]] = set()
        results: list[RecordResult] = list(fixed)
        ready = [s.step_id for s in plan.steps if waiting[s.step_id] == 0]
        ready.reverse()  # popped from the end: plan order

        def settle(result: StepResult) -> None:
            done[result.step.step_id] = result
            if result.state in (StepState.CREATED, StepState.UPDATED, StepState.FOUND):
                for child in dependents[result.step.step_id]:
                    waiting[child] -= 1
                    if waiting[child] == 0 and child not in done:
                        ready.append(child)
            else:
                self._hold_back_dependents(result, steps, dependents, done, settle)
            key = _record_key(result.step.record)
            if all(s in done for s in by_record[key]):
                record_result = _record_result(result.step.record, [done[s] for s in by_record[key]])
                results.append(record_result)
                counter.record_done(record_result, was_running=key in running_records)
                running_records.discard(key)
                pending_events.append((EventKind.RECORD, record_result))
            account = inline_accounts.get(result.step.step_id)
            if account is not None:
                account_result = _account_result(account, result)
                results.append(account_result)
                counter.record_done(account_result, was_running=False)
                pending_events.append((EventKind.RECORD, account_result))

        with ThreadPoolExecutor(max_workers=self.options.pool_size(), thread_name_prefix="zuora-write") as pool:
            in_flight: dict[Future[StepResult], PlanStep] = {}
            while ready or in_flight:
                # a few steps queue behind the busy workers, so a worker that finishes starts the next
                # one at once instead of waiting for this thread; the pool still caps concurrency
                while ready and len(in_flight) < 2 * self.options.pool_size() and not self.cancel.is_set():
                    step = steps[ready.pop()]
                    in_flight[pool.submit(self._run_step, step)] = step
                    key = _record_key(step.record)
                    if key not in running_records:
                        running_records.add(key)
                        counter.running += 1
                        pending_events.append((EventKind.RUNNING, None))
                # the free slots are filled first: observers (logs, history, GUI) must not idle the pool
                if self.cancel.is_set():
                    for future in [f for f in in_flight if f.cancel()]:
                        in_flight.pop(future)
                self._flush(pending_events, counter)
                if not in_flight:
                    break
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    step = in_flight.pop(future)
                    settle(future.result())
        cancelled = self.cancel.is_set() and len(done) < len(steps)
        for step in plan.steps:
            if step.step_id not in done:
                settle(
                    StepResult(
                        step,
                        StepState.NOT_STARTED,
                        message="not started: the sync was cancelled; the next sync picks it up",
                    )
                )
        self._flush(pending_events, counter)
        finished_at = utc_now()
        self._emit(EventKind.FINISHED, counter)
        return ExecutionReport(results, done, cancelled, self._writes, started, finished_at)

    def _hold_back_dependents(
        self,
        failed: StepResult,
        steps: dict[str, PlanStep],
        dependents: dict[str, list[str]],
        done: dict[str, StepResult],
        settle: Callable[[StepResult], None],
    ) -> None:
        if failed.state is StepState.NOT_STARTED:
            return
        blocker = failed.step.record
        for child in dependents[failed.step.step_id]:
            if child in done:
                continue
            now = utc_now()
            settle(
                StepResult(
                    steps[child],
                    StepState.HELD_BACK,
                    error_class="",
                    message=f"held back: {blocker.text()} could not be synced"
                    + (f" ({failed.message})" if failed.state is StepState.FAILED else ""),
                    started_at=now,
                    finished_at=now,
                )
            )

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
