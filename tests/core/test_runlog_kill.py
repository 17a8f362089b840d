"""A run killed with SIGKILL while it writes leaves logs that read back: whole JSON lines, CSV rows, a listing."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from cpq_desktop.core.runlog import export_run, list_run_logs
from cpq_desktop.core.sync.results import RecordStatus, RunStatus

CHILD = textwrap.dedent(
    """
    import sys
    from itertools import count
    from pathlib import Path
    from cpq_desktop.core.runlog import RunLog
    from cpq_desktop.core.sync.plan import RecordRef
    from cpq_desktop.core.sync.results import RecordResult, RecordStatus

    run_log = RunLog.open("killed-run", profile="prod", scope="all", log_root=Path(sys.argv[1]))
    for n in count():
        body = {"orderNumber": f"O-{n}", "notes": "line one\\nline \\"two\\"" * (n % 50)}
        run_log.event("decision", f"step {n}", body=body)
        status = RecordStatus.FAILED if n % 3 == 0 else RecordStatus.CREATED
        ref = RecordRef(object="Order", id=f"801-{n}", label=f"Müller, {n}")
        run_log.result(RecordResult(record=ref, status=status))
        if n == 300:
            run_log.flush()
            print("ready", flush=True)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX only")
def test_a_killed_run_leaves_readable_logs(tmp_path: Path) -> None:
    log_root = tmp_path / "log"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(log_root)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        # It keeps writing as fast as it can: the kill lands in the middle of it.
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    folder = log_root / "runs" / "killed-run"
    # the kill may cut a line (even a character) short: read the bytes as they are
    raw = (folder / "run.jsonl").read_bytes().decode("utf-8", errors="replace")
    complete = raw.split("\n")[:-1]  # what follows the last newline is a line the kill cut short, if any
    events = [json.loads(line) for line in complete]
    decisions = [e for e in events if e["kind"] == "decision"]
    assert len(decisions) > 300
    assert [e["message"] for e in decisions] == [f"step {n}" for n in range(len(decisions))]

    with (folder / "results.csv").open(encoding="utf-8-sig", errors="replace", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) > 300
    complete_rows = rows[:-1]  # the last row may have been cut short
    assert [r["Salesforce Id"] for r in complete_rows] == [f"801-{n}" for n in range(len(complete_rows))]
    assert all(r["Name"] == f"Müller, {n}" for n, r in enumerate(complete_rows))

    [info] = list_run_logs(log_root)
    assert info.run_id == "killed-run"
    assert info.status is RunStatus.INTERRUPTED
    assert info.counts[RecordStatus.FAILED] + info.counts[RecordStatus.CREATED] >= len(complete_rows)
    assert info.counts[RecordStatus.FAILED] >= len(complete_rows) // 3

    exported = export_run("killed-run", tmp_path / "killed.zip", log_root=log_root)
    with zipfile.ZipFile(exported) as archive:
        text = archive.read("killed-run/run.jsonl").decode("utf-8", errors="replace")
    assert [json.loads(line) for line in text.split("\n")[:-1]] == events
