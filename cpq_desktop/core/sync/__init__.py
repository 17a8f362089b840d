"""Syncing: extract -> plan -> execute, with a ledger that makes every Zuora write happen exactly once."""
