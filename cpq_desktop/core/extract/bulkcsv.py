"""Bulk API 2.0 query results (CSV text) turned into the records the REST API would have returned.

CSV has no types and no nesting: ``Account.Parent.Name`` is a column and every value is text, an empty
cell meaning null. Describe gives each column's type; dotted columns become nested parent records with
the ``attributes`` REST puts on every record, and a parent whose ``Id`` is empty becomes ``None`` as an
empty lookup is in REST. The result equals the REST result of the same query, so the graph is the same
whichever API read it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from cpq_desktop.core.extract.describe import OrgDescribe

_INTEGER_TYPES = frozenset({"int"})
_NUMBER_TYPES = frozenset({"double", "currency", "percent"})


def _convert(text: str, field_type: str | None) -> Any:
    if text == "":
        return None
    if field_type == "boolean":
        return text.lower() == "true"
    if field_type in _INTEGER_TYPES:
        return int(float(text))
    if field_type in _NUMBER_TYPES:
        return float(text)
    return text


class CsvRecords:
    """Converts the CSV pages of one query on ``sobject`` into REST-shaped records."""

    def __init__(self, sobject: str, describe: OrgDescribe, api_version: str) -> None:
        self.sobject = sobject
        self.describe = describe
        self.api_version = api_version
        self._columns: dict[str, tuple[list[str], str | None]] = {}
        self._hop_types: dict[str, str | None] = {}

    def _column(self, name: str) -> tuple[list[str], str | None]:
        if name not in self._columns:
            resolved = self.describe.resolve(self.sobject, name)
            self._columns[name] = (name.split("."), resolved[1].get("type") if resolved else None)
        return self._columns[name]

    def _hop_type(self, hops: tuple[str, ...]) -> str | None:
        key = ".".join(hops)
        if key not in self._hop_types:
            current: str | None = self.sobject
            for hop in hops:
                current = self.describe.relationship_target(current, hop) if current else None
            self._hop_types[key] = current
        return self._hop_types[key]

    def _attributes(self, sobject: str | None, record_id: Any) -> dict[str, Any]:
        return {"type": sobject, "url": f"/services/data/v{self.api_version}/sobjects/{sobject}/{record_id}"}

    def _finish(self, record: dict[str, Any], hops: tuple[str, ...]) -> dict[str, Any] | None:
        for key, value in list(record.items()):
            if isinstance(value, dict) and key != "attributes":
                record[key] = self._finish(value, (*hops, key))
        if hops and record.get("Id") is None:
            return None  # an empty lookup
        sobject = self._hop_type(hops) if hops else self.sobject
        return {"attributes": self._attributes(sobject, record.get("Id")), **record}

    def records(self, pages: Iterable[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in pages:
            reader = csv.reader(io.StringIO(page))
            header = next(reader, None)
            if header is None:
                continue
            columns = [self._column(name) for name in header]
            for row in reader:
                record: dict[str, Any] = {}
                for (parts, field_type), text in zip(columns, row, strict=True):
                    node = record
                    for part in parts[:-1]:
                        node = node.setdefault(part, {})
                    node[parts[-1]] = _convert(text, field_type)
                finished = self._finish(record, ())
                assert finished is not None
                out.append(finished)
        return out
