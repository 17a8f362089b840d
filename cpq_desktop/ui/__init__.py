"""PySide6 views on ``cpq_desktop.core``: the main window, its tabs, Qt models and the sync worker."""
