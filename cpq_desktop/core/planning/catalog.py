"""The product catalog (connector-spec §2.8): created lazily while planning orders, once per product.

A Salesforce product is in Zuora when a product whose SKU is its Product Code has a rate plan whose
externally managed plan ids include its Product2 Id (a usage plan: the ProductConsumptionSchedule Id).
What is missing is created flat — one product per SKU, one plan per Salesforce product (or consumption
schedule), one charge per plan — through the catalog CRUD endpoints, each step waiting for its parent.
"""

from __future__ import annotations

from typing import Any

from cpq_desktop.core.mapping import pairs
from cpq_desktop.core.planning.catalog_ref import ChargeRef
from cpq_desktop.core.planning.context import PlanContext, RecordFailed, ref
from cpq_desktop.core.sync.plan import (
    ErrorClass,
    LookupKind,
    PlanStep,
    RecordRef,
    Request,
    ResultLookup,
    StepKind,
    placeholders_in,
    token,
)

# ExternalRatePlanIds and the catalog numbers exist from WSDL version 130/133 on (zuora-api §1.2)
CRUD_HEADERS = {"X-Zuora-WSDL-Version": "133"}


def orders_model(model: str) -> str:
    """A charge model in the Orders spelling, whichever spelling (CRUD or read) it comes in."""
    compact = model.replace(" ", "").replace("Pricing", "").replace("-", "")
    for known in ("PerUnit", "FlatFee", "TieredWithOverage", "Tiered", "Volume", "Overage"):
        if compact.casefold() == known.casefold():
            return known
    return compact


def orders_charge_type(charge_type: str) -> str:
    compact = charge_type.replace("-", "").replace(" ", "")
    return "OneTime" if compact.casefold() == "onetime" else compact


def _add_catalog_step(
    ctx: PlanContext,
    *,
    step_id: str,
    kind: StepKind,
    record: RecordRef,
    path: str,
    body: dict[str, Any],
    reason: str,
    lookup: ResultLookup,
    depends_on: list[str],
) -> None:
    """One catalog CRUD create: the WSDL header that keeps the external ids, the created ``Id`` as output."""
    ctx.add_step(
        PlanStep(
            step_id=step_id,
            kind=kind,
            record=record,
            request=Request(method="POST", path=path, body=body, headers=dict(CRUD_HEADERS)),
            reason=reason,
            depends_on=depends_on,
            lookup=lookup,
            placeholders=placeholders_in(body),
            outputs=["Id"],
        )
    )


def _product_step(ctx: PlanContext, product: dict[str, Any], sku: str) -> tuple[str, str | None]:
    """(product id or placeholder, step creating it) for ``sku``."""
    existing = ctx.zuora.products.get(sku)
    if existing is not None:
        return existing.id, None
    for step in ctx.steps.values():
        if step.kind is StepKind.CREATE_PRODUCT and step.request.body.get("SKU") == sku:
            return token(step.step_id, "Id"), step.step_id
    body = ctx.apply(pairs.PRODUCT.id, product)
    body["SKU"] = sku
    step_id = f"catalog:product:{product['Id']}"
    _add_catalog_step(
        ctx,
        step_id=step_id,
        kind=StepKind.CREATE_PRODUCT,
        record=ref("Product2", product, "Name"),
        path="/v1/object/product",
        body=body,
        reason=f"no Zuora product has SKU {sku!r} (the Product Code of {product.get('Name')!r})",
        lookup=ResultLookup(kind=LookupKind.SKU, value=sku),
        depends_on=[],
    )
    return token(step_id, "Id"), step_id


def _tier_data(ctx: PlanContext, product_id: str) -> dict[str, Any]:
    """A catalog price per currency the product is sold in (a placeholder: orders override the price)."""
    prices: dict[str, float] = {}
    for entry in ctx.graph.where("PricebookEntry", "Product2Id", product_id):
        prices.setdefault(ctx.currency_of(entry), float(entry.get("UnitPrice") or 0))
    for item in ctx.graph.where("OrderItem", "Product2Id", product_id):
        prices.setdefault(ctx.currency_of(item), float(item.get("ListPrice") or item.get("UnitPrice") or 0))
    # Zuora wants a price in its default currency on every charge, whatever the lines use
    prices.setdefault(ctx.default_currency, next(iter(prices.values()), 0.0))
    if not ctx.multi_currency:
        prices = {ctx.default_currency: prices[ctx.default_currency]}
    return {"ProductRatePlanChargeTier": [{"Currency": c, "Price": p} for c, p in sorted(prices.items())]}


def active_currencies(ctx: PlanContext, product_id: str) -> list[str] | None:
    """The ``active_currencies`` derivation (multi-currency orgs): every currency with a price book entry
    for the product (plus the org's and its order lines' currencies)."""
    if not ctx.multi_currency:
        return None
    records = [
        *ctx.graph.where("PricebookEntry", "Product2Id", product_id),
        *ctx.graph.where("OrderItem", "Product2Id", product_id),
    ]
    return sorted({ctx.currency_of(r) for r in records} | {ctx.default_currency})


def product_charge(ctx: PlanContext, product_id: str) -> ChargeRef:
    """The catalog charge of a non-usage product, planning its creation when Zuora lacks it."""
    product = ctx.graph.get("Product2", product_id)
    if product is None:
        raise RecordFailed(
            ErrorClass.INVALID_REFERENCED_PRODUCTS,
            f"product {product_id} was not read from Salesforce; check that the integration user can see it",
        )
    sku = str(product.get("ProductCode") or "").strip()
    name = product.get("Name")
    if not sku:
        raise RecordFailed(
            ErrorClass.INVALID_REFERENCED_PRODUCTS,
            f"Invalid referenced products: product {name!r} ({product_id}) has a blank Product Code. Fill in "
            "its Product Code in Salesforce (it becomes the Zuora SKU), then sync again.",
        )
    existing = ctx.zuora.products.get(sku)
    plan = next((p for p in existing.plans if product_id in p.external_ids), None) if existing else None
    if plan is not None:
        if not plan.charges:
            raise RecordFailed(
                ErrorClass.NO_CHARGE_FOR_PRODUCT,
                f"Cannot find the charge for the Product: Zuora plan {plan.name!r} ({plan.id}) of SKU {sku!r} has "
                "no charge. Add the charge in Zuora, or remove the plan so the connector creates it.",
            )
        charge = plan.charges[0]
        return ChargeRef(
            charge.id,
            None,
            orders_charge_type(charge.charge_type),
            orders_model(charge.charge_model),
            f"plan {plan.name!r}",
        )
    charge_step = f"catalog:prpc:{product_id}"
    if not ctx.has_step(charge_step):
        product_value, product_step = _product_step(ctx, product, sku)
        plan_body = ctx.apply(pairs.PRODUCT_RATE_PLAN.id, product)
        plan_body["ProductId"] = product_value
        _as_list(plan_body, "ExternalRatePlanIds")
        plan_step = f"catalog:prp:{product_id}"
        _add_catalog_step(
            ctx,
            step_id=plan_step,
            kind=StepKind.CREATE_PRODUCT_RATE_PLAN,
            record=ref("Product2", product, "Name"),
            path="/v1/object/product-rate-plan",
            body=plan_body,
            reason=f"no Zuora rate plan has externally managed plan id {product_id} (product {name!r})",
            lookup=ResultLookup(kind=LookupKind.EXTERNAL_PLAN_ID, value=product_id),
            depends_on=[product_step] if product_step else [],
        )
        charge_body = ctx.apply(pairs.PRODUCT_RATE_PLAN_CHARGE.id, product)
        charge_body["ProductRatePlanId"] = token(plan_step, "Id")
        charge_body.setdefault("UseDiscountSpecificAccountingCode", False)
        charge_body.setdefault("ProductRatePlanChargeTierData", _tier_data(ctx, product_id))
        if charge_body.get("ChargeType") != "Recurring":
            charge_body.pop("BillingTiming", None)
        _add_catalog_step(
            ctx,
            step_id=charge_step,
            kind=StepKind.CREATE_PRODUCT_RATE_PLAN_CHARGE,
            record=ref("Product2", product, "Name"),
            path="/v1/object/product-rate-plan-charge",
            body=charge_body,
            reason=f"the new rate plan of {name!r} needs its charge ({charge_body.get('ChargeModel')}, "
            f"{charge_body.get('ChargeType')})",
            lookup=ResultLookup(kind=LookupKind.CHARGE_OF_PLAN, value=product_id),
            depends_on=[plan_step],
        )
    body = ctx.steps[charge_step].request.body
    return ChargeRef(
        token(charge_step, "Id"),
        charge_step,
        orders_charge_type(str(body.get("ChargeType") or "")),
        orders_model(str(body.get("ChargeModel") or "")),
        f"new plan {name!r}",
    )


def _as_list(body: dict[str, Any], key: str) -> None:
    value = body.get(key)
    if value is not None and not isinstance(value, list):
        body[key] = [value]


def usage_placeholder_tier(ctx: PlanContext, record: dict[str, Any]) -> dict[str, Any]:
    """The ``usage_placeholder_tier`` derivation: one tier 0–1 at price 0 in the schedule's currency (and
    in Zuora's default currency, which every charge must price)."""
    schedule = record.get("ConsumptionSchedule") or {}
    currencies = {ctx.default_currency}
    if ctx.multi_currency:
        currencies.add(ctx.currency_of(schedule))
    return {
        "ProductRatePlanChargeTier": [
            {"Currency": currency, "StartingUnit": 0, "EndingUnit": 1, "Price": 0, "PriceFormat": "Per Unit"}
            for currency in sorted(currencies)
        ]
    }


def usage_charge(ctx: PlanContext, product_id: str, schedule_id: str) -> tuple[ChargeRef, str]:
    """(catalog usage charge, ProductConsumptionSchedule id) of a product's consumption schedule."""
    link = ctx.graph.product_schedule(product_id, schedule_id)
    product = ctx.graph.get("Product2", product_id)
    if link is None or product is None:
        raise RecordFailed(
            ErrorClass.MISSING_CONSUMPTION_SCHEDULE,
            f"The Order Product Consumption Schedule could not be found: consumption schedule {schedule_id} is no "
            f"longer linked to product {product_id}. Re-link the schedule to the product in Salesforce (and put the "
            "new ProductConsumptionSchedule Id on the Zuora plan), or delete the Zuora product so it is created again.",
        )
    link_id = str(link["Id"])
    sku = str(product.get("ProductCode") or "").strip()
    if not sku:
        raise RecordFailed(
            ErrorClass.INVALID_REFERENCED_PRODUCTS,
            f"Invalid referenced products: product {product.get('Name')!r} ({product_id}) has a blank Product "
            "Code. Fill it in in Salesforce (it becomes the Zuora SKU), then sync again.",
        )
    existing = ctx.zuora.products.get(sku)
    plan = next((p for p in existing.plans if link_id in p.external_ids), None) if existing else None
    if plan is not None and plan.charges:
        charge = plan.charges[0]
        return ChargeRef(charge.id, None, "Usage", orders_model(charge.charge_model), f"plan {plan.name!r}"), link_id
    linked = ctx.graph.linked("ProductConsumptionSchedule", link)
    charge_step = f"catalog:prpc:{link_id}"
    if not ctx.has_step(charge_step):
        product_value, product_step = _product_step(ctx, product, sku)
        plan_body = ctx.apply(pairs.USAGE_PRODUCT_RATE_PLAN.id, linked)
        plan_body["ProductId"] = product_value
        if ctx.multi_currency:
            schedule = linked.get("ConsumptionSchedule") or {}
            plan_body.setdefault("ActiveCurrencies", sorted({ctx.default_currency, ctx.currency_of(schedule)}))
        _as_list(plan_body, "ExternalRatePlanIds")
        plan_step = f"catalog:prp:{link_id}"
        _add_catalog_step(
            ctx,
            step_id=plan_step,
            kind=StepKind.CREATE_PRODUCT_RATE_PLAN,
            record=_schedule_ref(link_id, plan_body),
            path="/v1/object/product-rate-plan",
            body=plan_body,
            reason=f"no Zuora rate plan has externally managed plan id {link_id} (usage plan "
            f"{plan_body.get('Name')!r})",
            lookup=ResultLookup(kind=LookupKind.EXTERNAL_PLAN_ID, value=link_id),
            depends_on=[product_step] if product_step else [],
        )
        charge_body = ctx.apply(pairs.USAGE_PRODUCT_RATE_PLAN_CHARGE.id, linked)
        charge_body.pop("currency", None)
        charge_body["ProductRatePlanId"] = token(plan_step, "Id")
        charge_body.setdefault("UseDiscountSpecificAccountingCode", False)
        _add_catalog_step(
            ctx,
            step_id=charge_step,
            kind=StepKind.CREATE_PRODUCT_RATE_PLAN_CHARGE,
            record=_schedule_ref(link_id, plan_body),
            path="/v1/object/product-rate-plan-charge",
            body=charge_body,
            reason=f"the new usage plan {plan_body.get('Name')!r} needs its charge ({charge_body.get('ChargeModel')})",
            lookup=ResultLookup(kind=LookupKind.CHARGE_OF_PLAN, value=link_id),
            depends_on=[plan_step],
        )
    body = ctx.steps[charge_step].request.body
    return (
        ChargeRef(
            token(charge_step, "Id"),
            charge_step,
            "Usage",
            orders_model(str(body.get("ChargeModel") or "")),
            f"new usage plan {ctx.steps[f'catalog:prp:{link_id}'].request.body.get('Name')!r}",
        ),
        link_id,
    )


def _schedule_ref(link_id: str, plan_body: dict[str, Any]) -> RecordRef:
    return RecordRef(object="ProductConsumptionSchedule", id=link_id, label=str(plan_body.get("Name") or ""))
