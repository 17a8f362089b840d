"""The sandbox control API: change faults, limits and sessions of a running org over HTTP.

Routes live under ``/__sandbox/`` and answer only requests carrying ``X-Sandbox-Control-Key`` with the
key from ``sandbox.json`` (``credentials.salesforce.control_key``); anything else gets the org's ordinary
404, so normal clients never see the control API. Never subject to injected faults or API limits.

    GET  /__sandbox/state                   faults, limits and open sessions
    POST /__sandbox/faults                  {"latency_ms": 50, "error_share": 0.1, ...} (FaultSettings fields)
    POST /__sandbox/limits                  {"daily_api_limit": 100, "used": 0, "daily_bulk_query_jobs": 10}
    POST /__sandbox/expire-sessions         every current access token answers 401 once
    POST /__sandbox/query-timeouts          {"count": 1}: the next N queries fail with QUERY_TIMEOUT
"""

from __future__ import annotations

import dataclasses
import hmac
import json
from typing import Any

from werkzeug.wrappers import Request, Response

from cpq_desktop.sandbox.faults import FaultSettings
from cpq_desktop.sandbox.salesforce.app import OrgRuntime, json_response
from cpq_desktop.sandbox.salesforce.errors import not_found

CONTROL_HEADER = "X-Sandbox-Control-Key"
_SHARES = ("error_share", "drop_share", "lost_response_share")
_DURATIONS = ("latency_ms", "jitter_ms")


def apply_fault_changes(settings: FaultSettings, changes: dict[str, Any]) -> None:
    """Validate and apply changes to fault settings; ``ValueError`` names the bad setting."""
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name in _SHARES:
            share = float(value)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
            checked[name] = share
        elif name in _DURATIONS:
            duration = float(value)
            if duration < 0:
                raise ValueError(f"{name} must be 0 or more, got {value}")
            checked[name] = duration
        elif name == "error_statuses":
            statuses = tuple(int(v) for v in value)
            if not statuses or any(not 400 <= s <= 599 for s in statuses):
                raise ValueError("error_statuses must be a non-empty list of HTTP error statuses")
            checked[name] = statuses
        elif name == "seed":
            checked[name] = None if value is None else int(value)
        else:
            checked[name] = value
    settings.update(**checked)


class ControlApi:
    def __init__(self, runtime: OrgRuntime) -> None:
        self.rt = runtime

    def state(self) -> dict[str, Any]:
        settings = dataclasses.asdict(self.rt.faults.settings)
        settings["error_statuses"] = list(settings["error_statuses"])
        return {
            "faults": settings,
            "limits": self.rt.limits.snapshot(),
            "query_timeouts_pending": self.rt.knobs.timeouts_pending,
        }

    def __call__(self, request: Request) -> Response:
        key = request.headers.get(CONTROL_HEADER, "")
        if not hmac.compare_digest(key.encode(), self.rt.control_key.encode()):
            return json_response(not_found().body(), status=404)
        action = request.path[len("/__sandbox/") :].rstrip("/")
        if request.method == "GET" and action == "state":
            return json_response(self.state())
        if request.method != "POST":
            return json_response(not_found().body(), status=404)
        try:
            body = json.loads(request.get_data() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return self._bad("the body must be a JSON object")
        if not isinstance(body, dict):
            return self._bad("the body must be a JSON object")
        try:
            if action == "faults":
                apply_fault_changes(self.rt.faults.settings, body)
            elif action == "limits":
                self.rt.limits.configure(**{k: int(v) for k, v in body.items()})
            elif action == "expire-sessions":
                self.rt.tokens.expire_sessions()
            elif action == "query-timeouts":
                self.rt.knobs.timeouts_pending = max(0, int(body.get("count", 1)))
            else:
                return json_response(not_found().body(), status=404)
        except (TypeError, ValueError) as exc:
            return self._bad(str(exc))
        return json_response(self.state())

    @staticmethod
    def _bad(message: str) -> Response:
        return json_response([{"message": message, "errorCode": "INVALID_SANDBOX_SETTING"}], status=400)
