"""Bulk API 2.0 query jobs: create, poll, page the CSV results with ``Sforce-Locator``, abort, delete.

The query runs when the job is created (the org is local and fast); the job still reports
``UploadComplete`` on creation and ``JobComplete`` from the first poll on, the states a client waits
through. Results are CSV with a header of field names (dotted for parent fields) and an empty cell for
null; ``Sforce-Locator`` is the base64 of the next row offset, the string ``null`` on the last page.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from cpq_desktop.sandbox.salesforce.errors import SalesforceApiError
from cpq_desktop.sandbox.salesforce.ids import to18

MAX_JOBS_KEPT = 200
DEFAULT_MAX_RECORDS = 50_000
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DELIMITERS = {"COMMA": ",", "TAB": "\t", "SEMICOLON": ";", "PIPE": "|", "CARET": "^", "BACKQUOTE": "`"}
_LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
_OFFSET = re.compile(r"\boffset\s+\d", re.IGNORECASE)


class FlatRows(Protocol):
    """An executed query as flat rows: what the store's query cursor offers for CSV output."""

    @property
    def object_name(self) -> str: ...

    @property
    def is_aggregate(self) -> bool: ...

    @property
    def is_count_only(self) -> bool: ...

    @property
    def has_subqueries(self) -> bool: ...

    @property
    def row_count(self) -> int: ...

    @property
    def columns(self) -> list[str]: ...

    def flat_page(self, start: int, count: int) -> list[list[object]]: ...


QueryRunner = Callable[[str, bool], FlatRows]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(header: list[str] | None, rows: list[list[object]], delimiter: str, line_ending: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_ending, quoting=csv.QUOTE_MINIMAL)
    if header is not None:
        writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


@dataclass
class QueryJob:
    id: str
    operation: str
    object: str
    api_version: str
    column_delimiter: str
    line_ending: str
    created_date: str
    rows: FlatRows = field(repr=False)
    state: str = "UploadComplete"
    system_modstamp: str = ""
    processing_ms: int = 0

    def info(self, created_by: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": created_by,
            "createdDate": self.created_date,
            "systemModstamp": self.system_modstamp or self.created_date,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        }
        if self.state == "JobComplete":
            body.update(
                {
                    "jobType": "V2Query",
                    "numberRecordsProcessed": self.rows.row_count,
                    "retries": 0,
                    "totalProcessingTime": self.processing_ms,
                    "isPkChunkingSupported": False,
                }
            )
        return body


def _job_error(status: int, message: str) -> SalesforceApiError:
    return SalesforceApiError(status, "INVALIDJOB", message)


class BulkQueryJobs:
    """The query jobs of one org. Thread-safe."""

    def __init__(self, run_query: QueryRunner, created_by: Callable[[], str]) -> None:
        self._run_query = run_query
        self._created_by = created_by
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, QueryJob] = OrderedDict()

    def create(self, body: Any, api_version: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise SalesforceApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object.")
        operation = body.get("operation")
        if operation not in ("query", "queryAll"):
            raise _job_error(400, f"Invalid operation: {operation!r}; use 'query' or 'queryAll'.")
        query = body.get("query")
        if not isinstance(query, str) or not query.strip():
            raise _job_error(400, "The query is required for a query job.")
        delimiter_name = body.get("columnDelimiter", "COMMA")
        ending_name = body.get("lineEnding", "LF")
        if delimiter_name not in _DELIMITERS:
            raise _job_error(400, f"Invalid columnDelimiter: {delimiter_name!r}.")
        if ending_name not in _LINE_ENDINGS:
            raise _job_error(400, f"Invalid lineEnding: {ending_name!r}.")
        if body.get("contentType", "CSV") != "CSV":
            raise _job_error(400, "Only the CSV content type is supported for query jobs.")
        if _OFFSET.search(query):
            raise _job_error(400, "OFFSET is not supported by Bulk API 2.0 queries.")
        started = time.monotonic()
        rows = self._run_query(query, operation == "queryAll")
        if rows.is_aggregate or rows.is_count_only or rows.has_subqueries:
            raise _job_error(
                400,
                "Aggregate functions, GROUP BY and child relationship sub-queries are not supported by Bulk API 2.0 "
                "queries; query the child object directly.",
            )
        job = QueryJob(
            id=to18("750" + "".join(secrets.choice(_BASE62) for _ in range(12))),
            operation=operation,
            object=rows.object_name,
            api_version=api_version,
            column_delimiter=delimiter_name,
            line_ending=ending_name,
            created_date=_now(),
            rows=rows,
            processing_ms=int((time.monotonic() - started) * 1000),
        )
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS_KEPT:
                self._jobs.popitem(last=False)
        return job.info(self._created_by())

    def _get(self, job_id: str) -> QueryJob:
        with self._lock:
            job = self._jobs.get(to18(job_id) if len(job_id) in (15, 18) else job_id)
        if job is None:
            raise SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def get(self, job_id: str) -> dict[str, Any]:
        job = self._get(job_id)
        with self._lock:
            if job.state == "UploadComplete":
                job.state = "JobComplete"
                job.system_modstamp = _now()
        return job.info(self._created_by())

    def list(self) -> dict[str, Any]:
        with self._lock:
            jobs = list(self._jobs.values())
        return {"done": True, "records": [j.info(self._created_by()) for j in jobs], "nextRecordsUrl": None}

    def abort(self, job_id: str, body: Any) -> dict[str, Any]:
        job = self._get(job_id)
        if not isinstance(body, dict) or body.get("state") != "Aborted":
            raise _job_error(400, "Only the state 'Aborted' can be set on a query job.")
        with self._lock:
            if job.state in ("JobComplete", "Failed", "Aborted"):
                raise _job_error(400, f"Job {job.id} is already in state {job.state} and can't be aborted.")
            job.state = "Aborted"
            job.system_modstamp = _now()
        return job.info(self._created_by())

    def delete(self, job_id: str) -> None:
        job = self._get(job_id)
        with self._lock:
            self._jobs.pop(job.id, None)

    def results(
        self, job_id: str, api_version: str, locator: str | None, max_records: str | None
    ) -> tuple[str, str, int]:
        """``(csv, next_locator, rows)`` of one results page."""
        job = self._get(job_id)
        if job.api_version != api_version:
            raise SalesforceApiError(
                409,
                "API_ERROR",
                f"The job was created with API version {job.api_version}; fetch its results with the same version.",
            )
        with self._lock:
            if job.state == "UploadComplete":
                job.state = "JobComplete"
            state = job.state
        if state != "JobComplete":
            raise _job_error(400, f"Job {job.id} is in state {state}; results exist only for completed jobs.")
        try:
            limit = DEFAULT_MAX_RECORDS if max_records in (None, "") else int(max_records)
        except ValueError:
            raise SalesforceApiError(400, "INVALIDREQUEST", f"Invalid maxRecords: {max_records!r}") from None
        if limit <= 0:
            raise SalesforceApiError(400, "INVALIDREQUEST", "maxRecords must be greater than 0")
        start = 0
        if locator not in (None, "", "null"):
            try:
                start = int(base64.b64decode(str(locator), validate=True).decode("ascii"))
            except (binascii.Error, ValueError, UnicodeDecodeError):
                raise SalesforceApiError(400, "INVALIDREQUEST", f"Invalid locator: {locator}") from None
        total = job.rows.row_count
        if start < 0 or start > total:
            raise SalesforceApiError(400, "INVALIDREQUEST", f"Invalid locator: {locator}")
        page = job.rows.flat_page(start, limit)
        end = start + len(page)
        next_locator = base64.b64encode(str(end).encode()).decode("ascii") if end < total else "null"
        text = to_csv(job.rows.columns, page, _DELIMITERS[job.column_delimiter], _LINE_ENDINGS[job.line_ending])
        return text, next_locator, len(page)
