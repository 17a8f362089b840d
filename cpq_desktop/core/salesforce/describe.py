"""Live describe metadata of an org, in the shape mapping validation reads (``/sobjects/{T}/describe``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simple_salesforce.exceptions import SalesforceResourceNotFound

from cpq_desktop.core.salesforce.connection import SalesforceConnection


def live_describe_lookup(connection: SalesforceConnection) -> Callable[[str], Mapping[str, Any] | None]:
    """A lookup from an object name to its describe, None when the org has no such object; one call per object."""
    cache: dict[str, Mapping[str, Any] | None] = {}

    def lookup(sobject: str) -> Mapping[str, Any] | None:
        if sobject not in cache:
            try:
                described: Any = connection.call(lambda sf: sf.restful(f"sobjects/{sobject}/describe"))
            except SalesforceResourceNotFound:
                described = None
            cache[sobject] = described if isinstance(described, Mapping) else None
        return cache[sobject]

    return lookup
