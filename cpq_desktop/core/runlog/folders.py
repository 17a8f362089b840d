"""Where run logs live, and reading them back: one folder per run under ``<user log dir>/runs/<run id>/``.

Each folder holds ``run.jsonl``, ``run.log``, ``results.csv`` and ``summary.json``. ``summary.json`` is
written when the run opens (status *running*, the process id) and replaced when it closes, so a run
killed half-way still lists, as *interrupted*, with the counts of the results it had written.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cpq_desktop.core.config import paths
from cpq_desktop.core.runlog.liveness import process_alive
from cpq_desktop.core.runlog.results_csv import ENCODING
from cpq_desktop.core.sync.results import RecordStatus, RunStatus

RUNS_DIR_NAME = "runs"
JSONL_NAME = "run.jsonl"
TEXT_LOG_NAME = "run.log"
RESULTS_CSV_NAME = "results.csv"
SUMMARY_NAME = "summary.json"
RUN_FILES = (SUMMARY_NAME, RESULTS_CSV_NAME, TEXT_LOG_NAME, JSONL_NAME)
SUMMARY_FORMAT = 1

# Run ids are folder names: letters, digits, dots, dashes and underscores only (no path tricks).
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class UnknownRunLogError(Exception):
    def __init__(self, run_id: str, root: Path) -> None:
        super().__init__(
            f"there is no run log {run_id!r} in {root}; 'cpq-desktop logs list' shows the runs that have logs"
        )
        self.run_id = run_id


def runs_root(log_root: Path | None = None) -> Path:
    """The folder holding one sub-folder per run (``log_root`` defaults to the user log dir)."""
    return (log_root if log_root is not None else paths.log_dir()) / RUNS_DIR_NAME


def is_valid_run_id(run_id: str) -> bool:
    return bool(_RUN_ID.match(run_id)) and ".." not in run_id


def run_folder(run_id: str, log_root: Path | None = None) -> Path:
    """The folder of an existing run's logs; :class:`UnknownRunLogError` when there is none."""
    root = runs_root(log_root)
    folder = root / run_id
    if not is_valid_run_id(run_id) or not (folder / SUMMARY_NAME).is_file():
        raise UnknownRunLogError(run_id, root)
    return folder


@dataclass(frozen=True)
class RunLogInfo:
    """One run's logs as ``logs list`` and the GUI show them."""

    run_id: str
    folder: Path
    profile: str
    scope: str
    dry_run: bool
    started_at: datetime
    duration_s: float | None
    status: RunStatus
    counts: dict[RecordStatus, int]
    exit_code: int | None
    size_bytes: int

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "folder": str(self.folder),
            "profile": self.profile,
            "scope": self.scope,
            "dry_run": self.dry_run,
            "started_at": self.started_at.isoformat(),
            "duration_s": self.duration_s,
            "status": self.status.value,
            "counts": {status.value: count for status, count in self.counts.items()},
            "exit_code": self.exit_code,
            "size_bytes": self.size_bytes,
        }


def read_summary(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / SUMMARY_NAME).read_text(encoding="utf-8"))
    return data


def _counts_from_csv(folder: Path) -> dict[RecordStatus, int]:
    by_label = {status.label: status for status in RecordStatus}
    try:
        rows = read_results(folder)
    except (OSError, csv.Error):
        rows = []
    found = Counter(by_label[row["Status"]] for row in rows if row["Status"] in by_label)
    return {status: found.get(status, 0) for status in RecordStatus}


def run_log_info(folder: Path) -> RunLogInfo:
    """Read one run folder; ``ValueError`` or ``OSError`` when it is not a readable run log."""
    data = read_summary(folder)
    status = RunStatus(data["status"])
    if status is RunStatus.RUNNING and not process_alive(int(data.get("pid", 0)), str(data.get("host", ""))):
        status = RunStatus.INTERRUPTED
    if "counts" in data:
        counts = {status_: int(data["counts"].get(status_.value, 0)) for status_ in RecordStatus}
    else:
        counts = _counts_from_csv(folder)
    started = datetime.fromisoformat(str(data["started_at"]).replace("Z", "+00:00")).astimezone(UTC)
    size = sum(path.stat().st_size for path in folder.iterdir() if path.is_file())
    return RunLogInfo(
        run_id=str(data["run_id"]),
        folder=folder,
        profile=str(data["profile"]),
        scope=str(data["scope"]),
        dry_run=bool(data.get("dry_run", False)),
        started_at=started,
        duration_s=None if data.get("duration_s") is None else float(data["duration_s"]),
        status=status,
        counts=counts,
        exit_code=None if data.get("exit_code") is None else int(data["exit_code"]),
        size_bytes=size,
    )


def list_run_logs(log_root: Path | None = None, *, profile: str | None = None) -> list[RunLogInfo]:
    """Every run that has logs, newest first; folders that are not readable run logs are left out."""
    root = runs_root(log_root)
    if not root.is_dir():
        return []
    runs: list[RunLogInfo] = []
    for folder in root.iterdir():
        if not folder.is_dir() or not (folder / SUMMARY_NAME).is_file():
            continue
        try:
            info = run_log_info(folder)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if profile is None or info.profile == profile:
            runs.append(info)
    runs.sort(key=lambda info: (info.started_at, info.run_id), reverse=True)
    return runs


class PruneError(Exception):
    """A run's log folder could not be removed; ``str()`` says which and why."""


def prune_run_logs(
    older_than: timedelta,
    *,
    log_root: Path | None = None,
    profile: str | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[RunLogInfo]:
    """Remove the logs of runs that started more than ``older_than`` ago; runs still going are kept.

    Returns the runs removed (with ``dry_run``: the runs that would be). The run history keeps its
    entries: Retry failed and the GUI's run list do not need the debug logs.
    """
    cutoff = (now or datetime.now(UTC)) - older_than
    old = [
        info
        for info in list_run_logs(log_root, profile=profile)
        if info.started_at < cutoff and info.status is not RunStatus.RUNNING
    ]
    if dry_run:
        return old
    for info in old:
        try:
            shutil.rmtree(info.folder)
        except OSError as exc:
            raise PruneError(
                f"cannot remove the logs of run {info.run_id} in {info.folder}: {exc.strerror or exc}. "
                "Close any program that has its files open and try again."
            ) from None
    return old


def read_results(folder: Path) -> list[dict[str, str]]:
    """The rows of a run's ``results.csv``, keyed by column name (a row a kill cut short is left out)."""
    with (folder / RESULTS_CSV_NAME).open(encoding=ENCODING, errors="replace", newline="") as stream:
        reader = csv.DictReader(stream)
        width = len(reader.fieldnames or ())
        return [row for row in reader if len(row) == width and None not in row.values()]
