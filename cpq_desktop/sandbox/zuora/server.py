"""``ZuoraTenant``: the emulated Zuora tenant as an HTTPS server on loopback.

The contract ``cpq_desktop.sandbox.runner`` relies on: construct with a data dir and the sandbox TLS,
``start()``, ``url``, ``credentials()``, ``stop()``. Tests change faults, latency, settings and token
lifetime at run time through the Python methods here (or the guarded ``/sandbox/*`` HTTP API).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from cpq_desktop.sandbox.faults import FaultInjector, FaultSettings
from cpq_desktop.sandbox.httpserver import LoopbackServer
from cpq_desktop.sandbox.tls import SandboxTLS
from cpq_desktop.sandbox.zuora.app import ZuoraApp, build_router
from cpq_desktop.sandbox.zuora.runtime import TenantRuntime
from cpq_desktop.sandbox.zuora.settings import TenantSettings
from cpq_desktop.sandbox.zuora.store import TenantStore
from cpq_desktop.sandbox.zuora.tokens import ClientCredentials

log = logging.getLogger(__name__)


class ZuoraTenant:
    """One emulated tenant: its database lives in ``data_dir`` and survives restarts."""

    def __init__(
        self,
        data_dir: Path,
        tls: SandboxTLS,
        *,
        port: int = 0,
        faults: FaultSettings | None = None,
        concurrency_limit: int | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.tls = tls
        self._port = port
        self.store = TenantStore(self.data_dir)
        stored = self.store.get_meta("credentials")
        if stored is None:
            credentials = ClientCredentials.generate()
            self.store.set_meta(
                "credentials", {"client_id": credentials.client_id, "client_secret": credentials.client_secret}
            )
        else:
            credentials = ClientCredentials(stored["client_id"], stored["client_secret"])
        self.runtime = TenantRuntime(
            store=self.store, credentials=credentials, faults=FaultInjector(faults or FaultSettings())
        )
        if concurrency_limit is not None:
            self.set_concurrency_limit(concurrency_limit)
        self.app = ZuoraApp(self.runtime, build_router())
        self._server: LoopbackServer | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        if self._server is not None:
            return
        self._server = LoopbackServer(self.app, self.tls.server_context, self._port)
        self._server.start()
        log.info("Zuora sandbox tenant listening on %s", self._server.url)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.store.close()

    def __enter__(self) -> ZuoraTenant:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Zuora sandbox tenant is not running; call start() first")
        return self._server.url

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the Zuora sandbox tenant is not running; call start() first")
        return self._server.port

    def credentials(self) -> dict[str, str]:
        return {
            "client_id": self.runtime.credentials.client_id,
            "client_secret": self.runtime.credentials.client_secret,
        }

    # -- run-time knobs for tests ---------------------------------------------------------------

    @property
    def settings(self) -> TenantSettings:
        return self.store.settings

    @property
    def faults(self) -> FaultSettings:
        return self.runtime.faults.settings

    def set_faults(self, **changes: Any) -> None:
        """Change fault injection now, e.g. ``set_faults(error_share=0.2, error_statuses=[500, 502])``."""
        self.runtime.update_faults(**changes)

    def clear_faults(self) -> None:
        self.runtime.faults.settings.update(
            latency_ms=0.0, jitter_ms=0.0, error_share=0.0, drop_share=0.0, lost_response_share=0.0
        )

    def update_settings(self, **changes: Any) -> TenantSettings:
        """Change tenant settings (persisted), e.g. ``update_settings(require_service_activation=True)``."""
        settings = self.store.update_settings(changes)
        self.runtime.apply_settings()
        return settings

    def set_concurrency_limit(self, limit: int) -> None:
        """One limit for every concurrency pool (what ``--zuora-concurrency`` sets)."""
        self.update_settings(concurrency_default=limit, concurrency_high_volume=limit, concurrency_object_query=limit)

    def set_token_ttl(self, seconds: int) -> None:
        self.update_settings(token_ttl_seconds=seconds)

    def expire_tokens(self) -> int:
        """Invalidate every issued token now; the next API call with one gets 401."""
        return self.runtime.tokens.expire_all()
