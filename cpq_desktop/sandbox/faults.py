"""Latency and failure injection shared by both emulators (configurable at start and at run time)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class DropConnection(ConnectionResetError):
    """Raised inside a request to make the server close the socket without answering."""


@dataclass
class FaultSettings:
    """What to inject. All shares are probabilities in [0, 1]; everything off by default."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_share: float = 0.0
    error_statuses: tuple[int, ...] = (500, 503)
    drop_share: float = 0.0
    # The request is processed (and committed) and only then the connection is dropped: the
    # "write happened but the response was lost" case that exactly-once delivery must survive.
    lost_response_share: float = 0.0
    seed: int | None = None
    # Bumped whenever ``seed`` is set, so setting the same seed again restarts the same sequence.
    seed_generation: int = field(default=0, compare=False, repr=False)

    def update(self, **changes: Any) -> None:
        known = {f.name for f in fields(self)} - {"seed_generation"}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        for name, value in changes.items():
            if name == "error_statuses":
                value = tuple(int(v) for v in value)
            setattr(self, name, value)
        if "seed" in changes:
            self.seed_generation += 1


@dataclass
class FaultInjector:
    """Decides, per request, whether to delay, fail, drop, or lose the response."""

    settings: FaultSettings = field(default_factory=FaultSettings)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _seeded_generation: int | None = field(default=None, repr=False)

    def _random(self) -> random.Random:
        """The generator, re-seeded whenever a seed is set, so a seeded run repeats exactly.

        Call with ``_lock`` held.
        """
        settings = self.settings
        if settings.seed is not None and settings.seed_generation != self._seeded_generation:
            self._rng.seed(settings.seed)
            self._seeded_generation = settings.seed_generation
        return self._rng

    def _roll(self, share: float) -> bool:
        if share <= 0:
            return False
        with self._lock:
            return self._random().random() < share

    def delay(self) -> None:
        s = self.settings
        if s.latency_ms <= 0 and s.jitter_ms <= 0:
            return
        with self._lock:
            jitter = self._random().uniform(-s.jitter_ms, s.jitter_ms) if s.jitter_ms else 0.0
        time.sleep(max(0.0, s.latency_ms + jitter) / 1000.0)

    def error_status(self) -> int | None:
        """An HTTP status to answer with instead of processing the request, or None."""
        if not self._roll(self.settings.error_share):
            return None
        with self._lock:
            return self._random().choice(self.settings.error_statuses)

    def drop_before(self) -> bool:
        return self._roll(self.settings.drop_share)

    def lose_response(self) -> bool:
        return self._roll(self.settings.lost_response_share)
