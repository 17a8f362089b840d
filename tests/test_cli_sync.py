"""``cpq-desktop sync --dry-run`` against a running sandbox (``sandbox.json``), in process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpq_desktop.cli import EXIT_OK, EXIT_RECORDS_FAILED, EXIT_USAGE, main
from cpq_desktop.sandbox.runner import Sandbox, SandboxOptions


@pytest.fixture(scope="module")
def sandbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data_dir = tmp_path_factory.mktemp("cli-sync")
    sandbox = Sandbox(data_dir, SandboxOptions(orders=40, seed=7))
    sandbox.start()
    try:
        yield data_dir
    finally:
        sandbox.stop()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["sync", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_prints_every_write_and_a_summary(sandbox_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--sandbox", str(sandbox_dir), "--dry-run")
    code_json, text, _ = run(capsys, "--sandbox", str(sandbox_dir), "--dry-run", "--json")
    plan = json.loads(text)
    assert code == code_json == EXIT_RECORDS_FAILED  # the generated org has accounts without a billing state
    assert "Nothing was written to Salesforce or Zuora." in out
    counts = plan["counts"]
    assert f"{counts['create_account']} accounts to create" in out
    assert f"{counts['create_order']} orders" in out
    assert f"Zuora writes in order ({counts['steps']}):" in out
    for problem in plan["problems"]:
        assert problem["message"] in out
    first_order = next(s for s in plan["steps"] if s["kind"] == "create_order")
    assert first_order["request"]["body"]["processingOptions"] == {"runBilling": False, "collectPayment": False}
    assert f"[{first_order['step_id']}]" in out
    assert plan["salesforce_api_calls"] > 0


def test_one_order_by_number(sandbox_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(capsys, "--sandbox", str(sandbox_dir), "--dry-run", "--json", "--order", "00000001")
    plan = json.loads(text)
    assert code == EXIT_OK
    assert plan["orders_in_scope"] == 1
    (order,) = [s for s in plan["steps"] if s["kind"] == "create_order"]
    assert order["request"]["body"]["orderNumber"] == "00000001"
    assert order["lookup"] == {"kind": "order_number", "value": "00000001", "description": ""}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dry-run"], "one of the arguments --sandbox --profile is required"),
        (["--sandbox", "{dir}", "--dry-run", "--order", "1", "--account", "001"], "not allowed with argument"),
        (["--sandbox", "{dir}", "--dry-run", "--changed-since", "2025-01-01T00:00:00"], "needs a UTC offset"),
        (["--sandbox", "{missing}", "--dry-run"], "sandbox.json does not exist"),
        (["--profile", "Nobody", "--dry-run"], "there is no profile named 'Nobody'"),
    ],
)
def test_usage_and_configuration_errors_exit_1_with_one_line(
    sandbox_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    filled = [a.format(dir=sandbox_dir, missing=tmp_path / "nowhere") for a in args]
    try:
        code, out, err = run(capsys, *filled)
    except SystemExit as exc:  # argparse usage errors
        code, (out, err) = int(exc.code or 0), capsys.readouterr()
    assert code == EXIT_USAGE
    assert message in err
    assert out == ""
