"""Who may log in, and the codes and tokens the org has issued (in memory; a restart logs everyone out).

Access tokens look like real ones (``00D…!AQ…``: letters, digits, ``.`` and ``_`` only) because
simple-salesforce reads the SOAP session id from raw XML and would keep any ``&``/``<`` escaped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

AUTH_CODE_TTL_S = 300.0  # codes are single-use and short-lived (a few minutes on a real org)
DEFAULT_SESSION_TIMEOUT_S = 2 * 3600.0
_TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"


@dataclass(frozen=True)
class OrgUser:
    """The one API user of the sandbox org."""

    org_id: str
    user_id: str
    username: str
    password: str
    security_token: str
    display_name: str
    email: str


@dataclass
class ConnectedApp:
    """The connected app (External Client App) clients authenticate through."""

    client_id: str
    client_secret: str
    redirect_uri: str
    rotate_refresh_tokens: bool = False
    # PEM certificate or public key that JWT bearer assertions must be signed with; None accepts any
    # signature (the sandbox has no way to learn the app's certificate unless a test configures it).
    jwt_public_key: str | None = None

    def redirect_allowed(self, uri: str) -> bool:
        """The registered callback, or the same callback on another loopback port (RFC 8252 §7.3).

        A desktop app binds whatever port is free; insisting on the registered port would make the
        sandbox stricter than the loopback exception native apps rely on.
        """
        if uri == self.redirect_uri:
            return True
        wanted, given = urlsplit(self.redirect_uri), urlsplit(uri)
        loopback = {"localhost", "127.0.0.1", "[::1]", "::1"}
        return (
            given.scheme == "http"
            and wanted.scheme == "http"
            and (given.hostname or "") in loopback
            and (wanted.hostname or "") in loopback
            and given.path == wanted.path
            and not given.query
            and not given.fragment
        )


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str | None
    challenge_method: str | None
    scope: str
    expires_at: float


@dataclass
class _Access:
    client_id: str
    issued_at: float
    refresh_token: str | None


@dataclass
class _Refresh:
    client_id: str
    scope: str


@dataclass
class TokenGrant:
    access_token: str
    refresh_token: str | None
    scope: str
    issued_at_ms: int


def _random_token(length: int) -> str:
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(length))


def pkce_challenge(verifier: str) -> str:
    """``base64url(SHA-256(verifier))`` without padding, as clients compute it for S256."""
    digest = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class InvalidGrant(Exception):
    """A token-endpoint failure: ``error`` and ``error_description`` exactly as the real endpoint words them."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass
class TokenRegistry:
    """Codes, access tokens and refresh tokens. Thread-safe."""

    user: OrgUser
    app: ConnectedApp
    session_timeout_s: float = DEFAULT_SESSION_TIMEOUT_S
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _codes: dict[str, _Code] = field(default_factory=dict, repr=False)
    _access: dict[str, _Access] = field(default_factory=dict, repr=False)
    _refresh: dict[str, _Refresh] = field(default_factory=dict, repr=False)

    # -- credentials -------------------------------------------------------------------------------

    def check_password(self, username: str, password: str, *, token_required: bool) -> bool:
        """Username (case-insensitive) and password, with the security token appended when required."""
        if username.strip().lower() != self.user.username.lower():
            return False
        expected = self.user.password + self.user.security_token
        if hmac.compare_digest(password.encode(), expected.encode()):
            return True
        return not token_required and hmac.compare_digest(password.encode(), self.user.password.encode())

    def check_client(self, client_id: str, client_secret: str | None) -> None:
        if client_id != self.app.client_id:
            raise InvalidGrant("invalid_client_id", "client identifier invalid")
        if client_secret is not None and not hmac.compare_digest(
            client_secret.encode(), self.app.client_secret.encode()
        ):
            raise InvalidGrant("invalid_client", "invalid client credentials")

    # -- authorization codes -----------------------------------------------------------------------

    def issue_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        challenge: str | None,
        challenge_method: str | None,
        scope: str,
    ) -> str:
        code = "aPrx" + _random_token(60)
        with self._lock:
            now = time.monotonic()
            for stale in [c for c, v in self._codes.items() if v.expires_at < now]:
                del self._codes[stale]
            self._codes[code] = _Code(
                client_id, redirect_uri, challenge, challenge_method, scope, now + AUTH_CODE_TTL_S
            )
        return code

    def redeem_code(
        self,
        *,
        code: str,
        client_id: str,
        client_secret: str | None,
        redirect_uri: str,
        verifier: str | None,
    ) -> TokenGrant:
        self.check_client(client_id, client_secret)
        with self._lock:
            # Single use: the code is gone whether or not the rest checks out, as on a real org.
            pending = self._codes.pop(code, None)
        if pending is None or pending.expires_at < time.monotonic() or pending.client_id != client_id:
            raise InvalidGrant("invalid_grant", "expired authorization code")
        if redirect_uri != pending.redirect_uri:
            raise InvalidGrant("redirect_uri_mismatch", "redirect_uri must match configuration")
        if pending.challenge is not None:
            if not verifier:
                raise InvalidGrant("invalid_grant", "invalid code verifier")
            computed = verifier if pending.challenge_method == "plain" else pkce_challenge(verifier)
            if not hmac.compare_digest(computed.encode(), pending.challenge.encode()):
                raise InvalidGrant("invalid_grant", "invalid code verifier")
        elif client_secret is None:
            # Without PKCE only a confidential client (one that proves its secret) may redeem a code.
            raise InvalidGrant("invalid_client", "invalid client credentials")
        wants_refresh = not pending.scope or bool(
            {"refresh_token", "offline_access", "full"} & set(pending.scope.split())
        )
        return self._grant(client_id, pending.scope or "full refresh_token api", with_refresh=wants_refresh)

    # -- tokens ------------------------------------------------------------------------------------

    def issue_session(self, client_id: str, scope: str = "api") -> TokenGrant:
        """A token without a refresh token: SOAP login, the password and client-credentials grants."""
        return self._grant(client_id, scope, with_refresh=False)

    def _grant(self, client_id: str, scope: str, *, with_refresh: bool) -> TokenGrant:
        now = time.time()
        access = f"{self.user.org_id[:15]}!AQ" + _random_token(96)
        refresh = "5Aep86" + _random_token(80) if with_refresh else None
        with self._lock:
            self._access[access] = _Access(client_id, now, refresh)
            if refresh is not None:
                self._refresh[refresh] = _Refresh(client_id, scope)
        return TokenGrant(access, refresh, scope, int(now * 1000))

    def refresh(self, *, refresh_token: str, client_id: str, client_secret: str | None) -> TokenGrant:
        self.check_client(client_id, client_secret)
        with self._lock:
            grant = self._refresh.get(refresh_token)
            if grant is None or grant.client_id != client_id:
                raise InvalidGrant("invalid_grant", "expired access/refresh token")
            rotate = self.app.rotate_refresh_tokens
            if rotate:
                del self._refresh[refresh_token]
        if rotate:
            return self._grant(client_id, grant.scope, with_refresh=True)
        now = time.time()
        access = f"{self.user.org_id[:15]}!AQ" + _random_token(96)
        with self._lock:
            self._access[access] = _Access(client_id, now, refresh_token)
        return TokenGrant(access, None, grant.scope, int(now * 1000))

    def is_valid(self, access_token: str) -> bool:
        with self._lock:
            session = self._access.get(access_token)
            if session is None:
                return False
            if time.time() - session.issued_at > self.session_timeout_s:
                del self._access[access_token]
                return False
            return True

    def revoke(self, token: str) -> bool:
        """Revoke an access token, or a refresh token together with every access token it minted."""
        with self._lock:
            if self._access.pop(token, None) is not None:
                return True
            if self._refresh.pop(token, None) is None:
                return False
            for access in [a for a, s in self._access.items() if s.refresh_token == token]:
                del self._access[access]
            return True

    def expire_sessions(self) -> int:
        """End every current access token once (refresh tokens survive): the next call answers 401.

        Clients that log in again or refresh get a fresh token that works, which is what keeps
        simple-salesforce's re-login from recursing (salesforce-api.md §1.9).
        """
        with self._lock:
            count = len(self._access)
            self._access.clear()
            return count

    def signature(self, identity_url: str, issued_at_ms: int) -> str:
        mac = hmac.new(self.app.client_secret.encode(), f"{identity_url}{issued_at_ms}".encode(), hashlib.sha256)
        return base64.b64encode(mac.digest()).decode("ascii")
