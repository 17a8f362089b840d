"""``cpq-desktop sync`` without ``--dry-run``: run a sync headless and report it on the terminal.

- On a terminal, one progress line updated in place (carriage return); in scripts (stdout not a
  terminal) nothing until the end, unless ``--progress-jsonl`` asks for one JSON line per record.
- At the end, a summary in words, or the run's summary as JSON with ``--json``.
- SIGINT / SIGTERM cancel gracefully: requests in flight finish and are recorded, exit code 4.
- Exit codes: 0 all synced, 2 cannot connect or authenticate, 3 some records failed, 4 cancelled
  (1, usage or configuration errors, is decided before a run starts).
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import threading
from types import FrameType
from typing import Any, TextIO

from cpq_desktop.core.config.models import WriteBackSettings
from cpq_desktop.core.config.store import ConfigError, ConfigStore
from cpq_desktop.core.extract import Scope
from cpq_desktop.core.planning.connections import Connections
from cpq_desktop.core.sync.history import HistoryError
from cpq_desktop.core.sync.progress import EventKind, ProgressEvent
from cpq_desktop.core.sync.results import RunSummary
from cpq_desktop.core.sync.session import SyncOptions, run_sync


class _Printer:
    def __init__(self, out: TextIO, *, live: bool, jsonl: bool) -> None:
        self.out = out
        self.live = live
        self.jsonl = jsonl
        self._width = 0

    def __call__(self, event: ProgressEvent) -> None:
        if self.jsonl and event.kind is EventKind.RECORD and event.result is not None:
            self.out.write(json.dumps(event.result.model_dump(mode="json")) + "\n")
            self.out.flush()
        if self.live and event.kind in (EventKind.RECORD, EventKind.RUNNING, EventKind.FINISHED):
            line = event.progress.line()
            self.out.write("\r" + line.ljust(self._width))
            self._width = len(line)
            self.out.flush()

    def end_line(self) -> None:
        if self.live and self._width:
            self.out.write("\n")
            self.out.flush()


def _write_back_settings(connections: Connections, profile: str | None, forced: bool) -> WriteBackSettings | None:
    settings = WriteBackSettings(enabled=forced)
    if profile is not None:
        try:
            found = ConfigStore().load().profile_named(profile)
        except ConfigError:
            found = None
        if found is not None and found.write_back.enabled:
            settings = found.write_back
    return settings if settings.enabled or forced else None


def _connection_flags(args: argparse.Namespace) -> str:
    """The ``--sandbox DIR`` / ``--profile P`` of this command line, quoted so it can be pasted back."""
    if getattr(args, "profile", None):
        return f"--profile {shlex.quote(str(args.profile))}"
    return f"--sandbox {shlex.quote(str(args.sandbox_dir))}"


def _summary_text(summary: RunSummary, connection_flags: str) -> str:
    counts = ", ".join(f"{n} {s.label.lower()}" for s, n in summary.counts.items() if n)
    text = f"Run {summary.run_id}: {summary.status.label} — {counts or 'no records'} in {summary.duration_s:.1f} s"
    text += f" ({summary.zuora_calls} Zuora calls, {summary.salesforce_calls} Salesforce calls)"
    if summary.error:
        text += f"\n{summary.error}"
    if summary.failed:
        text += (
            f"\nSee what to fix with: cpq-desktop logs show {summary.run_id}"
            f"\nThen retry only those records with: cpq-desktop sync {connection_flags} --retry-failed {summary.run_id}"
        )
    return text


def run_from_command_line(connections: Connections, scope: Scope, args: argparse.Namespace) -> int:
    """Run the sync ``args`` describe; returns the exit code."""
    cancel = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        if not cancel.is_set():
            sys.stderr.write("\ncpq-desktop: cancelling; waiting for the requests in flight …\n")
            sys.stderr.flush()
        cancel.set()

    previous: dict[signal.Signals, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, stop)
    printer = _Printer(sys.stdout, live=sys.stdout.isatty() and not args.json, jsonl=args.progress_jsonl)
    options = SyncOptions(
        concurrency=args.concurrency,
        writeback=_write_back_settings(connections, args.profile, args.write_back),
    )
    try:
        run = run_sync(
            connections,
            None if args.retry_failed else scope,
            retry_of=args.retry_failed,
            options=options,
            cancel=cancel,
            on_event=printer,
        )
    except HistoryError as exc:
        sys.stderr.write(f"cpq-desktop: {exc}\n")
        return 1
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    printer.end_line()
    summary = run.summary
    if args.json:
        sys.stdout.write(json.dumps(summary.to_json_dict(), indent=2) + "\n")
    else:
        (sys.stderr if summary.error else sys.stdout).write(_summary_text(summary, _connection_flags(args)) + "\n")
    return int(summary.exit_code)
