"""A running sandbox of 30 generated orders (seed 7) and connections to it, fresh for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cpq_desktop.core.planning.connections import Connections, open_sandbox
from cpq_desktop.sandbox.runner import Sandbox, SandboxOptions


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path / "sandbox", SandboxOptions(orders=30, seed=7))
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def connections(sandbox: Sandbox) -> Iterator[Connections]:
    opened = open_sandbox(sandbox.data_dir)
    try:
        yield opened
    finally:
        opened.close()
