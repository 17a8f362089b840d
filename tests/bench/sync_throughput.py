"""Benchmark: a full headless sync of a generated org into a fresh Zuora tenant.

    .venv/bin/python tests/bench/sync_throughput.py [--orders 2000] [--scale-to 20000]
        [--latency-ms 50] [--zuora-concurrency 10] [--keep]

Both sandboxes run in this process with the added latency per request; the sync runs as the real
command line (``cpq-desktop sync --sandbox DIR --json``) in a child process (which reads and plans in a
child of its own). Prints the wall time, when each part of the plan arrived and writing began,
Salesforce and Zuora calls per order, the peak memory of the sync's processes (from its run log), and
the ratio of the wall time to the floor ``ceil(Zuora writes / concurrency) × latency`` — the time the
writes alone need at that concurrency. Then each goal of issue 6 as a ratio to its limit: wall time /
floor ≤ 1.5, Zuora calls per order ≤ 1.2, peak RSS ≤ 300 MB, and with ``--scale-to N`` (a second run
at N orders) the time per order at N within 20% of the first run's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cpq_desktop.sandbox.runner import Sandbox, SandboxOptions


@dataclass
class _Timeline:
    """From the run log: when each part of the plan arrived, when writing began and when the run ended."""

    parts: list[tuple[float, int]]
    first_write: float
    finished: float
    # peak memory by process (the sync, and the child reading and planning for it), from the run log
    peak_mb: dict[str, float]

    @property
    def in_scope(self) -> int:
        """Salesforce orders in scope (new business plus the amendments and renewals the generator adds)."""
        return sum(orders for _, orders in self.parts)


def _timeline(jsonl: Path) -> _Timeline:
    parts: list[tuple[float, int]] = []
    peak_mb: dict[str, float] = {}
    first_write = finished = 0.0
    with jsonl.open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            if event["kind"] == "plan":
                parts.append((float(event["t"]), int(event.get("counts", {}).get("orders_in_scope", 0))))
            elif event["kind"] == "exchange" and event.get("method") in ("POST", "PUT") and not first_write:
                if "object-query" not in str(event.get("path")):
                    first_write = float(event["t"])
            elif event["kind"] == "run_finished":
                finished = float(event["t"])
            elif event["kind"] == "memory":
                peak_mb[str(event["process"])] = float(event["peak_rss_mb"])
    return _Timeline(parts, first_write, finished, peak_mb)


@dataclass
class _Figures:
    """One run's measured figures."""

    orders: int
    wall: float
    floor: float
    calls_per_order: float
    peak_mb: float

    @property
    def ms_per_order(self) -> float:
        return self.wall / self.orders * 1000


def _run(args: argparse.Namespace, new_business: int) -> _Figures | None:
    """Sync a fresh sandbox of ``new_business`` orders into an empty tenant; print what it measured."""
    with contextlib.ExitStack() as cleanup:
        root = Path(tempfile.mkdtemp(prefix="cpq-bench-"))
        if args.keep:
            print(f"kept in {root}", flush=True)
        else:
            cleanup.callback(shutil.rmtree, root, ignore_errors=True)
        started = time.monotonic()
        sandbox = Sandbox(
            root / "sandbox",
            SandboxOptions(
                orders=new_business,
                seed=args.seed,
                latency_ms=args.latency_ms,
                zuora_concurrency=args.zuora_concurrency,
            ),
        )
        sandbox.start()
        print(f"sandbox with {new_business} orders ready in {time.monotonic() - started:.1f} s", flush=True)
        env = {
            **os.environ,
            "XDG_DATA_HOME": str(root / "data"),
            "XDG_STATE_HOME": str(root / "state"),
            "XDG_CONFIG_HOME": str(root / "config"),
            "XDG_CACHE_HOME": str(root / "cache"),
        }
        try:
            began = time.monotonic()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "cpq_desktop",
                    "sync",
                    "--sandbox",
                    str(root / "sandbox"),
                    "--concurrency",
                    str(args.zuora_concurrency),
                    "--json",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.monotonic() - began
        finally:
            sandbox.stop()
        if done.returncode not in (0, 3):
            print(done.stdout, done.stderr, sep="\n")
            return None
        summary = json.loads(done.stdout)
        timeline = _timeline(next((root / "state").rglob("run.jsonl")))
        with sqlite3.connect(root / "data" / "cpq-desktop" / "ledger.sqlite3") as db:
            writes = int(db.execute("SELECT COUNT(*) FROM intents").fetchone()[0])
            orders_written = int(db.execute("SELECT COUNT(*) FROM intents WHERE step_id LIKE 'order:%'").fetchone()[0])
    floor = math.ceil(writes / args.zuora_concurrency) * args.latency_ms / 1000
    # "Per order" is per Salesforce order synced: --orders N asks for N new-business orders, and the
    # generator adds their amendments and renewals, each an order of its own.
    in_scope = timeline.in_scope
    orders = max(1, in_scope or new_business)
    figures = _Figures(
        orders=orders,
        wall=wall,
        floor=floor,
        calls_per_order=summary["zuora_calls"] / orders,
        peak_mb=sum(timeline.peak_mb.values()),
    )
    print(f"Salesforce orders:    {in_scope} in scope ({new_business} new business + amendments and renewals)")
    print(f"records:              {json.dumps(summary['counts'])}")
    print(f"wall time:            {wall:.2f} s (sync process, reading and planning included)")
    print(f"Zuora writes:         {writes} ({orders_written} order requests)")
    print(f"Zuora calls:          {summary['zuora_calls']} = {figures.calls_per_order:.3f} per order")
    print(f"Salesforce calls:     {summary['salesforce_calls']} = {summary['salesforce_calls'] / orders:.3f} per order")
    processes = " + ".join(f"{mb:.0f} MB {name}" for name, mb in timeline.peak_mb.items())
    print(
        f"peak RSS:             {figures.peak_mb:.0f} MB together ({processes}); largest process "
        f"{max(timeline.peak_mb.values(), default=0):.0f} MB"
    )
    print(f"floor:                {floor:.2f} s = ceil({writes} / {args.zuora_concurrency}) × {args.latency_ms:.0f} ms")
    print(f"ratio to the floor:   {wall / floor:.2f}" if floor else "ratio to the floor:   n/a (no writes)")
    print(f"time per order:       {figures.ms_per_order:.1f} ms")
    arrivals = ", ".join(f"{orders_} at {t:.1f} s" for t, orders_ in timeline.parts)
    print(f"plan parts:           {len(timeline.parts)} ({arrivals}) (from run.jsonl)")
    print(f"first write at:       {timeline.first_write:.2f} s; run finished at {timeline.finished:.2f} s")
    writing = timeline.finished - timeline.first_write
    print(f"writing / floor:      {writing / floor:.2f}" if floor else "writing / floor:      n/a")
    return figures


def _against(name: str, value: float, limit: float, shown: str) -> None:
    """One goal of issue 6: the figure, its limit and their ratio (at most 1.00 meets the goal)."""
    verdict = "met" if value <= limit else "NOT met"
    print(f"  {name:<36}{shown.format(value):>10} / {shown.format(limit):>8} = {value / limit:.3f}  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument(
        "--scale-to", type=int, metavar="N", help="run again with N orders and compare the time per order"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--zuora-concurrency", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the sandbox, ledger and run log; print where")
    args = parser.parse_args()

    figures = _run(args, args.orders)
    if figures is None:
        return 1
    scaled = None
    if args.scale_to:
        print()
        scaled = _run(args, args.scale_to)
        if scaled is None:
            return 1
    print("\ngoals (issue 6, set for --orders 2000 --scale-to 20000 at 50 ms and a limit of 10):")
    _against("wall time / floor", figures.wall / figures.floor if figures.floor else math.inf, 1.5, "{:.3f}")
    _against("Zuora calls per order", figures.calls_per_order, 1.2, "{:.4f}")
    _against("peak RSS, both processes together", figures.peak_mb, 300, "{:.0f} MB")
    if scaled is not None:
        ratio = scaled.ms_per_order / figures.ms_per_order
        _against(f"ms per order at {scaled.orders} / at {figures.orders}", ratio, 1.2, "{:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
