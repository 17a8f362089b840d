"""The main window: Connections, Mapping and Sync tabs, the menus and the status bar."""

from __future__ import annotations

import html
import platform
from dataclasses import dataclass
from pathlib import Path

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QWidget

from cpq_desktop import __version__
from cpq_desktop.core.config import Profile, paths
from cpq_desktop.core.config.summary import connection_summary
from cpq_desktop.core.secrets import KeyringUnavailableError, SecretStore
from cpq_desktop.ui import interaction
from cpq_desktop.ui.empty_state import EmptyState
from cpq_desktop.ui.window_state import WindowState

APP_TITLE = "CPQ Billing Connector Desktop"
DEFAULT_SIZE = (1120, 740)
MINIMUM_SIZE = (720, 520)


@dataclass(frozen=True)
class WindowContext:
    """What the window shows about the running app; built by :func:`cpq_desktop.ui.app.run_gui`."""

    profile: Profile | None
    sandbox: bool
    log_dir: Path


def _connections_tab(context: WindowContext) -> EmptyState:
    facts: list[tuple[str, str]] = []
    profile = context.profile
    if profile is not None:
        facts = [] if context.sandbox else [("Profile", profile.name)]
        facts += [("Salesforce login", profile.salesforce.login_url), ("Zuora REST", profile.zuora.base_url)]
        if profile.salesforce.username:
            facts.append(("Salesforce user", profile.salesforce.username))
        if profile.salesforce.ca_file is not None:
            facts.append(("Trusted CA file", str(profile.salesforce.ca_file)))
    return EmptyState(
        "Connections",
        "A profile pairs one Salesforce CPQ org with one Zuora tenant, so you can keep production, "
        "sandboxes and test tenants apart.",
        [
            "Create, rename and delete profiles, and pick the active one.",
            "Choose the Salesforce login — Production, Sandbox, your My Domain or a custom URL — and sign in "
            "with the browser (OAuth with PKCE), a password with security token, or a JWT certificate.",
            "Choose the Zuora environment (US, EU or APAC production and sandboxes, or a custom URL) and "
            "enter its OAuth client.",
            "Test both connections and see which org and tenant you reached.",
            "Set the connector options: subscription start date, trigger dates on the order, list price "
            "base, terms in days.",
        ],
        note="Passwords, tokens and client secrets will be kept in your system keyring, never in files.",
        facts=facts,
        facts_title="Built-in sandbox (running)" if context.sandbox else "Active profile",
    )


def _mapping_tab() -> EmptyState:
    return EmptyState(
        "Mapping",
        "How Salesforce CPQ records and fields become Zuora accounts, subscriptions, orders and products.",
        [
            "Start from the default mapping of Zuora's Billing Connector for Salesforce CPQ.",
            "Edit field pairs object by object, with search, and add your custom fields.",
            "Check a mapping against both schemas before anything is synced.",
            "Import and export mappings as versioned JSON files to review and share them.",
        ],
    )


def _sync_tab() -> EmptyState:
    return EmptyState(
        "Sync",
        "Choose Salesforce CPQ records, preview exactly what will be written, then push them to Zuora Billing.",
        [
            "Pick the scope: accounts, orders or a date range.",
            "Run a dry run that lists every Zuora order action before anything is written.",
            "Follow progress, cancel at any time, and resume safely after a crash without duplicates.",
            "See a result per record — created, updated, skipped or failed, with Zuora keys and errors — and "
            "retry the failed ones.",
            "Open and export the debug log of each run, with secrets masked.",
        ],
    )


def _keyring_description() -> str:
    store = SecretStore()
    try:
        store.check_available()
    except KeyringUnavailableError:
        return "none usable: secrets cannot be saved (see Troubleshooting in the README)"
    return store.backend_name()


class MainWindow(QMainWindow):
    def __init__(
        self, context: WindowContext, window_state: WindowState | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self._window_state = window_state if window_state is not None else WindowState()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"{APP_TITLE} — Sandbox" if context.sandbox else APP_TITLE)
        self.setMinimumSize(*MINIMUM_SIZE)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(_connections_tab(context), "Connections")
        self.tabs.addTab(_mapping_tab(), "Mapping")
        self.tabs.addTab(_sync_tab(), "Sync")
        self.setCentralWidget(self.tabs)

        self._build_menus()
        self.status_label = QLabel(connection_summary(context.profile, sandbox=context.sandbox))
        self.status_label.setObjectName("connectionStatus")
        self.status_label.setContentsMargins(6, 0, 6, 0)
        self.statusBar().addWidget(self.status_label, 1)

        if not self._window_state.restore(self, self.tabs):
            self._resize_for_first_start()

    def _resize_for_first_start(self) -> None:
        # Comfortable on a desktop, but never larger than a small laptop screen.
        available = self.screen().availableGeometry()
        width = max(MINIMUM_SIZE[0], min(DEFAULT_SIZE[0], int(available.width() * 0.9)))
        height = max(MINIMUM_SIZE[1], min(DEFAULT_SIZE[1], int(available.height() * 0.9)))
        self.resize(width, height)

    def tab_titles(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.setStatusTip("Close the window and quit")
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        help_menu = self.menuBar().addMenu("&Help")
        self.open_log_folder_action = QAction("Open &Log Folder", self)
        self.open_log_folder_action.setStatusTip(f"Open {self.context.log_dir} in the file manager")
        self.open_log_folder_action.triggered.connect(self.open_log_folder)
        help_menu.addAction(self.open_log_folder_action)
        help_menu.addSeparator()
        self.about_action = QAction(f"&About {APP_TITLE}", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    def open_log_folder(self) -> None:
        interaction.current().open_folder(self.context.log_dir)

    def about_text(self) -> str:
        rows = [
            ("Version", __version__),
            ("Python", platform.python_version()),
            ("Qt / PySide6", f"{qVersion()} / {PySide6.__version__}"),
            ("Settings", str(paths.config_file())),
            ("Logs", str(self.context.log_dir)),
            ("Keyring", _keyring_description()),
        ]
        table = "".join(
            f"<tr><td style='padding-right:12px'><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return (
            f"<h3>{APP_TITLE}</h3>"
            "<p>Pushes Salesforce CPQ accounts, orders, subscriptions and products into Zuora Billing "
            "through the Orders API.</p>"
            f"<table>{table}</table>"
        )

    def show_about(self) -> None:
        interaction.current().information(f"About {APP_TITLE}", self.about_text())

    def closeEvent(self, event: QCloseEvent) -> None:
        self._window_state.save(self, self.tabs)
        super().closeEvent(event)
