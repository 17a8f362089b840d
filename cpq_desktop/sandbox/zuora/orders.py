"""The Orders API over HTTP: create orders (sync and async), poll async jobs, read orders and line items.

Routes (zuora-api.md §3): ``POST /v1/orders``, ``POST /v1/async/orders``, ``GET /v1/async-jobs/{jobId}``,
``GET /v1/orders/{orderNumber}``, ``PUT /v1/orders/{orderNumber}/customFields``, ``GET /v1/orders`` (also
by subscription and by subscription owner), ``GET /v1/order-line-items/{id}``, plus the subscription
routes of :mod:`subscriptions_api`. The create response follows ``Zuora-Version``:
``subscriptionNumbers`` up to 206.0, ``subscriptions`` from 223.0 (§1.4).
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from cpq_desktop.sandbox.zuora import errors, subscriptions_api, validation
from cpq_desktop.sandbox.zuora.limits import Pool
from cpq_desktop.sandbox.zuora.orders_directory import TenantDirectory
from cpq_desktop.sandbox.zuora.orders_engine import OrderEngine, OrderResult
from cpq_desktop.sandbox.zuora.orders_jobs import OrderJobs, jobs_for
from cpq_desktop.sandbox.zuora.orders_schema import RES_ASYNC_JOB, RES_ORDER, RES_ORDER_ACTION, RES_ORDER_LINE_ITEM
from cpq_desktop.sandbox.zuora.orders_store import SCHEMA, JobBook, OrderBook
from cpq_desktop.sandbox.zuora.routing import json_response
from cpq_desktop.sandbox.zuora.store import TenantStore
from cpq_desktop.sandbox.zuora.validation import Spec, integer, obj, objects, parse_date, text
from cpq_desktop.sandbox.zuora.versions import SUBSCRIPTIONS_LIST, ZuoraVersion

if TYPE_CHECKING:
    from cpq_desktop.sandbox.zuora.routing import Router, ZRequest

JOB_TYPE = "AsyncCreateOrder"
# UpdateOrderCustomFieldsRequest (zuora-api.md §3, §6).
UPDATE_CUSTOM_FIELDS: dict[str, Spec] = {
    "customFields": obj({}, custom_object="Order"),
    "subscriptions": objects(
        {
            "subscriptionNumber": text(100, required=True),
            "orderActions": objects(
                {
                    "orderActionId": text(32),
                    "sequence": integer(minimum=0),
                    "customFields": obj({}, custom_object="OrderAction"),
                }
            ),
        }
    ),
}
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 40


def register(router: Router) -> None:
    router.add_schema(SCHEMA)
    router.add("POST", "/v1/orders", create_order_handler, pool=Pool.HIGH_VOLUME)
    router.add("POST", "/v1/async/orders", create_order_async_handler, pool=Pool.HIGH_VOLUME)
    router.add("GET", "/v1/async-jobs/{job_id}", get_job_handler)
    router.add("GET", "/v1/orders", list_orders_handler)
    router.add("GET", "/v1/orders/{order_number}", get_order_handler)
    router.add("PUT", "/v1/orders/{order_number}/customFields", update_order_custom_fields_handler)
    router.add("GET", "/v1/orders/subscription/{subscription_number}", list_orders_handler)
    router.add("GET", "/v1/orders/subscriptionOwner/{account_number}", list_orders_handler)
    router.add("GET", "/v1/order-line-items/{item_id}", get_line_item_handler)
    subscriptions_api.register(router)


_ENGINES: weakref.WeakKeyDictionary[TenantStore, OrderEngine] = weakref.WeakKeyDictionary()
_ENGINES_LOCK = threading.Lock()


def engine_for(store: TenantStore) -> OrderEngine:
    """The tenant's order engine (one per store, so its catalog cache lives as long as the tenant)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(store)
        if engine is None:
            engine = _ENGINES[store] = OrderEngine(store, TenantDirectory(store))
        return engine


def order_jobs(store: TenantStore) -> OrderJobs:
    """The tenant's asynchronous order jobs (tests use ``wait``/``held`` on it)."""

    def execute(request: dict[str, Any], version: str, return_ids: bool) -> dict[str, Any]:
        result = engine_for(store).create(request, is_async=True)
        body = render_result(result, ZuoraVersion.parse(version), return_ids)
        body["jobType"] = JOB_TYPE
        return body

    return jobs_for(store, execute)


def render_result(result: OrderResult, version: ZuoraVersion, return_ids: bool) -> dict[str, Any]:
    """The ``CreateOrderResponse`` body; fields that do not apply are omitted, as Zuora does."""
    body: dict[str, Any] = {
        "success": True,
        "orderNumber": result.order_number,
        "accountNumber": result.account.number,
        "status": result.status,
    }
    if return_ids:
        body["orderId"] = result.order_id
        body["accountId"] = result.account.id
    if result.subscriptions:
        if version.at_least(SUBSCRIPTIONS_LIST):
            entries = []
            for sub in result.subscriptions:
                entry = {
                    "subscriptionNumber": sub.number,
                    "status": sub.status,
                    "subscriptionOwnerId": sub.owner.id,
                    "subscriptionOwnerNumber": sub.owner.number,
                }
                if return_ids:
                    entry["subscriptionId"] = sub.id
                entries.append(entry)
            body["subscriptions"] = entries
        else:
            body["subscriptionNumbers"] = [sub.number for sub in result.subscriptions]
        if return_ids:
            body["subscriptionIds"] = [sub.id for sub in result.subscriptions]
    if result.line_items:
        body["orderLineItems"] = result.line_items
    return body


def create_order_handler(req: ZRequest) -> dict[str, Any]:
    result = engine_for(req.store).create(req.json())
    return render_result(result, req.version, req.flag("returnIds"))


def create_order_async_handler(req: ZRequest) -> Response:
    body = req.json_object()
    job_id = order_jobs(req.store).submit(body, str(req.version), req.flag("returnIds"))
    return json_response({"jobId": job_id, "success": True}, 202)


def get_job_handler(req: ZRequest) -> dict[str, Any]:
    job_id = req.params["job_id"]
    order_jobs(req.store)
    with req.store.read() as db:
        job = JobBook(db).get(job_id)
    if job is None:
        raise errors.not_found(RES_ASYNC_JOB, f"Cannot find the asynchronous job '{job_id}'.")
    body: dict[str, Any] = {"status": job.status, "errors": job.errors, "success": True}
    if job.result is not None:
        body["result"] = job.result
    return body


def get_order_handler(req: ZRequest) -> dict[str, Any]:
    number = req.params["order_number"]
    with req.store.read() as db:
        order = OrderBook(db).get(number)
    if order is None:
        raise errors.not_found(RES_ORDER, f"The order '{number}' does not exist.")
    return {"order": order, "success": True}


def update_order_custom_fields_handler(req: ZRequest) -> dict[str, Any]:
    """Set custom fields of an order and of its order actions (``UpdateOrderCustomFieldsRequest``)."""
    body = req.json_object()
    validation.check(body, UPDATE_CUSTOM_FIELDS, RES_ORDER, req.settings)
    number = req.params["order_number"]
    with req.store.transaction() as db:
        book = OrderBook(db)
        order = book.get(number)
        if order is None:
            raise errors.not_found(RES_ORDER, f"The order '{number}' does not exist.")
        order["customFields"].update(body.get("customFields") or {})
        for index, change in enumerate(body.get("subscriptions") or []):
            entries = [s for s in order["subscriptions"] if s["subscriptionNumber"] == change["subscriptionNumber"]]
            if not entries:
                raise errors.not_found(
                    RES_ORDER,
                    f"The order '{number}' has no subscription '{change['subscriptionNumber']}' "
                    f"(in subscriptions[{index}]).",
                )
            for action_change in change.get("orderActions") or []:
                action = _order_action(entries, action_change, index)
                action["customFields"].update(action_change.get("customFields") or {})
        book.replace(order)
    return {"success": True}


def _order_action(entries: list[dict[str, Any]], change: dict[str, Any], index: int) -> dict[str, Any]:
    """The recorded order action a change names by ``orderActionId`` or by ``sequence``."""
    for entry in entries:
        for action in entry["orderActions"]:
            if action["id"] == change.get("orderActionId") or (
                change.get("orderActionId") is None and action["sequence"] == change.get("sequence")
            ):
                found: dict[str, Any] = action
                return found
    key = change.get("orderActionId") or f"sequence {change.get('sequence')}"
    raise errors.not_found(
        RES_ORDER_ACTION, f"No order action '{key}' in this subscription (in subscriptions[{index}])."
    )


def list_orders_handler(req: ZRequest) -> dict[str, Any]:
    """``GET /v1/orders`` and its by-subscription / by-subscription-owner variants (``GetOrdersResponse``)."""
    page = _whole(req.query.get("page", "1"), "page", 1)
    size = _whole(req.query.get("pageSize", str(DEFAULT_PAGE_SIZE)), "pageSize", 1, MAX_PAGE_SIZE)
    date_field = req.query.get("dateFilterOption", "orderDate")
    if date_field not in ("orderDate", "updatedDate"):
        raise errors.invalid_value(RES_ORDER, "'dateFilterOption' must be orderDate or updatedDate.")
    start, end = (req.query.get(k) for k in ("startDate", "endDate"))
    for name, value in (("startDate", start), ("endDate", end)):
        if value is not None and parse_date(value) is None:
            raise errors.invalid_value(RES_ORDER, f"'{name}' must be a date in the format YYYY-MM-DD.")
    status = req.query.get("status")
    with req.store.read() as db:
        book = OrderBook(db)
        if "subscription_number" in req.params:
            orders = book.touching_subscription(req.params["subscription_number"])
        elif "account_number" in req.params:
            orders = book.for_subscription_owner(req.params["account_number"])
        else:
            orders = book.all()
    selected = [
        o
        for o in orders
        if (status is None or o["status"] == status)
        and (start is None or o[date_field][:10] >= start)
        and (end is None or o[date_field][:10] <= end)
    ]
    body: dict[str, Any] = {"orders": selected[(page - 1) * size : page * size], "success": True}
    if page * size < len(selected):
        query = {**req.query.to_dict(), "page": str(page + 1), "pageSize": str(size)}
        body["nextPage"] = f"{req.raw.host_url.rstrip('/')}{req.path}?{urlencode(query)}"
    return body


def _whole(raw: str, name: str, low: int, high: int | None = None) -> int:
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        bounds = f"{low} to {high}" if high is not None else f"at least {low}"
        raise errors.invalid_value(RES_ORDER, f"'{name}' must be a whole number, {bounds}, not '{raw}'.")
    return int(raw)


def get_line_item_handler(req: ZRequest) -> dict[str, Any]:
    item_id = req.params["item_id"]
    with req.store.read() as db:
        item = OrderBook(db).line_item(item_id)
    if item is None:
        raise errors.not_found(RES_ORDER_LINE_ITEM, f"The order line item '{item_id}' does not exist.")
    item.pop("_orderNumber", None)
    return {"orderLineItem": item, "success": True}
