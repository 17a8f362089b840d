"""``results.csv``: one row per record, like Data Loader's success and error files.

UTF-8 with a byte-order mark (so Excel reads accents and non-Latin names right when the file is
double-clicked), comma-separated, CRLF line ends, quoted wherever a value holds a comma, quote or line
break (:mod:`csv`'s minimal quoting). Lists (subscription numbers, line item ids …) are joined with
``"; "``. A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe so a spreadsheet shows it instead of running it as a formula (a Salesforce label is
data anyone in the org can type).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO

from cpq_desktop.core.sync.results import RecordResult

ENCODING = "utf-8-sig"
LIST_SEPARATOR = "; "
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _when(value: datetime | None) -> str:
    # "2026-01-31 09:15:02.123": a form spreadsheets read as a date and time (the header says UTC)
    return "" if value is None else f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S}.{value.microsecond // 1000:03d}"


def _joined(values: list[str]) -> str:
    return LIST_SEPARATOR.join(values)


def _duration(result: RecordResult) -> str:
    seconds = result.duration_s
    return "" if seconds is None else f"{seconds:.3f}"


COLUMNS: tuple[tuple[str, Callable[[RecordResult], str]], ...] = (
    ("Salesforce Object", lambda r: r.record.object),
    ("Salesforce Id", lambda r: r.record.id),
    ("Name", lambda r: r.record.label),
    ("Status", lambda r: r.status.label),
    ("Error Class", lambda r: r.error_class),
    ("Message", lambda r: r.message),
    ("Zuora Account Number", lambda r: r.zuora.account_number),
    ("Zuora Account Id", lambda r: r.zuora.account_id),
    ("Zuora Contact Ids", lambda r: _joined(r.zuora.contact_ids)),
    ("Zuora Order Number", lambda r: r.zuora.order_number),
    ("Zuora Subscription Numbers", lambda r: _joined(r.zuora.subscription_numbers)),
    ("Zuora Order Line Item Ids", lambda r: _joined(r.zuora.order_line_item_ids)),
    ("Zuora Product Id", lambda r: r.zuora.product_id),
    ("Zuora Product Rate Plan Id", lambda r: r.zuora.product_rate_plan_id),
    ("Zuora Charge Ids", lambda r: _joined(r.zuora.product_rate_plan_charge_ids)),
    ("Plan Steps", lambda r: _joined(r.step_ids)),
    ("Zuora Request Ids", lambda r: _joined(r.request_ids)),
    ("Started (UTC)", lambda r: _when(r.started_at)),
    ("Finished (UTC)", lambda r: _when(r.finished_at)),
    ("Duration (s)", _duration),
)

HEADER = tuple(name for name, _ in COLUMNS)
# Columns the app writes itself (status label, times): nothing in them to redact or to guard.
_GENERATED = tuple(name in {"Status", "Started (UTC)", "Finished (UTC)", "Duration (s)"} for name in HEADER)


def spreadsheet_safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def result_row(result: RecordResult, redact: Callable[[str], str]) -> list[str]:
    """The row of ``result``: every text the records, Zuora or people supplied is redacted."""
    row = []
    for (_, cell), generated in zip(COLUMNS, _GENERATED, strict=True):
        value = cell(result)
        row.append(value if generated or not value else spreadsheet_safe(redact(value)))
    return row


class ResultsCsvWriter:
    """Writes the header, then one row per :meth:`write_row`, to an open text file (``newline=""``)."""

    def __init__(self, stream: IO[str], redact: Callable[[str], str]) -> None:
        self._redact = redact
        self._writer = csv.writer(stream, lineterminator="\r\n")
        self._writer.writerow(HEADER)

    def write_row(self, result: RecordResult) -> None:
        self._writer.writerow(result_row(result, self._redact))
