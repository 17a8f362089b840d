"""``POST /oauth/token``: OAuth 2.0 client credentials (zuora-api.md §2.1)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from cpq_desktop.sandbox.zuora.limits import Pool
from cpq_desktop.sandbox.zuora.routing import json_response

if TYPE_CHECKING:
    from cpq_desktop.sandbox.zuora.routing import Router, ZRequest

AUTH_RATE_PER_MINUTE = 2000


def register(router: Router) -> None:
    router.add("POST", "/oauth/token", create_token, auth=False, pool=Pool.UNLIMITED)


def create_token(req: ZRequest) -> Response:
    form = req.raw.form
    count, reset = req.runtime.auth_minute.hit()
    headers = {
        "X-RateLimit-Limit-minute": str(AUTH_RATE_PER_MINUTE),
        "X-RateLimit-Remaining-minute": str(max(0, AUTH_RATE_PER_MINUTE - count)),
    }
    if count > AUTH_RATE_PER_MINUTE:
        # Zuora asks clients to reuse tokens until they expire (zuora-api.md §2.1).
        headers["Retry-After"] = str(reset)
        return json_response({"message": "API rate limit exceeded"}, 429, headers)
    missing = [name for name in ("client_id", "client_secret", "grant_type") if not form.get(name)]
    if missing:
        return json_response(
            {"code": 90000022, "message": f"Missing required parameter(s): {', '.join(missing)}."}, 400, headers
        )
    if form["grant_type"] != "client_credentials":
        return json_response({"code": 90000020, "message": "grant_type must be 'client_credentials'."}, 400, headers)
    if req.raw.headers.get("Authorization"):
        return json_response(
            {"code": 90000020, "message": "Do not send an Authorization header to /oauth/token."}, 400, headers
        )
    if not req.runtime.credentials.matches(form["client_id"], form["client_secret"]):
        return json_response({"message": "Authentication error"}, 401, headers)
    settings = req.settings
    token = req.runtime.tokens.issue(settings.token_ttl_seconds)
    scope = (
        f"user.{secrets.token_hex(16)} entity.{settings.entity_id} platform.write service.genesis.read "
        f"service.usage.write tenant.{settings.tenant_id}"
    )
    body = {
        "access_token": token.access_token,
        "token_type": "bearer",
        "expires_in": token.expires_in,
        "scope": scope,
        "jti": token.jti,
    }
    headers["Cache-Control"] = "no-store"
    return json_response(body, 200, headers)
