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
from cpq_desktop.core.planning.accounts import account_ref, account_step_id, contact_account
from cpq_desktop.core.planning.changes import changed_fields, words
from cpq_desktop.core.planning.contact_defaults import (
    NAME_LIMIT,
    ROLES,
    address_of,
    address_source,
    is_default,
    order_owner,
)
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

# role -> label for people
_LABELS = {"billTo": "Bill To", "soldTo": "Ship To"}


def _for_contacts_api(values: dict[str, Any]) -> dict[str, Any]:
    fixed = dict(values)
    if "postalCode" in fixed:
        fixed["zipCode"] = fixed.pop("postalCode")
    return fixed


def _step(ctx: PlanContext, step_id: str, record: Any, body: dict[str, Any], reason: str, key: str) -> str:
    if not ctx.has_step(step_id):
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
    """The ``bill_to_contact_id`` / ``sold_to_contact_id`` derivations for ``order`` (None: account default).

    Nothing is sent when the order's contact is the default of the owner account (connector-spec §2.2,
    preference 3): a contact step then only costs a call.
    """
    if not isinstance(order, dict) or not order.get("Id"):
        return None
    order = ctx.graph.get("Order", str(order["Id"])) or order
    lookup, prefix, owner_field, suffix = ROLES[role]
    label = _LABELS[role]
    owner = order_owner(order, role)
    if owner:
        _, step = account_ref(ctx, owner)
        ctx.depend(step)
    contact_ref = order.get(lookup)
    if contact_ref:
        if owner and is_default(ctx, owner, role, ("contact", str(contact_ref))):
            return None
        return _linked_contact(ctx, order, str(contact_ref), owner, owner_field, label)
    address = {("zipCode" if k == "postalCode" else k): v for k, v in address_of(order, prefix).items()}
    if not address or (owner and is_default(ctx, owner, role, address_source(address_of(order, prefix)))):
        return None
    order_id = str(order["Id"])
    existing = ctx.zuora.order_contacts.get((order_id, suffix))
    if existing:
        return existing
    account = ctx.graph.get("Account", owner) or {}
    name = str(account.get("Name") or "").strip()[: NAME_LIMIT - len(suffix)] + suffix
    account_key, account_value = contact_account(ctx, owner)
    body = {account_key: account_value, "firstName": name, "lastName": name, **address, "crmOrderId__c": order_id}
    return _step(
        ctx,
        f"contact:{order_id}:{role}",
        ref("Order", order, "OrderNumber"),
        body,
        f"order {order.get('OrderNumber')} has no {label} Contact, and its {prefix.lower()} address is not the "
        "account's default, so it becomes a new contact for this order",
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
    account_key, account_value = contact_account(ctx, str(contact.get("AccountId") or owner))
    values = _for_contacts_api(ctx.apply(pairs.CONTACT.id, contact))
    body = {account_key: account_value, **values}
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


def plan_other_contacts(ctx: PlanContext, account_ids: list[str]) -> None:
    """The other Salesforce contacts of the accounts (not their Bill To / Sold To), created under them when
    Zuora lacks them (connector-spec §2.1) — once the account is in Zuora or created by the plan."""
    wanted = set(account_ids)
    for contact in ctx.graph.all("Contact"):
        account_id = str(contact.get("AccountId") or "")
        contact_id_ = str(contact.get("Id") or "")
        if account_id not in wanted or contact_id_ in ctx.zuora.contacts or ctx.has_step(f"contact:{contact_id_}"):
            continue
        created = (
            account_id in ctx.zuora.accounts
            or ctx.has_step(account_step_id(account_id))
            or ctx.has_step(ctx.inline_accounts.get(account_id))
        )
        if not created or any(is_default(ctx, account_id, role, ("contact", contact_id_)) for role in ROLES):
            continue
        name = contact.get("Name") or " ".join(str(contact.get(k) or "") for k in ("FirstName", "LastName")).strip()
        record = ref("Contact", {**contact, "Name": name}, "Name")
        try:
            values = _for_contacts_api(ctx.apply(pairs.CONTACT.id, contact))
        except RecordFailed as exc:
            ctx.fail(record, exc.error_class, exc.message)
            continue
        account = ctx.graph.get("Account", account_id) or {}
        with ctx.collecting():
            account_key, account_value = contact_account(ctx, account_id)
            body = {account_key: account_value, **values}
            body.setdefault("crmId__c", contact_id_)
            _step(
                ctx,
                f"contact:{contact_id_}",
                record,
                body,
                f"contact {name or contact_id_} of account {account.get('Name') or account_id!r} is not in Zuora "
                f"(no contact has crmId__c {contact_id_})",
                contact_id_,
            )


def plan_contact_updates(ctx: PlanContext) -> None:
    """An update of each contact Zuora has (found by ``crmId__c``) whose mapped fields differ from Zuora's
    (connector-spec §2.1: updates cover the account's Bill To / Sold To and the contacts used on orders)."""
    for contact in ctx.graph.all("Contact"):
        contact_id_ = str(contact.get("Id") or "")
        zuora_id = ctx.zuora.contacts.get(contact_id_)
        row = ctx.zuora.contact_rows.get(zuora_id or "")
        if zuora_id is None or row is None:
            continue
        try:
            mapped = ctx.apply(pairs.CONTACT.id, contact)
        except RecordFailed:
            continue  # the contact exists in Zuora; a problem mapping it only blocks the update
        # the linking key stays as Zuora has it (contacts created inside an order carry none)
        changes = changed_fields(mapped, row, {}, ("crmId__c",))
        if not changes:
            continue
        name = contact.get("Name") or " ".join(str(contact.get(k) or "") for k in ("FirstName", "LastName")).strip()
        ctx.add_step(
            PlanStep(
                step_id=f"contact-update:{contact_id_}",
                kind=StepKind.UPDATE_CONTACT,
                record=ref("Contact", {**contact, "Name": name}, "Name"),
                request=Request(
                    method="PUT",
                    path=f"/v1/contacts/{zuora_id}",
                    body=_for_contacts_api({k: new for k, (_, new) in changes.items()}),
                ),
                reason=f"contact {name or contact_id_} changed in Salesforce: {', '.join(words(changes))}",
                lookup=ResultLookup(kind=LookupKind.CONTACT, value=contact_id_),
                outputs=["id"],
            )
        )
