"""A small HTTP control API for the sandbox itself (not part of Zuora's API).

Lets a script outside the test process change faults, tenant settings and token lifetime of a
running tenant. Guarded by HTTP Basic auth with the tenant's OAuth client id and secret, so only
someone holding the sandbox credentials (``sandbox.json``) can use it. Never subject to injected faults.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from cpq_desktop.sandbox.zuora import errors
from cpq_desktop.sandbox.zuora.errors import ApiError
from cpq_desktop.sandbox.zuora.limits import Pool

if TYPE_CHECKING:
    from cpq_desktop.sandbox.zuora.routing import Router, ZRequest


def register(router: Router) -> None:
    for method, path, handler in (
        ("GET", "/sandbox/settings", get_settings),
        ("PATCH", "/sandbox/settings", patch_settings),
        ("GET", "/sandbox/faults", get_faults),
        ("PATCH", "/sandbox/faults", patch_faults),
        ("POST", "/sandbox/tokens/expire", expire_tokens),
    ):
        router.add(method, path, handler, auth=False, pool=Pool.UNLIMITED)


def _guard(req: ZRequest) -> None:
    scheme, _, encoded = req.headers.get("Authorization", "").partition(" ")
    try:
        client_id, _, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        client_id, secret = "", ""
    if scheme.lower() != "basic" or not req.runtime.credentials.matches(client_id, secret):
        raise ApiError(
            [(errors.code(errors.RES_GENERIC, 11), "Use HTTP Basic auth with the sandbox's client id and secret.")],
            status=401,
        )


def _changes(req: ZRequest) -> dict[str, Any]:
    try:
        return req.json_object()
    except ApiError as exc:
        exc.status = 400
        raise


def get_settings(req: ZRequest) -> dict[str, Any]:
    _guard(req)
    return req.settings.to_json()


def patch_settings(req: ZRequest) -> dict[str, Any]:
    _guard(req)
    try:
        req.store.update_settings(_changes(req))
    except (ValueError, TypeError, KeyError) as exc:
        raise ApiError([(errors.code(errors.RES_GENERIC, 20), str(exc))], status=400) from None
    req.runtime.apply_settings()
    return req.settings.to_json()


def get_faults(req: ZRequest) -> dict[str, Any]:
    _guard(req)
    return asdict(req.runtime.faults.settings)


def patch_faults(req: ZRequest) -> dict[str, Any]:
    _guard(req)
    changes = _changes(req)
    for name, value in changes.items():
        if name == "error_statuses":
            ok = isinstance(value, list) and all(isinstance(v, int) and 400 <= v <= 599 for v in value)
        elif name == "seed":
            ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
        elif name.endswith("_share"):
            ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        if not ok:
            raise ApiError(
                [(errors.code(errors.RES_GENERIC, 20), f"Invalid value for fault setting {name!r}.")], status=400
            )
    try:
        req.runtime.update_faults(**changes)
    except (ValueError, TypeError) as exc:
        raise ApiError([(errors.code(errors.RES_GENERIC, 20), str(exc))], status=400) from None
    return asdict(req.runtime.faults.settings)


def expire_tokens(req: ZRequest) -> dict[str, Any]:
    _guard(req)
    return {"expired": req.runtime.tokens.expire_all()}
