"""Record results and run summaries: what the executor hands to the history, the logs, the CLI and the GUI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from cpq_desktop.core.runlog.folders import is_valid_run_id
from cpq_desktop.core.sync.plan import (
    AlreadyInZuora,
    ErrorClass,
    HeldBack,
    RecordProblem,
    RecordRef,
    SyncPlan,
)
from cpq_desktop.core.sync.results import (
    RETRYABLE_STATUSES,
    ExitCode,
    RecordResult,
    RecordStatus,
    RunStatus,
    RunSummary,
    ZuoraKeys,
    new_run_id,
    results_without_steps,
)

START = datetime(2026, 1, 31, 9, 15, 2, tzinfo=UTC)
ORDER = RecordRef(object="Order", id="8015g00000AbCdEAAV", label="00000107")
ACCOUNT = RecordRef(object="Account", id="0015g00000XyZ12AAB", label="Acme, Inc.")


def _result(status: RecordStatus, record: RecordRef = ORDER) -> RecordResult:
    return RecordResult(record=record, status=status, started_at=START, finished_at=START + timedelta(seconds=2))


def test_a_record_result_round_trips_through_json_with_its_keys_and_duration() -> None:
    result = RecordResult(
        record=ORDER,
        status=RecordStatus.CREATED,
        step_ids=["order:8015g00000AbCdEAAV"],
        zuora=ZuoraKeys(
            account_number="A00000001",
            order_number="O-00000107",
            subscription_numbers=["A-S00000001", "A-S00000002"],
            order_line_item_ids=["8a8082c4"],
        ),
        message="order created",
        request_ids=["6b1e3f7e-4f0a"],
        started_at=START,
        finished_at=START + timedelta(milliseconds=1250),
    )
    again = RecordResult.model_validate_json(result.model_dump_json())
    assert again == result
    assert again.duration_s == pytest.approx(1.25)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        RecordResult(record=ORDER, status=RecordStatus.FAILED, started_at=datetime(2026, 1, 31, 9, 15))


def test_zuora_keys_merge_keeps_both_sides_lists_in_order_without_repeats() -> None:
    account = ZuoraKeys(account_number="A00000001", subscription_numbers=["S-1"])
    order = ZuoraKeys(order_number="O-1", subscription_numbers=["S-1", "S-2"])
    merged = account.merged(order)
    assert merged.account_number == "A00000001"
    assert merged.order_number == "O-1"
    assert merged.subscription_numbers == ["S-1", "S-2"]


def test_results_a_plan_fixes_before_anything_runs() -> None:
    blocker = RecordRef(object="Order", id="8015g00000Orig1AAA", label="00000100")
    amendment = RecordRef(object="Order", id="8015g00000Amnd1AAA", label="00000101")
    plan = SyncPlan(
        profile="prod",
        scope="unsynced orders",
        problems=[
            RecordProblem(
                record=blocker,
                error_class=ErrorClass.MISSING_BILLING_ADDRESS,
                message="Account Acme has no billing country; fill Billing Country and State",
            )
        ],
        held_back=[HeldBack(record=amendment, reason="its original order failed", blocked_by=blocker)],
        already_in_zuora=[AlreadyInZuora(record=ACCOUNT, zuora_key="A00000009")],
    )
    results = results_without_steps(plan, START)
    by_status = {result.status: result for result in results}
    failed = by_status[RecordStatus.FAILED]
    assert failed.error_class == "Missing billing address"
    assert "Billing Country" in failed.message
    assert failed.status in RETRYABLE_STATUSES
    held = by_status[RecordStatus.HELD_BACK]
    assert held.status in RETRYABLE_STATUSES
    assert "00000100" in held.message
    assert "A00000009" in by_status[RecordStatus.ALREADY_IN_ZUORA].message
    assert RecordStatus.ALREADY_IN_ZUORA not in RETRYABLE_STATUSES


@pytest.mark.parametrize(
    ("statuses", "cancelled", "exit_code", "run_status"),
    [
        ([RecordStatus.CREATED, RecordStatus.UPDATED, RecordStatus.ALREADY_IN_ZUORA], False, 0, RunStatus.SUCCEEDED),
        ([RecordStatus.CREATED, RecordStatus.FAILED], False, 3, RunStatus.FAILED_RECORDS),
        ([RecordStatus.CREATED, RecordStatus.HELD_BACK], False, 3, RunStatus.FAILED_RECORDS),
        ([RecordStatus.CREATED, RecordStatus.FAILED], True, 4, RunStatus.CANCELLED),
        ([], False, 0, RunStatus.SUCCEEDED),
    ],
)
def test_the_exit_code_and_status_follow_from_the_records(
    statuses: list[RecordStatus], cancelled: bool, exit_code: int, run_status: RunStatus
) -> None:
    results = [
        _result(status, RecordRef(object="Order", id=f"8015g0000000{i:03d}AAA")) for i, status in enumerate(statuses)
    ]
    summary = RunSummary.from_results(
        run_id="r1",
        profile="prod",
        scope="all",
        started_at=START,
        finished_at=START + timedelta(seconds=90),
        results=results,
        cancelled=cancelled,
    )
    assert summary.exit_code == exit_code
    assert summary.status is run_status
    assert summary.records == len(statuses)
    assert summary.duration_s == 90
    assert summary.finished_at == START + timedelta(seconds=90)


def test_a_run_that_could_not_connect_shows_as_an_error() -> None:
    summary = RunSummary(
        run_id="r2",
        profile="prod",
        scope="all",
        started_at=START,
        exit_code=ExitCode.CONNECTION,
        error="cannot log in to Salesforce",
    )
    assert summary.status is RunStatus.ERROR
    assert summary.status.label == "Could not run"


def test_summary_json_has_every_status_and_the_derived_fields() -> None:
    summary = RunSummary.from_results(
        run_id="r3",
        profile="prod",
        scope="all",
        started_at=START,
        finished_at=START + timedelta(seconds=5),
        results=[_result(RecordStatus.CREATED), _result(RecordStatus.FAILED, ACCOUNT)],
        dry_run=True,
        salesforce_calls=4,
        zuora_calls=7,
        retry_of="r0",
    )
    data = summary.to_json_dict()
    assert data["counts"] == {
        "created": 1,
        "updated": 0,
        "skipped": 0,
        "failed": 1,
        "held_back": 0,
        "already_in_zuora": 0,
    }
    assert data["status"] == "failed_records"
    assert data["exit_code"] == 3
    assert data["records"] == 2
    assert data["finished_at"] == "2026-01-31T09:15:07Z"
    assert data["dry_run"] is True
    assert data["retry_of"] == "r0"
    assert RunSummary.model_validate_json(summary.model_dump_json()) == summary


def test_run_ids_sort_by_start_and_are_safe_folder_names() -> None:
    first = new_run_id(START)
    later = new_run_id(START + timedelta(seconds=1))
    assert first.startswith("20260131-091502-")
    assert first < later
    assert is_valid_run_id(first)
    assert new_run_id(START) != first


def test_a_held_back_record_names_its_blocker_once() -> None:
    blocker = RecordRef(object="Account", id="0018d0000000002AAA", label="Aperture Consulting S.A.")
    order = RecordRef(object="Order", id="8018d0000000002AAA", label="00000002")
    named = HeldBack(record=order, reason="its account Aperture Consulting S.A. cannot be synced", blocked_by=blocker)
    assert RecordResult.from_held_back(named).message == "its account Aperture Consulting S.A. cannot be synced"
    unnamed = HeldBack(record=order, reason="its account cannot be synced", blocked_by=blocker)
    assert RecordResult.from_held_back(unnamed).message == (
        "its account cannot be synced (waits for Account Aperture Consulting S.A. (0018d0000000002AAA))"
    )
