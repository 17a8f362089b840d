"""The Composite resource (``POST /composite``): up to 25 REST subrequests in one call, later ones referring to
earlier results with ``@{referenceId.path}`` (``@{newAccount.id}``, ``@{orders.records[0].Id}``).

With ``allOrNone`` the subrequests share one transaction: the first failure rolls every write back and the
other subrequests answer ``PROCESSING_HALTED``. The whole call counts as one API request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from werkzeug.wrappers import Response

from cpq_desktop.sandbox.salesforce.errors import SalesforceApiError

MAX_SUBREQUESTS = 25
_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})
_REFERENCE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_REFERENCE = re.compile(r"@\{(?P<ref>[A-Za-z][A-Za-z0-9_]*)(?P<path>(?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
_ROLLED_BACK = "The transaction was rolled back since another operation in the same transaction failed."

Dispatch = Callable[[str, str, Any], Response]


class _Unresolved(Exception):
    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


class _Rollback(Exception):
    pass


def _halted(reference_id: str, message: str) -> dict[str, Any]:
    return {
        "body": [{"errorCode": "PROCESSING_HALTED", "message": message}],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": reference_id,
    }


def _validate(body: Any) -> tuple[list[dict[str, Any]], bool]:
    if not isinstance(body, dict) or not isinstance(body.get("compositeRequest"), list):
        raise SalesforceApiError(
            400, "JSON_PARSER_ERROR", 'The request body must be a JSON object with a "compositeRequest" array.'
        )
    subrequests = body["compositeRequest"]
    if not subrequests or len(subrequests) > MAX_SUBREQUESTS:
        raise SalesforceApiError(400, "INVALID_INPUT", f"compositeRequest must hold 1 to {MAX_SUBREQUESTS} subrequests")
    all_or_none = body.get("allOrNone", False)
    if not isinstance(all_or_none, bool):
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "allOrNone must be true or false.")
    seen: set[str] = set()
    for sub in subrequests:
        if not isinstance(sub, dict):
            raise SalesforceApiError(400, "JSON_PARSER_ERROR", "Each subrequest must be a JSON object.")
        reference_id, method, url = sub.get("referenceId"), sub.get("method"), sub.get("url")
        if not isinstance(reference_id, str) or not _REFERENCE_ID.match(reference_id) or reference_id in seen:
            raise SalesforceApiError(
                400, "INVALID_INPUT", f"Each subrequest needs a unique alphanumeric referenceId: {reference_id!r}"
            )
        seen.add(reference_id)
        if not isinstance(method, str) or method.upper() not in _METHODS:
            raise SalesforceApiError(400, "INVALID_INPUT", f"Unsupported method in {reference_id}: {method!r}")
        if not isinstance(url, str) or not url.startswith("/services/data/v"):
            raise SalesforceApiError(
                400, "INVALID_INPUT", f"The url of {reference_id} must start with /services/data/vXX.X/"
            )
        if "/composite" in url.split("?")[0]:
            raise SalesforceApiError(400, "INVALID_INPUT", f"{reference_id}: composite resources can't be nested")
    return subrequests, all_or_none


def _step(value: Any, name: str, index: str) -> Any:
    if not name:
        return value[int(index)]
    # ``@{ref.id}`` reads a create result's ``id``; record fields are capitalised (``Id``).
    return value[name] if name in value else value[name[0].upper() + name[1:]]


def _lookup(results: dict[str, Any], reference: str, path: str) -> Any:
    if reference not in results:
        raise _Unresolved(reference + path)
    value = results[reference]
    for name, index in _STEP.findall(path):
        try:
            value = _step(value, name, index)
        except (KeyError, IndexError, TypeError):
            raise _Unresolved(reference + path) from None
    return value


def _resolve(value: Any, results: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        if whole:
            return _lookup(results, whole["ref"], whole["path"])
        return _REFERENCE.sub(lambda m: str(_lookup(results, m["ref"], m["path"])), value)
    if isinstance(value, list):
        return [_resolve(v, results) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, results) for k, v in value.items()}
    return value


def run(body: Any, dispatch: Dispatch, transaction: Callable[[], AbstractContextManager[None]]) -> dict[str, Any]:
    subrequests, all_or_none = _validate(body)
    responses: list[dict[str, Any]] = []
    results: dict[str, Any] = {}

    def execute() -> bool:
        """Run the subrequests in order; True when one failed."""
        failed = False
        for sub in subrequests:
            reference_id = sub["referenceId"]
            if failed and all_or_none:
                responses.append(_halted(reference_id, _ROLLED_BACK))
                continue
            try:
                url = _resolve(sub["url"], results)
                payload = _resolve(sub.get("body"), results)
            except _Unresolved as exc:
                responses.append(
                    _halted(
                        reference_id,
                        f"Invalid reference specified. No value for {exc.reference} found in {reference_id}; "
                        "a reference must name an earlier subrequest that succeeded.",
                    )
                )
                failed = True
                continue
            response = dispatch(sub["method"].upper(), url, payload)
            text = response.get_data(as_text=True)
            parsed = json.loads(text) if text else None
            headers = {"Location": response.headers["Location"]} if "Location" in response.headers else {}
            responses.append(
                {
                    "body": parsed,
                    "httpHeaders": headers,
                    "httpStatusCode": response.status_code,
                    "referenceId": reference_id,
                }
            )
            if response.status_code < 300:
                results[reference_id] = parsed
            else:
                failed = True
        return failed

    if not all_or_none:
        execute()
        return {"compositeResponse": responses}
    try:
        with transaction():
            if execute():
                raise _Rollback
    except _Rollback:
        responses[:] = [r if r["httpStatusCode"] >= 300 else _halted(r["referenceId"], _ROLLED_BACK) for r in responses]
    return {"compositeResponse": responses}
