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
from cpq_desktop.sandbox.salesforce.generator.scenarios import ShowcaseBuilder
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


def generate_org(store: OrgStore, orders: int, seed: int) -> GeneratedSummary:
    """Generate ``orders`` new-business orders (with their accounts, catalog, amendments and renewals) into
    ``store``, deterministically from ``seed``.

    The first orders are the showcases (see :mod:`.scenarios`); with fewer orders than showcases only the
    first ones are made. Everything is written in one transaction: on failure the org stays empty.
    """
    if orders < 0:
        raise ValueError(f"orders must be zero or more, got {orders}")
    if store.count("Account", include_deleted=True) or store.count("Product2", include_deleted=True):
        raise OrgNotEmptyError(
            f"the org at {store.db_path} already holds data; generate into a new data directory "
            "or delete this one first"
        )
    ctx = GenContext(seed, CURRENCIES if store.multi_currency else (CORPORATE_CURRENCY,))
    ctx.users.append(store.default_user_id)
    add_sales_reps(ctx)
    add_catalog(ctx)
    accounts = AccountFactory(ctx)
    cpq = CpqEngine(ctx)
    showcase_builder = ShowcaseBuilder(ctx, cpq, accounts)
    plans = [build() for build in showcase_builder.plans()[:orders]]
    mixed = orders - len(plans)
    mix = DealMix(ctx, cpq, accounts)
    if mixed > 0:
        mix.build_accounts(max(3, math.ceil(mixed * ACCOUNTS_PER_ORDER)))
        mix.run(mixed)
    with store.transaction():
        resolved = write_buffer(store, ctx.buffer)
    orders_by_type: dict[str, int] = {}
    for row in ctx.buffer.rows.get("Order", ()):
        if not row.get("IsDeleted"):
            orders_by_type[row["Type"]] = orders_by_type.get(row["Type"], 0) + 1
    counts: dict[str, int] = {}
    deleted: dict[str, int] = {}
    for name in INSERT_ORDER:
        generated = ctx.buffer.rows.get(name, [])
        gone = sum(1 for row in generated if row.get("IsDeleted"))
        counts[name] = len(generated) - gone
        if gone:
            deleted[name] = gone
    counts["User"] += 1  # the integration user the store creates with the org
    counts["Organization"] = 1
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
        orders_by_type=orders_by_type,
        organization_id=store.organization_id,
        integration_user_id=store.default_user_id,
        showcases={
            plan.key: Showcase(
                key=plan.key,
                use_cases=plan.use_cases,
                title=plan.title,
                records={role: resolved[ref] for role, ref in plan.records.items()},
            )
            for plan in plans
        },
        charge_model_products=charge_models,
    )
