"""What a sync did, record by record, and the run as a whole.

- :class:`RecordResult` — one Salesforce record's outcome: its :class:`RecordStatus`, the plan steps that
  ran for it, the Zuora keys it now has (:class:`ZuoraKeys`), and for a failure the error class and a
  message saying what to fix. The executor produces one per record; the run log writes them to
  ``results.csv`` and the run history stores them (for "Retry failed").
- :class:`RunSummary` — the run: id, profile, scope, dry-run flag, start, duration, counts per status,
  Salesforce and Zuora calls, cancelled flag and the CLI exit code (:class:`ExitCode`).

Plain pydantic data, JSON-serialisable, so the CLI (``--json``), the GUI and the debug logs share it.
Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from cpq_desktop.core.sync.plan import AlreadyInZuora, HeldBack, RecordProblem, RecordRef, SyncPlan


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


_DATETIME = TypeAdapter(datetime)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_run_id(started_at: datetime | None = None) -> str:
    """A run id that sorts by start time and is safe as a folder name: ``20261126-094917-3f9a1c``."""
    moment = (started_at or utc_now()).astimezone(UTC)
    return f"{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


class RecordStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    # nothing to write (a dry run, or the record needs no change)
    SKIPPED = "skipped"
    FAILED = "failed"
    # left out because a record it depends on failed or is not in Zuora yet
    HELD_BACK = "held_back"
    ALREADY_IN_ZUORA = "already_in_zuora"

    @property
    def label(self) -> str:
        """The status as people read it (results.csv, the GUI)."""
        return self.value.replace("_", " ").capitalize()


# What "Retry failed" re-plans: the failures and the records they held back.
RETRYABLE_STATUSES = frozenset({RecordStatus.FAILED, RecordStatus.HELD_BACK})


class ZuoraKeys(_Model):
    """The Zuora keys a record has after the run (empty when it has none)."""

    account_number: str = ""
    account_id: str = ""
    contact_ids: list[str] = Field(default_factory=list)
    order_number: str = ""
    subscription_numbers: list[str] = Field(default_factory=list)
    order_line_item_ids: list[str] = Field(default_factory=list)
    product_id: str = ""
    product_rate_plan_id: str = ""
    product_rate_plan_charge_ids: list[str] = Field(default_factory=list)

    def merged(self, other: ZuoraKeys) -> ZuoraKeys:
        """These keys plus ``other``'s: single values from ``other`` win when set, lists are joined in order."""
        data: dict[str, Any] = {}
        for name, mine in self:
            theirs = getattr(other, name)
            if isinstance(mine, list):
                data[name] = list(dict.fromkeys([*mine, *theirs]))
            else:
                data[name] = theirs or mine
        return ZuoraKeys(**data)


class RecordResult(_Model):
    """The outcome of one Salesforce record in a run."""

    record: RecordRef
    status: RecordStatus
    step_ids: list[str] = Field(default_factory=list)
    zuora: ZuoraKeys = Field(default_factory=ZuoraKeys)
    # one of plan.ErrorClass's values, or the executor's own ("Zuora rejected the request", …)
    error_class: str = ""
    # for a failure: what happened and what to fix; otherwise what was done, in words
    message: str = ""
    # Zuora-Request-Id of the calls made for the record: what Zuora support asks for
    request_ids: list[str] = Field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @field_validator("started_at", "finished_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @classmethod
    def from_problem(cls, problem: RecordProblem, at: datetime | None = None) -> RecordResult:
        moment = at or utc_now()
        return cls(
            record=problem.record,
            status=RecordStatus.FAILED,
            error_class=problem.error_class.value,
            message=problem.message,
            started_at=moment,
            finished_at=moment,
        )

    @classmethod
    def from_held_back(cls, held: HeldBack, at: datetime | None = None) -> RecordResult:
        moment = at or utc_now()
        message = held.reason
        blocker = held.blocked_by
        if blocker is not None and blocker.id not in message and not (blocker.label and blocker.label in message):
            message = f"{message} (waits for {blocker.text()})"
        return cls(
            record=held.record,
            status=RecordStatus.HELD_BACK,
            message=message,
            started_at=moment,
            finished_at=moment,
        )

    @classmethod
    def from_already_in_zuora(cls, found: AlreadyInZuora, at: datetime | None = None) -> RecordResult:
        moment = at or utc_now()
        return cls(
            record=found.record,
            status=RecordStatus.ALREADY_IN_ZUORA,
            message=f"already in Zuora as {found.zuora_key}; nothing written",
            started_at=moment,
            finished_at=moment,
        )


def results_without_steps(plan: SyncPlan, at: datetime | None = None) -> list[RecordResult]:
    """The results a plan fixes before anything runs: its problems, held-back records and records in Zuora."""
    moment = at or utc_now()
    return [
        *(RecordResult.from_problem(problem, moment) for problem in plan.problems),
        *(RecordResult.from_held_back(held, moment) for held in plan.held_back),
        *(RecordResult.from_already_in_zuora(found, moment) for found in plan.already_in_zuora),
    ]


class ExitCode(IntEnum):
    """The documented exit codes of ``cpq-desktop sync``."""

    OK = 0
    USAGE = 1
    CONNECTION = 2
    RECORDS_FAILED = 3
    CANCELLED = 4


class RunStatus(StrEnum):
    """A run's state as the history and the GUI show it."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    # finished, but some records failed or were held back
    FAILED_RECORDS = "failed_records"
    CANCELLED = "cancelled"
    # could not run: configuration, connection or authentication
    ERROR = "error"
    # started and never closed: the process was killed or crashed
    INTERRUPTED = "interrupted"

    @property
    def label(self) -> str:
        return _RUN_STATUS_LABELS[self]


_RUN_STATUS_LABELS = {
    RunStatus.RUNNING: "Running",
    RunStatus.SUCCEEDED: "Succeeded",
    RunStatus.FAILED_RECORDS: "Some records failed",
    RunStatus.CANCELLED: "Cancelled",
    RunStatus.ERROR: "Could not run",
    RunStatus.INTERRUPTED: "Interrupted",
}


def count_statuses(results: Iterable[RecordResult]) -> dict[RecordStatus, int]:
    """Results per status, every status present (zero when none)."""
    found = Counter(result.status for result in results)
    return {status: found.get(status, 0) for status in RecordStatus}


class RunSummary(_Model):
    run_id: str
    profile: str
    scope: str
    dry_run: bool = False
    started_at: datetime
    duration_s: float = 0.0
    counts: dict[RecordStatus, int] = Field(default_factory=lambda: dict.fromkeys(RecordStatus, 0))
    salesforce_calls: int = 0
    zuora_calls: int = 0
    cancelled: bool = False
    exit_code: ExitCode = ExitCode.OK
    # the run whose failed records this run retried
    retry_of: str | None = None
    # why the run could not go on (exit codes 1 and 2), in words
    error: str = ""

    @field_validator("started_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("started_at must be timezone-aware")
        return value

    @field_validator("counts")
    @classmethod
    def _every_status(cls, value: dict[RecordStatus, int]) -> dict[RecordStatus, int]:
        return {status: value.get(status, 0) for status in RecordStatus}

    @property
    def finished_at(self) -> datetime:
        return self.started_at + timedelta(seconds=self.duration_s)

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    @property
    def failed(self) -> int:
        return sum(self.counts[status] for status in RETRYABLE_STATUSES)

    @property
    def status(self) -> RunStatus:
        if self.cancelled or self.exit_code is ExitCode.CANCELLED:
            return RunStatus.CANCELLED
        if self.exit_code in (ExitCode.USAGE, ExitCode.CONNECTION):
            return RunStatus.ERROR
        if self.exit_code is ExitCode.RECORDS_FAILED or self.failed:
            return RunStatus.FAILED_RECORDS
        return RunStatus.SUCCEEDED

    @classmethod
    def from_results(
        cls,
        *,
        run_id: str,
        profile: str,
        scope: str,
        started_at: datetime,
        results: Iterable[RecordResult],
        finished_at: datetime | None = None,
        dry_run: bool = False,
        salesforce_calls: int = 0,
        zuora_calls: int = 0,
        cancelled: bool = False,
        retry_of: str | None = None,
    ) -> RunSummary:
        """A finished run's summary; the exit code follows from the counts and the cancelled flag."""
        counts = count_statuses(results)
        if cancelled:
            exit_code = ExitCode.CANCELLED
        elif any(counts[status] for status in RETRYABLE_STATUSES):
            exit_code = ExitCode.RECORDS_FAILED
        else:
            exit_code = ExitCode.OK
        end = finished_at or utc_now()
        return cls(
            run_id=run_id,
            profile=profile,
            scope=scope,
            dry_run=dry_run,
            started_at=started_at,
            duration_s=max(0.0, (end - started_at).total_seconds()),
            counts=counts,
            salesforce_calls=salesforce_calls,
            zuora_calls=zuora_calls,
            cancelled=cancelled,
            exit_code=exit_code,
            retry_of=retry_of,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The summary as ``summary.json`` and ``--json`` print it: counts keyed by status, derived fields too."""
        data = self.model_dump(mode="json")
        data["status"] = self.status.value
        data["finished_at"] = _DATETIME.dump_python(self.finished_at, mode="json")
        data["records"] = self.records
        return data
