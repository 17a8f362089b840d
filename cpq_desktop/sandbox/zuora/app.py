"""The tenant's WSGI app and the request pipeline every route goes through.

Pipeline, in order: request/track ids -> route match -> bearer token -> ``Zuora-Version`` -> rate and
concurrency limits (429) -> injected drops and 5xx -> ``Idempotency-Key`` (replay/409/422) ->
injected latency -> handler -> error rendering in the route family's shape -> common headers ->
optionally "lose" the response after the work was committed (zuora-api.md §7, §9).
"""

from __future__ import annotations

import gzip
import importlib
import logging
import random
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from cpq_desktop.sandbox.faults import DropConnection
from cpq_desktop.sandbox.zuora import errors
from cpq_desktop.sandbox.zuora.errors import ApiError, Family
from cpq_desktop.sandbox.zuora.idempotency import MAX_KEY_LENGTH, Outcome, StoredResponse, fingerprint
from cpq_desktop.sandbox.zuora.limits import Pool
from cpq_desktop.sandbox.zuora.routing import (
    MAX_BODY_BYTES,
    Router,
    TooLarge,
    ZRequest,
    family_for,
    json_response,
    render_error,
)
from cpq_desktop.sandbox.zuora.runtime import TenantRuntime
from cpq_desktop.sandbox.zuora.versions import ZuoraVersion

log = logging.getLogger(__name__)

# Modules that contribute routes, each through its ``register(router)``.
ROUTE_MODULES = (
    "oauth",
    "control",
    "accounts",
    "contacts",
    "catalog",
    "catalog_read",
    "object_query",
    "zoql",
    "describe",
    "orders",
)

GZIP_THRESHOLD = 1000
_TRACK_ID_FORBIDDEN = re.compile(r"[:;\"']")
_WWW_AUTHENTICATE = "Basic realm=Zuora API, ZSession realm=Zuora API, Bearer realm=Zuora API"
_GATEWAY_MESSAGES = {
    502: "An invalid response was received from the upstream server",
    503: "Service Temporarily Unavailable",
    504: "The upstream server is timing out",
}


class ZuoraApp:
    """The WSGI callable for one tenant."""

    def __init__(self, runtime: TenantRuntime, router: Router) -> None:
        self.runtime = runtime
        self.router = router
        self._token_rng = random.Random(runtime.faults.settings.seed)
        for ddl in router.schemas:
            runtime.store.add_schema(ddl)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raw = Request(environ)
        raw.max_content_length = MAX_BODY_BYTES
        response = self._handle(raw)
        return response(environ, start_response)

    # -- the pipeline ---------------------------------------------------------------------------

    def _handle(self, raw: Request) -> Response:
        request_id = str(uuid.uuid4())
        process_id = secrets.token_hex(8).upper()
        track_id = raw.headers.get("Zuora-Track-Id")
        route, params, other_method = self.router.match(raw.method, raw.path)
        family = route.family if route else family_for(raw.path)
        version = self._default_version()
        common = {"Zuora-Request-Id": request_id}
        if track_id is not None:
            if len(track_id) > 64 or not track_id.isascii() or _TRACK_ID_FORBIDDEN.search(track_id):
                # Checked at the gateway, before any version-dependent handling: always a 400.
                err = ApiError(
                    [
                        (
                            errors.code(errors.RES_GENERIC, 20),
                            "Zuora-Track-Id must be at most 64 US-ASCII characters without ':', ';', '\"' or \"'\".",
                        )
                    ],
                    status=400,
                )
                return self._finish(raw, render_error(err, family, version, request_id, process_id), common)
            common["Zuora-Track-Id"] = track_id
        if route is None:
            if other_method:
                return self._finish(raw, json_response({"message": "Method not allowed"}, 405), common)
            return self._finish(raw, json_response({"message": "no Route matched with those values"}, 404), common)

        if route.auth and not self._authorized(raw):
            return self._finish(
                raw,
                json_response({"message": "Authentication error"}, 401, {"WWW-Authenticate": _WWW_AUTHENTICATE}),
                common,
            )

        header_version = raw.headers.get("Zuora-Version")
        if header_version is not None and family in (Family.V1, Family.CRUD, Family.ACTION, Family.OBJECT_QUERY):
            try:
                version = ZuoraVersion.parse(header_version)
            except ValueError as exc:
                err = errors.invalid_value(errors.RES_GENERIC, str(exc))
                err.status = 400
                return self._finish(raw, render_error(err, family, version, request_id, process_id), common)

        count, reset = self.runtime.minute.hit()
        # /oauth/token reports its own X-RateLimit-*-minute headers (zuora-api.md §1.3).
        limit_headers = self._rate_headers(count, reset) if family not in (Family.CONTROL, Family.OAUTH) else {}
        if family not in (Family.OAUTH, Family.CONTROL) and count > self.runtime.settings.rate_limit_per_minute:
            err = ApiError([(errors.code(errors.RES_GENERIC, 70), "Rate limit exceeded. Please retry later.")])
            err.status = 429
            err.headers["Retry-After"] = str(reset)
            return self._finish(raw, render_error(err, family, version, request_id, process_id), common, limit_headers)

        acquired, remaining = self.runtime.limiter.try_acquire(route.pool)
        limit = self.runtime.limiter.limit(route.pool)
        if route.pool is not Pool.UNLIMITED and family is not Family.CONTROL:
            limit_headers.update(
                {
                    "Concurrency-Limit-Type": route.pool.value,
                    "Concurrency-Limit-Limit": str(limit),
                    "Concurrency-Limit-Remaining": str(remaining),
                }
            )
        if not acquired:
            return self._finish(
                raw, self._concurrency_error(family, version, request_id, process_id), common, limit_headers
            )
        try:
            if family is not Family.CONTROL:
                fault = self._inject_faults(family, version, request_id, process_id)
                if fault is not None:
                    return self._finish(raw, fault, common, limit_headers)
            zreq = ZRequest(raw, self.runtime, route, params, version, request_id, process_id)
            return self._run(zreq, common, limit_headers)
        finally:
            self.runtime.limiter.release(route.pool)

    def _run(self, zreq: ZRequest, common: dict[str, str], limit_headers: dict[str, str]) -> Response:
        raw = zreq.raw
        key = raw.headers.get("Idempotency-Key")
        family = zreq.route.family
        if key is None or raw.method not in ("POST", "PATCH") or family in (Family.OAUTH, Family.CONTROL):
            timed_out = self._processing_delay(family)
            response = self._call_handler(zreq)
            self._maybe_lose_response(family)
            return self._finish(raw, _gateway_timeout() if timed_out else response, common, limit_headers)

        if not key or len(key) > MAX_KEY_LENGTH:
            err = errors.invalid_value(
                errors.RES_IDEMPOTENCY, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters long."
            )
            err.status = 400
            return self._finish(
                raw, render_error(err, family, zreq.version, zreq.request_id, zreq.process_id), common, limit_headers
            )
        try:
            body = zreq.body()
        except (TooLarge, RequestEntityTooLarge):
            return self._finish(raw, _too_large(), common, limit_headers)
        cache = self.runtime.idempotency
        outcome, stored = cache.begin(key, fingerprint(raw.method, raw.full_path, body))
        if outcome is Outcome.REPLAY and stored is not None:
            replay = Response(stored.body, status=stored.status, headers=stored.headers)
            return self._finish(raw, replay, common, limit_headers, keep_request_id=True)
        if outcome is Outcome.IN_FLIGHT:
            err = ApiError(
                [
                    (
                        errors.code(errors.RES_IDEMPOTENCY, 50),
                        "A request with the same Idempotency-Key is being processed.",
                    )
                ]
            )
            err.status = 409
            return self._finish(
                raw, render_error(err, family, zreq.version, zreq.request_id, zreq.process_id), common, limit_headers
            )
        if outcome is Outcome.MISMATCH:
            err = ApiError(
                [
                    (
                        errors.code(errors.RES_IDEMPOTENCY, 30),
                        "The Idempotency-Key was already used for a request with a different URL, method or body. "
                        "Use a new key for a new request.",
                    )
                ]
            )
            err.status = 422
            return self._finish(
                raw, render_error(err, family, zreq.version, zreq.request_id, zreq.process_id), common, limit_headers
            )
        try:
            timed_out = self._processing_delay(family)
            response = self._call_handler(zreq)
        except BaseException:
            cache.abandon(key)
            raise
        stored_headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        stored_headers.append(("Zuora-Request-Id", zreq.request_id))
        # Stored even when the gateway timed out: a retry with the key gets the real outcome.
        cache.finish(key, StoredResponse(response.status_code, stored_headers, response.get_data()))
        self._maybe_lose_response(family)
        return self._finish(raw, _gateway_timeout() if timed_out else response, common, limit_headers)

    def _call_handler(self, zreq: ZRequest) -> Response:
        family = zreq.route.family
        try:
            result = zreq.route.handler(zreq)
        except ApiError as err:
            return render_error(err, family, zreq.version, zreq.request_id, zreq.process_id)
        except (TooLarge, RequestEntityTooLarge):
            return _too_large()
        except DropConnection:
            raise
        except Exception:
            log.exception("Zuora sandbox: unhandled error in %s %s", zreq.method, zreq.route.pattern)
            internal = ApiError(
                [(errors.code(errors.RES_GENERIC, 60), "An internal error occurred. Quote the requestId to support.")],
                status=500,
            )
            return render_error(internal, family, zreq.version, zreq.request_id, zreq.process_id)
        if isinstance(result, Response):
            return result
        return json_response(result)

    # -- pieces ---------------------------------------------------------------------------------

    def _processing_delay(self, family: Family) -> bool:
        """Sleep the injected latency; True if it ran past the gateway timeout (zuora-api.md §3.1, §7.2).

        Injected latency is processing time: the request holds its concurrency slot and its
        Idempotency-Key meanwhile. Past the gateway timeout (120 s on a real tenant) the client gets a
        504 while the work still completes, so a blind retry would write twice.
        """
        if family is Family.CONTROL:
            return False
        faults = self.runtime.faults
        timeout = self.runtime.settings.gateway_timeout_seconds
        if faults.settings.latency_ms / 1000.0 > timeout:
            time.sleep(timeout)
            return True
        faults.delay()
        return False

    def _default_version(self) -> ZuoraVersion:
        return ZuoraVersion.parse(self.runtime.settings.default_version)

    def _authorized(self, raw: Request) -> bool:
        header = raw.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or not self.runtime.tokens.is_valid(token):
            return False
        share = self.runtime.settings.token_expiry_share
        if share > 0 and self._token_rng.random() < share:
            self.runtime.tokens.revoke(token)
            return False
        return True

    def _inject_faults(
        self, family: Family, version: ZuoraVersion, request_id: str, process_id: str
    ) -> Response | None:
        faults = self.runtime.faults
        if faults.drop_before():
            raise DropConnection("injected: connection dropped before processing")
        status = faults.error_status()
        if status is None:
            return None
        if status == 429:
            return self._concurrency_error(family, version, request_id, process_id)
        if status == 409:
            err = ApiError([(errors.code(errors.RES_GENERIC, 50), errors.LOCK_MESSAGE)])
            err.status = 409
            return render_error(err, family, version, request_id, process_id)
        if status in _GATEWAY_MESSAGES:
            return json_response({"message": _GATEWAY_MESSAGES[status]}, status)
        err = ApiError([(errors.code(errors.RES_GENERIC, 61), "A temporary error occurred. Please retry the request.")])
        err.status = status
        return render_error(err, family, version, request_id, process_id)

    def _concurrency_error(self, family: Family, version: ZuoraVersion, request_id: str, process_id: str) -> Response:
        if family is Family.ACTION:
            response = json_response({"code": "REQUEST_EXCEEDED_LIMIT", "message": errors.CONCURRENCY_MESSAGE}, 429)
        else:
            err = ApiError(
                [(errors.code(errors.RES_GENERIC, 70), errors.CONCURRENCY_MESSAGE)], crud_code="REQUEST_EXCEEDED_LIMIT"
            )
            err.status = 429
            response = render_error(err, family, version, request_id, process_id)
        response.headers["Retry-After"] = str(self.runtime.settings.retry_after_seconds)
        return response

    def _rate_headers(self, count: int, reset: int) -> dict[str, str]:
        limit = self.runtime.settings.rate_limit_per_minute
        return {
            "RateLimit-Limit": f"{limit}, {limit};w=60",
            "RateLimit-Remaining": str(max(0, limit - count)),
            "RateLimit-Reset": str(reset),
        }

    def _maybe_lose_response(self, family: Family) -> None:
        if family is not Family.CONTROL and self.runtime.faults.lose_response():
            raise DropConnection("injected: the work was committed but the response is lost")

    def _finish(
        self,
        raw: Request,
        response: Response,
        common: dict[str, str],
        extra: dict[str, str] | None = None,
        *,
        keep_request_id: bool = False,
    ) -> Response:
        for name, value in common.items():
            if keep_request_id and name == "Zuora-Request-Id" and name in response.headers:
                continue
            response.headers[name] = value
        for name, value in (extra or {}).items():
            response.headers[name] = value
        if (
            "gzip" in raw.headers.get("Accept-Encoding", "").lower()
            and "Content-Encoding" not in response.headers
            and response.content_length is not None
            and response.content_length > GZIP_THRESHOLD
        ):
            response.set_data(gzip.compress(response.get_data(), compresslevel=1))
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Vary"] = "Accept-Encoding"
        return response


def _gateway_timeout() -> Response:
    return json_response({"message": _GATEWAY_MESSAGES[504]}, 504)


def _too_large() -> Response:
    return json_response({"message": f"Request size limit exceeded ({MAX_BODY_BYTES} bytes)."}, 413)


def build_router() -> Router:
    """Every route of the tenant."""
    router = Router()
    for name in ROUTE_MODULES:
        importlib.import_module(f"cpq_desktop.sandbox.zuora.{name}").register(router)
    return router
