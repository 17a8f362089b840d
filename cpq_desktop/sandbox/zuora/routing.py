"""Routing for the tenant: the router, the request object handlers see, response and error rendering.

Handlers take a :class:`ZRequest` and return a ``dict``/``list`` (HTTP 200 JSON) or a ``Response``;
they signal failures by raising :class:`~cpq_desktop.sandbox.zuora.errors.ApiError`, which
:func:`render_error` turns into the shape of the route's family (zuora-api.md §7.1).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import Headers, MultiDict
from werkzeug.wrappers import Request, Response

from cpq_desktop.sandbox.zuora import errors
from cpq_desktop.sandbox.zuora.errors import ApiError, Family
from cpq_desktop.sandbox.zuora.limits import Pool
from cpq_desktop.sandbox.zuora.runtime import TenantRuntime
from cpq_desktop.sandbox.zuora.settings import TenantSettings
from cpq_desktop.sandbox.zuora.store import TenantStore
from cpq_desktop.sandbox.zuora.versions import CATEGORY_HTTP_STATUS, OBJECT_QUERY_ERRORS, ZuoraVersion

MAX_BODY_BYTES = 8 * 1024 * 1024
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

HandlerResult = Response | dict[str, Any] | list[Any]
Handler = Callable[["ZRequest"], HandlerResult]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return Response(body, status=status, headers=headers, content_type="application/json; charset=utf-8")


def xml_response(text: str, status: int = 200) -> Response:
    return Response(text, status=status, content_type="text/xml; charset=utf-8")


def family_for(pattern: str) -> Family:
    if pattern.startswith("/v1/object/"):
        return Family.CRUD
    if pattern.startswith("/v1/action/"):
        return Family.ACTION
    if pattern.startswith("/object-query/"):
        return Family.OBJECT_QUERY
    if pattern.startswith("/oauth/"):
        return Family.OAUTH
    if pattern.startswith("/sandbox/"):
        return Family.CONTROL
    return Family.V1


def _compile(pattern: str) -> re.Pattern[str]:
    """``/v1/accounts/{key}`` -> a regex with one named group per ``{param}`` (one path segment each)."""
    parts: list[str] = []
    pos = 0
    for match in _PARAM.finditer(pattern):
        parts.append(re.escape(pattern[pos : match.start()]))
        parts.append(f"(?P<{match.group(1)}>[^/]+)")
        pos = match.end()
    parts.append(re.escape(pattern[pos:]))
    return re.compile("^" + "".join(parts) + "$")


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    regex: re.Pattern[str]
    handler: Handler
    family: Family
    pool: Pool
    auth: bool


class Router:
    """``router.add("GET", "/v1/accounts/{key}", handler)``; modules also declare their tables here."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.schemas: list[str] = []

    def add(
        self,
        method: str,
        pattern: str,
        handler: Handler,
        *,
        pool: Pool | None = None,
        family: Family | None = None,
        auth: bool = True,
    ) -> None:
        """Register a handler. ``pool`` defaults to Object Query for ``/object-query`` and Default else."""
        fam = family or family_for(pattern)
        if pool is None:
            pool = Pool.OBJECT_QUERY if fam is Family.OBJECT_QUERY else Pool.DEFAULT
        self.routes.append(Route(method.upper(), pattern, _compile(pattern), handler, fam, pool, auth))

    def add_schema(self, ddl: str) -> None:
        """Tables a module needs (``CREATE TABLE IF NOT EXISTS``), created when the tenant starts."""
        self.schemas.append(ddl)

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, path params, path known for another method)."""
        other_method = False
        for route in self.routes:
            m = route.regex.match(path)
            if m is None:
                continue
            if route.method == method:
                return route, m.groupdict(), False
            other_method = True
        return None, {}, other_method


class ZRequest:
    """What a handler sees of one request."""

    def __init__(
        self,
        raw: Request,
        runtime: TenantRuntime,
        route: Route,
        params: dict[str, str],
        version: ZuoraVersion,
        request_id: str,
        process_id: str,
    ) -> None:
        self.raw = raw
        self.runtime = runtime
        self.route = route
        self.params = params
        self.version = version
        self.request_id = request_id
        self.process_id = process_id
        self._body: bytes | None = None
        self._json: Any = None
        self._parsed = False

    @property
    def method(self) -> str:
        return str(self.raw.method)

    @property
    def path(self) -> str:
        return str(self.raw.path)

    @property
    def query(self) -> MultiDict[str, str]:
        return self.raw.args

    @property
    def headers(self) -> Headers:
        return self.raw.headers

    @property
    def store(self) -> TenantStore:
        return self.runtime.store

    @property
    def settings(self) -> TenantSettings:
        return self.runtime.store.settings

    @property
    def wsdl_version(self) -> int:
        """``X-Zuora-WSDL-Version`` (CRUD and Actions only; default 79)."""
        raw = self.headers.get("X-Zuora-WSDL-Version", "").strip()
        if not raw:
            return 79
        try:
            return int(float(raw))
        except (ValueError, OverflowError):
            raise errors.invalid_value(
                errors.RES_GENERIC, f"Invalid X-Zuora-WSDL-Version '{raw[:20]}': use a number such as 133."
            ) from None

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").strip().lower() == "true"

    def body(self) -> bytes:
        if self._body is None:
            self._body = read_body(self.raw)
        return self._body

    def json(self) -> Any:
        """The parsed JSON body; invalid JSON is a category-90 (malformed request) error."""
        if not self._parsed:
            raw = self.body()
            if not raw.strip():
                raise errors.malformed("The request body is empty; send a JSON object.")
            try:
                self._json = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
            except UnicodeDecodeError:
                raise errors.malformed("The request body is not valid UTF-8.") from None
            except RecursionError:
                raise errors.malformed("The request body nests JSON too deeply.") from None
            except json.JSONDecodeError as exc:
                raise errors.malformed(f"Malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}.") from None
            except ValueError as exc:
                # Integers longer than Python's digit limit, NaN/Infinity (not JSON).
                raise errors.malformed(f"Malformed JSON: {exc}.") from None
            self._parsed = True
        return self._json

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise errors.malformed("The request body must be a JSON object.")
        return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def read_body(raw: Request) -> bytes:
    data = raw.get_data(cache=True)
    if raw.headers.get("Content-Encoding", "").strip().lower() == "gzip":
        try:
            # Bounded inflate: a small gzip bomb must not take the server down.
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = inflater.decompress(data, MAX_BODY_BYTES + 1)
        except zlib.error:
            raise errors.malformed("The request body is not valid gzip data.") from None
        if len(data) > MAX_BODY_BYTES:
            raise TooLarge()
    return bytes(data)


class TooLarge(Exception):
    """The request body (after gzip decoding) is larger than :data:`MAX_BODY_BYTES`."""


def render_error(err: ApiError, family: Family, version: ZuoraVersion, request_id: str, process_id: str) -> Response:
    headers = dict(err.headers)
    category_status = errors.CATEGORY_STATUS.get(err.category, 500)
    if family is Family.CRUD:
        if err.status is None and err.category == 40:
            return json_response({"done": True, "records": [], "size": 0}, 404, headers)
        return json_response(errors.crud_body(err), err.status or 400, headers)
    if family is Family.ACTION:
        return json_response(errors.action_body(err), err.status or 400, headers)
    if family is Family.OBJECT_QUERY:
        if version.at_least(OBJECT_QUERY_ERRORS):
            body = errors.object_query_body(err, request_id)
        else:
            body = errors.v1_body(err, process_id, request_id)
        return json_response(body, err.status or category_status, headers)
    if family in (Family.OAUTH, Family.CONTROL):
        return json_response(
            {"code": err.reasons[0][0], "message": err.message}, err.status or category_status, headers
        )
    status = err.status
    if status is None:
        status = category_status if version.at_least(CATEGORY_HTTP_STATUS) else 200
    return json_response(errors.v1_body(err, process_id, request_id), status, headers)
