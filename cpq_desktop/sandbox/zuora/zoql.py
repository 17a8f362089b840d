"""ZOQL through the Actions API: ``POST /v1/action/query`` and ``/v1/action/queryMore`` (zuora-api.md §4.4).

Supports what a connector runs: ``select <fields> from <Object> [where <conditions>]`` with ``and``/``or``
(``and`` binds tighter), ``=, !=, <, <=, >, >=``, ``like`` with ``%``, ``is null`` / ``is not null``;
string literals in single quotes with backslash escapes. Keywords must be lower case, there is no
``*``, no ORDER BY and no joins — as on a real tenant. At most 2000 records per call; the rest behind a
``queryLocator``. Null fields are left out of records. Errors use the ``FaultCode``/``FaultMessage`` shape.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cpq_desktop.sandbox.zuora import account_records, errors, object_query, validation
from cpq_desktop.sandbox.zuora import catalog_records as cr
from cpq_desktop.sandbox.zuora.errors import ApiError
from cpq_desktop.sandbox.zuora.records import load
from cpq_desktop.sandbox.zuora.validation import Spec, integer, obj, text

if TYPE_CHECKING:
    from cpq_desktop.sandbox.zuora.routing import Router, ZRequest

MAX_BATCH = 2000
MAX_CONDITIONS = 200
KEYWORDS = {"select", "from", "where", "and", "or", "like", "is", "not", "null", "true", "false"}

QUERY_BODY: dict[str, Spec] = {"queryString": text(required=True, min_len=1), "conf": obj({"batchSize": integer()})}
QUERY_MORE_BODY: dict[str, Spec] = {"queryLocator": text(required=True, min_len=1)}

Record = dict[str, Any]


def fault(code: str, message: str) -> ApiError:
    return ApiError([(errors.code(errors.RES_GENERIC, 20), message)], crud_code=code)


# -- objects ---------------------------------------------------------------------------------------


def _pascal(record: Record, renames: dict[str, str] | None = None) -> Record:
    out: Record = {}
    for key, value in record.items():
        if key.startswith("_") or isinstance(value, list | dict):
            continue
        if key.endswith(("__c", "__NS", "__QT")):
            out[key] = value
            continue
        name = (renames or {}).get(key, key[:1].upper() + key[1:])
        out[name] = value
    return out


def _accounts(db: sqlite3.Connection) -> list[Record]:
    return [_pascal(object_query.account_record(a)) for a in account_records.all_accounts(db)]


def _contacts(db: sqlite3.Connection) -> list[Record]:
    out = []
    for row in db.execute("SELECT data FROM contacts ORDER BY seq"):
        record = load(row["data"])
        view = {k: v for k, v in record.items() if k != "customFields"}
        view.update(record.get("customFields", {}))
        out.append(
            _pascal(view, {"zipCode": "PostalCode", "nickname": "NickName", "contactDescription": "Description"})
        )
    return out


def _crud(records: list[Record]) -> list[Record]:
    out = []
    for record in records:
        row = {k: v for k, v in record.items() if k not in ("CustomFields", "Tiers") and not isinstance(v, list)}
        if row.get("ChargeType") == "OneTime":
            # ZOQL spells it with a hyphen (zuora-api.md §4.4).
            row["ChargeType"] = "One-Time"
        row.update(record.get("CustomFields", {}))
        out.append(row)
    return out


def _subscription_docs(db: sqlite3.Connection) -> list[Record]:
    return object_query.subscription_docs(db)


def _subscriptions(db: sqlite3.Connection) -> list[Record]:
    return [_pascal(object_query.subscription_record(d)) for d in _subscription_docs(db)]


def _rate_plans(db: sqlite3.Connection) -> list[Record]:
    return [
        _pascal(object_query.rate_plan_record(doc, plan))
        for doc in _subscription_docs(db)
        for plan in doc.get("ratePlans", [])
    ]


def _rate_plan_charges(db: sqlite3.Connection) -> list[Record]:
    return [
        _pascal(object_query.rate_plan_charge_record(plan, charge))
        for doc in _subscription_docs(db)
        for plan in doc.get("ratePlans", [])
        for charge in plan.get("ratePlanCharges", [])
    ]


OBJECTS: dict[str, Callable[[sqlite3.Connection], list[Record]]] = {
    "account": _accounts,
    "contact": _contacts,
    "product": lambda db: _crud(cr.all_products(db)),
    "productrateplan": lambda db: _crud(cr.all_plans(db)),
    "productrateplancharge": lambda db: _crud(cr.all_charges(db)),
    "subscription": _subscriptions,
    "rateplan": _rate_plans,
    "rateplancharge": _rate_plan_charges,
}

# Fields every record of an object has even when null (so selecting them is valid).
KNOWN_FIELDS: dict[str, tuple[str, ...]] = {
    "account": ("Id", "AccountNumber", "Name", "CrmId", "Status", "Currency", "BillCycleDay", "ParentId", "Notes"),
    "contact": ("Id", "AccountId", "FirstName", "LastName", "WorkEmail", "Country", "State", "PostalCode", "City"),
    "product": ("Id", "Name", "SKU", "ProductNumber", "Description", "Category"),
    "productrateplan": ("Id", "Name", "ProductId", "ProductRatePlanNumber", "Description", "ExternalIdSourceSystem"),
    "productrateplancharge": ("Id", "Name", "ProductRatePlanId", "ChargeModel", "ChargeType", "UOM"),
    "subscription": ("Id", "Name", "AccountId", "Status", "Version", "TermType"),
    "rateplan": ("Id", "Name", "SubscriptionId", "ProductRatePlanId", "ExternallyManagedPlanId"),
    "rateplancharge": ("Id", "Name", "RatePlanId", "ChargeNumber", "Quantity", "ProductRatePlanChargeId"),
}


# -- parsing ---------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?)(?![A-Za-z_])|(?P<op>!=|<=|>=|=|<|>)"
    r"|(?P<punct>[,()*])|(?P<ident>[A-Za-z_][A-Za-z0-9_.]*))"
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        match = _TOKEN.match(query, pos)
        if match is None or match.end() == pos:
            raise fault(
                "MALFORMED_QUERY", f"You have an error in your ZOQL syntax near '{query[pos : pos + 20].strip()}'."
            )
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind)))
        pos = match.end()
    return tokens


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # = != < <= > >= like isnull notnull
    value: Any


@dataclass(frozen=True)
class Query:
    fields: tuple[str, ...]
    obj: str
    where: tuple[tuple[Condition, ...], ...]  # OR of ANDs


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise fault("MALFORMED_QUERY", "The ZOQL query ends too early.")
        self.pos += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "ident" and token.text.lower() == word:
            if token.text != word:
                raise fault("MALFORMED_QUERY", f"ZOQL keywords must be lower case: write '{word}', not '{token.text}'.")
            self.pos += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.keyword(word):
            found = self.peek()
            raise fault("MALFORMED_QUERY", f"Expected '{word}' but found '{found.text if found else 'end of query'}'.")

    def ident(self, what: str) -> str:
        token = self.take()
        if token.kind != "ident" or token.text.lower() in KEYWORDS:
            if token.text == "*":
                raise fault("MALFORMED_QUERY", "ZOQL does not support 'select *'; list the fields you need.")
            raise fault("MALFORMED_QUERY", f"Expected {what} but found '{token.text}'.")
        return token.text

    def parse(self) -> Query:
        self.expect("select")
        fields = [self.ident("a field name")]
        while (token := self.peek()) is not None and token.text == ",":
            self.pos += 1
            fields.append(self.ident("a field name"))
        self.expect("from")
        obj_name = self.ident("an object name")
        groups: list[tuple[Condition, ...]] = []
        if self.keyword("where"):
            groups.append(self.conjunction())
            while self.keyword("or"):
                groups.append(self.conjunction())
        leftover = self.peek()
        if leftover is not None:
            if leftover.text in ("(", ")"):
                raise fault("MALFORMED_QUERY", "ZOQL does not support parentheses in conditions.")
            raise fault("MALFORMED_QUERY", f"Unexpected '{leftover.text}' in the query.")
        if sum(len(g) for g in groups) > MAX_CONDITIONS:
            raise fault("MALFORMED_QUERY", f"A ZOQL query may have at most {MAX_CONDITIONS} conditions.")
        return Query(tuple(fields), obj_name, tuple(groups))

    def conjunction(self) -> tuple[Condition, ...]:
        conditions = [self.condition()]
        while self.keyword("and"):
            conditions.append(self.condition())
        return tuple(conditions)

    def condition(self) -> Condition:
        field = self.ident("a field name")
        if self.keyword("is"):
            negated = self.keyword("not")
            self.expect("null")
            return Condition(field, "notnull" if negated else "isnull", None)
        if self.keyword("like"):
            token = self.take()
            if token.kind != "str":
                raise fault("MALFORMED_QUERY", "'like' needs a quoted pattern such as 'Acme%'.")
            return Condition(field, "like", _unquote(token.text))
        token = self.take()
        if token.kind != "op":
            raise fault("MALFORMED_QUERY", f"Expected a comparison operator after '{field}' but found '{token.text}'.")
        return Condition(field, token.text, self.value())

    def value(self) -> Any:
        token = self.take()
        if token.kind == "str":
            return _unquote(token.text)
        if token.kind == "num":
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "ident" and token.text in ("true", "false"):
            return token.text == "true"
        if token.kind == "ident" and token.text == "null":
            return None
        raise fault("MALFORMED_QUERY", f"'{token.text}' is not a value; quote strings with single quotes.")


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def parse(query: str) -> Query:
    return _Parser(tokenize(query)).parse()


# -- evaluation ------------------------------------------------------------------------------------


def _field_map(obj_name: str, records: list[Record], query: Query) -> dict[str, str]:
    """Query field (any case) -> canonical record key; unknown fields are INVALID_FIELD."""
    canonical: dict[str, str] = {f.lower(): f for f in KNOWN_FIELDS.get(obj_name, ())}
    for record in records:
        for key in record:
            canonical.setdefault(key.lower(), key)
    mapping: dict[str, str] = {}
    wanted = list(query.fields) + [c.field for group in query.where for c in group]
    for name in wanted:
        found = canonical.get(name.lower())
        if found is None:
            raise fault("INVALID_FIELD", f"invalid field for query: {query.obj}.{name}")
        mapping[name] = found
    return mapping


def _test(record: Record, cond: Condition, key: str) -> bool:
    actual = record.get(key)
    if cond.op == "isnull":
        return actual is None or actual == ""
    if cond.op == "notnull":
        return actual is not None and actual != ""
    if cond.op == "like":
        pattern = "^" + ".*".join(re.escape(part) for part in str(cond.value).split("%")) + "$"
        return isinstance(actual, str) and re.match(pattern, actual, re.IGNORECASE) is not None
    wanted = cond.value
    if wanted is None:
        return (actual is None) == (cond.op == "=")
    if actual is None:
        return cond.op == "!="
    if isinstance(actual, bool) or isinstance(wanted, bool):
        order = _order(str(actual).lower(), str(wanted).lower())
    elif isinstance(actual, int | float) and isinstance(wanted, int | float):
        order = _order(float(actual), float(wanted))
    else:
        order = _order(str(actual), str(wanted))
    return {
        "=": order == 0,
        "!=": order != 0,
        "<": order < 0,
        "<=": order <= 0,
        ">": order > 0,
        ">=": order >= 0,
    }[cond.op]


def _order(left: Any, right: Any) -> int:
    return int(left > right) - int(left < right)


def run(db: sqlite3.Connection, query: Query) -> list[Record]:
    obj_name = query.obj.lower()
    loader = OBJECTS.get(obj_name)
    if loader is None:
        raise fault("INVALID_TYPE", f"invalid type for query: {query.obj}")
    records = loader(db)
    mapping = _field_map(obj_name, records, query)
    out = []
    for record in records:
        if query.where and not any(all(_test(record, c, mapping[c.field]) for c in group) for group in query.where):
            continue
        row = {mapping[f]: record.get(mapping[f]) for f in query.fields}
        out.append({k: v for k, v in row.items() if v is not None})
    return out


# -- handlers --------------------------------------------------------------------------------------


def register(router: Router) -> None:
    router.add("POST", "/v1/action/query", query_handler)
    router.add("POST", "/v1/action/queryMore", query_more_handler)


def _page(req: ZRequest, records: list[Record], batch: int, total: int, locator: str | None) -> Record:
    """One batch; the rest stays behind a locator (a new one, or the one being continued)."""
    body: Record = {"records": records[:batch], "size": total, "done": len(records) <= batch}
    cursors = req.runtime.cursors
    if len(records) > batch:
        if locator is None:
            locator = cursors.open(records[batch:], batch)
        else:
            cursors.replace(locator, records[batch:])
        body["queryLocator"] = f"{locator}-{batch}"
    elif locator is not None:
        cursors.close(locator)
    return body


def query_handler(req: ZRequest) -> Record:
    body = req.json_object()
    try:
        validation.check(body, QUERY_BODY, errors.RES_GENERIC, req.settings)
    except ApiError as exc:
        raise fault(exc.crud_code, exc.message) from None
    batch = (body.get("conf") or {}).get("batchSize") or MAX_BATCH
    if not 1 <= batch <= MAX_BATCH:
        raise fault("INVALID_VALUE", f"conf.batchSize must be between 1 and {MAX_BATCH}.")
    query = parse(body["queryString"])
    with req.store.read() as db:
        records = run(db, query)
    return _page(req, records, batch, len(records), None)


def query_more_handler(req: ZRequest) -> Record:
    body = req.json_object()
    locator = body.get("queryLocator")
    if not isinstance(locator, str) or not locator:
        raise fault("MISSING_REQUIRED_VALUE", "queryLocator is required.")
    key = locator.rsplit("-", 1)[0]
    cursor = req.runtime.cursors.fetch(key)
    if cursor is None:
        raise fault("INVALID_VALUE", "invalid queryLocator: it is unknown or expired (15 minutes without use).")
    return _page(req, cursor.records, cursor.batch_size, len(cursor.records), key)
