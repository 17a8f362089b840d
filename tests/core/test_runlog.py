"""A run's debug logs: what run.jsonl, run.log, results.csv and summary.json hold, listing and export."""

from __future__ import annotations

import csv
import errno
import io
import json
import logging
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cpq_desktop.core.config import paths
from cpq_desktop.core.redaction import MASK
from cpq_desktop.core.runlog import (
    ExportError,
    RunLog,
    RunLogError,
    UnknownRunLogError,
    export_run,
    list_run_logs,
    prune_run_logs,
    run_folder,
)
from cpq_desktop.core.runlog import run_log as run_log_module
from cpq_desktop.core.runlog.results_csv import HEADER
from cpq_desktop.core.sync.plan import RecordRef
from cpq_desktop.core.sync.results import (
    RecordResult,
    RecordStatus,
    RunStatus,
    RunSummary,
    ZuoraKeys,
    new_run_id,
)
from cpq_desktop.core.zuora.client import Exchange

START = datetime(2026, 1, 31, 9, 15, 2, 123000, tzinfo=UTC)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "results.csv starts with a UTF-8 byte-order mark for Excel"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def _summary(run_log: RunLog, results: list[RecordResult], **fields: Any) -> RunSummary:
    return RunSummary.from_results(
        run_id=run_log.run_id,
        profile=run_log.profile,
        scope=run_log.scope,
        started_at=run_log.started_at,
        finished_at=run_log.started_at + timedelta(seconds=12),
        results=results,
        dry_run=run_log.dry_run,
        **fields,
    )


@pytest.fixture
def run_log() -> Iterator[RunLog]:
    opened = RunLog.open(new_run_id(), profile="prod", scope="orders changed since 2026-01-01", started_at=START)
    yield opened
    if not opened.closed:
        opened.close(_summary(opened, []))


def test_one_folder_per_run_in_the_user_log_dir(run_log: RunLog) -> None:
    assert run_log.folder == paths.log_dir() / "runs" / run_log.run_id
    assert sorted(p.name for p in run_log.folder.iterdir()) == ["results.csv", "run.jsonl", "run.log", "summary.json"]
    summary = json.loads((run_log.folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "running"
    assert summary["profile"] == "prod"


def test_every_step_is_a_json_line_with_its_data(run_log: RunLog) -> None:
    run_log.soql("SELECT Id FROM Order WHERE Status = 'Activated'", 3, 0.0421, object="Order")
    run_log.exchange(
        Exchange(
            method="POST",
            path="/v1/orders",
            attempt=2,
            status=200,
            duration_s=0.137,
            request_body={"orderNumber": "O-1", "subscriptions": [{"orderActions": [{"type": "CreateSubscription"}]}]},
            response_body={"success": True, "orderNumber": "O-1", "subscriptionNumbers": ["A-S1"]},
            request_id="req-1",
        )
    )
    run_log.exchange(Exchange("POST", "/v1/accounts", 1, None, 30.0, {"name": "Acme"}, None, None, error="ReadTimeout"))
    run_log.event("decision", "order 00000107 is an amendment: UpdateProduct", step_id="order:801", quantity=15)
    run_log.close(_summary(run_log, []))

    lines = _lines(run_log.folder / "run.jsonl")
    assert [line["kind"] for line in lines] == [
        "run_started",
        "soql",
        "exchange",
        "exchange",
        "decision",
        "run_finished",
    ]
    soql, ok, lost, decision = lines[1:5]
    assert soql["query"] == "SELECT Id FROM Order WHERE Status = 'Activated'"
    assert soql["rows"] == 3
    assert soql["duration_ms"] == pytest.approx(42.1)
    assert ok["request_body"]["subscriptions"][0]["orderActions"][0]["type"] == "CreateSubscription"
    assert ok["response_body"]["subscriptionNumbers"] == ["A-S1"]
    assert (ok["status"], ok["attempt"], ok["request_id"]) == (200, 2, "req-1")
    assert ok["message"] == "POST /v1/orders → HTTP 200 in 137 ms (attempt 2)"
    assert lost["level"] == "warning"
    assert lost["error"] == "ReadTimeout"
    assert "no answer" in lost["message"]
    assert decision["quantity"] == 15
    for line in lines:
        datetime.fromisoformat(line["ts"].replace("Z", "+00:00"))
        assert line["t"] >= 0

    text = (run_log.folder / "run.log").read_text(encoding="utf-8")
    assert "SOQL → 3 rows in 42 ms" in text
    assert "    query=SELECT Id FROM Order WHERE Status = 'Activated' rows=3 duration_ms=42.1" in text
    assert '    request_body: {"orderNumber":"O-1",' in text, "long values go on their own line"
    assert '"subscriptionNumbers":["A-S1"]' in text
    assert "order 00000107 is an amendment: UpdateProduct" in text


def test_results_csv_opens_in_the_csv_module_one_row_per_record(run_log: RunLog) -> None:
    tricky = RecordRef(object="Account", id="0015g00000XyZ12AAB", label='Müller, "Acme"\nGmbH')
    formula = RecordRef(object="Account", id="0015g00000XyZ13AAB", label='=HYPERLINK("http://x")')
    results = [
        RecordResult(
            record=RecordRef(object="Order", id="8015g00000AbCdEAAV", label="00000107"),
            status=RecordStatus.CREATED,
            step_ids=["order:8015g00000AbCdEAAV"],
            zuora=ZuoraKeys(
                account_number="A00000001",
                order_number="O-00000107",
                subscription_numbers=["A-S00000001", "A-S00000002"],
                order_line_item_ids=["oli-1"],
            ),
            request_ids=["req-1"],
            started_at=START,
            finished_at=START + timedelta(milliseconds=250),
        ),
        RecordResult(
            record=tricky,
            status=RecordStatus.FAILED,
            error_class="Missing billing address",
            message="Billing Country is empty; fill Billing Country and Billing State, then retry",
        ),
        RecordResult(record=formula, status=RecordStatus.HELD_BACK, message="waits for its parent account"),
    ]
    for result in results:
        run_log.result(result)
    run_log.close(_summary(run_log, results))

    rows = _csv_rows(run_log.folder / "results.csv")
    assert len(rows) == 3
    assert tuple(rows[0]) == HEADER
    created, failed, held = rows
    assert created["Salesforce Object"] == "Order"
    assert created["Salesforce Id"] == "8015g00000AbCdEAAV"
    assert created["Status"] == "Created"
    assert created["Zuora Account Number"] == "A00000001"
    assert created["Zuora Order Number"] == "O-00000107"
    assert created["Zuora Subscription Numbers"] == "A-S00000001; A-S00000002"
    assert created["Zuora Order Line Item Ids"] == "oli-1"
    assert created["Started (UTC)"] == "2026-01-31 09:15:02.123"
    assert created["Duration (s)"] == "0.250"
    assert failed["Name"] == 'Müller, "Acme"\nGmbH'
    assert failed["Status"] == "Failed"
    assert failed["Error Class"] == "Missing billing address"
    assert failed["Message"].startswith("Billing Country is empty")
    assert held["Name"] == '\'=HYPERLINK("http://x")', "a formula-like cell is shown, not run"
    assert held["Status"] == "Held back"


def test_summary_json_is_the_run_summary_when_closed(run_log: RunLog) -> None:
    results = [RecordResult(record=RecordRef(object="Order", id="801"), status=RecordStatus.CREATED)]
    run_log.result(results[0])
    run_log.close(_summary(run_log, results, salesforce_calls=4, zuora_calls=2))
    summary = json.loads((run_log.folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "succeeded"
    assert summary["counts"]["created"] == 1
    assert summary["exit_code"] == 0
    assert summary["duration_s"] == 12
    assert summary["zuora_calls"] == 2
    assert not list(run_log.folder.glob("*.partial"))
    finished = _lines(run_log.folder / "run.jsonl")[-1]
    assert finished["kind"] == "run_finished"
    assert finished["message"] == "Succeeded: 1 created in 12.0 s"


def test_python_logging_during_the_run_lands_in_it_and_stops_after(run_log: RunLog) -> None:
    logging.getLogger("cpq_desktop.core.sync.executor").info("pool of %d workers", 10)
    logging.getLogger("urllib3.connectionpool").warning("Retrying after connection broken")
    try:
        raise ValueError("bad body")
    except ValueError:
        logging.getLogger("cpq_desktop.core.sync.executor").warning("step failed", exc_info=True)
    run_log.close(_summary(run_log, []))
    logging.getLogger("cpq_desktop.core.sync.executor").warning("after the run")

    logged = [line for line in _lines(run_log.folder / "run.jsonl") if line["kind"] == "log"]
    assert [(line["logger"], line["level"], line["message"]) for line in logged] == [
        ("cpq_desktop.core.sync.executor", "info", "pool of 10 workers"),
        ("urllib3.connectionpool", "warning", "Retrying after connection broken"),
        ("cpq_desktop.core.sync.executor", "warning", "step failed"),
    ]
    assert "ValueError: bad body" in logged[2]["traceback"]
    assert logging.getLogger("cpq_desktop").level == logging.NOTSET, "the app logger's level is put back"


def test_structured_log_records_become_their_event_and_app_debug_lines_are_kept(run_log: RunLog) -> None:
    logging.getLogger("cpq_desktop.core.extract.queries").debug(
        "SOQL Order: %d rows",
        2,
        extra={"run_event": {"kind": "soql", "object": "Order", "query": "SELECT Id FROM Order", "rows": 2}},
    )
    logging.getLogger("cpq_desktop.core.sync.executor").debug("step order:801 waits for account:001")
    logging.getLogger("urllib3.connectionpool").debug("Starting new HTTPS connection (1): example.com:443")
    logging.getLogger("cpq_desktop.sandbox.zuora.app").warning("the emulator's own line")
    run_log.close(_summary(run_log, []))

    events = _lines(run_log.folder / "run.jsonl")[1:-1]
    assert [(e["kind"], e["level"], e["message"]) for e in events] == [
        ("soql", "debug", "SOQL Order: 2 rows"),
        ("log", "debug", "step order:801 waits for account:001"),
    ]
    assert events[0]["query"] == "SELECT Id FROM Order"
    assert events[0]["rows"] == 2


def test_concurrent_writers_leave_only_whole_lines(run_log: RunLog) -> None:
    def write(worker: int) -> None:
        for i in range(200):
            run_log.event("decision", f"worker {worker} step {i}", body={"n": i, "text": "x" * (i * 37 % 3000)})
            if i % 20 == 0:
                run_log.result(
                    RecordResult(
                        record=RecordRef(object="Order", id=f"801-{worker}-{i}"),
                        status=RecordStatus.CREATED,
                    )
                )

    with ThreadPoolExecutor(8) as pool:
        for job in [pool.submit(write, w) for w in range(8)]:
            job.result()
    run_log.close(_summary(run_log, []))
    lines = _lines(run_log.folder / "run.jsonl")
    decisions = [line for line in lines if line["kind"] == "decision"]
    assert len(decisions) == 8 * 200
    assert {(line["message"]) for line in decisions} == {f"worker {w} step {i}" for w in range(8) for i in range(200)}
    assert len(_csv_rows(run_log.folder / "results.csv")) == 8 * 10


def test_writers_wait_for_a_full_queue_and_lose_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_log_module, "QUEUE_LIMIT", 4)
    small = RunLog.open("r-small-queue", profile="prod", scope="all")

    def write(worker: int) -> None:
        for i in range(100):
            small.event("decision", f"worker {worker} step {i}")

    with ThreadPoolExecutor(6) as pool:
        for job in [pool.submit(write, w) for w in range(6)]:
            job.result()
    small.close(_summary(small, []))
    decisions = [line for line in _lines(small.folder / "run.jsonl") if line["kind"] == "decision"]
    assert len(decisions) == 600


def test_writing_after_close_is_ignored(run_log: RunLog) -> None:
    run_log.close(_summary(run_log, []))
    run_log.event("decision", "late")
    run_log.close(_summary(run_log, []))
    assert [line["kind"] for line in _lines(run_log.folder / "run.jsonl")] == ["run_started", "run_finished"]


def test_an_error_that_escapes_the_run_closes_its_log_as_could_not_run() -> None:
    with (
        pytest.raises(ConnectionError),
        RunLog.open("r-aborted", profile="prod", scope="all", started_at=START) as run_log,
    ):
        raise ConnectionError("Zuora cannot be reached")
    summary = json.loads((run_log.folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "error"
    assert "Zuora cannot be reached" in summary["error"]
    assert _lines(run_log.folder / "run.jsonl")[-1]["kind"] == "run_aborted"
    [info] = list_run_logs()
    assert info.status is RunStatus.ERROR


def test_runs_list_newest_first_by_profile() -> None:
    for n, profile in enumerate(["prod", "uat", "prod"]):
        started = START + timedelta(hours=n)
        run_log = RunLog.open(new_run_id(started), profile=profile, scope="all", started_at=started, dry_run=n == 1)
        run_log.close(_summary(run_log, []))
    runs = list_run_logs()
    assert [(r.profile, r.started_at) for r in runs] == [
        ("prod", START + timedelta(hours=2)),
        ("uat", START + timedelta(hours=1)),
        ("prod", START),
    ]
    assert runs[1].dry_run
    assert [r.profile for r in list_run_logs(profile="uat")] == ["uat"]
    (paths.log_dir() / "runs" / "stray-file.txt").write_text("not a run")
    (paths.log_dir() / "runs" / "empty-folder").mkdir()
    assert len(list_run_logs()) == 3


def test_a_run_id_is_used_once_and_must_be_a_plain_name() -> None:
    RunLog.open("r-1", profile="prod", scope="all").close(
        RunSummary(run_id="r-1", profile="prod", scope="all", started_at=START)
    )
    with pytest.raises(RunLogError, match="already exists"):
        RunLog.open("r-1", profile="prod", scope="all")
    with pytest.raises(RunLogError, match="cannot be a run id"):
        RunLog.open("../escape", profile="prod", scope="all")


def test_an_unwritable_log_folder_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunLogError, match="writable"):
        RunLog.open("r-1", profile="prod", scope="all", log_root=blocker)


def test_export_zips_the_run_folder(run_log: RunLog, tmp_path: Path) -> None:
    run_log.result(
        RecordResult(record=RecordRef(object="Order", id="801", label="Ünïcode"), status=RecordStatus.FAILED)
    )
    run_log.close(_summary(run_log, []))
    target = export_run(run_log.run_id, tmp_path / "support.zip")
    with zipfile.ZipFile(target) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(f"{run_log.run_id}/{n}" for n in ("results.csv", "run.jsonl", "run.log", "summary.json"))
        for name in names:
            assert archive.read(name) == (run_log.folder / name.split("/")[1]).read_bytes()
    assert not list(tmp_path.glob(".*partial"))


def test_export_errors_say_what_to_do(run_log: RunLog, tmp_path: Path) -> None:
    run_log.close(_summary(run_log, []))
    with pytest.raises(UnknownRunLogError, match="logs list"):
        export_run("20990101-000000-abcdef", tmp_path / "x.zip")
    with pytest.raises(UnknownRunLogError):
        run_folder("../../etc")
    with pytest.raises(ExportError, match="does not exist"):
        export_run(run_log.run_id, tmp_path / "missing" / "x.zip")
    with pytest.raises(ExportError, match="is a folder"):
        export_run(run_log.run_id, tmp_path)


def test_secrets_are_masked_in_every_file(tmp_path: Path) -> None:
    client_secret = 'zs-"quoted\\secret-4711'
    password = "hunter2-password"
    run_log = RunLog.open("r-secrets", profile="prod", scope="all", secrets=[client_secret, password, None, ""])
    run_log.exchange(
        Exchange(
            "POST",
            "/oauth/token",
            1,
            200,
            0.01,
            {"client_id": "abc", "client_secret": client_secret},
            {"access_token": "tok-123456789", "token_type": "bearer"},
            None,
        )
    )
    run_log.event("decision", f"login with {password}", header=f"Authorization: Bearer {password}x")
    logging.getLogger("cpq_desktop.test").info("secret in a log call: %s", client_secret)
    result = RecordResult(
        record=RecordRef(object="Account", id="001", label=f"named {password}"),
        status=RecordStatus.FAILED,
        message=f"Zuora said: invalid {client_secret}",
    )
    run_log.result(result)
    run_log.close(_summary(run_log, [result]))
    exported = export_run("r-secrets", tmp_path / "r.zip")

    texts = {p.name: p.read_text(encoding="utf-8-sig") for p in run_log.folder.iterdir()}
    with zipfile.ZipFile(exported) as archive:
        texts.update({f"zip:{n}": archive.read(n).decode("utf-8-sig") for n in archive.namelist()})
    for name, text in texts.items():
        for secret in (client_secret, password, "tok-123456789", json.dumps(client_secret)[1:-1]):
            assert secret not in text, f"{name} holds a secret"
    assert MASK in texts["run.jsonl"]
    assert MASK in texts["results.csv"]
    for line in texts["run.jsonl"].splitlines():
        json.loads(line)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device that is always full)")
def test_a_full_disk_stops_the_log_not_the_run(run_log: RunLog, caplog: pytest.LogCaptureFixture) -> None:
    # Fault injection: the JSON lines now go to a device that answers every write with ENOSPC.
    run_log.flush()
    run_log._jsonl.close()
    run_log._jsonl = Path("/dev/full").open("w", encoding="utf-8")  # noqa: SIM115 - closed by the run log
    for n in range(300):
        run_log.event("decision", f"step {n}")
    run_log.result(RecordResult(record=RecordRef(object="Order", id="801"), status=RecordStatus.CREATED))
    run_log.close(_summary(run_log, []))
    assert run_log.write_error is not None
    assert run_log.write_error.errno == errno.ENOSPC
    assert "stopped being written" in caplog.text
    assert "the sync goes on" in caplog.text


def test_a_run_left_without_an_outcome_is_closed_as_interrupted() -> None:
    with RunLog.open("r-forgotten", profile="prod", scope="all") as run_log:
        run_log.event("decision", "planned 3 orders")
    summary = json.loads((run_log.folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "interrupted"
    assert _lines(run_log.folder / "run.jsonl")[-1]["message"] == "the run ended without recording its outcome"


def test_prune_removes_old_finished_runs_only() -> None:
    now = START + timedelta(days=40)
    for days_ago, profile in [(35, "prod"), (31, "uat"), (2, "prod")]:
        started = now - timedelta(days=days_ago)
        run_log = RunLog.open(new_run_id(started), profile=profile, scope="all", started_at=started)
        run_log.close(_summary(run_log, []))
    still_running = RunLog.open("r-running", profile="prod", scope="all", started_at=now - timedelta(days=60))
    try:
        would = prune_run_logs(timedelta(days=30), now=now, dry_run=True)
        assert sorted(r.profile for r in would) == ["prod", "uat"]
        assert len(list_run_logs()) == 4, "a dry run removes nothing"
        removed = prune_run_logs(timedelta(days=30), now=now, profile="uat")
        assert [r.profile for r in removed] == ["uat"]
        removed = prune_run_logs(timedelta(days=30), now=now)
        assert [r.started_at for r in removed] == [now - timedelta(days=35)]
        assert not removed[0].folder.exists()
        left = {r.run_id: r.started_at for r in list_run_logs()}
        assert left.pop("r-running") == now - timedelta(days=60), "a run still going is kept, however old"
        assert list(left.values()) == [now - timedelta(days=2)]
    finally:
        still_running.close(_summary(still_running, []))


def test_warnings_still_reach_stderr_where_logging_is_not_set_up(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import logging
        from pathlib import Path
        from cpq_desktop.core.runlog import RunLog
        from cpq_desktop.core.sync.results import RunSummary, utc_now
        run_log = RunLog.open("r-cli", profile="prod", scope="all", log_root=Path({str(tmp_path)!r}))
        logging.getLogger("cpq_desktop.core.sync.executor").info("only in the run log")
        logging.getLogger("cpq_desktop.core.sync.executor").warning("Zuora answered slowly")
        run_log.close(RunSummary(run_id="r-cli", profile="prod", scope="all", started_at=utc_now()))
        logging.getLogger("cpq_desktop.core.sync.executor").warning("after the run")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stderr.splitlines() == ["Zuora answered slowly", "after the run"]
    messages = [line["message"] for line in _lines(tmp_path / "runs" / "r-cli" / "run.jsonl")]
    assert "only in the run log" in messages
    assert "Zuora answered slowly" in messages
