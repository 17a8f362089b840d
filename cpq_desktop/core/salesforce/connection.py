"""A simple-salesforce client that survives an expired access token and counts the API calls it makes.

simple-salesforce does not refresh a session it was handed (``auth_type="direct"``, salesforce-api.md §1.9),
so on ``SalesforceExpiredSession`` we renew through the refresh token (or the login recipe we were given)
and rebuild the client: its bulk handlers copy the token when created, so rebuilding is the safe way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession

from cpq_desktop.core.salesforce.oauth import SalesforceLoginError, SalesforceTokens

API_VERSION = "59.0"
T = TypeVar("T")


def make_http_session(ca_file: Path | None = None) -> requests.Session:
    """A requests session for Salesforce; with a CA file (the sandbox), the environment is not trusted.

    The machine may set ``REQUESTS_CA_BUNDLE``, which requests lets override ``session.verify``
    (salesforce-api.md §1.4), so a custom CA only works with ``trust_env = False``.
    """
    session = requests.Session()
    if ca_file is not None:
        session.verify = str(ca_file)
        session.trust_env = False
    return session


class SalesforceConnection:
    """One logged-in org. ``renew`` returns fresh tokens (refresh token, password or JWT login)."""

    def __init__(
        self,
        tokens: SalesforceTokens,
        renew: Callable[[SalesforceTokens], SalesforceTokens],
        session: requests.Session,
        *,
        api_version: str = API_VERSION,
        on_tokens_changed: Callable[[SalesforceTokens], None] | None = None,
    ) -> None:
        self._renew = renew
        self._on_tokens_changed = on_tokens_changed
        self.http = session
        self.api_version = api_version
        self._lock = threading.Lock()
        self._calls = 0
        session.hooks["response"].append(self._count)
        self.tokens = tokens
        self.client = self._build(tokens)

    def _count(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        # Token and revoke calls are not API calls in Salesforce's accounting.
        if "/services/oauth2/" not in response.url:
            with self._lock:
                self._calls += 1

    @property
    def api_calls(self) -> int:
        """REST, SOQL and Bulk calls made so far through this connection."""
        with self._lock:
            return self._calls

    def _build(self, tokens: SalesforceTokens) -> Salesforce:
        return Salesforce(
            instance_url=tokens.instance_url,
            session_id=tokens.access_token,
            session=self.http,
            version=self.api_version,
        )

    def call(self, operation: Callable[[Salesforce], T]) -> T:
        """Run ``operation`` with the client; on an expired session renew once and run it again."""
        client = self.client
        try:
            return operation(client)
        except SalesforceExpiredSession:
            self._renew_after_expiry(client)
        return operation(self.client)

    def _renew_after_expiry(self, stale: Salesforce) -> None:
        with self._lock:
            if self.client is not stale:
                return  # another thread renewed already
            self._renew_now()
        if self._on_tokens_changed is not None:
            self._on_tokens_changed(self.tokens)

    def renewed(self, stale_access_token: str) -> SalesforceTokens:
        """Tokens for a copy of this session whose access token (``stale_access_token``) expired: renewed
        now, unless this connection has renewed since (a process reading for this one asks it so)."""
        with self._lock:
            renewing = self.tokens.access_token == stale_access_token
            if renewing:
                self._renew_now()
        if renewing and self._on_tokens_changed is not None:
            self._on_tokens_changed(self.tokens)
        return self.tokens

    def _renew_now(self) -> None:
        try:
            self.tokens = self._renew(self.tokens)
        except SalesforceLoginError as exc:
            raise SalesforceLoginError(
                f"The Salesforce session expired and could not be renewed: {exc} "
                "Open Connections and log in to Salesforce again."
            ) from None
        self.client = self._build(self.tokens)
