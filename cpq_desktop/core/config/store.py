"""Load and save ``config.json``: versioned, written atomically, never silently overwritten.

A file this version cannot read (broken JSON, invalid values, or written by a newer version of the app)
is copied aside to a timestamped backup next to it, and the caller gets a :class:`ConfigError` whose
message names both files and says what to do. The app can then start with defaults; whatever it saves
later cannot destroy the original, because the backup already holds it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cpq_desktop.core.config import paths
from cpq_desktop.core.config.models import CONFIG_SCHEMA_VERSION, AppConfig


class ConfigError(Exception):
    """The config file cannot be used; ``str()`` is a message for the admin."""

    def __init__(self, message: str, *, path: Path, backup: Path | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.backup = backup


class ConfigCorruptError(ConfigError):
    """The file is not valid JSON or does not match the profile/settings schema."""


class ConfigTooNewError(ConfigError):
    """The file was written by a newer version of the app (a higher ``schema_version``)."""


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` so that readers see either the old file or the complete new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _backup(path: Path, reason: str) -> Path:
    """Copy ``path`` aside, once: every headless run reading the same bad file reuses the first copy."""
    content = path.read_bytes()
    for earlier in sorted(path.parent.glob(f"{path.name}.{reason}-*")):
        if earlier.read_bytes() == content:
            return earlier
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"{path.name}.{reason}-{stamp}")
    counter = 1
    while backup.exists():
        counter += 1
        backup = path.with_name(f"{path.name}.{reason}-{stamp}-{counter}")
    shutil.copy2(path, backup)
    return backup


def _describe_validation_error(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"  {where}: {error['msg']}")
    if exc.error_count() > 5:
        lines.append(f"  ... and {exc.error_count() - 5} more")
    return "\n".join(lines)


class ConfigStore:
    """The app's ``config.json`` (by default in the platformdirs config dir)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else paths.config_file()

    def load(self) -> AppConfig:
        """Read the file; a missing file is an empty config. Raises :class:`ConfigError` on any problem."""
        try:
            raw_text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return AppConfig()
        except OSError as exc:
            raise ConfigError(
                f"Cannot read the settings file {self.path}: {exc.strerror}. Check its permissions.",
                path=self.path,
            ) from None
        try:
            raw: Any = json.loads(raw_text)
        except json.JSONDecodeError as exc:
            raise self._corrupt(f"it is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
        if not isinstance(raw, dict):
            raise self._corrupt("it does not hold a JSON object")
        version = raw.get("schema_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise self._corrupt("it has no numeric 'schema_version'")
        if version > CONFIG_SCHEMA_VERSION:
            backup = _backup(self.path, "newer")
            raise ConfigTooNewError(
                f"The settings file {self.path} was written by a newer version of CPQ Billing Connector "
                f"Desktop (schema version {version}; this version reads up to {CONFIG_SCHEMA_VERSION}). "
                f"A copy was kept as {backup}. Install the newer version to use those profiles; "
                "anything saved by this version starts from empty settings.",
                path=self.path,
                backup=backup,
            )
        if version < CONFIG_SCHEMA_VERSION:
            raise self._corrupt(f"its schema_version {version} is not one this app ever wrote")
        try:
            return AppConfig.model_validate(raw)
        except ValidationError as exc:
            raise self._corrupt("some values are invalid:\n" + _describe_validation_error(exc)) from None

    def save(self, config: AppConfig) -> None:
        """Write the whole config atomically (a crash mid-write leaves the previous file intact)."""
        text = json.dumps(config.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
        try:
            atomic_write_text(self.path, text)
        except OSError as exc:
            raise ConfigError(
                f"Cannot save the settings file {self.path}: {exc.strerror}. "
                "Check free disk space and the folder's permissions.",
                path=self.path,
            ) from None

    def load_or_default(self) -> tuple[AppConfig, ConfigError | None]:
        """For app start-up: the saved config, or defaults plus the error to show when it is unusable."""
        try:
            return self.load(), None
        except ConfigError as exc:
            return AppConfig(), exc

    def _corrupt(self, why: str) -> ConfigCorruptError:
        backup = _backup(self.path, "corrupt")
        return ConfigCorruptError(
            f"The settings file {self.path} cannot be used because {why}\n"
            f"A copy was kept as {backup}. The app starts with empty settings; fix the copy and put it "
            "back, or set up your profiles again.",
            path=self.path,
            backup=backup,
        )
