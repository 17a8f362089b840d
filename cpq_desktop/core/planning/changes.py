"""What differs between a mapped Salesforce record and what Zuora holds, in the words a plan shows.

Zuora's Object Query spells some values differently from the requests that set them (a list of email
addresses comes back as one comma-separated string, an empty field as null), so values are compared in
one plain form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else value


def same(new: Any, old: Any) -> bool:
    """Whether Zuora's ``old`` already holds the mapped ``new``."""
    return bool(_plain(new) == _plain(old))


def changed_fields(
    mapped: Mapping[str, Any], held: Mapping[str, Any], names: Mapping[str, str], skip: Iterable[str] = ()
) -> dict[str, tuple[Any, Any]]:
    """``{field: (Zuora's value, mapped value)}`` for each mapped field whose value Zuora does not hold
    (``names`` maps a request field to Object Query's name for it where they differ)."""
    skipped = set(skip)
    changes: dict[str, tuple[Any, Any]] = {}
    for key, value in mapped.items():
        if key in skipped or value is None:
            continue
        old = held.get(names.get(key, key))
        if not same(value, old):
            changes[key] = (old, value)
    return changes


def words(changes: Mapping[str, tuple[Any, Any]], prefix: str = "") -> list[str]:
    """Each change as "field 'old' → 'new'"."""
    return [f"{prefix}{key} {old!r} → {new!r}" for key, (old, new) in changes.items()]
