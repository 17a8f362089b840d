"""The shipped default mapping, and merging an admin's rows over it into the mapping a sync uses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.mapping.apply import apply_rows
from cpq_desktop.core.mapping.derivations import DERIVATIONS, DerivationRegistry
from cpq_desktop.core.mapping.model import MappingFile, MappingRow
from cpq_desktop.core.mapping.pairs import PAIRS

DEFAULT_MAPPING_RESOURCE = "default_mapping.json"


def default_mapping_text() -> str:
    """The shipped default mapping exactly as stored in the package (the single source of the defaults)."""
    return resources.files("cpq_desktop").joinpath("resources", DEFAULT_MAPPING_RESOURCE).read_text(encoding="utf-8")


@cache
def default_mapping() -> MappingFile:
    return MappingFile.model_validate(json.loads(default_mapping_text()))


class Origin(StrEnum):
    DEFAULT = "default"
    OVERRIDDEN = "overridden"
    CUSTOM = "custom"


@dataclass(frozen=True)
class EffectiveRow:
    row: MappingRow
    origin: Origin
    replaced: tuple[MappingRow, ...] = ()  # the default rows an overriding row stands in for


@dataclass(frozen=True)
class EffectiveMapping:
    """Defaults merged with an admin's rows: per pair, every row and where it comes from."""

    sections: Mapping[str, tuple[EffectiveRow, ...]]

    def entries(self, pair_id: str) -> tuple[EffectiveRow, ...]:
        return self.sections.get(pair_id, ())

    def rows(self, pair_id: str, options: ConnectorOptions | None = None) -> list[MappingRow]:
        """The pair's rows; with ``options``, only those in use (``when`` holds, the section's option is on)."""
        if options is None:
            return [e.row for e in self.entries(pair_id)]
        required = PAIRS[pair_id].requires_option
        if required is not None and not getattr(options, required):
            return []
        return [e.row for e in self.entries(pair_id) if e.row.applies(options)]

    def apply(
        self,
        pair_id: str,
        record: Mapping[str, Any],
        *,
        options: ConnectorOptions,
        derivations: DerivationRegistry = DERIVATIONS,
    ) -> dict[str, Any]:
        rows = self.rows(pair_id, options)
        return apply_rows(rows, record, pair_id=pair_id, options=options, derivations=derivations)


def merge(overrides: MappingFile, defaults: MappingFile | None = None) -> EffectiveMapping:
    """Lay ``overrides`` over the defaults: an admin's rows for a target replace every default row for it.

    Replacing by target (whatever the ``when`` conditions) keeps the rule simple to explain: to make a
    target depend on an option, give one row per condition.
    """
    base = defaults if defaults is not None else default_mapping()
    sections: dict[str, tuple[EffectiveRow, ...]] = {}
    for pair_id in PAIRS:
        admin_rows = overrides.rows(pair_id)
        default_rows = base.rows(pair_id)
        overridden_targets = {row.target for row in admin_rows}
        default_targets = {row.target for row in default_rows}
        merged: list[EffectiveRow] = []
        for row in default_rows:
            if row.target not in overridden_targets:
                merged.append(EffectiveRow(row, Origin.DEFAULT))
            elif not any(e.row.target == row.target for e in merged):
                # the admin's rows take the place of the first default row for the target, keeping the order
                replaced = tuple(r for r in default_rows if r.target == row.target)
                merged.extend(
                    EffectiveRow(admin, Origin.OVERRIDDEN, replaced)
                    for admin in admin_rows
                    if admin.target == row.target
                )
        merged.extend(EffectiveRow(row, Origin.CUSTOM) for row in admin_rows if row.target not in default_targets)
        sections[pair_id] = tuple(merged)
    return EffectiveMapping(sections)
