"""Where the app keeps its files: the per-user platformdirs folders, never the working directory."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "cpq-desktop"


def config_dir() -> Path:
    """Profiles and settings (``~/.config/cpq-desktop`` on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Run history and other data the app accumulates (``~/.local/share/cpq-desktop`` on Linux)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """The rotating app log and per-run debug logs (``~/.local/state/cpq-desktop/log`` on Linux)."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The versioned JSON file holding every profile and the app settings."""
    return config_dir() / "config.json"
