"""Per-order working state shared by the order engine and its actions: dates, drafts, tokens, lookups."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from cpq_desktop.sandbox.zuora.errors import RES_ACCOUNT, ApiError
from cpq_desktop.sandbox.zuora.orders_directory import AccountInfo, CatalogPlan, Directory
from cpq_desktop.sandbox.zuora.orders_schema import RES_ORDER_ACTION, RES_SUBSCRIPTION
from cpq_desktop.sandbox.zuora.settings import TenantSettings
from cpq_desktop.sandbox.zuora.store import TenantStore, new_id
from cpq_desktop.sandbox.zuora.subscriptions import SubscriptionBook
from cpq_desktop.sandbox.zuora.validation import parse_date

FORBIDDEN_CHARACTERS = ("#", "?", "/")
ACTIVE = "Active"
CANCELLED = "Cancelled"
SUSPENDED = "Suspended"
PENDING_ACTIVATION = "Pending Activation"
PENDING_ACCEPTANCE = "Pending Acceptance"
REMOVED = "Remove"


def bad(resource: int, category: int, message: str) -> ApiError:
    return ApiError.of(resource, category, message)


@dataclass
class ActionDates:
    contract_effective: dt.date
    service_activation: dt.date | None
    customer_acceptance: dt.date | None

    @property
    def pending(self) -> bool:
        return self.service_activation is None or self.customer_acceptance is None


@dataclass
class Draft:
    """A subscription being changed by this order: the new version's document and where it came from."""

    doc: dict[str, Any]
    base_version: int | None


class OrderContext:
    """Per-order working state: drafts, unique tokens, generated numbers."""

    def __init__(
        self,
        db: sqlite3.Connection,
        store: TenantStore,
        directory: Directory,
        settings: TenantSettings,
        order_date: dt.date,
        today: dt.date,
    ) -> None:
        self.db = db
        self.store = store
        self.directory = directory
        self.settings = settings
        self.order_date = order_date
        self.today = today
        self.book = SubscriptionBook(db)
        self.drafts: dict[str, Draft] = {}
        self.plan_tokens: dict[str, tuple[str, str]] = {}
        self.charge_tokens: dict[str, tuple[str, str]] = {}
        self.subscription_tokens: dict[str, str] = {}
        self.accounts: dict[str, AccountInfo] = {}
        self.plans: dict[tuple[str, str], list[CatalogPlan]] = {}
        self.pending = False
        # Subscriptions with a charge triggered on a specific date that was not given.
        self.pending_charges: set[str] = set()

    def number(self, counter: str, fmt: str, taken: Any) -> str:
        while True:
            candidate = fmt % self.store.next_number(self.db, counter)
            if not taken(candidate):
                return candidate

    def account(self, key: str, field_name: str, resource: int = RES_ACCOUNT) -> AccountInfo:
        found = self.accounts.get(key)
        if found is None:
            found = self.directory.account(self.db, key)
            if found is None:
                raise bad(
                    resource,
                    40,
                    f"The account '{key}' given in '{field_name}' does not exist. "
                    "Create the account first or correct the account number.",
                )
            self.accounts[key] = found
        return found

    def find_plans(self, kind: str, key: str) -> list[CatalogPlan]:
        cached = self.plans.get((kind, key))
        if cached is None:
            if kind == "id":
                cached = self.directory.plans(self.db, plan_id=key)
            elif kind == "number":
                cached = self.directory.plans(self.db, number=key)
            else:
                cached = self.directory.plans(self.db, external_id=key)
            self.plans[(kind, key)] = cached
        return cached


def iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def to_date(value: str | None) -> dt.date | None:
    return None if value is None else parse_date(value)


def check_number(value: str | None, name: str, resource: int) -> None:
    if value is not None and any(ch in value for ch in FORBIDDEN_CHARACTERS):
        raise bad(resource, 20, f"'{name}' '{value}' contains a character that is not allowed: # ? /")


def action_dates(ctx: OrderContext, action: dict[str, Any], at: str) -> ActionDates:
    given: dict[str, dt.date] = {}
    for trigger in action.get("triggerDates") or []:
        if trigger["name"] in given:
            raise bad(RES_ORDER_ACTION, 30, f"The trigger date '{trigger['name']}' is given twice (in {at}).")
        day = parse_date(trigger["triggerDate"])
        assert day is not None
        given[trigger["name"]] = day
    effective = given.get("ContractEffective", ctx.order_date)
    activation = given.get("ServiceActivation")
    if activation is None and not ctx.settings.require_service_activation:
        activation = effective
    acceptance = given.get("CustomerAcceptance")
    if acceptance is None and not ctx.settings.require_customer_acceptance:
        acceptance = activation or effective
    return ActionDates(effective, activation, acceptance)


def activation_status(dates: ActionDates) -> str:
    if dates.service_activation is None:
        return PENDING_ACTIVATION
    if dates.customer_acceptance is None:
        return PENDING_ACCEPTANCE
    return ACTIVE


def load_draft(ctx: OrderContext, number: str, where: str) -> Draft:
    draft = ctx.drafts.get(number)
    if draft is not None:
        return draft
    stored = ctx.book.latest(number)
    if stored is None:
        raise bad(RES_SUBSCRIPTION, 40, f"The subscription '{number}' does not exist (in {where}).")
    doc = json.loads(json.dumps(stored.doc))
    doc["id"] = new_id()
    doc["version"] = stored.version + 1
    for rp in doc["ratePlans"]:
        rp["id"] = new_id()
        for charge in rp["ratePlanCharges"]:
            charge["id"] = new_id()
            # The previous version's metrics, to report the change (dmrc/dtcv) of this version.
            charge["_baseMrr"], charge["_baseTcv"] = charge.get("mrr", 0.0), charge.get("tcv", 0.0)
    draft = Draft(doc, stored.version)
    ctx.drafts[number] = draft
    return draft
