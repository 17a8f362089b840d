"""Checks made before anything is written (connector-spec §6.2 and the validations it implies).

Each failed check raises :class:`RecordFailed` with one message that names the record and says what to
fix in Salesforce. Account checks live with the accounts (:mod:`.accounts`), catalog checks with the
catalog (:mod:`.catalog`).
"""

from __future__ import annotations

from typing import Any

from cpq_desktop.core.planning.context import PlanContext, RecordFailed
from cpq_desktop.core.planning.graph import Record
from cpq_desktop.core.sync.plan import ErrorClass

SUBSCRIPTION_CHARGE_TYPES = frozenset({"Recurring", "Usage"})
REVISION_ACTIONS = frozenset({"Quantity Increase", "Quantity Decrease", "Cancel"})


def item_label(item: Record) -> str:
    return f"order product {item.get('OrderItemNumber') or ''} ({item['Id']})".replace("  ", " ")


def is_subscription_item(item: Record) -> bool:
    charge_type = str(item.get("SBQQ__ChargeType__c") or "")
    return bool(item.get("SBQQ__Subscription__c")) or (
        charge_type in SUBSCRIPTION_CHARGE_TYPES and bool(item.get("SBQQ__SubscriptionPricing__c"))
    )


def validate_order(ctx: PlanContext, order: Record, items: list[Record]) -> None:
    number = order.get("OrderNumber")
    if str(order.get("Status") or "") != "Activated":
        raise RecordFailed(
            ErrorClass.ORDER_NOT_ACTIVATED,
            f"Order {number} is {order.get('Status') or 'not activated'}; only activated orders are synced. "
            "Activate (and contract) it in Salesforce, then sync again.",
        )
    if not items:
        raise RecordFailed(ErrorClass.UNSUPPORTED, f"Order {number} has no order products; there is nothing to send.")
    currency = ctx.currency_of(order)
    for item in items:
        _validate_item(ctx, order, item, currency)


def _validate_item(ctx: PlanContext, order: Record, item: Record, currency: str) -> None:
    number = order.get("OrderNumber")
    label = item_label(item)
    charge_type = str(item.get("SBQQ__ChargeType__c") or "")
    if item.get("SBQQ__SegmentKey__c"):
        raise RecordFailed(
            ErrorClass.UNSUPPORTED,
            f"Order {number}: {label} is a segment of a multi-dimensional (MDQ/ramp) product, which the connector "
            "does not support (connector-spec §3.13). Quote each ramp period in its own quote line group with "
            "'Order By Quote Line Group' and Contracting Method 'Single Contract', so each becomes its own order.",
        )
    if charge_type == "Usage" and not item.get("SBQQ__Subscription__c"):
        raise RecordFailed(
            ErrorClass.USAGE_WITHOUT_SUBSCRIPTION,
            f"Order {number}: usage {label} has no CPQ subscription; Zuora order line items cannot carry usage. "
            "Contract the order in Salesforce so the usage product gets its subscription.",
        )
    if is_subscription_item(item) and not item.get("SBQQ__Subscription__c"):
        raise RecordFailed(
            ErrorClass.NO_MATCHING_SUBSCRIPTION,
            f"No matching Subscription for OrderItem: order {number}, {label} is a subscription product without "
            "a CPQ subscription record. Activate the order and tick Contracted in Salesforce, then sync again.",
        )
    revised = item.get("SBQQ__RevisedOrderProduct__c")
    quantity = float(item.get("Quantity") or 0)
    is_revision = str(item.get("SBQQ__ContractAction__c") or "") in REVISION_ACTIONS or quantity < 0
    if is_revision and item.get("SBQQ__Subscription__c") and not revised:
        raise RecordFailed(
            ErrorClass.MISSING_REVISED_ORDER_PRODUCT,
            f"Order {number}: {label} changes an existing subscription "
            f"({item.get('SBQQ__ContractAction__c') or 'negative quantity'}) but its Revised Order Product is "
            "empty, so the Zuora rate plan to amend cannot be found. Amend "
            "through the CPQ amendment flow (it fills SBQQ__RevisedOrderProduct__c), then sync again.",
        )
    if revised and ctx.graph.get("OrderItem", str(revised)) is None:
        raise RecordFailed(
            ErrorClass.MISSING_REVISED_ORDER_PRODUCT,
            f"Order {number}: {label} revises order product {revised}, which does not exist or cannot be read. "
            "Check that the original order product was not deleted and is visible to the integration user.",
        )
    _check_currency(ctx, number, label, item, currency)
    for schedule in ctx.graph.schedules_of(str(item["Id"])):
        _check_currency(ctx, number, f"consumption schedule {schedule['Id']} of {label}", schedule, currency)
        for rate in ctx.graph.rates_of(str(schedule["Id"])):
            _check_currency(ctx, number, f"consumption rate {rate['Id']} of {label}", rate, currency)


def _check_currency(ctx: PlanContext, number: Any, what: str, record: Record, currency: str) -> None:
    own = record.get("CurrencyIsoCode")
    if own and own != currency:
        raise RecordFailed(
            ErrorClass.MIXED_CURRENCIES,
            f"Order {number} is in {currency} but its {what} is in {own}; one Zuora order takes one currency "
            "(consumption schedules included). Make every line of the order use the order's currency.",
        )
