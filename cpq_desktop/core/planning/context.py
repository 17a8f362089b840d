"""What every part of the planner shares: the records, the mapping, what Zuora has, and the plan so far."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.mapping import (
    DERIVATIONS,
    DerivationRegistry,
    EffectiveMapping,
    MappingError,
    MappingRow,
    apply_rows,
)
from cpq_desktop.core.planning.catalog_ref import ChargeRef
from cpq_desktop.core.planning.graph import RecordGraph
from cpq_desktop.core.sync.plan import (
    AlreadyInZuora,
    ErrorClass,
    HeldBack,
    PlanStep,
    RecordProblem,
    RecordRef,
)
from cpq_desktop.core.zuora.lookups import CatalogProduct, ZuoraAccount, ZuoraRatePlan, ZuoraSubscription


class RecordFailed(Exception):
    """A record cannot be planned; carries the problem to report (the rest of the plan goes on)."""

    def __init__(self, error_class: ErrorClass, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message


class HeldBackError(Exception):
    """A record must wait for another one (failed, or not in Zuora yet)."""

    def __init__(self, reason: str, blocked_by: RecordRef | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.blocked_by = blocked_by


@dataclass
class ZuoraState:
    """What the look-ups found in Zuora, indexed the way the planner asks."""

    accounts: dict[str, ZuoraAccount] = field(default_factory=dict)  # by CRM ID
    products: dict[str, CatalogProduct] = field(default_factory=dict)  # by SKU
    existing_orders: set[str] = field(default_factory=set)
    contacts: dict[str, str] = field(default_factory=dict)  # Zuora contact id by crmId__c
    contact_rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # Object Query rows by Zuora id
    order_contacts: dict[tuple[str, str], str] = field(default_factory=dict)  # by (Order Id, _billTo|_soldTo)
    rate_plans: dict[str, tuple[ZuoraAccount, ZuoraSubscription, ZuoraRatePlan]] = field(default_factory=dict)

    def index(self) -> None:
        self.rate_plans = {}
        for account in self.accounts.values():
            for subscription in account.subscriptions:
                for plan in subscription.rate_plans:
                    if plan.externally_managed_plan_id:
                        self.rate_plans.setdefault(plan.externally_managed_plan_id, (account, subscription, plan))


@dataclass
class PlannedLine:
    """A Zuora rate plan an amendment can target: found in Zuora or created earlier in this plan."""

    subscription_number: str
    rate_plan_id: str | None  # the Zuora id when it is in Zuora
    product_id: str | None  # the external catalog plan id, which identifies a plan still being created
    charge_number: str | None
    charge: ChargeRef
    quantity: float | None
    price: float | None
    step_id: str | None = None
    # (period, periodType) the subscription renews with, when the plan knows it
    renewal_term: tuple[int, str] | None = None

    def identifier(self) -> dict[str, str]:
        if self.rate_plan_id:
            return {"ratePlanId": self.rate_plan_id}
        return {"externalCatalogPlanId": self.product_id or ""}


def ref(sobject: str, record: Mapping[str, Any], label_field: str | None = None) -> RecordRef:
    label = str(record.get(label_field) or "") if label_field else ""
    return RecordRef(object=sobject, id=str(record.get("Id") or ""), label=label)


@dataclass
class PlanContext:
    profile: str
    graph: RecordGraph
    mapping: EffectiveMapping
    options: ConnectorOptions
    zuora: ZuoraState
    default_currency: str
    multi_currency: bool
    derivations: DerivationRegistry = DERIVATIONS
    steps: dict[str, PlanStep] = field(default_factory=dict)
    # steps of parts already handed on (not kept: later parts only ask whether they exist)
    handed_on: set[str] = field(default_factory=set)
    problems: list[RecordProblem] = field(default_factory=list)
    held_back: list[HeldBack] = field(default_factory=list)
    already: list[AlreadyInZuora] = field(default_factory=list)
    # records that failed or were held back, by Salesforce id -> their ref (dependents wait on them)
    failed: dict[str, RecordRef] = field(default_factory=dict)
    # step ids a mapping derivation asked for while the current request was being built
    pending_dependencies: list[str] = field(default_factory=list)
    # what the plan knows of each Zuora rate plan it amends, by anchor OrderItem id
    lines: dict[str, PlannedLine] = field(default_factory=dict)
    # per Zuora subscription number: the anchors of its rate plans, the last step writing it, and
    # the Salesforce account billed for it (to see an invoice owner change)
    subscription_anchors: dict[str, set[str]] = field(default_factory=dict)
    closed_anchors: set[str] = field(default_factory=set)
    last_step: dict[str, str] = field(default_factory=dict)
    invoice_owner: dict[str, str] = field(default_factory=dict)
    # the order being planned (its id and step id): a new account of that order is created inside it
    current_order: str | None = None
    current_step: str | None = None
    # new accounts created inside an order (``newAccount``): Salesforce account id -> the order's step id,
    # and the ``newAccount`` body to send
    inline_accounts: dict[str, str] = field(default_factory=dict)
    inline_bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    # accounts another account names as parent: they are created on their own (a child needs their id)
    parents: set[str] = field(default_factory=set)
    # what a new account's default Bill To / Sold To is, by (Salesforce account id, "billTo"|"soldTo"):
    # ("contact", Contact Id) or ("address", the address's parts)
    default_contacts: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    _rows: dict[str, list[MappingRow]] = field(default_factory=dict)

    @contextmanager
    def collecting(self) -> Iterator[list[str]]:
        """Collect the steps derivations ask for while one request is built (nesting-safe)."""
        previous = self.pending_dependencies
        self.pending_dependencies = []
        try:
            yield self.pending_dependencies
        finally:
            self.pending_dependencies = previous

    def depend(self, step_id: str | None) -> None:
        if step_id is not None and step_id not in self.pending_dependencies:
            self.pending_dependencies.append(step_id)

    def has_step(self, step_id: str | None) -> bool:
        """Whether the plan has step ``step_id``, in this part or one handed on before."""
        return step_id is not None and (step_id in self.steps or step_id in self.handed_on)

    def add_step(self, step: PlanStep) -> PlanStep:
        self.steps[step.step_id] = step
        return step

    def fail(self, record: RecordRef, error_class: ErrorClass, message: str) -> None:
        self.problems.append(RecordProblem(record=record, error_class=error_class, message=message))
        self.failed[record.id] = record

    def hold(self, record: RecordRef, reason: str, blocked_by: RecordRef | None = None) -> None:
        self.held_back.append(HeldBack(record=record, reason=reason, blocked_by=blocked_by))
        self.failed[record.id] = record

    def rows(self, pair_id: str) -> list[MappingRow]:
        """The rows of a section in use under the plan's options (worked out once per plan)."""
        if pair_id not in self._rows:
            self._rows[pair_id] = self.mapping.rows(pair_id, self.options)
        return self._rows[pair_id]

    def apply(self, pair_id: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """The mapping section ``pair_id`` applied to ``record``; a mapping error fails the record."""
        try:
            return apply_rows(
                self.rows(pair_id), record, pair_id=pair_id, options=self.options, derivations=self.derivations
            )
        except MappingError as exc:
            raise RecordFailed(ErrorClass.MAPPING, str(exc)) from None

    def apply_targets(self, pair_id: str, record: Mapping[str, Any], prefix: str) -> dict[str, Any]:
        """Like :meth:`apply`, with only the rows whose target starts with ``prefix`` (no other derivation
        runs, so nothing else gets planned as a side effect)."""
        rows = [row for row in self.rows(pair_id) if row.target.startswith(prefix)]
        try:
            return apply_rows(rows, record, pair_id=pair_id, options=self.options, derivations=self.derivations)
        except MappingError as exc:
            raise RecordFailed(ErrorClass.MAPPING, str(exc)) from None

    def currency_of(self, record: Mapping[str, Any]) -> str:
        value = record.get("CurrencyIsoCode")
        return str(value) if value else self.default_currency
