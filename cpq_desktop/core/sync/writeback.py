"""Optional write-back of Zuora keys and sync status to Salesforce (connector-spec §4.4).

After a run, each Order gets its Zuora order number, a sync status (``Synced`` / ``Failed`` /
``Pending`` for a held-back order), the time and, for a failure, the reason; each Account its Zuora
account number; each CPQ Subscription its Zuora subscription number. Field names come from the
profile (:class:`WriteBackSettings`); an empty name skips that value. Updates go through sObject
Collections, 200 records per call, ``allOrNone: false`` so one bad record does not stop the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from cpq_desktop.core.config.models import WriteBackSettings
from cpq_desktop.core.salesforce.connection import SalesforceConnection
from cpq_desktop.core.sync.results import RecordResult, RecordStatus

BATCH = 200
# Salesforce text fields are 255 characters unless the admin made them longer
ERROR_TEXT_LIMIT = 255

WriteBack = WriteBackSettings

_ORDER_STATUS = {
    RecordStatus.CREATED: "Synced",
    RecordStatus.UPDATED: "Synced",
    RecordStatus.ALREADY_IN_ZUORA: "Synced",
    RecordStatus.FAILED: "Failed",
    RecordStatus.HELD_BACK: "Pending",
}


@dataclass(frozen=True)
class WriteBackOutcome:
    updated: int
    failed: int
    calls: int
    errors: list[str]

    @property
    def message(self) -> str:
        text = f"wrote Zuora keys and sync status to {self.updated} Salesforce record(s) in {self.calls} call(s)"
        if self.failed:
            text += f"; {self.failed} could not be updated: " + "; ".join(self.errors[:5])
        return text


def _salesforce_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def updates_for(
    results: Iterable[RecordResult], settings: WriteBackSettings, subscription_ids: dict[str, str]
) -> list[dict[str, Any]]:
    """The sObject Collections records to update (``attributes``, ``id`` and the named fields)."""
    records: list[dict[str, Any]] = []
    for result in results:
        fields: dict[str, Any] = {}
        if result.record.object == "Order" and result.status in _ORDER_STATUS:
            synced = _ORDER_STATUS[result.status] == "Synced"
            if settings.order_number_field and result.zuora.order_number:
                fields[settings.order_number_field] = result.zuora.order_number
            if settings.status_field:
                fields[settings.status_field] = _ORDER_STATUS[result.status]
            if settings.time_field and synced:
                fields[settings.time_field] = _salesforce_time(result.finished_at or datetime.now(UTC))
            if settings.error_field:
                error = "" if synced else f"{result.error_class}: {result.message}".strip(": ")
                fields[settings.error_field] = error[:ERROR_TEXT_LIMIT] or None
            for number in result.zuora.subscription_numbers:
                if settings.subscription_number_field and number in subscription_ids:
                    records.append(
                        {
                            "attributes": {"type": "SBQQ__Subscription__c"},
                            "id": subscription_ids[number],
                            settings.subscription_number_field: number,
                        }
                    )
        elif result.record.object == "Account" and settings.account_number_field and result.zuora.account_number:
            fields[settings.account_number_field] = result.zuora.account_number
        if fields:
            records.append({"attributes": {"type": result.record.object}, "id": result.record.id, **fields})
    return records


def _subscription_ids(connection: SalesforceConnection, numbers: list[str]) -> dict[str, str]:
    """CPQ subscription Ids by Name (the Zuora subscription number the plan gave them)."""
    found: dict[str, str] = {}
    for start in range(0, len(numbers), BATCH):
        names = ", ".join(
            "'" + n.replace("\\", "\\\\").replace("'", "\\'") + "'" for n in numbers[start : start + BATCH]
        )
        soql = f"SELECT Id, Name FROM SBQQ__Subscription__c WHERE Name IN ({names})"
        rows: dict[str, Any] = connection.call(partial(_query_all, soql=soql))
        found.update({str(r["Name"]): str(r["Id"]) for r in rows.get("records") or []})
    return found


def _query_all(sf: Any, *, soql: str) -> Any:
    return sf.query_all(soql)


def _patch(sf: Any, records: list[dict[str, Any]]) -> Any:
    return sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": records})


def write_back(
    connection: SalesforceConnection, results: Iterable[RecordResult], settings: WriteBackSettings
) -> WriteBackOutcome:
    """Update Salesforce with the run's results; per-record failures are counted, not raised."""
    results = list(results)
    numbers = sorted({n for r in results if r.record.object == "Order" for n in r.zuora.subscription_numbers})
    subscription_ids = _subscription_ids(connection, numbers) if settings.subscription_number_field and numbers else {}
    records = updates_for(results, settings, subscription_ids)
    updated = failed = calls = 0
    errors: list[str] = []
    for start in range(0, len(records), BATCH):
        batch = records[start : start + BATCH]
        answer = connection.call(partial(_patch, records=batch))
        calls += 1
        for record, outcome in zip(batch, answer or [], strict=False):
            if outcome.get("success"):
                updated += 1
            else:
                failed += 1
                reasons = "; ".join(str(e.get("message")) for e in outcome.get("errors") or [])
                errors.append(f"{record['attributes']['type']} {record['id']}: {reasons}")
    return WriteBackOutcome(updated, failed, calls, errors)
