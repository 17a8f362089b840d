"""The run history database: runs and their record results, as the GUI, ``logs list`` and Retry failed read them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cpq_desktop.core.config import paths
from cpq_desktop.core.sync.history import HistoryError, RunHistory, UnknownRunError
from cpq_desktop.core.sync.plan import RecordRef
from cpq_desktop.core.sync.results import (
    ExitCode,
    RecordResult,
    RecordStatus,
    RunStatus,
    RunSummary,
    ZuoraKeys,
)

START = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)


def _order(n: int) -> RecordRef:
    return RecordRef(object="Order", id=f"8015g00000{n:06d}AA", label=f"{n:08d}")


def _result(n: int, status: RecordStatus, **fields: Any) -> RecordResult:
    return RecordResult(record=_order(n), status=status, started_at=START, finished_at=START, **fields)


@pytest.fixture
def history() -> Iterator[RunHistory]:
    with RunHistory() as opened:
        yield opened


def _finish(history: RunHistory, run_id: str, results: list[RecordResult], **fields: Any) -> RunSummary:
    entry = history.get_run(run_id)
    summary = RunSummary.from_results(
        run_id=run_id,
        profile=entry.summary.profile,
        scope=entry.summary.scope,
        started_at=entry.summary.started_at,
        finished_at=entry.summary.started_at + timedelta(seconds=42),
        results=results,
        dry_run=entry.summary.dry_run,
        **fields,
    )
    history.finish_run(summary)
    return summary


def test_the_history_lives_in_the_user_data_dir() -> None:
    with RunHistory() as history:
        assert history.path.parent == paths.data_dir()
        assert history.path.is_file()


def test_a_run_round_trips_with_its_results(history: RunHistory) -> None:
    history.start_run("r1", profile="prod", scope="orders 00000107", started_at=START, dry_run=False)
    results = [
        _result(
            1,
            RecordStatus.CREATED,
            zuora=ZuoraKeys(account_number="A00000001", order_number="O-1", subscription_numbers=["S-1"]),
            step_ids=["order:1"],
        ),
        _result(2, RecordStatus.FAILED, error_class="Invalid referenced products", message="fill Product Code"),
        _result(3, RecordStatus.ALREADY_IN_ZUORA, message="already in Zuora as O-3"),
    ]
    history.add_results("r1", results)
    summary = _finish(history, "r1", results, salesforce_calls=3, zuora_calls=5)

    entry = history.get_run("r1")
    assert entry.finished
    assert entry.status is RunStatus.FAILED_RECORDS
    assert entry.summary == summary
    assert entry.summary.counts[RecordStatus.CREATED] == 1
    assert entry.summary.zuora_calls == 5
    assert history.results("r1") == results
    assert history.results("r1", [RecordStatus.CREATED]) == results[:1]


def test_runs_list_newest_first_and_by_profile(history: RunHistory) -> None:
    for n, profile in enumerate(["prod", "uat", "prod"]):
        run_id = f"run-{n}"
        history.start_run(run_id, profile=profile, scope="all", started_at=START + timedelta(hours=n))
        _finish(history, run_id, [])
    assert [e.run_id for e in history.list_runs()] == ["run-2", "run-1", "run-0"]
    assert [e.run_id for e in history.list_runs(profile="prod")] == ["run-2", "run-0"]
    assert [e.run_id for e in history.list_runs(limit=1)] == ["run-2"]


def test_failed_records_are_the_failures_and_the_records_they_held_back(history: RunHistory) -> None:
    history.start_run("r1", profile="prod", scope="all", started_at=START)
    results = [
        _result(1, RecordStatus.CREATED),
        _result(2, RecordStatus.FAILED, message="Zuora rejected the order"),
        _result(3, RecordStatus.HELD_BACK, message="waits for order 2"),
        _result(4, RecordStatus.SKIPPED),
    ]
    history.add_results("r1", results)
    _finish(history, "r1", results)
    assert history.failed_records("r1") == [_order(2), _order(3)]
    assert [r.message for r in history.failed_results("r1")] == ["Zuora rejected the order", "waits for order 2"]


def test_a_record_reported_twice_keeps_its_latest_result_and_its_place(history: RunHistory) -> None:
    history.start_run("r1", profile="prod", scope="all", started_at=START)
    history.add_result("r1", _result(1, RecordStatus.FAILED, message="timeout"))
    history.add_result("r1", _result(2, RecordStatus.CREATED))
    history.add_result("r1", _result(1, RecordStatus.CREATED, message="created on the second try"))
    assert [(r.record.id, r.status) for r in history.results("r1")] == [
        (_order(1).id, RecordStatus.CREATED),
        (_order(2).id, RecordStatus.CREATED),
    ]
    assert history.failed_records("r1") == []


def test_a_run_in_progress_counts_what_it_has_recorded(history: RunHistory) -> None:
    history.start_run("r1", profile="prod", scope="all", started_at=START, dry_run=True)
    history.add_results("r1", [_result(1, RecordStatus.CREATED), _result(2, RecordStatus.FAILED)])
    entry = history.get_run("r1")
    assert entry.status is RunStatus.RUNNING
    assert not entry.finished
    assert entry.summary.dry_run
    assert entry.summary.counts[RecordStatus.CREATED] == 1
    assert entry.summary.counts[RecordStatus.FAILED] == 1


def test_a_run_whose_process_died_shows_as_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    script = textwrap.dedent(
        f"""
        from datetime import UTC, datetime
        from pathlib import Path
        from cpq_desktop.core.sync.history import RunHistory
        from cpq_desktop.core.sync.plan import RecordRef
        from cpq_desktop.core.sync.results import RecordResult, RecordStatus
        history = RunHistory(Path({str(path)!r}))
        history.start_run("killed", profile="prod", scope="all", started_at=datetime.now(UTC))
        ref = RecordRef(object="Order", id="8015g00000000001AA")
        history.add_result("killed", RecordResult(record=ref, status=RecordStatus.CREATED))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    with RunHistory(path) as history:
        entry = history.get_run("killed")
        assert entry.status is RunStatus.INTERRUPTED
        assert entry.summary.counts[RecordStatus.CREATED] == 1
        assert [e.status for e in history.list_runs()] == [RunStatus.INTERRUPTED]


def test_concurrent_writer_threads_lose_nothing(history: RunHistory) -> None:
    history.start_run("r1", profile="prod", scope="all", started_at=START)
    writers, per_writer = 7, 150
    go = threading.Barrier(writers + 1)

    def write(t: int) -> None:
        go.wait()
        for i in range(per_writer):
            history.add_result("r1", _result(t * per_writer + i, RecordStatus.CREATED))

    def read() -> None:
        go.wait()
        for _ in range(50):
            history.list_runs()
            history.get_run("r1")

    with ThreadPoolExecutor(writers + 1) as pool:
        jobs = [pool.submit(write, t) for t in range(writers)] + [pool.submit(read)]
        for job in jobs:
            job.result()  # re-raises what a thread hit
    assert history.get_run("r1").summary.counts[RecordStatus.CREATED] == writers * per_writer


def test_two_connections_to_one_file_see_each_others_runs(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with RunHistory(path) as gui, RunHistory(path) as cli:
        cli.start_run("from-cli", profile="prod", scope="all", started_at=START)
        cli.add_results("from-cli", [_result(1, RecordStatus.CREATED)])
        assert [e.run_id for e in gui.list_runs()] == ["from-cli"]
        assert len(gui.results("from-cli")) == 1
        cli.add_result("from-cli", _result(2, RecordStatus.CREATED))
        assert len(gui.results("from-cli")) == 2


def test_unknown_runs_say_how_to_find_run_ids(history: RunHistory) -> None:
    with pytest.raises(UnknownRunError, match="logs list"):
        history.get_run("nope")
    with pytest.raises(UnknownRunError):
        history.add_result("nope", _result(1, RecordStatus.CREATED))
    with pytest.raises(UnknownRunError):
        history.failed_records("nope")


def test_a_summary_without_a_start_is_recorded_whole(history: RunHistory) -> None:
    summary = RunSummary(
        run_id="no-start",
        profile="prod",
        scope="all",
        started_at=START,
        exit_code=ExitCode.CONNECTION,
        error="cannot log in to Zuora: check the client secret",
    )
    history.finish_run(summary)
    entry = history.get_run("no-start")
    assert entry.status is RunStatus.ERROR
    assert entry.summary.error == "cannot log in to Zuora: check the client secret"


def test_a_damaged_file_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="Move the file away"):
        RunHistory(path)


def test_an_unwritable_folder_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HistoryError, match="writable"):
        RunHistory(blocker / "history.sqlite3")
