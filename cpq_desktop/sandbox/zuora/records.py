"""Shared helpers for records kept as JSON documents in the tenant database."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def now_stamp() -> str:
    """A Zuora-style timestamp with offset, e.g. ``2025-03-21T03:24:15+00:00``."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def load(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data
