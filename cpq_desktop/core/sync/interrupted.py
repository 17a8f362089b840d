"""Catalog steps of a run that did not finish, kept so the next run completes them first.

A Zuora catalog entry is a product, its rate plan and the plan's charge, written in three calls. A run
killed between them leaves a plan without its charge, which a new plan cannot tell from an admin's
incomplete entry (connector-spec §6.2 "Cannot find the charge for the Product"). So before a run
executes, its catalog steps are saved here; the file is removed once they all ended; the next run
of the profile finds a file left behind and runs those steps first — the ledger makes the ones that
already happened resolve to their recorded outputs instead of writing again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from cpq_desktop.core.sync.executor import ERROR_UNREACHABLE, StepResult, StepState
from cpq_desktop.core.sync.plan import CATALOG_KINDS, SyncPlan


def _profile_prefix(profile: str) -> str:
    return hashlib.sha256(profile.encode()).hexdigest()[:16]


def save_catalog_steps(folder: Path, plan: SyncPlan, run_id: str) -> Path | None:
    """Keep ``plan``'s catalog steps until :func:`settle` says they ended; None when it has none."""
    steps = [s for s in plan.steps if s.kind in CATALOG_KINDS]
    if not steps:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_profile_prefix(plan.profile)}-{run_id}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(SyncPlan(profile=plan.profile, scope=plan.scope, steps=steps).model_dump_json(), encoding="utf-8")
    os.replace(tmp, path)
    return path


def left_behind(folder: Path, profile: str) -> list[tuple[Path, SyncPlan]]:
    """Catalog steps of earlier runs of ``profile`` that may not have ended, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob(f"{_profile_prefix(profile)}-*.json")):
        try:
            found.append((path, SyncPlan.model_validate_json(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            path.unlink(missing_ok=True)  # unreadable: the re-plan still covers what Zuora lacks
    return found


def settle(path: Path | None, results: Iterable[StepResult]) -> None:
    """Forget the saved steps unless one of them has to run again (not started, or Zuora unreachable)."""
    if path is None:
        return
    unfinished = any(
        r.step.kind in CATALOG_KINDS
        and (r.state is StepState.NOT_STARTED or (r.state is StepState.FAILED and r.error_class == ERROR_UNREACHABLE))
        for r in results
    )
    if not unfinished:
        path.unlink(missing_ok=True)
