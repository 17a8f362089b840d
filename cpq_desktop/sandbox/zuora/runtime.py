"""Everything one running tenant shares between requests: store, tokens, limits, faults, replay cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cpq_desktop.sandbox.faults import FaultInjector
from cpq_desktop.sandbox.zuora.idempotency import IdempotencyCache
from cpq_desktop.sandbox.zuora.limits import ConcurrencyLimiter, MinuteCounter, Pool
from cpq_desktop.sandbox.zuora.query_cursors import QueryCursors
from cpq_desktop.sandbox.zuora.settings import TenantSettings
from cpq_desktop.sandbox.zuora.store import TenantStore
from cpq_desktop.sandbox.zuora.tokens import ClientCredentials, TokenIssuer


def pool_limits(settings: TenantSettings) -> dict[Pool, int]:
    return {
        Pool.DEFAULT: settings.concurrency_default,
        Pool.HIGH_VOLUME: settings.concurrency_high_volume,
        Pool.OBJECT_QUERY: settings.concurrency_object_query,
    }


@dataclass
class TenantRuntime:
    store: TenantStore
    credentials: ClientCredentials
    faults: FaultInjector = field(default_factory=FaultInjector)
    tokens: TokenIssuer = field(default_factory=TokenIssuer)
    minute: MinuteCounter = field(default_factory=MinuteCounter)
    auth_minute: MinuteCounter = field(default_factory=MinuteCounter)
    cursors: QueryCursors = field(default_factory=QueryCursors)
    limiter: ConcurrencyLimiter = field(init=False)
    idempotency: IdempotencyCache = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = ConcurrencyLimiter(pool_limits(self.store.settings))
        self.idempotency = IdempotencyCache(self.store)

    @property
    def settings(self) -> TenantSettings:
        return self.store.settings

    def update_faults(self, **changes: Any) -> None:
        """Change fault injection; a new ``seed`` restarts the random sequence, so runs repeat exactly."""
        self.faults.settings.update(**changes)
        if "seed" in changes:
            self.faults = FaultInjector(self.faults.settings)

    def apply_settings(self) -> None:
        """Push settings that live outside the store (pool sizes) to their owners."""
        self.limiter.set_limits(pool_limits(self.store.settings))
