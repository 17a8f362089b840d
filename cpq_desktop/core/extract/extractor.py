"""Read the CPQ graph of a scope out of Salesforce in a handful of batched queries.

Per batch of orders (as many ids as fit the request, see :mod:`.soql`):

1. ``Order`` by id, with its account (and the account's parent), owner accounts, bill-to and ship-to
   contacts, opportunity, quote, contract and amended/renewed contract as relationship paths;
2. ``OrderItem`` by order id, with its product and its CPQ subscription as relationship paths.

Then, once for the whole scope: the originals the amendments and renewals refer to, even outside the
scope (revised order products, every revision of their chains, the orders that created the amended or
renewed contracts); the order products' consumption schedules with their rates; parent accounts not yet
read; for an account scope the accounts themselves and their contacts; and the catalog side of usage
products (product consumption schedules and their rates) once per distinct product. Never one query per
record. Above a configurable number of orders the same queries run through Bulk API 2.0.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.cpq.graph import CpqGraph
from cpq_desktop.core.cpq.models import (
    Account,
    ConsumptionRate,
    ConsumptionSchedule,
    Contact,
    Contract,
    Opportunity,
    Order,
    OrderItem,
    OrderItemConsumptionRate,
    OrderItemConsumptionSchedule,
    Organization,
    PricebookEntry,
    Product,
    ProductConsumptionSchedule,
    Quote,
    Subscription,
)
from cpq_desktop.core.cpq.records import SfRecord
from cpq_desktop.core.extract.describe import OrgDescribe, describe_for
from cpq_desktop.core.extract.fields import ORGANIZATION_FIELDS, FieldPlanner, SelectPlan
from cpq_desktop.core.extract.gc_pause import cyclic_gc_paused
from cpq_desktop.core.extract.problems import ExtractionProblem
from cpq_desktop.core.extract.queries import Progress, QueryRunner
from cpq_desktop.core.extract.retry import RetryingCall
from cpq_desktop.core.extract.scope import (
    SYNC_ORDER,
    AccountScope,
    ChangedSinceScope,
    OrderScope,
    ResolvedScope,
    Scope,
    UnsyncedScope,
)
from cpq_desktop.core.extract.scope_parts import LINK_PATHS, linked_accounts
from cpq_desktop.core.extract.soql import datetime_literal, is_record_id, to18
from cpq_desktop.core.mapping.effective import EffectiveMapping, merge
from cpq_desktop.core.mapping.model import MappingFile
from cpq_desktop.core.salesforce.connection import SalesforceConnection

RATES_RELATIONSHIP = "SBQQ__OrderItemConsumptionRates__r"
log = logging.getLogger(__name__)


class ExtractionSettings(BaseModel):
    """Knobs of the extraction (defaults suit real orgs)."""

    bulk_threshold: int = Field(default=5000, ge=0, description="use Bulk API 2.0 above this many orders")
    max_ids_per_query: int = Field(default=500, ge=1, description="largest IN list of a REST query")
    bulk_max_ids_per_query: int = Field(default=4000, ge=1, description="largest IN list of a Bulk query")
    bulk_poll_wait_s: float = Field(
        default=0.5, ge=0, description="seconds before the first Bulk job status poll (simple-salesforce backs off)"
    )
    retries: int = Field(default=2, ge=0, description="repeats of a read after a dropped connection or a 5xx")
    retry_backoff_s: float = Field(default=0.5, ge=0, description="wait before the first repeat (doubling)")


class ExtractionResult(BaseModel):
    """The graph, what could not be read, and what the extraction cost."""

    graph: CpqGraph
    problems: list[ExtractionProblem] = Field(default_factory=list)
    api_calls: int = 0
    queries: int = 0
    used_bulk: bool = False
    left_out_fields: list[str] = Field(default_factory=list)

    @property
    def order_count(self) -> int:
        return len(self.graph.scope_order_ids)


def _nested(raw: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    node: Any = raw
    for part in prefix.rstrip(".").split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return dict(node) if isinstance(node, Mapping) else None


def _shape(paths: Iterable[str]) -> dict[str, Any]:
    """The nesting of ``paths`` as a tree of lower-cased names (leaves are empty dicts)."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part.lower(), {})
    return tree


def _cut(raw: Mapping[str, Any], tree: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "attributes":
            out[key] = value
            continue
        branch = tree.get(key.lower())
        if branch is None:
            continue
        out[key] = _cut(value, branch) if branch and isinstance(value, Mapping) else value
    return out


def _covers(full: Mapping[str, Any], part: Mapping[str, Any]) -> bool:
    """Does ``full`` hold every value of ``part`` (nested records compared the same way)?"""
    for key, value in part.items():
        if key not in full:
            return False
        have = full[key]
        if isinstance(value, Mapping) and isinstance(have, Mapping):
            if have is not value and not _covers(have, value):
                return False
        elif have != value:
            return False
    return True


def _reaches(tree: Mapping[str, Any], target: Mapping[str, Any]) -> bool:
    """Is ``target`` ``tree`` itself or one of the records nested in it?"""
    stack: list[Mapping[str, Any]] = [tree]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node is target:
            return True
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(v for k, v in node.items() if k != "attributes" and isinstance(v, Mapping))
    return False


class Extractor:
    """Scope resolution and extraction over one Salesforce connection.

    ``mapping`` decides which fields are read besides the connector's own (the shipped defaults when
    omitted). Describe metadata is kept per connection, so later runs on it don't describe again.
    """

    def __init__(
        self,
        connection: SalesforceConnection,
        *,
        mapping: EffectiveMapping | None = None,
        options: ConnectorOptions | None = None,
        settings: ExtractionSettings | None = None,
        describe: OrgDescribe | None = None,
    ) -> None:
        self.connection = connection
        self.mapping = mapping if mapping is not None else merge(MappingFile())
        self.options = options if options is not None else ConnectorOptions()
        self.settings = settings if settings is not None else ExtractionSettings()
        self.describe = describe if describe is not None else describe_for(connection)
        self._organization_rows: list[dict[str, Any]] | None = None

    def default_currency(self) -> str:
        """The org's corporate currency (the currency of records that name none)."""
        rows = self._organization(self._runner(bulk=False))
        return str(rows[0].get("DefaultCurrencyIsoCode") or "USD") if rows else "USD"

    def _organization(self, runner: QueryRunner) -> list[dict[str, Any]]:
        """The org's settings, read once for all the parts of a sync (a copy each time: records are
        compacted in place)."""
        if self._organization_rows is None:
            soql = f"SELECT {', '.join(ORGANIZATION_FIELDS)} FROM Organization LIMIT 1"
            self._organization_rows = runner.single("Organization", soql)
        return [dict(row) for row in self._organization_rows]

    def _runner(
        self, *, bulk: bool, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None
    ) -> QueryRunner:
        return QueryRunner(
            RetryingCall(self.connection.call, retries=self.settings.retries, backoff_s=self.settings.retry_backoff_s),
            self.describe,
            bulk=bulk,
            api_version=self.connection.api_version,
            max_ids=self.settings.bulk_max_ids_per_query if bulk else self.settings.max_ids_per_query,
            bulk_poll_wait_s=self.settings.bulk_poll_wait_s,
            progress=progress,
            cancelled=cancelled,
        )

    # -- scope ---------------------------------------------------------------------------------------------

    def resolve(self, scope: Scope) -> tuple[ResolvedScope, list[ExtractionProblem]]:
        """The scope's order ids in sync order (one paged query for filter scopes), with a problem for each
        order or account named in the scope that Salesforce does not return."""
        runner = self._runner(bulk=False)
        resolved = self._resolve(scope, runner)
        return resolved, runner.problems

    def _link_select(self) -> str:
        """The resolution query's fields: the id, and the paths to every account an order ties to (those
        this org has), so the scope can be split into parts that share no account."""
        paths = [p for p in LINK_PATHS if self.describe.resolve("Order", p) is not None]
        return ", ".join(["Id", *paths])

    def _resolved(self, rows: list[dict[str, Any]], **extra: Any) -> ResolvedScope:
        order_ids = list(dict.fromkeys(str(r["Id"]) for r in rows))
        return ResolvedScope(order_ids=order_ids, links={str(r["Id"]): linked_accounts(r) for r in rows}, **extra)

    def _resolve(self, scope: Scope, runner: QueryRunner) -> ResolvedScope:
        select = self._link_select()
        if isinstance(scope, UnsyncedScope | ChangedSinceScope):
            where = (
                scope.where()
                if isinstance(scope, UnsyncedScope)
                else f"Status = 'Activated' AND SystemModstamp > {datetime_literal(scope.since)}"
            )
            return self._resolved(runner.single("Order", f"SELECT {select} FROM Order WHERE {where} {SYNC_ORDER}"))
        if isinstance(scope, AccountScope):
            return self._resolve_accounts(scope, runner, select)
        return self._resolve_orders(scope, runner, select)

    def _resolve_orders(self, scope: OrderScope, runner: QueryRunner, select: str) -> ResolvedScope:
        ids: list[str] = []
        for value in scope.order_ids:
            if is_record_id(value.strip()):
                ids.append(to18(value.strip()))
            else:
                runner.problems.append(
                    ExtractionProblem(
                        sobject="Order",
                        record_id=value,
                        message=f"'{value}' is not a Salesforce record id (15 or 18 letters and digits, the last "
                        "3 of an 18-character id being a checksum); copy the Order's Id from its URL, or give its "
                        "Order Number instead.",
                    )
                )
        numbers = [n.strip() for n in scope.order_numbers if n.strip()]
        fields = f"{select}, OrderNumber, EffectiveDate"
        rows = runner.by_values("Order", f"SELECT {fields} FROM Order WHERE Id IN {{values}}", ids)
        rows += runner.by_values("Order", f"SELECT {fields} FROM Order WHERE OrderNumber IN {{values}}", numbers)
        # an id Salesforce failed to answer for is already reported; it is not "not found"
        found_ids = {r["Id"] for r in rows} | {p.record_id for p in runner.problems}
        found_numbers = {r["OrderNumber"] for r in rows} | {p.record_id for p in runner.problems}
        for missing in (i for i in dict.fromkeys(ids) if i not in found_ids):
            runner.problems.append(
                ExtractionProblem(
                    sobject="Order",
                    record_id=missing,
                    message=f"Order {missing} was not found in Salesforce (deleted, or not shared with the "
                    "integration user). Check the id, or share the order with the integration user.",
                )
            )
        for missing in (n for n in dict.fromkeys(numbers) if n not in found_numbers):
            runner.problems.append(
                ExtractionProblem(
                    sobject="Order",
                    message=f"No order has the Order Number {missing}. Check the number (order numbers keep "
                    "their leading zeros, e.g. 00000123).",
                )
            )
        unique = {r["Id"]: r for r in rows}
        ordered = sorted(unique.values(), key=lambda r: (r.get("EffectiveDate") or "", r["OrderNumber"], r["Id"]))
        return self._resolved(ordered)

    def _resolve_accounts(self, scope: AccountScope, runner: QueryRunner, select: str) -> ResolvedScope:
        ids = [to18(i.strip()) for i in scope.account_ids if is_record_id(i.strip())]
        for bad in (i for i in scope.account_ids if not is_record_id(i.strip())):
            runner.problems.append(
                ExtractionProblem(
                    sobject="Account",
                    record_id=bad,
                    message=f"'{bad}' is not a Salesforce record id; copy the Account's Id from its URL.",
                )
            )
        accounts = runner.by_values("Account", "SELECT Id FROM Account WHERE Id IN {values}", ids)
        found = [a["Id"] for a in accounts]
        answered = set(found) | {p.record_id for p in runner.problems}
        for missing in (i for i in dict.fromkeys(ids) if i not in answered):
            runner.problems.append(
                ExtractionProblem(
                    sobject="Account",
                    record_id=missing,
                    message=f"Account {missing} was not found in Salesforce (deleted, or not shared with the "
                    "integration user).",
                )
            )
        orders = runner.by_values(
            "Order",
            f"SELECT {select}, OrderNumber, EffectiveDate FROM Order "
            "WHERE Status = 'Activated' AND AccountId IN {values}",
            found,
        )
        ordered = sorted(orders, key=lambda r: (r.get("EffectiveDate") or "", r["OrderNumber"], r["Id"]))
        return self._resolved(ordered, account_ids=list(dict.fromkeys(found)))

    # -- extraction ----------------------------------------------------------------------------------------

    def extract(
        self,
        scope: Scope,
        *,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ExtractionResult:
        """Resolve ``scope`` and read its graph. Records that cannot be read are reported in ``problems``;
        only a failure that would hit every record raises :class:`ExtractionError`.

        ``progress(step, done, total)`` is called after each batch; ``cancelled()`` is asked before each
        one, and a true answer stops the run with :class:`ExtractionCancelled`.
        """
        calls_before = self.connection.api_calls
        resolver = self._runner(bulk=False, progress=progress, cancelled=cancelled)
        resolved = self._resolve(scope, resolver)
        result = self.read(
            resolved,
            bulk=len(resolved.order_ids) > self.settings.bulk_threshold,
            what=scope.describe(),
            progress=progress,
            cancelled=cancelled,
        )
        result.problems[:0] = resolver.problems
        result.api_calls = self.connection.api_calls - calls_before
        result.queries += resolver.queries
        return result

    def read(
        self,
        resolved: ResolvedScope,
        *,
        bulk: bool,
        what: str,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ExtractionResult:
        """The graph of resolved orders (and named accounts) — the whole scope, or one part of it — through
        Bulk API 2.0 when ``bulk``. ``what`` names it in the log."""
        calls_before = self.connection.api_calls
        resolver = self._runner(bulk=False, progress=progress, cancelled=cancelled)
        if not resolved.order_ids and not resolved.account_ids:
            log.info("Read %s: nothing to sync", what)
            return ExtractionResult(graph=CpqGraph())
        runner = self._runner(bulk=bulk, progress=progress, cancelled=cancelled)
        plan = FieldPlanner(self.mapping, self.options, self.describe).plan()
        run = _Run(runner, plan, resolved, resolver, organization=self._organization)
        with cyclic_gc_paused():
            run.execute()
        runner.problems.extend(resolver.problems)
        calls = self.connection.api_calls - calls_before
        log.info(
            "Read %s: %d orders to sync, %d records, %d problems, %d Salesforce API calls (%s)",
            what,
            len(run.graph.scope_order_ids),
            len(run.graph),
            len(runner.problems),
            calls,
            "Bulk API 2.0" if bulk else "REST",
        )
        if plan.left_out:
            log.info("Fields this org does not have, left out: %s", ", ".join(plan.left_out))
        return ExtractionResult(
            graph=run.graph,
            problems=runner.problems,
            api_calls=calls,
            queries=resolver.queries + runner.queries,
            used_bulk=bulk,
            left_out_fields=list(plan.left_out),
        )


class _Run:
    """One extraction: the queries, and turning their records into the graph."""

    def __init__(
        self,
        runner: QueryRunner,
        plan: SelectPlan,
        resolved: ResolvedScope,
        rest: QueryRunner,
        *,
        organization: Callable[[QueryRunner], list[dict[str, Any]]],
    ) -> None:
        self.runner = runner
        self.organization = organization
        self.rest = rest
        self.plan = plan
        self.resolved = resolved
        self.graph = CpqGraph(scope_order_ids=list(resolved.order_ids), scope_account_ids=list(resolved.account_ids))
        self.shapes = {sobject: _shape(paths) for sobject, paths in plan.shapes.items()}
        # one ``attributes`` dict per object type, shared by every record of that type
        self._attributes: dict[str, dict[str, Any]] = {}
        # records added since the last :meth:`_settle`
        self._fresh: list[SfRecord] = []

    def problem(self, sobject: str, record_id: str | None, message: str) -> None:
        self.runner.problems.append(ExtractionProblem(sobject=sobject, record_id=record_id, message=message))

    def _select(self, fields: Iterable[str]) -> str:
        return ", ".join(fields)

    def _parent(self, model: type[SfRecord], raw: Mapping[str, Any], prefix: str) -> SfRecord | None:
        """The parent record nested at ``prefix``, cut down to its canonical shape: a parent reached through
        different relationship paths carries different extra nesting, and the graph keeps one copy."""
        nested = _nested(raw, prefix)
        if nested is None:
            return None
        known = self.graph.get(nested.get("Id"))
        if known is not None and isinstance(known, model):
            return known
        return self._typed(model, _cut(nested, self.shapes[model.SOBJECT]))

    def _compact(self, raw: dict[str, Any]) -> None:
        """Replace, in place, each ``attributes`` of ``raw`` and its nested parents by the shared one of its
        type (only the type is ever read, and a URL per record and per parent was a third of the graph), and
        each text by one shared copy (ids, dates and picklist values repeat across thousands of records)."""
        for key, value in raw.items():
            if type(value) is str:
                raw[key] = sys.intern(value)
            elif key == "attributes":
                if isinstance(value, Mapping) and isinstance(value.get("type"), str):
                    sobject = value["type"]
                    raw[key] = self._attributes.setdefault(sobject, {"type": sobject})
            elif isinstance(value, dict):
                self._compact(value)

    def _share(self, raw: dict[str, Any]) -> None:
        """Point each nested parent of ``raw`` at the graph's copy of that record when the copy holds all the
        nested one has: an order product's product, an order's account and contacts are then kept once, not
        once per child (the mapping reads the same values through either path). A copy that leads back to
        ``raw`` (an order product's subscription names that order product) stays nested: no cycles."""
        for key, value in raw.items():
            if key == "attributes" or not isinstance(value, dict):
                continue
            kept = self.graph.get(value.get("Id"))
            if kept is not None and kept.raw is value:
                continue
            if kept is not None and _covers(kept.raw, value) and not _reaches(kept.raw, raw):
                raw[key] = kept.raw
            else:
                self._share(value)

    def _settle(self) -> None:
        """Share the parents of the records added since the last call (their own parents are now read)."""
        for record in self._fresh:
            self._share(record.raw)
        self._fresh.clear()

    def _typed(self, model: type[SfRecord], raw: Mapping[str, Any] | None) -> SfRecord | None:
        if raw is None:
            return None
        if isinstance(raw, dict):
            self._compact(raw)
        try:
            record = model.from_raw(raw)
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in error["loc"]) for error in exc.errors())
            record_id = raw.get("Id")
            self.problem(
                model.SOBJECT,
                str(record_id) if record_id else None,
                f"{model.SOBJECT} {record_id} cannot be read: Salesforce returned unusable values for {fields}. "
                "Fill in or correct these fields in Salesforce.",
            )
            return None
        if self.graph.get(record.id) is None:
            self._fresh.append(record)
        self.graph.add(record)
        return record

    # -- the queries ---------------------------------------------------------------------------------------

    def execute(self) -> None:
        self._orders(self.resolved.order_ids)
        self._items_by_order(self.resolved.order_ids)
        self._context()
        self._item_schedules()
        if self.resolved.account_ids:
            self._accounts(self.resolved.account_ids)
        # the orders' accounts' other contacts are synced under them too (connector-spec §2.1)
        self._contacts(sorted({*self.resolved.account_ids, *(o.account_id for o in self.graph.orders.values())}))
        self._parent_accounts()
        self._catalog()
        self._price_book()
        self._organization()
        self._settle()
        self.graph.reindex()
        self._check()

    def _orders(self, order_ids: list[str]) -> None:
        template = f"SELECT {self._select(self.plan.order)} FROM Order WHERE Id IN {{values}}"
        step = "Reading orders" if not self.graph.orders else "Reading original orders"
        for rows in self.runner.batches("Order", template, order_ids, label="order", step=step):
            for raw in rows:
                if self._typed(Order, raw) is None:
                    continue
                for prefix in self.plan.order_account_prefixes:
                    self._parent(Account, raw, prefix)
                for prefix in self.plan.order_contact_prefixes:
                    self._parent(Contact, raw, prefix)
                self._parent(Opportunity, raw, "Opportunity")
                self._parent(Quote, raw, "SBQQ__Quote__r")
                for prefix in (
                    "Contract",
                    "Opportunity.SBQQ__AmendedContract__r",
                    "Opportunity.SBQQ__RenewedContract__r",
                ):
                    self._parent(Contract, raw, prefix)
            self._settle()

    def _add_items(self, rows: list[dict[str, Any]]) -> None:
        for raw in rows:
            if self._typed(OrderItem, raw) is None:
                continue
            self._parent(Product, raw, "Product2")
            self._parent(Subscription, raw, "SBQQ__Subscription__r")
        self._settle()

    def _items_by_order(self, order_ids: list[str]) -> None:
        template = (
            f"SELECT {self._select(self.plan.item)} FROM OrderItem WHERE OrderId IN {{values}} "
            "ORDER BY OrderId, OrderItemNumber"
        )
        for rows in self.runner.batches(
            "OrderItem", template, order_ids, label="order's products", step="Reading order products"
        ):
            self._add_items(rows)

    def _context(self) -> None:
        """Originals outside the scope: revised order products with every revision of their chains, and the
        orders that created the contracts the scope amends or renews (with their products)."""
        graph = self.graph
        scope = set(self.resolved.order_ids)
        origins = sorted(
            {
                i.revised_order_product_id
                for i in graph.order_items.values()
                if i.revised_order_product_id and i.order_id in scope
            }
        )
        contract_orders = sorted(
            {
                c.order_id
                for o in graph.orders.values()
                for cid in (graph.amended_contract_id(o), graph.renewed_contract_id(o))
                if cid and (c := graph.contracts.get(cid)) is not None and c.order_id and c.order_id not in graph.orders
            }
        )
        select = self._select(self.plan.item)
        rows = self.runner.by_values(
            "OrderItem",
            f"SELECT {select} FROM OrderItem WHERE Id IN {{values}} OR SBQQ__RevisedOrderProduct__c IN {{values}}",
            origins,
            label="revised order product",
            step="Reading amended order products",
        )
        rows += self.runner.by_values(
            "OrderItem",
            f"SELECT {select} FROM OrderItem WHERE OrderId IN {{values}}",
            contract_orders,
            step="Reading products of amended and renewed contracts",
        )
        self._add_items(rows)
        item_orders = {i.order_id for i in graph.order_items.values()}
        self._orders(sorted((item_orders | set(contract_orders)) - set(graph.orders)))

    def _item_schedules(self) -> None:
        usage_items = sorted(i.id for i in self.graph.order_items.values() if self._is_usage(i))
        if not usage_items:
            return
        fields = self._select(self.plan.item_schedule)
        rate_fields = self._select(self.plan.item_rate)
        # Rates ride along as a child sub-query (a schedule has a handful); Bulk API 2.0 has no sub-queries.
        if not self.runner.bulk:
            fields += f", (SELECT {rate_fields} FROM {RATES_RELATIONSHIP} ORDER BY SBQQ__LowerBound__c)"
        template = f"SELECT {fields} FROM SBQQ__OrderItemConsumptionSchedule__c WHERE SBQQ__OrderItem__c IN {{values}}"
        schedules = self.runner.by_values(
            "SBQQ__OrderItemConsumptionSchedule__c", template, usage_items, step="Reading usage tiers"
        )
        rates: dict[str, list[dict[str, Any]]] = {}
        incomplete: list[str] = []
        for raw in schedules:
            nested = raw.pop(RATES_RELATIONSHIP, None)
            if isinstance(nested, Mapping):
                rates[raw["Id"]] = [dict(r) for r in nested.get("records", [])]
                if not nested.get("done", True):
                    incomplete.append(raw["Id"])
            elif not self.runner.bulk:
                rates[raw["Id"]] = []
        if self.runner.bulk or incomplete:
            wanted = [s["Id"] for s in schedules] if self.runner.bulk else incomplete
            rows = self.runner.by_values(
                "SBQQ__OrderItemConsumptionRate__c",
                f"SELECT {rate_fields} FROM SBQQ__OrderItemConsumptionRate__c "
                f"WHERE SBQQ__OrderItemConsumptionSchedule__c IN {{values}} ORDER BY SBQQ__LowerBound__c",
                wanted,
            )
            for schedule_id in wanted:
                rates[schedule_id] = []
            for row in rows:
                rates.setdefault(row["SBQQ__OrderItemConsumptionSchedule__c"], []).append(row)
        for raw in schedules:
            typed_rates = []
            for rate_raw in rates.get(raw["Id"], []):
                try:
                    typed_rates.append(OrderItemConsumptionRate.from_raw(rate_raw))
                except ValidationError:
                    self.problem(
                        "SBQQ__OrderItemConsumptionRate__c",
                        rate_raw.get("Id"),
                        f"Consumption rate {rate_raw.get('Id')} of order item schedule {raw['Id']} has unusable "
                        "values; correct its bounds and price in Salesforce.",
                    )
            typed_rates.sort(key=lambda r: (r.lower_bound is None, r.lower_bound or 0))
            schedule = self._typed(OrderItemConsumptionSchedule, raw)
            if isinstance(schedule, OrderItemConsumptionSchedule):
                self.graph.item_schedules[schedule.id] = schedule.model_copy(update={"rates": tuple(typed_rates)})

    def _is_usage(self, item: OrderItem) -> bool:
        product = self.graph.products.get(item.product_id or "")
        return item.is_usage or (product is not None and product.is_usage)

    def _accounts(self, account_ids: Iterable[str]) -> None:
        wanted = [a for a in account_ids if a not in self.graph.accounts]
        template = f"SELECT {self._select(self.plan.account)} FROM Account WHERE Id IN {{values}}"
        for raw in self.runner.by_values("Account", template, wanted, label="account", step="Reading accounts"):
            self._typed(Account, raw)

    def _contacts(self, account_ids: list[str]) -> None:
        template = (
            f"SELECT {self._select(self.plan.contact)} FROM Contact WHERE AccountId IN {{values}} "
            "ORDER BY AccountId, LastName, Id"
        )
        for raw in self.runner.by_values("Contact", template, account_ids, step="Reading contacts"):
            self._typed(Contact, raw)

    def _parent_accounts(self) -> None:
        """Parents the order query's ``Account.Parent`` did not reach (grandparents, owners' parents)."""
        seen: set[str] = set()
        while True:
            wanted = sorted(
                {a.parent_id for a in self.graph.accounts.values() if a.parent_id} - set(self.graph.accounts) - seen
            )
            if not wanted:
                return
            seen.update(wanted)
            self._accounts(wanted)

    def _catalog(self) -> None:
        usage_products = sorted(p.id for p in self.graph.products.values() if p.is_usage)
        if not usage_products:
            return
        template = (
            f"SELECT {self._select(self.plan.product_schedule)} FROM ProductConsumptionSchedule "
            "WHERE ProductId IN {values}"
        )
        for raw in self.runner.by_values(
            "ProductConsumptionSchedule", template, usage_products, step="Reading consumption schedules"
        ):
            if self._typed(ProductConsumptionSchedule, raw) is not None:
                self._parent(ConsumptionSchedule, raw, "ConsumptionSchedule")
        schedule_ids = sorted(self.graph.consumption_schedules)
        template = (
            f"SELECT {self._select(self.plan.rate)} FROM ConsumptionRate WHERE ConsumptionScheduleId IN {{values}} "
            "ORDER BY ConsumptionScheduleId, ProcessingOrder"
        )
        for raw in self.runner.by_values("ConsumptionRate", template, schedule_ids):
            self._typed(ConsumptionRate, raw)

    def _price_book(self) -> None:
        """Active price book entries of every product read: the catalog's currencies and list prices."""
        template = (
            f"SELECT {self._select(self.plan.pricebook_entry)} FROM PricebookEntry "
            "WHERE IsActive = true AND Product2Id IN {values} ORDER BY Product2Id"
        )
        products = sorted(self.graph.products)
        for raw in self.runner.by_values("PricebookEntry", template, products, step="Reading price books"):
            self._typed(PricebookEntry, raw)

    def _organization(self) -> None:
        rows = self.organization(self.rest)
        if rows:
            self._typed(Organization, rows[0])

    # -- consistency ---------------------------------------------------------------------------------------

    def _check(self) -> None:
        graph = self.graph
        for order_id in self.resolved.order_ids:
            if order_id not in graph.orders:
                self.problem(
                    "Order",
                    order_id,
                    f"Order {order_id} was in the scope but Salesforce did not return it (deleted or no longer "
                    "shared while the sync was reading). Run the sync again.",
                )
        scope = set(self.resolved.order_ids)
        for item in graph.order_items.values():
            if item.order_id not in scope:
                continue
            order = graph.orders.get(item.order_id)
            where = f"order product {item.order_item_number or item.id} of {order.label if order else item.order_id}"
            if item.revised_order_product_id and item.revised_order_product_id not in graph.order_items:
                self.problem(
                    "OrderItem",
                    item.id,
                    f"The {where} revises order product {item.revised_order_product_id} "
                    "(SBQQ__RevisedOrderProduct__c), which Salesforce does not return: it was deleted or is not "
                    "shared with the integration user. Restore it, or correct the Revised Order Product field so it "
                    "points at the first order product of the line.",
                )
            if item.subscription_id and item.subscription_id not in graph.subscriptions:
                self.problem(
                    "OrderItem",
                    item.id,
                    f"The {where} points at CPQ subscription {item.subscription_id}, which Salesforce does not "
                    "return. Check that the integration user can read SBQQ__Subscription__c records.",
                )
        for order_id in self.resolved.order_ids:
            order = graph.orders.get(order_id)
            if order is None:
                continue
            contract_id = graph.amended_contract_id(order) or graph.renewed_contract_id(order)
            if contract_id and graph.contract_original_order(contract_id) is None:
                action = "amends" if graph.is_amendment(order) else "renews"
                self.problem(
                    "Order",
                    order.id,
                    f"{order.label} {action} contract {contract_id}, but the order that created that contract was "
                    "not found: set the contract's Order (SBQQ__Order__c), or check that the original order is "
                    "shared with the integration user.",
                )
