"""Secrets go to the keyring, keyed by profile, and nowhere else; no keyring means a clear error."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked

from cpq_desktop.core.redaction import MASK, redact
from cpq_desktop.core.secrets import (
    SERVICE_NAME,
    KeyringUnavailableError,
    SecretKind,
    SecretStore,
    keyring_entry_name,
)


def test_secrets_round_trip_per_profile(memory_keyring: object) -> None:
    store = SecretStore()
    store.set("profile-a", SecretKind.ZUORA_CLIENT_SECRET, "zuora-secret-a")
    store.set("profile-b", SecretKind.ZUORA_CLIENT_SECRET, "zuora-secret-b")
    store.set("profile-a", SecretKind.SALESFORCE_REFRESH_TOKEN, "5Aep861refresh")

    assert store.get("profile-a", SecretKind.ZUORA_CLIENT_SECRET) == "zuora-secret-a"
    assert store.get("profile-b", SecretKind.ZUORA_CLIENT_SECRET) == "zuora-secret-b"
    assert store.get("profile-b", SecretKind.SALESFORCE_PASSWORD) is None
    assert memory_keyring.store[(SERVICE_NAME, "profile-a/zuora.client_secret")] == "zuora-secret-a"  # type: ignore[attr-defined]

    assert store.delete("profile-a", SecretKind.ZUORA_CLIENT_SECRET) is True
    assert store.delete("profile-a", SecretKind.ZUORA_CLIENT_SECRET) is False
    assert store.get("profile-a", SecretKind.ZUORA_CLIENT_SECRET) is None


def test_deleting_a_profile_removes_all_its_secrets(memory_keyring: object) -> None:
    store = SecretStore()
    for kind in SecretKind:
        store.set("doomed", kind, f"value-of-{kind.value}")
    store.set("kept", SecretKind.SALESFORCE_PASSWORD, "still-here")

    store.delete_profile("doomed")

    assert all(store.get("doomed", kind) is None for kind in SecretKind)
    assert store.get("kept", SecretKind.SALESFORCE_PASSWORD) == "still-here"


def test_secrets_read_or_written_are_masked_in_logs() -> None:
    store = SecretStore()
    store.set("p", SecretKind.SALESFORCE_PASSWORD, "correct horse battery")
    assert redact("login with correct horse battery failed") == f"login with {MASK} failed"


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="delete it instead"):
        SecretStore().set("p", SecretKind.ZUORA_CLIENT_SECRET, "")


@pytest.fixture
def keyring_backend() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def _files_containing(root: Path, needle: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


@pytest.mark.usefixtures("keyring_backend")
@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring, keyring.backends.null.Keyring])
def test_no_usable_keyring_gives_an_admin_message_and_no_fallback(
    backend: type[KeyringBackend], isolated_dirs: Path
) -> None:
    keyring.set_keyring(backend())
    store = SecretStore()

    with pytest.raises(KeyringUnavailableError) as caught:
        store.set("p", SecretKind.ZUORA_CLIENT_SECRET, "must-not-land-on-disk")
    message = str(caught.value)
    assert "no system keyring" in message.lower()
    assert "gnome-keyring" in message
    assert "must-not-land-on-disk" not in message

    with pytest.raises(KeyringUnavailableError):
        store.get("p", SecretKind.ZUORA_CLIENT_SECRET)
    assert _files_containing(isolated_dirs, "must-not-land-on-disk") == []


class _LockedKeyring(KeyringBackend):
    priority = -1  # type: ignore[assignment]  # never auto-detected (see tests/conftest.py)

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


@pytest.mark.usefixtures("keyring_backend")
def test_locked_keyring_says_to_unlock_it() -> None:
    keyring.set_keyring(_LockedKeyring())
    with pytest.raises(KeyringUnavailableError, match="locked") as caught:
        SecretStore().get("p", SecretKind.SALESFORCE_REFRESH_TOKEN)
    assert "Salesforce refresh token" in str(caught.value)


@pytest.mark.keyring_integration
def test_real_secret_service_round_trip() -> None:
    if os.environ.get("CPQ_REAL_KEYRING") != "1":
        pytest.skip(
            "needs a real Secret Service: run through scripts/run-tests.sh (make test), which starts "
            "an unlocked throwaway gnome-keyring in a private D-Bus session and sets CPQ_REAL_KEYRING=1"
        )
    store = SecretStore()
    assert "SecretService" in store.backend_name()
    profile_id = f"integration-{uuid.uuid4().hex}"
    try:
        store.set(profile_id, SecretKind.ZUORA_CLIENT_SECRET, "real-keyring-secret")
        assert store.get(profile_id, SecretKind.ZUORA_CLIENT_SECRET) == "real-keyring-secret"
        assert keyring.get_password(SERVICE_NAME, keyring_entry_name(profile_id, SecretKind.ZUORA_CLIENT_SECRET))
    finally:
        store.delete_profile(profile_id)
    assert store.get(profile_id, SecretKind.ZUORA_CLIENT_SECRET) is None
