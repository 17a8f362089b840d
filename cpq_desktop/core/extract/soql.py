"""SOQL text: literals, identifiers, and ``IN`` lists cut to fit the request limits.

A REST query travels in the URL (``GET …/query?q=``), and Salesforce caps URI plus headers at 16,384 bytes
(salesforce-api.md §2.1), so an ``IN`` list is cut where the *encoded* URL would pass a budget below that.
A Bulk API 2.0 query travels in a JSON body and is capped by the SOQL length limit (100,000 characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from urllib.parse import quote_plus

# Room for the path (/services/data/v59.0/query/?q=) and a safety margin under the 16,384-byte cap.
REST_URL_BUDGET = 15_000
BULK_SOQL_BUDGET = 95_000
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*")
_ID = re.compile(r"[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?")


def literal(value: str) -> str:
    """A quoted SOQL string literal (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def datetime_literal(moment: datetime) -> str:
    """A SOQL datetime literal in UTC (``2024-01-31T17:05:00Z``); a naive value is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_identifier(name: str) -> str:
    """``name`` if it is a field or relationship path; raises ValueError otherwise (no SOQL injection)."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"'{name}' is not a Salesforce field name")
    return name


def is_record_id(value: str) -> bool:
    """A 15-character id, or an 18-character one whose checksum suffix matches (Salesforce rejects the
    whole query over one malformed id, so they are caught before asking)."""
    return bool(_ID.fullmatch(value)) and (len(value) == 15 or to18(value)[15:] == value[15:].upper())


def to18(record_id: str) -> str:
    """The 18-character, case-safe form of a 15- or 18-character Salesforce id (as Salesforce spells it)."""
    base = record_id[:15]
    suffix = ""
    for start in range(0, 15, 5):
        bits = sum(1 << i for i, ch in enumerate(base[start : start + 5]) if "A" <= ch <= "Z")
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return base + suffix


def in_list(values: Sequence[str]) -> str:
    return "(" + ",".join(literal(v) for v in values) + ")"


def _rest_size(text: str) -> int:
    return len(quote_plus(text))


def chunk_values(
    template: str, values: Sequence[str], *, bulk: bool, max_values: int
) -> Iterator[tuple[str, list[str]]]:
    """``(soql, values)`` pairs: ``template`` with ``{values}`` replaced by an ``IN`` list of as many of
    ``values`` as fit the limit of the API used (and at most ``max_values``). ``values`` is not empty."""
    budget = BULK_SOQL_BUDGET if bulk else REST_URL_BUDGET
    size = len if bulk else _rest_size
    base = size(template.replace("{values}", "()"))
    places = template.count("{values}")
    # every value costs its quoted, encoded text plus a separator
    start = 0
    while start < len(values):
        used = base
        end = start
        while end < len(values) and end - start < max_values:
            cost = (size(literal(values[end])) + size(",")) * places
            if used + cost > budget:
                break
            used += cost
            end += 1
        if end == start:
            raise ValueError("the query is too long for Salesforce even with a single value; map fewer fields")
        batch = list(values[start:end])
        yield template.replace("{values}", in_list(batch)), batch
        start = end
