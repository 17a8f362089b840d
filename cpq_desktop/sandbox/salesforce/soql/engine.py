"""Run compiled SOQL against the org's SQLite file and build REST JSON records (salesforce-api.md §2.1).

The main query runs once when a cursor opens (its raw rows are kept, which is the query locator's snapshot);
records, with their parent objects and child subquery results, are built page by page, each child subquery in one
SQL statement for the whole page.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import SalesforceApiError
from ..schema import NUMBER_TYPES, FieldDef
from ..store import record_url
from ..values import from_db
from .compiler import AggregateOut, ChildOut, ChildPlan, Compiler, FieldOut, Node, ParentOut, Plan
from .parser import parse, too_complicated

if TYPE_CHECKING:
    from ..store import OrgStore

_PLAN_CACHE_SIZE = 256
MAX_QUERY_LENGTH = 100_000


def _run(store: OrgStore, sql: str, params: Sequence[object]) -> list[Any]:
    """Execute under the store lock; SQLite's limits on expression depth and parameters become the API's error."""
    with store.lock:
        try:
            return store.connection.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if any(marker in str(exc) for marker in ("too large", "stack overflow", "too many", "too deep")):
                raise too_complicated() from None
            raise


# Ids per statement when fetching rows (well under SQLite's limit on bound parameters).
_ID_CHUNK = 5000


@dataclass
class QueryResult:
    """Every row of a query: ``records`` are REST JSON dicts, ``total_size`` their count (or COUNT()'s value)."""

    total_size: int
    records: list[dict[str, Any]] = field(default_factory=list)
    done: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"totalSize": self.total_size, "done": self.done, "records": self.records}


class QueryCursor:
    """An executed query whose records are built on demand, page by page."""

    def __init__(self, store: OrgStore, plan: Plan, rows: list[tuple[Any, ...]], total: int, api_version: str):
        self._store = store
        self._plan = plan
        # Aggregate rows, or 1-tuples of record ids (the snapshot) when plan.rows_sql is set.
        self._rows = rows
        self.total_size = total
        self._api_version = api_version

    @property
    def object_name(self) -> str:
        return self._plan.sobject

    @property
    def is_aggregate(self) -> bool:
        return self._plan.is_aggregate

    @property
    def is_count_only(self) -> bool:
        return self._plan.count_only

    @property
    def has_subqueries(self) -> bool:
        return self._plan.has_subqueries

    @property
    def row_count(self) -> int:
        """How many records the cursor holds (0 for COUNT(), whose answer is ``total_size``)."""
        return len(self._rows)

    @property
    def columns(self) -> list[str]:
        """Dotted field names in SELECT order (``Account.Name``), as Bulk API CSV headers name them."""
        return [name for name, _index, _fdef in self._plan.flat_columns]

    def page(self, start: int, count: int) -> list[dict[str, Any]]:
        """Records ``start`` … ``start + count - 1`` as REST JSON."""
        rows = self._page_rows(start, count)
        if self._plan.is_aggregate:
            return [_aggregate_record(self._plan.nodes, row) for row in rows]
        children: dict[str, dict[str, dict[str, Any]]] = {}
        for node in self._plan.nodes:
            if isinstance(node, ChildOut):
                children[node.key] = self._fetch_children(node.plan, [row[self._plan.id_index] for row in rows])
        builder = _RecordBuilder(self._api_version, self._plan.sobject, self._plan.nodes)
        return [builder.build(row, self._plan.id_index, children) for row in rows]

    def flat_page(self, start: int, count: int) -> list[list[object]]:
        """Rows as lists of JSON values in :attr:`columns` order (parent fields flattened, null without a parent)."""
        return [
            [from_db(fdef, row[index]) for _name, index, fdef in self._plan.flat_columns]
            for row in self._page_rows(start, count)
        ]

    def _page_rows(self, start: int, count: int) -> list[tuple[Any, ...]]:
        snapshot = self._rows[start : start + count]
        if not self._plan.rows_sql or not snapshot:
            return snapshot
        wanted = [row[0] for row in snapshot]
        by_id: dict[str, tuple[Any, ...]] = {}
        for first in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[first : first + _ID_CHUNK]
            sql = f"{self._plan.rows_sql}({', '.join('?' for _ in chunk)})"
            for row in _run(self._store, sql, chunk):
                by_id[row[0]] = row
        return [by_id[record_id] for record_id in wanted if record_id in by_id]

    def all(self) -> QueryResult:
        return QueryResult(self.total_size, self.page(0, len(self._rows)))

    def _fetch_children(self, plan: ChildPlan, parent_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The subquery result for every parent in one SQL statement: parent id → {totalSize, done, records}."""
        if not parent_ids:
            return {}
        marks = ", ".join("?" for _ in parent_ids)
        sql = f"{plan.sql_before_ids}{marks}{plan.sql_after_ids}"
        rows = _run(self._store, sql, [*parent_ids, *plan.params])
        grouped: dict[str, list[dict[str, Any]]] = {}
        builder = _RecordBuilder(self._api_version, plan.sobject, plan.nodes)
        for row in rows:
            grouped.setdefault(row[plan.parent_index], []).append(builder.build(row, plan.id_index, {}))
        return {
            parent: {"totalSize": len(records), "done": True, "records": records} for parent, records in grouped.items()
        }


# How a record is assembled from a SQL row, precomputed once per page: (kind, key, column, detail) where kind is
# _FIELD (detail: a converter, or None when the stored value is already the JSON value), _PARENT (detail: the
# parent's type, url prefix and steps) or _CHILD.
_FIELD, _PARENT, _CHILD = 0, 1, 2
_Step = tuple[int, str, int, Any]


def _converter(fdef: FieldDef) -> Callable[[Any], Any] | None:
    if fdef.type == "boolean":
        return bool
    if fdef.type == "int":
        return int
    if fdef.type in NUMBER_TYPES:
        return float
    return None


class _RecordBuilder:
    """Builds REST JSON records from SQL rows following a plan's nodes."""

    def __init__(self, api_version: str, sobject: str, nodes: list[Node]) -> None:
        self._api_version = api_version
        self.sobject = sobject
        self.url_prefix = record_url(sobject, "", api_version)
        self.steps = self._compile(nodes)

    def _compile(self, nodes: list[Node]) -> list[_Step]:
        steps: list[_Step] = []
        for node in nodes:
            if isinstance(node, FieldOut):
                steps.append((_FIELD, node.key, node.index, _converter(node.fdef)))
            elif isinstance(node, ParentOut):
                detail = (node.sobject, record_url(node.sobject, "", self._api_version), self._compile(node.nodes))
                steps.append((_PARENT, node.key, node.id_index, detail))
            elif isinstance(node, ChildOut):
                steps.append((_CHILD, node.key, -1, None))
        return steps

    def build(self, row: tuple[Any, ...], id_index: int, children: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return _build(self.sobject, self.url_prefix, row, id_index, self.steps, children)


def _build(
    sobject: str,
    url_prefix: str,
    row: tuple[Any, ...],
    id_index: int,
    steps: list[_Step],
    children: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    record_id = row[id_index]
    record: dict[str, Any] = {"attributes": {"type": sobject, "url": url_prefix + record_id}}
    for kind, key, index, detail in steps:
        if kind == _FIELD:
            value = row[index]
            record[key] = value if detail is None or value is None else detail(value)
        elif kind == _PARENT:
            if row[index] is None:
                record[key] = None
            else:
                parent_type, parent_prefix, parent_steps = detail
                record[key] = _build(parent_type, parent_prefix, row, index, parent_steps, {})
        else:
            record[key] = children.get(key, {}).get(record_id)
    return record


def _aggregate_record(nodes: list[Node], row: tuple[Any, ...]) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    for node in nodes:
        assert isinstance(node, AggregateOut)
        value = row[node.index]
        if node.fdef is None:
            record[node.key] = int(value or 0)
        elif node.as_float:
            record[node.key] = None if value is None else float(value)
        else:
            record[node.key] = from_db(node.fdef, value)
    return record


class SoqlEngine:
    """Parses, compiles (with a small plan cache) and runs SOQL for one :class:`OrgStore`."""

    def __init__(self, store: OrgStore) -> None:
        self._store = store
        self._plans: OrderedDict[tuple[str, bool, int, str], Plan] = OrderedDict()

    def plan(self, soql: str, *, include_deleted: bool = False) -> Plan:
        today = self._store.now().date()
        key = (soql, include_deleted, self._store.schema_version, today.isoformat())
        with self._store.lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                return plan
        if isinstance(soql, str) and len(soql) > MAX_QUERY_LENGTH:
            raise SalesforceApiError(
                400,
                "MALFORMED_QUERY",
                f"SOQL statements cannot be longer than {MAX_QUERY_LENGTH:,} characters: split the query",
            )
        query = parse(soql)
        compiler = Compiler(
            self._store.schema,
            soql,
            today=today,
            include_deleted=include_deleted,
            user_id=self._store.default_user_id,
        )
        try:
            plan = compiler.compile(query)
        except RecursionError:
            raise too_complicated() from None
        with self._store.lock:
            self._plans[key] = plan
            if len(self._plans) > _PLAN_CACHE_SIZE:
                self._plans.popitem(last=False)
        return plan

    def open(self, soql: str, *, include_deleted: bool = False, api_version: str = "59.0") -> QueryCursor:
        plan = self.plan(soql, include_deleted=include_deleted)
        rows = _run(self._store, plan.sql, plan.params)
        if plan.count_only:
            return QueryCursor(self._store, plan, [], int(rows[0][0]), api_version)
        return QueryCursor(self._store, plan, rows, len(rows), api_version)

    def query(self, soql: str, *, include_deleted: bool = False, api_version: str = "59.0") -> QueryResult:
        return self.open(soql, include_deleted=include_deleted, api_version=api_version).all()
