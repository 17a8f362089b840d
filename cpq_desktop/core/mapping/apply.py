"""Apply a mapping section to one Salesforce record and get the Zuora values it produces."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.mapping.derivations import DERIVATIONS, DerivationContext, DerivationRegistry
from cpq_desktop.core.mapping.model import ZUORA_CUSTOM_SUFFIX, MappingRow, SourceKind
from cpq_desktop.core.mapping.pairs import PAIRS
from cpq_desktop.core.mapping.records import (
    MappingError,
    MissingPathError,
    is_blank,
    parse_sf_date,
    parse_sf_datetime,
    record_label,
    resolve_path,
)


def _row_text(pair_id: str, row: MappingRow) -> str:
    return f"{PAIRS[pair_id].label} row '{row.target}' ← {row.describe_source()}"


def _source_value(
    row: MappingRow, record: Mapping[str, Any], ctx: DerivationContext, derivations: DerivationRegistry
) -> Any:
    if row.kind is SourceKind.CONSTANT:
        return row.constant
    if row.kind is SourceKind.FIELD:
        assert row.source is not None
        return resolve_path(record, row.source)
    name = row.derivation
    assert name is not None
    derivation = derivations.get(name)
    if derivation is None:
        raise MappingError(f"there is no derived value named '{name}'; pick one from the list of derived values")
    if derivation.func is None:
        raise MappingError(
            f"derived:{name} is computed while planning a sync (it needs Zuora data); it cannot be applied on its own"
        )
    return derivation.func(record, ctx)


def _translate(row: MappingRow, value: Any, record: Mapping[str, Any]) -> Any:
    if row.value_map is not None:
        key = value if isinstance(value, str) else str(value)
        if key in row.value_map.values:
            value = row.value_map.values[key]
        elif row.value_map.unmatched == "default":
            value = row.value_map.default
        elif row.value_map.unmatched == "error":
            known = ", ".join(repr(k) for k in row.value_map.values)
            raise MappingError(
                f"{record_label(record)} has {value!r}, which the row's value map does not list ({known}). "
                "Add it to the value map, or correct the value in Salesforce."
            )
    if row.date_format is not None and isinstance(value, str):
        try:
            moment = parse_sf_date(value) if len(value.strip()) == 10 else parse_sf_datetime(value)
        except ValueError:
            raise MappingError(
                f"{record_label(record)} has {value!r}, which is not a Salesforce date or date-time, but the "
                "row has a date_format"
            ) from None
        value = moment.strftime(row.date_format)
    return value


def _place(result: dict[str, Any], target: str, value: Any) -> None:
    *parents, leaf = target.split("/")
    node = result
    for index, name in enumerate(parents):
        child = node.setdefault(name, {})
        if not isinstance(child, dict):
            raise MappingError(
                f"target '{target}' nests under '{'/'.join(parents[: index + 1])}', which another row "
                "already fills with a plain value"
            )
        node = child
    node[leaf] = value


def apply_rows(
    rows: Iterable[MappingRow],
    record: Mapping[str, Any],
    *,
    pair_id: str,
    options: ConnectorOptions,
    derivations: DerivationRegistry = DERIVATIONS,
) -> dict[str, Any]:
    """The target values of ``rows`` for ``record``, nested by ``/`` in the targets.

    Rows whose ``when`` option is off and ``omit`` rows are skipped; a blank source sends the row's
    ``default`` or nothing. Raises :class:`MappingError` (or :class:`MissingPathError` when the record
    lacks a field the row reads) naming the record, the row and what to fix.
    """
    ctx = DerivationContext(options=options, pair_id=pair_id)
    result: dict[str, Any] = {}
    for row in rows:
        if row.kind is SourceKind.OMIT or not row.applies(options):
            continue
        try:
            value = _source_value(row, record, ctx, derivations)
        except MissingPathError as exc:
            if row.optional:
                continue  # the org does not have this optional field, so extraction left it out
            raise MissingPathError(f"{_row_text(pair_id, row)}: {exc}", path=exc.path, missing=exc.missing) from None
        except MappingError as exc:
            raise MappingError(f"{_row_text(pair_id, row)}: {exc}") from None
        if is_blank(value) and row.fallback is not None:
            try:
                value = resolve_path(record, row.fallback)
            except MappingError as exc:
                raise MappingError(f"{_row_text(pair_id, row)} (fallback {row.fallback}): {exc}") from None
        if is_blank(value):
            if row.default is None:
                continue
            value = row.default
        else:
            try:
                value = _translate(row, value, record)
            except MappingError as exc:
                raise MappingError(f"{_row_text(pair_id, row)}: {exc}") from None
        _place(result, row.target, value)
    return result


def split_custom_fields(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(standard fields, Zuora custom fields) of a mapped dict; each API places custom fields its own way."""
    standard = {k: v for k, v in values.items() if not k.endswith(ZUORA_CUSTOM_SUFFIX)}
    custom = {k: v for k, v in values.items() if k.endswith(ZUORA_CUSTOM_SUFFIX)}
    return standard, custom


@dataclass(frozen=True)
class SourceFields:
    """The Salesforce paths a section reads: extraction selects ``required``, and ``optional`` if present."""

    required: frozenset[str]
    optional: frozenset[str]


def source_fields(
    rows: Iterable[MappingRow], *, options: ConnectorOptions, derivations: DerivationRegistry = DERIVATIONS
) -> SourceFields:
    required: set[str] = set()
    optional: set[str] = set()
    for row in rows:
        if not row.applies(options):
            continue
        if row.kind is SourceKind.FIELD:
            assert row.source is not None
            (optional if row.optional else required).add(row.source)
            if row.fallback is not None:
                (optional if row.optional else required).add(row.fallback)
        elif row.kind is SourceKind.DERIVED and (derivation := derivations.get(row.derivation or "")):
            required.update(derivation.reads)
            optional.update(derivation.optional_reads)
    return SourceFields(frozenset(required), frozenset(optional - required))
