"""Asynchronous orders (zuora-api.md §3.10) and what survives a restart of the tenant."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from cpq_desktop.sandbox.zuora.orders import order_jobs
from cpq_desktop.sandbox.zuora.server import ZuoraTenant
from tests.sandbox.zuora.test_orders.conftest import Examples, Subscribed, ZuoraClient, build_catalog, subscribe


def submit(client: ZuoraClient, body: dict[str, Any], **kwargs: Any) -> str:
    response = client.post("/v1/async/orders", json=body, **kwargs)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["success"] is True
    assert len(answer["jobId"]) == 32
    return str(answer["jobId"])


def finished(client: ZuoraClient, tenant: ZuoraTenant, job_id: str) -> dict[str, Any]:
    assert order_jobs(tenant.store).wait(job_id)
    return client.ok("GET", f"/v1/async-jobs/{job_id}")


def test_async_job_goes_from_processing_to_completed(
    orders_client: ZuoraClient, examples: Examples, zuora_tenant: ZuoraTenant
) -> None:
    body = examples.a()
    with order_jobs(zuora_tenant.store).held():
        job_id = submit(orders_client, body)
        polled = orders_client.ok("GET", f"/v1/async-jobs/{job_id}")
        assert polled["status"] == "Processing"
        assert polled["errors"] is None
        assert "result" not in polled
        assert orders_client.get(f"/v1/orders/{body['orderNumber']}").status_code == 404

    done = finished(orders_client, zuora_tenant, job_id)
    assert done["status"] == "Completed"
    result = done["result"]
    assert result["jobType"] == "AsyncCreateOrder"
    assert (result["orderNumber"], result["status"]) == (body["orderNumber"], "Completed")
    [sub] = result["subscriptions"]
    assert sub["status"] == "Active"
    got = orders_client.ok("GET", f"/v1/subscriptions/{sub['subscriptionNumber']}")
    assert got["ratePlans"][0]["ratePlanCharges"][0]["quantity"] == 25


def test_async_result_follows_the_version_the_order_was_sent_with(
    orders_client: ZuoraClient, examples: Examples, zuora_tenant: ZuoraTenant
) -> None:
    job_id = submit(orders_client, examples.a(), headers={"Zuora-Version": "196.0"})
    result = finished(orders_client, zuora_tenant, job_id)["result"]
    assert "subscriptions" not in result
    assert len(result["subscriptionNumbers"]) == 1


def test_failed_async_job_reports_the_error_as_text(
    orders_client: ZuoraClient, examples: Examples, zuora_tenant: ZuoraTenant, subscribed: Subscribed
) -> None:
    body = examples.b(subscribed)
    body["existingAccountNumber"] = "A99999999"
    done = finished(orders_client, zuora_tenant, submit(orders_client, body))
    assert done["status"] == "Failed"
    assert "A99999999" in done["errors"]
    assert "result" not in done
    assert orders_client.ok("GET", f"/v1/subscriptions/{subscribed.subscription_number}")["version"] == 1


def test_async_orders_take_up_to_300_subscriptions(
    orders_client: ZuoraClient, examples: Examples, zuora_tenant: ZuoraTenant
) -> None:
    entry = json.dumps(examples.a()["subscriptions"][0])
    body = examples.a()
    body["subscriptions"] = [json.loads(entry.replace('"QL', f'"{i}-QL')) for i in range(60)]
    done = finished(orders_client, zuora_tenant, submit(orders_client, body))
    assert done["status"] == "Completed"
    assert len(done["result"]["subscriptions"]) == 60

    too_many = copy.deepcopy(body)
    too_many["orderNumber"] += "-X"
    too_many["subscriptions"] = too_many["subscriptions"] * 6  # 360
    failed = finished(orders_client, zuora_tenant, submit(orders_client, too_many))
    assert failed["status"] == "Failed"
    assert "at most 300 subscriptions" in failed["errors"]


def test_async_refuses_a_body_that_is_not_json_at_once(orders_client: ZuoraClient) -> None:
    response = orders_client.post("/v1/async/orders", data=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["reasons"][0]["code"] % 100 == 90


def test_unknown_job_is_not_found(orders_client: ZuoraClient) -> None:
    response = orders_client.get(f"/v1/async-jobs/{'0' * 32}")
    assert response.status_code == 404
    assert response.json()["reasons"][0]["code"] % 100 == 40


def test_orders_subscriptions_and_queued_jobs_survive_a_restart(zuora_tenant: ZuoraTenant, tmp_path: Path) -> None:
    data_dir = tmp_path / "tenant"
    first = ZuoraTenant(data_dir, zuora_tenant.tls)
    # The custom fields the reference examples carry, as the session tenant defines them.
    first.update_settings(custom_fields=zuora_tenant.settings.to_json()["custom_fields"])
    first.start()
    try:
        with ZuoraClient(first) as client:
            local = Examples(build_catalog(client))
            sub = subscribe(client, local)
            job_body = local.b(sub)
            with order_jobs(first.store).held():
                job_id = submit(client, job_body)
                first.stop()
    finally:
        first.stop()

    second = ZuoraTenant(data_dir, zuora_tenant.tls)
    second.start()
    try:
        with ZuoraClient(second) as client:
            order = client.ok("GET", f"/v1/orders/{sub.order_number}")["order"]
            assert order["existingAccountNumber"] == sub.account_number
            done = finished(client, second, job_id)
            assert done["status"] == "Completed"
            latest = client.ok("GET", f"/v1/subscriptions/{sub.subscription_number}")
            assert latest["version"] == 2
            assert latest["ratePlans"][0]["ratePlanCharges"][0]["quantity"] == 30
            # A new order after the restart gets a fresh number, not one already used.
            assert subscribe(client, local).subscription_number != sub.subscription_number
    finally:
        second.stop()
