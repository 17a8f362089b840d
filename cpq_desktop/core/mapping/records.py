"""Reading values out of Salesforce REST records (dicts with nested parent-relationship dicts).

Dates: a Salesforce ``date`` is a plain ``YYYY-MM-DD`` string and stays one — it is never turned into a
timestamp, so the machine's time zone cannot shift it by a day (Data Loader's best-known bug). A
``datetime`` carries its own offset (``2024-01-31T17:05:00.000+0000``) and is read in that offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any


class MappingError(Exception):
    """A record cannot be mapped; ``str()`` says which record, which row and what to do."""


class MissingPathError(MappingError):
    """The record lacks a field a mapping row reads: the extraction did not select it."""

    def __init__(self, message: str, *, path: str, missing: str) -> None:
        super().__init__(message)
        self.path = path
        self.missing = missing


def record_label(record: Mapping[str, Any]) -> str:
    """``Order 8015g00000AbCdE`` — the record's type and id, as far as the record says."""
    attributes = record.get("attributes")
    sobject = attributes.get("type") if isinstance(attributes, Mapping) else None
    record_id = record.get("Id")
    return " ".join(str(part) for part in (sobject or "record", record_id) if part)


def _lookup(record: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    if name in record:
        return True, record[name]
    # SOQL names are case-insensitive and responses use the describe casing: a row may differ in case.
    folded = name.casefold()
    for key, value in record.items():
        if key.casefold() == folded:
            return True, value
    return False, None


def resolve_path(record: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` (``Name``, ``SBQQ__Quote__r.SBQQ__Type__c``); ``None`` through an empty lookup."""
    current: Mapping[str, Any] = record
    segments = path.split(".")
    for index, segment in enumerate(segments):
        found, value = _lookup(current, segment)
        walked = ".".join(segments[: index + 1])
        if not found:
            raise MissingPathError(
                f"{record_label(record)} has no '{walked}' in the data read from Salesforce (mapping source "
                f"'{path}'): the query did not select it. Re-run the extraction with this mapping, or fix the "
                "row's source if it is misspelt.",
                path=path,
                missing=walked,
            )
        if index == len(segments) - 1:
            return value
        if value is None:
            return None  # an empty lookup: the parent does not exist, so neither does its field
        if not isinstance(value, Mapping) or "records" in value:
            raise MappingError(
                f"Mapping source '{path}' walks through '{walked}', which on {record_label(record)} is "
                f"{'a child relationship' if isinstance(value, Mapping) else 'a field, not a relationship'}; "
                "a mapping row can only follow parent relationships (Account.Name, SBQQ__Product__r.Name)."
            )
        current = value
    return None


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_sf_date(value: str) -> date:
    """A Salesforce ``date`` (``2024-01-31``) or the date part of a ``datetime`` in its own offset."""
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    return parse_sf_datetime(text).date()


def parse_sf_datetime(value: str) -> datetime:
    """A Salesforce ``datetime``: ``2024-01-31T17:05:00.000+0000`` (or ``Z`` / ``+00:00``)."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"date-time {value!r} has no UTC offset")
    return parsed
