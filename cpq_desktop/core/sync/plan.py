"""The sync plan: every Zuora write a sync would make, in order, each with its exact request and reason.

A :class:`SyncPlan` is what a dry run shows and what the executor runs. It is plain data (pydantic,
JSON-serialisable for ``--json``):

- :class:`PlanStep` — one Zuora write: a stable ``step_id`` (``account:001…``, ``catalog:prp:01t…``,
  ``order:801…`` and ``order:801…#2`` for the parts of a split order), the Salesforce record it comes
  from, the request (method, path, JSON body), its reason in words, the steps it must wait for, how to
  find its result in Zuora when the answer is lost (:class:`ResultLookup`), and the values only an
  earlier step can supply (:class:`Placeholder`).
- Placeholders sit in the body as the exact string ``"${<step id>:<output>}"``; :func:`resolve_body`
  swaps them for the outputs the executor recorded for the steps they name (the Zuora account number
  of an account it created, the charge id of a catalog charge it created …).
- Records that cannot be synced are listed once, in :attr:`SyncPlan.problems` (they fail validation)
  or :attr:`SyncPlan.held_back` (they depend on a record that failed or is not in Zuora yet).

What the executor does with a step: wait for ``depends_on``; resolve the body with the outputs of earlier
steps; send ``request.method`` ``request.path`` with ``request.headers`` (the catalog CRUD calls need their
``X-Zuora-WSDL-Version``); poll ``GET /v1/async-jobs/{jobId}`` when ``request.asynchronous``; record the
step's ``outputs`` from the answer — ``accountId``, ``accountNumber``, ``billToContactId``,
``soldToContactId`` of ``POST /v1/accounts``; ``Id`` of a catalog CRUD create; ``id`` of ``POST
/v1/contacts``; ``orderNumber``/``accountNumber``/``subscriptionNumbers`` of an order. When an answer is
lost, ``lookup`` says where the result is found instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StepKind(StrEnum):
    CREATE_ACCOUNT = "create_account"
    UPDATE_ACCOUNT = "update_account"
    CREATE_CONTACT = "create_contact"
    UPDATE_CONTACT = "update_contact"
    CREATE_PRODUCT = "create_product"
    CREATE_PRODUCT_RATE_PLAN = "create_product_rate_plan"
    CREATE_PRODUCT_RATE_PLAN_CHARGE = "create_product_rate_plan_charge"
    CREATE_ORDER = "create_order"


class RecordRef(_Model):
    """The Salesforce record a step or a problem is about."""

    object: str
    id: str
    label: str = ""

    def text(self) -> str:
        return f"{self.object} {self.label or self.id}" + (f" ({self.id})" if self.label else "")


CATALOG_KINDS = frozenset(
    {StepKind.CREATE_PRODUCT, StepKind.CREATE_PRODUCT_RATE_PLAN, StepKind.CREATE_PRODUCT_RATE_PLAN_CHARGE}
)


class Request(_Model):
    method: str
    path: str
    body: dict[str, Any]
    # extra headers the call needs (the catalog CRUD calls name the WSDL version that has the fields sent)
    headers: dict[str, str] = Field(default_factory=dict)
    # async create-order jobs are polled at GET /v1/async-jobs/{jobId} (zuora-api §3.10)
    asynchronous: bool = False


class LookupKind(StrEnum):
    ORDER_NUMBER = "order_number"
    CRM_ID = "crm_id"
    # a contact's crmId__c (a Salesforce Contact Id), or "<Order Id>_billTo|_soldTo" for an address contact
    # (crmOrderId__c and the name suffix)
    CONTACT = "contact"
    EXTERNAL_PLAN_ID = "external_plan_id"
    SKU = "sku"
    CHARGE_OF_PLAN = "charge_of_plan"


class ResultLookup(_Model):
    """How to find what the step created when its answer is lost (connector-spec §4.3)."""

    kind: LookupKind
    value: str
    description: str = ""


class Placeholder(_Model):
    """A body value known only after ``step_id`` ran: its ``output`` (``accountNumber`` …)."""

    token: str
    step_id: str
    output: str
    description: str = ""


_TOKEN = re.compile(r"^\$\{(?P<step>[^}]+):(?P<output>[A-Za-z0-9_]+)\}$")


def token(step_id: str, output: str) -> str:
    """The placeholder string for ``output`` of ``step_id`` (what a request body carries)."""
    return f"${{{step_id}:{output}}}"


def placeholder(step_id: str, output: str, description: str = "") -> Placeholder:
    return Placeholder(token=token(step_id, output), step_id=step_id, output=output, description=description)


def placeholders_in(body: Any) -> list[Placeholder]:
    """Every placeholder token in ``body``, once each, in the order they appear."""
    found: dict[str, Placeholder] = {}

    def walk(value: Any) -> None:
        if isinstance(value, str):
            match = _TOKEN.match(value)
            if match is not None and value not in found:
                found[value] = placeholder(match.group("step"), match.group("output"))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    return list(found.values())


class PlaceholderError(Exception):
    """A placeholder's step produced no such output: the plan and the executor disagree."""


def resolve_body(body: Any, outputs: Mapping[str, Mapping[str, Any]]) -> Any:
    """``body`` with every placeholder token replaced by ``outputs[step_id][output]``."""
    if isinstance(body, str):
        match = _TOKEN.match(body)
        if match is None:
            return body
        step, output = match.group("step"), match.group("output")
        try:
            return outputs[step][output]
        except KeyError:
            raise PlaceholderError(
                f"the request needs '{output}' from step {step}, which has not produced it; run that step first"
            ) from None
    if isinstance(body, dict):
        return {key: resolve_body(value, outputs) for key, value in body.items()}
    if isinstance(body, list):
        return [resolve_body(value, outputs) for value in body]
    return body


class PlanStep(_Model):
    step_id: str
    kind: StepKind
    record: RecordRef
    request: Request
    reason: str
    # one line per order action / line item, for people ("UpdateProduct: quantity 10 → 15 …")
    details: list[str] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)
    lookup: ResultLookup | None = None
    placeholders: list[Placeholder] = Field(default_factory=list)
    # the outputs later steps may ask for (keys of the executor's output record for this step)
    outputs: list[str] = Field(default_factory=list)

    def resolved_body(self, outputs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        resolved: dict[str, Any] = resolve_body(self.request.body, outputs)
        return resolved

    def without_request_body(self) -> PlanStep:
        """What is left of this step once it is written: its identity, record, kind, method, path and
        reason — without the request body, placeholders, details, prerequisites, look-up and outputs,
        which are most of a plan's memory (the ledger and the run log keep what was sent)."""
        request = self.request.model_copy(update={"body": {}, "headers": {}})
        return self.model_copy(
            update={
                "request": request,
                "placeholders": [],
                "details": [],
                "depends_on": [],
                "lookup": None,
                "outputs": [],
            }
        )


class ErrorClass(StrEnum):
    """The connector's error classes (connector-spec §6.2) and the validations it implies."""

    MISSING_BILLING_ADDRESS = "Missing billing address"
    INVALID_REFERENCED_PRODUCTS = "Invalid referenced products"
    NO_MATCHING_RATE_PLAN = "Unable to locate a matching rate plan to amend"
    NO_MATCHING_SUBSCRIPTION = "No matching Subscription for OrderItem"
    MISSING_REVISED_ORDER_PRODUCT = "Missing revised order product"
    MISSING_CONSUMPTION_SCHEDULE = "The Order Product Consumption Schedule could not be found"
    NO_CHARGE_FOR_PRODUCT = "Cannot find the charge for the Product"
    MIXED_CURRENCIES = "Mixed currencies"
    USAGE_WITHOUT_SUBSCRIPTION = "Usage order product without a subscription"
    ORDER_NOT_ACTIVATED = "Order not activated"
    CONTACT_OWNER_MISMATCH = "Contact does not belong to the owner account"
    MAPPING = "Mapping"
    UNREADABLE = "Cannot be read from Salesforce"
    UNSUPPORTED = "Not supported"


class RecordProblem(_Model):
    """A record that fails validation: it is reported and left out; the rest of the plan goes on."""

    record: RecordRef
    error_class: ErrorClass
    message: str


class HeldBack(_Model):
    """A record left out because a record it depends on failed or is not in Zuora yet."""

    record: RecordRef
    reason: str
    blocked_by: RecordRef | None = None


class AlreadyInZuora(_Model):
    """A record in scope that Zuora already has (found by its §4.3 key): nothing is written for it."""

    record: RecordRef
    zuora_key: str


class SyncPlan(_Model):
    profile: str
    scope: str
    steps: list[PlanStep] = Field(default_factory=list)
    problems: list[RecordProblem] = Field(default_factory=list)
    held_back: list[HeldBack] = Field(default_factory=list)
    already_in_zuora: list[AlreadyInZuora] = Field(default_factory=list)
    orders_in_scope: int = 0
    salesforce_api_calls: int = 0
    zuora_lookup_calls: int = 0

    def joined(self, later: SyncPlan) -> SyncPlan:
        """This plan followed by ``later``, a next part of the same sync."""
        return self.model_copy(
            update={
                "steps": [*self.steps, *later.steps],
                "problems": [*self.problems, *later.problems],
                "held_back": [*self.held_back, *later.held_back],
                "already_in_zuora": [*self.already_in_zuora, *later.already_in_zuora],
                "orders_in_scope": self.orders_in_scope + later.orders_in_scope,
                "salesforce_api_calls": self.salesforce_api_calls + later.salesforce_api_calls,
                "zuora_lookup_calls": self.zuora_lookup_calls + later.zuora_lookup_calls,
            }
        )

    def step(self, step_id: str) -> PlanStep:
        for step in self.steps:
            if step.step_id == step_id:
                return step
        raise KeyError(f"no step {step_id!r} in the plan")

    def steps_of(self, kind: StepKind) -> list[PlanStep]:
        return [s for s in self.steps if s.kind is kind]

    @property
    def counts(self) -> dict[str, int]:
        by_kind = Counter(step.kind.value for step in self.steps)
        return {
            "orders_in_scope": self.orders_in_scope,
            "steps": len(self.steps),
            **{kind.value: by_kind.get(kind.value, 0) for kind in StepKind},
            "problems": len(self.problems),
            "held_back": len(self.held_back),
            "already_in_zuora": len(self.already_in_zuora),
        }

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["counts"] = self.counts
        return data
