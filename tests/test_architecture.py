"""The layer rule of DESIGN.md, checked on every file: core and sandbox never import Qt, sandbox never
imports core or ui. A static scan finds the import even in a branch no test runs; the subprocess check
proves core (and sandbox) really import on a machine without PySide6."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "cpq_desktop"
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "qtpy")

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": (*QT, "cpq_desktop.ui", "cpq_desktop.sandbox"),
    "sandbox": (*QT, "cpq_desktop.core", "cpq_desktop.ui"),
}


def _module_name(path: Path, package_root: Path) -> str:
    parts = [package_root.name, *path.relative_to(package_root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, package_root: Path) -> list[tuple[int, str]]:
    """Every module a file imports, relative imports resolved to absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path, package_root)
    is_package = path.name == "__init__.py"
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
    return found


def layer_violations(package_root: Path) -> list[str]:
    problems = []
    for layer, banned in FORBIDDEN.items():
        for path in sorted((package_root / layer).rglob("*.py")):
            for lineno, name in _imports(path, package_root):
                if any(name == b or name.startswith(b + ".") for b in banned):
                    rel = path.relative_to(package_root.parent)
                    problems.append(f"{rel}:{lineno}: {layer}/ must not import {name}")
    return sorted(set(problems))


def test_core_and_sandbox_respect_the_layer_rule() -> None:
    assert layer_violations(PACKAGE_ROOT) == []


@pytest.mark.parametrize(
    ("layer", "source", "reported"),
    [
        ("core", "from PySide6.QtCore import QObject\n", "PySide6.QtCore"),
        ("core", "def f():\n    import PySide6\n", "PySide6"),
        ("core", "from ..ui import app\n", "cpq_desktop.ui"),
        ("sandbox", "from cpq_desktop.core.config import Profile\n", "cpq_desktop.core.config"),
        ("sandbox", "from .. import core\n", "cpq_desktop.core"),
    ],
)
def test_the_scan_catches_violations(tmp_path: Path, layer: str, source: str, reported: str) -> None:
    root = tmp_path / "cpq_desktop"
    for sub in ("core", "sandbox", "ui"):
        (root / sub).mkdir(parents=True)
        (root / sub / "__init__.py").write_text("", encoding="utf-8")
    (root / layer / "bad.py").write_text(source, encoding="utf-8")
    problems = layer_violations(root)
    assert problems
    assert all(f"cpq_desktop/{layer}/bad.py" in p for p in problems)
    assert any(reported in p for p in problems)


_BLOCK_QT_AND_IMPORT_ALL = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    class BlockQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"PySide6", "shiboken6"}:
                raise ImportError(f"{name} is blocked: this layer must work without Qt")
            return None

    sys.meta_path.insert(0, BlockQt())
    imported = []
    for package_name in ("cpq_desktop.core", "cpq_desktop.sandbox"):
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            importlib.import_module(info.name)
            imported.append(info.name)
    assert "cpq_desktop.core.config.store" in imported, imported
    assert not any(m.split(".")[0] in {"PySide6", "shiboken6"} for m in sys.modules)
    print(len(imported), "modules imported without Qt")
    """
)


def test_core_and_sandbox_import_with_pyside6_blocked() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _BLOCK_QT_AND_IMPORT_ALL],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "modules imported without Qt" in result.stdout
