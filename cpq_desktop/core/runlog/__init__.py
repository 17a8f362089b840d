"""Per-run debug logs (``run.jsonl``, ``run.log``, ``results.csv``, ``summary.json``), listing and export."""

from cpq_desktop.core.runlog.export import ExportError, export_run
from cpq_desktop.core.runlog.folders import (
    PruneError,
    RunLogInfo,
    UnknownRunLogError,
    list_run_logs,
    prune_run_logs,
    read_results,
    run_folder,
    run_log_info,
    runs_root,
)
from cpq_desktop.core.runlog.run_log import RunLog, RunLogError, RunLogHandler

__all__ = [
    "ExportError",
    "PruneError",
    "RunLog",
    "RunLogError",
    "RunLogHandler",
    "RunLogInfo",
    "UnknownRunLogError",
    "export_run",
    "list_run_logs",
    "prune_run_logs",
    "read_results",
    "run_folder",
    "run_log_info",
    "runs_root",
]
