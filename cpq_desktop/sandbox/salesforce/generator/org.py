"""``generate_org``: fill an empty org with a deterministic, realistic CPQ data set."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from cpq_desktop.sandbox.salesforce.generator.accounts import AccountFactory, add_sales_reps
from cpq_desktop.sandbox.salesforce.generator.catalog import CORPORATE_CURRENCY, CURRENCIES, PRODUCTS, add_catalog
from cpq_desktop.sandbox.salesforce.generator.context import GenContext
from cpq_desktop.sandbox.salesforce.generator.cpq import CpqEngine
from cpq_desktop.sandbox.salesforce.generator.dates import ANCHOR_DATE
from cpq_desktop.sandbox.salesforce.generator.materialize import INSERT_ORDER, write_buffer
from cpq_desktop.sandbox.salesforce.generator.mix import ACCOUNTS_PER_ORDER, DealMix
from cpq_desktop.sandbox.salesforce.generator.scenarios import ShowcaseBuilder, ShowcasePlan
from cpq_desktop.sandbox.salesforce.store import OrgStore


@dataclass(frozen=True)
class Showcase:
    """A hand-written deal demonstrating sync use cases (connector-spec §3 numbering where one applies)."""

    key: str
    use_cases: tuple[str, ...]
    title: str
    records: dict[str, str]


@dataclass(frozen=True)
class GeneratedSummary:
    """What :func:`generate_org` created."""

    seed: int
    orders: int
    anchor_date: str
    counts: dict[str, int]  # live records per object (what a SOQL COUNT() returns)
    deleted_counts: dict[str, int]  # records in the recycle bin (queryAll only)
    orders_by_type: dict[str, int]
    organization_id: str
    integration_user_id: str
    showcases: dict[str, Showcase] = field(default_factory=dict)
    # One product id per row of connector-spec §2.8's charge model table.
    charge_model_products: dict[str, str] = field(default_factory=dict)

    def showcase(self, key: str) -> Showcase:
        try:
            return self.showcases[key]
        except KeyError:
            raise KeyError(
                f"no showcase {key!r} in this org (generated with orders={self.orders}; "
                f"showcases: {', '.join(self.showcases) or 'none'})"
            ) from None


class OrgNotEmptyError(RuntimeError):
    """The store already holds generated data; generating again would mix two data sets."""


@dataclass
class PlannedOrg:
    """Every generated row, still in memory with symbolic lookups (see :mod:`.records`)."""

    ctx: GenContext
    showcases: list[ShowcasePlan]

    def orders_by_type(self) -> dict[str, int]:
        """Live orders per ``Order.Type``."""
        result: dict[str, int] = {}
        for row in self.ctx.buffer.rows.get("Order", ()):
            if not row.get("IsDeleted"):
                result[row["Type"]] = result.get(row["Type"], 0) + 1
        return result

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Live and deleted rows per object, as the org will hold them (with the store's own org and user)."""
        live: dict[str, int] = {}
        deleted: dict[str, int] = {}
        for name in INSERT_ORDER:
            generated = self.ctx.buffer.rows.get(name, [])
            gone = sum(1 for row in generated if row.get("IsDeleted"))
            live[name] = len(generated) - gone
            if gone:
                deleted[name] = gone
        live["User"] += 1  # the integration user the store creates with the org
        live["Organization"] = 1
        return live, deleted


def plan_org(orders: int, seed: int, *, integration_user_id: str, multi_currency: bool = True) -> PlannedOrg:
    """Build the rows of an org with ``orders`` new-business orders, deterministically from ``seed``.

    The first orders are the showcases (see :mod:`.scenarios`); with fewer orders than showcases only the
    first ones are made.
    """
    if orders < 0:
        raise ValueError(f"orders must be zero or more, got {orders}")
    ctx = GenContext(seed, CURRENCIES if multi_currency else (CORPORATE_CURRENCY,))
    ctx.users.append(integration_user_id)
    add_sales_reps(ctx)
    add_catalog(ctx)
    accounts = AccountFactory(ctx)
    cpq = CpqEngine(ctx)
    showcase_builder = ShowcaseBuilder(ctx, cpq, accounts)
    plans = [build() for build in showcase_builder.plans()[:orders]]
    mixed = orders - len(plans)
    if mixed > 0:
        mix = DealMix(ctx, cpq, accounts)
        mix.build_accounts(max(3, math.ceil(mixed * ACCOUNTS_PER_ORDER)))
        mix.run(mixed)
    return PlannedOrg(ctx, plans)


def generate_org(store: OrgStore, orders: int, seed: int) -> GeneratedSummary:
    """Generate ``orders`` new-business orders (with their accounts, catalog, amendments and renewals) into
    ``store``, deterministically from ``seed``.

    Everything is written in one transaction: on failure the org stays empty.
    """
    if store.count("Account", include_deleted=True) or store.count("Product2", include_deleted=True):
        raise OrgNotEmptyError(
            f"the org at {store.db_path} already holds data; generate into a new data directory "
            "or delete this one first"
        )
    planned = plan_org(orders, seed, integration_user_id=store.default_user_id, multi_currency=store.multi_currency)
    ctx = planned.ctx
    with store.transaction():
        resolved = write_buffer(store, ctx.buffer)
    counts, deleted = planned.counts()
    charge_models: dict[str, str] = {}
    for product in PRODUCTS:
        if product.is_active and not product.is_component and product.charge_model.value not in charge_models:
            charge_models[product.charge_model.value] = resolved[ctx.catalog.products[product.key]]
    return GeneratedSummary(
        seed=seed,
        orders=orders,
        anchor_date=ANCHOR_DATE.isoformat(),
        counts=counts,
        deleted_counts=deleted,
        orders_by_type=planned.orders_by_type(),
        organization_id=store.organization_id,
        integration_user_id=store.default_user_id,
        showcases={
            plan.key: Showcase(
                key=plan.key,
                use_cases=plan.use_cases,
                title=plan.title,
                records={role: resolved[ref] for role, ref in plan.records.items()},
            )
            for plan in planned.showcases
        },
        charge_model_products=charge_models,
    )
