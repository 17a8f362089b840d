"""``cpq-desktop sync`` without ``--dry-run``, run as a real process against a running sandbox: exit codes,
the JSON summary, quiet output in scripts, SIGTERM cancelling gracefully, retry of failed records, and the
crash test — the process SIGKILLed at several points of a sync and run again ends with every record in
Zuora once, nothing missing, and a ledger that agrees with Zuora.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cpq_desktop.core.planning.connections import open_sandbox
from cpq_desktop.core.sync.results import RecordStatus
from cpq_desktop.sandbox.runner import Sandbox, SandboxOptions

ORDERS = 24


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path / "sandbox", SandboxOptions(orders=ORDERS, seed=7))
    box.start()
    try:
        yield box
    finally:
        box.stop()


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cpq_desktop", "sync", *args]


def run(sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli("--sandbox", str(sandbox.data_dir), *args), capture_output=True, text=True, timeout=120, check=False
    )


def data_dir() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "cpq-desktop"


def ledger_rows() -> list[tuple[str, str, Any]]:
    with sqlite3.connect(data_dir() / "ledger.sqlite3") as db:
        return [
            (r[0], r[1], json.loads(r[2]) if r[2] else None)
            for r in db.execute("SELECT step_id, state, result FROM intents")
        ]


def zuora_state(sandbox: Sandbox) -> dict[str, Counter[str]]:
    with sandbox.zuora.store.read() as db:
        return {
            "orders": Counter(str(r[0]) for r in db.execute("SELECT number FROM orders")),
            "accounts": Counter(str(r[0]) for r in db.execute("SELECT crm_id FROM accounts")),
            "plans": Counter(str(r[0]) for r in db.execute("SELECT external_id FROM product_rate_plan_external_ids")),
            "account numbers": Counter(str(r[0]) for r in db.execute("SELECT account_number FROM accounts")),
        }


def assert_exactly_once_and_ledger_agrees(sandbox: Sandbox) -> None:
    state = zuora_state(sandbox)
    for name in ("orders", "accounts", "plans"):
        assert [k for k, n in state[name].items() if n > 1] == [], name
    rows = ledger_rows()
    assert [r for r in rows if r[1] == "in_flight"] == []
    for step_id, status, result in rows:
        if status != "succeeded":
            continue
        outputs = result["outputs"]
        if step_id.startswith("order:"):
            assert outputs["orderNumber"] in state["orders"], step_id
        if step_id.startswith("account:"):
            assert outputs["accountNumber"] in state["account numbers"], step_id


def test_a_sync_writes_everything_and_a_second_one_writes_nothing(sandbox: Sandbox) -> None:
    first = run(sandbox, "--json")
    assert first.returncode == 3, first.stderr  # the showcase org has records that cannot be synced
    summary = json.loads(first.stdout)
    assert summary["counts"]["created"] > 30
    assert summary["counts"]["failed"] > 0
    assert summary["exit_code"] == 3
    assert first.stderr == ""
    before = zuora_state(sandbox)
    second = run(sandbox, "--json")
    again = json.loads(second.stdout)
    assert again["counts"]["created"] == 0
    assert again["counts"]["already_in_zuora"] > 0
    assert zuora_state(sandbox) == before
    assert_exactly_once_and_ledger_agrees(sandbox)


def test_in_a_script_only_the_summary_is_printed_and_a_clean_scope_exits_0(sandbox: Sandbox) -> None:
    plan = json.loads(run(sandbox, "--dry-run", "--json").stdout)
    order = next(s["record"]["id"] for s in plan["steps"] if s["kind"] == "create_order")
    done = run(sandbox, "--order", order)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "\r" not in done.stdout
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Run ")
    assert "Succeeded" in lines[0]


def test_usage_errors_exit_1_and_an_unreachable_tenant_exits_2(sandbox: Sandbox, tmp_path: Path) -> None:
    assert run(sandbox, "--concurrency", "0").returncode == 1
    assert run(sandbox, "--retry-failed", "20260101-000000-abcdef", "--order", "1").returncode == 1
    unknown = run(sandbox, "--retry-failed", "20260101-000000-abcdef")
    assert unknown.returncode == 1
    assert "no run" in unknown.stderr
    info = json.loads((sandbox.data_dir / "sandbox.json").read_text())
    info["zuora_url"] = "https://127.0.0.1:9"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "sandbox.json").write_text(json.dumps(info))
    down = subprocess.run(cli("--sandbox", str(broken)), capture_output=True, text=True, timeout=120, check=False)
    assert down.returncode == 2, down.stdout + down.stderr
    assert "Zuora" in down.stderr


def test_sigterm_cancels_gracefully_and_a_later_run_picks_up_the_rest(sandbox: Sandbox) -> None:
    sandbox.zuora.set_faults(latency_ms=40)
    proc = subprocess.Popen(
        cli("--sandbox", str(sandbox.data_dir), "--progress-jsonl", "--concurrency", "2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    seen = 0
    for line in proc.stdout:
        if line.startswith("{") and json.loads(line)["step_ids"]:
            seen += 1
            if seen == 3:
                proc.send_signal(signal.SIGTERM)
                break
    rest_of_out, err = proc.communicate(timeout=60)
    out = rest_of_out
    assert proc.returncode == 4, err
    assert "cancelling" in err
    assert "Cancelled" in out
    assert [r for r in ledger_rows() if r[1] == "in_flight"] == []
    sandbox.zuora.clear_faults()
    rest = run(sandbox, "--json")
    assert json.loads(rest.stdout)["counts"]["created"] > 0
    assert_exactly_once_and_ledger_agrees(sandbox)


def test_ctrl_c_reaching_the_planning_process_too_still_cancels_gracefully(tmp_path: Path) -> None:
    # enough orders for several parts: the planning process is still at work when Ctrl+C comes
    box = Sandbox(tmp_path / "big", SandboxOptions(orders=150, seed=7, latency_ms=20))
    box.start()
    try:
        proc = subprocess.Popen(
            cli("--sandbox", str(box.data_dir), "--progress-jsonl", "--concurrency", "2"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a process group of its own, as a terminal gives a command
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("{") and json.loads(line)["step_ids"]:
                os.killpg(proc.pid, signal.SIGINT)  # what Ctrl+C does: the whole group gets it
                break
        out, err = proc.communicate(timeout=60)
    finally:
        box.stop()
    assert proc.returncode == 4, err
    assert "Traceback" not in err
    assert "Cancelled" in out


# the in-process sandbox may log the TLS connection a killed client leaves half open
@pytest.mark.expect_logged_errors
@pytest.mark.parametrize("kill_after", [0, 5, 30])
def test_sigkill_at_any_point_then_a_rerun_leaves_each_record_once_and_the_ledger_right(
    sandbox: Sandbox, kill_after: int
) -> None:
    sandbox.zuora.set_faults(latency_ms=5)
    proc = subprocess.Popen(
        cli("--sandbox", str(sandbox.data_dir), "--progress-jsonl", "--concurrency", "8"),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    written = 0
    for line in proc.stdout:
        if kill_after == 0 or (line.startswith("{") and json.loads(line)["step_ids"]):
            written += 1
            if written >= max(kill_after, 1):
                break
    proc.kill()
    proc.wait(timeout=30)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    sandbox.zuora.clear_faults()
    rerun = run(sandbox, "--json")
    assert rerun.returncode == 3, rerun.stderr
    assert_exactly_once_and_ledger_agrees(sandbox)
    # nothing missing: a further sync has nothing left to write
    final = run(sandbox, "--json")
    assert json.loads(final.stdout)["counts"]["created"] == 0
    assert zuora_state(sandbox)["orders"]


def test_retry_failed_replans_only_the_failed_records_and_syncs_them_once_fixed(sandbox: Sandbox) -> None:
    plan = json.loads(run(sandbox, "--dry-run", "--json").stdout)
    account = next(
        s["request"]["body"]
        for s in plan["steps"]
        if s["kind"] == "create_account" and s["request"]["body"]["billToContact"].get("country") == "United States"
    )
    connections = open_sandbox(sandbox.data_dir)
    try:
        # the account's billing state is missing: it fails, and its orders are held back
        connections.salesforce.call(lambda sf: sf.Account.update(account["crmId"], {"BillingState": None}))
        first = json.loads(run(sandbox, "--json").stdout)
        assert first["counts"]["failed"] > 0
        # the admin fills it in, then retries only what failed
        state = account["billToContact"]["state"]
        connections.salesforce.call(lambda sf: sf.Account.update(account["crmId"], {"BillingState": state}))
    finally:
        connections.close()
    retried = run(sandbox, "--retry-failed", first["run_id"], "--json")
    summary = json.loads(retried.stdout)
    assert summary["retry_of"] == first["run_id"]
    assert 0 < summary["records"] < first["records"]
    assert summary["counts"][RecordStatus.CREATED.value] > 0
    assert_exactly_once_and_ledger_agrees(sandbox)
    assert account["crmId"] in zuora_state(sandbox)["accounts"]


def test_on_a_terminal_a_progress_line_updates_in_place(sandbox: Sandbox) -> None:
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        cli("--sandbox", str(sandbox.data_dir)), stdout=terminal, stderr=subprocess.DEVNULL, close_fds=True
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(controller)
    shown = b"".join(chunks).decode()
    assert proc.returncode == 3
    assert shown.count("\r") > 3
    assert " records · " in shown
    assert "\nRun " in shown


def test_a_failed_record_is_reported_with_the_commands_that_fix_it(sandbox: Sandbox) -> None:
    plan = json.loads(run(sandbox, "--dry-run", "--json").stdout)
    problem = next(p["record"] for p in plan["problems"] if p["record"]["object"] == "Order")
    done = run(sandbox, "--order", problem["id"])
    assert done.returncode == 3, done.stdout + done.stderr
    run_id = done.stdout.split()[1].rstrip(":")
    assert f"cpq-desktop logs show {run_id}" in done.stdout
    assert f"cpq-desktop sync --sandbox {sandbox.data_dir} --retry-failed {run_id}" in done.stdout
