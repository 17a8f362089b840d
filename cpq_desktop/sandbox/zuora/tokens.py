"""OAuth client credentials and the bearer tokens minted from them (zuora-api.md §2)."""

from __future__ import annotations

import secrets
import string
import threading
import time
import uuid
from dataclasses import dataclass, field

_SECRET_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str = field(repr=False)  # never in reprs, logs or test output

    @classmethod
    def generate(cls) -> ClientCredentials:
        # Real ids are 36-char UUIDs and secrets at most 42 chars (the SDK enforces both).
        secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(38))
        return cls(client_id=str(uuid.uuid4()), client_secret=secret)

    def matches(self, client_id: str, client_secret: str) -> bool:
        return secrets.compare_digest(client_id.encode(), self.client_id.encode()) and secrets.compare_digest(
            client_secret.encode(), self.client_secret.encode()
        )


@dataclass(frozen=True)
class IssuedToken:
    access_token: str = field(repr=False)
    jti: str
    expires_in: int


class TokenIssuer:
    """Mints opaque 32-hex tokens and checks them. Tokens live in memory: a restart means re-auth."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}

    def issue(self, ttl_seconds: int) -> IssuedToken:
        token = secrets.token_hex(16)
        with self._lock:
            now = time.monotonic()
            # Forget long-dead tokens so a long session does not grow the table without bound.
            if len(self._expiry) > 10_000:
                self._expiry = {t: e for t, e in self._expiry.items() if e > now}
            self._expiry[token] = now + ttl_seconds
        return IssuedToken(access_token=token, jti=secrets.token_hex(16), expires_in=ttl_seconds)

    def is_valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._expiry.get(token)
        return expiry is not None and time.monotonic() < expiry

    def revoke(self, token: str) -> None:
        with self._lock:
            self._expiry.pop(token, None)

    def expire_all(self) -> int:
        """Make every token issued so far invalid (what a client sees when its hour is up)."""
        with self._lock:
            count = len(self._expiry)
            self._expiry.clear()
        return count
