"""Progress of a running sync, for the GUI worker and the command line alike.

The executor calls one ``on_event`` callback (from its scheduling thread, never concurrently) with a
:class:`ProgressEvent`: counts of records planned / running / succeeded / failed / skipped / held back,
the rate and an ETA, and — for events about one record — that record's :class:`RecordResult`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from cpq_desktop.core.sync.results import RecordResult, RecordStatus


class EventKind(StrEnum):
    STARTED = "started"
    # a record's first step was sent
    RUNNING = "running"
    # a record is done (its result is attached)
    RECORD = "record"
    FINISHED = "finished"


@dataclass(frozen=True)
class Progress:
    planned: int
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    held_back: int = 0
    elapsed_s: float = 0.0
    # more of the scope is still being read and planned: ``planned`` will grow
    planning: bool = False

    @property
    def done(self) -> int:
        return self.succeeded + self.failed + self.skipped + self.held_back

    @property
    def rate(self) -> float:
        """Records finished per second so far."""
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current rate; ``None`` until a record has finished."""
        if self.rate <= 0:
            return None
        return max(0, self.planned - self.done) / self.rate

    def line(self) -> str:
        """One line for a terminal: ``42/120 records · 3 running · 40 ok · 1 failed · 12.5/s · ETA 6 s``."""
        parts = [f"{self.done}/{self.planned} records", f"{self.running} running", f"{self.succeeded} ok"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.held_back:
            parts.append(f"{self.held_back} held back")
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        parts.append(f"{self.rate:.1f}/s")
        if self.planning:
            parts.append("reading more from Salesforce")
        elif self.eta_s is not None and self.done < self.planned:
            parts.append(f"ETA {self.eta_s:.0f} s")
        return " · ".join(parts)


@dataclass(frozen=True)
class ProgressEvent:
    kind: EventKind
    progress: Progress
    result: RecordResult | None = None


ProgressCallback = Callable[[ProgressEvent], None]

_SUCCEEDED = frozenset({RecordStatus.CREATED, RecordStatus.UPDATED, RecordStatus.ALREADY_IN_ZUORA})


@dataclass
class ProgressCounter:
    """Counts records as their results arrive and hands out :class:`Progress` snapshots."""

    planned: int
    started_at: float = field(default_factory=time.monotonic)
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    held_back: int = 0
    planning: bool = False

    def record_done(self, result: RecordResult, *, was_running: bool) -> None:
        if was_running:
            self.running -= 1
        if result.status in _SUCCEEDED:
            self.succeeded += 1
        elif result.status is RecordStatus.FAILED:
            self.failed += 1
        elif result.status is RecordStatus.HELD_BACK:
            self.held_back += 1
        else:
            self.skipped += 1

    def snapshot(self) -> Progress:
        return Progress(
            planned=self.planned,
            running=self.running,
            succeeded=self.succeeded,
            failed=self.failed,
            skipped=self.skipped,
            held_back=self.held_back,
            elapsed_s=time.monotonic() - self.started_at,
            planning=self.planning,
        )
