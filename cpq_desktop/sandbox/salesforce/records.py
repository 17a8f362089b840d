"""Record writes as the REST API exposes them, on top of the store: create, update, upsert by external id,
lookups by external id, and the ``updated``/``deleted`` replication resources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cpq_desktop.sandbox.salesforce.errors import SalesforceApiError
from cpq_desktop.sandbox.salesforce.schema import FieldDef, ObjectDef
from cpq_desktop.sandbox.salesforce.store import OrgStore, record_url
from cpq_desktop.sandbox.salesforce.values import format_datetime, parse_datetime

REPLICATION_WINDOW = timedelta(days=30)


class MoreThanOneRecord(Exception):
    """An external id matched several records: the API answers 300 with their URLs."""

    def __init__(self, urls: list[str]) -> None:
        super().__init__(f"{len(urls)} records match")
        self.urls = urls


@dataclass(frozen=True)
class UpsertResult:
    id: str
    created: bool


def fields_of(body: Any) -> dict[str, Any]:
    """The field values of a record body: a JSON object, without ``attributes``."""
    if not isinstance(body, dict):
        kind = "an array" if isinstance(body, list) else type(body).__name__
        raise SalesforceApiError(
            400, "JSON_PARSER_ERROR", f"Cannot deserialize a record from {kind}; send a JSON object of field values."
        )
    return {k: v for k, v in body.items() if k != "attributes"}


class RecordService:
    """The REST write and lookup rules that sit between the HTTP routes and the store."""

    def __init__(self, store: OrgStore) -> None:
        self.store = store

    def create(self, sobject: str, body: Any) -> str:
        values = fields_of(body)
        if any(k.lower() == "id" for k in values):
            raise SalesforceApiError(400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        return self.store.insert(sobject, values)

    def update(self, sobject: str, record_id: str, body: Any) -> None:
        values = fields_of(body)
        for key in [k for k in values if k.lower() == "id"]:
            # The id in the URL decides; a matching Id in the body is tolerated as the real API does.
            if str(values[key])[:15] != record_id[:15]:
                raise SalesforceApiError(
                    400, "INVALID_FIELD", "The Id in the request body does not match the Id in the URL.", ["Id"]
                )
            del values[key]
        self.store.update(sobject, record_id, values)

    def external_field(self, sobject: str, field: str) -> tuple[ObjectDef, FieldDef]:
        obj = self.store.object_def(sobject)
        fdef = obj.field(field)
        if fdef is None or not (fdef.external_id or fdef.type == "id"):
            raise SalesforceApiError(
                404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {field}"
            )
        return obj, fdef

    def _matches(self, obj: ObjectDef, fdef: FieldDef, value: str, api_version: str) -> list[str]:
        found = self.store.find_ids_by_field(obj.name, fdef.name, value)
        if len(found) > 1:
            raise MoreThanOneRecord([record_url(obj.name, i, api_version) for i in found])
        return found

    def find_one(self, sobject: str, field: str, value: str, api_version: str) -> str:
        obj, fdef = self.external_field(sobject, field)
        if fdef.type == "id":
            return value
        found = self._matches(obj, fdef, value, api_version)
        if not found:
            raise SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return found[0]

    def upsert(
        self, sobject: str, field: str, value: str, body: Any, api_version: str, *, update_only: bool = False
    ) -> UpsertResult:
        obj, fdef = self.external_field(sobject, field)
        values = fields_of(body)
        for key in [k for k in values if k.lower() == fdef.key]:
            if values[key] is not None and str(values[key]) != value:
                raise SalesforceApiError(
                    400,
                    "INVALID_FIELD",
                    f"The value of {fdef.name} in the request body does not match the value in the URL.",
                    [fdef.name],
                )
            del values[key]
        # Held across lookup and write so that two concurrent upserts of one value create one record.
        with self.store.lock:
            if fdef.type == "id":
                self.store.update(obj.name, value, values)
                return UpsertResult(self.store.get(obj.name, value, fields=["Id"])["Id"], created=False)
            found = self._matches(obj, fdef, value, api_version)
            if found:
                self.store.update(obj.name, found[0], values)
                return UpsertResult(found[0], created=False)
            if update_only:
                raise SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
            return UpsertResult(self.store.insert(obj.name, {**values, fdef.name: value}), created=True)

    # -- replication -------------------------------------------------------------------------------

    def _window(self, args: Mapping[str, str]) -> tuple[str, str]:
        start, end = parse_datetime(args.get("start", "")), parse_datetime(args.get("end", ""))
        if start is None or end is None:
            raise SalesforceApiError(
                400,
                "INVALID_REPLICATION_DATE",
                "start and end are required ISO-8601 datetimes, e.g. start=2024-01-01T00:00:00Z",
            )
        if end < start:
            raise SalesforceApiError(400, "INVALID_REPLICATION_DATE", "end must not be before start")
        if self.store.now() - start > REPLICATION_WINDOW:
            raise SalesforceApiError(
                400, "INVALID_REPLICATION_DATE", "start must be within the last 30 days; use a SystemModstamp query"
            )
        return start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ")

    def updated(self, sobject: str, args: Mapping[str, str], api_version: str) -> dict[str, Any]:
        obj = self.store.object_def(sobject)
        start, end = self._window(args)
        result = self.store.query(
            f"SELECT Id FROM {obj.name} WHERE SystemModstamp >= {start} AND SystemModstamp <= {end}",
            api_version=api_version,
        )
        latest = parse_datetime(args["end"])
        assert latest is not None
        return {"ids": [r["Id"] for r in result.records], "latestDateCovered": format_datetime(latest)}

    def deleted(self, sobject: str, args: Mapping[str, str], api_version: str) -> dict[str, Any]:
        obj = self.store.object_def(sobject)
        start, end = self._window(args)
        result = self.store.query(
            f"SELECT Id, SystemModstamp FROM {obj.name} WHERE IsDeleted = true "
            f"AND SystemModstamp >= {start} AND SystemModstamp <= {end}",
            include_deleted=True,
            api_version=api_version,
        )
        latest = parse_datetime(args["end"])
        assert latest is not None
        return {
            "deletedRecords": [{"id": r["Id"], "deletedDate": r["SystemModstamp"]} for r in result.records],
            "earliestDateAvailable": format_datetime(self.store.now() - REPLICATION_WINDOW),
            "latestDateCovered": format_datetime(latest),
        }
