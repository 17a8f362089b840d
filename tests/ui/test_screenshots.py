"""``tests/screenshots.py`` renders the window and every tab, in both looks, to real PNG images."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from tests.screenshots import render


def test_screenshots_cover_the_window_and_each_tab(qapp: object, tmp_path: Path) -> None:
    written = render(tmp_path / "shots")

    assert sorted(p.name for p in written) == sorted(
        f"{prefix}{name}.png"
        for prefix in ("", "sandbox-")
        for name in ("main-window", "tab-connections", "tab-mapping", "tab-sync")
    )
    for path in written:
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1120, 740), path.name
    # the tabs really differ (each one was rendered, not the same page eight times)
    contents = {path.read_bytes() for path in written if "tab-" in path.name}
    assert len(contents) == 6
