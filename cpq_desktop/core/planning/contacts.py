"""Bill To and Sold To contacts of an order's subscriptions and line items (connector-spec §2.2).

Bill To, in order of preference: the order's Bill To Contact (created in Zuora when missing, found by
``crmId__c`` = Contact Id), a new contact from the order's billing address (created for that order,
marked with ``crmOrderId__c`` = Order Id, so a re-plan finds it), else the account's default (nothing
is sent). Sold To likewise from the Ship To Contact and the shipping address. With an invoice owner or
subscription owner on the order, the Bill To Contact must belong to the invoice owner and the Ship To
Contact to the subscription owner; address contacts are created under those owners.
"""

from __future__ import annotations

from typing import Any

from cpq_desktop.core.mapping import pairs
from cpq_desktop.core.planning.accounts import account_ref
from cpq_desktop.core.planning.context import PlanContext, RecordFailed, ref
from cpq_desktop.core.sync.plan import (
    ErrorClass,
    LookupKind,
    PlanStep,
    Request,
    ResultLookup,
    StepKind,
    placeholders_in,
    token,
)

_ADDRESS = (
    ("Street", "address1"),
    ("City", "city"),
    ("State", "state"),
    ("PostalCode", "zipCode"),
    ("Country", "country"),
)
_NAME_LIMIT = 100
# (order lookup, address prefix, owner lookup, name suffix, role)
_ROLES = {
    "billTo": ("BillToContactId", "Billing", "InvoiceOwner__c", "_billTo", "Bill To"),
    "soldTo": ("ShipToContactId", "Shipping", "SubscriptionOwner__c", "_soldTo", "Ship To"),
}


def _for_contacts_api(values: dict[str, Any]) -> dict[str, Any]:
    fixed = dict(values)
    if "postalCode" in fixed:
        fixed["zipCode"] = fixed.pop("postalCode")
    return fixed


def _owner(order: dict[str, Any], owner_field: str) -> str:
    return str(order.get(owner_field) or order.get("AccountId") or "")


def _step(ctx: PlanContext, step_id: str, record: Any, body: dict[str, Any], reason: str, key: str) -> str:
    if step_id not in ctx.steps:
        ctx.add_step(
            PlanStep(
                step_id=step_id,
                kind=StepKind.CREATE_CONTACT,
                record=record,
                request=Request(method="POST", path="/v1/contacts", body=body),
                reason=reason,
                depends_on=[p.step_id for p in placeholders_in(body)],
                lookup=ResultLookup(kind=LookupKind.CONTACT, value=key),
                placeholders=placeholders_in(body),
                outputs=["id"],
            )
        )
    ctx.depend(step_id)
    return token(step_id, "id")


def contact_id(ctx: PlanContext, order: Any, role: str) -> str | None:
    """The ``bill_to_contact_id`` / ``sold_to_contact_id`` derivations for ``order`` (None: account default)."""
    if not isinstance(order, dict) or not order.get("Id"):
        return None
    order = ctx.graph.get("Order", str(order["Id"])) or order
    lookup, prefix, owner_field, suffix, label = _ROLES[role]
    owner = _owner(order, owner_field)
    contact_ref = order.get(lookup)
    if contact_ref:
        return _linked_contact(ctx, order, str(contact_ref), owner, owner_field, label)
    address = {
        target: order.get(prefix + part) for part, target in _ADDRESS if str(order.get(prefix + part) or "").strip()
    }
    if not address:
        return None
    order_id = str(order["Id"])
    existing = ctx.zuora.order_contacts.get((order_id, suffix))
    if existing:
        return existing
    account = ctx.graph.get("Account", owner) or {}
    name = str(account.get("Name") or "").strip()[: _NAME_LIMIT - len(suffix)] + suffix
    account_value, _ = account_ref(ctx, owner, "accountId")
    body = {"accountId": account_value, "firstName": name, "lastName": name, **address, "crmOrderId__c": order_id}
    return _step(
        ctx,
        f"contact:{order_id}:{role}",
        ref("Order", order, "OrderNumber"),
        body,
        f"order {order.get('OrderNumber')} has no {label} Contact, so its {prefix.lower()} address becomes a new "
        "contact for this order",
        f"{order_id}{suffix}",
    )


def _linked_contact(
    ctx: PlanContext, order: dict[str, Any], contact_id_: str, owner: str, owner_field: str, label: str
) -> str:
    existing = ctx.zuora.contacts.get(contact_id_)
    if existing:
        return existing
    contact = ctx.graph.get("Contact", contact_id_)
    if contact is None:
        raise RecordFailed(
            ErrorClass.CONTACT_OWNER_MISMATCH,
            f"Order {order.get('OrderNumber')}: its {label} Contact {contact_id_} cannot be read; check that it "
            "exists and belongs to the order's account (or its owner account).",
        )
    if order.get(owner_field) and contact.get("AccountId") != owner:
        raise RecordFailed(
            ErrorClass.CONTACT_OWNER_MISMATCH,
            f"Order {order.get('OrderNumber')}: its {label} Contact {contact_id_} belongs to "
            f"account {contact.get('AccountId')}, not to the order's {owner_field} ({owner}). Pick a contact of "
            f"that account as {label} Contact in Salesforce.",
        )
    name = contact.get("Name") or " ".join(str(contact.get(k) or "") for k in ("FirstName", "LastName")).strip()
    account_value, _ = account_ref(ctx, str(contact.get("AccountId") or owner), "accountId")
    values = _for_contacts_api(ctx.apply(pairs.CONTACT.id, contact))
    body = {"accountId": account_value, **values}
    body.setdefault("crmId__c", contact_id_)
    return _step(
        ctx,
        f"contact:{contact_id_}",
        ref("Contact", {**contact, "Name": name}, "Name"),
        body,
        f"{label} Contact {name or contact_id_} of order {order.get('OrderNumber')} is not in Zuora "
        f"(no contact has crmId__c {contact_id_})",
        contact_id_,
    )
