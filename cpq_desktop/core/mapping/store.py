"""The admin's mapping per profile: ``<config dir>/mappings/<profile id>.json``, written atomically.

The file holds only the admin's rows (overrides of defaults and custom-field rows); the defaults stay in
the package, so an upgrade that improves a default reaches every profile that did not override it.
"""

from __future__ import annotations

import json
from pathlib import Path

from cpq_desktop.core.config import Profile
from cpq_desktop.core.config.paths import config_dir
from cpq_desktop.core.config.store import atomic_write_text
from cpq_desktop.core.mapping.effective import EffectiveMapping, merge
from cpq_desktop.core.mapping.model import SCHEMA_VERSION, MappingFile
from cpq_desktop.core.mapping.validation import Problem, parse_mapping


class MappingFileError(Exception):
    """A mapping file cannot be used; ``problems`` holds one message per problem."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"The mapping file {path} cannot be used:\n{lines}")
        self.path = path
        self.problems = problems


def _profile_id(profile: Profile | str) -> str:
    profile_id = profile.id if isinstance(profile, Profile) else profile
    # the id becomes a file name: the same safe characters the config insists on
    if not profile_id or not all(c.isascii() and (c.isalnum() or c in "-_") for c in profile_id):
        raise ValueError(f"A profile id may only hold letters, digits, '-' and '_' (got {profile_id!r})")
    return profile_id


def mapping_path(profile: Profile | str) -> Path:
    """Where a profile's mapping lives (the profile's stable id, so renaming keeps the mapping)."""
    return config_dir() / "mappings" / f"{_profile_id(profile)}.json"


def mapping_to_json(mapping: MappingFile) -> str:
    """Readable, diffable JSON: two-space indent, keys in model order, unset optional keys left out."""
    body = mapping.model_dump(mode="json", exclude_defaults=True)
    ordered = {"schema_version": SCHEMA_VERSION, **body}
    return json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"


def load_mapping_file(path: Path) -> MappingFile:
    """Read and check a mapping file's shape; raises :class:`MappingFileError` listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingFileError(
            path, [Problem(str(path), f"cannot be read: {exc.strerror}. Check the path and its permissions.")]
        ) from None
    mapping, problems = parse_mapping(text)
    if mapping is None or problems:
        raise MappingFileError(path, problems)
    return mapping


def load_profile_mapping(profile: Profile | str) -> MappingFile:
    """The admin's rows for ``profile``; an empty mapping when the profile has none yet."""
    path = mapping_path(profile)
    if not path.exists():
        return MappingFile()
    return load_mapping_file(path)


def save_profile_mapping(profile: Profile | str, mapping: MappingFile) -> Path:
    path = mapping_path(profile)
    atomic_write_text(path, mapping_to_json(mapping))
    return path


def effective_mapping(profile: Profile | str | None = None) -> EffectiveMapping:
    """The defaults merged with the profile's rows (just the defaults without a profile)."""
    overrides = load_profile_mapping(profile) if profile is not None else MappingFile()
    return merge(overrides)
