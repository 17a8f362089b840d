"""A Zuora REST client that is safe to run many writes through concurrently.

- OAuth client credentials (zuora-api.md §2): the token is cached, renewed shortly before it expires and
  once more when a call answers 401.
- Retries with exponential backoff and jitter on 429 (honouring ``Retry-After``), 409 lock contention,
  5xx, timeouts and dropped connections. Business errors (4xx with a reason) are never retried.
- Concurrency adapts to the tenant: the limit is tenant-wide, so other integrations may hold part of it.
  Each 429 takes one concurrency slot out of use; after a run of answers without one, a slot comes back.
- A write is only ever re-sent when it carries an ``Idempotency-Key`` (Zuora then replays the first
  answer instead of writing twice). A write without one that loses its answer raises
  :class:`ZuoraOutcomeUnknown`, so the caller looks the result up instead of guessing.
- HTTP 200 does not mean success on Zuora: every JSON body is checked for ``success: false``.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from cpq_desktop.core.zuora.errors import (
    ZuoraApiError,
    ZuoraAuthError,
    ZuoraConnectionError,
    ZuoraOutcomeUnknown,
    reasons_from_body,
)

log = logging.getLogger(__name__)

DEFAULT_VERSION = "2025-08-12"
_RETRY_STATUSES = frozenset({409, 429, 500, 502, 503, 504})
# answers without a 429 after which one slot taken out of use by a 429 comes back
SLOT_RECOVERY_ANSWERS = 20


@dataclass(frozen=True)
class ZuoraConnection:
    """Where the tenant is and how to log in. ``client_secret`` comes from the keyring, never config."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    ca_file: Path | None = None
    version: str = DEFAULT_VERSION
    entity_id: str | None = None
    timeout_s: float = 130.0  # Zuora itself gives up after 120 s (zuora-api.md §7.3)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay_s: float = 0.25
    max_delay_s: float = 20.0
    max_retry_after_s: float = 130.0


@dataclass(frozen=True)
class ZuoraResponse:
    status: int
    body: Any
    headers: Mapping[str, str]

    @property
    def request_id(self) -> str | None:
        return self.headers.get("Zuora-Request-Id")


@dataclass(frozen=True)
class Exchange:
    """One HTTP round trip, reported to observers (debug logs); bodies are redacted by the log writer."""

    method: str
    path: str
    attempt: int
    status: int | None
    duration_s: float
    request_body: Any
    response_body: Any
    request_id: str | None
    error: str | None = None
    # the query string's parameters (object-query filters, paging), when the call had any
    params: Mapping[str, Any] | None = None


class ZuoraClient:
    """Thread-safe: one instance serves a whole pool of concurrent workers."""

    def __init__(
        self,
        connection: ZuoraConnection,
        *,
        retry: RetryPolicy | None = None,
        pool_size: int = 10,
        on_exchange: Callable[[Exchange], None] | None = None,
        slots: AbstractContextManager[Any] | None = None,
    ) -> None:
        self.connection = connection
        self.retry = retry or RetryPolicy()
        self._on_exchange = on_exchange
        self._session = requests.Session()
        if connection.ca_file is not None:
            # REQUESTS_CA_BUNDLE in the environment would override ``verify`` (salesforce-api.md §1.4).
            self._session.trust_env = False
            self._session.verify = str(connection.ca_file)
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(pool_size, 1))
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        # never more requests in flight than the pool has connections (or than ``slots``, a semaphore
        # shared with another client, allows): look-ups made while writes run wait their turn instead of
        # going over the tenant's concurrency limit (and being answered 429)
        self.slots: AbstractContextManager[Any] = slots or threading.BoundedSemaphore(max(pool_size, 1))
        self.pool_size = max(pool_size, 1)  # requests in flight at most (see share_slots)
        self._withheld: list[contextlib.ExitStack] = []
        self._answers_since_429 = 0
        self._withheld_lock = threading.Lock()
        self._token: str | None = None
        self._token_renew_at = 0.0
        self._token_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self.calls = 0
        self.token_requests = 0
        self._rng = random.Random()

    def share_slots(self, slots: AbstractContextManager[Any], size: int) -> None:
        """Take concurrency slots from ``slots`` (``size`` of them, shared with another client — a
        semaphore across processes) instead of this client's own. At most ``size - 1`` go out of use
        after 429s, so one is always left."""
        self.slots = slots
        self.pool_size = max(size, 1)

    def close(self) -> None:
        with self._withheld_lock:
            withheld, self._withheld = self._withheld, []
        for slot in withheld:
            slot.close()
        self._session.close()

    def __enter__(self) -> ZuoraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- authentication -------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.connection.base_url.rstrip("/") + "/" + path.lstrip("/")

    def _fetch_token(self) -> None:
        """Mint a token; retried like any call, since asking for another token is harmless."""
        conn = self.connection
        attempt = 0
        while True:
            attempt += 1
            failure: str
            try:
                response = self._session.post(
                    self._url("/oauth/token"),
                    data={
                        "client_id": conn.client_id,
                        "client_secret": conn.client_secret,
                        "grant_type": "client_credentials",
                    },
                    timeout=conn.timeout_s,
                )
            except requests.RequestException as exc:
                failure = f"could not be reached ({type(exc).__name__})"
            else:
                with self._count_lock:
                    self.token_requests += 1
                if response.status_code == 200:
                    break
                if response.status_code in (400, 401, 403):
                    raise ZuoraAuthError(
                        f"Zuora refused the OAuth client id {conn.client_id!r} or its secret (HTTP "
                        f"{response.status_code}). Check both in the profile; each tenant has its own OAuth client."
                    )
                failure = f"answered HTTP {response.status_code}"
                if response.status_code not in _RETRY_STATUSES:
                    attempt = self.retry.attempts
            if attempt >= self.retry.attempts:
                raise ZuoraConnectionError(
                    f"Zuora's login endpoint at {conn.base_url} {failure} after {attempt} attempts. "
                    "Check the REST endpoint in the profile and your network, then try again."
                )
            self._backoff(attempt, None)
        payload = response.json()
        expires_in = float(payload.get("expires_in", 3599))
        self._token = str(payload["access_token"])
        # Renew ahead of expiry: 300 s on real one-hour tokens, a tenth of the lifetime on short ones.
        self._token_renew_at = time.monotonic() + expires_in - min(300.0, expires_in / 10)
        log.info("Zuora login with client id %s: the token is valid for %.0f s", conn.client_id, expires_in)

    def _current_token(self, stale: str | None = None) -> str:
        with self._token_lock:
            if self._token is None or self._token == stale or time.monotonic() >= self._token_renew_at:
                self._fetch_token()
            assert self._token is not None
            return self._token

    def authenticate(self) -> None:
        """Log in now (e.g. to test a connection); later calls reuse the token."""
        self._current_token()

    # -- requests -------------------------------------------------------------------------------

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> ZuoraResponse:
        return self.request("GET", path, params=params)

    def post(
        self,
        path: str,
        body: Any,
        *,
        idempotency_key: str | None = None,
        read_only: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> ZuoraResponse:
        return self.request(
            "POST", path, json=body, idempotency_key=idempotency_key, read_only=read_only, headers=headers
        )

    def put(self, path: str, body: Any, *, headers: Mapping[str, str] | None = None) -> ZuoraResponse:
        return self.request("PUT", path, json=body, headers=headers)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        read_only: bool = False,
        headers: Mapping[str, str] | None = None,
        track_id: str | None = None,
    ) -> ZuoraResponse:
        """Send one call with retries; return the answer or raise a :class:`ZuoraError`."""
        method = method.upper()
        # PUT/GET/DELETE are idempotent; a POST may be re-sent only under an Idempotency-Key or when it reads.
        resend_safe = method != "POST" or idempotency_key is not None or read_only
        send_headers = {"Zuora-Version": self.connection.version, "Accept": "application/json"}
        if self.connection.entity_id:
            send_headers["Zuora-Entity-Ids"] = self.connection.entity_id
        if idempotency_key is not None:
            send_headers["Idempotency-Key"] = idempotency_key
        if track_id is not None:
            send_headers["Zuora-Track-Id"] = track_id
        if headers:
            send_headers.update(headers)

        token = self._current_token()
        renewed_after_401 = False
        attempt = 0
        while True:
            attempt += 1
            send_headers["Authorization"] = f"Bearer {token}"
            started = time.monotonic()
            try:
                with contextlib.ExitStack() as slot:
                    slot.enter_context(self.slots)
                    started = time.monotonic()  # the exchange's own time, not the wait for a free slot
                    response = self._session.request(
                        method,
                        self._url(path),
                        json=json,
                        params=params,
                        headers=send_headers,
                        timeout=self.connection.timeout_s,
                    )
                    if response.status_code == 429:
                        self._withhold(slot)
            except requests.RequestException as exc:
                self._report(method, path, attempt, None, started, json, None, None, type(exc).__name__, params)
                never_sent = isinstance(exc, requests.exceptions.ConnectTimeout) or (
                    isinstance(exc, requests.exceptions.ConnectionError) and "NewConnectionError" in repr(exc)
                )
                if not (resend_safe or never_sent):
                    raise ZuoraOutcomeUnknown(
                        f"{method} {path} was sent but the connection dropped before Zuora answered "
                        f"({type(exc).__name__}). Whether it was applied must be looked up before retrying."
                    ) from None
                if attempt >= self.retry.attempts:
                    raise ZuoraConnectionError(
                        f"Zuora at {self.connection.base_url} did not answer {method} {path} after "
                        f"{attempt} attempts ({type(exc).__name__}). Check the network, then retry the sync."
                    ) from None
                self._backoff(attempt, None)
                continue

            with self._count_lock:
                self.calls += 1
            if response.status_code != 429:
                self._answered()
            body = _json_or_text(response)
            self._report(
                method,
                path,
                attempt,
                response.status_code,
                started,
                json,
                body,
                response.headers.get("Zuora-Request-Id"),
                params=params,
            )
            if response.status_code == 401 and not renewed_after_401:
                log.info("%s %s answered 401: logging in again once, then re-sending", method, path)
                renewed_after_401 = True
                token = self._current_token(stale=token)
                continue
            if response.status_code == 401:
                raise ZuoraAuthError(
                    "Zuora refused a freshly issued token (HTTP 401). The OAuth client may lack API "
                    "permissions for this tenant; check its role in Zuora."
                )
            result = ZuoraResponse(response.status_code, body, response.headers)
            error = _error_of(method, path, result)
            if error is None:
                return result
            transient = response.status_code in _RETRY_STATUSES or error.retryable
            if transient and not resend_safe:
                raise ZuoraOutcomeUnknown(
                    f"{method} {path} answered HTTP {response.status_code} and carries no Idempotency-Key, "
                    "so it was not re-sent. Look the result up in Zuora before writing again."
                )
            if not transient or attempt >= self.retry.attempts:
                raise error
            self._backoff(attempt, response.headers.get("Retry-After"))

    def _withhold(self, slot: contextlib.ExitStack) -> None:
        """Zuora refused a request for load: take its slot out of use (unless it is the last one), so that
        fewer requests are in flight from now on instead of every refused one coming back to be refused
        again. A slot not taken is released by ``slot``'s block as usual."""
        with self._withheld_lock:
            self._answers_since_429 = 0
            if len(self._withheld) < self.pool_size - 1:
                self._withheld.append(slot.pop_all())
                log.debug("Zuora answered 429: at most %d request(s) in flight for now", self._in_use())

    def _answered(self) -> None:
        """An answer other than 429: after enough in a row, one slot taken out of use comes back."""
        with self._withheld_lock:
            if not self._withheld:
                return
            self._answers_since_429 += 1
            if self._answers_since_429 < SLOT_RECOVERY_ANSWERS:
                return
            self._answers_since_429 = 0
            slot = self._withheld.pop()
            log.debug("no 429 for a while: at most %d request(s) in flight again", self._in_use() + 1)
        slot.close()

    def _in_use(self) -> int:
        return self.pool_size - len(self._withheld)

    def _backoff(self, attempt: int, retry_after: str | None) -> None:
        delay = min(self.retry.max_delay_s, self.retry.base_delay_s * 2 ** (attempt - 1))
        delay *= self._rng.uniform(0.5, 1.0)
        if retry_after is not None:
            with contextlib.suppress(ValueError):
                delay = max(delay, min(float(retry_after), self.retry.max_retry_after_s))
        log.debug(
            "waiting %.2f s before attempt %d%s",
            delay,
            attempt + 1,
            f" (Zuora said Retry-After: {retry_after})" if retry_after is not None else "",
        )
        time.sleep(delay)

    def _report(
        self,
        method: str,
        path: str,
        attempt: int,
        status: int | None,
        started: float,
        request_body: Any,
        response_body: Any,
        request_id: str | None,
        error: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        if self._on_exchange is None:
            return
        self._on_exchange(
            Exchange(
                method=method,
                path=path,
                attempt=attempt,
                status=status,
                duration_s=time.monotonic() - started,
                request_body=request_body,
                response_body=response_body,
                request_id=request_id,
                error=error,
                params=params,
            )
        )


def _json_or_text(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _error_of(method: str, path: str, response: ZuoraResponse) -> ZuoraApiError | None:
    body = response.body
    failed_on_200 = isinstance(body, dict) and (body.get("success") is False or body.get("Success") is False)
    if response.status < 400 and not failed_on_200:
        return None
    return ZuoraApiError(
        status=response.status,
        method=method,
        path=path,
        reasons=reasons_from_body(body),
        request_id=response.request_id,
        body=body,
    )
