"""Qt-free domain: config and profiles, secrets, mapping, clients, sync, ledger, debug logs. Never imports PySide6."""
