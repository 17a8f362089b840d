"""One Orders API request per Salesforce order (connector-spec §3, §4.2), split when it is too big.

How an order product becomes Zuora order content (salesforce-api §4.4):

- no CPQ subscription → an order line item (3.2, 3.8);
- a subscription and no Revised Order Product → ``CreateSubscription`` (3.1, 3.3, 3.6's rebook, 3.10–3.12),
  with one rate plan per consumption schedule for usage (2.5);
- a Revised Order Product → a change of the Zuora rate plan whose externally managed plan id is the
  chain's *anchor* (the first order product; through renewals, the one the renewed subscription came
  from): ``UpdateProduct`` to the chain's summed quantity (3.4), ``RemoveProduct`` when a line reaches 0,
  ``CancelSubscription`` when every line of the subscription does (3.5, 3.6's debook);
- contract action ``Renew`` → ``RenewSubscription`` once per subscription, plus ``UpdateProduct`` when the
  renewal changes price or quantity (3.7);
- an invoice owner different from the one the subscription had → ``OwnerTransfer`` (3.9).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cpq_desktop.core.mapping import pairs
from cpq_desktop.core.mapping.model import ZUORA_CUSTOM_SUFFIX
from cpq_desktop.core.planning.accounts import account_ref
from cpq_desktop.core.planning.catalog import orders_charge_type, orders_model, product_charge, usage_charge
from cpq_desktop.core.planning.catalog_ref import ChargeRef
from cpq_desktop.core.planning.context import (
    HeldBackError,
    PlanContext,
    PlannedLine,
    RecordFailed,
    ref,
)
from cpq_desktop.core.planning.graph import Record
from cpq_desktop.core.planning.pricing import charge_override, charge_update, number, usage_override
from cpq_desktop.core.planning.validation import item_label, validate_order
from cpq_desktop.core.sync.plan import (
    AlreadyInZuora,
    ErrorClass,
    LookupKind,
    PlanStep,
    Request,
    ResultLookup,
    StepKind,
    placeholders_in,
)

SYNC_LIMIT = 50  # actions and subscriptions per synchronous call (zuora-api §3.1)
ASYNC_LIMIT = 300
LINE_ITEM_LIMIT = 100
TRIGGER_ORDER = ("ContractEffective", "ServiceActivation", "CustomerAcceptance")
PROCESSING = {"runBilling": False, "collectPayment": False}


def order_step_id(order_id: str) -> str:
    return f"order:{order_id}"


def _trigger_list(values: dict[str, Any]) -> list[dict[str, str]]:
    return [{"name": name, "triggerDate": str(values[name])} for name in TRIGGER_ORDER if values.get(name)]


def order_trigger_dates(ctx: PlanContext, order: Record) -> list[dict[str, str]]:
    """Trigger dates of an amendment's actions: the order's effective date (all three with the option)."""
    values = {"ContractEffective": order.get("EffectiveDate")}
    if ctx.options.trigger_dates_on_order:
        values["ServiceActivation"] = order.get("CompanyAuthorizedDate")
        values["CustomerAcceptance"] = order.get("CustomerAuthorizedDate")
    return _trigger_list(values)


def _split_custom(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    standard = {k: v for k, v in values.items() if not k.endswith(ZUORA_CUSTOM_SUFFIX)}
    custom = {k: v for k, v in values.items() if k.endswith(ZUORA_CUSTOM_SUFFIX)}
    return standard, custom


@dataclass
class _SubscriptionWork:
    """The order actions one Zuora subscription gets from this order."""

    number: str | None
    entry: dict[str, Any] = field(default_factory=dict)  # subscriptionNumber, customFields, quote …
    actions: list[dict[str, Any]] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


@dataclass
class _Change:
    origin: str
    anchor: str
    line: PlannedLine
    items: list[Record]
    old_quantity: float
    new_quantity: float


class OrderPlanner:
    def __init__(self, ctx: PlanContext, order: Record) -> None:
        self.ctx = ctx
        self.order = order
        self.order_ref = ref("Order", order, "OrderNumber")
        self.number = str(order.get("OrderNumber") or order["Id"])
        self.items = ctx.graph.items_of(str(order["Id"]))
        self.dependencies: list[str] = []
        self.work: dict[str, _SubscriptionWork] = {}
        self.new_work: list[_SubscriptionWork] = []
        self.line_items: list[dict[str, Any]] = []
        self.line_details: list[str] = []
        self.owner_items: list[dict[str, Any]] = []
        self.items_owner: str | None = None
        self.commits: list[tuple[str, PlannedLine, str | None]] = []

    # -- anchors ------------------------------------------------------------------------------

    def anchor_of(self, item_id: str) -> str:
        """The order product whose id the Zuora rate plan carries, following revisions and renewals."""
        seen: set[str] = set()
        current = item_id
        while current not in seen:
            seen.add(current)
            item = self.ctx.graph.get("OrderItem", current)
            if item is None:
                return current
            revised = item.get("SBQQ__RevisedOrderProduct__c")
            if revised:
                current = str(revised)
                continue
            if str(item.get("SBQQ__ContractAction__c") or "") == "Renew":
                renewed_item = self._renewed_item(item)
                if renewed_item is not None:
                    current = renewed_item
                    continue
            return current
        return current

    def _renewed_item(self, item: Record) -> str | None:
        """The order product behind the subscription a renewal line renews (via its quote line)."""
        quote_line = item.get("SBQQ__QuoteLine__r")
        if not isinstance(quote_line, dict):
            quote_line = self.ctx.graph.get("SBQQ__QuoteLine__c", item.get("SBQQ__QuoteLine__c")) or {}
        renewed = quote_line.get("SBQQ__RenewedSubscription__c")
        if not renewed:
            return None
        subscription = self.ctx.graph.get("SBQQ__Subscription__c", str(renewed))
        if subscription and subscription.get("SBQQ__OrderProduct__c"):
            return str(subscription["SBQQ__OrderProduct__c"])
        items = self.ctx.graph.where("OrderItem", "SBQQ__Subscription__c", renewed)
        return str(items[0]["Id"]) if items else None

    def line_for(self, anchor: str, item: Record) -> PlannedLine:
        ctx = self.ctx
        if anchor in ctx.lines:
            line = ctx.lines[anchor]
            if line.subscription_number:
                return line
        found = ctx.zuora.rate_plans.get(anchor)
        if found is not None:
            account, subscription, plan = found
            expected = str(self.order.get("SubscriptionOwner__c") or self.order.get("AccountId") or "")
            if expected and account.crm_id and account.crm_id != expected:
                raise RecordFailed(
                    ErrorClass.NO_MATCHING_RATE_PLAN,
                    f"Unable to locate a matching rate plan to amend for OrderItem {item['Id']}: the rate plan with "
                    f"externally managed plan id {anchor} is on subscription {subscription.number} of Zuora account "
                    f"{account.number}, not under the order's subscription owner ({expected}). Keep the subscription "
                    "owner identical in Salesforce and Zuora (move the subscription back in Zuora).",
                )
            charge = plan.charges[0] if plan.charges else None
            line = PlannedLine(
                subscription_number=subscription.number,
                rate_plan_id=plan.id,
                product_id=None,
                charge_number=charge.number if charge else None,
                charge=ChargeRef(
                    charge.product_rate_plan_charge_id if charge else "",
                    None,
                    orders_charge_type(charge.charge_type) if charge else "",
                    orders_model(charge.model) if charge else "",
                    f"rate plan {plan.id}",
                ),
                quantity=charge.quantity if charge else None,
                price=charge.price if charge else None,
            )
            ctx.lines[anchor] = line
            anchors = ctx.subscription_anchors.setdefault(subscription.number, set())
            for other in subscription.rate_plans:
                if other.externally_managed_plan_id:
                    anchors.add(self._item_of_plan_anchor(other.externally_managed_plan_id))
            if subscription.invoice_owner_id and subscription.number not in ctx.invoice_owner:
                owner = next(
                    (a.crm_id for a in ctx.zuora.accounts.values() if a.id == subscription.invoice_owner_id), None
                )
                if owner:
                    ctx.invoice_owner[subscription.number] = owner
            return line
        origin_item = ctx.graph.get("OrderItem", anchor)
        origin_order = ctx.graph.get("Order", (origin_item or {}).get("OrderId"))
        origin_label = (
            f"order {origin_order.get('OrderNumber')}" if origin_order else f"the order of order product {anchor}"
        )
        if origin_order is not None and str(origin_order["Id"]) in ctx.failed:
            raise HeldBackError(
                f"its original {origin_label} cannot be synced; fix that order first",
                ctx.failed[str(origin_order["Id"])],
            )
        if anchor in ctx.lines:
            raise HeldBackError(
                f"the subscription of its original {origin_label} gets its number from Zuora (the mapping sends no "
                "subscriptionNumber), so this amendment can only be planned once that order is in Zuora"
            )
        if origin_order is not None and str(origin_order.get("OrderNumber")) in ctx.zuora.existing_orders:
            raise RecordFailed(
                ErrorClass.NO_MATCHING_RATE_PLAN,
                f"Unable to locate a matching rate plan to amend for OrderItem {item['Id']}: {origin_label} is in "
                f"Zuora, but no rate plan under the subscription owner has externally managed plan id {anchor}. Put "
                f"{anchor} back into that rate plan's Externally Managed Plan Id in Zuora, then sync again.",
            )
        raise HeldBackError(
            f"its original {origin_label} is not in Zuora yet (no rate plan has externally managed plan id {anchor}); "
            "sync the original order first, or include it in the same sync",
            ref("Order", origin_order, "OrderNumber") if origin_order else None,
        )

    def _item_of_plan_anchor(self, anchor: str) -> str:
        schedule = self.ctx.graph.get("SBQQ__OrderItemConsumptionSchedule__c", anchor)
        return str(schedule["SBQQ__OrderItem__c"]) if schedule and schedule.get("SBQQ__OrderItem__c") else anchor

    # -- building ----------------------------------------------------------------------------

    def already_in_zuora(self) -> str | None:
        ctx = self.ctx
        if self.number in ctx.zuora.existing_orders:
            return f"order {self.number}"
        new_lines = [
            i
            for i in self.items
            if i.get("SBQQ__Subscription__c")
            and not i.get("SBQQ__RevisedOrderProduct__c")
            and str(i.get("SBQQ__ContractAction__c") or "") != "Renew"
        ]
        found = [ctx.zuora.rate_plans[str(i["Id"])] for i in new_lines if str(i["Id"]) in ctx.zuora.rate_plans]
        if found:
            numbers = sorted({sub.number for _, sub, _ in found})
            return f"subscription{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}"
        return None

    def plan(self) -> None:
        ctx = self.ctx
        existing = self.already_in_zuora()
        if existing is not None:
            ctx.already.append(AlreadyInZuora(record=self.order_ref, zuora_key=existing))
            return
        ctx.current_order, ctx.current_step = str(self.order["Id"]), order_step_id(str(self.order["Id"]))
        try:
            self._plan()
        finally:
            ctx.current_order = ctx.current_step = None

    def _plan(self) -> None:
        ctx = self.ctx
        with ctx.collecting() as dependencies:
            top = ctx.apply(pairs.ORDER.id, ctx.graph.linked("Order", self.order))
            opportunity = ctx.graph.get("Opportunity", self.order.get("OpportunityId"))
            extra: dict[str, Any] = {}
            if ctx.options.sync_opportunity_fields and opportunity is not None:
                extra = ctx.apply(pairs.OPPORTUNITY.id, opportunity)
            changes: dict[str, list[Record]] = defaultdict(list)
            renewals: list[Record] = []
            for item in self.items:
                if not item.get("SBQQ__Subscription__c"):
                    self._line_item(item)
                elif item.get("SBQQ__RevisedOrderProduct__c"):
                    changes[str(item["SBQQ__RevisedOrderProduct__c"])].append(item)
                elif str(item.get("SBQQ__ContractAction__c") or "") == "Renew":
                    renewals.append(item)
                else:
                    self._new_subscription(item)
            self._changes(changes)
            self._renewals(renewals)
            self._owner_transfers()
        self.dependencies = list(dependencies)
        self._emit(top, extra)

    def _line_item(self, item: Record) -> None:
        ctx = self.ctx
        values = ctx.apply(pairs.ORDER_LINE_ITEM.id, ctx.graph.linked("OrderItem", item))
        standard, custom = _split_custom(values)
        # a line item is billed to its order's account: one billed to an invoice owner goes in an order of
        # that account (the logical target invoiceOwnerAccountNumber)
        owner = standard.pop("invoiceOwnerAccountNumber", None)
        for key in ("quantity", "listPricePerUnit", "amountPerUnit"):
            if key in standard:
                standard[key] = number(standard[key])
        if custom:
            standard["customFields"] = custom
        words = (
            f"order line item {standard.get('itemName')!r} × {standard.get('quantity')} at "
            f"{standard.get('listPricePerUnit')} ({item_label(item)})"
        )
        if owner:
            self.owner_items.append(standard)
            self.items_owner = str(owner)
            words += ", billed to the invoice owner in an order of its own"
        else:
            self.line_items.append(standard)
        self.line_details.append(words)

    def _shape_subscription(
        self, values: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, str]]]:
        """(subscriptions[] entry keys, createSubscription body, trigger dates) from the mapped values."""
        standard, custom = _split_custom(values)
        triggers = _trigger_list(standard.pop("triggerDates", None) or {})
        entry: dict[str, Any] = {}
        if custom:
            entry["customFields"] = custom
        if "quote" in standard:
            entry["quote"] = standard.pop("quote")
        if not self.ctx.multi_currency:
            standard.pop("currency", None)
        terms = standard.get("terms") or {}
        initial = terms.get("initialTerm") or {}
        start = initial.get("startDate")
        for trigger in triggers:
            # an add-on in an amendment starts with its own term, not on the contract's first day
            if trigger["name"] == "ContractEffective" and start and trigger["triggerDate"] < str(start):
                trigger["triggerDate"] = str(start)
        if initial.get("termType") == "EVERGREEN":
            terms["initialTerm"] = {
                "termType": "EVERGREEN",
                **({"startDate": initial["startDate"]} if "startDate" in initial else {}),
            }
            terms.pop("renewalTerms", None)
        return entry, standard, triggers

    def _new_subscription(self, item: Record) -> None:
        ctx = self.ctx
        subscription = ctx.graph.get("SBQQ__Subscription__c", item.get("SBQQ__Subscription__c"))
        if subscription is None:
            raise RecordFailed(
                ErrorClass.NO_MATCHING_SUBSCRIPTION,
                f"No matching Subscription for OrderItem: order {self.number}, {item_label(item)} points at "
                f"subscription {item.get('SBQQ__Subscription__c')}, which cannot be read.",
            )
        linked = ctx.graph.linked("SBQQ__Subscription__c", subscription)
        entry, create, triggers = self._shape_subscription(ctx.apply(pairs.SUBSCRIPTION.id, linked))
        plans, line, description = self._rate_plans(item, linked)
        line.renewal_term = _renewal_term(create.get("terms") or {})
        create["subscribeToRatePlans"] = plans
        action: dict[str, Any] = {"type": "CreateSubscription"}
        if triggers:
            action["triggerDates"] = triggers
        action["createSubscription"] = create
        number_ = create.get("subscriptionNumber")
        work = _SubscriptionWork(number=str(number_) if number_ else None, entry=entry, actions=[action])
        term = create.get("terms", {}).get("initialTerm", {})
        length = (
            "evergreen"
            if term.get("termType") == "EVERGREEN"
            else f"{term.get('period')} {str(term.get('periodType') or '').lower()}s from {term.get('startDate')}"
        )
        work.details.append(
            f"CreateSubscription {number_ or '(number from Zuora)'}: {description}, {length} ({item_label(item)})"
        )
        self.new_work.append(work)
        self.commits.append((str(item["Id"]), line, work.number))

    def _rate_plans(self, item: Record, linked_sub: Record) -> tuple[list[dict[str, Any]], PlannedLine, str]:
        ctx = self.ctx
        product_id = str(item.get("Product2Id") or "")
        linked_item = ctx.graph.linked("OrderItem", item)
        plans: list[dict[str, Any]] = []
        schedules = ctx.graph.schedules_of(str(item["Id"]))
        charge: ChargeRef | None = None
        values: dict[str, Any] = {}
        words: list[str] = []
        if not schedules or str(item.get("SBQQ__ChargeType__c") or "") != "Usage":
            charge = product_charge(ctx, product_id)
            ctx.depend(charge.depends_on)
            plan_values = ctx.apply(pairs.SUBSCRIPTION_RATE_PLAN.id, linked_item)
            standard, custom = _split_custom(plan_values)
            values = ctx.apply(pairs.SUBSCRIPTION_CHARGE.id, linked_sub)
            entry = {**standard, "chargeOverrides": [charge_override(charge, values)]}
            if custom:
                entry["customFields"] = custom
            plans.append(entry)
            words.append(f"{charge.description} × {number(values.get('quantity'))} at {number(values.get('price'))}")
        for schedule in schedules:
            usage, _link = usage_charge(ctx, product_id, str(schedule.get("SBQQ__ConsumptionSchedule__c") or ""))
            ctx.depend(usage.depends_on)
            usage_values = ctx.apply(
                pairs.USAGE_RATE_PLAN.id, ctx.graph.linked("SBQQ__OrderItemConsumptionSchedule__c", schedule)
            )
            standard, custom = _split_custom(usage_values)
            tiers = standard.pop("tiers", None) or []
            entry = {**standard, "chargeOverrides": [usage_override(usage, tiers)]}
            if custom:
                entry["customFields"] = custom
            plans.append(entry)
            words.append(f"{usage.description} with {len(tiers)} tier{'s' if len(tiers) != 1 else ''}")
            if charge is None:
                charge = usage
        assert charge is not None  # an item has a product charge or at least one schedule
        line = PlannedLine(
            subscription_number="",
            rate_plan_id=None,
            product_id=product_id,
            charge_number=str(values["chargeNumber"]) if values.get("chargeNumber") is not None else None,
            charge=charge,
            quantity=number(values.get("quantity")),
            price=number(values.get("price")),
        )
        return plans, line, "; ".join(words)

    def _work_for(self, line: PlannedLine) -> _SubscriptionWork:
        number_ = line.subscription_number
        if number_ not in self.work:
            self.work[number_] = _SubscriptionWork(number=number_, entry={"subscriptionNumber": number_})
            self.ctx.depend(self.ctx.last_step.get(number_))
        return self.work[number_]

    def _quantity_after(self, origin: str) -> tuple[float, float]:
        """(quantity before this order, after it) of the chain starting at ``origin``."""
        graph = self.ctx.graph
        mine = graph.order_sort_key(self.order)
        before = after = 0.0
        for member in graph.chain(origin):
            order = graph.get("Order", member.get("OrderId")) or {}
            key = graph.order_sort_key(order)
            quantity = float(member.get("Quantity") or 0)
            if key < mine:
                before += quantity
            if key <= mine:
                after += quantity
        return before, after

    def _changes(self, changes: dict[str, list[Record]]) -> None:
        ctx = self.ctx
        by_subscription: dict[str, list[_Change]] = defaultdict(list)
        for origin, items in changes.items():
            anchor = self.anchor_of(origin)
            line = self.line_for(anchor, items[0])
            before, after = self._quantity_after(origin)
            by_subscription[line.subscription_number].append(_Change(origin, anchor, line, items, before, after))
        triggers = order_trigger_dates(ctx, self.order)
        for number_, group in by_subscription.items():
            work = self._work_for(group[0].line)
            anchors = ctx.subscription_anchors.get(number_, {c.anchor for c in group})
            zero = {c.anchor for c in group if c.new_quantity <= 0}
            # closed_anchors grows with the plan: test membership, never copy it per subscription
            if all(a in zero or a in ctx.closed_anchors for a in anchors):
                date = str(self.order.get("EffectiveDate"))
                work.actions.append(
                    {
                        "type": "CancelSubscription",
                        "triggerDates": triggers,
                        "cancelSubscription": {"cancellationPolicy": "SpecificDate", "cancellationEffectiveDate": date},
                    }
                )
                work.details.append(
                    f"CancelSubscription {number_} on {date}: every line reaches quantity 0 "
                    f"({', '.join(item_label(i) for c in group for i in c.items)})"
                )
                ctx.closed_anchors.update(c.anchor for c in group)
                continue
            for change in group:
                self._change_action(work, change, triggers)

    def _change_action(self, work: _SubscriptionWork, change: _Change, triggers: list[dict[str, str]]) -> None:
        line = change.line
        labels = ", ".join(item_label(i) for i in change.items)
        where = f"on subscription {line.subscription_number}, rate plan of OrderItem {change.anchor}"
        if change.new_quantity <= 0:
            work.actions.append({"type": "RemoveProduct", "triggerDates": triggers, "removeProduct": line.identifier()})
            work.details.append(f"RemoveProduct {where}: quantity {number(change.old_quantity)} → 0 ({labels})")
            self.ctx.closed_anchors.add(change.anchor)
            return
        if line.charge.charge_type == "Usage":
            work.details.append(f"nothing to send for usage {labels}: a usage line has no quantity to change")
            return
        update = charge_update(line.charge_number or "", line.charge, quantity=change.new_quantity)
        if update is None or not line.charge_number:
            raise RecordFailed(
                ErrorClass.UNSUPPORTED,
                f"Order {self.number}: {labels} changes the quantity of a {line.charge.model or 'flat fee'} charge "
                f"{where}, which has no quantity in Zuora. Change the product's pricing method to List in Salesforce "
                "or make the change in Zuora by hand.",
            )
        work.actions.append(
            {
                "type": "UpdateProduct",
                "triggerDates": triggers,
                "updateProduct": {**line.identifier(), "chargeUpdates": [update]},
            }
        )
        work.details.append(
            f"UpdateProduct: quantity {number(change.old_quantity)} → {number(change.new_quantity)} {where} ({labels})"
        )
        line.quantity = number(change.new_quantity)

    def _renewals(self, items: list[Record]) -> None:
        ctx = self.ctx
        triggers = order_trigger_dates(ctx, self.order)
        for item in items:
            anchor = self.anchor_of(str(item["Id"]))
            if anchor == str(item["Id"]):
                raise RecordFailed(
                    ErrorClass.NO_MATCHING_RATE_PLAN,
                    f"Order {self.number}: renewal {item_label(item)} does not say which subscription it renews "
                    "(its quote line has no Renewed Subscription). Renew through the CPQ renewal flow.",
                )
            line = self.line_for(anchor, item)
            work = self._work_for(line)
            subscription = ctx.graph.get("SBQQ__Subscription__c", item.get("SBQQ__Subscription__c"))
            if not any(a["type"] == "RenewSubscription" for a in work.actions):
                self._renewal_term(work, line, subscription, triggers)
                work.actions.append({"type": "RenewSubscription", "triggerDates": triggers, "renewSubscription": {}})
                work.details.append(
                    f"RenewSubscription {line.subscription_number} from {self.order.get('EffectiveDate')}"
                )
            values = ctx.apply(
                pairs.SUBSCRIPTION_CHARGE.id, ctx.graph.linked("SBQQ__Subscription__c", subscription or {})
            )
            price, quantity = number(values.get("price")), number(values.get("quantity"))
            new_price = price if price is not None and price != line.price else None
            new_quantity = quantity if quantity is not None and quantity != line.quantity else None
            if (new_price is not None or new_quantity is not None) and line.charge_number:
                update = charge_update(line.charge_number, line.charge, quantity=new_quantity, price=new_price)
                if update is not None:
                    work.actions.append(
                        {
                            "type": "UpdateProduct",
                            "triggerDates": triggers,
                            "updateProduct": {**line.identifier(), "chargeUpdates": [update]},
                        }
                    )
                    sent = next(iter(update["pricing"].values()))
                    changed = []
                    if "listPrice" in sent:
                        changed.append(f"price {line.price} → {new_price}")
                    if "quantity" in sent:
                        changed.append(f"quantity {line.quantity} → {new_quantity}")
                    work.details.append(
                        f"UpdateProduct at renewal: {', '.join(changed)} on subscription {line.subscription_number}, "
                        f"rate plan of OrderItem {anchor} ({item_label(item)})"
                    )
                    line.price = new_price if new_price is not None else line.price
                    line.quantity = new_quantity if new_quantity is not None else line.quantity

    def _renewal_term(
        self,
        work: _SubscriptionWork,
        line: PlannedLine,
        subscription: Record | None,
        triggers: list[dict[str, str]],
    ) -> None:
        """A TermsAndConditions before the renewal when the renewed term's length differs from the one the
        subscription renews with (the renewal term comes from the renewal's start and end, §3.7)."""
        if subscription is None or line.renewal_term is None:
            return
        linked = self.ctx.graph.linked("SBQQ__Subscription__c", subscription)
        term = _renewal_term(self.ctx.apply_targets(pairs.SUBSCRIPTION.id, linked, "terms/").get("terms") or {})
        if term is None or term == line.renewal_term:
            return
        period, period_type = term
        work.actions.append(
            {
                "type": "TermsAndConditions",
                "triggerDates": triggers,
                "termsAndConditions": {
                    "renewalSetting": "RENEW_WITH_SPECIFIC_TERM",
                    "renewalTerms": [{"period": period, "periodType": period_type}],
                },
            }
        )
        work.details.append(
            f"TermsAndConditions {line.subscription_number}: renewal term {line.renewal_term[0]} "
            f"{line.renewal_term[1].lower()}s → {period} {period_type.lower()}s"
        )
        line.renewal_term = term

    def _owner_transfers(self) -> None:
        ctx = self.ctx
        owner = str(self.order.get("InvoiceOwner__c") or self.order.get("AccountId") or "")
        for number_, work in self.work.items():
            previous = ctx.invoice_owner.get(number_)
            if (
                not owner
                or previous is None
                or previous == owner
                or any(a["type"] == "CancelSubscription" for a in work.actions)
            ):
                continue
            value, step = account_ref(ctx, owner)
            ctx.depend(step)
            work.actions.append(
                {
                    "type": "OwnerTransfer",
                    "triggerDates": order_trigger_dates(ctx, self.order),
                    "ownerTransfer": {"destinationInvoiceAccountNumber": value},
                }
            )
            target = ctx.graph.get("Account", owner) or {}
            work.details.append(f"OwnerTransfer {number_}: invoice owner → {target.get('Name') or owner}")

    # -- the request ---------------------------------------------------------------------------

    def _emit(self, top: dict[str, Any], extra: dict[str, Any]) -> None:
        ctx = self.ctx
        standard, custom = _split_custom(top)
        custom.update(extra.get("customFields") or {})
        custom.update({k: v for k, v in extra.items() if k.endswith(ZUORA_CUSTOM_SUFFIX)})
        base: dict[str, Any] = dict(standard)
        if custom:
            base["customFields"] = custom
        subscriptions: list[dict[str, Any]] = []
        details: list[str] = []
        for work in [*self.new_work, *self.work.values()]:
            if not work.actions:
                details.extend(work.details)
                continue
            subscriptions.append({**work.entry, "orderActions": work.actions})
            details.extend(work.details)
        details.extend(self.line_details)
        if not subscriptions and not self.line_items and not self.owner_items:
            ctx.already.append(AlreadyInZuora(record=self.order_ref, zuora_key="nothing to change in Zuora"))
            return
        parts: list[tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]] = []
        if subscriptions or self.line_items:
            parts += [(subs, items, None) for subs, items in split_order(subscriptions, self.line_items)]
        for start in range(0, len(self.owner_items), LINE_ITEM_LIMIT):
            parts.append(([], self.owner_items[start : start + LINE_ITEM_LIMIT], self.items_owner))
        previous: str | None = None
        step_ids: list[str] = []
        account_id = str(self.order.get("AccountId") or "")
        creates_account = ctx.inline_accounts.get(account_id) == order_step_id(str(self.order["Id"]))
        for index, (subs, items, owner) in enumerate(parts, start=1):
            body = dict(base)
            if owner is not None:
                body["existingAccountNumber"] = owner
            elif index == 1 and creates_account:
                # the account is created by this order (one call instead of two); the account's other
                # requests take its number from this order's answer
                body.pop("existingAccountNumber", None)
                body = {"newAccount": ctx.inline_bodies[account_id], **body}
            if index > 1:
                body["orderNumber"] = f"{base.get('orderNumber', self.number)}-{index}"
            if subs:
                body["subscriptions"] = subs
            if items:
                body["orderLineItems"] = items
            actions = sum(len(s["orderActions"]) for s in subs)
            # Deviation from the connector, which always submits orders asynchronously (connector-spec §4.2
            # step 6): an order within the synchronous limits goes to POST /v1/orders, one call instead of
            # a submit plus at least one poll; only a bigger one takes the asynchronous API.
            asynchronous = actions > SYNC_LIMIT or len(subs) > SYNC_LIMIT
            body["processingOptions"] = dict(PROCESSING)
            step_id = order_step_id(str(self.order["Id"])) + (f"#{index}" if index > 1 else "")
            depends = list(dict.fromkeys([*self.dependencies, *([previous] if previous else [])]))
            ctx.add_step(
                PlanStep(
                    step_id=step_id,
                    kind=StepKind.CREATE_ORDER,
                    record=self.order_ref,
                    request=Request(
                        method="POST",
                        path="/v1/async/orders" if asynchronous else "/v1/orders",
                        body=body,
                        asynchronous=asynchronous,
                    ),
                    reason=self._reason(subs, items, index, len(parts))
                    + (" — line items billed to the invoice owner's account" if owner is not None else ""),
                    details=details if index == 1 else [f"part {index} of {len(parts)} of order {self.number}"],
                    depends_on=depends,
                    lookup=ResultLookup(
                        kind=LookupKind.ORDER_NUMBER, value=str(body.get("orderNumber") or self.number)
                    ),
                    placeholders=placeholders_in(body),
                    outputs=["orderNumber", "accountNumber", "subscriptionNumbers"],
                )
            )
            previous = step_id
            step_ids.append(step_id)
        self._commit(step_ids[-1])

    def _reason(self, subs: list[dict[str, Any]], items: list[dict[str, Any]], index: int, parts: int) -> str:
        kinds: dict[str, int] = defaultdict(int)
        for sub in subs:
            for action in sub["orderActions"]:
                kinds[action["type"]] += 1
        what = [f"{count} × {kind}" for kind, count in kinds.items()]
        if items:
            what.append(f"{len(items)} order line item{'s' if len(items) != 1 else ''}")
        account = self.ctx.graph.get("Account", self.order.get("AccountId")) or {}
        split = (
            f" (part {index} of {parts}: the Orders API takes at most {ASYNC_LIMIT} actions and "
            f"{LINE_ITEM_LIMIT} line items)"
            if parts > 1
            else ""
        )
        kind = str(self.order.get("Type") or "order").lower()
        return f"{kind} order {self.number} of {account.get('Name')!r}: {', '.join(what)}{split}"

    def _commit(self, step_id: str) -> None:
        ctx = self.ctx
        owner = str(self.order.get("InvoiceOwner__c") or self.order.get("AccountId") or "")
        for anchor, line, number_ in self.commits:
            line.subscription_number = number_ or ""
            line.step_id = step_id
            ctx.lines[anchor] = line
            if number_:
                ctx.subscription_anchors.setdefault(number_, set()).add(anchor)
                ctx.last_step[number_] = step_id
                ctx.invoice_owner[number_] = owner
        for number_ in self.work:
            ctx.last_step[number_] = step_id
            ctx.invoice_owner[number_] = owner


def _renewal_term(terms: dict[str, Any]) -> tuple[int, str] | None:
    renewal = (terms.get("renewalTerms") or [None])[0]
    if not isinstance(renewal, dict) or renewal.get("period") is None:
        return None
    return int(renewal["period"]), str(renewal.get("periodType") or "Month")


def split_order(
    subscriptions: list[dict[str, Any]], line_items: list[dict[str, Any]]
) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Parts of at most :data:`ASYNC_LIMIT` actions/subscriptions and :data:`LINE_ITEM_LIMIT` line items."""
    parts: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []
    current: list[dict[str, Any]] = []
    actions = 0
    for sub in subscriptions:
        size = len(sub["orderActions"])
        if current and (actions + size > ASYNC_LIMIT or len(current) >= ASYNC_LIMIT):
            parts.append((current, []))
            current, actions = [], 0
        current.append(sub)
        actions += size
    if current or not parts:
        parts.append((current, []))
    chunks = [line_items[i : i + LINE_ITEM_LIMIT] for i in range(0, len(line_items), LINE_ITEM_LIMIT)]
    for index, chunk in enumerate(chunks):
        if index < len(parts):
            parts[index] = (parts[index][0], chunk)
        else:
            parts.append(([], chunk))
    return parts


def plan_order(ctx: PlanContext, order: Record) -> None:
    """Plan ``order``; a failure reports it (and undoes its half-planned steps), the rest goes on."""
    order_ref = ref("Order", order, "OrderNumber")
    # steps are only ever added while an order is planned: its own are those after this mark (a set of
    # every step so far, per order, made planning quadratic in the scope's size)
    mark = len(ctx.steps)
    try:
        validate_order(ctx, order, ctx.graph.items_of(str(order["Id"])))
        account_id = order.get("AccountId")
        if account_id and str(account_id) in ctx.failed:
            blocker = ctx.failed[str(account_id)]
            raise HeldBackError(
                f"its account {blocker.label or blocker.id} cannot be synced (see its problem)", blocker
            )
        OrderPlanner(ctx, order).plan()
    except RecordFailed as exc:
        _undo(ctx, mark)
        ctx.fail(order_ref, exc.error_class, exc.message)
    except HeldBackError as exc:
        _undo(ctx, mark)
        ctx.hold(order_ref, exc.reason, exc.blocked_by)


def _undo(ctx: PlanContext, mark: int) -> None:
    for step_id in list(ctx.steps)[mark:]:
        del ctx.steps[step_id]
