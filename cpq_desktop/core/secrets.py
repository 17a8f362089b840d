"""The only place that reads or writes secrets. They live in the OS keyring, keyed by profile.

Secrets: the Salesforce refresh token, password, security token and JWT private key, and the Zuora
client secret. There is deliberately no fallback: when no usable keyring exists, every call raises
:class:`KeyringUnavailableError` with a message that tells the admin how to get one, and nothing is
written anywhere else. Every value read or written is registered with the log redactor first.
"""

from __future__ import annotations

from enum import StrEnum

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
from keyring.errors import InitError, KeyringError, KeyringLocked, NoKeyringError, PasswordDeleteError

from cpq_desktop.core.redaction import redact, register_secret

SERVICE_NAME = "cpq-billing-connector-desktop"

_HOW_TO_GET_A_KEYRING = (
    "Secrets are only ever kept in the operating system's keyring, never in files. "
    "On Linux, install and start a Secret Service provider in your desktop session (for example "
    "'sudo apt-get install gnome-keyring', then log out and back in, or use KWallet); on a machine "
    "without a desktop, run the app inside 'dbus-run-session' with an unlocked 'gnome-keyring-daemon' "
    "(see Troubleshooting in the README). macOS Keychain and Windows Credential Manager work out of "
    "the box."
)


class SecretKind(StrEnum):
    SALESFORCE_REFRESH_TOKEN = "salesforce.refresh_token"
    SALESFORCE_PASSWORD = "salesforce.password"
    SALESFORCE_SECURITY_TOKEN = "salesforce.security_token"
    SALESFORCE_PRIVATE_KEY = "salesforce.private_key"
    ZUORA_CLIENT_SECRET = "zuora.client_secret"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    SecretKind.SALESFORCE_REFRESH_TOKEN: "Salesforce refresh token",
    SecretKind.SALESFORCE_PASSWORD: "Salesforce password",
    SecretKind.SALESFORCE_SECURITY_TOKEN: "Salesforce security token",
    SecretKind.SALESFORCE_PRIVATE_KEY: "Salesforce JWT private key",
    SecretKind.ZUORA_CLIENT_SECRET: "Zuora client secret",
}


class SecretStoreError(Exception):
    """The keyring refused an operation; ``str()`` is a message for the admin (it never holds a secret)."""


class KeyringUnavailableError(SecretStoreError):
    """There is no usable keyring: none installed, or it is locked and cannot be unlocked here."""


def keyring_entry_name(profile_id: str, kind: SecretKind) -> str:
    """The keyring "username" under :data:`SERVICE_NAME` (visible in Seahorse, Keychain Access, ...)."""
    return f"{profile_id}/{kind.value}"


def _backend_is_usable(backend: keyring.backend.KeyringBackend) -> bool:
    # The null backend silently drops writes: treating it as usable would lose secrets without a word.
    return not isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring)


def _translate(exc: KeyringError, action: str, kind: SecretKind) -> SecretStoreError:
    what = f"{action} the {kind.label}"
    if isinstance(exc, NoKeyringError):
        return KeyringUnavailableError(f"Cannot {what}: no system keyring is available. {_HOW_TO_GET_A_KEYRING}")
    if isinstance(exc, KeyringLocked | InitError):
        return KeyringUnavailableError(
            f"Cannot {what}: the system keyring is locked or could not be opened, and no unlock prompt "
            f"could be shown ({redact(str(exc))}). Unlock your keyring (log in to the desktop session, or "
            f"open your keyring manager) and try again. {_HOW_TO_GET_A_KEYRING}"
        )
    return SecretStoreError(
        f"Cannot {what}: the system keyring reported {type(exc).__name__}: {redact(str(exc))}. "
        "Check that your keyring is unlocked and try again."
    )


class SecretStore:
    """Secrets per profile in the OS keyring (service :data:`SERVICE_NAME`)."""

    def __init__(self, service: str = SERVICE_NAME) -> None:
        self.service = service

    def backend_name(self) -> str:
        """The keyring backend(s) in use, for diagnostics ("About", troubleshooting)."""
        backend = keyring.get_keyring()
        chained = backend.backends if isinstance(backend, keyring.backends.chainer.ChainerBackend) else [backend]
        return ", ".join(f"{type(b).__module__}.{type(b).__qualname__}" for b in chained)

    def check_available(self) -> None:
        """Raise :class:`KeyringUnavailableError` unless a real keyring backend is configured."""
        if not _backend_is_usable(keyring.get_keyring()):
            raise KeyringUnavailableError(f"No system keyring is available. {_HOW_TO_GET_A_KEYRING}")

    def get(self, profile_id: str, kind: SecretKind) -> str | None:
        """The stored secret, or None when the profile has none of that kind."""
        self.check_available()
        try:
            value = keyring.get_password(self.service, keyring_entry_name(profile_id, kind))
        except KeyringError as exc:
            raise _translate(exc, "read", kind) from None
        register_secret(value)
        return value

    def set(self, profile_id: str, kind: SecretKind, value: str) -> None:
        if not value:
            raise ValueError(f"an empty {kind.label} cannot be stored; delete it instead")
        register_secret(value)
        self.check_available()
        try:
            keyring.set_password(self.service, keyring_entry_name(profile_id, kind), value)
        except KeyringError as exc:
            raise _translate(exc, "store", kind) from None

    def delete(self, profile_id: str, kind: SecretKind) -> bool:
        """Remove one secret; False when there was nothing to remove."""
        self.check_available()
        try:
            keyring.delete_password(self.service, keyring_entry_name(profile_id, kind))
        except PasswordDeleteError:
            return False
        except KeyringError as exc:
            raise _translate(exc, "delete", kind) from None
        return True

    def delete_profile(self, profile_id: str) -> None:
        """Remove every secret of a profile (when the profile itself is deleted)."""
        for kind in SecretKind:
            self.delete(profile_id, kind)
