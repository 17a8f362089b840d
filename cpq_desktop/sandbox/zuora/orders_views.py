"""How ``GET /v1/orders/{orderNumber}`` shows an order action: the request as Zuora resolved it.

The read side differs from the request (zuora-sdk ``OrderAction`` models): rate plans carry the
resolved ``productRatePlanId`` and the ``newRatePlanId`` they became, charge overrides spell the key
``productRateplanChargeId``, a TermsAndConditions term is ``initialTerm``, and Suspend/Resume report
the dates they took effect.
"""

from __future__ import annotations

from typing import Any

_RATE_PLAN_KEYS = (
    "customFields",
    "externallyManagedPlanId",
    "productRatePlanNumber",
    "subscriptionProductFeatures",
    "uniqueToken",
    "subscriptionRatePlanNumber",
    "isFromExternalCatalog",
    "ratePlanName",
)
_CHANGE_PLAN_KEYS = (
    "chargeOverrides",
    "customFields",
    "externallyManagedPlanId",
    "productRatePlanId",
    "productRatePlanNumber",
    "uniqueToken",
)
_CHARGE_UPDATE_KEYS = (
    "billing",
    "chargeNumber",
    "estimatedStartDate",
    "customFields",
    "description",
    "effectiveDate",
    "pricing",
    "uniqueToken",
)
_UPDATE_PRODUCT_KEYS = (
    "customFields",
    "productRatePlanNumber",
    "ratePlanId",
    "specificUpdateDate",
    "subscriptionRatePlanNumber",
    "uniqueToken",
)


def _charge_override(override: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in override.items() if k != "productRatePlanChargeId"}
    view["productRateplanChargeId"] = override["productRatePlanChargeId"]
    return view


def _rate_plan(request: dict[str, Any], created: dict[str, Any]) -> dict[str, Any]:
    view = {k: request[k] for k in _RATE_PLAN_KEYS if request.get(k) is not None}
    view["productRatePlanId"] = created["productRatePlanId"]
    view["productRatePlanNumber"] = created["productRatePlanNumber"]
    view["newRatePlanId"] = created["id"]
    view["subscriptionRatePlanNumber"] = created["subscriptionRatePlanNumber"]
    view["chargeOverrides"] = [_charge_override(c) for c in request.get("chargeOverrides") or []]
    return view


def action_body_view(
    kind: str, payload: dict[str, Any], doc: dict[str, Any], added: list[dict[str, Any]]
) -> dict[str, Any]:
    """The action's body as the order read API shows it; ``added`` are the rate plans it created."""
    if kind == "CreateSubscription":
        view = {k: v for k, v in payload.items() if k not in ("subscribeToRatePlans", "subscribeToProducts")}
        key = "subscribeToProducts" if payload.get("subscribeToProducts") is not None else "subscribeToRatePlans"
        view[key] = [_rate_plan(r, c) for r, c in zip(payload.get(key) or [], added, strict=True)]
        view["subscriptionNumber"] = doc["subscriptionNumber"]
        return view
    if kind == "AddProduct":
        return _rate_plan(payload, added[0])
    if kind == "UpdateProduct":
        view = {k: payload[k] for k in _UPDATE_PRODUCT_KEYS if payload.get(k) is not None}
        view["chargeUpdates"] = [
            {k: u[k] for k in _CHARGE_UPDATE_KEYS if u.get(k) is not None} for u in payload.get("chargeUpdates") or []
        ]
        return view
    if kind == "ChangePlan":
        view = {
            k: v for k, v in payload.items() if k not in ("newProductRatePlan", "externalCatalogPlanId", "resetBcd")
        }
        new_plan = _rate_plan(payload["newProductRatePlan"], added[0])
        view["newProductRatePlan"] = {k: v for k, v in new_plan.items() if k in _CHANGE_PLAN_KEYS}
        return view
    if kind == "TermsAndConditions":
        view = {k: v for k, v in payload.items() if k != "lastTerm"}
        if payload.get("lastTerm") is not None:
            view["initialTerm"] = payload["lastTerm"]
        return view
    if kind == "Suspend":
        return {**payload, "suspendDate": doc.get("_suspendDate")}
    if kind == "Resume":
        return {**payload, "resumeDate": doc.get("_resumeDate")}
    return dict(payload)
