"""A small SOSL subset for ``GET /search?q=``: enough for simple-salesforce's ``search``/``quick_search``.

    FIND {term} [IN ALL FIELDS | IN NAME FIELDS] [RETURNING Obj[(f1, f2 [WHERE …] [ORDER BY …] [LIMIT n])], …] [LIMIT n]

The term matches the name field of each object (``*`` and ``?`` are wildcards); each RETURNING clause runs as
a SOQL query through the store, so field, filter and error handling are the SOQL engine's. Without
RETURNING, every object with a Name field is searched. Anything else is ``400 MALFORMED_SEARCH``.
"""

from __future__ import annotations

import re
from typing import Any

from cpq_desktop.sandbox.salesforce.errors import SalesforceApiError
from cpq_desktop.sandbox.salesforce.store import OrgStore

MAX_RESULTS = 2000
_FIND = re.compile(
    r"^\s*find\s+\{(?P<term>(?:[^{}\\]|\\.)*)\}"
    r"(?:\s+in\s+(?:all|name|email|phone|sidebar)\s+fields)?"
    r"(?:\s+returning\s+(?P<returning>.+?))?"
    r"(?:\s+limit\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CLAUSE = re.compile(r"^\s*(?P<object>\w+)\s*(?:\((?P<inner>.*)\))?\s*$", re.DOTALL)
_INNER = re.compile(r"^(?P<fields>.*?)(?P<rest>\s+(?:where|order\s+by|limit)\s.*)?$", re.IGNORECASE | re.DOTALL)


def _malformed(message: str) -> SalesforceApiError:
    return SalesforceApiError(400, "MALFORMED_SEARCH", message)


def _split_clauses(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _pattern(term: str) -> str:
    """The search term as a SOQL LIKE literal (``*`` → ``%``, ``?`` → ``_``, quotes escaped)."""
    unescaped = re.sub(r"\\(.)", r"\1", term.strip())
    if len(unescaped.replace("*", "").replace("?", "")) < 2:
        raise _malformed("search term must be longer than one character")
    like = unescaped.replace("\\", "\\\\").replace("'", "\\'").replace("%", "\\%").replace("_", "\\_")
    return "%" + like.replace("*", "%").replace("?", "_") + "%"


def search(store: OrgStore, sosl: str, api_version: str) -> dict[str, Any]:
    match = _FIND.match(sosl or "")
    if match is None:
        raise _malformed("expecting FIND {term} [RETURNING ...]; see the sandbox's supported SOSL subset")
    pattern = _pattern(match.group("term"))
    limit = min(int(match.group("limit") or MAX_RESULTS), MAX_RESULTS)
    clauses: list[tuple[str, str, str]] = []
    if match.group("returning"):
        for clause in _split_clauses(match.group("returning")):
            parsed = _CLAUSE.match(clause)
            if parsed is None:
                raise _malformed(f"unexpected token in RETURNING: {clause.strip()}")
            inner = parsed.group("inner")
            fields, rest = "Id", ""
            if inner is not None:
                split = _INNER.match(inner.strip())
                assert split is not None
                fields = split.group("fields").strip() or "Id"
                rest = (split.group("rest") or "").strip()
            clauses.append((parsed.group("object"), fields, rest))
    else:
        clauses = [(obj.name, "Id", "") for obj in store.schema if obj.field("Name") is not None]
    records: list[dict[str, Any]] = []
    for sobject, fields, rest in clauses:
        obj = store.object_def(sobject)
        name_field = next((f.name for f in obj.iter_fields() if f.name_field), None) or (
            "Name" if obj.field("Name") is not None else None
        )
        if name_field is None:
            continue
        condition = f"{name_field} LIKE '{pattern}'"
        where = re.match(r"where\s+(?P<cond>.*?)(?P<tail>\s+(?:order\s+by|limit)\s.*)?$", rest, re.I | re.S)
        if where:
            soql_rest = f"WHERE ({condition}) AND ({where.group('cond')}) {where.group('tail') or ''}"
        else:
            soql_rest = f"WHERE {condition} {rest}"
        result = store.query(f"SELECT {fields} FROM {obj.name} {soql_rest}", api_version=api_version)
        records.extend(result.records)
        if len(records) >= limit:
            break
    return {"searchRecords": records[:limit]}
