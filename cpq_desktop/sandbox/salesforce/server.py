"""``SalesforceOrg``: the emulated Salesforce CPQ org, served over HTTPS on loopback.

    org = SalesforceOrg(data_dir, tls, port=0, faults=FaultSettings(), daily_api_limit=5_000_000)
    org.generate(orders=50, seed=1)     # fill an empty org (no-op when it already holds data)
    org.start(); org.url; org.credentials()
    org.set_faults(error_share=0.2); org.expire_current_token(); org.set_daily_api_limit(100)
    org.stop()

The data (one SQLite file) and the login credentials survive restarts; sessions, query cursors and
Bulk jobs do not, as if the org had logged everyone out.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from cpq_desktop.sandbox.faults import FaultInjector, FaultSettings
from cpq_desktop.sandbox.httpserver import LoopbackServer
from cpq_desktop.sandbox.salesforce.app import OrgRuntime, SalesforceApp
from cpq_desktop.sandbox.salesforce.control import CONTROL_HEADER, ControlApi, apply_fault_changes
from cpq_desktop.sandbox.salesforce.generator import GeneratedSummary, generate_org
from cpq_desktop.sandbox.salesforce.limits import DEFAULT_DAILY_API_LIMIT, ApiLimits
from cpq_desktop.sandbox.salesforce.store import OrgStore
from cpq_desktop.sandbox.salesforce.tokens import DEFAULT_SESSION_TIMEOUT_S, ConnectedApp, OrgUser, TokenRegistry
from cpq_desktop.sandbox.tls import SandboxTLS

DATABASE_FILE = "org.sqlite3"
CREDENTIALS_FILE = "credentials.json"
DEFAULT_REDIRECT_URI = "http://localhost:1717/OauthRedirect"
# Objects whose rows mean "this org already has data" (the store bootstraps Organization and User itself).
_DATA_OBJECTS = ("Account", "Product2", "Order")
_SECRET_KEYS = frozenset({"password", "security_token", "client_id", "client_secret"})


def _load_or_create_secrets(path: Path) -> dict[str, str]:
    """Password, security token and connected-app keys, made once per org and kept with its data."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = None  # missing or unreadable: make new ones (the org's data is unaffected)
    if isinstance(stored, dict) and set(stored) >= _SECRET_KEYS and all(isinstance(v, str) for v in stored.values()):
        return stored
    created = {
        "password": "Sandbox-" + secrets.token_urlsafe(12),
        "security_token": secrets.token_hex(12).upper()[:24],
        "client_id": "3MVG9sandbox." + secrets.token_urlsafe(48).replace("-", "A").replace("_", "B"),
        "client_secret": secrets.token_hex(32).upper(),
    }
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(created, handle, indent=2)
    os.replace(tmp, path)
    return created


class SalesforceOrg:
    """One emulated org: its store, its HTTPS server and the knobs tests turn at run time."""

    def __init__(
        self,
        data_dir: Path,
        tls: SandboxTLS,
        *,
        port: int = 0,
        faults: FaultSettings | None = None,
        daily_api_limit: int = DEFAULT_DAILY_API_LIMIT,
        rotate_refresh_tokens: bool = False,
        session_timeout_s: float = DEFAULT_SESSION_TIMEOUT_S,
        multi_currency: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.tls = tls
        self._port = port
        # multi_currency applies when the org is created; a reopened org keeps what it was created with.
        self.store = OrgStore(self.data_dir / DATABASE_FILE, multi_currency=multi_currency)
        keys = _load_or_create_secrets(self.data_dir / CREDENTIALS_FILE)
        user = self.store.get("User", self.store.default_user_id, fields=["Username", "Name", "Email"])
        self.user = OrgUser(
            org_id=self.store.organization_id,
            user_id=self.store.default_user_id,
            username=str(user["Username"]),
            password=keys["password"],
            security_token=keys["security_token"],
            display_name=str(user["Name"]),
            email=str(user["Email"]),
        )
        self.connected_app = ConnectedApp(
            client_id=keys["client_id"],
            client_secret=keys["client_secret"],
            redirect_uri=DEFAULT_REDIRECT_URI,
            rotate_refresh_tokens=rotate_refresh_tokens,
        )
        self.tokens = TokenRegistry(self.user, self.connected_app, session_timeout_s=session_timeout_s)
        self.limits = ApiLimits(daily_api_limit=daily_api_limit)
        self.faults = FaultInjector(faults or FaultSettings())
        self._server: LoopbackServer | None = None
        self.runtime = OrgRuntime(
            store=self.store, tokens=self.tokens, limits=self.limits, faults=self.faults, base_url=lambda: self.url
        )
        self.app = SalesforceApp(self.runtime, ControlApi(self.runtime))

    # -- lifecycle ---------------------------------------------------------------------------------

    def generate(self, orders: int, seed: int) -> GeneratedSummary | None:
        """Fill an empty org with a realistic CPQ data set; an org that already has data is left alone (None)."""
        if any(self.store.count(name, include_deleted=True) for name in _DATA_OBJECTS):
            return None
        return generate_org(self.store, orders=orders, seed=seed)

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the sandbox org is already running")
        self._server = LoopbackServer(self.app, self.tls.server_context, self._port)
        self._server.start()

    def stop(self) -> None:
        """Stop serving and close the database; the org's data stays on disk."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.store.close()

    @property
    def url(self) -> str:
        """``https://127.0.0.1:<port>``: both the login host and the instance URL, no trailing slash."""
        if self._server is None:
            raise RuntimeError("the sandbox org is not running; call start() first")
        return self._server.url

    def credentials(self) -> dict[str, Any]:
        """What a client needs for each login flow (and the key of the control API)."""
        return {
            "login_url": self.url,
            "instance_url": self.url,
            "username": self.user.username,
            "password": self.user.password,
            "security_token": self.user.security_token,
            "client_id": self.connected_app.client_id,
            "client_secret": self.connected_app.client_secret,
            "redirect_uri": self.connected_app.redirect_uri,
            "organization_id": self.user.org_id,
            "control_header": CONTROL_HEADER,
            "control_key": self.runtime.control_key,
        }

    # -- knobs for tests and the control API -------------------------------------------------------

    def set_faults(self, **changes: Any) -> None:
        """Change latency, error, drop and lost-response settings (``FaultSettings`` field names)."""
        apply_fault_changes(self.faults.settings, changes)

    def expire_current_token(self) -> int:
        """Expire every current access token once; returns how many were live."""
        return self.tokens.expire_sessions()

    def set_daily_api_limit(self, limit: int, *, used: int | None = None) -> None:
        self.limits.configure(daily_api_limit=limit, used=used)

    def api_usage(self) -> tuple[int, int]:
        """``(used, max)`` of the daily API request allowance."""
        return self.limits.usage()

    def fail_next_queries(self, count: int = 1) -> None:
        """The next ``count`` queries answer ``400 QUERY_TIMEOUT``."""
        self.runtime.knobs.timeouts_pending = count

    def set_refresh_token_rotation(self, enabled: bool) -> None:
        self.connected_app.rotate_refresh_tokens = enabled

    def set_jwt_certificate(self, pem: str | None) -> None:
        """Require JWT bearer assertions to be signed by this certificate (or public key); None accepts any."""
        self.connected_app.jwt_public_key = pem
