"""Test harness shared by the whole suite.

- Qt runs offscreen; a Qt warning fails the test (``qt_log_level_fail`` in pyproject.toml).
- Every test gets its own config, data, cache and log dirs, so a developer's real files are never
  read or written, and an in-memory keyring, so no test touches a real one (except the one
  ``keyring_integration`` test, which asks for the real Secret Service explicitly).
- A record logged at ERROR or above fails the test unless the test says it expects it, and a QThread
  left running fails the test.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

# pytester runs small throwaway suites against this harness (tests/ui/test_harness.py).
pytest_plugins = ("pytester",)


class MemoryKeyring(KeyringBackend):
    """A dict-backed keyring: tests can inspect exactly what was stored."""

    # Negative: keyring's auto-detection must never pick this class or chain it behind the real
    # Secret Service (the keyring_integration test relies on getting the real one).
    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.store[(service, username)]
        except KeyError as exc:
            raise PasswordDeleteError("no such password") from exc


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point platformdirs (XDG on Linux) at a per-test folder."""
    home = tmp_path / "home"
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        path = home / sub
        path.mkdir(parents=True)
        monkeypatch.setenv(var, str(path))
    return home


@pytest.fixture(autouse=True)
def memory_keyring(request: pytest.FixtureRequest) -> Iterator[MemoryKeyring | None]:
    if request.node.get_closest_marker("keyring_integration"):
        yield None
        return
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


class _ErrorCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_logged_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """An ERROR log record fails the test; mark a test ``expect_logged_errors`` when it is the point."""
    collector = _ErrorCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
    if request.node.get_closest_marker("expect_logged_errors"):
        return
    if collector.records:
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in collector.records[:10])
        pytest.fail(f"unexpected errors were logged:\n{lines}")


@pytest.fixture(autouse=True)
def no_leaked_qthreads() -> Iterator[None]:
    """Fail a test that leaves a QThread running.

    QtCore is imported here rather than looked up in ``sys.modules``: a test that imports Qt lazily
    (inside the test body, or through the code under test) must be watched too.
    """
    from PySide6 import QtCore

    started: list[QtCore.QThread] = []
    original = QtCore.QThread.start

    def tracking_start(self: QtCore.QThread, *args: object) -> None:
        started.append(self)
        original(self, *args)  # type: ignore[arg-type]

    QtCore.QThread.start = tracking_start  # type: ignore[method-assign]
    try:
        yield
    finally:
        QtCore.QThread.start = original  # type: ignore[method-assign]
    running = [t for t in started if t.isRunning()]
    for thread in running:
        thread.quit()
        thread.wait(5000)
    if running:
        names = ", ".join(t.objectName() or type(t).__name__ for t in running)
        pytest.fail(f"{len(running)} QThread(s) were still running at the end of the test: {names}")
