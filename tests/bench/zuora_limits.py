"""Benchmark: how the sandbox Zuora tenant's concurrency limit behaves under twice that many clients (not a test).

    .venv/bin/python tests/bench/zuora_limits.py [--limit 8] [--latency-ms 50] [--seconds 5]

The tenant runs in its own process (as under ``cpq-desktop sandbox serve``) with every concurrency pool
set to ``--limit`` and ``--latency-ms`` of injected processing time per request, so that requests really
overlap. Clients are plain ``requests`` sessions over TLS with keep-alive, each in its own thread,
creating accounts (``POST /v1/accounts``, a high-volume-pool call).

Three runs of ``--seconds`` each:
  1. ``limit`` clients (at the limit): the baseline, expected to see no 429 at all;
  2. ``2 x limit`` clients that retry a 429 at once (the worst-behaved client);
  3. ``2 x limit`` clients that back off 50-150 ms after a 429 (a client honouring ``Retry-After`` at a
     benchmark-friendly scale; the tenant itself answers the documented ``Retry-After: 120``).
Reported per run: answers, successes, 429s and their share, successful creations per second, the
``Retry-After`` and ``Concurrency-Limit-*`` values seen on 429s, and success latency p50/p95.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests


def serve(data_dir: Path, limit: int, latency_ms: float) -> None:
    """Child process: start the tenant, print its details as one JSON line, serve until stdin closes."""
    from cpq_desktop.sandbox.faults import FaultSettings
    from cpq_desktop.sandbox.tls import create_tls
    from cpq_desktop.sandbox.zuora.server import ZuoraTenant

    tls = create_tls(data_dir)
    tenant = ZuoraTenant(data_dir / "zuora", tls, faults=FaultSettings(latency_ms=latency_ms), concurrency_limit=limit)
    tenant.start()
    print(json.dumps({"url": tenant.url, "ca_file": str(tls.ca_file), "credentials": tenant.credentials()}), flush=True)
    sys.stdin.read()
    tenant.stop()


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[int] = field(default_factory=Counter)
    retry_after: Counter[str] = field(default_factory=Counter)
    limit_headers: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


def client_session(info: dict[str, Any], token: str) -> requests.Session:
    session = requests.Session()
    session.verify = info["ca_file"]
    session.trust_env = False
    session.headers.update({"Authorization": f"Bearer {token}", "Zuora-Version": "2025-08-12"})
    return session


def body() -> dict[str, Any]:
    return {
        "name": "Bench Co",
        "crmId": uuid.uuid4().hex[:18],
        "currency": "USD",
        "billCycleDay": 1,
        "billToContact": {"firstName": "Ben", "lastName": "Ch", "country": "US", "state": "CA"},
        "soldToSameAsBillTo": True,
    }


def worker(info: dict[str, Any], token: str, deadline: float, backoff: bool, tally: Tally) -> None:
    url = f"{info['url']}/v1/accounts"
    rng = random.Random()
    with client_session(info, token) as session:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                response = session.post(url, json=body(), timeout=30)
            except requests.RequestException:
                with tally.lock:
                    tally.errors += 1
                continue
            elapsed = time.perf_counter() - started
            with tally.lock:
                tally.statuses[response.status_code] += 1
                if response.status_code == 200:
                    tally.latencies.append(elapsed)
                elif response.status_code == 429:
                    tally.retry_after[response.headers.get("Retry-After", "-")] += 1
                    tally.limit_headers[
                        f"{response.headers.get('Concurrency-Limit-Type')} "
                        f"limit={response.headers.get('Concurrency-Limit-Limit')} "
                        f"remaining={response.headers.get('Concurrency-Limit-Remaining')}"
                    ] += 1
            if response.status_code == 429 and backoff:
                time.sleep(rng.uniform(0.05, 0.15))


def run(info: dict[str, Any], token: str, clients: int, seconds: float, backoff: bool) -> dict[str, Any]:
    tally = Tally()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=worker, args=(info, token, deadline, backoff, tally), daemon=True)
        for _ in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    answers = sum(tally.statuses.values())
    ok = tally.statuses[200]
    limited = tally.statuses[429]
    lat = sorted(tally.latencies)
    return {
        "clients": clients,
        "answers": answers,
        "ok": ok,
        "429": limited,
        "share_429": limited / answers if answers else 0.0,
        "other": {s: n for s, n in tally.statuses.items() if s not in (200, 429)},
        "connection_errors": tally.errors,
        "ok_per_second": ok / wall,
        "answers_per_second": answers / wall,
        "retry_after": dict(tally.retry_after),
        "limit_headers": dict(tally.limit_headers),
        "p50_ms": statistics.median(lat) * 1000 if lat else None,
        "p95_ms": lat[int(len(lat) * 0.95) - 1] * 1000 if lat else None,
    }


def report(title: str, figures: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"  clients                 {figures['clients']}")
    print(f"  answers                 {figures['answers']}  ({figures['answers_per_second']:.0f}/s)")
    print(f"  created (200)           {figures['ok']}  ({figures['ok_per_second']:.0f}/s)")
    print(f"  refused (429)           {figures['429']}  ({figures['share_429']:.1%} of answers)")
    if figures["other"] or figures["connection_errors"]:
        print(f"  other statuses          {figures['other']}  connection errors {figures['connection_errors']}")
    if figures["retry_after"]:
        print(f"  Retry-After on 429      {figures['retry_after']}")
        print(f"  limit headers on 429    {figures['limit_headers']}")
    if figures["p50_ms"] is not None:
        print(f"  success latency         p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=8, help="concurrency limit of every pool (default 8)")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="injected processing time per request")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each run")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.limit, args.latency_ms)
        return 0
    with tempfile.TemporaryDirectory(prefix="zuora-limits-") as tmp:
        child = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                tmp,
                "--limit",
                str(args.limit),
                "--latency-ms",
                str(args.latency_ms),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            info = json.loads(child.stdout.readline())
            auth = requests.Session()
            auth.verify = info["ca_file"]
            auth.trust_env = False
            with auth:
                token = auth.post(
                    f"{info['url']}/oauth/token",
                    data={**info["credentials"], "grant_type": "client_credentials"},
                    timeout=10,
                ).json()["access_token"]
            limit = args.limit
            print(
                f"Zuora sandbox concurrency limit {limit}, injected latency {args.latency_ms:g} ms, "
                f"{args.seconds:g} s per run"
            )
            report(f"1. at the limit ({limit} clients)", run(info, token, limit, args.seconds, backoff=False))
            report(
                f"2. twice the limit ({2 * limit} clients), immediate retry",
                run(info, token, 2 * limit, args.seconds, backoff=False),
            )
            report(
                f"3. twice the limit ({2 * limit} clients), 50-150 ms backoff after a 429",
                run(info, token, 2 * limit, args.seconds, backoff=True),
            )
        finally:
            if child.stdin is not None:
                child.stdin.close()
            child.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
