"""Checking mapping files: their shape, their meaning, and their fit with the org's describe metadata.

Every check returns :class:`Problem` values — one per problem, each saying where it is and what to do —
instead of stopping at the first. Describe metadata is passed in as the dicts Salesforce returns from
``/sobjects/{T}/describe`` (through ``describe_lookup``), so these are pure functions over dicts.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.mapping.derivations import DERIVATIONS, DerivationRegistry
from cpq_desktop.core.mapping.effective import default_mapping
from cpq_desktop.core.mapping.model import SCHEMA_VERSION, MappingFile, MappingRow, SourceKind, ValueMap
from cpq_desktop.core.mapping.pairs import PAIRS, ObjectPair, TargetField, TargetKind

DescribeLookup = Callable[[str], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Problem:
    """One problem: where it is (file, section and row) and a message that says what to fix."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def _suggest(name: str, candidates: Iterable[str]) -> str:
    pool = list(candidates)
    by_fold = {c.casefold(): c for c in pool}
    if name.casefold() in by_fold:
        return f" (did you mean '{by_fold[name.casefold()]}'?)"
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- shape: JSON, schema version, keys and types --------------------------------------------------

_CONTAINER_KEYS = {
    "file": ", ".join(MappingFile.model_fields),
    "row": ", ".join(MappingRow.model_fields),
    "value_map": ", ".join(ValueMap.model_fields),
}
_UNION_TAGS = frozenset({"str", "bool", "int", "float", "none", "list[str]"})
_PLAIN_MESSAGES = {
    "dict_type": "should be a JSON object ({…})",
    "list_type": "should be a JSON list ([…])",
    "string_type": "should be text in double quotes",
    "bool_type": "should be true or false",
    "int_type": "should be a whole number",
    "too_short": "should not be empty",
}


def _row_label(raw: Any, pair_id: str, index: int) -> str:
    target = raw.get("target") if isinstance(raw, dict) else None
    suffix = f" ('{target}')" if isinstance(target, str) else ""
    return f"{pair_id} row {index + 1}{suffix}"


def _locate(loc: tuple[int | str, ...], raw: Mapping[str, Any]) -> tuple[str, str]:
    """(where, container kind) of a pydantic error location."""
    parts = [p for p in loc if not (isinstance(p, str) and (p in _UNION_TAGS or p.startswith("function-")))]
    if len(parts) >= 3 and parts[0] == "sections" and isinstance(parts[2], int):
        pair_id = str(parts[1])
        rows = raw.get("sections", {}).get(pair_id)
        row = rows[parts[2]] if isinstance(rows, list) and parts[2] < len(rows) else None
        where = _row_label(row, pair_id, parts[2])
        rest = [str(p) for p in parts[3:]]
        kind = "value_map" if rest[:1] == ["value_map"] and len(rest) == 2 else "row"
        return (f"{where} › {'.'.join(rest)}" if rest else where), kind
    return " › ".join(str(p) for p in parts) or "file", "file"


def _message(error: ErrorDetails, kind: str) -> str:
    if error["type"] == "extra_forbidden":
        return f"unknown key '{error['loc'][-1]}'; the keys allowed here are {_CONTAINER_KEYS[kind]}"
    if error["type"] == "missing":
        return "is missing"
    if error["type"] == "value_error":
        return error["msg"].removeprefix("Value error, ")
    plain = _PLAIN_MESSAGES.get(error["type"]) or error["msg"].replace("Input should", "should")
    return f"{plain} (got {json.dumps(error['input'])})"


def _shape_problems(exc: ValidationError, raw: Mapping[str, Any]) -> list[Problem]:
    problems: dict[str, Problem] = {}
    for error in exc.errors():
        where, kind = _locate(error["loc"], raw)
        if where in problems and error["type"] not in ("extra_forbidden", "value_error"):
            # a union (text | number | true/false) fails once per member: say it once
            problems[where] = Problem(
                where, f"should be one text, number or true/false value (got {json.dumps(error['input'])})"
            )
            continue
        problems.setdefault(where, Problem(where, _message(error, kind)))
    return list(problems.values())


def parse_mapping(text: str) -> tuple[MappingFile | None, list[Problem]]:
    """Parse a mapping file's text: the model, or None and every shape problem found."""
    try:
        raw: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            Problem(
                "file",
                f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). Fix the syntax there, "
                "or export a fresh file with 'cpq-desktop mapping export-default'.",
            )
        ]
    if not isinstance(raw, dict):
        return None, [Problem("file", "should hold one JSON object with 'schema_version' and 'sections'")]
    version = raw.get("schema_version")
    if version is None:
        return None, [
            Problem("file", f'has no "schema_version"; a mapping file starts with "schema_version": {SCHEMA_VERSION}')
        ]
    if not isinstance(version, int) or isinstance(version, bool):
        return None, [
            Problem("schema_version", f"should be a whole number like {SCHEMA_VERSION} (got {json.dumps(version)})")
        ]
    if version > SCHEMA_VERSION:
        return None, [
            Problem(
                "file",
                f"was written by a newer version of CPQ Billing Connector Desktop (mapping schema {version}; this "
                f"version reads schema {SCHEMA_VERSION}). Install the newer version, or export the mapping again "
                "from this one.",
            )
        ]
    if version < SCHEMA_VERSION:
        return None, [
            Problem("schema_version", f"{version} is not a mapping schema this app ever wrote (use {SCHEMA_VERSION})")
        ]
    sections = raw.get("sections")
    unknown = [name for name in sections if name not in PAIRS] if isinstance(sections, dict) else []
    problems = [
        Problem(
            "sections",
            f"unknown object pair '{name}'{_suggest(name, PAIRS)}; the pairs a mapping can have are {', '.join(PAIRS)}",
        )
        for name in unknown
    ]
    if unknown:
        # check the rest of the file too, so every problem is reported at once
        raw = {**raw, "sections": {k: v for k, v in raw["sections"].items() if k in PAIRS}}
    try:
        mapping = MappingFile.model_validate(raw)
    except ValidationError as exc:
        return None, problems + _shape_problems(exc, raw)
    return (None if problems else mapping), problems


# --- meaning: targets, derivations, types, conditions, required targets ---------------------------


def _kind_accepts(kind: TargetKind, value: Any) -> bool:
    if kind is TargetKind.BOOLEAN:
        return isinstance(value, bool)
    if kind is TargetKind.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is TargetKind.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is TargetKind.DATE:
        if not isinstance(value, str):
            return False
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return len(value) == 10
    if kind is TargetKind.STRING:
        return isinstance(value, str)
    return False  # objects and lists come from derivations, never from a constant or value map


_KIND_WORDS = {
    TargetKind.STRING: "text",
    TargetKind.NUMBER: "a number",
    TargetKind.INTEGER: "a whole number",
    TargetKind.BOOLEAN: "true or false",
    TargetKind.DATE: "a date (YYYY-MM-DD)",
    TargetKind.OBJECT: "an object built by a derived value",
    TargetKind.LIST: "a list built by a derived value",
}


def _overlap(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _target_problems(pair: ObjectPair, row: MappingRow, default_targets: set[str]) -> list[str]:
    if row.is_custom_target:
        if not pair.custom_fields:
            return [
                f"{pair.label} takes no custom-field rows (it is not a pair of connector-spec §5.2); only its "
                f"default rows can be overridden ({', '.join(sorted(default_targets))})"
            ]
        return []
    if row.target in default_targets:
        return []
    if pair.target(row.target) is None:
        known = [t.name for t in pair.targets]
        return [
            f"'{row.target}' is not a {pair.target_object} field this app knows{_suggest(row.target, known)}. "
            "Zuora custom fields end in __c; standard fields are written as in the Zuora REST API "
            f"({', '.join(known[:8])}…)"
        ]
    if not pair.standard_targets and row.target not in pair.special_targets:
        return [
            f"connector-spec §5.2 lets {pair.label} rows fill only Zuora custom fields (…__c)"
            + (f" and {', '.join(sorted(pair.special_targets))}" if pair.special_targets else "")
            + f"; '{row.target}' is a standard field. Map it to a custom field instead."
        ]
    return []


def _value_problems(
    target: TargetField | None, row: MappingRow, derivations: DerivationRegistry, pair: ObjectPair
) -> list[str]:
    problems: list[str] = []
    if row.kind is SourceKind.DERIVED:
        name = row.derivation or ""
        derivation = derivations.get(name)
        if derivation is None:
            problems.append(
                f"there is no derived value '{name}'{_suggest(name, [d.name for d in derivations])}; "
                "the derived values are listed in the mapping editor and in the default mapping"
            )
        elif pair.id not in derivation.pairs:
            problems.append(f"derived:{name} is computed for {', '.join(sorted(derivation.pairs))}, not for {pair.id}")
    if target is None:
        return problems
    words = _KIND_WORDS[target.kind]
    if target.kind in (TargetKind.OBJECT, TargetKind.LIST) and row.kind is SourceKind.FIELD:
        problems.append(f"Zuora expects {words} for '{row.target}'; a Salesforce field cannot fill it")
    if row.kind is SourceKind.CONSTANT and not _kind_accepts(target.kind, row.constant):
        problems.append(f"Zuora expects {words} for '{row.target}', but the constant is {json.dumps(row.constant)}")
    if row.default is not None and not _kind_accepts(target.kind, row.default):
        problems.append(f"Zuora expects {words} for '{row.target}', but the default is {json.dumps(row.default)}")
    if row.value_map is not None:
        outputs = [
            *row.value_map.values.values(),
            *([row.value_map.default] if row.value_map.default is not None else []),
        ]
        wrong = [v for v in outputs if not _kind_accepts(target.kind, v)]
        if wrong:
            problems.append(
                f"Zuora expects {words} for '{row.target}', but the value map gives "
                f"{', '.join(json.dumps(v) for v in wrong)}"
            )
    if target.choices:
        offered = [row.constant, row.default, *(row.value_map.values.values() if row.value_map else ())]
        if row.value_map is not None and row.value_map.default is not None:
            offered.append(row.value_map.default)
        for value in dict.fromkeys(v for v in offered if isinstance(v, str)):
            if value not in target.choices:
                problems.append(
                    f"Zuora accepts {', '.join(target.choices)} for '{row.target}'; "
                    f"{json.dumps(value)} is not one of them{_suggest(value, target.choices)}"
                )
    if row.date_format is not None:
        try:
            sample = date(2000, 1, 2).strftime(row.date_format)
        except ValueError:
            sample = ""
        if "%" not in row.date_format or not sample:
            problems.append(f"date_format {row.date_format!r} is not a strftime pattern like %Y-%m-%d")
        elif target.kind is TargetKind.DATE and sample != "2000-01-02":
            problems.append(f"Zuora reads '{row.target}' as YYYY-MM-DD; use date_format %Y-%m-%d or leave it out")
    return problems


def check_rows(
    mapping: MappingFile,
    *,
    options: ConnectorOptions | None = None,
    derivations: DerivationRegistry = DERIVATIONS,
    defaults: MappingFile | None = None,
) -> list[Problem]:
    """The meaning of an admin's rows: known targets and derived values, types, conflicts, options."""
    base = defaults if defaults is not None else default_mapping()
    problems: list[Problem] = []
    for pair_id, rows in mapping.sections.items():
        pair = PAIRS[pair_id]
        default_targets = {row.target for row in base.rows(pair_id)}
        if rows and options is not None and pair.requires_option and not getattr(options, pair.requires_option):
            problems.append(
                Problem(
                    pair_id,
                    f"these rows are used only with the connector option '{pair.requires_option}' on, and it is "
                    "off in this profile; turn it on or remove the rows",
                )
            )
        for index, row in enumerate(rows):
            where = f"{pair_id} row {index + 1} ('{row.target}')"
            messages = _target_problems(pair, row, default_targets)
            messages += _value_problems(pair.target(row.target), row, derivations, pair)
            for earlier_index, earlier in enumerate(rows[:index]):
                if earlier.target == row.target and _overlap(earlier.when, row.when):
                    messages.append(
                        f"row {earlier_index + 1} already fills '{row.target}' under the same condition; keep one, "
                        "or give each row a different 'when'"
                    )
            problems.extend(Problem(where, message) for message in messages)
    return problems


def check_required_targets(
    rows_by_pair: Mapping[str, list[MappingRow]], *, options: ConnectorOptions | None = None
) -> list[Problem]:
    """Targets Zuora cannot do without, left unmapped (under ``options``, or under any option setting)."""
    problems: list[Problem] = []
    for pair_id, rows in rows_by_pair.items():
        pair = PAIRS[pair_id]
        for target in (t for t in pair.targets if t.required):
            filling = [r for r in rows if r.target == target.name and r.kind is not SourceKind.OMIT]
            if options is not None:
                mapped = any(r.applies(options) for r in filling)
            else:
                conditions = {r.when for r in filling}
                mapped = None in conditions or any(f"!{c}" in conditions for c in conditions if c)
            if not mapped:
                problems.append(
                    Problem(
                        pair_id,
                        f"the required Zuora field '{target.name}' is not mapped, so every {pair.target_object} "
                        f"would be rejected; give your row for '{target.name}' a source, or remove it to use the "
                        "default",
                    )
                )
    return problems


# --- fit with the org: describe metadata ------------------------------------------------------------

_NUMBER_TYPES = frozenset({"currency", "double", "int", "long", "percent"})
_COMPOUND_TYPES = frozenset({"address", "location", "base64"})


class _Describes:
    def __init__(self, lookup: DescribeLookup) -> None:
        self._lookup = lookup
        self._cache: dict[str, Mapping[str, Any] | None] = {}

    def get(self, sobject: str) -> Mapping[str, Any] | None:
        if sobject not in self._cache:
            self._cache[sobject] = self._lookup(sobject)
        return self._cache[sobject]


def _fields(describe: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    fields = describe.get("fields")
    return [f for f in fields if isinstance(f, Mapping)] if isinstance(fields, list) else []


def _resolve(describes: _Describes, root: str, path: str) -> tuple[str, Mapping[str, Any] | None, str | None]:
    """(object holding the last field, that field's describe, problem) for a relationship path."""
    sobject = root
    segments = path.split(".")
    for index, segment in enumerate(segments):
        describe = describes.get(sobject)
        if describe is None:
            return (
                sobject,
                None,
                (
                    f"Salesforce object {sobject} is not in this org, or the integration user cannot see it; install "
                    f"or share {sobject}, or remove the rows that read it"
                ),
            )
        if describe.get("queryable") is False:
            return (
                sobject,
                None,
                (
                    f"the integration user cannot query {sobject} (its describe says queryable: false); give the "
                    f"user read access to {sobject}"
                ),
            )
        fields = _fields(describe)
        if index == len(segments) - 1:
            field = next((f for f in fields if str(f.get("name", "")).casefold() == segment.casefold()), None)
            if field is None:
                return (
                    sobject,
                    None,
                    (
                        f"{sobject} has no field '{segment}' (source '{path}')"
                        f"{_suggest(segment, [str(f.get('name')) for f in fields])}, "
                        "or field-level security hides it from the integration user; check the spelling and the "
                        "user's field access"
                    ),
                )
            if field.get("deprecatedAndHidden"):
                return (
                    sobject,
                    None,
                    f"{sobject}.{field.get('name')} is deprecated and hidden and can no longer be read; "
                    "map another field",
                )
            return sobject, field, None
        relation = next(
            (f for f in fields if str(f.get("relationshipName") or "").casefold() == segment.casefold()), None
        )
        if relation is None:
            as_field = next((f for f in fields if str(f.get("name", "")).casefold() == segment.casefold()), None)
            hint = (
                f"; '{segment}' is the lookup's Id — write '{as_field['relationshipName']}.<field>' to read the "
                "parent's fields"
                if as_field is not None and as_field.get("relationshipName")
                else _suggest(segment, [str(f.get("relationshipName")) for f in fields if f.get("relationshipName")])
            )
            return sobject, None, f"{sobject} has no relationship '{segment}' (source '{path}'){hint}"
        targets = relation.get("referenceTo") or []
        if not targets:
            return sobject, None, f"{sobject}.{relation.get('name')} points nowhere the user can see (source '{path}')"
        sobject = str(targets[0])
    return sobject, None, None


def _type_problem(target: TargetField, row: MappingRow, sobject: str, field: Mapping[str, Any]) -> str | None:
    if row.value_map is not None:
        return None  # the value map's outputs were checked against the target
    sf_type = str(field.get("type", ""))
    name = f"{sobject}.{field.get('name')}"
    kind = target.kind
    ok = {
        TargetKind.STRING: sf_type not in _COMPOUND_TYPES,
        TargetKind.NUMBER: sf_type in _NUMBER_TYPES,
        TargetKind.INTEGER: sf_type in {"int", "long"} or (sf_type == "double" and field.get("scale") == 0),
        TargetKind.BOOLEAN: sf_type == "boolean",
        TargetKind.DATE: sf_type == "date" or (sf_type == "datetime" and row.date_format is not None),
        TargetKind.OBJECT: False,
        TargetKind.LIST: False,
    }[kind]
    if ok:
        return None
    if kind is TargetKind.DATE and sf_type == "datetime":
        return (
            f'{name} is a date-time but Zuora wants a date for \'{row.target}\'; add "date_format": "%Y-%m-%d" '
            "(the date is taken in the time-stamp's own offset)"
        )
    return (
        f"Zuora expects {_KIND_WORDS[kind]} for '{row.target}', but {name} is a Salesforce {sf_type} field; "
        "map a matching field or add a value_map"
    )


def check_describe(
    rows_by_pair: Mapping[str, list[tuple[str, MappingRow]]],
    describe_lookup: DescribeLookup,
    *,
    derivations: DerivationRegistry = DERIVATIONS,
) -> list[Problem]:
    """Rows (with where each is) checked against describe metadata: fields, access and types."""
    describes = _Describes(describe_lookup)
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for pair_id, rows in rows_by_pair.items():
        pair = PAIRS[pair_id]
        for where, row in rows:
            paths: list[tuple[str, bool]] = []
            if row.kind is SourceKind.FIELD and row.source is not None:
                paths.append((row.source, row.optional))
                if row.fallback is not None:
                    paths.append((row.fallback, row.optional))
            elif row.kind is SourceKind.DERIVED and (derivation := derivations.get(row.derivation or "")):
                paths += [(p, False) for p in derivation.reads] + [(p, True) for p in derivation.optional_reads]
            for path, optional in paths:
                sobject, field, message = _resolve(describes, pair.source_object, path)
                if message is not None:
                    if not optional and (pair_id, message) not in seen:
                        seen.add((pair_id, message))
                        problems.append(Problem(where, message))
                    continue
                target = pair.target(row.target)
                if field is not None and target is not None and row.kind is SourceKind.FIELD:
                    mismatch = _type_problem(target, row, sobject, field)
                    if mismatch:
                        problems.append(Problem(where, mismatch))
    return problems
