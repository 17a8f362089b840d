"""Order actions on an existing subscription (zuora-api.md §3.5): each changes the draft of its new version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cpq_desktop.sandbox.zuora.orders_context import (
    ACTIVE,
    CANCELLED,
    REMOVED,
    SUSPENDED,
    ActionDates,
    OrderContext,
    bad,
    to_date,
)
from cpq_desktop.sandbox.zuora.orders_pricing import apply_pricing
from cpq_desktop.sandbox.zuora.orders_rate_plans import find_charge, find_rate_plan, new_rate_plan
from cpq_desktop.sandbox.zuora.orders_schema import RES_SUBSCRIPTION
from cpq_desktop.sandbox.zuora.subscriptions_terms import add_period


def ensure_changeable(doc: dict[str, Any], kind: str, at: str) -> None:
    if doc["status"] == CANCELLED:
        raise bad(
            RES_SUBSCRIPTION,
            30,
            f"The subscription '{doc['subscriptionNumber']}' is cancelled; an order action of type {kind} "
            f"cannot be applied to it (in {at}).",
        )


def _add_product(ctx: OrderContext, doc: dict[str, Any], payload: dict[str, Any], dates: ActionDates, at: str) -> None:
    doc["ratePlans"].append(new_rate_plan(ctx, doc, payload, dates, f"{at}.addProduct", "Add"))


def _update_product(
    ctx: OrderContext, doc: dict[str, Any], payload: dict[str, Any], dates: ActionDates, at: str
) -> None:
    rate_plan = find_rate_plan(ctx, doc, payload, f"{at}.updateProduct")
    for name in payload.get("clearingCustomFields") or []:
        rate_plan[name] = None
    rate_plan.update(payload.get("customFields") or {})
    rate_plan["lastChangeType"] = "Update"
    effective = to_date(payload.get("specificUpdateDate")) or dates.contract_effective
    for k, update in enumerate(payload.get("chargeUpdates") or []):
        where = f"{at}.updateProduct.chargeUpdates[{k}]"
        charge = find_charge(ctx, rate_plan, update, doc["subscriptionNumber"], where)
        if update.get("pricing"):
            apply_pricing(charge, update["pricing"], override=False, at=f"{where}.pricing")
        if update.get("description") is not None:
            charge["description"] = update["description"]
        for name in update.get("clearingCustomFields") or []:
            charge[name] = None
        charge.update(update.get("customFields") or {})
        alignment = (update.get("billing") or {}).get("billingPeriodAlignment")
        if alignment is not None:
            charge["billingPeriodAlignment"] = alignment
        charge["version"] += 1
        charge["segment"] += 1
        charge["effectiveStartDate"] = effective.isoformat()
        charge["amendedByOrderOn"] = ctx.order_date.isoformat()


def _remove_product(
    ctx: OrderContext, doc: dict[str, Any], payload: dict[str, Any], dates: ActionDates, at: str
) -> None:
    rate_plan = find_rate_plan(ctx, doc, payload, f"{at}.removeProduct")
    rate_plan.update(payload.get("customFields") or {})
    removal = dates.contract_effective.isoformat()
    for k, update in enumerate(payload.get("chargeUpdates") or []):
        charge = find_charge(
            ctx, rate_plan, update, doc["subscriptionNumber"], f"{at}.removeProduct.chargeUpdates[{k}]"
        )
        charge.update(update.get("customFields") or {})
    _end_rate_plan(ctx, rate_plan, removal)


def _end_rate_plan(ctx: OrderContext, rate_plan: dict[str, Any], day: str) -> None:
    rate_plan["lastChangeType"] = REMOVED
    for charge in rate_plan["ratePlanCharges"]:
        charge["effectiveEndDate"] = day
        charge["amendedByOrderOn"] = ctx.order_date.isoformat()


def _change_plan(ctx: OrderContext, doc: dict[str, Any], payload: dict[str, Any], dates: ActionDates, at: str) -> None:
    """One rate plan replaced by another: the old one removed, the new one added, on the same day.

    Every effective policy takes effect on the action's contract-effective date: without bill runs
    the end of the current billing period is not known here.
    """
    old = find_rate_plan(ctx, doc, payload, f"{at}.changePlan")
    _end_rate_plan(ctx, old, dates.contract_effective.isoformat())
    new = new_rate_plan(ctx, doc, payload["newProductRatePlan"], dates, f"{at}.changePlan.newProductRatePlan", "Add")
    doc["ratePlans"].append(new)


def _apply_attributes(doc: dict[str, Any], payload: dict[str, Any]) -> None:
    for key in (
        "paymentTerm",
        "invoiceTemplateId",
        "sequenceSetId",
        "communicationProfileId",
        "invoiceGroupNumber",
        "billToContactId",
        "soldToContactId",
        "invoiceSeparately",
    ):
        if payload.get(key) is not None:
            doc[key] = payload[key]


def _terms_and_conditions(
    ctx: OrderContext, doc: dict[str, Any], payload: dict[str, Any], dates: ActionDates, at: str
) -> None:
    _apply_attributes(doc, payload)
    if payload.get("autoRenew") is not None:
        doc["autoRenew"] = payload["autoRenew"]
    if payload.get("renewalSetting") is not None:
        doc["renewalSetting"] = payload["renewalSetting"]
    renewal = (payload.get("renewalTerms") or [None])[0]
    if renewal:
        doc["renewalTerm"] = renewal.get("period", doc.get("renewalTerm"))
        doc["renewalTermPeriodType"] = renewal.get("periodType", doc.get("renewalTermPeriodType"))
    last = payload.get("lastTerm")
    if last is not None:
        start = to_date(last.get("startDate")) or to_date(doc.get("termStartDate")) or dates.contract_effective
        if last["termType"] == "EVERGREEN":
            doc.update(termType="EVERGREEN", currentTerm=None, currentTermPeriodType=None, termEndDate=None)
            doc["subscriptionEndDate"] = None
        else:
            period = last.get("period", doc.get("currentTerm"))
            period_type = last.get("periodType", doc.get("currentTermPeriodType"))
            if period is None or period_type is None:
                raise bad(
                    RES_SUBSCRIPTION,
                    22,
                    "'period' and 'periodType' may not be empty for a TERMED term (in "
                    f"{at}.termsAndConditions.lastTerm)",
                )
            end = add_period(start, period, period_type)
            doc.update(
                termType="TERMED",
                termStartDate=start.isoformat(),
                currentTerm=period,
                currentTermPeriodType=period_type,
                termEndDate=end.isoformat(),
                subscriptionEndDate=end.isoformat(),
            )
            if doc.get("initialTerm") is None or doc["termStartDate"] == doc["subscriptionStartDate"]:
                doc.update(initialTerm=period, initialTermPeriodType=period_type)
            if doc.get("renewalTerm") is None:
                doc.update(renewalTerm=period, renewalTermPeriodType=period_type)
        extend_charges_to_term_end(doc)


def extend_charges_to_term_end(doc: dict[str, Any]) -> None:
    for rp in doc["ratePlans"]:
        if rp.get("lastChangeType") == REMOVED:
            continue
        for charge in rp["ratePlanCharges"]:
            if charge["type"] != "OneTime" and charge["endDateCondition"] == "Subscription_End":
                charge["effectiveEndDate"] = doc.get("termEndDate")


def _renew(ctx: OrderContext, doc: dict[str, Any], payload: dict[str, Any], dates: ActionDates, at: str) -> None:
    if doc["termType"] != "TERMED":
        raise bad(
            RES_SUBSCRIPTION,
            30,
            f"The subscription '{doc['subscriptionNumber']}' is evergreen and cannot be renewed (in {at}).",
        )
    _apply_attributes(doc, payload)
    start = to_date(doc["termEndDate"])
    assert start is not None
    if doc.get("renewalSetting") == "RENEW_TO_EVERGREEN":
        doc.update(
            termType="EVERGREEN",
            termStartDate=start.isoformat(),
            currentTerm=None,
            currentTermPeriodType=None,
            termEndDate=None,
            subscriptionEndDate=None,
        )
    else:
        period = int(doc.get("renewalTerm") or 0)
        period_type = doc.get("renewalTermPeriodType") or "Month"
        if period <= 0:
            raise bad(
                RES_SUBSCRIPTION,
                30,
                f"The subscription '{doc['subscriptionNumber']}' has a renewal term of 0; set 'renewalTerms' with a "
                f"TermsAndConditions action before renewing (in {at}).",
            )
        end = add_period(start, period, period_type)
        doc.update(
            termStartDate=start.isoformat(),
            currentTerm=period,
            currentTermPeriodType=period_type,
            termEndDate=end.isoformat(),
            subscriptionEndDate=end.isoformat(),
        )
    extend_charges_to_term_end(doc)


def _cancel(ctx: OrderContext, doc: dict[str, Any], payload: dict[str, Any], dates: ActionDates, at: str) -> None:
    policy = payload["cancellationPolicy"]
    if policy == "SpecificDate":
        day = to_date(payload.get("cancellationEffectiveDate"))
        if day is None:
            raise bad(
                RES_SUBSCRIPTION,
                22,
                "'cancellationEffectiveDate' may not be empty when 'cancellationPolicy' is SpecificDate "
                f"(in {at}.cancelSubscription)",
            )
    elif policy == "EndOfCurrentTerm":
        day = to_date(doc.get("termEndDate"))
        if day is None:
            raise bad(
                RES_SUBSCRIPTION,
                30,
                "An evergreen subscription has no current term end; use the SpecificDate policy (in "
                f"{at}.cancelSubscription).",
            )
    else:
        # No bill runs here, so the last invoiced period ends on the action's contract-effective date.
        day = dates.contract_effective
    start = to_date(doc.get("subscriptionStartDate"))
    if start is not None and day < start:
        raise bad(
            RES_SUBSCRIPTION,
            30,
            f"The cancellation date {day.isoformat()} is before the subscription start date "
            f"{start.isoformat()} (in {at}).",
        )
    doc["status"] = CANCELLED
    doc["subscriptionEndDate"] = day.isoformat()
    doc["_cancelledDate"] = day.isoformat()
    for rp in doc["ratePlans"]:
        for charge in rp["ratePlanCharges"]:
            end = to_date(charge.get("effectiveEndDate"))
            if end is None or end > day:
                charge["effectiveEndDate"] = day.isoformat()


def _owner_transfer(
    ctx: OrderContext, doc: dict[str, Any], payload: dict[str, Any], dates: ActionDates, at: str
) -> None:
    owner_key = payload.get("destinationAccountNumber")
    invoice_key = payload.get("destinationInvoiceAccountNumber")
    if owner_key is None and invoice_key is None:
        raise bad(
            RES_SUBSCRIPTION,
            22,
            f"'destinationAccountNumber' or 'destinationInvoiceAccountNumber' may not be empty (in {at}.ownerTransfer)",
        )
    if owner_key is not None:
        owner = ctx.account(owner_key, "destinationAccountNumber", RES_SUBSCRIPTION)
        doc.update(accountId=owner.id, accountNumber=owner.number, accountName=owner.name)
    if invoice_key is not None:
        invoice_owner = ctx.account(invoice_key, "destinationInvoiceAccountNumber", RES_SUBSCRIPTION)
        if invoice_owner.currency != doc["currency"] and not ctx.settings.multi_currency_enabled:
            raise bad(
                RES_SUBSCRIPTION,
                30,
                f"Currency mismatch: the new invoice owner '{invoice_owner.number}' bills in "
                f"{invoice_owner.currency}, the subscription in {doc['currency']} (in {at}).",
            )
        doc.update(
            invoiceOwnerAccountId=invoice_owner.id,
            invoiceOwnerAccountNumber=invoice_owner.number,
            invoiceOwnerAccountName=invoice_owner.name,
        )
        if payload.get("billToContactId") is None:
            doc["billToContactId"] = invoice_owner.bill_to_contact_id
    _apply_attributes(doc, payload)


def _policy_date(
    ctx: OrderContext,
    policy: str,
    specific: str | None,
    periods: int | None,
    period_type: str | None,
    dates: ActionDates,
    prefix: str,
    at: str,
) -> dt.date:
    if policy == "SpecificDate":
        day = to_date(specific)
        if day is None:
            raise bad(
                RES_SUBSCRIPTION,
                22,
                f"'{prefix}SpecificDate' may not be empty when '{prefix}Policy' is SpecificDate (in {at})",
            )
        return day
    if policy.startswith("FixedPeriods"):
        if periods is None or period_type is None:
            raise bad(
                RES_SUBSCRIPTION,
                22,
                f"'{prefix}Periods' and '{prefix}PeriodsType' may not be empty when '{prefix}Policy' is "
                f"{policy} (in {at})",
            )
        return add_period(ctx.today, periods, period_type)
    if policy == "EndOfLastInvoicePeriod":
        return dates.contract_effective
    return ctx.today


def _suspend(ctx: OrderContext, doc: dict[str, Any], payload: dict[str, Any], dates: ActionDates, at: str) -> None:
    if doc["status"] != ACTIVE:
        raise bad(
            RES_SUBSCRIPTION,
            30,
            f"Only an active subscription can be suspended; '{doc['subscriptionNumber']}' is "
            f"{doc['status']} (in {at}).",
        )
    day = _policy_date(
        ctx,
        payload["suspendPolicy"],
        payload.get("suspendSpecificDate"),
        payload.get("suspendPeriods"),
        payload.get("suspendPeriodsType"),
        dates,
        "suspend",
        f"{at}.suspend",
    )
    doc["status"] = SUSPENDED
    doc["_suspendDate"] = day.isoformat()


def _resume(ctx: OrderContext, doc: dict[str, Any], payload: dict[str, Any], dates: ActionDates, at: str) -> None:
    if doc["status"] != SUSPENDED:
        raise bad(
            RES_SUBSCRIPTION,
            30,
            f"Only a suspended subscription can be resumed; '{doc['subscriptionNumber']}' is "
            f"{doc['status']} (in {at}).",
        )
    suspended = to_date(doc.get("_suspendDate")) or dates.contract_effective
    policy = payload["resumePolicy"]
    if policy == "SuspendDate":
        day = suspended
    elif policy == "FixedPeriodsFromSuspendDate":
        if payload.get("resumePeriods") is None or payload.get("resumePeriodsType") is None:
            raise bad(
                RES_SUBSCRIPTION,
                22,
                "'resumePeriods' and 'resumePeriodsType' may not be empty when 'resumePolicy' is "
                f"{policy} (in {at}.resume)",
            )
        day = add_period(suspended, payload["resumePeriods"], payload["resumePeriodsType"])
    else:
        day = _policy_date(
            ctx,
            policy,
            payload.get("resumeSpecificDate"),
            payload.get("resumePeriods"),
            payload.get("resumePeriodsType"),
            dates,
            "resume",
            f"{at}.resume",
        )
    if day < suspended:
        raise bad(
            RES_SUBSCRIPTION,
            30,
            f"The resume date {day.isoformat()} is before the suspend date {suspended.isoformat()} (in {at}).",
        )
    doc["status"] = ACTIVE
    doc["_resumeDate"] = day.isoformat()
    if payload.get("extendsTerm") and doc.get("termEndDate"):
        end = to_date(doc["termEndDate"])
        assert end is not None
        extended = end + (day - suspended)
        doc["termEndDate"] = extended.isoformat()
        doc["subscriptionEndDate"] = extended.isoformat()
        extend_charges_to_term_end(doc)


Action = Callable[[OrderContext, dict[str, Any], dict[str, Any], ActionDates, str], None]

APPLY: dict[str, Action] = {
    "AddProduct": _add_product,
    "UpdateProduct": _update_product,
    "RemoveProduct": _remove_product,
    "TermsAndConditions": _terms_and_conditions,
    "RenewSubscription": _renew,
    "CancelSubscription": _cancel,
    "OwnerTransfer": _owner_transfer,
    "Suspend": _suspend,
    "Resume": _resume,
    "ChangePlan": _change_plan,
}
