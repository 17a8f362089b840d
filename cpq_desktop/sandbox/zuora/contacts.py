"""Contacts: the ``/v1/contacts`` endpoints and the storage the account and order code share.

Contacts are stored in Accounts-API spelling (``zipCode``); the Orders API spells it ``postalCode``
(zuora-api.md §3.3, §4.1) and Object Query answers with ``postalCode`` and ``nickName``. Custom
fields (``crmId__c``…) are kept in ``customFields`` and shown as top-level keys.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from cpq_desktop.sandbox.zuora import errors, geography, validation
from cpq_desktop.sandbox.zuora.account_records import find_account, get_account, save_account
from cpq_desktop.sandbox.zuora.errors import RES_CONTACT, ApiError
from cpq_desktop.sandbox.zuora.records import dump, load, now_stamp
from cpq_desktop.sandbox.zuora.settings import TenantSettings
from cpq_desktop.sandbox.zuora.store import new_id
from cpq_desktop.sandbox.zuora.validation import Spec, boolean, text

if TYPE_CHECKING:
    from cpq_desktop.sandbox.zuora.routing import Router, ZRequest

SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_account ON contacts(account_id);
"""

ADDRESS_FIELDS: dict[str, Spec] = {
    "address1": text(255),
    "address2": text(255),
    "city": text(100),
    "state": text(100),
    "zipCode": text(20),
    "country": text(64),
    "county": text(100),
    "taxRegion": text(100),
    "workEmail": text(80),
    "personalEmail": text(80),
    "workPhone": text(40),
    "homePhone": text(40),
    "mobilePhone": text(40),
    "otherPhone": text(40),
    "otherPhoneType": text(enum=("Work", "Mobile", "Home", "Other")),
    "fax": text(40),
    "nickname": text(100),
    "contactDescription": text(100),
}
STORED_FIELDS = ("firstName", "lastName", *ADDRESS_FIELDS)

# CreateAccountContact / UpdateAccountContact (the contacts inside POST/PUT /v1/accounts).
ACCOUNT_CONTACT: dict[str, Spec] = {
    "firstName": text(100, required=True, min_len=1),
    "lastName": text(100, required=True, min_len=1),
    **ADDRESS_FIELDS,
}
_ROLES = {"asBillTo": boolean(), "asSoldTo": boolean(), "asShipTo": boolean()}
CREATE_CONTACT: dict[str, Spec] = {
    **ACCOUNT_CONTACT,
    "accountNumber": text(70),
    "accountId": text(32),
    **_ROLES,
}
UPDATE_CONTACT: dict[str, Spec] = {
    "firstName": text(100, min_len=1),
    "lastName": text(100, min_len=1),
    **ADDRESS_FIELDS,
    **_ROLES,
}


def register(router: Router) -> None:
    router.add_schema(SCHEMA)
    router.add("POST", "/v1/contacts", create_contact_handler)
    router.add("GET", "/v1/contacts/{contact_id}", get_contact_handler)
    router.add("PUT", "/v1/contacts/{contact_id}", update_contact_handler)
    router.add("DELETE", "/v1/contacts/{contact_id}", delete_contact_handler)


# -- storage (used by accounts and orders) ---------------------------------------------------------


def address_problems(contact: dict[str, Any], settings: TenantSettings, *, bill_to: bool) -> list[str]:
    """Why Zuora would refuse this contact's address (country, state), in plain words."""
    problems: list[str] = []
    country = contact.get("country")
    canonical = None
    if country:
        canonical = geography.country_name(str(country))
        if canonical is None:
            problems.append(f"'{country}' is not a valid country name or ISO code")
    if bill_to and settings.bill_to_requires_country_and_state:
        if not country:
            problems.append("The bill-to contact needs a country (the tenant calculates tax from it)")
        if not contact.get("state"):
            problems.append("The bill-to contact needs a state or province (the tenant calculates tax from it)")
    if canonical:
        state_issue = geography.state_problem(canonical, contact.get("state"))
        if state_issue:
            problems.append(state_issue)
    return problems


def check_address(contact: dict[str, Any], settings: TenantSettings, *, bill_to: bool, where: str = "") -> None:
    problems = address_problems(contact, settings, bill_to=bill_to)
    if problems:
        suffix = f" (in {where})" if where else ""
        raise ApiError([(errors.code(RES_CONTACT, 20), p + suffix) for p in problems])


def insert_contact(db: sqlite3.Connection, account_id: str, fields: dict[str, Any], seq: int) -> dict[str, Any]:
    """Store a contact. ``fields`` uses Accounts spelling (``zipCode``); custom fields top-level."""
    stamp = now_stamp()
    record: dict[str, Any] = {"id": new_id(), "accountId": account_id}
    record.update({k: fields[k] for k in STORED_FIELDS if fields.get(k) is not None})
    record["customFields"] = validation.custom_values(fields)
    record["createdDate"] = stamp
    record["updatedDate"] = stamp
    if record.get("country"):
        record["country"] = geography.country_name(record["country"]) or record["country"]
    db.execute(
        "INSERT INTO contacts(id, seq, account_id, data) VALUES (?, ?, ?, ?)",
        (record["id"], seq, account_id, dump(record)),
    )
    return record


def from_order_contact(contact: dict[str, Any]) -> dict[str, Any]:
    """An Orders-API contact (``postalCode``, ``customFields``) in the stored spelling."""
    fields = {k: v for k, v in contact.items() if k not in ("postalCode", "customFields")}
    if contact.get("postalCode") is not None:
        fields["zipCode"] = contact["postalCode"]
    fields.update(contact.get("customFields") or {})
    return fields


def get_contact(db: sqlite3.Connection, contact_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT data FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    return None if row is None else load(row["data"])


def save_contact(db: sqlite3.Connection, record: dict[str, Any]) -> None:
    record["updatedDate"] = now_stamp()
    db.execute("UPDATE contacts SET data = ? WHERE id = ?", (dump(record), record["id"]))


def apply_contact_update(record: dict[str, Any], changes: dict[str, Any]) -> None:
    for key in STORED_FIELDS:
        if key in changes:
            if changes[key] is None:
                record.pop(key, None)
            else:
                record[key] = changes[key]
    if record.get("country"):
        record["country"] = geography.country_name(record["country"]) or record["country"]
    record.setdefault("customFields", {}).update(validation.custom_values(changes))


def rest_view(record: dict[str, Any]) -> dict[str, Any]:
    """A contact as the v1 REST endpoints return it: every standard field, unset ones as null."""
    view: dict[str, Any] = {"id": record["id"], "accountId": record.get("accountId")}
    for key in STORED_FIELDS:
        view[key] = record.get(key)
    view.update(record.get("customFields", {}))
    return view


def object_query_view(record: dict[str, Any]) -> dict[str, Any]:
    """A contact as Object Query returns it (``postalCode``, ``nickName``, ``description``)."""
    renames = {"zipCode": "postalCode", "nickname": "nickName", "contactDescription": "description"}
    view: dict[str, Any] = {
        "id": record["id"],
        "accountId": record.get("accountId"),
        "createdDate": record.get("createdDate"),
        "updatedDate": record.get("updatedDate"),
    }
    for key in STORED_FIELDS:
        view[renames.get(key, key)] = record.get(key)
    view.update(record.get("customFields", {}))
    return view


# -- handlers ---------------------------------------------------------------------------------------


def _contact_or_404(db: sqlite3.Connection, contact_id: str) -> dict[str, Any]:
    record = get_contact(db, contact_id)
    if record is None:
        raise errors.not_found(RES_CONTACT, f"Cannot find a Contact instance with id {contact_id}.")
    return record


def _with_account(db: sqlite3.Connection, record: dict[str, Any]) -> dict[str, Any]:
    view = {"success": True, **rest_view(record)}
    account = get_account(db, record["accountId"])
    if account is not None:
        view["accountNumber"] = account["accountNumber"]
        view["asBillTo"] = account.get("billToId") == record["id"]
        view["asSoldTo"] = account.get("soldToId") == record["id"]
        view["asShipTo"] = account.get("shipToId") == record["id"]
    view["postalCode"] = record.get("zipCode")
    return view


def create_contact_handler(req: ZRequest) -> dict[str, Any]:
    body = req.json_object()
    validation.check(body, CREATE_CONTACT, RES_CONTACT, req.settings, custom_object="Contact")
    key = body.get("accountId") or body.get("accountNumber")
    if not key:
        raise errors.missing_field(RES_CONTACT, "accountNumber")
    check_address(body, req.settings, bill_to=bool(body.get("asBillTo")))
    with req.store.transaction() as db:
        account = find_account(db, key)
        if account is None:
            raise errors.invalid_value(RES_CONTACT, f"The account '{key}' does not exist.")
        record = insert_contact(db, account["id"], body, req.store.next_number(db, "contact"))
        roles = {"asBillTo": "billToId", "asSoldTo": "soldToId", "asShipTo": "shipToId"}
        if any(body.get(role) for role in roles):
            for role, column in roles.items():
                if body.get(role):
                    account[column] = record["id"]
            save_account(db, account)
        return _with_account(db, record)


def get_contact_handler(req: ZRequest) -> dict[str, Any]:
    with req.store.read() as db:
        return _with_account(db, _contact_or_404(db, req.params["contact_id"]))


def update_contact_handler(req: ZRequest) -> dict[str, Any]:
    body = req.json_object()
    validation.check(body, UPDATE_CONTACT, RES_CONTACT, req.settings, custom_object="Contact")
    with req.store.transaction() as db:
        record = _contact_or_404(db, req.params["contact_id"])
        account = get_account(db, record["accountId"])
        apply_contact_update(record, body)
        is_bill_to = bool(body.get("asBillTo")) or (account is not None and account.get("billToId") == record["id"])
        check_address(record, req.settings, bill_to=is_bill_to)
        save_contact(db, record)
        if account is not None:
            roles = {"asBillTo": "billToId", "asSoldTo": "soldToId", "asShipTo": "shipToId"}
            changed = False
            for role, column in roles.items():
                if body.get(role):
                    account[column] = record["id"]
                    changed = True
            if changed:
                save_account(db, account)
        return _with_account(db, record)


def delete_contact_handler(req: ZRequest) -> dict[str, Any]:
    with req.store.transaction() as db:
        record = _contact_or_404(db, req.params["contact_id"])
        account = get_account(db, record["accountId"])
        if account is not None and record["id"] in (account.get("billToId"), account.get("soldToId")):
            raise errors.business_rule(
                RES_CONTACT,
                "The contact is the bill-to or sold-to contact of its account and cannot be deleted. "
                "Make another contact the bill-to/sold-to contact first.",
            )
        db.execute("DELETE FROM contacts WHERE id = ?", (record["id"],))
    return {"success": True}
