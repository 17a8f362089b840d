"""Render the main window and each tab to PNG files, offscreen, so anyone can look at the GUI.

Usage: ``QT_QPA_PLATFORM=offscreen python tests/screenshots.py OUTDIR`` (or ``make screenshots``).
Writes ``main-window.png`` (the window as it opens), one ``tab-<name>.png`` per tab, and the same set
for the ``--sandbox`` look with a made-up sandbox profile (``sandbox-*.png``). Nothing outside OUTDIR
and a temporary folder is read or written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _isolate(home: Path) -> None:
    # Never read a developer's real profiles or window state, never write next to them.
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
        os.environ[var] = str(home / sub)


def render(outdir: Path) -> list[Path]:
    import shiboken6
    from PySide6.QtWidgets import QApplication

    from cpq_desktop.core.config import (
        Profile,
        SalesforceEnvironment,
        SalesforceSettings,
        ZuoraEnvironment,
        ZuoraSettings,
    )
    from cpq_desktop.ui.main_window import MainWindow, WindowContext
    from cpq_desktop.ui.window_state import WindowState

    app = QApplication.instance() or QApplication([sys.argv[0]])
    outdir.mkdir(parents=True, exist_ok=True)
    sandbox = Profile(
        name="Built-in sandbox",
        salesforce=SalesforceSettings(
            environment=SalesforceEnvironment.CUSTOM,
            custom_url="https://127.0.0.1:40443",
            ca_file=Path("/tmp/sandbox/ca.pem"),
        ),
        zuora=ZuoraSettings(environment=ZuoraEnvironment.CUSTOM, custom_base_url="https://127.0.0.1:40444"),
    )
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for prefix, context in (
            ("", WindowContext(profile=None, sandbox=False, log_dir=Path(tmp) / "log")),
            ("sandbox-", WindowContext(profile=sandbox, sandbox=True, log_dir=Path(tmp) / "log")),
        ):
            window = MainWindow(context, WindowState(Path(tmp) / f"{prefix}state.ini"))
            window.resize(1120, 740)
            window.show()
            app.processEvents()
            path = outdir / f"{prefix}main-window.png"
            window.grab().save(str(path))
            written.append(path)
            for index, title in enumerate(window.tab_titles()):
                window.tabs.setCurrentIndex(index)
                app.processEvents()
                path = outdir / f"{prefix}tab-{title.lower()}.png"
                window.grab().save(str(path))
                written.append(path)
            window.close()
            # Deleted now, in this thread: garbage-collected Qt widgets can crash a later thread.
            shiboken6.delete(window)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        _isolate(Path(home))
        for path in render(args.outdir):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
