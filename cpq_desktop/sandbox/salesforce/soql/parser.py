"""Parse SOQL text into :mod:`.ast` nodes; syntax errors become MALFORMED_QUERY with Salesforce's message shape."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from ..errors import SalesforceApiError
from . import ast
from .grammar import SOQL_GRAMMAR


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(SOQL_GRAMMAR, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False)


# Tokens as the excerpt in error messages counts them: quoted strings, names and dotted paths, numbers and dates,
# then any other single character.
_EXCERPT_TOKEN = re.compile(r"'(?:[^'\\]|\\.)*'?|[\w.:+-]+|\S")
_EXCERPT_CONTEXT = 4


def _excerpt(line: str, column: int) -> tuple[str, int]:
    """The part of ``line`` the real API quotes around ``column`` (four tokens either side) and the caret offset."""
    spans = [m.span() for m in _EXCERPT_TOKEN.finditer(line)]
    offset = column - 1
    index = next((i for i, (start, end) in enumerate(spans) if offset < end), len(spans))
    if not spans:
        return line, offset
    first = spans[max(index - _EXCERPT_CONTEXT, 0)][0]
    last = spans[min(index + _EXCERPT_CONTEXT, len(spans) - 1)][1]
    return line[first:last], max(offset - first, 0)


def query_error(soql: str, pos: ast.Pos | None, error_code: str, detail: str) -> SalesforceApiError:
    """An error whose message points at ``pos`` as the real API does: an excerpt of the query line, a caret under
    the offending token, ``ERROR at Row:r:Column:c`` and the explanation, one per line."""
    if pos is None:
        return SalesforceApiError(400, error_code, detail)
    row, column = pos
    lines = soql.split("\n")
    line = lines[row - 1] if 0 < row <= len(lines) else soql
    excerpt, caret_at = _excerpt(line, column)
    caret = " " * caret_at + "^"
    return SalesforceApiError(400, error_code, f"\n{excerpt}\n{caret}\nERROR at Row:{row}:Column:{column}\n{detail}")


def malformed(soql: str, pos: ast.Pos | None, detail: str) -> SalesforceApiError:
    return query_error(soql, pos, "MALFORMED_QUERY", detail)


def _pos(token: Token) -> ast.Pos:
    return (token.line or 1, token.column or 1)


def _end_pos(soql: str) -> ast.Pos:
    lines = soql.rstrip().split("\n")
    return (len(lines), len(lines[-1]) + 1)


class _ToAst(Transformer[Token, Any]):
    def __init__(self, soql: str) -> None:
        super().__init__()
        self._soql = soql

    def start(self, items: list[Any]) -> ast.Query:
        return items[0]  # type: ignore[no-any-return]

    def _query(self, items: list[Any]) -> ast.Query:
        select: tuple[ast.SelectItem, ...] = items[0]
        name: Token = items[1]
        parts: dict[str, Any] = {}
        for item in items[2:]:
            key, value = item
            if key:
                parts[key] = value
        return ast.Query(select=select, sobject=str(name), sobject_pos=_pos(name), **parts)

    def query(self, items: list[Any]) -> ast.Query:
        return self._query(items)

    def subquery(self, items: list[Any]) -> ast.Query:
        return self._query(items)

    def select_list(self, items: list[Any]) -> tuple[ast.SelectItem, ...]:
        return tuple(items)

    def select_field(self, items: list[Any]) -> ast.FieldRef:
        ref: ast.FieldRef = items[0]
        if len(items) > 1:
            return ast.FieldRef(ref.path, ref.pos, alias=items[1][1])
        return ref

    def select_func(self, items: list[Any]) -> ast.FuncCall:
        call: ast.FuncCall = items[0]
        if len(items) > 1:
            return ast.FuncCall(call.name, call.arg, call.pos, alias=items[1][1])
        return call

    @v_args(meta=True)
    def select_subquery(self, meta: Any, items: list[Any]) -> ast.SubQuery:
        return ast.SubQuery(items[0], (meta.line, meta.column))

    def alias(self, items: list[Token]) -> tuple[str, str]:
        return ("alias", str(items[0]))

    def field_path(self, items: list[Token]) -> ast.FieldRef:
        return ast.FieldRef(tuple(str(t) for t in items), _pos(items[0]))

    def func_call(self, items: list[Any]) -> ast.FuncCall:
        name: Token = items[0]
        arg = items[1] if len(items) > 1 else None
        return ast.FuncCall(str(name).upper(), arg, _pos(name))

    def where(self, items: list[Any]) -> tuple[str, ast.Condition]:
        return ("where", items[0])

    def having(self, items: list[Any]) -> tuple[str, ast.Condition]:
        return ("having", items[0])

    def and_condition(self, items: list[Any]) -> ast.BoolCondition:
        return ast.BoolCondition("AND", tuple(items))

    def or_condition(self, items: list[Any]) -> ast.BoolCondition:
        return ast.BoolCondition("OR", tuple(items))

    def not_condition(self, items: list[Any]) -> ast.NotCondition:
        return ast.NotCondition(items[0])

    def compare(self, items: list[Any]) -> ast.Comparison:
        op = str(items[1])
        return ast.Comparison(items[0], "!=" if op == "<>" else op, items[2])

    def like(self, items: list[Any]) -> ast.Comparison:
        return ast.Comparison(items[0], "LIKE", items[1])

    def in_condition(self, items: list[Any]) -> ast.InCondition:
        return self._in(items, negated=False)

    def not_in_condition(self, items: list[Any]) -> ast.InCondition:
        return self._in(items, negated=True)

    def _in(self, items: list[Any], *, negated: bool) -> ast.InCondition:
        kind, payload = items[1]
        if kind == "values":
            return ast.InCondition(items[0], negated, values=payload)
        return ast.InCondition(items[0], negated, subquery=payload)

    def value_list(self, items: list[ast.Literal]) -> tuple[str, tuple[ast.Literal, ...]]:
        return ("values", tuple(items))

    def semi_join(self, items: list[ast.Query]) -> tuple[str, ast.Query]:
        return ("subquery", items[0])

    def string(self, items: list[Token]) -> ast.Literal:
        token = items[0]
        return ast.Literal("string", str(token)[1:-1], _pos(token), str(token))

    def number(self, items: list[Token]) -> ast.Literal:
        token = items[0]
        text = str(token)
        value: float | int = float(text) if any(c in text for c in ".eE") else int(text)
        return ast.Literal("number", value, _pos(token), text)

    def datetime(self, items: list[Token]) -> ast.Literal:
        return ast.Literal("datetime", str(items[0]), _pos(items[0]), str(items[0]))

    def date(self, items: list[Token]) -> ast.Literal:
        return ast.Literal("date", str(items[0]), _pos(items[0]), str(items[0]))

    @v_args(meta=True)
    def true(self, meta: Any, items: list[Token]) -> ast.Literal:
        return ast.Literal("boolean", True, (meta.line, meta.column), "true")

    @v_args(meta=True)
    def false(self, meta: Any, items: list[Token]) -> ast.Literal:
        return ast.Literal("boolean", False, (meta.line, meta.column), "false")

    @v_args(meta=True)
    def null(self, meta: Any, items: list[Token]) -> ast.Literal:
        return ast.Literal("null", None, (meta.line, meta.column), "null")

    def date_literal(self, items: list[Token]) -> ast.Literal:
        name = items[0]
        n: int | None = None
        raw = str(name)
        if len(items) > 1:
            number_text = str(items[1])
            if not number_text.isdigit():
                raise malformed(self._soql, _pos(items[1]), f"unexpected token: {number_text}")
            n = int(number_text)
            raw = f"{name}:{number_text}"
        return ast.Literal("dateliteral", str(name).upper(), _pos(name), raw, n)

    def group_by(self, items: list[ast.FieldRef | ast.FuncCall]) -> tuple[str, tuple[ast.FieldRef | ast.FuncCall, ...]]:
        return ("group_by", tuple(items))

    def order_by(self, items: list[ast.OrderItem]) -> tuple[str, tuple[ast.OrderItem, ...]]:
        return ("order_by", tuple(items))

    def order_item(self, items: list[Any]) -> ast.OrderItem:
        target = items[0]
        descending = False
        nulls_last: bool | None = None
        for extra in items[1:]:
            if isinstance(extra, Tree) and extra.data == "direction":
                descending = str(extra.children[0]).upper() == "DESC"
            elif isinstance(extra, Tree) and extra.data == "nulls":
                nulls_last = str(extra.children[0]).upper() == "LAST"
        return ast.OrderItem(target, descending, nulls_last)

    def _count(self, token: Token, key: str) -> tuple[str, int]:
        text = str(token)
        if not text.isdigit():
            raise malformed(self._soql, _pos(token), f"unexpected token: {text}")
        return (key, int(text))

    def limit(self, items: list[Token]) -> tuple[str, int]:
        return self._count(items[0], "limit")

    def offset(self, items: list[Token]) -> tuple[str, int]:
        return self._count(items[0], "offset")

    def using_scope(self, items: list[Token]) -> tuple[str, str]:
        scope = str(items[0]).lower()
        if scope not in ("everything", "mine"):
            raise malformed(
                self._soql, _pos(items[0]), f"USING SCOPE {items[0]} is not available: use everything or mine"
            )
        return ("scope", scope)

    def with_clause(self, items: list[Token]) -> tuple[str, None]:
        # The integration user can read every field, so enforcing field-level security changes nothing.
        if str(items[0]).upper() != "SECURITY_ENFORCED":
            raise malformed(self._soql, _pos(items[0]), f"unexpected token: {items[0]}")
        return ("", None)

    def for_clause(self, items: list[Token]) -> tuple[str, None]:
        # FOR VIEW / FOR REFERENCE only update "recently viewed" lists, which the emulator does not keep.
        if str(items[0]).upper() not in ("VIEW", "REFERENCE"):
            raise malformed(self._soql, _pos(items[0]), f"FOR {items[0]} is not allowed in API queries")
        return ("", None)


def parse(soql: object) -> ast.Query:
    """The AST of ``soql``; raises MALFORMED_QUERY (HTTP 400) on any syntax error."""
    if not isinstance(soql, str) or not soql.strip():
        raise SalesforceApiError(400, "MALFORMED_QUERY", "A query string is required: pass a SOQL SELECT statement")
    try:
        tree = _parser().parse(soql)
    except UnexpectedEOF:
        raise malformed(soql, _end_pos(soql), "unexpected token: <EOF>") from None
    except UnexpectedToken as exc:
        token = exc.token
        if token.type == "$END":
            raise malformed(soql, _end_pos(soql), "unexpected token: <EOF>") from None
        raise malformed(soql, _pos(token), f"unexpected token: {token}") from None
    except UnexpectedCharacters as exc:
        index = exc.pos_in_stream or 0
        char = soql[index] if index < len(soql) else "<EOF>"
        pos = (exc.line, exc.column)
        if char == "'":
            raise malformed(
                soql, pos, f"line {exc.line}:{exc.column - 1} mismatched character '<EOF>' expecting '''"
            ) from None
        raise malformed(soql, pos, f"unexpected token: {char}") from None
    except UnexpectedInput as exc:
        raise malformed(soql, (exc.line, exc.column), "unexpected token") from None
    try:
        return _ToAst(soql).transform(tree)  # type: ignore[no-any-return]
    except VisitError as exc:
        if isinstance(exc.orig_exc, SalesforceApiError):
            raise exc.orig_exc from None
        if isinstance(exc.orig_exc, RecursionError):
            raise too_complicated() from None
        raise
    except RecursionError:
        raise too_complicated() from None


def too_complicated() -> SalesforceApiError:
    return SalesforceApiError(
        400,
        "QUERY_TOO_COMPLICATED",
        "Query is either selecting too many fields or the filter conditions are too complicated: "
        "split it into several queries or simplify the WHERE clause",
    )
