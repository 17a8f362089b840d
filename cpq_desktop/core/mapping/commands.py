"""What ``cpq-desktop mapping …`` does, headless and Qt-free: export the defaults, validate a file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cpq_desktop.core.config import ConfigError, ConfigStore, ConnectorOptions
from cpq_desktop.core.config.store import atomic_write_text
from cpq_desktop.core.mapping.derivations import DERIVATIONS, DerivationRegistry
from cpq_desktop.core.mapping.effective import Origin, default_mapping_text, merge
from cpq_desktop.core.mapping.model import MappingFile, MappingRow
from cpq_desktop.core.mapping.pairs import PAIRS
from cpq_desktop.core.mapping.validation import (
    DescribeLookup,
    Problem,
    check_describe,
    check_required_targets,
    check_rows,
    parse_mapping,
)


class MappingCommandError(Exception):
    """A mapping command cannot run; ``str()`` says why and what to do."""


def profile_options(name: str) -> ConnectorOptions:
    """The connector options of the profile called ``name`` (what ``--profile`` checks a mapping under)."""
    try:
        config = ConfigStore().load()
    except ConfigError as exc:
        raise MappingCommandError(str(exc)) from None
    profile = config.profile_named(name)
    if profile is None:
        known = ", ".join(repr(p.name) for p in config.profiles) or "none yet"
        raise MappingCommandError(f"there is no profile named {name!r} (profiles: {known})")
    return profile.options


def export_default(path: Path) -> None:
    """Write the shipped default mapping to ``path`` (byte for byte the packaged resource)."""
    atomic_write_text(path, default_mapping_text())


def _describe_rows(mapping: MappingFile, options: ConnectorOptions | None) -> dict[str, list[tuple[str, MappingRow]]]:
    merged = merge(mapping)
    result: dict[str, list[tuple[str, MappingRow]]] = {}
    for pair_id in PAIRS:
        admin_rows = mapping.rows(pair_id)
        labelled: list[tuple[str, MappingRow]] = []
        for entry in merged.entries(pair_id):
            if options is not None and not entry.row.applies(options):
                continue
            if entry.origin is Origin.DEFAULT:
                where = f"{pair_id} default row ('{entry.row.target}' ← {entry.row.describe_source()})"
            else:
                where = f"{pair_id} row {admin_rows.index(entry.row) + 1} ('{entry.row.target}')"
            labelled.append((where, entry.row))
        result[pair_id] = labelled
    return result


def validate_mapping(
    mapping: MappingFile,
    describe_lookup: DescribeLookup | None = None,
    *,
    options: ConnectorOptions | None = None,
    derivations: DerivationRegistry = DERIVATIONS,
) -> list[Problem]:
    """Every problem of an admin's mapping, merged over the defaults (and checked against describe)."""
    problems = check_rows(mapping, options=options, derivations=derivations)
    merged = merge(mapping)
    problems += check_required_targets({p: merged.rows(p) for p in PAIRS}, options=options)
    if describe_lookup is not None:
        problems += check_describe(_describe_rows(mapping, options), describe_lookup, derivations=derivations)
    return problems


def validate_file(
    path: Path, describe_lookup: DescribeLookup | None = None, *, options: ConnectorOptions | None = None
) -> list[Problem]:
    """Problems of the mapping file at ``path``; an empty list means it is ready to use."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return [Problem(str(path), f"cannot be read: {exc.strerror}. Check the path and its permissions.")]
    mapping, problems = parse_mapping(text)
    if mapping is None:
        return problems
    return validate_mapping(mapping, describe_lookup, options=options)


def describe_dir_lookup(directory: Path) -> DescribeLookup:
    """Describe metadata saved as ``<directory>/<Object>.json`` (the JSON of ``/sobjects/{T}/describe``)."""

    def lookup(sobject: str) -> Mapping[str, Any] | None:
        path = directory / f"{sobject}.json"
        try:
            loaded: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return loaded if isinstance(loaded, Mapping) else None

    return lookup
