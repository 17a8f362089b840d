"""Rate plans and charges of a subscription: built from the catalog plus overrides, found by their keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cpq_desktop.sandbox.zuora.orders_context import (
    REMOVED,
    ActionDates,
    OrderContext,
    bad,
    iso,
    to_date,
)
from cpq_desktop.sandbox.zuora.orders_directory import CatalogCharge, CatalogPlan
from cpq_desktop.sandbox.zuora.orders_pricing import apply_pricing
from cpq_desktop.sandbox.zuora.orders_schema import RES_RATE_PLAN, RES_RATE_PLAN_CHARGE
from cpq_desktop.sandbox.zuora.store import new_id
from cpq_desktop.sandbox.zuora.subscriptions_terms import add_period
from cpq_desktop.sandbox.zuora.validation import parse_date


def resolve_plan(ctx: OrderContext, request: dict[str, Any], at: str) -> CatalogPlan:
    plan_id = request.get("productRatePlanId")
    plan_number = request.get("productRatePlanNumber")
    external = request.get("externalCatalogPlanId")
    if plan_id is None and plan_number is None and external is None:
        raise bad(
            RES_RATE_PLAN,
            22,
            f"One of 'productRatePlanId', 'productRatePlanNumber' or 'externalCatalogPlanId' is required (in {at})",
        )
    found: CatalogPlan | None = None
    for kind, key, label in (
        ("id", plan_id, "productRatePlanId"),
        ("number", plan_number, "productRatePlanNumber"),
        ("external", external, "externalCatalogPlanId"),
    ):
        if key is None:
            continue
        matches = ctx.find_plans(kind, key)
        if not matches:
            raise bad(RES_RATE_PLAN, 40, f"The product rate plan with {label} '{key}' does not exist (in {at}).")
        if len(matches) > 1:
            raise bad(
                RES_RATE_PLAN,
                30,
                f"{len(matches)} product rate plans have the {label} '{key}'; identify the plan by "
                f"'productRatePlanId' instead (in {at}).",
            )
        if found is not None and matches[0].id != found.id:
            raise bad(
                RES_RATE_PLAN,
                30,
                f"'{label}' '{key}' and the other plan key in the request point at different product "
                f"rate plans (in {at}).",
            )
        found = matches[0]
    assert found is not None
    if found.status not in ("Active", ""):
        raise bad(RES_RATE_PLAN, 30, f"The product rate plan '{found.id}' is {found.status} (in {at}).")
    return found


def new_rate_plan(
    ctx: OrderContext,
    doc: dict[str, Any],
    request: dict[str, Any],
    dates: ActionDates,
    at: str,
    change_type: str | None,
) -> dict[str, Any]:
    plan = resolve_plan(ctx, request, at)
    overrides: dict[str, dict[str, Any]] = {}
    positions: dict[str, int] = {}
    for k, override in enumerate(request.get("chargeOverrides") or []):
        charge_id = override["productRatePlanChargeId"]
        if plan.charge(charge_id) is None:
            raise bad(
                RES_RATE_PLAN_CHARGE,
                40,
                f"The product rate plan charge '{charge_id}' does not exist in the product rate plan "
                f"'{plan.id}' (in {at}.chargeOverrides[{k}]).",
            )
        if charge_id in overrides:
            raise bad(
                RES_RATE_PLAN_CHARGE,
                30,
                f"The product rate plan charge '{charge_id}' is overridden twice (in {at}.chargeOverrides[{k}]).",
            )
        overrides[charge_id] = override
        positions[charge_id] = k
    rate_plan_id = new_id()
    number = request.get("subscriptionRatePlanNumber") or ctx.number(
        "subscription-rate-plan", "SRP-%08d", lambda n: False
    )
    token = request.get("uniqueToken")
    if token is not None:
        if token in ctx.plan_tokens:
            raise bad(
                RES_RATE_PLAN, 30, f"The uniqueToken '{token}' is used by two rate plans in this order (in {at})."
            )
        ctx.plan_tokens[token] = (doc["subscriptionNumber"], rate_plan_id)
    rate_plan: dict[str, Any] = {
        "id": rate_plan_id,
        "originalRatePlanId": rate_plan_id,
        "productId": plan.product_id,
        "productName": plan.product_name,
        "productSku": plan.product_sku,
        "productRatePlanId": plan.id,
        "productRatePlanNumber": plan.number,
        "ratePlanName": request.get("ratePlanName") or plan.name,
        "subscriptionRatePlanNumber": number,
        "externallyManagedPlanId": request.get("externallyManagedPlanId"),
        "externalCatalogPlanId": request.get("externalCatalogPlanId"),
        "lastChangeType": change_type,
        "ratePlanCharges": [],
    }
    rate_plan.update(request.get("customFields") or {})
    used_numbers = {c["number"] for rp in doc["ratePlans"] for c in rp["ratePlanCharges"]}
    for charge in plan.charges:
        where = f"{at}.chargeOverrides[{positions[charge.id]}]" if charge.id in positions else at
        built = _new_charge(ctx, doc, charge, overrides.get(charge.id), dates, where)
        if built["number"] in used_numbers:
            raise bad(
                RES_RATE_PLAN_CHARGE,
                30,
                f"The charge number '{built['number']}' is already used in subscription "
                f"'{doc['subscriptionNumber']}' (in {at}).",
            )
        used_numbers.add(built["number"])
        rate_plan["ratePlanCharges"].append(built)
    return rate_plan


def _new_charge(
    ctx: OrderContext,
    doc: dict[str, Any],
    charge: CatalogCharge,
    override: dict[str, Any] | None,
    dates: ActionDates,
    at: str,
) -> dict[str, Any]:
    override = override or {}
    currency = doc["currency"]
    price = charge.prices.get(currency)
    tiers = charge.tiers.get(currency)
    if charge.model not in ("DiscountPercentage",) and price is None and tiers is None and charge.prices:
        raise bad(
            RES_RATE_PLAN_CHARGE,
            30,
            f"Currency mismatch: the charge '{charge.name}' ({charge.id}) has no price in {currency}, the "
            f"subscription's currency (in {at}). Add {currency} pricing to the charge or use an account in "
            f"one of: {', '.join(sorted(charge.prices))}.",
        )
    charge_id = new_id()
    number = override.get("chargeNumber") or ctx.number("charge", "C-%08d", lambda n: False)
    state: dict[str, Any] = {
        "id": charge_id,
        "originalChargeId": charge_id,
        "productRatePlanChargeId": charge.id,
        "productRatePlanChargeNumber": charge.number,
        "number": number,
        "name": charge.name,
        "type": charge.type,
        "model": charge.model,
        "version": 1,
        "segment": 1,
        "currency": currency,
        "uom": charge.uom,
        "price": price,
        "quantity": charge.default_quantity if charge.model in ("PerUnit", "Tiered", "Volume") else None,
        "tiers": [dict(t) for t in tiers] if tiers else None,
        "listPriceBase": charge.list_price_base,
        "specificListPriceBase": None,
        "billingPeriod": charge.billing_period,
        "specificBillingPeriod": None,
        "billingTiming": charge.billing_timing,
        "billingDay": charge.bill_cycle_type or "DefaultFromCustomer",
        "billingPeriodAlignment": charge.billing_period_alignment or "AlignToCharge",
        "triggerEvent": charge.trigger_event,
        "triggerDate": None,
        "endDateCondition": "One_Time" if charge.type == "OneTime" else charge.end_date_condition,
        "upToPeriods": charge.up_to_periods,
        "upToPeriodsType": charge.up_to_periods_type,
        "specificEndDate": None,
        "priceChangeOption": "NoChange",
        "priceIncreasePercentage": None,
        "includedUnits": charge.included_units,
        "overagePrice": charge.overage_price,
        "discountPercentage": charge.discount_percentage,
        "discountAmount": charge.discount_amount,
        "applyDiscountTo": charge.apply_discount_to,
        "discountLevel": charge.discount_level,
        "description": override.get("description", charge.description),
        "taxable": override.get("taxable", charge.taxable),
        "taxCode": override.get("taxCode", charge.tax_code),
        "taxMode": override.get("taxMode", charge.tax_mode),
        "amendedByOrderOn": None,
        "done": False,
        "isLastSegment": True,
    }
    pricing = override.get("pricing")
    if pricing:
        apply_pricing(state, pricing, override=True, at=f"{at}.pricing")
    billing = override.get("billing") or {}
    if billing.get("billCycleType") is not None:
        state["billingDay"] = billing["billCycleType"]
    for key in ("billingPeriod", "billingPeriodAlignment", "billingTiming", "specificBillingPeriod"):
        if billing.get(key) is not None:
            state[key] = billing[key]
    if billing.get("billCycleDay") is not None and state["billingDay"] == "SpecificDayofMonth":
        # The read API spells a fixed bill cycle day into billingDay, e.g. "SpecificDayofMonth(15)".
        state["billingDay"] = f"SpecificDayofMonth({billing['billCycleDay']})"
    end = override.get("endDate") or {}
    for key in ("endDateCondition", "upToPeriods", "upToPeriodsType", "specificEndDate"):
        if end.get(key) is not None:
            state[key] = end[key]
    start = override.get("startDate") or {}
    if start.get("triggerEvent") is not None:
        state["triggerEvent"] = start["triggerEvent"]
    if state["triggerEvent"] == "SpecificDate":
        state["triggerDate"] = start.get("specificTriggerDate")
        if state["triggerDate"] is None:
            # Not an error: the charge, and the order, wait until the date is given (Zuora "Pending orders").
            ctx.pending = True
            ctx.pending_charges.add(doc["subscriptionNumber"])
    if state["model"] in ("PerUnit", "Tiered", "Volume") and state["quantity"] is None:
        state["quantity"] = 1.0 if state["model"] == "PerUnit" else None
        if state["model"] in ("Tiered", "Volume") and charge.type == "Recurring":
            raise bad(
                RES_RATE_PLAN_CHARGE,
                22,
                f"'quantity' may not be empty for a {state['model']} charge (in {at}.pricing)",
            )
    state.update(override.get("customFields") or {})
    token = override.get("uniqueToken")
    if token is not None:
        if token in ctx.charge_tokens:
            raise bad(
                RES_RATE_PLAN_CHARGE, 30, f"The uniqueToken '{token}' is used by two charges in this order (in {at})."
            )
        ctx.charge_tokens[token] = (doc["subscriptionNumber"], charge_id)
    _set_charge_dates(state, doc, dates)
    return state


def _trigger_day(state: dict[str, Any], dates: ActionDates) -> dt.date | None:
    event = state["triggerEvent"]
    if event == "SpecificDate":
        return parse_date(state["triggerDate"])
    if event == "ServiceActivation":
        return dates.service_activation
    if event == "CustomerAcceptance":
        return dates.customer_acceptance
    return dates.contract_effective


def _set_charge_dates(state: dict[str, Any], doc: dict[str, Any], dates: ActionDates) -> None:
    start = _trigger_day(state, dates)
    state["effectiveStartDate"] = iso(start)
    if start is None:
        state["effectiveEndDate"] = None
        return
    condition = state["endDateCondition"]
    if condition == "One_Time" or state["type"] == "OneTime":
        end: dt.date | None = start + dt.timedelta(days=1)
    elif condition == "Specific_End_Date" and state.get("specificEndDate"):
        end = parse_date(state["specificEndDate"])
    elif condition == "Fixed_Period" and state.get("upToPeriods"):
        unit = {"Days": "Day", "Weeks": "Week", "Months": "Month", "Years": "Year"}.get(
            str(state.get("upToPeriodsType")), "Month"
        )
        end = add_period(start, int(state["upToPeriods"]), unit)
    else:
        end = to_date(doc.get("termEndDate"))
    state["effectiveEndDate"] = iso(end)


def find_rate_plan(ctx: OrderContext, doc: dict[str, Any], ref: dict[str, Any], at: str) -> dict[str, Any]:
    number = doc["subscriptionNumber"]
    active = [rp for rp in doc["ratePlans"] if rp.get("lastChangeType") != REMOVED]
    if ref.get("ratePlanId") is not None:
        rate_plan_id = ref["ratePlanId"]
        original = next((rp["originalRatePlanId"] for rp in doc["ratePlans"] if rp["id"] == rate_plan_id), None)
        if original is None:
            owner = ctx.book.rate_plan_owner(rate_plan_id)
            if owner is None or owner[0] != number:
                raise bad(
                    RES_RATE_PLAN,
                    40,
                    f"The rate plan '{rate_plan_id}' does not exist in subscription '{number}' (in {at}).",
                )
            original = owner[1]
        return _one(active, lambda rp: rp["originalRatePlanId"] == original, "ratePlanId", rate_plan_id, number, at)
    if ref.get("uniqueToken") is not None:
        token = ref["uniqueToken"]
        target = ctx.plan_tokens.get(token)
        if target is None or target[0] != number:
            raise bad(
                RES_RATE_PLAN,
                40,
                f"No rate plan added to subscription '{number}' in this order has the uniqueToken '{token}' (in {at}).",
            )
        return _one(active, lambda rp: rp["originalRatePlanId"] == target[1], "uniqueToken", token, number, at)
    for key in ("subscriptionRatePlanNumber", "externalCatalogPlanId", "productRatePlanNumber", "productRatePlanId"):
        value = ref.get(key)
        if value is not None:
            return _one(active, lambda rp, k=key, v=value: rp.get(k) == v, key, value, number, at)
    raise bad(
        RES_RATE_PLAN,
        22,
        "One of 'ratePlanId', 'subscriptionRatePlanNumber', 'uniqueToken', 'externalCatalogPlanId' or "
        f"'productRatePlanNumber' is required to identify the rate plan (in {at})",
    )


def _one(plans: list[dict[str, Any]], match: Any, key: str, value: str, number: str, at: str) -> dict[str, Any]:
    found = [rp for rp in plans if match(rp)]
    if not found:
        raise bad(
            RES_RATE_PLAN,
            40,
            f"No active rate plan of subscription '{number}' has {key} '{value}' (in {at}).",
        )
    if len(found) > 1:
        raise bad(
            RES_RATE_PLAN,
            30,
            f"{len(found)} rate plans of subscription '{number}' have {key} '{value}'; identify the rate plan "
            f"by 'ratePlanId' (in {at}).",
        )
    return found[0]


def find_charge(
    ctx: OrderContext, rate_plan: dict[str, Any], ref: dict[str, Any], number: str, at: str
) -> dict[str, Any]:
    charges = rate_plan["ratePlanCharges"]
    if ref.get("chargeNumber") is not None:
        found = [c for c in charges if c["number"] == ref["chargeNumber"]]
        label, value = "chargeNumber", ref["chargeNumber"]
    elif ref.get("uniqueToken") is not None:
        target = ctx.charge_tokens.get(ref["uniqueToken"])
        found = [c for c in charges if target is not None and c["originalChargeId"] == target[1]]
        label, value = "uniqueToken", ref["uniqueToken"]
    elif ref.get("productRatePlanChargeId") is not None:
        found = [c for c in charges if c["productRatePlanChargeId"] == ref["productRatePlanChargeId"]]
        label, value = "productRatePlanChargeId", ref["productRatePlanChargeId"]
    elif ref.get("productRatePlanChargeNumber") is not None:
        found = [c for c in charges if c["productRatePlanChargeNumber"] == ref["productRatePlanChargeNumber"]]
        label, value = "productRatePlanChargeNumber", ref["productRatePlanChargeNumber"]
    else:
        raise bad(
            RES_RATE_PLAN_CHARGE,
            22,
            "One of 'chargeNumber', 'uniqueToken', 'productRatePlanChargeId' or 'productRatePlanChargeNumber' "
            f"is required to identify the charge (in {at})",
        )
    if not found:
        raise bad(
            RES_RATE_PLAN_CHARGE,
            40,
            f"No charge with {label} '{value}' exists in rate plan '{rate_plan['id']}' of subscription "
            f"'{number}' (in {at}).",
        )
    charge: dict[str, Any] = found[0]
    return charge
