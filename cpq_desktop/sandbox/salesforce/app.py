"""The org's WSGI application: routing, authentication, limits, faults and the REST resources of §1.14.

Every path answers with and without a trailing slash. Authenticated responses carry
``Content-Type: application/json;charset=UTF-8`` and ``Sforce-Limit-Info: api-usage=used/max``; errors
are the real JSON list envelope. Nothing a client sends can crash a request thread or leave the store
half-written: store writes run in transactions, and unexpected exceptions become a logged 500.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from cpq_desktop.sandbox.faults import DropConnection, FaultInjector
from cpq_desktop.sandbox.salesforce import composite, describe, search, sobject_collections
from cpq_desktop.sandbox.salesforce.bulk import BulkQueryJobs, FlatRows
from cpq_desktop.sandbox.salesforce.cursors import CursorStore, batch_size_from_header
from cpq_desktop.sandbox.salesforce.errors import SalesforceApiError, not_found
from cpq_desktop.sandbox.salesforce.limits import ApiLimits, LimitExceeded
from cpq_desktop.sandbox.salesforce.oauth import OAuthEndpoints
from cpq_desktop.sandbox.salesforce.records import MoreThanOneRecord, RecordService
from cpq_desktop.sandbox.salesforce.soap import SoapLogin, server_fault
from cpq_desktop.sandbox.salesforce.store import OrgStore
from cpq_desktop.sandbox.salesforce.tokens import TokenRegistry

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_URI_BYTES = 16_384
OLDEST_VERSION = 31.0
NEWEST_VERSION = 66.0
JSON_TYPE = "application/json;charset=UTF-8"
_SEASONS = ("Winter", "Spring", "Summer")


class _Request(Request):
    max_content_length = MAX_BODY_BYTES
    max_form_memory_size = MAX_BODY_BYTES


def api_versions() -> list[dict[str, str]]:
    """``GET /services/data/``: every version served, oldest first, with its release label."""
    versions = []
    number = int(OLDEST_VERSION)
    while number <= NEWEST_VERSION:
        # v59.0 is Winter '24; three releases a year.
        offset = number - 59
        label = f"{_SEASONS[offset % 3]} '{24 + offset // 3}"
        versions.append({"label": label, "url": f"/services/data/v{number}.0", "version": f"{number}.0"})
        number += 1
    return versions


def _supported(version: str) -> bool:
    try:
        number = float(version)
    except ValueError:
        return False
    return OLDEST_VERSION <= number <= NEWEST_VERSION and number == int(number)


@dataclass
class QueryKnobs:
    """Test knobs for query behaviour a client must survive (``QUERY_TIMEOUT``)."""

    timeouts_pending: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take_timeout(self) -> bool:
        with self._lock:
            if self.timeouts_pending <= 0:
                return False
            self.timeouts_pending -= 1
            return True


@dataclass
class OrgRuntime:
    """Everything a request of one org touches."""

    store: OrgStore
    tokens: TokenRegistry
    limits: ApiLimits
    faults: FaultInjector
    base_url: Callable[[], str]
    control_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    knobs: QueryKnobs = field(default_factory=QueryKnobs)
    cursors: CursorStore = field(default_factory=CursorStore)


class _Call:
    """One authenticated REST request: the parsed request, its API version and helpers for answers."""

    def __init__(self, request: Request, version: str) -> None:
        self.request = request
        self.version = version

    def json_body(self) -> Any:
        raw = self.request.get_data(cache=True)
        if not raw.strip():
            raise SalesforceApiError(400, "JSON_PARSER_ERROR", "The request body is empty; send a JSON document.")
        try:
            return json.loads(raw, parse_constant=_reject_constant)
        except UnicodeDecodeError:
            raise SalesforceApiError(400, "JSON_PARSER_ERROR", "The request body is not valid UTF-8.") from None
        except json.JSONDecodeError as exc:
            raise SalesforceApiError(
                400,
                "JSON_PARSER_ERROR",
                f"Unexpected character ('{raw[exc.pos : exc.pos + 1].decode('utf-8', 'replace')}'): {exc.msg} "
                f"at [line:{exc.lineno}, column:{exc.colno}]",
            ) from None


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python would accept them and later emit invalid JSON from the store.
    raise SalesforceApiError(400, "JSON_PARSER_ERROR", f"Unexpected token ({name}): not a valid JSON value")


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status=status, content_type=JSON_TYPE)


def no_content() -> Response:
    """204 with no body and, as on the real API, no Content-Type."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def error_response(error: SalesforceApiError) -> Response:
    return json_response(error.body(), status=error.status)


Handler = Callable[..., Response]


class SalesforceApp:
    """The WSGI callable of one org."""

    def __init__(self, runtime: OrgRuntime, control: Callable[[Request], Response]) -> None:
        self.rt = runtime
        self.records = RecordService(runtime.store)
        self.oauth = OAuthEndpoints(runtime.tokens, runtime.base_url)
        self.soap = SoapLogin(runtime.tokens, runtime.base_url)
        self.bulk = BulkQueryJobs(self._bulk_query, lambda: runtime.store.default_user_id)
        self._control = control
        # (methods, pattern, handler): patterns match the path without the version prefix and trailing slash.
        self._routes: list[tuple[frozenset[str], re.Pattern[str], Handler]] = []
        self._route("GET", r"", self.resource_map)
        self._route("GET", r"/sobjects", self.global_describe)
        self._route("GET", r"/sobjects/(?P<sobject>\w+)/describe", self.sobject_describe)
        self._route("GET", r"/sobjects/(?P<sobject>\w+)/updated", self.updated)
        self._route("GET", r"/sobjects/(?P<sobject>\w+)/deleted", self.deleted)
        self._route("GET POST", r"/sobjects/(?P<sobject>\w+)", self.sobject_root)
        self._route("GET PATCH DELETE POST", r"/sobjects/(?P<sobject>\w+)/(?P<record_id>[^/]+)", self.record)
        self._route(
            "GET PATCH DELETE POST", r"/sobjects/(?P<sobject>\w+)/(?P<field>\w+)/(?P<value>.+)", self.by_external_id
        )
        self._route("GET", r"/query", self.query)
        self._route("GET", r"/queryAll", self.query_all)
        self._route("GET", r"/query/(?P<locator>[^/]+)", self.query_more)
        self._route("GET", r"/queryAll/(?P<locator>[^/]+)", self.query_all_more)
        self._route("GET", r"/limits", self.limits)
        self._route("GET", r"/search", self.search)
        self._route("POST", r"/composite", self.composite)
        self._route("POST PATCH DELETE", r"/composite/sobjects", self.collections)
        self._route("GET POST", r"/composite/sobjects/(?P<sobject>\w+)", self.collections_retrieve)
        self._route("PATCH", r"/composite/sobjects/(?P<sobject>\w+)/(?P<field>\w+)", self.collections_upsert)
        self._route("GET POST", r"/jobs/query", self.jobs)
        self._route("GET PATCH DELETE", r"/jobs/query/(?P<job_id>\w+)", self.job)
        self._route("GET", r"/jobs/query/(?P<job_id>\w+)/results", self.job_results)

    def _route(self, methods: str, pattern: str, handler: Handler) -> None:
        self._routes.append((frozenset(methods.split()), re.compile(pattern + r"\Z"), handler))

    # -- WSGI --------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = _Request(environ)
        path = request.path
        if path.startswith("/__sandbox/"):
            return self._control(request)(environ, start_response)
        faults = self.rt.faults
        if faults.drop_before():
            raise DropConnection("fault injection: connection dropped before the request was processed")
        faults.delay()
        status = faults.error_status()
        if status is not None:
            response = self._injected_error(status, path)
        else:
            response = self._dispatch(request, path)
            if faults.lose_response():
                raise DropConnection("fault injection: the request was processed and the response lost")
        return response(environ, start_response)

    @staticmethod
    def _injected_error(status: int, path: str) -> Response:
        """A 5xx in the shape of the endpoint that fails: REST error list, OAuth error object, or SOAP fault."""
        if path.startswith("/services/Soap/"):
            return server_fault(status)
        if path.startswith("/services/oauth2/"):
            error = "temporarily_unavailable" if status == 503 else "server_error"
            return json_response(
                {"error": error, "error_description": "the authorization server failed; retry later"}, status=status
            )
        if status == 503:
            return json_response(
                [{"message": "Server temporarily unavailable; retry later.", "errorCode": "SERVER_UNAVAILABLE"}],
                status=503,
            )
        error_id = f"{secrets.randbelow(10**10):010d}-{secrets.randbelow(10**5):05d}"
        return json_response(
            [
                {
                    "message": "An unexpected error occurred. Please include this ErrorId if you contact support: "
                    f"{error_id} (-{secrets.randbelow(10**9)})",
                    "errorCode": "UNKNOWN_EXCEPTION",
                }
            ],
            status=status,
        )

    def _dispatch(self, request: Request, path: str) -> Response:
        if len(request.environ.get("QUERY_STRING", "")) + len(path) > MAX_URI_BYTES:
            return json_response([{"message": "URI Too Long", "errorCode": "URI_TOO_LONG"}], status=414)
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        try:
            if path.startswith("/services/data/v"):
                return self._data(request, path[len("/services/data/v") :])
            if path == "/services/data":
                return json_response(api_versions())
            if path.startswith("/services/oauth2/"):
                return self._oauth(request, path[len("/services/oauth2/") :])
            match = re.fullmatch(r"/id/(\w{15,18})/(\w{15,18})", path)
            if match:
                return self.oauth.identity(request, match.group(1), match.group(2))
            match = re.fullmatch(r"/services/Soap/u/([\d.]+)(?:/\w+)?", path)
            if match and request.method == "POST":
                return self.soap.login(request, match.group(1))
            return json_response(not_found().body(), status=404)
        except RequestEntityTooLarge:
            return self._too_large()
        except Exception:
            logger.exception("Salesforce sandbox: unexpected failure on %s %s", request.method, request.path)
            return self._unexpected()

    @staticmethod
    def _unexpected() -> Response:
        return json_response(
            [
                {
                    "message": "An unexpected error occurred in the sandbox org; see its log.",
                    "errorCode": "UNKNOWN_EXCEPTION",
                }
            ],
            status=500,
        )

    @staticmethod
    def _too_large() -> Response:
        response = json_response(
            [
                {
                    "message": f"The request body exceeds the limit of {MAX_BODY_BYTES} bytes; send fewer records "
                    "per request.",
                    "errorCode": "REQUEST_ENTITY_TOO_LARGE",
                }
            ],
            status=413,
        )
        response.headers["Connection"] = "close"
        return response

    def _oauth(self, request: Request, name: str) -> Response:
        handlers = {
            "authorize": self.oauth.authorize,
            "token": self.oauth.token,
            "revoke": self.oauth.revoke,
            "userinfo": self.oauth.userinfo,
        }
        handler = handlers.get(name)
        if handler is None:
            return json_response(not_found().body(), status=404)
        return handler(request)

    def _data(self, request: Request, rest: str) -> Response:
        version, _, tail = rest.partition("/")
        tail = "/" + tail if tail else ""
        token = _bearer(request)
        if not token or not self.rt.tokens.is_valid(token):
            return json_response([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], 401)
        try:
            self.rt.limits.consume_request()
        except LimitExceeded as exc:
            response = json_response([{"message": exc.message, "errorCode": "REQUEST_LIMIT_EXCEEDED"}], status=403)
            return self._with_limit_info(response)
        response = self._authenticated(request, version, tail)
        return self._with_limit_info(response)

    def _with_limit_info(self, response: Response) -> Response:
        response.headers["Sforce-Limit-Info"] = self.rt.limits.limit_info_header()
        return response

    def _authenticated(self, request: Request, version: str, tail: str) -> Response:
        if not _supported(version):
            return json_response(not_found().body(), status=404)
        method = request.method
        if method == "POST" and request.args.get("_HttpMethod", "").upper() in ("PATCH", "DELETE"):
            method = request.args["_HttpMethod"].upper()
        call = _Call(request, version)
        allowed: set[str] = set()
        for methods, pattern, handler in self._routes:
            match = pattern.match(tail)
            if match is None:
                continue
            if method not in methods:
                allowed |= methods
                continue
            try:
                return handler(call, method, **match.groupdict())
            except SalesforceApiError as exc:
                return error_response(exc)
            except MoreThanOneRecord as exc:
                # Several records match an external id: the body lists their URLs.
                return json_response(exc.urls, status=300)
            except RequestEntityTooLarge:
                return self._too_large()
            except Exception:
                logger.exception("Salesforce sandbox: unexpected failure on %s %s", method, request.path)
                return self._unexpected()
        if allowed:
            response = json_response(
                [
                    {
                        "message": f"HTTP Method '{method}' not allowed. Allowed are {','.join(sorted(allowed))}",
                        "errorCode": "METHOD_NOT_ALLOWED",
                    }
                ],
                status=405,
            )
            response.headers["Allow"] = ",".join(sorted(allowed))
            return response
        return json_response(not_found().body(), status=404)

    # -- resources ---------------------------------------------------------------------------------

    def resource_map(self, call: _Call, method: str) -> Response:
        base = f"/services/data/v{call.version}"
        names = (
            "tooling",
            "metadata",
            "eclair",
            "folders",
            "prechatForms",
            "chatter",
            "tabs",
            "appMenu",
            "quickActions",
            "queryAll",
            "commerce",
            "wave",
            "iot",
            "analytics",
            "search",
            "identity",
            "composite",
            "parameterizedSearch",
            "fingerprint",
            "theme",
            "nouns",
            "event",
            "serverInfo",
            "recent",
            "connect",
            "licensing",
            "limits",
            "process",
            "async-queries",
            "query",
            "match",
            "emailConnect",
            "compactLayouts",
            "knowledgeManagement",
            "sobjects",
            "actions",
            "support",
            "jobs",
        )
        body = {name: f"{base}/{name}" for name in names}
        body["identity"] = self.oauth.identity_url()
        return json_response(body)

    def global_describe(self, call: _Call, method: str) -> Response:
        return json_response(describe.describe_global(self.rt.store.schema, call.version))

    def sobject_describe(self, call: _Call, method: str, sobject: str) -> Response:
        return json_response(describe.describe_sobject(self.rt.store.schema, sobject, call.version))

    def sobject_root(self, call: _Call, method: str, sobject: str) -> Response:
        if method == "POST":
            new_id = self.records.create(sobject, call.json_body())
            return json_response({"id": new_id, "success": True, "errors": []}, status=201)
        name = self.rt.store.object_def(sobject).name
        entries = describe.describe_global(self.rt.store.schema, call.version)["sobjects"]
        entry = next(e for e in entries if e["name"] == name)
        return json_response({"objectDescribe": entry, "recentItems": []})

    def record(self, call: _Call, method: str, sobject: str, record_id: str) -> Response:
        if method == "GET":
            fields = call.request.args.get("fields")
            wanted = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
            return json_response(self.rt.store.get(sobject, record_id, fields=wanted, api_version=call.version))
        if method == "PATCH":
            self.records.update(sobject, record_id, call.json_body())
            return no_content()
        if method == "DELETE":
            self.rt.store.delete(sobject, record_id)
            return no_content()
        raise SalesforceApiError(
            405, "METHOD_NOT_ALLOWED", "HTTP Method 'POST' not allowed. Allowed are GET,PATCH,DELETE"
        )

    def by_external_id(self, call: _Call, method: str, sobject: str, field: str, value: str) -> Response:
        if method == "GET":
            record_id = self.records.find_one(sobject, field, value, call.version)
            fields = call.request.args.get("fields")
            wanted = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
            return json_response(self.rt.store.get(sobject, record_id, fields=wanted, api_version=call.version))
        if method == "DELETE":
            record_id = self.records.find_one(sobject, field, value, call.version)
            self.rt.store.delete(sobject, record_id)
            return no_content()
        update_only = call.request.args.get("updateOnly", "").lower() == "true"
        result = self.records.upsert(sobject, field, value, call.json_body(), call.version, update_only=update_only)
        if result.created:
            return json_response({"id": result.id, "success": True, "errors": [], "created": True}, status=201)
        if float(call.version) >= 46.0:
            return json_response({"id": result.id, "success": True, "errors": [], "created": False}, status=200)
        return no_content()

    def updated(self, call: _Call, method: str, sobject: str) -> Response:
        return json_response(self.records.updated(sobject, call.request.args, call.version))

    def deleted(self, call: _Call, method: str, sobject: str) -> Response:
        return json_response(self.records.deleted(sobject, call.request.args, call.version))

    # -- queries -----------------------------------------------------------------------------------

    def _run(self, call: _Call, *, query_all: bool) -> Response:
        soql = call.request.args.get("q")
        if not soql or not soql.strip():
            raise SalesforceApiError(400, "MALFORMED_QUERY", "A query string (the q parameter) is required.")
        if self.rt.knobs.take_timeout():
            raise SalesforceApiError(400, "QUERY_TIMEOUT", "Your query request was running for too long.")
        source = self.rt.store.open_query(soql, include_deleted=query_all, api_version=call.version)
        batch = batch_size_from_header(call.request.headers.get("Sforce-Query-Options"))
        body = self.rt.cursors.first_page(source, batch_size=batch, query_all=query_all, api_version=call.version)
        return json_response(body)

    def query(self, call: _Call, method: str) -> Response:
        return self._run(call, query_all=False)

    def query_all(self, call: _Call, method: str) -> Response:
        return self._run(call, query_all=True)

    def _more(self, call: _Call, locator: str, *, query_all: bool) -> Response:
        batch = batch_size_from_header(call.request.headers.get("Sforce-Query-Options"))
        return json_response(self.rt.cursors.next_page(locator, batch_size=batch, query_all=query_all))

    def query_more(self, call: _Call, method: str, locator: str) -> Response:
        return self._more(call, locator, query_all=False)

    def query_all_more(self, call: _Call, method: str, locator: str) -> Response:
        return self._more(call, locator, query_all=True)

    def limits(self, call: _Call, method: str) -> Response:
        return json_response(self.rt.limits.limits_body())

    def search(self, call: _Call, method: str) -> Response:
        return json_response(search.search(self.rt.store, call.request.args.get("q", ""), call.version))

    # -- collections -------------------------------------------------------------------------------

    def collections(self, call: _Call, method: str) -> Response:
        if method == "DELETE":
            args = call.request.args
            ids = [i.strip() for i in args.get("ids", "").split(",") if i.strip()]
            all_or_none = args.get("allOrNone", "false").lower() == "true"
            return json_response(sobject_collections.delete(self.rt.store, ids, all_or_none))
        body = call.json_body()
        records, all_or_none = sobject_collections.parse_body(body)
        if method == "POST":
            return json_response(sobject_collections.create(self.records, records, all_or_none))
        return json_response(sobject_collections.update(self.records, records, all_or_none))

    def collections_retrieve(self, call: _Call, method: str, sobject: str) -> Response:
        if method == "POST":
            body = call.json_body()
            if not isinstance(body, dict):
                raise SalesforceApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object.")
            ids, fields = body.get("ids"), body.get("fields")
        else:
            args = call.request.args
            ids = [i.strip() for i in args.get("ids", "").split(",") if i.strip()]
            fields = [f.strip() for f in args.get("fields", "").split(",") if f.strip()]
        return json_response(sobject_collections.retrieve(self.rt.store, sobject, ids, fields, call.version))

    def collections_upsert(self, call: _Call, method: str, sobject: str, field: str) -> Response:
        records, all_or_none = sobject_collections.parse_body(call.json_body())
        return json_response(
            sobject_collections.upsert(self.records, sobject, field, records, all_or_none, call.version)
        )

    def composite(self, call: _Call, method: str) -> Response:
        return json_response(composite.run(call.json_body(), self._subrequest, self.rt.store.transaction))

    def _subrequest(self, method: str, url: str, payload: Any) -> Response:
        """One subrequest of a composite call, routed like a request of its own but not counted or re-authenticated."""
        parts = urlsplit(url)
        version, _, tail = parts.path[len("/services/data/v") :].partition("/")
        tail = "/" + tail.rstrip("/") if tail.rstrip("/") else ""
        builder = EnvironBuilder(
            method=method,
            path=parts.path,
            query_string=parts.query,
            data=json.dumps(payload) if payload is not None else None,
            content_type="application/json",
        )
        response = self._authenticated(_Request(builder.get_environ()), version, tail)
        created = re.fullmatch(r"/sobjects/(\w+)", tail)
        if method == "POST" and created and response.status_code == 201:
            new_id = json.loads(response.get_data())["id"]
            response.headers["Location"] = f"/services/data/v{version}/sobjects/{created.group(1)}/{new_id}"
        return response

    # -- Bulk API 2.0 ------------------------------------------------------------------------------

    def _bulk_query(self, soql: str, query_all: bool) -> FlatRows:
        return self.rt.store.open_query(soql, include_deleted=query_all)

    def jobs(self, call: _Call, method: str) -> Response:
        if method == "GET":
            return json_response(self.bulk.list())
        body = call.json_body()
        try:
            self.rt.limits.consume_bulk_query_job()
        except LimitExceeded as exc:
            raise SalesforceApiError(403, "REQUEST_LIMIT_EXCEEDED", exc.message) from None
        return json_response(self.bulk.create(body, call.version))

    def job(self, call: _Call, method: str, job_id: str) -> Response:
        if method == "GET":
            return json_response(self.bulk.get(job_id))
        if method == "PATCH":
            return json_response(self.bulk.abort(job_id, call.json_body()))
        self.bulk.delete(job_id)
        return no_content()

    def job_results(self, call: _Call, method: str, job_id: str) -> Response:
        args = call.request.args
        text, locator, count = self.bulk.results(job_id, call.version, args.get("locator"), args.get("maxRecords"))
        response = Response(text, content_type="text/csv; charset=UTF-8")
        response.headers["Sforce-Locator"] = locator
        response.headers["Sforce-NumberOfRecords"] = str(count)
        return response


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None
