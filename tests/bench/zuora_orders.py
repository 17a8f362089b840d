"""Benchmark: order creations per second on the sandbox Zuora tenant (not a test).

Creates two-charge CreateSubscription orders (a recurring per-unit seat charge with quantity and
price, a one-time setup fee: the shape of zuora-api.md §3.11) over HTTPS with ``requests``, with no
added latency, first from one client and then from 8 concurrent clients, and prints orders/second
against the floor of 150 orders/s a sync must never be bound by. Exit status 1 below the floor.

The tenant runs in a child process, as it does beside a separate client in real use, so the figures
measure the emulator and not the benchmark's own HTTP client competing with it for the GIL;
``--same-process`` measures both in one process (the worst case, e.g. tests).

    .venv/bin/python tests/bench/zuora_orders.py [--orders 600] [--clients 8]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from cpq_desktop.sandbox.tls import create_tls
from cpq_desktop.sandbox.zuora.server import ZuoraTenant

FLOOR = 150.0
VERSION = "2025-08-12"


@dataclass(frozen=True)
class Endpoint:
    url: str
    ca_file: str
    credentials: dict[str, str]


def serve(data_dir: str, ready: Any, stop: Any) -> None:
    """Child process: run a tenant until told to stop."""
    tenant = ZuoraTenant(Path(data_dir) / "zuora", create_tls(Path(data_dir)))
    tenant.start()
    ready.put(Endpoint(tenant.url, str(tenant.tls.ca_file), tenant.credentials()))
    stop.wait()
    tenant.stop()


@contextmanager
def running_tenant(same_process: bool) -> Iterator[Endpoint]:
    with tempfile.TemporaryDirectory(prefix="zuora-bench-") as tmp:
        if same_process:
            tenant = ZuoraTenant(Path(tmp) / "zuora", create_tls(Path(tmp)))
            tenant.start()
            try:
                yield Endpoint(tenant.url, str(tenant.tls.ca_file), tenant.credentials())
            finally:
                tenant.stop()
            return
        context = multiprocessing.get_context("spawn")
        ready, stop = context.Queue(), context.Event()
        child = context.Process(target=serve, args=(tmp, ready, stop), daemon=True)
        child.start()
        try:
            yield ready.get(timeout=60)
        finally:
            stop.set()
            child.join(timeout=30)


class Client(requests.Session):
    def __init__(self, tenant: Endpoint, token: str) -> None:
        super().__init__()
        self.base = tenant.url
        self.verify = tenant.ca_file
        self.trust_env = False
        self.headers.update({"Authorization": f"Bearer {token}", "Zuora-Version": VERSION})

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.request(method, self.base + path, timeout=30, **kwargs)
        body: dict[str, Any] = response.json()
        if response.status_code != 200 or body.get("success") is False or body.get("Success") is False:
            raise RuntimeError(f"{method} {path} failed: {response.status_code} {response.text[:300]}")
        return body


def token(tenant: Endpoint) -> str:
    with requests.Session() as session:
        session.verify = tenant.ca_file
        session.trust_env = False
        response = session.post(
            tenant.url + "/oauth/token", data={**tenant.credentials, "grant_type": "client_credentials"}
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


def prepare(client: Client) -> tuple[str, str, str, str]:
    """A product with one two-charge plan, and an account to order for."""
    dates = {"EffectiveStartDate": "2020-01-01", "EffectiveEndDate": "2040-01-01"}
    product = client.call("POST", "/v1/object/product", json={"Name": "Bench", **dates})["Id"]
    plan = client.call("POST", "/v1/object/product-rate-plan", json={"Name": "Seats", "ProductId": product, **dates})[
        "Id"
    ]
    common = {
        "ProductRatePlanId": plan,
        "BillCycleType": "DefaultFromCustomer",
        "TriggerEvent": "ContractEffective",
        "UseDiscountSpecificAccountingCode": False,
    }
    seats = client.call(
        "POST",
        "/v1/object/product-rate-plan-charge",
        json={
            **common,
            "Name": "Seats",
            "ChargeType": "Recurring",
            "ChargeModel": "Per Unit Pricing",
            "BillingPeriod": "Annual",
            "UOM": "Each",
            "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 480.0}]},
        },
    )["Id"]
    setup = client.call(
        "POST",
        "/v1/object/product-rate-plan-charge",
        json={
            **common,
            "Name": "Setup",
            "ChargeType": "OneTime",
            "ChargeModel": "Flat Fee Pricing",
            "BillingPeriod": "Month",
            "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 1500.0}]},
        },
    )["Id"]
    account = client.call(
        "POST",
        "/v1/accounts",
        json={
            "name": "Bench Co",
            "currency": "USD",
            "billCycleDay": 1,
            "billToContact": {"firstName": "A", "lastName": "B", "country": "United States", "state": "CA"},
        },
    )["accountNumber"]
    return plan, seats, setup, account


def order_body(plan: str, seats: str, setup: str, account: str) -> dict[str, Any]:
    dates = [
        {"name": n, "triggerDate": "2025-03-01"}
        for n in ("ContractEffective", "ServiceActivation", "CustomerAcceptance")
    ]
    return {
        "orderDate": "2025-03-01",
        "orderNumber": f"BENCH-{uuid.uuid4().hex[:16]}",
        "existingAccountNumber": account,
        "subscriptions": [
            {
                "orderActions": [
                    {
                        "type": "CreateSubscription",
                        "triggerDates": dates,
                        "createSubscription": {
                            "terms": {
                                "initialTerm": {"period": 12, "periodType": "Month", "termType": "TERMED"},
                                "renewalSetting": "RENEW_WITH_SPECIFIC_TERM",
                                "renewalTerms": [{"period": 12, "periodType": "Month"}],
                                "autoRenew": True,
                            },
                            "subscribeToRatePlans": [
                                {
                                    "productRatePlanId": plan,
                                    "chargeOverrides": [
                                        {
                                            "productRatePlanChargeId": seats,
                                            "pricing": {"recurringPerUnit": {"quantity": 25, "listPrice": 40.0}},
                                        },
                                        {
                                            "productRatePlanChargeId": setup,
                                            "pricing": {"oneTimeFlatFee": {"listPrice": 1500.0}},
                                        },
                                    ],
                                }
                            ],
                        },
                    }
                ]
            }
        ],
        "processingOptions": {"runBilling": False, "collectPayment": False},
    }


def run(clients: list[Client], ids: tuple[str, str, str, str], total: int) -> float:
    """Orders per second for ``total`` orders spread over ``clients`` threads."""
    per_client = total // len(clients)
    errors: list[BaseException] = []
    start = threading.Barrier(len(clients) + 1)

    def work(client: Client) -> None:
        start.wait()
        try:
            for _ in range(per_client):
                client.call("POST", "/v1/orders", json=order_body(*ids))
        except BaseException as exc:  # noqa: BLE001 - reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed; first error: {errors[0]}")
    return per_client * len(clients) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=600, help="orders per measurement (default 600)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--same-process", action="store_true", help="run the tenant in this process too")
    args = parser.parse_args()
    with running_tenant(args.same_process) as tenant:
        bearer = token(tenant)
        clients = [Client(tenant, bearer) for _ in range(args.clients)]
        ids = prepare(clients[0])
        run(clients[:1], ids, 50)  # warm-up: TLS sessions, SQLite pages, code paths
        sequential = run(clients[:1], ids, args.orders)
        concurrent = run(clients, ids, args.orders)
        for client in clients:
            client.close()
    where = "same process as the clients" if args.same_process else "own process"
    print(f"tenant in its {where}")
    print(f"two-charge CreateSubscription orders over HTTPS, no added latency, {args.orders} orders per run")
    print(
        f"  sequential (1 client):   {sequential:7.1f} orders/s  = {sequential / FLOOR:4.2f} x the {FLOOR:.0f}/s floor"
    )
    print(
        f"  concurrent ({args.clients} clients): {concurrent:7.1f} orders/s  = {concurrent / FLOOR:4.2f} x the "
        f"{FLOOR:.0f}/s floor"
    )
    ok = min(sequential, concurrent) >= FLOOR
    print("  PASS: at or above the floor" if ok else "  FAIL: below the floor")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
