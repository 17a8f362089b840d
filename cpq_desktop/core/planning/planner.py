"""From a scope of Salesforce records to a :class:`SyncPlan` (connector-spec §4.2's sequence).

:func:`plan_sync` reads the records (:mod:`.source`), looks up what Zuora already has
(:class:`ZuoraLookups`, batched) and calls :func:`plan_graph`, which is pure: records + Zuora state +
mapping in, plan out. Orders are planned in the order they took effect, so an amendment comes after
its original and a stacked amendment after the one before it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.extract import ExtractionProblem, Extractor, Scope
from cpq_desktop.core.extract.gc_pause import cyclic_gc_paused
from cpq_desktop.core.extract.scope_parts import split_scope
from cpq_desktop.core.mapping import (
    DERIVATIONS,
    DerivationContext,
    EffectiveMapping,
    MappingError,
    convert_tier_bounds,
    merge,
    pairs,
    smallest_unit,
)
from cpq_desktop.core.mapping.model import MappingFile
from cpq_desktop.core.mapping.tiers import TierBounds
from cpq_desktop.core.planning.accounts import account_ref, ensure_account, parent_account_id, plan_account_update
from cpq_desktop.core.planning.catalog import active_currencies, product_charge, usage_charge, usage_placeholder_tier
from cpq_desktop.core.planning.contacts import contact_id, plan_contact_updates, plan_other_contacts
from cpq_desktop.core.planning.context import HeldBackError, PlanContext, ZuoraState, ref
from cpq_desktop.core.planning.graph import RecordGraph, graph_from_cpq
from cpq_desktop.core.planning.orders import plan_order
from cpq_desktop.core.planning.pricing import number
from cpq_desktop.core.salesforce.connection import SalesforceConnection
from cpq_desktop.core.sync.plan import CATALOG_KINDS, ErrorClass, RecordProblem, RecordRef, SyncPlan
from cpq_desktop.core.zuora.client import ZuoraClient
from cpq_desktop.core.zuora.lookups import IN_BATCH, ZuoraAccount, ZuoraLookups

Record = Mapping[str, Any]


def _path(record: Record, *names: str) -> Any:
    value: Any = record
    for name in names:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _owner(ctx: PlanContext, order: Any, field: str) -> str | None:
    """The Zuora account number for an owner lookup of ``order``, when it names another account."""
    if not isinstance(order, Mapping):
        return None
    owner = order.get(field)
    if not owner or owner == order.get("AccountId"):
        return None
    value, step = account_ref(ctx, str(owner))
    ctx.depend(step)
    return value


def _decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@dataclass
class _TierCursor:
    """The tier being mapped: the tier derivations read it (set once per rate, no registry copies)."""

    tier: TierBounds | None = None

    def number(self, record: Record, context: DerivationContext) -> Any:
        return self.tier.tier if self.tier else None

    def starting(self, record: Record, context: DerivationContext) -> Any:
        return number(self.tier.starting_unit) if self.tier else None

    def ending(self, record: Record, context: DerivationContext) -> Any:
        return number(self.tier.ending_unit) if self.tier else None


def _usage_tiers(ctx: PlanContext, cursor: _TierCursor, schedule: Record) -> list[dict[str, Any]]:
    rates = ctx.graph.rates_of(str(schedule["Id"]))
    bounds = [
        (
            Decimal(str(r.get("SBQQ__LowerBound__c") or 0)),
            None if r.get("SBQQ__UpperBound__c") is None else Decimal(str(r["SBQQ__UpperBound__c"])),
        )
        for r in rates
    ]
    places = max((_decimal_places(b) for pair in bounds for b in pair if b is not None), default=0)
    converted = convert_tier_bounds(
        bounds, unit=smallest_unit(places), increment_upper_bound=ctx.options.increment_tier_upper_bound
    )
    tiers = []
    for rate, tier in zip(rates, converted, strict=True):
        cursor.tier = tier
        try:
            values = ctx.apply(pairs.USAGE_TIER.id, rate)
        finally:
            cursor.tier = None
        values.pop("cap", None)
        for key in ("price", "startingUnit", "endingUnit"):
            if key in values:
                values[key] = number(values[key])
        tiers.append({k: v for k, v in values.items() if v is not None})
    return tiers


def _list_price_base_months(record: Record, context: DerivationContext) -> Any:
    original = DERIVATIONS.get("list_price_base_months")
    assert original is not None
    assert original.func is not None
    try:
        return original.func(record, context)
    except MappingError:
        return None  # a partial month: the charge goes without list price base (connector-spec §3.10)


def _order_of(record: Record) -> Any:
    """The order of a subscription (through its order product) or of an order product."""
    return _path(record, "SBQQ__OrderProduct__r", "Order") or record.get("Order")


def _provide(ctx: PlanContext) -> None:
    cursor = _TierCursor()

    def charge_id(record: Record, _: DerivationContext) -> str:
        charge = product_charge(ctx, str(record.get("Product2Id") or ""))
        ctx.depend(charge.depends_on)
        return charge.charge_id

    def schedule_id(record: Record, _: DerivationContext) -> str:
        charge, link = usage_charge(
            ctx,
            str(_path(record, "SBQQ__OrderItem__r", "Product2Id") or ""),
            str(record.get("SBQQ__ConsumptionSchedule__c") or ""),
        )
        ctx.depend(charge.depends_on)
        return link

    def account_number(record: Record, _: DerivationContext) -> str:
        value, step = account_ref(ctx, str(record.get("AccountId") or ""))
        ctx.depend(step)
        return value

    def subscription_order(record: Record) -> Any:
        return _path(record, "SBQQ__OrderProduct__r", "Order")

    ctx.derivations = DERIVATIONS.provide(
        zuora_account_number=account_number,
        zuora_parent_account_id=lambda r, _: parent_account_id(ctx, dict(r)),
        subscription_owner_account_number=lambda r, _: _owner(ctx, subscription_order(r), "SubscriptionOwner__c"),
        invoice_owner_account_number=lambda r, _: _owner(ctx, subscription_order(r), "InvoiceOwner__c"),
        order_line_item_invoice_owner_account_number=lambda r, _: _owner(ctx, r.get("Order"), "InvoiceOwner__c"),
        order_line_item_owner_account_number=lambda r, _: _owner(ctx, r.get("Order"), "SubscriptionOwner__c"),
        bill_to_contact_id=lambda r, _: contact_id(ctx, _order_of(r), "billTo"),
        sold_to_contact_id=lambda r, _: contact_id(ctx, _order_of(r), "soldTo"),
        product_rate_plan_charge_id=charge_id,
        product_consumption_schedule_id=schedule_id,
        usage_tiers=lambda r, _: _usage_tiers(ctx, cursor, r),
        tier_number=cursor.number,
        tier_starting_unit=cursor.starting,
        tier_ending_unit=cursor.ending,
        active_currencies=lambda r, _: active_currencies(ctx, str(r.get("Id") or "")),
        usage_placeholder_tier=lambda r, _: usage_placeholder_tier(ctx, dict(r)),
        list_price_base_months=_list_price_base_months,
    )


class Planner:
    """Plans a scope part by part (:mod:`cpq_desktop.core.extract.scope_parts`) with one context: each call
    of :meth:`plan` takes a part's records and what Zuora has of them, and returns the steps that part
    adds. The catalog planned for one part is reused by the next (a product is created once per sync);
    a part's accounts, orders and contacts are its own, so its records are let go once it is planned."""

    def __init__(
        self,
        *,
        profile: str,
        scope: str,
        options: ConnectorOptions,
        mapping: EffectiveMapping | None = None,
        default_currency: str = "USD",
    ) -> None:
        self.scope = scope
        self.ctx = PlanContext(
            profile=profile,
            graph=RecordGraph(),
            mapping=mapping if mapping is not None else merge(MappingFile()),
            options=options,
            zuora=ZuoraState(),
            default_currency=default_currency,
            multi_currency=False,
        )
        _provide(self.ctx)

    def plan(self, graph: RecordGraph, zuora: ZuoraState) -> SyncPlan:
        """The plan for the scope orders (and accounts) in ``graph``, given what ``zuora`` has of them."""
        ctx = self.ctx
        # catalog products found for an earlier part stay known (the look-ups ask only for new SKUs)
        zuora.products = {**ctx.zuora.products, **zuora.products}
        zuora.index()
        ctx.graph, ctx.zuora = graph, zuora
        ctx.multi_currency = ctx.multi_currency or any("CurrencyIsoCode" in order for order in graph.all("Order"))
        ctx.parents |= {str(a["ParentId"]) for a in graph.all("Account") if a.get("ParentId")}
        marks = (len(ctx.steps), len(ctx.problems), len(ctx.held_back), len(ctx.already))
        scope_orders = sorted(
            (o for o in graph.all("Order") if str(o["Id"]) in graph.scope_order_ids), key=graph.order_sort_key
        )
        named = graph.scope_account_ids
        with_orders = {str(o["AccountId"]) for o in scope_orders if o.get("AccountId")}
        accounts = list(dict.fromkeys([*named, *(str(o["AccountId"]) for o in scope_orders if o.get("AccountId"))]))
        for account_id in accounts:
            if account_id in zuora.accounts:
                plan_account_update(ctx, account_id)
            elif account_id in named and account_id not in with_orders:
                _ensure_named(ctx, account_id)
        for order in scope_orders:
            plan_order(ctx, order)
        for account_id in named:
            # an account whose orders all failed is still created, as Send to Zuora on it would
            created = account_id in zuora.accounts or ctx.has_step(ctx.inline_accounts.get(account_id))
            if not created and account_id in with_orders and account_id not in ctx.failed:
                _ensure_named(ctx, account_id)
        plan_contact_updates(ctx)
        plan_other_contacts(ctx, accounts)
        steps, problems, held_back, already = marks
        new_steps = list(ctx.steps.values())[steps:]
        # later parts ask only whether these steps exist, and read the catalog's bodies
        for step in new_steps:
            if step.kind not in CATALOG_KINDS:
                del ctx.steps[step.step_id]
                ctx.handed_on.add(step.step_id)
        # a new account's body goes into the order creating it, planned in this part; later orders of
        # the account refer to that order's answer
        ctx.inline_bodies.clear()
        return SyncPlan(
            profile=ctx.profile,
            scope=self.scope,
            steps=new_steps,
            problems=ctx.problems[problems:],
            held_back=ctx.held_back[held_back:],
            already_in_zuora=ctx.already[already:],
            orders_in_scope=len(scope_orders),
        )


def plan_graph(
    graph: RecordGraph,
    zuora: ZuoraState,
    *,
    profile: str,
    scope: str,
    options: ConnectorOptions,
    mapping: EffectiveMapping | None = None,
    default_currency: str = "USD",
) -> SyncPlan:
    """The plan for the scope's orders (and accounts) in ``graph``, given what ``zuora`` already has."""
    planner = Planner(profile=profile, scope=scope, options=options, mapping=mapping, default_currency=default_currency)
    return planner.plan(graph, zuora)


def _ensure_named(ctx: PlanContext, account_id: str) -> None:
    record = ctx.graph.get("Account", account_id)
    try:
        ensure_account(ctx, account_id)
    except HeldBackError as exc:
        if account_id not in ctx.failed and record is not None:
            ctx.hold(ref("Account", record, "Name"), exc.reason, exc.blocked_by)


class AccountsAhead:
    """Zuora accounts by CRM ID for a sync read in parts: each part asks for its own accounts, and the last
    ``IN`` batch is filled up with accounts of later parts (known from the scope's resolution), so the
    parts together cost the calls of one look-up of the whole scope. A later part's accounts are not
    written by an earlier one (parts share no account), so what was found ahead stays true."""

    def __init__(self, lookups: ZuoraLookups, upcoming: Iterable[str] = ()) -> None:
        self._lookups = lookups
        self._upcoming = list(dict.fromkeys(upcoming))
        self._next = 0
        self._asked: set[str] = set()
        self._found: dict[str, ZuoraAccount] = {}

    def find(self, crm_ids: Iterable[str]) -> dict[str, ZuoraAccount]:
        wanted = sorted(set(crm_ids))
        missing = [a for a in wanted if a not in self._asked]
        if missing:
            ahead: list[str] = []
            while (len(missing) + len(ahead)) % IN_BATCH and self._next < len(self._upcoming):
                candidate = self._upcoming[self._next]
                self._next += 1
                if candidate not in self._asked and candidate not in missing:
                    ahead.append(candidate)
            self._found.update(self._lookups.accounts_by_crm_id([*missing, *ahead]))
            self._asked.update(missing, ahead)
        return {a: self._found[a] for a in wanted if a in self._found}


def lookup_zuora(
    lookups: ZuoraLookups,
    graph: RecordGraph,
    asked_skus: Collection[str] = (),
    accounts: AccountsAhead | None = None,
) -> ZuoraState:
    """What Zuora has of the graph's accounts, their subscriptions, the catalog and amendment orders (the
    catalog only for SKUs not in ``asked_skus``, those an earlier part of the sync looked up)."""
    state = ZuoraState()
    state.accounts = (accounts or AccountsAhead(lookups)).find(graph.ids("Account"))
    skus = {str(p.get("ProductCode") or "").strip() for p in graph.all("Product2")}
    state.products = lookups.products_by_sku(sorted(s for s in skus if s and s not in asked_skus))
    crm_of = {a.id: crm_id for crm_id, a in state.accounts.items()}
    unlinked: dict[str, list[Record]] = {}
    for contact in lookups.contacts_of_accounts(a.id for a in state.accounts.values()):
        state.contact_rows[str(contact["id"])] = contact
        if contact.get("crmId__c"):
            state.contacts.setdefault(str(contact["crmId__c"]), str(contact["id"]))
        elif contact.get("crmOrderId__c"):
            suffix = "_billTo" if str(contact.get("firstName") or "").endswith("_billTo") else "_soldTo"
            state.order_contacts.setdefault((str(contact["crmOrderId__c"]), suffix), str(contact["id"]))
        elif str(contact.get("accountId")) in crm_of:
            unlinked.setdefault(crm_of[str(contact["accountId"])], []).append(contact)
    _link_account_contacts(state, graph, unlinked)
    state.index()
    account_ids = set(state.accounts)
    unproven: list[str] = []
    for order in graph.all("Order"):
        if str(order.get("AccountId")) not in account_ids:
            continue  # a new account has no orders yet
        items = graph.items_of(str(order["Id"]))
        new_lines = [
            i
            for i in items
            if i.get("SBQQ__Subscription__c")
            and not i.get("SBQQ__RevisedOrderProduct__c")
            and str(i.get("SBQQ__ContractAction__c") or "") != "Renew"
        ]
        if new_lines and any(str(i["Id"]) in state.rate_plans for i in new_lines):
            continue
        if order.get("OrderNumber"):
            unproven.append(str(order["OrderNumber"]))
    state.existing_orders = lookups.orders_by_number(unproven)
    return state


def _link_account_contacts(state: ZuoraState, graph: RecordGraph, unlinked: Mapping[str, list[Record]]) -> None:
    """Salesforce Contacts that became an account's default Bill To / Sold To inside the order creating it
    (the Orders API's account contacts carry no ``crmId__c``), found by name and email among the account's
    contacts without a CRM id — so a later plan sends them as that default, not as a new contact."""
    for contact in graph.all("Contact"):
        contact_id = str(contact.get("Id") or "")
        candidates = unlinked.get(str(contact.get("AccountId") or ""))
        if not candidates or contact_id in state.contacts:
            continue
        wanted = (contact.get("FirstName"), contact.get("LastName"), contact.get("Email"))
        match = next(
            (c for c in candidates if (c.get("firstName"), c.get("lastName"), c.get("workEmail")) == wanted), None
        )
        if match is not None:
            state.contacts[contact_id] = str(match["id"])


def _extraction_problem(problem: ExtractionProblem) -> RecordProblem:
    return RecordProblem(
        record=RecordRef(object=problem.sobject, id=problem.record_id or ""),
        error_class=ErrorClass.UNREADABLE,
        message=problem.message,
    )


@dataclass(frozen=True)
class PartSizes:
    """How many orders the parts of a sync hold (:func:`cpq_desktop.core.extract.scope_parts.split_scope`):
    a small first part, so that writing starts within seconds, then each part ``growth`` times the one
    before, up to ``most``: parts of a few hundred orders keep the next one ready before the writes run
    dry, and what one part holds in memory small."""

    first: int = 100
    growth: float = 1.5
    most: int = 300


def plan_parts(
    salesforce: SalesforceConnection,
    zuora: ZuoraClient,
    *,
    profile: str,
    scope: Scope,
    options: ConnectorOptions,
    mapping: EffectiveMapping | None = None,
    sizes: PartSizes | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[SyncPlan]:
    """The plan of ``scope``, one part at a time: each part is looked up in Zuora and planned only when the
    one before has been taken (so a caller can write a part while the next is planned), and read from
    Salesforce one part ahead, in a thread of its own.
    Nothing is written anywhere. The parts' steps together are the whole scope's plan. Once
    ``cancelled()`` is true no further part is read (one being read stops with
    :class:`~cpq_desktop.core.extract.ExtractionCancelled`)."""
    sizes = sizes or PartSizes()
    mapping = mapping if mapping is not None else merge(MappingFile())
    sf_before = salesforce.api_calls
    extractor = Extractor(salesforce, mapping=mapping, options=options)
    resolved, problems = extractor.resolve(scope)
    parts = split_scope(resolved, first=sizes.first, growth=sizes.growth, most=sizes.most)
    planner = Planner(
        profile=profile,
        scope=scope.describe(),
        options=options,
        mapping=mapping,
        default_currency=extractor.default_currency(),
    )
    lookups = ZuoraLookups(zuora)
    accounts = AccountsAhead(lookups, (a for p in parts for links in p.links.values() for a in links))
    asked_skus: set[str] = set()
    resolution_calls = salesforce.api_calls - sf_before

    def read(index: int) -> _PartRead:
        part = parts[index]
        what = scope.describe() if len(parts) == 1 else f"part {index + 1} of {len(parts)} of {scope.describe()}"
        before = salesforce.api_calls
        with cyclic_gc_paused():  # the part's records stay alive until it is planned: collections only re-walk them
            # Bulk API 2.0 only for a part above the threshold (one account group that large): a Bulk
            # query waits for its job, about a second, which a part of a few hundred orders cannot afford
            bulk = len(part.order_ids) > extractor.settings.bulk_threshold
            extraction = extractor.read(part, bulk=bulk, what=what, cancelled=cancelled)
            graph = graph_from_cpq(extraction.graph)
        return _PartRead(graph, extraction.problems, salesforce.api_calls - before)

    # the next part is read from Salesforce while this one is looked up in Zuora and planned
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as reader:
        ahead: Future[_PartRead] | None = reader.submit(read, 0)
        for index in range(len(parts)):
            if ahead is None or (cancelled is not None and cancelled()):
                return
            taken = ahead.result()
            ahead = reader.submit(read, index + 1) if index + 1 < len(parts) else None
            lookup_calls = lookups.calls
            with cyclic_gc_paused():
                state = lookup_zuora(lookups, taken.graph, asked_skus, accounts)
                asked_skus |= {str(p.get("ProductCode") or "").strip() for p in taken.graph.all("Product2")}
                plan = planner.plan(taken.graph, state)
            plan.problems[:0] = [_extraction_problem(p) for p in [*problems, *taken.problems]]
            problems = []
            plan.salesforce_api_calls = taken.salesforce_calls + resolution_calls
            resolution_calls = 0
            plan.zuora_lookup_calls = lookups.calls - lookup_calls
            yield plan


@dataclass
class _PartRead:
    """One part as read from Salesforce: its records, what could not be read, and the calls it took."""

    graph: RecordGraph
    problems: list[ExtractionProblem]
    salesforce_calls: int


def plan_sync(
    salesforce: SalesforceConnection,
    zuora: ZuoraClient,
    *,
    profile: str,
    scope: Scope,
    options: ConnectorOptions,
    mapping: EffectiveMapping | None = None,
    sizes: PartSizes | None = None,
) -> SyncPlan:
    """Read the scope from Salesforce, look up Zuora, and plan — without writing anything anywhere. The
    plan is planned in the same parts as a sync writes it, so a dry run shows exactly what a sync sends."""
    whole: SyncPlan | None = None
    for part in plan_parts(
        salesforce, zuora, profile=profile, scope=scope, options=options, mapping=mapping, sizes=sizes
    ):
        whole = part if whole is None else whole.joined(part)
    assert whole is not None  # split_scope gives at least one part
    return whole
