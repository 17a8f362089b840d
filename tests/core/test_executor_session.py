"""A whole sync run through :func:`run_sync` over both sandboxes: write-back of Zuora keys and sync status
to Salesforce in sObject Collections batches, the unsynced scope shrinking after it, the run's history and
debug logs, and no secret or token in any file of the run.
"""

from __future__ import annotations

from typing import Any

from cpq_desktop.core.config.models import WriteBackSettings
from cpq_desktop.core.extract import UnsyncedScope
from cpq_desktop.core.planning.connections import Connections
from cpq_desktop.core.runlog import run_folder
from cpq_desktop.core.sync.history import RunHistory
from cpq_desktop.core.sync.results import ExitCode, RecordStatus
from cpq_desktop.core.sync.session import SyncOptions, run_sync
from cpq_desktop.core.sync.writeback import BATCH
from cpq_desktop.sandbox.runner import Sandbox


def soql(connections: Connections, query: str) -> list[dict[str, Any]]:
    result: dict[str, Any] = connections.salesforce.call(lambda sf: sf.query_all(query))
    return list(result["records"])


def test_write_back_puts_zuora_keys_and_status_on_the_salesforce_records(connections: Connections) -> None:
    options = SyncOptions(writeback=WriteBackSettings(enabled=True))
    run = run_sync(connections, UnsyncedScope(), options=options)
    assert run.summary.exit_code is ExitCode.RECORDS_FAILED
    by_id = {r.record.id: r for r in run.results}
    orders = {
        row["Id"]: row
        for row in soql(
            connections,
            "SELECT Id, Zuora_Order_Number__c, Zuora_Sync_Status__c, Zuora_Sync_Time__c, Zuora_Sync_Error__c "
            "FROM Order",
        )
    }
    created = [r for r in run.results if r.record.object == "Order" and r.status is RecordStatus.CREATED]
    assert len(created) >= 15
    for result in created:
        row = orders[result.record.id]
        assert row["Zuora_Order_Number__c"] == result.zuora.order_number
        assert row["Zuora_Sync_Status__c"] == "Synced"
        assert row["Zuora_Sync_Time__c"]
        assert row["Zuora_Sync_Error__c"] is None
    failed = [r for r in run.results if r.record.object == "Order" and r.status is RecordStatus.FAILED]
    assert failed
    for result in failed:
        assert orders[result.record.id]["Zuora_Sync_Status__c"] == "Failed"
        assert result.error_class in orders[result.record.id]["Zuora_Sync_Error__c"]
    accounts = {
        r["Id"]: r["Zuora_Account_Number__c"]
        for r in soql(connections, "SELECT Id, Zuora_Account_Number__c FROM Account")
    }
    for result in run.results:
        if result.record.object == "Account" and result.status is RecordStatus.CREATED:
            assert accounts[result.record.id] == result.zuora.account_number
    numbers = {n for r in created for n in r.zuora.subscription_numbers}
    subs = soql(connections, "SELECT Name, Zuora_Subscription_Number__c FROM SBQQ__Subscription__c")
    written = {s["Name"] for s in subs if s["Zuora_Subscription_Number__c"] == s["Name"]}
    assert numbers
    assert numbers <= written | {n for n in numbers if n not in {s["Name"] for s in subs}}
    assert by_id
    # the unsynced scope now holds only what did not sync (some of it can go now that its accounts exist)
    again = run_sync(connections, UnsyncedScope(), options=options)
    again_orders = {r.record.id for r in again.results if r.record.object == "Order"}
    assert again_orders
    assert again_orders.isdisjoint({r.record.id for r in created})
    not_synced = {r.record.id for r in run.results if r.status in (RecordStatus.FAILED, RecordStatus.HELD_BACK)}
    assert {r.record.id for r in again.results if r.status is RecordStatus.CREATED} <= not_synced


def test_write_back_batches_are_at_most_200_records(connections: Connections) -> None:
    assert BATCH == 200
    before = connections.salesforce.api_calls
    run = run_sync(connections, UnsyncedScope(), options=SyncOptions(writeback=WriteBackSettings(enabled=True)))
    # this process's connection only writes back (the planning process reads the scope with its own): one
    # query for the CPQ subscriptions' ids and one PATCH per 200 records
    assert connections.salesforce.api_calls - before <= 2 + (len(run.results) // BATCH + 1)


def test_the_run_is_in_the_history_and_its_logs_hold_no_secret(sandbox: Sandbox, connections: Connections) -> None:
    run = run_sync(connections, UnsyncedScope())
    with RunHistory() as history:
        entry = history.get_run(run.summary.run_id)
        assert entry.summary.counts[RecordStatus.CREATED] == run.summary.counts[RecordStatus.CREATED] > 0
        assert len(history.results(run.summary.run_id)) == len(run.results)
    folder = run_folder(run.summary.run_id)
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["results.csv", "run.jsonl", "run.log", "summary.json"]
    credentials = sandbox.info()["credentials"]
    secrets = [
        credentials["salesforce"]["password"],
        credentials["salesforce"]["security_token"],
        credentials["salesforce"]["client_secret"],
        credentials["zuora"]["client_secret"],
        connections.salesforce.tokens.access_token,
    ]
    assert all(secrets)
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8-sig")
        for secret in secrets:
            assert secret not in text, path.name
    jsonl = (folder / "run.jsonl").read_text(encoding="utf-8")
    assert '"kind": "exchange"' in jsonl or '"kind":"exchange"' in jsonl
    assert "POST /v1/orders" in (folder / "run.log").read_text(encoding="utf-8")


def test_the_pool_shrinks_to_the_tenants_concurrency_limit(sandbox: Sandbox, connections: Connections) -> None:
    sandbox.zuora.set_concurrency_limit(3)
    sandbox.zuora.update_settings(retry_after_seconds=1)
    run = run_sync(connections, UnsyncedScope(), options=SyncOptions(concurrency=10))
    assert run.summary.counts[RecordStatus.CREATED] > 20
    jsonl = (run_folder(run.summary.run_id) / "run.jsonl").read_text(encoding="utf-8")
    assert "the tenant allows 3 concurrent requests" in jsonl
    assert '"status":429' not in jsonl.replace(" ", "")
