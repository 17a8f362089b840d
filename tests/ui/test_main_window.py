"""The main window as an admin first sees it: three tabs, menus, a status bar that says where it points."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from cpq_desktop import __version__
from cpq_desktop.core.config import Profile, SalesforceEnvironment, SalesforceSettings, ZuoraSettings, paths
from cpq_desktop.core.config.models import ZuoraEnvironment
from cpq_desktop.ui.main_window import MainWindow, WindowContext
from tests.ui.conftest import RecordingInteraction


def _window(qtbot: QtBot, context: WindowContext) -> MainWindow:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _no_profile(tmp_path: Path) -> WindowContext:
    return WindowContext(profile=None, sandbox=False, log_dir=tmp_path / "log")


def _visible_texts(window: MainWindow) -> str:
    page = window.tabs.currentWidget()
    return "\n".join(label.text() for label in page.findChildren(QLabel))


def test_window_opens_with_three_tabs_and_honest_empty_states(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, _no_profile(tmp_path))

    assert window.tab_titles() == ["Connections", "Mapping", "Sync"]
    assert window.windowTitle() == "CPQ Billing Connector Desktop"
    for index in range(3):
        window.tabs.setCurrentIndex(index)
        text = _visible_texts(window)
        assert "Not built yet in this version" in text
        assert "This tab will let you:" in text
    assert window.status_label.text() == "No profile yet — create one on the Connections tab"


def test_menus_offer_quit_about_and_log_folder(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, _no_profile(tmp_path))
    menus = {action.text().replace("&", ""): action.menu() for action in window.menuBar().actions()}
    assert list(menus) == ["File", "Help"]
    assert [a.text().replace("&", "") for a in menus["File"].actions()] == ["Quit"]
    help_items = [a.text().replace("&", "") for a in menus["Help"].actions() if not a.isSeparator()]
    assert help_items == ["Open Log Folder", "About CPQ Billing Connector Desktop"]


def test_sandbox_mode_shows_both_endpoints(qtbot: QtBot, tmp_path: Path) -> None:
    profile = Profile(
        name="Built-in sandbox",
        salesforce=SalesforceSettings(
            environment=SalesforceEnvironment.CUSTOM,
            custom_url="https://127.0.0.1:41001",
            username="integration@sandbox.example",
            ca_file=tmp_path / "ca.pem",
        ),
        zuora=ZuoraSettings(environment=ZuoraEnvironment.CUSTOM, custom_base_url="https://127.0.0.1:41002"),
    )
    window = _window(qtbot, WindowContext(profile=profile, sandbox=True, log_dir=tmp_path))

    assert window.status_label.text() == "Sandbox: Salesforce https://127.0.0.1:41001 · Zuora https://127.0.0.1:41002"
    assert window.windowTitle().endswith("Sandbox")
    connections = _visible_texts(window)
    assert "Built-in sandbox (running)" in connections
    assert "integration@sandbox.example" in connections
    assert str(tmp_path / "ca.pem") in connections


def test_status_bar_names_the_active_profile(qtbot: QtBot, tmp_path: Path) -> None:
    profile = Profile(name="ACME prod", zuora=ZuoraSettings(environment=ZuoraEnvironment.EU_PRODUCTION))
    window = _window(qtbot, WindowContext(profile=profile, sandbox=False, log_dir=tmp_path))
    assert window.status_label.text() == (
        "Profile ACME prod: Salesforce https://login.salesforce.com · Zuora https://rest.eu.zuora.com"
    )


def test_geometry_and_tab_are_remembered_in_the_config_dir(qtbot: QtBot, tmp_path: Path) -> None:
    first = _window(qtbot, _no_profile(tmp_path))
    first.resize(760, 580)
    first.tabs.setCurrentIndex(2)
    first.close()
    assert (paths.config_dir() / "window-state.ini").is_file()

    second = _window(qtbot, _no_profile(tmp_path))
    assert (second.width(), second.height()) == (760, 580)
    assert second.tabs.currentIndex() == 2


def test_first_start_size_fits_on_the_screen(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, _no_profile(tmp_path))
    available = window.screen().availableGeometry()
    assert window.width() <= available.width()
    assert window.height() <= available.height()
    assert window.width() >= window.minimumWidth()


def test_help_menu_about_and_open_log_folder(qtbot: QtBot, tmp_path: Path, recorder: RecordingInteraction) -> None:
    window = _window(qtbot, _no_profile(tmp_path))

    window.about_action.trigger()
    window.open_log_folder_action.trigger()

    ((title, text),) = recorder.infos
    assert title == "About CPQ Billing Connector Desktop"
    assert __version__ in text
    assert str(tmp_path / "log") in text
    assert recorder.opened == [tmp_path / "log"]


def test_file_quit_closes_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, _no_profile(tmp_path))
    window.quit_action.trigger()
    assert not window.isVisible()
