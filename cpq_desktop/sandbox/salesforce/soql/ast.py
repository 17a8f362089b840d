"""The parsed form of a SOQL query. Positions are (row, column), 1-based, as Salesforce reports them."""

from __future__ import annotations

from dataclasses import dataclass

Pos = tuple[int, int]


@dataclass(frozen=True)
class FieldRef:
    path: tuple[str, ...]
    pos: Pos
    alias: str | None = None

    @property
    def text(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class FuncCall:
    """``COUNT()``, ``COUNT(Id)``, ``SUM(Quantity)``, ``FIELDS(ALL)``…; ``alias`` only in SELECT lists."""

    name: str
    arg: FieldRef | None
    pos: Pos
    alias: str | None = None


@dataclass(frozen=True)
class Literal:
    """A value in a condition. ``kind``: string, number, boolean, null, date, datetime or dateliteral."""

    kind: str
    value: object
    pos: Pos
    raw: str
    n: int | None = None


@dataclass(frozen=True)
class Comparison:
    left: FieldRef | FuncCall
    op: str  # =, !=, <, <=, >, >=, LIKE
    value: Literal


@dataclass(frozen=True)
class InCondition:
    left: FieldRef | FuncCall
    negated: bool
    values: tuple[Literal, ...] = ()
    subquery: Query | None = None


@dataclass(frozen=True)
class BoolCondition:
    op: str  # AND, OR
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class NotCondition:
    item: Condition


Condition = Comparison | InCondition | BoolCondition | NotCondition


@dataclass(frozen=True)
class SubQuery:
    query: Query
    pos: Pos


@dataclass(frozen=True)
class OrderItem:
    target: FieldRef | FuncCall
    descending: bool
    nulls_last: bool | None


SelectItem = FieldRef | FuncCall | SubQuery


@dataclass(frozen=True)
class Query:
    select: tuple[SelectItem, ...]
    sobject: str
    sobject_pos: Pos
    alias: str | None = None
    where: Condition | None = None
    group_by: tuple[FieldRef | FuncCall, ...] = ()
    having: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    scope: str | None = None  # USING SCOPE: "everything" or "mine"
