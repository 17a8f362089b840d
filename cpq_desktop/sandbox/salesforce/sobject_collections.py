"""sObject Collections (``/composite/sobjects``): create, update, upsert, delete and retrieve up to 200 records.

A well-formed request always answers 200 with one result per record, in request order; failures carry
``statusCode`` (not ``errorCode``). With ``allOrNone`` one failure rolls everything back and the other
records report ``ALL_OR_NONE_OPERATION_ROLLED_BACK`` (salesforce-api.md §2.6).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cpq_desktop.sandbox.salesforce import ids as record_ids
from cpq_desktop.sandbox.salesforce.errors import SalesforceApiError
from cpq_desktop.sandbox.salesforce.records import MoreThanOneRecord, RecordService, fields_of
from cpq_desktop.sandbox.salesforce.store import OrgStore

MAX_RECORDS = 200
MAX_RETRIEVE_IDS = 2000
_ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
    "fields": [],
}


class _Rollback(Exception):
    """Raised inside the all-or-none transaction to undo every write of the request."""


def _limit_error(count: int) -> SalesforceApiError:
    return SalesforceApiError(
        400,
        "EXCEEDED_ID_LIMIT",
        f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call (got {count})",
    )


def parse_body(body: Any) -> tuple[list[Any], bool]:
    """``(records, allOrNone)`` of a collections request; 400 for anything that is not that shape."""
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise SalesforceApiError(
            400, "JSON_PARSER_ERROR", 'The request body must be a JSON object with a "records" array.'
        )
    all_or_none = body.get("allOrNone", False)
    if not isinstance(all_or_none, bool):
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "allOrNone must be true or false.")
    records = body["records"]
    if len(records) > MAX_RECORDS:
        raise _limit_error(len(records))
    return records, all_or_none


def _type_of(record: Any) -> str:
    if not isinstance(record, dict):
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object.")
    attributes = record.get("attributes")
    kind = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(kind, str) or not kind:
        raise SalesforceApiError(400, "INVALID_TYPE", "Must send a concrete entity type (attributes.type).")
    return kind


def _id_of(record: dict[str, Any]) -> str | None:
    for key, value in record.items():
        if key.lower() == "id":
            return str(value) if value is not None else None
    return None


Operation = Callable[[], dict[str, Any]]


def _failure(error: SalesforceApiError, record_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": record_id, "success": False, "errors": [error.collection_error()], **extra}


def _run_all(store: OrgStore, operations: list[tuple[Operation, dict[str, Any]]], all_or_none: bool) -> list[Any]:
    """Run each operation; on failure its result is the prepared failure skeleton with the error filled in."""

    def run_one(operation: Operation, failure_extra: dict[str, Any]) -> dict[str, Any]:
        try:
            return operation()
        except SalesforceApiError as exc:
            return _failure(exc, **failure_extra)
        except MoreThanOneRecord as exc:
            error = SalesforceApiError(300, "DUPLICATE_EXTERNAL_ID", f"{len(exc.urls)} records match the external id")
            return _failure(error, **failure_extra)

    if not all_or_none:
        return [run_one(op, extra) for op, extra in operations]
    results: list[dict[str, Any]] = []
    try:
        with store.transaction():
            results = [run_one(op, extra) for op, extra in operations]
            if any(not r["success"] for r in results):
                raise _Rollback
    except _Rollback:
        return [
            r if not r["success"] else {**r, "id": None, "success": False, "errors": [dict(_ROLLED_BACK)]}
            for r in results
        ]
    return results


def create(service: RecordService, records: list[Any], all_or_none: bool) -> list[Any]:
    operations: list[tuple[Operation, dict[str, Any]]] = []
    for record in records:

        def operation(record: Any = record) -> dict[str, Any]:
            kind = _type_of(record)
            if _id_of(record) is not None:
                raise SalesforceApiError(400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
            return {"id": service.create(kind, record), "success": True, "errors": []}

        operations.append((operation, {}))
    return _run_all(service.store, operations, all_or_none)


def update(service: RecordService, records: list[Any], all_or_none: bool) -> list[Any]:
    operations: list[tuple[Operation, dict[str, Any]]] = []
    for record in records:

        def operation(record: Any = record) -> dict[str, Any]:
            kind = _type_of(record)
            record_id = _id_of(record)
            if not record_id:
                raise SalesforceApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
            values = {k: v for k, v in fields_of(record).items() if k.lower() != "id"}
            service.store.update(kind, record_id, values)
            return {"id": record_ids.to18(record_id), "success": True, "errors": []}

        operations.append((operation, {}))
    return _run_all(service.store, operations, all_or_none)


def upsert(
    service: RecordService, sobject: str, field: str, records: list[Any], all_or_none: bool, api_version: str
) -> list[Any]:
    obj, fdef = service.external_field(sobject, field)
    operations: list[tuple[Operation, dict[str, Any]]] = []
    for record in records:

        def operation(record: Any = record) -> dict[str, Any]:
            kind = _type_of(record)
            if kind.lower() != obj.key:
                raise SalesforceApiError(400, "INVALID_TYPE", f"Records must all be of type {obj.name} here.")
            values = fields_of(record)
            key = next((k for k in values if k.lower() == fdef.key), None)
            if key is None or values[key] in (None, ""):
                raise SalesforceApiError(
                    400, "MISSING_ARGUMENT", f"{fdef.name} not specified in an upsert call", [fdef.name]
                )
            value = str(values.pop(key))
            result = service.upsert(obj.name, fdef.name, value, values, api_version)
            return {"id": result.id, "success": True, "errors": [], "created": result.created}

        operations.append((operation, {"created": False}))
    return _run_all(service.store, operations, all_or_none)


def delete(store: OrgStore, ids: list[str], all_or_none: bool) -> list[Any]:
    if len(ids) > MAX_RECORDS:
        raise _limit_error(len(ids))
    operations: list[tuple[Operation, dict[str, Any]]] = []
    for raw in ids:

        def operation(raw: str = raw) -> dict[str, Any]:
            normalized = record_ids.normalize(raw)
            obj = store.schema.by_prefix(normalized[:3]) if normalized else None
            if normalized is None or obj is None:
                raise SalesforceApiError(400, "MALFORMED_ID", f"malformed id {raw}", [])
            store.delete(obj.name, normalized)
            return {"id": normalized, "success": True, "errors": []}

        operations.append((operation, {"record_id": raw}))
    return _run_all(store, operations, all_or_none)


def retrieve(store: OrgStore, sobject: str, ids: Any, fields: Any, api_version: str) -> list[Any]:
    obj = store.object_def(sobject)
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise SalesforceApiError(400, "MISSING_ARGUMENT", "ids is required: a list of record ids")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
        raise SalesforceApiError(400, "MISSING_ARGUMENT", "fields is required: a list of field names")
    if len(ids) > MAX_RETRIEVE_IDS:
        raise SalesforceApiError(400, "EXCEEDED_ID_LIMIT", f"cannot retrieve more than {MAX_RETRIEVE_IDS} records")
    for name in fields:
        if obj.field(name) is None:
            raise SalesforceApiError(400, "INVALID_FIELD", f"No such column '{name}' on entity '{obj.name}'", [name])
    results: list[Any] = []
    for record_id in ids:
        try:
            results.append(store.get(obj.name, record_id, fields=fields, api_version=api_version))
        except SalesforceApiError:
            results.append(None)
    return results
