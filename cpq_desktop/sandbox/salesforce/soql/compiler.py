"""Translate a parsed SOQL query into SQLite SQL plus a description of the JSON rows to build.

Names are resolved against the org's schema (case-insensitively), values are type-checked the way Salesforce does,
and every problem becomes the error the real API returns (INVALID_FIELD, INVALID_TYPE, MALFORMED_QUERY, …).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from .. import ids
from ..errors import SalesforceApiError
from ..schema import ID_TYPES, NUMBER_TYPES, TEXT_TYPES, FieldDef, ObjectDef, Schema
from ..store import quote_ident
from ..values import format_datetime, parse_datetime
from . import ast
from .dateliterals import WITH_N, WITHOUT_N, date_range
from .parser import malformed, query_error

AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})
# Date functions over the stored text forms 'YYYY-MM-DD' and 'YYYY-MM-DDThh:mm:ss.sss+0000' ({0} is the column).
# The org's fiscal year is the calendar year, so the FISCAL_ functions equal their calendar twins.
_YEAR = "CAST(substr({0}, 1, 4) AS INTEGER)"
_MONTH = "CAST(substr({0}, 6, 2) AS INTEGER)"
_QUARTER = "((CAST(substr({0}, 6, 2) AS INTEGER) + 2) / 3)"
_DAY_IN_YEAR = "CAST(strftime('%j', substr({0}, 1, 10)) AS INTEGER)"
DATE_FUNCTIONS: dict[str, str] = {
    "CALENDAR_YEAR": _YEAR,
    "CALENDAR_QUARTER": _QUARTER,
    "CALENDAR_MONTH": _MONTH,
    "FISCAL_YEAR": _YEAR,
    "FISCAL_QUARTER": _QUARTER,
    "FISCAL_MONTH": _MONTH,
    "DAY_IN_MONTH": "CAST(substr({0}, 9, 2) AS INTEGER)",
    "DAY_IN_WEEK": "(CAST(strftime('%w', substr({0}, 1, 10)) AS INTEGER) + 1)",
    "DAY_IN_YEAR": _DAY_IN_YEAR,
    "WEEK_IN_YEAR": f"(({_DAY_IN_YEAR} - 1) / 7 + 1)",
    "WEEK_IN_MONTH": "((CAST(substr({0}, 9, 2) AS INTEGER) - 1) / 7 + 1)",
    "DAY_ONLY": "substr({0}, 1, 10)",
    "HOUR_IN_DAY": "CAST(substr({0}, 12, 2) AS INTEGER)",
}
_DATETIME_ONLY_FUNCTIONS = frozenset({"DAY_ONLY", "HOUR_IN_DAY"})
MAX_OFFSET = 2000
MAX_PARENT_DEPTH = 5
_GROUPABLE = frozenset({"id", "reference", "string", "picklist", "boolean", "date", "int", "email", "phone", "url"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_CUSTOM_FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
_CUSTOM_RELATIONSHIP_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship "
    "name. Please reference your WSDL or the describe call for the appropriate names."
)
_CUSTOM_OBJECT_HINT = (
    "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)


# --- the plan ---------------------------------------------------------------------------------------------------


@dataclass
class FieldOut:
    key: str
    fdef: FieldDef
    index: int


@dataclass
class ParentOut:
    key: str
    sobject: str
    id_index: int
    nodes: list[Node] = field(default_factory=list)


@dataclass
class ChildOut:
    key: str
    plan: ChildPlan


@dataclass
class AggregateOut:
    key: str
    index: int
    fdef: FieldDef | None  # None for COUNT/COUNT_DISTINCT (an integer)
    as_float: bool = False  # SUM and AVG are numbers whatever the field type


Node = FieldOut | ParentOut | ChildOut | AggregateOut


@dataclass
class ChildPlan:
    """A parent-to-child subquery, run once per page for all the page's parents."""

    sobject: str
    sql_before_ids: str
    sql_after_ids: str
    params: list[object]
    id_index: int
    parent_index: int
    nodes: list[Node]


@dataclass
class Plan:
    sobject: str
    sql: str
    params: list[object]
    nodes: list[Node]
    id_index: int
    is_aggregate: bool = False
    count_only: bool = False
    # For record queries, ``sql`` selects only the ids; rows_sql + "(?, ?, …)" fetches their full rows.
    rows_sql: str = ""
    flat_columns: list[tuple[str, int, FieldDef]] = field(default_factory=list)

    @property
    def has_subqueries(self) -> bool:
        return any(isinstance(n, ChildOut) for n in self.nodes)


# --- scopes -----------------------------------------------------------------------------------------------------


@dataclass
class _Resolved:
    sql: str
    fdef: FieldDef
    chain: list[tuple[str, ObjectDef, str]]  # (relationship name, parent object, sql alias) from the base outwards


class _Scope:
    """One FROM clause: its base object, SQL alias and the LEFT JOINs its parent paths need."""

    def __init__(self, compiler: Compiler, obj: ObjectDef, prefix: str, user_alias: str | None) -> None:
        self.compiler = compiler
        self.obj = obj
        self.prefix = prefix
        self.alias = f"{prefix}0"
        self.user_alias = user_alias.lower() if user_alias else None
        self.joins: dict[tuple[str, ...], tuple[str, ObjectDef]] = {}
        # (alias, alias of the record it hangs off, LEFT JOIN clause), in the order they were needed.
        self.join_sql: list[tuple[str, str, str]] = []
        self.mine = False  # USING SCOPE mine

    def resolve(self, ref: ast.FieldRef) -> _Resolved:
        path = list(ref.path)
        if len(path) > 1 and (
            (self.user_alias and path[0].lower() == self.user_alias)
            or (path[0].lower() == self.obj.key and self.obj.parent_relationship(path[0]) is None)
        ):
            path = path[1:]
        soql = self.compiler.soql
        if len(path) - 1 > MAX_PARENT_DEPTH:
            raise query_error(
                soql,
                ref.pos,
                "MALFORMED_QUERY",
                f"SOQL statements cannot query relationships that are more than {MAX_PARENT_DEPTH} levels away from "
                "the root entity object.",
            )
        obj, alias = self.obj, self.alias
        chain: list[tuple[str, ObjectDef, str]] = []
        key: tuple[str, ...] = ()
        for rel in path[:-1]:
            fdef = obj.parent_relationship(rel)
            target = self.compiler.schema.get(fdef.reference_to[0]) if fdef else None
            if fdef is None or target is None:
                raise query_error(
                    soql,
                    ref.pos,
                    "INVALID_FIELD",
                    f"Didn't understand relationship '{rel}' in field path. {_CUSTOM_RELATIONSHIP_HINT}",
                )
            key = (*key, rel.lower())
            if key not in self.joins:
                join_alias = f"{self.prefix}{len(self.joins) + 1}"
                live = "" if self.compiler.include_deleted else f" AND {join_alias}.IsDeleted = 0"
                self.join_sql.append(
                    (
                        join_alias,
                        alias,
                        f"LEFT JOIN {quote_ident(target.name)} {join_alias} "
                        f"ON {join_alias}.Id = {alias}.{quote_ident(fdef.name)}{live}",
                    )
                )
                self.joins[key] = (join_alias, target)
            alias, obj = self.joins[key]
            assert fdef.relationship_name is not None
            chain.append((fdef.relationship_name, obj, alias))
        fdef = obj.field(path[-1])
        if fdef is None:
            raise query_error(
                soql,
                ref.pos,
                "INVALID_FIELD",
                f"No such column '{path[-1]}' on entity '{obj.name}'. {_CUSTOM_FIELD_HINT}",
            )
        return _Resolved(f"{alias}.{quote_ident(fdef.name)}", fdef, chain)

    def from_sql(self, only_for: Sequence[str] | None = None) -> str:
        """FROM with every join, or only the joins the SQL fragments ``only_for`` refer to (a LEFT JOIN on a
        unique id changes no row count, so the others can go)."""
        joins = self.join_sql
        if only_for is not None:
            text = " ".join(only_for)
            needed = {alias for alias, _parent, _sql in joins if f"{alias}." in text}
            for alias, parent, _sql in reversed(joins):
                if alias in needed:
                    needed.add(parent)
            joins = [join for join in joins if join[0] in needed]
        return " ".join([f"{quote_ident(self.obj.name)} {self.alias}", *(sql for _a, _p, sql in joins)])

    def live_filter(self) -> str:
        live = "1" if self.compiler.include_deleted else f"{self.alias}.IsDeleted = 0"
        if self.mine:
            # Ids are base-62 text the store generated, so the literal is safe to inline.
            live += f" AND {self.alias}.OwnerId = '{self.compiler.user_id}'"
        return live


# --- the compiler -----------------------------------------------------------------------------------------------


class Compiler:
    def __init__(self, schema: Schema, soql: str, *, today: date, include_deleted: bool, user_id: str = "") -> None:
        self.schema = schema
        self.soql = soql
        self.today = today
        self.include_deleted = include_deleted
        self.user_id = user_id
        self._scopes = 0

    def _new_scope(self, obj: ObjectDef, user_alias: str | None) -> _Scope:
        prefix = "t" if self._scopes == 0 else f"s{self._scopes}_"
        self._scopes += 1
        return _Scope(self, obj, prefix, user_alias)

    def _object(self, name: str, pos: ast.Pos) -> ObjectDef:
        obj = self.schema.get(name)
        if obj is None:
            raise query_error(
                self.soql, pos, "INVALID_TYPE", f"sObject type '{name}' is not supported. {_CUSTOM_OBJECT_HINT}"
            )
        return obj

    # --- top level ----------------------------------------------------------------------------------------------

    def compile(self, query: ast.Query) -> Plan:
        obj = self._object(query.sobject, query.sobject_pos)
        scope = self._new_scope(obj, query.alias)
        if query.scope == "mine":
            if obj.field("OwnerId") is None:
                raise malformed(
                    self.soql, query.sobject_pos, f"USING SCOPE mine needs an object with an owner; {obj.name} has none"
                )
            scope.mine = True
        self._check_offset(query)
        funcs = [item for item in query.select if isinstance(item, ast.FuncCall) and item.name != "FIELDS"]
        if any(f.name == "COUNT" and f.arg is None for f in funcs):
            return self._compile_count(query, scope)
        if funcs or query.group_by:
            return self._compile_aggregate(query, scope)
        if query.having is not None:
            raise malformed(self.soql, query.sobject_pos, "HAVING can only be used with GROUP BY or aggregates")
        columns: list[str] = [f"{scope.alias}.Id"]
        nodes = self._select_nodes(query, scope, columns, allow_subqueries=True)
        where_sql, where_params = self._where(query.where, scope)
        order_sql = self._order_by(query.order_by, scope, aggregate=False)
        # The cursor snapshots the matching ids in order, then builds each page from them (rows_sql).
        from_sql = scope.from_sql(only_for=[where_sql, order_sql])
        sql = f"SELECT {scope.alias}.Id FROM {from_sql} WHERE {scope.live_filter()}"
        if where_sql:
            sql += f" AND ({where_sql})"
        if order_sql:
            sql += f" ORDER BY {order_sql}"
        params = list(where_params)
        sql, params = self._limit_offset(sql, params, query)
        plan = Plan(obj.name, sql, params, nodes, 0)
        plan.rows_sql = f"SELECT {', '.join(columns)} FROM {scope.from_sql()} WHERE {scope.alias}.Id IN "
        plan.flat_columns = _flatten(nodes, "")
        return plan

    def _check_offset(self, query: ast.Query) -> None:
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise SalesforceApiError(
                400,
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"Maximum SOQL offset allowed is {MAX_OFFSET}: page through larger results with nextRecordsUrl "
                "or a WHERE filter instead",
            )

    def _limit_offset(self, sql: str, params: list[object], query: ast.Query) -> tuple[str, list[object]]:
        if query.limit is not None or query.offset is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, query.limit if query.limit is not None else -1, query.offset or 0]
        return sql, params

    def _select_nodes(
        self, query: ast.Query, scope: _Scope, columns: list[str], *, allow_subqueries: bool
    ) -> list[Node]:
        nodes: list[Node] = []
        seen: set[tuple[str, ...]] = set()
        for item in self._expand_fields(query, scope.obj):
            if isinstance(item, ast.SubQuery):
                if not allow_subqueries:
                    raise malformed(
                        self.soql, item.pos, "Nesting of parent-to-child subqueries is not supported: flatten the query"
                    )
                child = self._child_subquery(item, scope.obj)
                nodes.append(ChildOut(child[0], child[1]))
                continue
            if isinstance(item, ast.FuncCall):
                raise malformed(self.soql, item.pos, f"unexpected token: {item.name}")
            if item.alias is not None:
                raise malformed(self.soql, item.pos, f"unexpected token: {item.alias}")
            resolved = scope.resolve(item)
            key = tuple([*(rel.lower() for rel, _obj, _alias in resolved.chain), resolved.fdef.key])
            if key in seen:
                raise malformed(self.soql, item.pos, f"duplicate field selected: {item.text}")
            seen.add(key)
            target = nodes
            for rel, parent_obj, alias in resolved.chain:
                existing = next((n for n in target if isinstance(n, ParentOut) and n.key == rel), None)
                if existing is None:
                    columns.append(f"{alias}.Id")
                    existing = ParentOut(rel, parent_obj.name, len(columns) - 1)
                    target.append(existing)
                target = existing.nodes
            columns.append(resolved.sql)
            target.append(FieldOut(resolved.fdef.name, resolved.fdef, len(columns) - 1))
        return nodes

    def _expand_fields(self, query: ast.Query, obj: ObjectDef) -> list[ast.SelectItem]:
        """Replace FIELDS(ALL|STANDARD|CUSTOM) by the fields it stands for, in describe order."""
        items: list[ast.SelectItem] = []
        for item in query.select:
            if not (isinstance(item, ast.FuncCall) and item.name == "FIELDS"):
                items.append(item)
                continue
            which = item.arg.text.upper() if item.arg else ""
            if which not in ("ALL", "STANDARD", "CUSTOM"):
                raise malformed(self.soql, item.pos, "FIELDS() takes ALL, STANDARD or CUSTOM")
            if which != "STANDARD" and (query.limit is None or query.limit > 200):
                raise malformed(
                    self.soql,
                    item.pos,
                    "The SOQL FIELDS function must have a LIMIT of at most 200",
                )
            for f in obj.iter_fields():
                if which == "ALL" or (which == "CUSTOM") == f.custom:
                    items.append(ast.FieldRef((f.name,), item.pos))
        return items

    # --- child subqueries ---------------------------------------------------------------------------------------

    def _child_subquery(self, sub: ast.SubQuery, parent: ObjectDef) -> tuple[str, ChildPlan]:
        query = sub.query
        rel = self.schema.child_relationship(parent.name, query.sobject)
        if rel is None:
            raise query_error(
                self.soql,
                query.sobject_pos,
                "INVALID_TYPE",
                f"Didn't understand relationship '{query.sobject}' in FROM part of query call. "
                f"{_CUSTOM_RELATIONSHIP_HINT}",
            )
        if query.group_by or query.having is not None or query.offset is not None:
            raise malformed(self.soql, sub.pos, "Parent-to-child subqueries support WHERE, ORDER BY and LIMIT only")
        child = self.schema.get(rel.child_object)
        assert child is not None
        assert rel.relationship_name is not None
        scope = self._new_scope(child, query.alias)
        if any(isinstance(item, ast.FuncCall) and item.name != "FIELDS" for item in query.select):
            raise malformed(self.soql, sub.pos, "Aggregate functions are not supported in parent-to-child subqueries")
        columns: list[str] = [f"{scope.alias}.Id"]
        nodes = self._select_nodes(query, scope, columns, allow_subqueries=False)
        fk = f"{scope.alias}.{quote_ident(rel.field)}"
        columns.append(fk)
        parent_index = len(columns) - 1
        where_sql, where_params = self._where(query.where, scope)
        order_sql = self._order_by(query.order_by, scope, aggregate=False) or f"{scope.alias}.Id"
        filters = f"{scope.live_filter()}" + (f" AND ({where_sql})" if where_sql else "")
        params: list[object] = list(where_params)
        select_sql = f"SELECT {', '.join(columns)}"
        if query.limit is not None:
            before = (
                f"SELECT * FROM ({select_sql}, ROW_NUMBER() OVER (PARTITION BY {fk} ORDER BY {order_sql}) AS _rn "
                f"FROM {scope.from_sql()} WHERE {fk} IN ("
            )
            after = f") AND {filters}) WHERE _rn <= ? ORDER BY _rn"
            params.append(query.limit)
        else:
            before = f"{select_sql} FROM {scope.from_sql()} WHERE {fk} IN ("
            after = f") AND {filters} ORDER BY {order_sql}"
        return rel.relationship_name, ChildPlan(child.name, before, after, params, 0, parent_index, nodes)

    # --- COUNT() and aggregates ---------------------------------------------------------------------------------

    def _compile_count(self, query: ast.Query, scope: _Scope) -> Plan:
        if len(query.select) != 1:
            pos = query.select[0].pos if not isinstance(query.select[0], ast.SubQuery) else query.sobject_pos
            raise malformed(self.soql, pos, "COUNT() must be the only element in the SELECT list")
        call = query.select[0]
        assert isinstance(call, ast.FuncCall)
        if call.alias is not None:
            raise malformed(self.soql, call.pos, f"unexpected token: {call.alias}")
        if query.group_by or query.having is not None:
            raise malformed(self.soql, call.pos, "COUNT() cannot be used with GROUP BY; use COUNT(Id) instead")
        if query.order_by:
            raise malformed(self.soql, call.pos, "ORDER BY is not allowed with COUNT()")
        where_sql, where_params = self._where(query.where, scope)
        inner = f"SELECT 1 FROM {scope.from_sql(only_for=[where_sql])} WHERE {scope.live_filter()}"
        if where_sql:
            inner += f" AND ({where_sql})"
        inner, params = self._limit_offset(inner, list(where_params), query)
        return Plan(scope.obj.name, f"SELECT COUNT(*) FROM ({inner})", params, [], 0, count_only=True)

    def _date_function(self, call: ast.FuncCall, scope: _Scope) -> tuple[str, FieldDef, tuple[str, ...]]:
        """SQL, result type and grouping key of CALENDAR_YEAR(CloseDate) and its kin."""
        if call.arg is None:
            raise malformed(self.soql, call.pos, f"{call.name}() needs a date or dateTime field")
        resolved = scope.resolve(call.arg)
        allowed = ("datetime",) if call.name in _DATETIME_ONLY_FUNCTIONS else ("date", "datetime")
        if resolved.fdef.type not in allowed:
            kind = "dateTime" if allowed == ("datetime",) else "date or dateTime"
            raise query_error(
                self.soql,
                call.arg.pos,
                "INVALID_FIELD",
                f"{call.name} can only be applied to a {kind} field; "
                f"{resolved.fdef.name} is a {_type_word(resolved.fdef)}",
            )
        sql = DATE_FUNCTIONS[call.name].format(resolved.sql)
        result = FieldDef(call.name.lower(), "date" if call.name == "DAY_ONLY" else "int")
        return sql, result, (f"{call.name}()", *_path_key(resolved))

    def _groupable(self, item: ast.FieldRef | ast.FuncCall, scope: _Scope) -> tuple[str, FieldDef, tuple[str, ...]]:
        """A GROUP BY entry: a groupable field or a date function of a date/dateTime field."""
        if isinstance(item, ast.FuncCall):
            if item.name not in DATE_FUNCTIONS:
                raise malformed(self.soql, item.pos, f"{item.name}() cannot be used in GROUP BY")
            return self._date_function(item, scope)
        resolved = scope.resolve(item)
        if resolved.fdef.type not in _GROUPABLE:
            raise query_error(
                self.soql,
                item.pos,
                "INVALID_FIELD",
                f"field '{resolved.fdef.name}' can not be grouped in a query call",
            )
        return resolved.sql, resolved.fdef, _path_key(resolved)

    def _aggregate_sql(self, call: ast.FuncCall, scope: _Scope) -> tuple[str, FieldDef | None, bool]:
        if call.name not in AGGREGATES:
            raise malformed(
                self.soql, call.pos, f"Unknown function {call.name}: use COUNT, COUNT_DISTINCT, SUM, AVG, MIN or MAX"
            )
        if call.arg is None:
            if call.name == "COUNT":
                return "COUNT(*)", None, False
            raise malformed(self.soql, call.pos, f"unexpected token: {call.name}()")
        resolved = scope.resolve(call.arg)
        fdef = resolved.fdef
        numeric = fdef.type in NUMBER_TYPES
        if (call.name in ("SUM", "AVG") and not numeric) or (call.name in ("MIN", "MAX") and fdef.type == "boolean"):
            raise query_error(
                self.soql,
                call.arg.pos,
                "INVALID_FIELD",
                f"field {fdef.name} does not support aggregate operator {call.name}",
            )
        if call.name == "COUNT":
            return f"COUNT({resolved.sql})", None, False
        if call.name == "COUNT_DISTINCT":
            return f"COUNT(DISTINCT {resolved.sql})", None, False
        return f"{call.name}({resolved.sql})", fdef, call.name in ("SUM", "AVG")

    def _compile_aggregate(self, query: ast.Query, scope: _Scope) -> Plan:
        group_sql: list[str] = []
        group_keys: dict[tuple[str, ...], str] = {}
        for grouped in query.group_by:
            grouped_sql, _grouped_type, grouped_key = self._groupable(grouped, scope)
            group_sql.append(grouped_sql)
            group_keys[grouped_key] = grouped_sql
        columns: list[str] = []
        nodes: list[Node] = []
        expr_index = 0
        used_keys: set[str] = set()
        for item in query.select:
            if isinstance(item, ast.SubQuery):
                raise malformed(self.soql, item.pos, "Parent-to-child subqueries cannot be used with aggregates")
            if isinstance(item, ast.FuncCall) and item.name in DATE_FUNCTIONS:
                date_sql, date_type, date_key = self._date_function(item, scope)
                if date_key not in group_keys:
                    raise malformed(self.soql, item.pos, f"Field must be grouped or aggregated: {item.name}")
                key = item.alias or f"expr{expr_index}"
                expr_index += item.alias is None
                columns.append(date_sql)
                nodes.append(AggregateOut(key, len(columns) - 1, date_type))
            elif isinstance(item, ast.FuncCall):
                if item.name == "FIELDS":
                    raise malformed(self.soql, item.pos, "FIELDS() cannot be used with aggregates")
                sql, fdef, as_float = self._aggregate_sql(item, scope)
                if item.alias is None:
                    key = f"expr{expr_index}"
                    expr_index += 1
                else:
                    key = item.alias
                columns.append(sql)
                nodes.append(AggregateOut(key, len(columns) - 1, fdef, as_float))
            else:
                resolved = scope.resolve(item)
                if _path_key(resolved) not in group_keys:
                    raise malformed(self.soql, item.pos, f"Field must be grouped or aggregated: {item.text}")
                key = item.alias or resolved.fdef.name
                columns.append(resolved.sql)
                nodes.append(AggregateOut(key, len(columns) - 1, resolved.fdef))
            if key.lower() in used_keys:
                raise malformed(self.soql, item.pos, f"duplicate alias: {key}")
            used_keys.add(key.lower())
        where_sql, where_params = self._where(query.where, scope)
        having_sql, having_params = "", list[object]()
        if query.having is not None:
            if not group_sql:
                raise malformed(self.soql, query.sobject_pos, "HAVING can only be used with GROUP BY")
            having_sql, having_params = self._condition(query.having, scope, having=True, group_keys=group_keys)
        order_sql = self._order_by(query.order_by, scope, aggregate=True, group_keys=group_keys)
        sql = f"SELECT {', '.join(columns)} FROM {scope.from_sql()} WHERE {scope.live_filter()}"
        if where_sql:
            sql += f" AND ({where_sql})"
        if group_sql:
            sql += f" GROUP BY {', '.join(group_sql)}"
        if having_sql:
            sql += f" HAVING {having_sql}"
        if order_sql:
            sql += f" ORDER BY {order_sql}"
        sql, params = self._limit_offset(sql, [*where_params, *having_params], query)
        return Plan(scope.obj.name, sql, params, nodes, -1, is_aggregate=True)

    # --- ORDER BY -----------------------------------------------------------------------------------------------

    def _order_by(
        self,
        items: tuple[ast.OrderItem, ...],
        scope: _Scope,
        *,
        aggregate: bool,
        group_keys: dict[tuple[str, ...], str] | None = None,
    ) -> str:
        parts = []
        for item in items:
            target = item.target
            if isinstance(target, ast.FuncCall) and target.name in DATE_FUNCTIONS:
                sql, _date_type, date_key = self._date_function(target, scope)
                if aggregate and group_keys is not None and date_key not in group_keys:
                    raise malformed(
                        self.soql, target.pos, f"Ordered field must be grouped or aggregated: {target.name}"
                    )
                collate = ""
            elif isinstance(target, ast.FuncCall):
                if not aggregate:
                    raise malformed(self.soql, target.pos, f"unexpected token: {target.name}")
                sql, _aggregate_type, _as_float = self._aggregate_sql(target, scope)
                collate = ""
            else:
                resolved = scope.resolve(target)
                if aggregate and group_keys is not None and _path_key(resolved) not in group_keys:
                    raise malformed(
                        self.soql, target.pos, f"Ordered field must be grouped or aggregated: {target.text}"
                    )
                sql = resolved.sql
                collate = " COLLATE NOCASE" if resolved.fdef.type in TEXT_TYPES else ""
                if resolved.fdef.type == "textarea":
                    raise query_error(
                        self.soql,
                        target.pos,
                        "INVALID_FIELD",
                        f"field '{resolved.fdef.name}' can not be sorted in a query call",
                    )
            nulls = "NULLS LAST" if item.nulls_last else "NULLS FIRST"
            parts.append(f"{sql}{collate} {'DESC' if item.descending else 'ASC'} {nulls}")
        return ", ".join(parts)

    # --- WHERE --------------------------------------------------------------------------------------------------

    def _where(self, condition: ast.Condition | None, scope: _Scope) -> tuple[str, list[object]]:
        if condition is None:
            return "", []
        return self._condition(condition, scope, having=False, group_keys=None)

    def _condition(
        self,
        condition: ast.Condition,
        scope: _Scope,
        *,
        having: bool,
        group_keys: dict[tuple[str, ...], str] | None,
    ) -> tuple[str, list[object]]:
        if isinstance(condition, ast.BoolCondition):
            parts, params = [], []
            for item in condition.items:
                sql, item_params = self._condition(item, scope, having=having, group_keys=group_keys)
                parts.append(f"({sql})")
                params.extend(item_params)
            return f" {condition.op} ".join(parts), params
        if isinstance(condition, ast.NotCondition):
            sql, params = self._condition(condition.item, scope, having=having, group_keys=group_keys)
            # SOQL's NOT treats "unknown" (a NULL comparison) as false, so NOT of it is true.
            return f"NOT COALESCE(({sql}), 0)", params
        left_sql, fdef = self._operand(condition.left, scope, having=having, group_keys=group_keys)
        if isinstance(condition, ast.InCondition):
            return self._in(condition, left_sql, fdef)
        return self._compare(condition, left_sql, fdef)

    def _operand(
        self,
        operand: ast.FieldRef | ast.FuncCall,
        scope: _Scope,
        *,
        having: bool,
        group_keys: dict[tuple[str, ...], str] | None,
    ) -> tuple[str, FieldDef]:
        if isinstance(operand, ast.FuncCall) and operand.name in DATE_FUNCTIONS:
            date_sql, date_type, date_key = self._date_function(operand, scope)
            if having and group_keys is not None and date_key not in group_keys:
                raise malformed(self.soql, operand.pos, f"Field must be grouped or aggregated: {operand.name}")
            return date_sql, date_type
        if isinstance(operand, ast.FuncCall):
            if not having:
                raise malformed(
                    self.soql, operand.pos, "Aggregate functions are not allowed in WHERE: use HAVING after GROUP BY"
                )
            sql, fdef, as_float = self._aggregate_sql(operand, scope)
            if fdef is None or as_float:
                return sql, FieldDef("expr", "double")
            return sql, fdef
        resolved = scope.resolve(operand)
        if having and group_keys is not None and _path_key(resolved) not in group_keys:
            raise malformed(self.soql, operand.pos, f"Field must be grouped or aggregated: {operand.text}")
        return resolved.sql, resolved.fdef

    def _compare(self, condition: ast.Comparison, left: str, fdef: FieldDef) -> tuple[str, list[object]]:
        op, lit = condition.op, condition.value
        if lit.kind == "null" and fdef.type == "boolean" and op in ("=", "!="):
            # Checkboxes are never null: "= null" means false and "!= null" means true in SOQL.
            return f"{left} = ?", [0 if op == "=" else 1]
        if lit.kind == "null":
            if op == "=":
                return f"{left} IS NULL", []
            if op == "!=":
                return f"{left} IS NOT NULL", []
            return "0", []
        if op == "LIKE":
            if fdef.type not in TEXT_TYPES:
                raise query_error(
                    self.soql,
                    lit.pos,
                    "INVALID_QUERY_FILTER_OPERATOR",
                    f"invalid operator on {_type_word(fdef)} field: LIKE works on text fields only",
                )
            if lit.kind != "string":
                raise self._type_error(fdef, lit)
            return f"{left} LIKE ? ESCAPE '\\'", [self._unescape(lit, like=True)]
        if op not in ("=", "!=") and fdef.type == "boolean":
            raise query_error(self.soql, lit.pos, "INVALID_QUERY_FILTER_OPERATOR", "invalid operator on boolean field")
        if lit.kind == "dateliteral":
            start, end = self._date_bounds(fdef, lit)
            bounds = {
                "=": (f"({left} >= ? AND {left} < ?)", [start, end]),
                "!=": (f"({left} IS NULL OR {left} < ? OR {left} >= ?)", [start, end]),
                "<": (f"{left} < ?", [start]),
                "<=": (f"{left} < ?", [end]),
                ">": (f"{left} >= ?", [end]),
                ">=": (f"{left} >= ?", [start]),
            }
            sql, params = bounds[op]
            return sql, list(params)
        value = self._value(fdef, lit)
        collate = " COLLATE NOCASE" if fdef.type in TEXT_TYPES else ""
        if op == "!=":
            return f"({left} IS NULL OR {left} <> ?{collate})", [value]
        return f"{left} {op} ?{collate}", [value]

    def _in(self, condition: ast.InCondition, left: str, fdef: FieldDef) -> tuple[str, list[object]]:
        negated = condition.negated
        if condition.subquery is not None:
            if fdef.type not in ID_TYPES:
                raise malformed(
                    self.soql,
                    condition.subquery.sobject_pos,
                    "Semi join sub-selects are only allowed on id and reference fields",
                )
            sub_sql, sub_params = self._semi_join(condition.subquery)
            return f"{left} {'NOT IN' if negated else 'IN'} ({sub_sql})", sub_params
        parts: list[str] = []
        params: list[object] = []
        has_null = False
        plain: list[object] = []
        for lit in condition.values:
            if lit.kind == "null":
                has_null = True
            elif lit.kind == "dateliteral":
                start, end = self._date_bounds(fdef, lit)
                parts.append(f"({left} >= ? AND {left} < ?)")
                params.extend([start, end])
            else:
                plain.append(self._value(fdef, lit))
        collate = " COLLATE NOCASE" if fdef.type in TEXT_TYPES else ""
        if plain:
            parts.insert(0, f"{left}{collate} IN ({', '.join('?' for _ in plain)})")
            params[:0] = plain
        if has_null:
            parts.append(f"{left} IS NULL")
        matched = " OR ".join(f"({p})" for p in parts) if parts else "0"
        if negated:
            # SOQL's NOT IN keeps rows whose field is null unless null is listed.
            null_rows = "" if has_null else f"{left} IS NULL OR "
            return f"({null_rows}NOT ({matched}))", params
        return matched, params

    def _semi_join(self, query: ast.Query) -> tuple[str, list[object]]:
        obj = self._object(query.sobject, query.sobject_pos)
        if query.group_by or query.having is not None or query.order_by or query.offset is not None:
            raise malformed(
                self.soql, query.sobject_pos, "Semi join sub-selects support only SELECT, FROM, WHERE and LIMIT"
            )
        if len(query.select) != 1 or not isinstance(query.select[0], ast.FieldRef):
            raise malformed(self.soql, query.sobject_pos, "Semi join sub-selects must select exactly one id field")
        scope = self._new_scope(obj, query.alias)
        resolved = scope.resolve(query.select[0])
        if resolved.fdef.type not in ID_TYPES:
            raise malformed(
                self.soql, query.select[0].pos, "Semi join sub-selects can only select id and reference fields"
            )
        where_sql, where_params = self._nested_where(query, scope)
        sql = (
            f"SELECT {resolved.sql} FROM {scope.from_sql()} WHERE {scope.live_filter()} AND {resolved.sql} IS NOT NULL"
        )
        if where_sql:
            sql += f" AND ({where_sql})"
        params = list(where_params)
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
        return sql, params

    def _nested_where(self, query: ast.Query, scope: _Scope) -> tuple[str, list[object]]:
        if query.where is None:
            return "", []
        _check_no_semi_join(self.soql, query.where)
        return self._condition(query.where, scope, having=False, group_keys=None)

    # --- values -------------------------------------------------------------------------------------------------

    def _type_error(self, fdef: FieldDef, lit: ast.Literal) -> SalesforceApiError:
        quoted = fdef.type in TEXT_TYPES or fdef.type in ID_TYPES
        return query_error(
            self.soql,
            lit.pos,
            "INVALID_FIELD",
            f"value of filter criterion for field '{fdef.name}' must be of type {_type_word(fdef)} and should "
            f"{'' if quoted else 'not '}be enclosed in quotes",
        )

    def _value(self, fdef: FieldDef, lit: ast.Literal) -> object:
        kind = fdef.type
        if kind in TEXT_TYPES:
            if lit.kind != "string":
                raise self._type_error(fdef, lit)
            return self._unescape(lit)
        if kind in ID_TYPES:
            if lit.kind != "string":
                raise self._type_error(fdef, lit)
            text = self._unescape(lit)
            normalized = ids.normalize(text)
            if normalized is None:
                raise query_error(self.soql, lit.pos, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {text}")
            return normalized
        if kind == "boolean":
            if lit.kind != "boolean":
                raise self._type_error(fdef, lit)
            return int(bool(lit.value))
        if kind in NUMBER_TYPES:
            if lit.kind != "number":
                raise self._type_error(fdef, lit)
            # SQLite integers stop at 64 bits; a float compares the same way beyond that.
            if isinstance(lit.value, int) and abs(lit.value) >= 2**63:
                return float(lit.value)
            return lit.value
        if kind == "date":
            if lit.kind != "date":
                raise self._type_error(fdef, lit)
            try:
                return date.fromisoformat(str(lit.value)).isoformat()
            except ValueError:
                raise self._type_error(fdef, lit) from None
        if kind == "datetime":
            moment = parse_datetime(str(lit.value)) if lit.kind == "datetime" else None
            if moment is None:
                raise self._type_error(fdef, lit)
            return format_datetime(moment)
        raise self._type_error(fdef, lit)

    def _date_bounds(self, fdef: FieldDef, lit: ast.Literal) -> tuple[str, str]:
        name = str(lit.value)
        if name not in WITH_N and name not in WITHOUT_N:
            raise malformed(self.soql, lit.pos, f"unexpected token: {lit.raw}")
        if name in WITH_N and lit.n is None:
            raise malformed(self.soql, lit.pos, f"{name} needs a number of periods, e.g. {name}:30")
        if name in WITHOUT_N and lit.n is not None:
            raise malformed(self.soql, lit.pos, f"unexpected token: {lit.raw}")
        if fdef.type not in ("date", "datetime"):
            raise self._type_error(fdef, lit)
        start, end = date_range(name, lit.n, self.today)
        if fdef.type == "date":
            return start.isoformat(), end.isoformat()
        return (
            format_datetime(datetime(start.year, start.month, start.day, tzinfo=UTC)),
            format_datetime(datetime(end.year, end.month, end.day, tzinfo=UTC)),
        )

    def _unescape(self, lit: ast.Literal, *, like: bool = False) -> str:
        raw = str(lit.value)
        out: list[str] = []
        i = 0
        while i < len(raw):
            char = raw[i]
            if char != "\\":
                out.append(char)
                i += 1
                continue
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            if nxt in _ESCAPES:
                decoded = _ESCAPES[nxt]
                out.append("\\\\" if like and decoded == "\\" else decoded)
                i += 2
            elif nxt in "%_":
                out.append("\\" + nxt if like else nxt)
                i += 2
            elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", raw[i + 2 : i + 6]):
                out.append(chr(int(raw[i + 2 : i + 6], 16)))
                i += 6
            else:
                raise malformed(
                    self.soql,
                    lit.pos,
                    f"Invalid string literal '{raw}'. Illegal character sequence '\\{nxt}' in string literal.",
                )
        return "".join(out)


def _check_no_semi_join(soql: str, condition: ast.Condition) -> None:
    if isinstance(condition, ast.BoolCondition):
        for item in condition.items:
            _check_no_semi_join(soql, item)
    elif isinstance(condition, ast.NotCondition):
        _check_no_semi_join(soql, condition.item)
    elif isinstance(condition, ast.InCondition) and condition.subquery is not None:
        raise malformed(soql, condition.subquery.sobject_pos, "Nesting of semi join sub-selects is not supported")


def _path_key(resolved: _Resolved) -> tuple[str, ...]:
    return (*(rel.lower() for rel, _obj, _alias in resolved.chain), resolved.fdef.key)


def _type_word(fdef: FieldDef) -> str:
    if fdef.type in TEXT_TYPES:
        return "string"
    return {
        "id": "id",
        "reference": "id",
        "boolean": "boolean",
        "int": "int",
        "date": "date",
        "datetime": "dateTime",
    }.get(fdef.type, "double")


def _flatten(nodes: list[Node], prefix: str) -> list[tuple[str, int, FieldDef]]:
    """Dotted column names (``Account.Name``) with their SQL column index, for CSV results."""
    flat: list[tuple[str, int, FieldDef]] = []
    for node in nodes:
        if isinstance(node, FieldOut):
            flat.append((prefix + node.key, node.index, node.fdef))
        elif isinstance(node, ParentOut):
            flat.extend(_flatten(node.nodes, f"{prefix}{node.key}."))
    return flat
