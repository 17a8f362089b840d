"""What a plan step produced in Zuora: read from its answer, or found by looking it up.

Both sources give the same output names (the ones :attr:`PlanStep.outputs` promises and later steps'
placeholders ask for), so a step whose answer was lost resolves exactly like one that was answered:

- ``create_account``: ``accountId``, ``accountNumber``, ``billToContactId``, ``soldToContactId``
  (found by CRM ID, zuora-api §4.4);
- ``create_contact``: ``id`` (found among the account's contacts — the account named by id or, for an
  account created inside an order, by number — by ``crmId__c`` or, for an order's address contact, by
  ``crmOrderId__c`` and the ``_billTo`` / ``_soldTo`` name suffix);
- catalog creates: ``Id`` (product by SKU, rate plan by externally managed plan id, charge by its plan);
- ``create_order``: ``orderNumber``, ``accountNumber``, ``subscriptionNumbers``, ``orderLineItemIds``
  (found with ``GET /v1/orders/{orderNumber}``; an order that creates its account with ``newAccount``
  gives that account's number the same way, so the account's other requests resolve either way).
"""

from __future__ import annotations

from typing import Any

from cpq_desktop.core.sync.plan import LookupKind, StepKind
from cpq_desktop.core.sync.results import ZuoraKeys
from cpq_desktop.core.zuora.client import ZuoraClient
from cpq_desktop.core.zuora.errors import ZuoraApiError

Outputs = dict[str, Any]

_NOT_OUTPUTS = frozenset({"success", "Success", "processId", "requestId", "reasons", "subscriptions", "orderLineItems"})


def outputs_from_answer(kind: StepKind, body: Any) -> Outputs:
    """The outputs in a write's answer (for an async order: the job's ``result``)."""
    if not isinstance(body, dict):
        return {}
    outputs: Outputs = {k: v for k, v in body.items() if k not in _NOT_OUTPUTS and not isinstance(v, dict | list)}
    if kind is StepKind.CREATE_ORDER:
        outputs.update(_order_outputs(body))
    return outputs


def _order_outputs(order: dict[str, Any]) -> Outputs:
    numbers = [str(s["subscriptionNumber"]) for s in order.get("subscriptions") or [] if s.get("subscriptionNumber")]
    numbers += [str(n) for n in order.get("subscriptionNumbers") or [] if str(n) not in numbers]
    return {
        "orderNumber": order.get("orderNumber"),
        "accountNumber": order.get("accountNumber") or order.get("existingAccountNumber"),
        "subscriptionNumbers": numbers,
        "orderLineItemIds": [str(i["id"]) for i in order.get("orderLineItems") or [] if i.get("id")],
    }


def keys_from_outputs(kind: StepKind, outputs: Outputs) -> ZuoraKeys:
    """The Zuora keys a step's outputs give its Salesforce record (results, write-back)."""
    if kind in (StepKind.CREATE_ACCOUNT, StepKind.UPDATE_ACCOUNT):
        return ZuoraKeys(
            account_number=str(outputs.get("accountNumber") or ""), account_id=str(outputs.get("accountId") or "")
        )
    if kind in (StepKind.CREATE_CONTACT, StepKind.UPDATE_CONTACT):
        return ZuoraKeys(contact_ids=[str(outputs["id"])] if outputs.get("id") else [])
    if kind is StepKind.CREATE_PRODUCT:
        return ZuoraKeys(product_id=str(outputs.get("Id") or ""))
    if kind is StepKind.CREATE_PRODUCT_RATE_PLAN:
        return ZuoraKeys(product_rate_plan_id=str(outputs.get("Id") or ""))
    if kind is StepKind.CREATE_PRODUCT_RATE_PLAN_CHARGE:
        return ZuoraKeys(product_rate_plan_charge_ids=[str(outputs["Id"])] if outputs.get("Id") else [])
    return ZuoraKeys(
        order_number=str(outputs.get("orderNumber") or ""),
        account_number=str(outputs.get("accountNumber") or ""),
        subscription_numbers=[str(n) for n in outputs.get("subscriptionNumbers") or []],
        order_line_item_ids=[str(n) for n in outputs.get("orderLineItemIds") or []],
    )


def _get_or_none(client: ZuoraClient, path: str, params: dict[str, Any] | None = None) -> Any:
    try:
        return client.get(path, params=params).body
    except ZuoraApiError as exc:
        if exc.status == 404:
            return None
        raise


def _query(client: ZuoraClient, path: str, filters: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    params: dict[str, Any] = {"filter[]": filters, "pageSize": 99}
    while True:
        body = client.get(path, params=params).body or {}
        rows.extend(body.get("data") or [])
        if not body.get("nextPage"):
            return rows
        params = {**params, "cursor": body["nextPage"]}


def find_in_zuora(client: ZuoraClient, kind: LookupKind, value: str, body: dict[str, Any]) -> Outputs | None:
    """What the write with (resolved) ``body`` created, if Zuora has it; ``None`` when it does not.

    Raises :class:`~cpq_desktop.core.zuora.errors.ZuoraError` when Zuora cannot be asked.
    """
    if kind is LookupKind.ORDER_NUMBER:
        found = _get_or_none(client, f"/v1/orders/{value}")
        order = found.get("order") if isinstance(found, dict) else None
        return _order_outputs(order) if isinstance(order, dict) else None
    if kind is LookupKind.CRM_ID:
        rows = _query(client, "/object-query/accounts", [f"crmid.EQ:{value}"])
        if not rows:
            return None
        row = rows[0]
        return {
            "accountId": row.get("id"),
            "accountNumber": row.get("accountNumber"),
            "billToContactId": row.get("billToId"),
            "soldToContactId": row.get("soldToId"),
        }
    if kind is LookupKind.CONTACT:
        return _find_contact(client, value, body)
    if kind is LookupKind.SKU:
        rows = _query(client, "/object-query/products", [f"sku.EQ:{value}"])
        return {"Id": rows[0]["id"]} if rows else None
    if kind is LookupKind.EXTERNAL_PLAN_ID:
        found = _get_or_none(client, f"/v1/product-rate-plans/external-id/{value}")
        plans = found.get("productRatePlans") if isinstance(found, dict) else None
        return {"Id": plans[0]["id"]} if plans else None
    plan_id = str(body.get("ProductRatePlanId") or "")
    if not plan_id:
        return None
    rows = _query(client, "/object-query/product-rate-plan-charges", [f"productrateplanid.EQ:{plan_id}"])
    named = [r for r in rows if r.get("name") == body.get("Name")] or rows
    return {"Id": named[0]["id"]} if named else None


def _find_contact(client: ZuoraClient, value: str, body: dict[str, Any]) -> Outputs | None:
    account_id = str(body.get("accountId") or "")
    if not account_id and body.get("accountNumber"):
        # a contact of an account created inside an order is sent with the account's number
        found = _get_or_none(client, f"/v1/accounts/{body['accountNumber']}")
        basic = found.get("basicInfo") if isinstance(found, dict) else None
        account_id = str(basic.get("id") or "") if isinstance(basic, dict) else ""
    if not account_id:
        return None
    rows = _query(client, "/object-query/contacts", [f"accountid.EQ:{account_id}"])
    suffix = next((s for s in ("_billTo", "_soldTo") if value.endswith(s)), None)
    if suffix is None:
        matches = [c for c in rows if c.get("crmId__c") == value]
    else:
        order_id = value[: -len(suffix)]
        matches = [
            c for c in rows if c.get("crmOrderId__c") == order_id and str(c.get("firstName") or "").endswith(suffix)
        ]
    return {"id": matches[0]["id"]} if matches else None
