"""OAuth 2.0 for a desktop app against Salesforce (salesforce-api.md §3).

The default login is the web-server flow with PKCE in the system browser, redirected to a loopback
listener (as Salesforce CLI and Data Loader do). The refresh token it yields goes to the keyring; the
access token lives only in memory. Password (legacy) and JWT bearer logins exist for headless runs.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin


class SalesforceLoginError(Exception):
    """A login failed; the message says why in words and what to check (never a token)."""


@dataclass(frozen=True)
class SalesforceTokens:
    """What a successful login yields. ``instance_url`` is where all API calls go (§3.1)."""

    access_token: str = field(repr=False)
    instance_url: str
    refresh_token: str | None = field(default=None, repr=False)
    identity_url: str | None = None
    issued_at: float = field(default_factory=time.time)

    @property
    def org_id(self) -> str | None:
        """The 18-character org id, read from the identity URL ``…/id/{orgId}/{userId}``."""
        if not self.identity_url:
            return None
        parts = self.identity_url.rstrip("/").split("/")
        return parts[-2] if len(parts) >= 2 else None


@dataclass(frozen=True)
class PkcePair:
    verifier: str = field(repr=False)
    challenge: str

    @classmethod
    def create(cls) -> PkcePair:
        verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier=verifier, challenge=base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def authorize_url(
    login_host: str,
    client_id: str,
    redirect_uri: str,
    pkce: PkcePair,
    state: str,
    login_hint: str | None = None,
) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "api refresh_token",
        "state": state,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    return f"{login_host.rstrip('/')}/services/oauth2/authorize?{urlencode(params)}"


class TokenEndpoint:
    """``/services/oauth2/token`` and ``/revoke`` on a login host (login, test, My Domain or the sandbox)."""

    def __init__(self, login_host: str, session: requests.Session, timeout_s: float = 30.0) -> None:
        self.login_host = login_host.rstrip("/")
        self._session = session
        self._timeout = timeout_s

    def _post(self, path: str, data: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._session.post(f"{self.login_host}{path}", data=data, timeout=self._timeout)
        except requests.RequestException as exc:
            raise SalesforceLoginError(
                f"Could not reach Salesforce at {self.login_host} ({type(exc).__name__}). "
                "Check the environment chosen in the profile and your network."
            ) from None
        try:
            payload: dict[str, Any] = response.json()
        except ValueError:
            payload = {}
        if response.status_code != 200:
            raise SalesforceLoginError(_explain_token_error(payload, response.status_code))
        return payload

    def _tokens(self, payload: dict[str, Any], refresh_token: str | None = None) -> SalesforceTokens:
        try:
            return SalesforceTokens(
                access_token=str(payload["access_token"]),
                instance_url=str(payload["instance_url"]).rstrip("/"),
                refresh_token=payload.get("refresh_token") or refresh_token,
                identity_url=payload.get("id"),
            )
        except KeyError as exc:
            raise SalesforceLoginError(
                f"Salesforce's token answer lacked {exc.args[0]!r}; the login host may not be a Salesforce org."
            ) from None

    def exchange_code(self, code: str, client_id: str, redirect_uri: str, verifier: str) -> SalesforceTokens:
        return self._tokens(
            self._post(
                "/services/oauth2/token",
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "client_id": client_id,
                    "redirect_uri": redirect_uri,
                    "code_verifier": verifier,
                },
            )
        )

    def refresh(self, refresh_token: str, client_id: str) -> SalesforceTokens:
        """A new access token. With rotation on, the answer carries a new refresh token to store."""
        payload = self._post(
            "/services/oauth2/token",
            {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id},
        )
        return self._tokens(payload, refresh_token=refresh_token)

    def password(
        self, username: str, password: str, security_token: str, client_id: str, client_secret: str
    ) -> SalesforceTokens:
        return self._tokens(
            self._post(
                "/services/oauth2/token",
                {
                    "grant_type": "password",
                    "username": username,
                    "password": password + security_token,
                    "client_id": client_id,
                    "client_secret": client_secret,
                },
            )
        )

    def jwt_bearer(self, client_id: str, username: str, private_key_pem: str) -> SalesforceTokens:
        """Log in without a person (scheduled runs): an assertion signed with the connected app's key."""
        try:
            assertion = jwt.encode(
                {"iss": client_id, "sub": username, "aud": self.login_host, "exp": int(time.time()) + 180},
                private_key_pem,
                algorithm="RS256",
            )
        except (ValueError, TypeError, jwt.PyJWTError):
            raise SalesforceLoginError(
                "The private key saved for the JWT login cannot sign (it must be the PEM RSA key whose certificate "
                "is uploaded to the connected app). Save the right key in the profile."
            ) from None
        return self._tokens(
            self._post(
                "/services/oauth2/token",
                {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
            )
        )

    def soap_password(self, username: str, password: str, security_token: str) -> SalesforceTokens:
        """The legacy username + password + security token login (SOAP ``login()``), as Data Loader offers it.

        It needs no connected app. Salesforce retires SOAP ``login()`` in API v65.0+ and blocks it in new orgs
        (salesforce-api.md §3.5), so profiles default to the browser login.
        """
        try:
            session_id, instance = SalesforceLogin(
                username=username,
                password=password,
                security_token=security_token,
                scratch_url=self.login_host,
                session=self._session,
            )
        except SalesforceAuthenticationFailed as exc:
            raise SalesforceLoginError(
                f"Salesforce refused the password login ({exc.code}: {exc.auth_message}). Check the username, "
                "password and security token (reset the token from your Salesforce settings if unsure)."
            ) from None
        except requests.RequestException as exc:
            raise SalesforceLoginError(
                f"Could not reach Salesforce at {self.login_host} ({type(exc).__name__}). "
                "Check the environment chosen in the profile and your network."
            ) from None
        return SalesforceTokens(access_token=session_id, instance_url=f"https://{instance}")

    def revoke(self, token: str) -> None:
        self._post("/services/oauth2/revoke", {"token": token})


def _explain_token_error(payload: dict[str, Any], status: int) -> str:
    error = str(payload.get("error", ""))
    description = str(payload.get("error_description", ""))
    hints = {
        "authentication failure": "the username, password or security token is wrong, or the user is locked out",
        "expired access/refresh token": "the saved login has expired or was revoked; log in again",
        "expired authorization code": "the browser login took too long or was used twice; log in again",
        "invalid code verifier": "the browser login did not match this app's request; log in again",
        "user hasn't approved this consumer": "the user has not approved the connected app; log in with the browser",
    }
    if error == "invalid_client_id":
        why = "the connected app's client id (consumer key) is not known to this org"
    elif error == "redirect_uri_mismatch":
        why = "the connected app does not list this app's callback URL (http://localhost:<port>/OauthRedirect)"
    else:
        why = hints.get(description, description or f"HTTP {status}")
    return f"Salesforce refused the login: {why}."


class _RedirectHandler(BaseHTTPRequestHandler):
    server: _RedirectServer

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path != "/OauthRedirect":
            self.send_error(404)
            return
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.result = query
        ok = "code" in query and query.get("state") == self.server.expected_state
        message = (
            "Login complete. You can close this tab and return to CPQ Billing Connector Desktop."
            if ok
            else "Login did not complete. Return to CPQ Billing Connector Desktop for details."
        )
        body = f"<!doctype html><title>CPQ Billing Connector Desktop</title><p>{message}</p>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.done.set()

    def log_message(self, format: str, *args: Any) -> None:
        """The redirect carries a one-time code: keep it out of stderr."""


class _RedirectServer(HTTPServer):
    def __init__(self, port: int, expected_state: str) -> None:
        super().__init__(("127.0.0.1", port), _RedirectHandler)
        self.expected_state = expected_state
        self.result: dict[str, str] = {}
        self.done = threading.Event()


def browser_login(
    endpoint: TokenEndpoint,
    client_id: str,
    open_browser: Callable[[str], object],
    *,
    port: int = 7171,
    timeout_s: float = 300.0,
    login_hint: str | None = None,
    cancelled: threading.Event | None = None,
) -> SalesforceTokens:
    """Run the web-server flow with PKCE: open the browser, wait for the loopback redirect, exchange the code.

    ``port`` 0 picks a free port (only useful where the connected app accepts any localhost port).
    """
    pkce = PkcePair.create()
    state = secrets.token_urlsafe(16)
    try:
        server = _RedirectServer(port, state)
    except OSError:
        raise SalesforceLoginError(
            f"Port {port} on this computer is busy, so the browser login cannot receive its answer. "
            "Close the program using it or choose another callback port in the profile."
        ) from None
    redirect_uri = f"http://localhost:{server.server_port}/OauthRedirect"
    thread = threading.Thread(target=server.serve_forever, name="oauth-redirect", daemon=True)
    thread.start()
    try:
        open_browser(authorize_url(endpoint.login_host, client_id, redirect_uri, pkce, state, login_hint))
        deadline = time.monotonic() + timeout_s
        while not server.done.wait(0.2):
            if cancelled is not None and cancelled.is_set():
                raise SalesforceLoginError("The browser login was cancelled.")
            if time.monotonic() > deadline:
                raise SalesforceLoginError(
                    f"No answer from the browser login within {int(timeout_s)} s. Try again, and finish the "
                    "login in the browser window that opens."
                )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    result = server.result
    if result.get("state") != state:
        raise SalesforceLoginError("The browser login answered for another request (state mismatch). Try again.")
    if "error" in result:
        raise SalesforceLoginError(
            f"Salesforce refused the browser login: {result.get('error_description') or result['error']}."
        )
    return endpoint.exchange_code(result["code"], client_id, redirect_uri, pkce.verifier)
