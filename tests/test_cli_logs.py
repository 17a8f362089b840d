"""``cpq-desktop logs list`` and ``logs export`` as a user runs them: a real process, output and exit codes."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import textwrap
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cpq_desktop.core.runlog import RunLog
from cpq_desktop.core.sync.plan import RecordRef
from cpq_desktop.core.sync.results import RecordResult, RecordStatus, RunSummary
from cpq_desktop.sandbox.runner import Sandbox, SandboxOptions

START = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    # The per-test XDG folders are in the environment the child inherits, so it reads this test's logs.
    return subprocess.run(
        [sys.executable, "-m", "cpq_desktop", *args], capture_output=True, text=True, timeout=60, check=False
    )


def _run(run_id: str, profile: str, hours: int, statuses: list[RecordStatus], *, dry_run: bool = False) -> None:
    started = START + timedelta(hours=hours)
    run_log = RunLog.open(run_id, profile=profile, scope="orders not yet synced", started_at=started, dry_run=dry_run)
    results = [
        RecordResult(record=RecordRef(object="Order", id=f"801{n:015d}"), status=status)
        for n, status in enumerate(statuses)
    ]
    for result in results:
        run_log.result(result)
    run_log.close(
        RunSummary.from_results(
            run_id=run_id,
            profile=profile,
            scope=run_log.scope,
            started_at=started,
            finished_at=started + timedelta(seconds=30),
            results=results,
            dry_run=dry_run,
        )
    )


def _killed_run(run_id: str, profile: str, hours: int) -> None:
    """A run whose process ended without closing its log (as after a crash or a kill)."""
    script = textwrap.dedent(
        f"""
        from datetime import datetime
        from cpq_desktop.core.runlog import RunLog
        from cpq_desktop.core.sync.plan import RecordRef
        from cpq_desktop.core.sync.results import RecordResult, RecordStatus
        started = datetime.fromisoformat({(START + timedelta(hours=hours)).isoformat()!r})
        run_log = RunLog.open({run_id!r}, profile={profile!r}, scope="all", started_at=started)
        order = RecordRef(object="Order", id="801000000000000001")
        run_log.result(RecordResult(record=order, status=RecordStatus.CREATED))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


@pytest.fixture
def three_runs() -> None:
    _run("20260131-090000-aaaaaa", "prod", 0, [RecordStatus.CREATED, RecordStatus.CREATED])
    _run("20260131-100000-bbbbbb", "uat", 1, [RecordStatus.SKIPPED], dry_run=True)
    _killed_run("20260131-110000-cccccc", "prod", 2)
    _run("20260131-120000-dddddd", "prod", 3, [RecordStatus.CREATED, RecordStatus.FAILED, RecordStatus.HELD_BACK])


def test_no_runs_yet() -> None:
    result = _cli("logs", "list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No runs have debug logs in ")
    assert json.loads(_cli("logs", "list", "--json").stdout) == []


@pytest.mark.usefixtures("three_runs")
def test_list_shows_runs_newest_first_with_status_and_counts() -> None:
    result = _cli("logs", "list")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["RUN", "ID", "STARTED", "(UTC)", "PROFILE", "SCOPE", "MODE", "STATUS", "RECORDS"]
    assert [row.split()[0] for row in rows] == [
        "20260131-120000-dddddd",
        "20260131-110000-cccccc",
        "20260131-100000-bbbbbb",
        "20260131-090000-aaaaaa",
    ]
    failed, killed, dry, ok = rows
    assert "2026-01-31 12:00:00" in failed
    assert "Some records failed" in failed
    assert "1 created, 1 failed, 1 held back" in failed
    assert "Interrupted" in killed
    assert "1 created" in killed
    assert "dry run" in dry
    assert "uat" in dry
    assert "Succeeded" in ok
    assert "2 created" in ok


@pytest.mark.usefixtures("three_runs")
def test_list_filters_limits_and_prints_json() -> None:
    result = _cli("logs", "list", "--profile", "prod", "--json")
    assert result.returncode == 0, result.stderr
    runs = json.loads(result.stdout)
    assert [r["run_id"] for r in runs] == [
        "20260131-120000-dddddd",
        "20260131-110000-cccccc",
        "20260131-090000-aaaaaa",
    ]
    newest = runs[0]
    assert newest["status"] == "failed_records"
    assert newest["counts"]["failed"] == 1
    assert newest["dry_run"] is False
    assert newest["duration_s"] == 30
    assert newest["exit_code"] == 3
    assert Path(newest["folder"]).is_dir()
    assert runs[1]["status"] == "interrupted"
    limited = _cli("logs", "list", "--limit", "1")
    assert [row.split()[0] for row in limited.stdout.splitlines()[1:]] == ["20260131-120000-dddddd"]
    assert _cli("logs", "list", "--limit", "0").returncode == 1


@pytest.mark.usefixtures("three_runs")
def test_export_writes_the_run_folder_as_a_zip(tmp_path: Path) -> None:
    target = tmp_path / "support.zip"
    result = _cli("logs", "export", "20260131-120000-dddddd", str(target))
    assert result.returncode == 0, result.stderr
    assert str(target) in result.stdout
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == [
            "20260131-120000-dddddd/results.csv",
            "20260131-120000-dddddd/run.jsonl",
            "20260131-120000-dddddd/run.log",
            "20260131-120000-dddddd/summary.json",
        ]
        summary = json.loads(archive.read("20260131-120000-dddddd/summary.json"))
    assert summary["counts"]["held_back"] == 1


@pytest.mark.usefixtures("three_runs")
@pytest.mark.parametrize(
    ("run_id", "target", "complaint"),
    [
        ("20990101-000000-ffffff", "out.zip", "no run log '20990101-000000-ffffff'"),
        ("../../etc", "out.zip", "'cpq-desktop logs list' shows the runs"),
        ("20260131-120000-dddddd", "missing/out.zip", "does not exist"),
        ("20260131-120000-dddddd", ".", "is a folder"),
    ],
)
def test_export_errors_exit_1_and_say_what_to_do(tmp_path: Path, run_id: str, target: str, complaint: str) -> None:
    result = _cli("logs", "export", run_id, str(tmp_path / target))
    assert result.returncode == 1
    assert complaint in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.zip*"))


def test_usage_errors_exit_1() -> None:
    result = _cli("logs", "export", "only-a-run-id")
    assert result.returncode == 1
    assert "FILE.zip" in result.stderr


def test_a_real_sync_through_the_cli_lists_exports_and_keeps_every_secret_out(tmp_path: Path) -> None:
    """`cpq-desktop sync` against the sandboxes, then `logs list` and `logs export`, grepped for secrets."""
    sandbox = Sandbox(tmp_path / "sandbox", SandboxOptions(orders=6, seed=3))
    info = sandbox.start()
    try:
        synced = _cli("sync", "--sandbox", str(tmp_path / "sandbox"), "--json")
        # Every token the sandboxes handed out during the sync (the org and the tenant run in this process).
        tokens = [*sandbox.salesforce.tokens._access, *sandbox.zuora.runtime.tokens._expiry]
    finally:
        sandbox.stop()
    assert synced.returncode in (0, 3), synced.stderr
    summary = json.loads(synced.stdout)
    assert tokens, "the sync logged in to both sides"

    listed = json.loads(_cli("logs", "list", "--json").stdout)
    [run] = listed
    assert run["run_id"] == summary["run_id"]
    assert run["counts"] == summary["counts"]
    assert run["status"] == summary["status"]
    target = tmp_path / "support.zip"
    assert _cli("logs", "export", run["run_id"], str(target)).returncode == 0

    texts = {path.name: path.read_bytes().decode("utf-8-sig") for path in Path(run["folder"]).iterdir()}
    with zipfile.ZipFile(target) as archive:
        texts.update({f"zip:{n}": archive.read(n).decode("utf-8-sig") for n in archive.namelist()})
    assert len(texts) == 8
    sf, zuora = info["credentials"]["salesforce"], info["credentials"]["zuora"]
    secrets = {
        "Salesforce password": sf["password"],
        "Salesforce security token": sf["security_token"],
        "connected app secret": sf["client_secret"],
        "Zuora client secret": zuora["client_secret"],
        **{f"issued token {n}": token for n, token in enumerate(tokens)},
    }
    token_shapes = re.compile(r"00D\w{12,15}![\w.]+|Bearer (?!\[REDACTED\])\S+|access_token\"\s*:\s*\"(?!\[REDACTED\])")
    for name, text in texts.items():
        for what, secret in secrets.items():
            assert secret not in text, f"the {what} is in {name}"
        assert not token_shapes.search(text), f"a token-shaped value is in {name}"

    rows = list(csv.DictReader(io.StringIO(texts["results.csv"], newline="")))
    assert len(rows) == sum(summary["counts"].values())
    kinds = {json.loads(line)["kind"] for line in texts["run.jsonl"].splitlines()}
    assert {"run_started", "soql", "exchange", "result", "run_finished"} <= kinds


@pytest.mark.usefixtures("three_runs")
def test_prune_removes_old_logs_and_says_how_much() -> None:
    # The runs started on 2026-01-31; "older than 0 days" is every finished one.
    dry = _cli("logs", "prune", "--older-than", "0", "--profile", "prod", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Would remove the debug logs of 3 run(s)" in dry.stdout
    assert len(json.loads(_cli("logs", "list", "--json").stdout)) == 4
    pruned = _cli("logs", "prune", "--older-than", "0", "--profile", "prod")
    assert pruned.returncode == 0, pruned.stderr
    assert "Removed the debug logs of 3 run(s)" in pruned.stdout
    assert [r["profile"] for r in json.loads(_cli("logs", "list", "--json").stdout)] == ["uat"]
    assert _cli("logs", "prune", "--older-than", "-1").returncode == 1


def test_show_lists_what_failed_with_what_to_fix_and_how_to_retry() -> None:
    started = START
    run_log = RunLog.open("r-show", profile="Prod EU", scope="orders not yet synced", started_at=started)
    results = [
        RecordResult(
            record=RecordRef(object="Order", id="801000000000000001", label="00000107"), status=RecordStatus.CREATED
        ),
        RecordResult(
            record=RecordRef(object="Account", id="001000000000000002", label="Acme, Inc."),
            status=RecordStatus.FAILED,
            error_class="Missing billing address",
            message="Fill in the account's Billing State, then sync again.",
        ),
        RecordResult(
            record=RecordRef(object="Order", id="801000000000000003", label="00000108"),
            status=RecordStatus.HELD_BACK,
            message="its account Acme, Inc. cannot be synced",
        ),
    ]
    for result in results:
        run_log.result(result)
    run_log.close(
        RunSummary.from_results(
            run_id="r-show",
            profile="Prod EU",
            scope=run_log.scope,
            started_at=started,
            finished_at=started + timedelta(seconds=12),
            results=results,
        )
    )

    shown = _cli("logs", "show", "r-show")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "Run r-show of profile 'Prod EU': Some records failed"
    assert "Records: 1 created, 1 failed, 1 held back" in lines
    assert (
        "  Failed: Account 001000000000000002 Acme, Inc.: Missing billing address — "
        "Fill in the account's Billing State, then sync again." in lines
    )
    assert "  Held back: Order 801000000000000003 00000108: its account Acme, Inc. cannot be synced" in lines
    assert "00000107" not in shown.stdout
    assert lines[-1] == "Once fixed, sync only these again: cpq-desktop sync --profile 'Prod EU' --retry-failed r-show"

    every = _cli("logs", "show", "r-show", "--all", "--json")
    data = json.loads(every.stdout)
    assert data["run"]["status"] == "failed_records"
    assert [r["Salesforce Id"] for r in data["records"]] == [r.record.id for r in results]
    assert data["records"][1]["Error Class"] == "Missing billing address"

    unknown = _cli("logs", "show", "20990101-000000-ffffff")
    assert unknown.returncode == 1
    assert "'cpq-desktop logs list' shows the runs" in unknown.stderr
