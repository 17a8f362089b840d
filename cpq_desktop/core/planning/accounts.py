"""Accounts (connector-spec §2.1, §4.2): found by CRM ID, created when missing (parents first), updated
when any mapped field differs from Zuora's.

An account the plan creates is referred to by placeholders (``${account:001…:accountNumber}``) until the
executor has created it; an account Zuora already has by its number.
"""

from __future__ import annotations

from typing import Any

from cpq_desktop.core.mapping import pairs
from cpq_desktop.core.mapping.model import ZUORA_CUSTOM_SUFFIX
from cpq_desktop.core.planning.changes import changed_fields, words
from cpq_desktop.core.planning.contact_defaults import account_address_key, default_from_order
from cpq_desktop.core.planning.context import HeldBackError, PlanContext, RecordFailed, ref
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

ACCOUNT_OUTPUTS = ["accountId", "accountNumber", "billToContactId", "soldToContactId"]


def _missing_address(record: dict[str, Any]) -> list[str]:
    """The parts of the billing address the connector insists on (connector-spec §2.1: "at least
    country and state" — Zuora computes tax from them) that the account lacks."""
    parts = (("country", "BillingCountry", "BillingCountryCode"), ("state", "BillingState", "BillingStateCode"))
    return [label for label, name, code in parts if not str(record.get(name) or record.get(code) or "").strip()]


def _accounts_contact(contact: Any) -> Any:
    """An Orders-style contact in the Accounts API's spelling (``zipCode``, zuora-api §4.1)."""
    if not isinstance(contact, dict):
        return contact
    fixed = dict(contact)
    if "postalCode" in fixed:
        fixed["zipCode"] = fixed.pop("postalCode")
    return fixed


def account_step_id(account_id: str) -> str:
    return f"account:{account_id}"


def account_ref(ctx: PlanContext, account_id: str, output: str = "accountNumber") -> tuple[str, str | None]:
    """(value for a request, step it waits for) of the Zuora account for Salesforce account ``account_id``.

    A new account is created inside its first order (``newAccount``) when that order asks for its number;
    later requests take the number from that order's answer. An account asked for first by id (a parent)
    or by another order (an owner) is created on its own with ``POST /v1/accounts``.
    """
    existing = ctx.zuora.accounts.get(account_id)
    if existing is not None:
        return (existing.number if output == "accountNumber" else existing.id), None
    if not ctx.has_step(account_step_id(account_id)) and output == "accountNumber":
        inline = inline_account_step(ctx, account_id)
        if inline is not None:
            return token(inline, "accountNumber"), (None if inline == ctx.current_step else inline)
    step_id = ensure_account(ctx, account_id)
    return token(step_id, output), step_id


def contact_account(ctx: PlanContext, account_id: str) -> tuple[str, str]:
    """(body key, value) naming the account a new contact goes under: its id, or — for an account created
    inside an order, whose answer carries only the number — its number."""
    existing = ctx.zuora.accounts.get(account_id)
    if existing is None and not ctx.has_step(account_step_id(account_id)):
        inline = inline_account_step(ctx, account_id)
        if inline is not None:
            if inline != ctx.current_step:
                ctx.depend(inline)
            return "accountNumber", token(inline, "accountNumber")
    value, _ = account_ref(ctx, account_id, "accountId")
    return "accountId", value


def inline_account_step(ctx: PlanContext, account_id: str) -> str | None:
    """The order step that creates account ``account_id`` inside it, if any — decided when the order being
    planned is the account's own (raises :class:`HeldBackError` when the account cannot be synced)."""
    step = ctx.inline_accounts.get(account_id)
    if step is not None and (ctx.has_step(step) or step == ctx.current_step):
        return step
    if ctx.current_order is None or ctx.current_step is None or account_id in ctx.parents:
        return None
    order = ctx.graph.get("Order", ctx.current_order)
    if order is None or str(order.get("AccountId") or "") != account_id or not _has_own_part(ctx, order):
        return None
    body = _account_body(ctx, account_id, order)
    ctx.inline_accounts[account_id] = ctx.current_step
    ctx.inline_bodies[account_id] = _for_orders(body)
    return ctx.current_step


def _has_own_part(ctx: PlanContext, order: dict[str, Any]) -> bool:
    """Whether the order's first request is the account's own (not only line items billed to its invoice
    owner, which go in an order of that owner's account)."""
    owner = order.get("InvoiceOwner__c")
    if not owner or owner == order.get("AccountId"):
        return True
    return any(item.get("SBQQ__Subscription__c") for item in ctx.graph.items_of(str(order["Id"])))


def ensure_account(ctx: PlanContext, account_id: str) -> str:
    """The id of the step creating account ``account_id`` (planned once); raises when it cannot be."""
    step_id = account_step_id(account_id)
    if ctx.has_step(step_id):
        return step_id
    # created while an order is planned (an owner of it): that order's contacts of the account are its defaults
    current = ctx.graph.get("Order", ctx.current_order) if ctx.current_order else None
    with ctx.collecting() as dependencies:
        body = _account_body(ctx, account_id, current)
    record = ctx.graph.get("Account", account_id) or {}
    for contact in ("billToContact", "soldToContact"):
        if contact in body:
            body[contact] = _accounts_contact(body[contact])
    parent = ctx.graph.get("Account", record.get("ParentId"))
    ctx.add_step(
        PlanStep(
            step_id=step_id,
            kind=StepKind.CREATE_ACCOUNT,
            record=ref("Account", record, "Name"),
            request=Request(method="POST", path="/v1/accounts", body=body),
            reason=f"account {record.get('Name')!r} is not in Zuora (no account has CRM ID {account_id})"
            + (f"; its parent {parent.get('Name')!r} is created first" if parent and dependencies else ""),
            depends_on=dependencies,
            lookup=ResultLookup(kind=LookupKind.CRM_ID, value=account_id, description="account whose crmId is this"),
            placeholders=placeholders_in(body),
            outputs=list(ACCOUNT_OUTPUTS),
        )
    )
    return step_id


def _account_body(ctx: PlanContext, account_id: str, home_order: dict[str, Any] | None) -> dict[str, Any]:
    """The mapped body of a new account (Orders spelling of contacts), its default Bill To / Sold To
    recorded; with ``home_order`` (the order that needs it first) those defaults follow connector-spec
    §2.2 for that order, so the order and later orders with the same contacts send none."""
    record = ctx.graph.get("Account", account_id)
    if record is None:
        raise HeldBackError(
            f"account {account_id} was not read from Salesforce (is it deleted, or hidden from the integration user?)"
        )
    if account_id in ctx.failed:
        raise HeldBackError(
            f"its account {ctx.failed[account_id].label or account_id} cannot be synced (see its problem)",
            ctx.failed[account_id],
        )
    account_ref_ = ref("Account", record, "Name")
    try:
        missing = _missing_address(record)
        if missing:
            raise RecordFailed(
                ErrorClass.MISSING_BILLING_ADDRESS,
                f"Account {record.get('Name')!r} ({account_id}) has no billing {' or '.join(missing)}; Zuora needs "
                "a Bill To contact with at least country and state (it computes tax from them). Fill in the "
                "account's Billing Address in Salesforce, then sync again.",
            )
        body = ctx.apply(pairs.ACCOUNT.id, record)
        defaults = {role: account_address_key(record, role) for role in ("billTo", "soldTo")}
        if home_order is not None:
            for role, key in ("billTo", "billToContact"), ("soldTo", "soldToContact"):
                chosen = default_from_order(ctx, home_order, account_id, role)
                if chosen is not None:
                    defaults[role], body[key] = chosen
    except RecordFailed as exc:
        ctx.fail(account_ref_, exc.error_class, exc.message)
        raise HeldBackError(
            f"its account {account_ref_.label or account_ref_.id} cannot be synced (see its problem)", account_ref_
        ) from None
    for role, key_ in defaults.items():
        ctx.default_contacts[(account_id, role)] = key_
    if not body.get("currency"):
        body["currency"] = ctx.default_currency
    return body


def _for_orders(body: dict[str, Any]) -> dict[str, Any]:
    """An account body in the spelling of the Orders API's ``newAccount`` (zuora-api §3.3): custom fields
    inside ``customFields``, additional email addresses as one comma-separated string."""
    fixed = {k: v for k, v in body.items() if not k.endswith(ZUORA_CUSTOM_SUFFIX)}
    custom = {k: v for k, v in body.items() if k.endswith(ZUORA_CUSTOM_SUFFIX)}
    if custom:
        fixed["customFields"] = {**(fixed.get("customFields") or {}), **custom}
    emails = fixed.get("additionalEmailAddresses")
    if isinstance(emails, list):
        fixed["additionalEmailAddresses"] = ",".join(str(e) for e in emails)
    return fixed


# set only when an account is created: the linking key, Zuora's own number, the currency (Zuora cannot change
# it) and the bill cycle day (connector-spec §2.1: "default 1 for new accounts")
_CREATE_ONLY = ("crmId", "accountNumber", "currency", "billCycleDay")
# request name -> Object Query name, where they differ
_QUERY_NAMES = {"salesRep": "salesRepName"}
_ACCOUNT_CONTACTS = {"billToContact": "bill_to_id", "soldToContact": "sold_to_id"}


def plan_account_update(ctx: PlanContext, account_id: str) -> None:
    """An update of an existing account when any field the mapping maps for it differs from what Zuora holds
    (connector-spec §4.2: "Found -> update it"); the body carries the changed fields only."""
    existing = ctx.zuora.accounts.get(account_id)
    record = ctx.graph.get("Account", account_id)
    step_id = f"account-update:{account_id}"
    if existing is None or record is None or ctx.has_step(step_id):
        return
    try:
        with ctx.collecting() as dependencies:
            mapped = ctx.apply(pairs.ACCOUNT.id, record)
    except (RecordFailed, HeldBackError):
        return  # the account exists in Zuora; a problem mapping it only blocks the update
    plain = {k: v for k, v in mapped.items() if k not in _ACCOUNT_CONTACTS}
    changes = changed_fields(plain, existing.fields, _QUERY_NAMES, _CREATE_ONLY)
    body: dict[str, Any] = {key: new for key, (_, new) in changes.items()}
    reasons = words(changes)
    for key, attribute in _ACCOUNT_CONTACTS.items():
        contact = mapped.get(key)
        row = ctx.zuora.contact_rows.get(getattr(existing, attribute) or "")
        if not isinstance(contact, dict) or row is None or not _is_account_address(row):
            continue
        contact_changes = changed_fields(contact, row, {})
        if contact_changes:
            body[key] = _accounts_contact(contact)  # Zuora wants the whole contact (names included)
            reasons += words(contact_changes, f"{key}.")
    if not body:
        return
    ctx.add_step(
        PlanStep(
            step_id=step_id,
            kind=StepKind.UPDATE_ACCOUNT,
            record=ref("Account", record, "Name"),
            request=Request(method="PUT", path=f"/v1/accounts/{existing.number}", body=body),
            reason=f"account {existing.number} changed in Salesforce: {', '.join(reasons)}",
            depends_on=dependencies,
            lookup=ResultLookup(kind=LookupKind.CRM_ID, value=account_id),
            placeholders=placeholders_in(body),
        )
    )


def _is_account_address(row: dict[str, Any]) -> bool:
    """Whether the account's Bill To / Sold To in Zuora is the one built from the account's address
    ("<account name>_billTo"), not a Salesforce contact or an order's address chosen as the default inside
    the order that created the account (that contact's own update, or its order, decides it)."""
    first_name = str(row.get("firstName") or "")
    return first_name.endswith(("_billTo", "_soldTo")) and not (row.get("crmId__c") or row.get("crmOrderId__c"))


def parent_account_id(ctx: PlanContext, record: dict[str, Any]) -> str | None:
    """The ``zuora_parent_account_id`` derivation: the parent's Zuora id (or a placeholder for it)."""
    parent_id = record.get("ParentId")
    if not parent_id:
        return None
    value, step = account_ref(ctx, str(parent_id), "accountId")
    ctx.depend(step)
    return value
