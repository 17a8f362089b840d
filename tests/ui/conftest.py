"""GUI test helpers: a recording interaction instead of modal dialogs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cpq_desktop.ui import interaction


@dataclass
class RecordingInteraction(interaction.Interaction):
    """Remembers every message instead of opening a dialog."""

    criticals: list[tuple[str, str, str]] = field(default_factory=list)
    infos: list[tuple[str, str]] = field(default_factory=list)
    opened: list[Path] = field(default_factory=list)

    def critical(self, title: str, message: str, details: str = "") -> None:
        self.criticals.append((title, message, details))

    def information(self, title: str, message: str) -> None:
        self.infos.append((title, message))

    def open_folder(self, path: Path) -> None:
        self.opened.append(path)


@pytest.fixture
def recorder() -> Iterator[RecordingInteraction]:
    recording = RecordingInteraction()
    previous = interaction.install(recording)
    yield recording
    interaction.install(previous)
