"""An account's default Bill To / Sold To contact, and whether an order's contact is that default.

Each contact an order's subscriptions name costs a ``POST /v1/contacts`` unless it is the default of the
account the subscription is billed to or owned by: then nothing is sent and Zuora uses the default
(connector-spec §2.2, preference 3). A new account's defaults are known to the plan as *sources*:
``("contact", <Contact Id>)`` for a Salesforce Contact, ``("address", <parts>…)`` for an address.
"""

from __future__ import annotations

from typing import Any

from cpq_desktop.core.mapping import pairs
from cpq_desktop.core.mapping.model import ZUORA_CUSTOM_SUFFIX
from cpq_desktop.core.planning.context import PlanContext

ADDRESS = (
    ("Street", "address1"),
    ("City", "city"),
    ("State", "state"),
    ("PostalCode", "postalCode"),
    ("Country", "country"),
)
NAME_LIMIT = 100
# role -> (order's contact lookup, address prefix, owner lookup, name suffix)
ROLES = {
    "billTo": ("BillToContactId", "Billing", "InvoiceOwner__c", "_billTo"),
    "soldTo": ("ShipToContactId", "Shipping", "SubscriptionOwner__c", "_soldTo"),
}

Source = tuple[str, ...]


def address_of(record: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The non-blank parts of ``record``'s ``prefix`` address (Orders spelling: ``postalCode``)."""
    return {
        target: record.get(prefix + part) for part, target in ADDRESS if str(record.get(prefix + part) or "").strip()
    }


def address_source(address: dict[str, Any]) -> Source:
    return ("address", *(f"{k}={v}" for k, v in sorted(address.items())))


def account_address_key(record: dict[str, Any], role: str) -> Source:
    """The source of an account's §2.1 default: its billing address; for Sold To its shipping address,
    else the Bill To reused."""
    if role == "soldTo":
        shipping = address_of(record, "Shipping")
        if shipping:
            return address_source(shipping)
    return address_source(address_of(record, "Billing"))


def order_owner(order: dict[str, Any], role: str) -> str:
    """The account a role's contact belongs to: the order's invoice (subscription) owner, else its account."""
    return str(order.get(ROLES[role][2]) or order.get("AccountId") or "")


def default_from_order(
    ctx: PlanContext, order: dict[str, Any], account_id: str, role: str
) -> tuple[Source, dict[str, Any]] | None:
    """(source, ``newAccount`` contact) when the order creating ``account_id`` gives the role a contact
    other than the account's §2.1 default (its Bill To / Ship To Contact, or another address); None
    when the §2.1 default stands."""
    lookup, prefix, _, suffix = ROLES[role]
    if order_owner(order, role) != account_id:
        return None
    contact_id = order.get(lookup)
    if contact_id:
        contact = ctx.graph.get("Contact", str(contact_id))
        if contact is None or str(contact.get("AccountId") or "") != account_id:
            return None
        values = ctx.apply(pairs.CONTACT.id, contact)
        # the Orders API's account contacts take no custom fields (crmId__c): the order's contact is known
        # to this plan as the account's default instead
        body = {k: v for k, v in values.items() if not k.endswith(ZUORA_CUSTOM_SUFFIX)}
        return ("contact", str(contact_id)), body
    address = address_of(order, prefix)
    account = ctx.graph.get("Account", account_id) or {}
    if not address or address_source(address) == account_address_key(account, role):
        return None
    name = str(account.get("Name") or "").strip()[: NAME_LIMIT - len(suffix)] + suffix
    return address_source(address), {"firstName": name, "lastName": name, **address}


def is_default(ctx: PlanContext, account_id: str, role: str, source: Source) -> bool:
    """Whether ``source`` is the default ``role`` contact of the account (new in this plan, or in Zuora).

    An order's address that is the account's own (billing for Bill To, shipping for Sold To) counts as
    the account's default of a new account: a contact of its own would only repeat what the account has.
    """
    existing = ctx.zuora.accounts.get(account_id)
    if existing is not None:
        if source[0] != "contact":
            return False
        zuora_id = ctx.zuora.contacts.get(source[1])
        default = existing.bill_to_id if role == "billTo" else existing.sold_to_id
        return zuora_id is not None and zuora_id == default
    if ctx.default_contacts.get((account_id, role)) == source:
        return True
    account = ctx.graph.get("Account", account_id)
    return source[0] == "address" and account is not None and account_address_key(account, role) == source
