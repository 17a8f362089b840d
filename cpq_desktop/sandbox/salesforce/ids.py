"""Salesforce record ids: key prefixes, the 15 → 18 character checksum, generation and validation.

An id is 15 case-sensitive base-62 characters whose first three are the object's key prefix; the API returns the
18-character form, which appends a case-insensitive checksum of three characters (one per 5-character chunk, bit *i*
set when character *i* of the chunk is an upper-case letter).
"""

from __future__ import annotations

import re
from functools import lru_cache

_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_SHAPE = re.compile(r"^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$")

# Standard key prefixes (salesforce-api.md §2.8). Custom objects get org-specific ones assigned by the store.
STANDARD_KEY_PREFIXES: dict[str, str] = {
    "Organization": "00D",
    "User": "005",
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
    "Product2": "01t",
    "Order": "801",
    "OrderItem": "802",
    "Contract": "800",
    "ConsumptionSchedule": "0o6",
    "ConsumptionRate": "0o5",
    "ProductConsumptionSchedule": "0o7",
}

# The instance part of generated ids (characters 4-6), fixed for the emulator's single pod.
POD = "8d0"
_COUNTER_WIDTH = 15 - 3 - len(POD)


def checksum(id15: str) -> str:
    """The three checksum characters of a 15-character id."""
    return _chunk_checksum(id15[0:5]) + _chunk_checksum(id15[5:10]) + _chunk_checksum(id15[10:15])


@lru_cache(maxsize=16384)
def _chunk_checksum(chunk: str) -> str:
    # Bit i is set when character i of the 5-character chunk is an upper-case letter. Chunks repeat a lot
    # (the key prefix and pod, runs of zeros), hence the cache.
    return _CHECKSUM_ALPHABET[sum(1 << j for j, c in enumerate(chunk) if "A" <= c <= "Z")]


def to18(record_id: str) -> str:
    """The 18-character form of a 15- or 18-character id (an 18-character id gets its checksum recomputed)."""
    id15 = record_id[:15]
    return id15 + checksum(id15)


def is_valid(record_id: object) -> bool:
    """True for a well-formed 15-character id, or an 18-character id whose checksum matches."""
    if not isinstance(record_id, str) or not _ID_SHAPE.match(record_id):
        return False
    return len(record_id) == 15 or record_id[15:].upper() == checksum(record_id[:15])


def normalize(record_id: object) -> str | None:
    """The canonical 18-character id, or None when ``record_id`` is not a valid id."""
    return _normalize_text(record_id) if isinstance(record_id, str) else None


@lru_cache(maxsize=65536)
def _normalize_text(record_id: str) -> str | None:
    # Bulk loads repeat the same lookup ids many times over, hence the cache.
    return to18(record_id) if is_valid(record_id) else None


def make_id(prefix: str, counter: int) -> str:
    """The 18-character id number ``counter`` of the object with ``prefix``."""
    digits = []
    n = counter
    while n:
        n, rem = divmod(n, 62)
        digits.append(_BASE62[rem])
    body = "".join(reversed(digits)).rjust(_COUNTER_WIDTH, "0")
    if len(body) > _COUNTER_WIDTH:
        raise ValueError(f"id counter {counter} does not fit in an id")
    return to18(prefix + POD + body)


def custom_prefix(index: int) -> str:
    """The ``index``-th org-specific key prefix for custom objects: a00, a01, … a0z, a10, …"""
    hi, lo = divmod(index, 62)
    return "a" + _BASE62[hi] + _BASE62[lo]
