"""Catalog read APIs (camelCase, read spellings; zuora-api.md §5.3).

``GET /v1/catalog/products``, ``/v1/catalog/product/{key}``, ``/v1/rateplan/{product}/productRatePlan``,
``/v1/product-rate-plans/{key}`` and ``/v1/product-rate-plans/external-id/{id}``.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from cpq_desktop.sandbox.zuora import catalog_records as cr
from cpq_desktop.sandbox.zuora import errors
from cpq_desktop.sandbox.zuora.errors import RES_PRODUCT, RES_PRODUCT_RATE_PLAN
from cpq_desktop.sandbox.zuora.versions import CATALOG_PLANS_AS_URL

if TYPE_CHECKING:
    from cpq_desktop.sandbox.zuora.routing import Router, ZRequest

MAX_PRODUCTS_PAGE = 40
MAX_PLANS_PAGE = 300


def register(router: Router) -> None:
    router.add("GET", "/v1/catalog/products", list_products)
    router.add("GET", "/v1/catalog/product/{product_key}", get_product)
    router.add("GET", "/v1/rateplan/{product_key}/productRatePlan", list_product_plans)
    router.add("GET", "/v1/product-rate-plans/external-id/{external_id}", plans_by_external_id)
    router.add("GET", "/v1/product-rate-plans/{plan_key}", get_plan)


def _paging(req: ZRequest, default_size: int, max_size: int) -> tuple[int, int]:
    try:
        page = int(req.query.get("page", "1"))
        size = int(req.query.get("pageSize", str(default_size)))
    except ValueError:
        raise errors.invalid_value(errors.RES_GENERIC, "page and pageSize must be whole numbers.") from None
    if page < 1:
        raise errors.invalid_value(errors.RES_GENERIC, "page must be 1 or more.")
    if not 1 <= size <= max_size:
        raise errors.invalid_value(errors.RES_GENERIC, f"pageSize must be between 1 and {max_size}.")
    return page, size


def _base_url(req: ZRequest) -> str:
    return str(req.raw.host_url).rstrip("/")


def _product_entry(req: ZRequest, db: sqlite3.Connection, product: dict[str, Any]) -> dict[str, Any]:
    view = cr.product_view(product)
    if req.version.at_least(CATALOG_PLANS_AS_URL):
        view["productRatePlans"] = f"{_base_url(req)}/v1/rateplan/{product['Id']}/productRatePlan"
    else:
        view["productRatePlans"] = [
            cr.plan_view(plan, cr.charges_of_plan(db, plan["Id"])) for plan in cr.plans_of_product(db, product["Id"])
        ]
    return view


def list_products(req: ZRequest) -> dict[str, Any]:
    page, size = _paging(req, 10, MAX_PRODUCTS_PAGE)
    with req.store.read() as db:
        products = cr.all_products(db)
        products.sort(key=lambda p: p.get("UpdatedDate", ""), reverse=True)
        chunk = products[(page - 1) * size : page * size]
        body: dict[str, Any] = {"products": [_product_entry(req, db, p) for p in chunk]}
    if page * size < len(products):
        body["nextPage"] = f"{_base_url(req)}/v1/catalog/products?{urlencode({'page': page + 1, 'pageSize': size})}"
    body["success"] = True
    return body


def get_product(req: ZRequest) -> dict[str, Any]:
    key = req.params["product_key"]
    with req.store.read() as db:
        product = cr.get_product(db, key)
        if product is None:
            raise errors.not_found(RES_PRODUCT, f"Cannot find a Product with key '{key}'.")
        return {**_product_entry(req, db, product), "success": True}


def list_product_plans(req: ZRequest) -> dict[str, Any]:
    page, size = _paging(req, 20, MAX_PLANS_PAGE)
    key = req.params["product_key"]
    with req.store.read() as db:
        product = cr.get_product(db, key)
        if product is None:
            raise errors.not_found(RES_PRODUCT, f"Cannot find a Product with key '{key}'.")
        plans = cr.plans_of_product(db, product["Id"])
        chunk = plans[(page - 1) * size : page * size]
        body: dict[str, Any] = {
            "productRatePlans": [cr.plan_view(p, cr.charges_of_plan(db, p["Id"])) for p in chunk],
        }
    if page * size < len(plans):
        query = urlencode({"page": page + 1, "pageSize": size})
        body["nextPage"] = f"{_base_url(req)}/v1/rateplan/{quote(key)}/productRatePlan?{query}"
    body["success"] = True
    return body


def get_plan(req: ZRequest) -> dict[str, Any]:
    """By id, by product rate plan number (``PRP-…``) or by an externally managed id."""
    key = req.params["plan_key"]
    with req.store.read() as db:
        plan = cr.get_plan(db, key) or cr.plan_by_number(db, key)
        if plan is None:
            by_external = cr.plans_by_external_id(db, key)
            plan = by_external[0] if by_external else None
    if plan is None:
        raise errors.not_found(RES_PRODUCT_RATE_PLAN, f"Cannot find a ProductRatePlan with key '{key}'.")
    return {**_external_view(plan), "success": True}


def _external_view(plan: dict[str, Any]) -> dict[str, Any]:
    view = cr.plan_view(plan)
    return {
        "id": view["id"],
        "name": view["name"],
        "description": view["description"],
        "status": view["status"],
        "effectiveStartDate": view["effectiveStartDate"],
        "effectiveEndDate": view["effectiveEndDate"],
        "productRatePlanNumber": view["productRatePlanNumber"],
        "grade": view["grade"],
        # Docs samples spell it camelCase, the SDK models PascalCase (zuora-api.md §5.3): send both.
        "externalIdSourceSystem": view["externalIdSourceSystem"],
        "ExternalIdSourceSystem": view["externalIdSourceSystem"],
        "externallyManagedPlanIds": view["externallyManagedPlanIds"],
    }


def plans_by_external_id(req: ZRequest) -> dict[str, Any]:
    external_id = req.params["external_id"]
    with req.store.read() as db:
        plans = cr.plans_by_external_id(db, external_id)
    if not plans:
        raise errors.not_found(
            RES_PRODUCT_RATE_PLAN, f"Cannot find a ProductRatePlan with external id '{external_id}'."
        )
    return {"success": True, "productRatePlans": [_external_view(p) for p in plans]}
