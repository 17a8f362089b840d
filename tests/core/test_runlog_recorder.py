"""A run recorded in both places at once: its debug log folder and the run history agree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpq_desktop.core.runlog import RunLogError, list_run_logs
from cpq_desktop.core.runlog.recorder import RunRecorder
from cpq_desktop.core.sync.history import BATCH, HistoryError, RunHistory
from cpq_desktop.core.sync.plan import RecordRef
from cpq_desktop.core.sync.results import ExitCode, RecordResult, RecordStatus, RunStatus, RunSummary, utc_now


@pytest.fixture
def history() -> Iterator[RunHistory]:
    with RunHistory() as opened:
        yield opened


def _result(n: int, status: RecordStatus = RecordStatus.CREATED) -> RecordResult:
    return RecordResult(record=RecordRef(object="Order", id=f"801{n:015d}"), status=status)


def test_a_finished_run_reads_the_same_in_the_log_and_the_history(history: RunHistory) -> None:
    recorder = RunRecorder.start(history, profile="prod", scope="all", secrets=["hunter22-secret"])
    assert history.get_run(recorder.run_id).status is RunStatus.RUNNING
    results = [_result(1), _result(2, RecordStatus.FAILED), _result(3, RecordStatus.HELD_BACK)]
    for result in results:
        recorder.result(result)
    recorder.event("decision", "logged in with hunter22-secret")
    recorder.finish(
        RunSummary.from_results(
            run_id=recorder.run_id, profile="prod", scope="all", started_at=recorder.started_at, results=results
        )
    )

    entry = history.get_run(recorder.run_id)
    [info] = list_run_logs()
    assert entry.status is info.status is RunStatus.FAILED_RECORDS
    assert entry.summary.counts == info.counts
    assert history.results(recorder.run_id) == results
    assert history.failed_records(recorder.run_id) == [results[1].record, results[2].record]
    assert "hunter22-secret" not in (recorder.run_log.folder / "run.jsonl").read_text(encoding="utf-8")


def test_results_reach_the_history_in_batches_and_all_by_the_end(history: RunHistory) -> None:
    recorder = RunRecorder.start(history, profile="prod", scope="all")
    total = BATCH * 2 + 50
    for n in range(total):
        recorder.result(_result(n))
    with RunHistory(history.path) as other_connection:
        stored = len(other_connection.results(recorder.run_id))
    assert BATCH * 2 <= stored < total, "whole batches are written as they fill"
    recorder.run_log.flush()
    csv_lines = (recorder.run_log.folder / "results.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(csv_lines) == total + 1, "the debug log has every result"
    recorder.abort("Zuora cannot be reached; check the network and run again")
    entry = history.get_run(recorder.run_id)
    assert len(history.results(recorder.run_id)) == total
    assert entry.status is RunStatus.ERROR
    assert entry.summary.counts[RecordStatus.CREATED] == total
    assert entry.summary.error == "Zuora cannot be reached; check the network and run again"
    summary = json.loads((recorder.run_log.folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "error"


def test_ctrl_c_records_the_run_as_cancelled(history: RunHistory) -> None:
    started: list[RunRecorder] = []

    def sync_until_ctrl_c() -> None:
        with RunRecorder.start(history, profile="prod", scope="all") as recorder:
            started.append(recorder)
            recorder.result(_result(1))
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_until_ctrl_c()
    [recorder] = started
    entry = history.get_run(recorder.run_id)
    assert entry.status is RunStatus.CANCELLED
    assert entry.summary.exit_code is ExitCode.CANCELLED
    assert entry.summary.counts[RecordStatus.CREATED] == 1
    [info] = list_run_logs()
    assert info.status is RunStatus.CANCELLED


def test_a_log_folder_that_cannot_be_made_leaves_no_history_entry(history: RunHistory, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunLogError, match="writable"):
        RunRecorder.start(history, profile="prod", scope="all", log_root=blocker)
    assert history.list_runs() == []


def test_a_run_id_the_history_has_already_is_refused(history: RunHistory) -> None:
    history.start_run("taken", profile="prod", scope="all", started_at=utc_now())
    with pytest.raises(HistoryError, match="already has a run 'taken'"):
        RunRecorder.start(history, profile="prod", scope="all", run_id="taken")
    [info] = list_run_logs()
    assert info.status is RunStatus.ERROR
