"""The order engine: validates an Orders API request and applies it to the tenant, all or nothing.

One call to :meth:`OrderEngine.create` runs in one SQLite transaction: a failure anywhere (a bad
second subscription, an unknown charge in the last line item) raises :class:`ApiError` and leaves no
trace (zuora-api.md §3.1). Each subscription an order touches gets exactly one new version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cpq_desktop.sandbox.zuora import validation
from cpq_desktop.sandbox.zuora.errors import ApiError
from cpq_desktop.sandbox.zuora.orders_actions import APPLY, ensure_changeable
from cpq_desktop.sandbox.zuora.orders_context import (
    ACTIVE,
    CANCELLED,
    PENDING_ACCEPTANCE,
    REMOVED,
    ActionDates,
    Draft,
    OrderContext,
    action_dates,
    activation_status,
    bad,
    check_number,
    iso,
    load_draft,
    to_date,
)
from cpq_desktop.sandbox.zuora.orders_directory import AccountInfo, Directory
from cpq_desktop.sandbox.zuora.orders_pricing import pricing_summary
from cpq_desktop.sandbox.zuora.orders_rate_plans import new_rate_plan
from cpq_desktop.sandbox.zuora.orders_schema import (
    ACTION_BODY_KEYS,
    CREATE_ORDER,
    CREATE_ORDER_ASYNC,
    RES_ORDER,
    RES_ORDER_ACTION,
    RES_ORDER_LINE_ITEM,
    RES_SUBSCRIPTION,
)
from cpq_desktop.sandbox.zuora.orders_store import OrderBook
from cpq_desktop.sandbox.zuora.orders_views import action_body_view
from cpq_desktop.sandbox.zuora.store import TenantStore, new_id
from cpq_desktop.sandbox.zuora.subscriptions_terms import add_period, charge_metrics, term_months
from cpq_desktop.sandbox.zuora.validation import parse_date

# zuora-api.md §3.1
SYNC_LIMIT = 50
ASYNC_LIMIT = 300
LINE_ITEM_LIMIT = 100
# Order actions that wait (order status Pending) for activation or acceptance dates the tenant
# requires; the others take effect on their contract-effective date (Zuora "Pending orders and
# subscriptions").
PENDING_CAPABLE = {
    "CreateSubscription",
    "AddProduct",
    "UpdateProduct",
    "RemoveProduct",
    "TermsAndConditions",
    "RenewSubscription",
}
# Actions whose body object must be present (RenewSubscription's may be omitted, §3.5).
BODY_REQUIRED = {
    "CreateSubscription",
    "AddProduct",
    "UpdateProduct",
    "RemoveProduct",
    "TermsAndConditions",
    "CancelSubscription",
    "OwnerTransfer",
    "Suspend",
    "Resume",
    "ChangePlan",
}


@dataclass
class TouchedSubscription:
    number: str
    status: str
    id: str
    owner: AccountInfo


@dataclass
class OrderResult:
    """What the create-order response reports (rendered per ``Zuora-Version`` by the HTTP layer)."""

    order_id: str
    order_number: str
    status: str
    account: AccountInfo
    subscriptions: list[TouchedSubscription]
    line_items: list[dict[str, str]]


class OrderEngine:
    """Creates orders against one tenant store."""

    def __init__(self, store: TenantStore, directory: Directory) -> None:
        self.store = store
        self.directory = directory

    # -- validation without the database ----------------------------------------------------------

    def validate(self, body: Any, *, is_async: bool) -> dict[str, Any]:
        """Structure, limits and cross-field rules; returns the body as a dict or raises ApiError."""
        settings = self.store.settings
        if not isinstance(body, dict):
            raise ApiError.of(RES_ORDER, 90, "The request body must be a JSON object.")
        validation.check(body, CREATE_ORDER_ASYNC if is_async else CREATE_ORDER, RES_ORDER, settings)
        if not settings.orders_enabled:
            raise bad(RES_ORDER, 10, "The Orders feature is not enabled on this tenant.")
        self._check_limits(body, is_async)
        if body.get("existingAccountNumber") is not None and body.get("newAccount") is not None:
            raise bad(
                RES_ORDER,
                30,
                "'existingAccountNumber' and 'newAccount' cannot both be specified; send one of them.",
            )
        if body.get("existingAccountNumber") is None and body.get("newAccount") is None:
            raise bad(RES_ORDER, 22, "'existingAccountNumber' may not be empty when 'newAccount' is not specified")
        check_number(body.get("orderNumber"), "orderNumber", RES_ORDER)
        options = body.get("processingOptions") or {}
        if options.get("collectPayment") and not options.get("runBilling"):
            raise bad(RES_ORDER, 30, "'collectPayment' cannot be true when 'runBilling' is false.")
        if body.get("orderLineItems") and not settings.order_line_items_enabled:
            raise bad(RES_ORDER_LINE_ITEM, 10, "The Order Line Items feature is not enabled on this tenant.")
        status = body.get("status")
        if status not in (None, "Completed"):
            raise bad(
                RES_ORDER,
                30,
                f"Creating orders in status '{status}' is not supported by this tenant; omit 'status' "
                "or send 'Completed'.",
            )
        return body

    def _check_limits(self, body: dict[str, Any], is_async: bool) -> None:
        limit = ASYNC_LIMIT if is_async else SYNC_LIMIT
        hint = "" if is_async else " Use the asynchronous endpoint POST /v1/async/orders for larger orders."
        subscriptions = body.get("subscriptions") or []
        if len(subscriptions) > limit:
            raise bad(
                RES_ORDER, 30, f"An order can include at most {limit} subscriptions; it has {len(subscriptions)}.{hint}"
            )
        total = 0
        for entry in subscriptions:
            count = len(entry.get("orderActions") or [])
            total += count
            if count > limit:
                raise bad(
                    RES_ORDER_ACTION,
                    30,
                    f"A subscription can have at most {limit} order actions in one order; it has {count}.{hint}",
                )
        if total > limit:
            raise bad(
                RES_ORDER_ACTION, 30, f"An order can include at most {limit} order actions; it has {total}.{hint}"
            )
        items = body.get("orderLineItems") or []
        if len(items) > LINE_ITEM_LIMIT:
            raise bad(
                RES_ORDER_LINE_ITEM,
                30,
                f"An order can include at most {LINE_ITEM_LIMIT} order line items; it has {len(items)}.",
            )

    # -- creation -------------------------------------------------------------------------------

    def create(self, body: Any, *, is_async: bool = False, today: dt.date | None = None) -> OrderResult:
        order = self.validate(body, is_async=is_async)
        order_date = parse_date(order["orderDate"])
        assert order_date is not None
        with self.store.transaction() as db:
            ctx = OrderContext(
                db, self.store, self.directory, self.store.settings, order_date, today or dt.date.today()
            )
            orders = OrderBook(db)
            number = order.get("orderNumber")
            if number is not None and orders.exists(number):
                raise bad(
                    RES_ORDER,
                    30,
                    f"The order number '{number}' already exists. Order numbers must be unique; "
                    f"look the order up with GET /v1/orders/{number}.",
                )
            if order.get("newAccount") is not None:
                account = self.directory.create_account(db, order["newAccount"])
                ctx.accounts[account.number] = account
            else:
                account = ctx.account(order["existingAccountNumber"], "existingAccountNumber")
            order_subs = [
                self._apply_entry(ctx, account, entry, i) for i, entry in enumerate(order.get("subscriptions") or [])
            ]
            items = [
                self._line_item(ctx, account, item, i, order)
                for i, item in enumerate(order.get("orderLineItems") or [])
            ]
            _number_line_items(items)
            for draft in ctx.drafts.values():
                _finalise(draft.doc, order_date)
                ctx.book.save(draft.doc)
            order_number = number or ctx.number("order", "O-%08d", orders.exists)
            status = "Pending" if ctx.pending else "Completed"
            order_id = new_id()
            for item in items:
                item["_orderNumber"] = order_number
            doc = _order_doc(order, order_number, status, account, order_subs, items)
            orders.save(order_id, order_number, account.id, doc, items)
            touched: list[TouchedSubscription] = []
            seen: set[str] = set()
            for entry in order_subs:
                if entry["subscriptionNumber"] in seen:
                    continue
                seen.add(entry["subscriptionNumber"])
                sub = ctx.drafts[entry["subscriptionNumber"]].doc
                owner = ctx.account(sub["accountNumber"], "subscriptionOwnerAccountNumber")
                touched.append(TouchedSubscription(sub["subscriptionNumber"], sub["status"], sub["id"], owner))
            return OrderResult(
                order_id,
                order_number,
                status,
                account,
                touched,
                [{"id": item["id"], "itemNumber": item["itemNumber"]} for item in items],
            )

    # -- subscriptions ----------------------------------------------------------------------------

    def _apply_entry(
        self, ctx: OrderContext, account: AccountInfo, entry: dict[str, Any], index: int
    ) -> dict[str, Any]:
        where = f"subscriptions[{index}]"
        actions = entry.get("orderActions") or []
        if not actions:
            raise bad(RES_ORDER_ACTION, 22, f"'orderActions' may not be empty (in {where})")
        number = entry.get("subscriptionNumber")
        check_number(number, "subscriptionNumber", RES_SUBSCRIPTION)
        draft: Draft | None = None
        recorded: list[dict[str, Any]] = []
        for j, action in enumerate(actions):
            at = f"{where}.orderActions[{j}]"
            kind = action["type"]
            body_key = ACTION_BODY_KEYS[kind]
            for other in ACTION_BODY_KEYS.values():
                if other != body_key and action.get(other) is not None:
                    raise bad(
                        RES_ORDER_ACTION,
                        30,
                        f"An order action of type '{kind}' cannot carry '{other}' (in {at}); "
                        f"put the details in '{body_key}'.",
                    )
            payload = action.get(body_key)
            if payload is None and kind in BODY_REQUIRED:
                raise bad(
                    RES_ORDER_ACTION, 22, f"'{body_key}' may not be empty for an order action of type {kind} (in {at})"
                )
            dates = action_dates(ctx, action, at)
            if dates.pending and kind in PENDING_CAPABLE:
                ctx.pending = True
            if kind == "CreateSubscription":
                if draft is not None:
                    raise bad(
                        RES_ORDER_ACTION,
                        30,
                        f"CreateSubscription must be the first order action of a subscription (in {at}).",
                    )
                draft = self._create_subscription(ctx, account, entry, payload or {}, dates, at)
                plans_before = 0
            else:
                if draft is None:
                    if number is None:
                        raise bad(
                            RES_SUBSCRIPTION,
                            22,
                            f"'subscriptionNumber' may not be empty for an order action of type {kind} (in {where})",
                        )
                    draft = load_draft(ctx, number, where)
                ensure_changeable(draft.doc, kind, at)
                plans_before = len(draft.doc["ratePlans"])
                APPLY[kind](ctx, draft.doc, payload or {}, dates, at)
            added = draft.doc["ratePlans"][plans_before:]
            body_view = action_body_view(kind, payload or {}, draft.doc, added)
            recorded.append(_recorded_action(action, kind, body_key, body_view, dates, j))
        assert draft is not None
        _apply_subscription_fields(ctx, draft.doc, entry)
        return {
            "subscriptionNumber": draft.doc["subscriptionNumber"],
            "baseVersion": draft.base_version,
            "newVersion": draft.doc["version"],
            "customFields": entry.get("customFields") or {},
            "notes": entry.get("notes"),
            "quote": entry.get("quote"),
            "subscriptionOwnerAccountNumber": draft.doc["accountNumber"],
            "orderActions": recorded,
        }

    def _create_subscription(
        self,
        ctx: OrderContext,
        account: AccountInfo,
        entry: dict[str, Any],
        payload: dict[str, Any],
        dates: ActionDates,
        at: str,
    ) -> Draft:
        number = entry.get("subscriptionNumber") or payload.get("subscriptionNumber")
        check_number(number, "subscriptionNumber", RES_SUBSCRIPTION)
        if number is not None and (number in ctx.drafts or ctx.book.exists(number)):
            raise bad(
                RES_SUBSCRIPTION,
                30,
                f"The subscription number '{number}' already exists (in {at}); "
                "omit it to let Zuora generate one, or amend the existing subscription.",
            )
        if number is None:
            number = ctx.number("subscription", "A-S%08d", lambda n: n in ctx.drafts or ctx.book.exists(n))
        owner = account
        if payload.get("newSubscriptionOwnerAccount") is not None:
            owner = ctx.directory.create_account(ctx.db, payload["newSubscriptionOwnerAccount"])
            ctx.accounts[owner.number] = owner
        elif payload.get("subscriptionOwnerAccountNumber") is not None:
            owner = ctx.account(payload["subscriptionOwnerAccountNumber"], "subscriptionOwnerAccountNumber")
        invoice_owner = account
        if payload.get("invoiceOwnerAccountNumber") is not None:
            invoice_owner = ctx.account(payload["invoiceOwnerAccountNumber"], "invoiceOwnerAccountNumber")
        currency = payload.get("currency") or invoice_owner.currency
        if currency != invoice_owner.currency and not ctx.settings.multi_currency_enabled:
            raise bad(
                RES_SUBSCRIPTION,
                30,
                f"Currency mismatch: the subscription currency {currency} differs from the invoice owner "
                f"account's currency {invoice_owner.currency} and multi-currency is not enabled (in {at}).",
            )
        if currency not in ctx.settings.currencies:
            raise bad(RES_SUBSCRIPTION, 20, f"The currency '{currency}' is not enabled on this tenant (in {at}).")
        terms = payload.get("terms")
        if terms is None:
            raise bad(RES_SUBSCRIPTION, 22, f"'terms' may not be empty (in {at}.createSubscription)")
        doc: dict[str, Any] = {
            "id": new_id(),
            "subscriptionNumber": number,
            "version": 1,
            "isLatestVersion": True,
            "accountId": owner.id,
            "accountNumber": owner.number,
            "accountName": owner.name,
            "invoiceOwnerAccountId": invoice_owner.id,
            "invoiceOwnerAccountNumber": invoice_owner.number,
            "invoiceOwnerAccountName": invoice_owner.name,
            "currency": currency,
            "status": ACTIVE,
            "contractEffectiveDate": iso(dates.contract_effective),
            "serviceActivationDate": iso(dates.service_activation),
            "customerAcceptanceDate": iso(dates.customer_acceptance),
            "notes": payload.get("notes"),
            "paymentTerm": payload.get("paymentTerm") or owner.payment_term,
            "invoiceSeparately": bool(payload.get("invoiceSeparately", False)),
            "invoiceTemplateId": payload.get("invoiceTemplateId"),
            "invoiceGroupNumber": payload.get("invoiceGroupNumber"),
            "sequenceSetId": payload.get("sequenceSetId"),
            "communicationProfileId": payload.get("communicationProfileId"),
            "billToContactId": payload.get("billToContactId") or invoice_owner.bill_to_contact_id,
            "soldToContactId": payload.get("soldToContactId") or owner.sold_to_contact_id,
            "cancelReason": None,
            "ratePlans": [],
        }
        _set_initial_terms(doc, terms, dates, at)
        doc["status"] = activation_status(dates)
        draft = Draft(doc, None)
        ctx.drafts[number] = draft
        if payload.get("uniqueToken"):
            ctx.subscription_tokens[payload["uniqueToken"]] = number
        plans = payload.get("subscribeToRatePlans")
        products = payload.get("subscribeToProducts")
        if plans is not None and products is not None:
            raise bad(
                RES_SUBSCRIPTION,
                30,
                f"Send either 'subscribeToRatePlans' or 'subscribeToProducts', not both (in {at}.createSubscription).",
            )
        key = "subscribeToProducts" if products is not None else "subscribeToRatePlans"
        for k, plan_request in enumerate(plans if plans is not None else products or []):
            doc["ratePlans"].append(
                new_rate_plan(ctx, doc, plan_request, dates, f"{at}.createSubscription.{key}[{k}]", None)
            )
        if doc["status"] == ACTIVE and number in ctx.pending_charges:
            # A charge waiting for its specific trigger date leaves the subscription awaiting acceptance.
            doc["status"] = PENDING_ACCEPTANCE
        return draft

    # -- order line items -------------------------------------------------------------------------

    def _line_item(
        self, ctx: OrderContext, account: AccountInfo, item: dict[str, Any], index: int, order: dict[str, Any]
    ) -> dict[str, Any]:
        at = f"orderLineItems[{index}]"
        if not item.get("itemName"):
            raise bad(RES_ORDER_LINE_ITEM, 22, f"'itemName' may not be empty (in {at})")
        owner = account
        if item.get("ownerAccountNumber") is not None:
            owner = ctx.account(item["ownerAccountNumber"], "ownerAccountNumber", RES_ORDER_LINE_ITEM)
        currency = item.get("currency") or owner.currency
        if currency != owner.currency:
            raise bad(
                RES_ORDER_LINE_ITEM,
                30,
                f"Currency mismatch: the order line item currency {currency} differs from the owner account's "
                f"currency {owner.currency} (in {at}).",
            )
        charge_id = item.get("productRatePlanChargeId")
        if charge_id is None:
            raise bad(RES_ORDER_LINE_ITEM, 22, f"'productRatePlanChargeId' may not be empty (in {at})")
        plan = ctx.directory.charge_plan(ctx.db, charge_id)
        charge = plan.charge(charge_id) if plan else None
        if plan is None or charge is None:
            raise bad(RES_ORDER_LINE_ITEM, 40, f"The product rate plan charge '{charge_id}' does not exist (in {at}).")
        if charge.type != "OneTime":
            raise bad(
                RES_ORDER_LINE_ITEM,
                30,
                f"Order line items take one-time charges only; '{charge_id}' is a {charge.type} charge (in {at}).",
            )
        related = item.get("relatedSubscriptionNumber")
        if item.get("uniqueToken") is not None:
            related = ctx.subscription_tokens.get(item["uniqueToken"])
            if related is None:
                raise bad(
                    RES_ORDER_LINE_ITEM,
                    40,
                    f"No subscription created in this order has the uniqueToken '{item['uniqueToken']}' (in {at}).",
                )
        elif related is not None and related not in ctx.drafts and not ctx.book.exists(related):
            raise bad(RES_ORDER_LINE_ITEM, 40, f"The related subscription '{related}' does not exist (in {at}).")
        list_price = item.get("listPricePerUnit")
        if list_price is None:
            list_price = charge.prices.get(currency)
            if list_price is None:
                raise bad(
                    RES_ORDER_LINE_ITEM,
                    30,
                    f"Currency mismatch: the charge '{charge_id}' has no price in {currency} (in {at}).",
                )
        discount_type = item.get("inlineDiscountType") or "None"
        discount = float(item.get("inlineDiscountPerUnit") or 0)
        amount_per_unit = item.get("amountPerUnit")
        if amount_per_unit is None:
            if discount_type == "Percentage":
                amount_per_unit = float(list_price) * (1 - discount / 100)
            elif discount_type == "FixedAmount":
                amount_per_unit = float(list_price) - discount
            else:
                amount_per_unit = list_price
        quantity = float(item["quantity"]) if item.get("quantity") is not None else 1.0
        start = parse_date(item.get("transactionStartDate") or order["orderDate"])
        end = parse_date(item.get("transactionEndDate") or item.get("transactionStartDate") or order["orderDate"])
        assert start is not None
        assert end is not None
        if end < start:
            raise bad(
                RES_ORDER_LINE_ITEM, 30, f"'transactionEndDate' cannot be before 'transactionStartDate' (in {at})."
            )
        state = item.get("itemState") or "Executing"
        if state == "SentToBilling" and item.get("billTargetDate") is None:
            raise bad(
                RES_ORDER_LINE_ITEM,
                22,
                f"'billTargetDate' may not be empty when 'itemState' is SentToBilling (in {at})",
            )
        amount = round(quantity * float(amount_per_unit), 2)
        return {
            "id": new_id(),
            "itemNumber": item.get("itemNumber"),
            "itemName": item["itemName"],
            "itemType": item.get("itemType") or "Product",
            "itemState": state,
            "itemCategory": item.get("itemCategory") or "Sales",
            "billingRule": item.get("billingRule") or "TriggerWithoutFulfillment",
            "quantity": quantity,
            "UOM": item.get("UOM") or charge.uom,
            "listPricePerUnit": float(list_price),
            "listPrice": round(quantity * float(list_price), 2),
            "amountPerUnit": float(amount_per_unit),
            "amount": amount,
            "amountWithoutTax": amount,
            "inlineDiscountType": discount_type,
            "inlineDiscountPerUnit": discount,
            "currency": currency,
            "description": item.get("description"),
            "productCode": item.get("productCode") or plan.product_sku,
            "productRatePlanChargeId": charge_id,
            "purchaseOrderNumber": item.get("purchaseOrderNumber"),
            "transactionStartDate": start.isoformat(),
            "transactionEndDate": end.isoformat(),
            "billTargetDate": item.get("billTargetDate"),
            "ownerAccountId": owner.id,
            "ownerAccountNumber": owner.number,
            "ownerAccountName": owner.name,
            "invoiceOwnerAccountId": owner.id,
            "invoiceOwnerAccountNumber": owner.number,
            "invoiceOwnerAccountName": owner.name,
            "relatedSubscriptionNumber": related,
            "paymentTerm": item.get("paymentTerm") or owner.payment_term,
            "taxCode": item.get("taxCode"),
            "taxMode": item.get("taxMode"),
            "customFields": item.get("customFields") or {},
        }


def _set_initial_terms(doc: dict[str, Any], terms: dict[str, Any], dates: ActionDates, at: str) -> None:
    initial = terms["initialTerm"]
    term_type = initial["termType"]
    start = to_date(initial.get("startDate")) or dates.contract_effective
    doc["termType"] = term_type
    doc["termStartDate"] = start.isoformat()
    doc["subscriptionStartDate"] = start.isoformat()
    renewal = (terms.get("renewalTerms") or [{}])[0]
    if term_type == "TERMED":
        period, period_type = initial.get("period"), initial.get("periodType")
        end = to_date(initial.get("endDate"))
        if end is not None and (period is None or period_type is None):
            period, period_type = (end - start).days, "Day"
        if period is None or period_type is None:
            raise bad(
                RES_SUBSCRIPTION,
                22,
                "'period' and 'periodType' may not be empty for a TERMED initial term (in "
                f"{at}.createSubscription.terms.initialTerm)",
            )
        end = add_period(start, period, period_type)
        doc.update(
            initialTerm=period,
            initialTermPeriodType=period_type,
            currentTerm=period,
            currentTermPeriodType=period_type,
            termEndDate=end.isoformat(),
            subscriptionEndDate=end.isoformat(),
            renewalTerm=renewal.get("period", period),
            renewalTermPeriodType=renewal.get("periodType", period_type),
            renewalSetting=terms.get("renewalSetting") or "RENEW_WITH_SPECIFIC_TERM",
            autoRenew=bool(terms.get("autoRenew", False)),
        )
    else:
        doc.update(
            initialTerm=None,
            initialTermPeriodType=None,
            currentTerm=None,
            currentTermPeriodType=None,
            termEndDate=None,
            subscriptionEndDate=None,
            renewalTerm=None,
            renewalTermPeriodType=None,
            renewalSetting="RENEW_TO_EVERGREEN",
            autoRenew=False,
        )


def _apply_subscription_fields(ctx: OrderContext, doc: dict[str, Any], entry: dict[str, Any]) -> None:
    for name in entry.get("clearingCustomFields") or []:
        doc[name] = None
    doc.update(entry.get("customFields") or {})
    if entry.get("notes") is not None:
        doc["notes"] = entry["notes"]
    doc.update({k: v for k, v in (entry.get("quote") or {}).items() if v is not None})


def _recorded_action(
    action: dict[str, Any], kind: str, body_key: str, body_view: dict[str, Any], dates: ActionDates, index: int
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "type": kind,
        "sequence": index,
        "triggerDates": [
            {"name": name, "triggerDate": iso(day)}
            for name, day in (
                ("ContractEffective", dates.contract_effective),
                ("ServiceActivation", dates.service_activation),
                ("CustomerAcceptance", dates.customer_acceptance),
            )
            if day is not None
        ],
        "customFields": action.get("customFields") or {},
        "changeReason": action.get("changeReason"),
        body_key: body_view,
    }


def _finalise(doc: dict[str, Any], order_date: dt.date) -> None:
    """Metrics and timestamps of the new version."""
    months = None
    if doc.get("termType") == "TERMED" and doc.get("currentTerm") is not None:
        months = term_months(int(doc["currentTerm"]), str(doc["currentTermPeriodType"]))
    mrr_total = 0.0
    tcv_total = 0.0
    for rp in doc["ratePlans"]:
        for charge in rp["ratePlanCharges"]:
            mrr, tcv = charge_metrics(charge, months)
            if rp.get("lastChangeType") == REMOVED or doc["status"] == CANCELLED:
                mrr = 0.0
            delta_mrr = mrr - charge.pop("_baseMrr", 0.0)
            delta_tcv = tcv - charge.pop("_baseTcv", 0.0)
            charge.update(
                mrr=mrr,
                tcv=tcv,
                dmrc=f"{delta_mrr:.2f}",
                dtcv=f"{delta_tcv:.2f}",
                pricingSummary=pricing_summary(charge),
            )
            mrr_total += mrr
            tcv_total += tcv
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    doc.setdefault("createTime", now)
    doc["updateTime"] = now
    doc["contractedMrr"] = round(mrr_total, 2)
    doc["totalContractedValue"] = round(tcv_total, 2)
    doc["lastBookingDate"] = order_date.isoformat()
    doc["isLatestVersion"] = True


def _number_line_items(items: list[dict[str, Any]]) -> None:
    given = [item["itemNumber"] for item in items if item["itemNumber"] is not None]
    if given and len(given) != len(items):
        raise bad(
            RES_ORDER_LINE_ITEM,
            30,
            "'itemNumber' is set on some order line items but not all; set it on every line item or on none.",
        )
    if len(set(given)) != len(given):
        raise bad(RES_ORDER_LINE_ITEM, 30, "Two order line items have the same 'itemNumber'.")
    for index, item in enumerate(items, start=1):
        check_number(item["itemNumber"], "itemNumber", RES_ORDER_LINE_ITEM)
        if item["itemNumber"] is None:
            item["itemNumber"] = str(index)


def _order_doc(
    order: dict[str, Any],
    number: str,
    status: str,
    account: AccountInfo,
    subscriptions: list[dict[str, Any]],
    items: list[dict[str, Any]],
) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "orderNumber": number,
        "orderDate": order["orderDate"],
        "status": status,
        "category": order.get("category") or "NewSales",
        "description": order.get("description"),
        "reasonCode": order.get("reasonCode"),
        "existingAccountNumber": account.number,
        "currency": account.currency,
        "customFields": order.get("customFields") or {},
        "createdDate": now,
        "createdBy": "sandbox",
        "updatedDate": now,
        "updatedBy": "sandbox",
        "subscriptions": [{**entry, "sequence": i} for i, entry in enumerate(subscriptions)],
        "orderLineItems": [{k: v for k, v in item.items() if not k.startswith("_")} for item in items],
    }
