"""What to sync: the scope an admin picks, and its resolution to order ids in one paged query.

Scopes are not capped: tens of thousands of orders are normal. Resolution selects ids only, ordered by
effective date and order number so that an original order comes before its amendments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cpq_desktop.core.extract.soql import check_identifier, in_list

SYNC_ORDER = "ORDER BY EffectiveDate, OrderNumber, Id"


class _Scope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderScope(_Scope):
    """Specific orders, by 15- or 18-character Id or by OrderNumber (Send to Zuora on an order)."""

    kind: Literal["orders"] = "orders"
    order_ids: tuple[str, ...] = ()
    order_numbers: tuple[str, ...] = ()

    def describe(self) -> str:
        count = len(self.order_ids) + len(self.order_numbers)
        return f"{count} selected order{'s' if count != 1 else ''}"


class AccountScope(_Scope):
    """Accounts and their activated orders (Send to Zuora on an account, connector-spec §4.2); the
    accounts' contacts are read too, as an account sync creates them."""

    kind: Literal["accounts"] = "accounts"
    account_ids: tuple[str, ...]

    def describe(self) -> str:
        return f"{len(self.account_ids)} account{'s' if len(self.account_ids) != 1 else ''} and their orders"


class UnsyncedScope(_Scope):
    """Every activated order not yet synced: its write-back status field is blank or one of
    ``pending_values`` (a failed sync is retried)."""

    kind: Literal["unsynced"] = "unsynced"
    status_field: str = "Zuora_Sync_Status__c"
    pending_values: tuple[str, ...] = ("Pending", "Failed")

    @field_validator("status_field")
    @classmethod
    def _is_field_name(cls, value: str) -> str:
        if "." in value:
            raise ValueError("the status field must be a field of Order, not a relationship path")
        return check_identifier(value)

    def describe(self) -> str:
        values = ", ".join(self.pending_values)
        return f"activated orders with {self.status_field} blank" + (f" or {values}" if values else "")

    def where(self) -> str:
        blank = f"{self.status_field} = null"
        status = f"({blank} OR {self.status_field} IN {in_list(self.pending_values)})" if self.pending_values else blank
        return f"Status = 'Activated' AND {status}"


class ChangedSinceScope(_Scope):
    """Activated orders changed (``SystemModstamp``) after a moment (a moment without a UTC offset is
    taken as UTC, never as the machine's local time)."""

    kind: Literal["changed"] = "changed"
    since: datetime

    def describe(self) -> str:
        return f"activated orders changed since {self.since.isoformat()}"


Scope = Annotated[OrderScope | AccountScope | UnsyncedScope | ChangedSinceScope, Field(discriminator="kind")]


class ResolvedScope(BaseModel):
    """The order ids of a scope in sync order, and the accounts an account scope names."""

    order_ids: list[str] = Field(default_factory=list)
    account_ids: list[str] = Field(default_factory=list)
    # order id -> the accounts it ties together (see :mod:`.scope_parts`)
    links: dict[str, tuple[str, ...]] = Field(default_factory=dict)
