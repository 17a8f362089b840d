"""Benchmark of the sandbox Salesforce org (not a test): is the org ever the bottleneck of a sync?

    .venv/bin/python tests/bench/salesforce_queries.py [--orders 20000] [--data-dir DIR] [--seconds 5]

The org runs in its own process (as under ``cpq-desktop sandbox serve``) so that the clients measured here
don't share its interpreter. Clients are unmodified simple-salesforce / requests sessions over TLS with
keep-alive. Reported: queries per second for a 1-row query and for a 2000-row page with a parent path and a
child sub-query, and simple requests per second sequentially and from 8 concurrent clients, with the ratio
against the target of 300 simple requests per second.

The generated org is kept in ``--data-dir`` (default: a folder under the system temp dir named after the
order count and seed), so only the first run pays for generating it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from simple_salesforce.api import Salesforce

TARGET_SIMPLE_RPS = 300.0
API_VERSION = "59.0"
ONE_ROW = "SELECT Id, Name, BillingCity FROM Account WHERE Id = '{id}'"
BIG_PAGE = (
    "SELECT Id, OrderNumber, Status, EffectiveDate, Account.Name, SBQQ__Quote__r.SBQQ__Type__c, "
    "(SELECT Id, Quantity, UnitPrice FROM OrderItems) FROM Order"
)


# -- the org process -------------------------------------------------------------------------------------------


def serve(data_dir: Path, orders: int, seed: int) -> None:
    """Child process: generate if needed, start the org, print its details as a JSON line, serve until stdin closes."""
    from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
    from cpq_desktop.sandbox.tls import create_tls

    tls = create_tls(data_dir)
    org = SalesforceOrg(data_dir / "salesforce", tls)
    started = time.monotonic()
    generated = org.generate(orders=orders, seed=seed)
    generation_s = time.monotonic() - started if generated is not None else None
    org.start()
    print(
        json.dumps(
            {
                "url": org.url,
                "ca_file": str(tls.ca_file),
                "credentials": org.credentials(),
                "generation_s": generation_s,
            }
        ),
        flush=True,
    )
    sys.stdin.read()
    org.stop()


# -- clients ---------------------------------------------------------------------------------------------------


def _session(ca_file: str) -> requests.Session:
    session = requests.Session()
    session.verify = ca_file
    session.trust_env = False
    return session


def _token(info: dict[str, Any], session: requests.Session) -> str:
    creds = info["credentials"]
    answer = session.post(
        f"{info['url']}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
            "username": creds["username"],
            "password": creds["password"] + creds["security_token"],
        },
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _client(info: dict[str, Any]) -> Salesforce:
    session = _session(info["ca_file"])
    return Salesforce(instance_url=info["url"], session_id=_token(info, session), session=session, version=API_VERSION)


def _rate(action: Callable[[], object], seconds: float) -> tuple[float, int]:
    """Calls per second of ``action`` run back to back for about ``seconds`` (after one warm-up call)."""
    action()
    count, started = 0, time.perf_counter()
    while True:
        action()
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return count / elapsed, count


def _simple_worker(args: tuple[dict[str, Any], str, float]) -> int:
    """One concurrent client process: GET one record by id for ``seconds``; returns how many calls succeeded."""
    info, record_id, seconds = args
    session = _session(info["ca_file"])
    headers = {"Authorization": f"Bearer {_token(info, session)}"}
    url = f"{info['url']}/services/data/v{API_VERSION}/sobjects/Account/{record_id}"
    session.get(url, headers=headers, timeout=30).raise_for_status()
    count, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        session.get(url, headers=headers, timeout=30).raise_for_status()
        count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.gettempdir()) / f"cpq-bench-sf-{args.orders}-{args.seed}"
    if args.serve:
        serve(data_dir, args.orders, args.seed)
        return 0

    command = [sys.executable, __file__, "--serve", "--orders", str(args.orders), "--seed", str(args.seed),
               "--data-dir", str(data_dir)]  # fmt: skip
    print(f"Starting the org in {data_dir} (generating {args.orders} orders if it is empty)...", flush=True)
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line:
            print("The org process exited before it was ready.", file=sys.stderr)
            return 1
        info = json.loads(line)
        if info["generation_s"] is not None:
            print(f"Generated the org in {info['generation_s']:.1f} s.")
        sf = _client(info)
        counts = {name: sf.query(f"SELECT COUNT() FROM {name}")["totalSize"] for name in ("Order", "OrderItem")}
        print(f"Org: {counts['Order']} orders, {counts['OrderItem']} order products.\n")
        account_id = sf.query("SELECT Id FROM Account LIMIT 1")["records"][0]["Id"]

        one_row, _ = _rate(lambda: sf.query(ONE_ROW.format(id=account_id)), args.seconds)
        page = sf.query(BIG_PAGE)
        rows = len(page["records"]) + sum(len(r["OrderItems"]["records"]) for r in page["records"] if r["OrderItems"])
        big, big_count = _rate(lambda: sf.query(BIG_PAGE), max(args.seconds, 1.0))
        next_url = page["nextRecordsUrl"]
        more, _ = _rate(lambda: sf.query_more(next_url, identifier_is_url=True), args.seconds)

        session = _session(info["ca_file"])
        headers = {"Authorization": f"Bearer {_token(info, session)}"}
        record_url = f"{info['url']}/services/data/v{API_VERSION}/sobjects/Account/{account_id}"
        sequential, _ = _rate(
            lambda: session.get(record_url, headers=headers, timeout=30).raise_for_status(), args.seconds
        )
        with multiprocessing.Pool(8) as pool:
            started = time.perf_counter()
            done = pool.map(_simple_worker, [(info, account_id, args.seconds)] * 8)
            concurrent = sum(done) / (time.perf_counter() - started)

        print(f"1-row query (SOQL by Id)                         {one_row:8.1f} queries/s")
        print(
            f"2000-row page, parent path + child sub-query     {big:8.2f} queries/s  "
            f"({len(page['records'])} orders + their lines = {rows} rows; totalSize {page['totalSize']}; "
            f"{big_count} runs)"
        )
        print(f"  next page of that query (cursor, queryMore)    {more:8.2f} pages/s")
        print(
            f"simple requests (GET record), sequential         {sequential:8.1f} requests/s  "
            f"= {sequential / TARGET_SIMPLE_RPS:.2f} x target {TARGET_SIMPLE_RPS:.0f}"
        )
        print(
            f"simple requests (GET record), 8 clients          {concurrent:8.1f} requests/s  "
            f"= {concurrent / TARGET_SIMPLE_RPS:.2f} x target {TARGET_SIMPLE_RPS:.0f}"
        )
        return 0 if max(sequential, concurrent) >= TARGET_SIMPLE_RPS else 3
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
