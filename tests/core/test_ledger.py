"""The ledger is what lets a re-run after a crash resolve writes instead of repeating them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cpq_desktop.core.sync.ledger import IntentState, Ledger, idempotency_key


def test_idempotency_key_is_stable_and_content_sensitive() -> None:
    body = {"orderNumber": "O-1", "subscriptions": [{"quantity": 10}]}
    same_body_reordered = {"subscriptions": [{"quantity": 10}], "orderNumber": "O-1"}
    key = idempotency_key("prod", "order:8015e000001", body)
    assert key == idempotency_key("prod", "order:8015e000001", same_body_reordered)
    assert key != idempotency_key("prod", "order:8015e000001", {**body, "orderNumber": "O-2"})
    assert key != idempotency_key("sandbox", "order:8015e000001", body)
    assert key != idempotency_key("prod", "order:8015e000002", body)
    assert len(key) < 255
    assert key.isascii()


def test_intent_recorded_before_a_crash_is_open_after_restart(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    # A separate process records an intent and dies without a chance to clean up.
    code = (
        "import os; from pathlib import Path; from cpq_desktop.core.sync.ledger import Ledger;"
        f"Ledger(Path({str(db)!r})).begin('prod', 'order:801A', 'cpqd-k1', 'run-1', {{'orderNumber': 'O-1'}});"
        "os._exit(9)"
    )
    subprocess.run([sys.executable, "-c", code], check=False)
    ledger = Ledger(db)
    (intent,) = ledger.open_intents("prod")
    assert (intent.step_id, intent.key, intent.request) == ("order:801A", "cpqd-k1", {"orderNumber": "O-1"})
    ledger.finish("prod", "cpqd-k1", IntentState.SUCCEEDED, result={"orderNumber": "O-1"})
    assert ledger.open_intents("prod") == []
    assert ledger.counts("prod") == {"succeeded": 1}
    ledger.close()


def test_outcomes_per_step_and_profile(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite")
    ledger.begin("prod", "account:001A", "k-old", "run-1", {"name": "Acme"})
    ledger.finish("prod", "k-old", IntentState.FAILED, error="billToContact.country is required")
    ledger.begin("prod", "account:001A", "k-new", "run-2", {"name": "Acme Inc"})
    ledger.begin("other", "account:001A", "k-new", "run-3", {"name": "Acme Inc"})
    latest = ledger.latest_for_step("prod", "account:001A")
    assert latest is not None
    assert latest.key == "k-new"
    assert latest.state is IntentState.IN_FLIGHT
    failed = ledger.get("prod", "k-old")
    assert failed is not None
    assert failed.error == "billToContact.country is required"
    assert [i.profile for i in ledger.open_intents("other")] == ["other"]
    with pytest.raises(KeyError):
        ledger.finish("prod", "k-missing", IntentState.SUCCEEDED)
    ledger.close()
