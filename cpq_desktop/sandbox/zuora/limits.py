"""Per-tenant concurrency pools and the per-minute request count (zuora-api.md §7.3)."""

from __future__ import annotations

import threading
import time
from enum import Enum


class Pool(Enum):
    """Concurrency pools; the value is what ``Concurrency-Limit-Type`` reports."""

    DEFAULT = "Default"
    HIGH_VOLUME = "High-volume transactions"
    OBJECT_QUERY = "Object Query"
    UNLIMITED = "Unlimited"


class ConcurrencyLimiter:
    """Counts requests in flight per pool; a request over the limit is refused, never queued."""

    def __init__(self, limits: dict[Pool, int]) -> None:
        self._lock = threading.Lock()
        self._limits = dict(limits)
        self._in_flight = dict.fromkeys(Pool, 0)

    def set_limits(self, limits: dict[Pool, int]) -> None:
        with self._lock:
            self._limits.update(limits)

    def limit(self, pool: Pool) -> int | None:
        return None if pool is Pool.UNLIMITED else self._limits[pool]

    def try_acquire(self, pool: Pool) -> tuple[bool, int]:
        """Take a slot if one is free. Returns (acquired, remaining slots after this request)."""
        with self._lock:
            if pool is Pool.UNLIMITED:
                return True, 0
            limit = self._limits[pool]
            if self._in_flight[pool] >= limit:
                return False, 0
            self._in_flight[pool] += 1
            return True, limit - self._in_flight[pool]

    def release(self, pool: Pool) -> None:
        with self._lock:
            if pool is not Pool.UNLIMITED and self._in_flight[pool] > 0:
                self._in_flight[pool] -= 1


class MinuteCounter:
    """Requests in the current clock minute, for the ``RateLimit-*`` headers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._minute = 0
        self._count = 0

    def hit(self) -> tuple[int, int]:
        """Count one request; returns (count this minute, seconds until the window resets)."""
        now = time.time()
        minute = int(now // 60)
        with self._lock:
            if minute != self._minute:
                self._minute = minute
                self._count = 0
            self._count += 1
            return self._count, 60 - int(now % 60)
