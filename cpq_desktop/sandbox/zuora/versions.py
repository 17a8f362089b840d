"""``Zuora-Version`` values: legacy numbers (``186.0``) and dates (``2024-05-20``), totally ordered."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering

_NUMBER = re.compile(r"^\d{1,4}(\.\d{1,2})?$")

# Versions whose behaviour changes the wire format (zuora-api.md §1.4).
SUBSCRIPTIONS_LIST = "223.0"  # CreateOrderResponse.subscriptions instead of subscriptionNumbers
CATALOG_PLANS_AS_URL = "230.0"  # /v1/catalog/products productRatePlans is a URL string
CATEGORY_HTTP_STATUS = "2024-05-20"  # error categories map to HTTP statuses instead of 200
OBJECT_QUERY_ERRORS = "2025-08-12"  # unified Object Query error body, category 27


@total_ordering
@dataclass(frozen=True)
class ZuoraVersion:
    """A minor API version. Every legacy number sorts before every date version."""

    text: str
    _key: tuple[int, float, str]

    @classmethod
    def parse(cls, value: str) -> ZuoraVersion:
        value = value.strip()
        if _NUMBER.match(value):
            return cls(value, (0, float(value), ""))
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"'{value}' is not a valid Zuora-Version; use a date like 2025-08-12 or a number like 207.0"
            ) from None
        if len(value) != 10:
            raise ValueError(f"'{value}' is not a valid Zuora-Version; dates are written YYYY-MM-DD")
        return cls(value, (1, 0.0, date.isoformat()))

    def at_least(self, other: str) -> bool:
        return self >= ZuoraVersion.parse(other)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, ZuoraVersion):
            return NotImplemented
        return self._key < other._key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ZuoraVersion):
            return NotImplemented
        return self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __str__(self) -> str:
        return self.text
