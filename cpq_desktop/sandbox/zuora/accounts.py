"""Accounts: ``POST/GET/PUT /v1/accounts`` (zuora-api.md §4.1-§4.3) and account creation for orders.

Account custom fields are top-level ``Foo__c`` properties on the Accounts API, come back inside
``basicInfo`` on ``GET``, and sit in a ``customFields`` container in an order's ``newAccount``.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from cpq_desktop.sandbox.zuora import contacts, errors, validation
from cpq_desktop.sandbox.zuora.account_records import (
    SCHEMA,
    allocate_number,
    find_account,
    get_account,
    insert_account,
    require_account,
    save_account,
)
from cpq_desktop.sandbox.zuora.errors import RES_ACCOUNT, RES_CONTACT
from cpq_desktop.sandbox.zuora.limits import Pool
from cpq_desktop.sandbox.zuora.records import load
from cpq_desktop.sandbox.zuora.settings import TenantSettings
from cpq_desktop.sandbox.zuora.store import TenantStore
from cpq_desktop.sandbox.zuora.validation import ANY, Spec, boolean, integer, obj, strings, text

if TYPE_CHECKING:
    from cpq_desktop.sandbox.zuora.routing import Router, ZRequest

__all__ = ["create_account", "find_account", "get_account", "register", "require_account", "save_account"]

# Account fields kept on the record (Accounts-API names).
ACCOUNT_FIELDS = (
    "name",
    "accountNumber",
    "crmId",
    "currency",
    "billCycleDay",
    "paymentTerm",
    "autoPay",
    "batch",
    "notes",
    "salesRep",
    "customerServiceRepName",
    "parentId",
    "purchaseOrderNumber",
    "invoiceTemplateId",
    "communicationProfileId",
    "sequenceSetId",
    "paymentGateway",
    "invoiceDeliveryPrefsEmail",
    "invoiceDeliveryPrefsPrint",
    "additionalEmailAddresses",
    "partnerAccount",
    "taxInfo",
    "defaultPaymentMethodId",
    "creditMemoTemplateId",
    "debitMemoTemplateId",
)

_COMMON: dict[str, Spec] = {
    "crmId": text(100),
    "autoPay": boolean(),
    "batch": text(50),
    "billCycleDay": integer(minimum=0, maximum=31),
    "paymentTerm": text(100),
    "invoiceDeliveryPrefsEmail": boolean(),
    "invoiceDeliveryPrefsPrint": boolean(),
    "additionalEmailAddresses": strings(),
    "salesRep": text(50),
    "customerServiceRepName": text(50),
    "notes": text(65535),
    "parentId": text(32),
    "purchaseOrderNumber": text(100),
    "invoiceTemplateId": text(32),
    "communicationProfileId": text(32),
    "sequenceSetId": text(32),
    "paymentGateway": text(40),
    "partnerAccount": boolean(),
    "creditMemoTemplateId": text(32),
    "debitMemoTemplateId": text(32),
    "rollUpUsage": boolean(),
    "tagging": text(),
    "taxInfo": obj(
        {
            "exemptCertificateId": text(32),
            "exemptCertificateType": text(32),
            "exemptDescription": text(500),
            "exemptEffectiveDate": validation.date(),
            "exemptEntityUseCode": text(64),
            "exemptExpirationDate": validation.date(),
            "exemptIssuingJurisdiction": text(32),
            "exemptStatus": text(enum=("No", "Yes", "PendingVerification")),
            "companyCode": text(50),
            "VATId": text(25),
        }
    ),
    # Payment-method and e-invoicing objects are accepted as given; the emulator does not bill.
    "einvoiceProfile": ANY,
    "eReportingProfile": ANY,
    "gatewayRoutingEligible": boolean(),
    "paymentGatewayNumber": text(40),
    "summaryStatementTemplateId": text(32),
}

CREATE_ACCOUNT: dict[str, Spec] = {
    **_COMMON,
    "name": text(255, required=True, min_len=1),
    "currency": text(3, required=True, min_len=3),
    "accountNumber": text(70),
    "billToContact": obj(contacts.ACCOUNT_CONTACT, required=True, custom_object="Contact"),
    "soldToContact": obj(contacts.ACCOUNT_CONTACT, custom_object="Contact"),
    "shipToContact": obj(contacts.ACCOUNT_CONTACT, custom_object="Contact"),
    "soldToSameAsBillTo": boolean(),
    "shipToSameAsBillTo": boolean(),
    "paymentMethod": ANY,
    "creditCard": ANY,
    "hpmCreditCardPaymentMethodId": text(32),
    "paymentMethodId": text(32),
    "gatewayId": text(32),
    "profileNumber": text(),
    "organizationLabel": text(),
    "parentAccountNumber": text(70),
    "communicationProfileName": text(70),
    "paymentGatewayName": text(40),
    "sequenceSetName": text(32),
    "associateCommitmentNumber": text(),
    "subscription": ANY,
    "invoice": boolean(),
    "collect": boolean(),
    "invoiceCollect": boolean(),
    "runBilling": boolean(),
    "applyCredit": boolean(),
    "applyCreditBalance": boolean(),
    "applicationOrder": strings(),
    "creditMemoReasonCode": text(25),
    "targetDate": validation.date(),
    "documentDate": validation.date(),
    "invoiceTargetDate": validation.date(),
}

UPDATE_ACCOUNT: dict[str, Spec] = {
    **_COMMON,
    "name": text(255, min_len=1),
    "billToContactId": text(32),
    "soldToContactId": text(32),
    "shipToContactId": text(32),
    "billToContact": obj(contacts.ACCOUNT_CONTACT, custom_object="Contact"),
    "soldToContact": obj(contacts.ACCOUNT_CONTACT, custom_object="Contact"),
    "shipToContact": obj(contacts.ACCOUNT_CONTACT, custom_object="Contact"),
    "defaultPaymentMethodId": text(32),
    "profileNumber": text(),
}


def register(router: Router) -> None:
    router.add_schema(SCHEMA)
    router.add("POST", "/v1/accounts", create_account_handler, pool=Pool.HIGH_VOLUME)
    router.add("GET", "/v1/accounts/{account_key}", get_account_handler)
    router.add("PUT", "/v1/accounts/{account_key}", update_account_handler)


# -- creation (shared with the Orders API) ----------------------------------------------------------


PAYMENT_METHOD_KEYS = ("creditCard", "paymentMethod", "hpmCreditCardPaymentMethodId", "paymentMethodId")


def check_currency(settings: TenantSettings, currency: str, resource: int = RES_ACCOUNT) -> None:
    if currency not in settings.currencies:
        raise errors.invalid_value(
            resource, f"The currency '{currency}' is not enabled in this tenant ({', '.join(settings.currencies)})."
        )
    if not settings.multi_currency_enabled and currency != settings.default_currency:
        raise errors.invalid_value(
            resource,
            f"Multi-currency is not enabled in this tenant; only {settings.default_currency} can be used.",
        )


def create_account(
    db: sqlite3.Connection,
    store: TenantStore,
    fields: dict[str, Any],
    *,
    custom_fields: dict[str, Any],
    bill_to: dict[str, Any],
    sold_to: dict[str, Any] | None = None,
    ship_to: dict[str, Any] | None = None,
    sold_to_same_as_bill_to: bool = False,
    ship_to_same_as_bill_to: bool = False,
) -> dict[str, Any]:
    """Create an account and its contacts inside the caller's transaction.

    ``fields`` are account fields in Accounts-API names (already validated), contacts in stored
    spelling (``zipCode``, custom fields top-level; see :func:`contacts.from_order_contact`).
    Business checks (currency, contact addresses, account number, parent) happen here.
    Returns the stored account record (``id``, ``accountNumber``, ``billToId``, ``soldToId``…).
    """
    settings = store.settings
    check_currency(settings, str(fields["currency"]))
    contacts.check_address(bill_to, settings, bill_to=True, where="billToContact")
    if sold_to is not None:
        contacts.check_address(sold_to, settings, bill_to=False, where="soldToContact")
    if ship_to is not None:
        contacts.check_address(ship_to, settings, bill_to=False, where="shipToContact")
    parent = fields.get("parentId")
    if parent and get_account(db, parent) is None:
        raise errors.invalid_value(RES_ACCOUNT, f"The parent account '{parent}' does not exist.")
    if fields.get("autoPay") and not any(fields.get(k) for k in PAYMENT_METHOD_KEYS):
        raise errors.business_rule(
            RES_ACCOUNT,
            "autoPay is true but no payment method was given; send creditCard, paymentMethod or "
            "hpmCreditCardPaymentMethodId, or set autoPay to false.",
        )
    record: dict[str, Any] = {k: fields[k] for k in ACCOUNT_FIELDS if fields.get(k) is not None}
    record["accountNumber"] = allocate_number(db, store, fields.get("accountNumber"))
    record.setdefault("billCycleDay", 0)
    record.setdefault("paymentTerm", "Due Upon Receipt")
    record.setdefault("autoPay", False)
    record.setdefault("invoiceDeliveryPrefsEmail", False)
    record.setdefault("invoiceDeliveryPrefsPrint", False)
    record["customFields"] = dict(custom_fields)
    record = insert_account(db, store, record)
    account_id = record["id"]
    bill = contacts.insert_contact(db, account_id, bill_to, store.next_number(db, "contact"))
    record["billToId"] = bill["id"]
    if sold_to is not None:
        record["soldToId"] = contacts.insert_contact(db, account_id, sold_to, store.next_number(db, "contact"))["id"]
    elif sold_to_same_as_bill_to:
        record["soldToId"] = bill["id"]
    else:
        record["soldToId"] = contacts.insert_contact(db, account_id, bill_to, store.next_number(db, "contact"))["id"]
    if ship_to is not None:
        record["shipToId"] = contacts.insert_contact(db, account_id, ship_to, store.next_number(db, "contact"))["id"]
    elif ship_to_same_as_bill_to:
        record["shipToId"] = bill["id"]
    save_account(db, record)
    return record


# -- views -----------------------------------------------------------------------------------------


def detail_view(db: sqlite3.Connection, account: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/accounts/{key}`` (``AccountDetailResponse``)."""
    basic = {
        "id": account["id"],
        "accountNumber": account["accountNumber"],
        "name": account["name"],
        "crmId": account.get("crmId", ""),
        "batch": account.get("batch", "Batch1"),
        "status": account.get("status", "Active"),
        "notes": account.get("notes", ""),
        "salesRep": account.get("salesRep", ""),
        "customerServiceRepName": account.get("customerServiceRepName", ""),
        "parentId": account.get("parentId"),
        "purchaseOrderNumber": account.get("purchaseOrderNumber"),
        "invoiceTemplateId": account.get("invoiceTemplateId"),
        "communicationProfileId": account.get("communicationProfileId"),
        "sequenceSetId": account.get("sequenceSetId"),
        "partnerAccount": account.get("partnerAccount", False),
        "defaultPaymentMethodId": account.get("defaultPaymentMethodId"),
        **account.get("customFields", {}),
    }
    view: dict[str, Any] = {"basicInfo": basic}
    for key, column in (("billToContact", "billToId"), ("soldToContact", "soldToId"), ("shipToContact", "shipToId")):
        contact = contacts.get_contact(db, account[column]) if account.get(column) else None
        if contact is not None:
            view[key] = contacts.rest_view(contact)
    view["billingAndPayment"] = {
        "billCycleDay": account.get("billCycleDay", 0),
        "bcdSettingOption": "AutoSet" if not account.get("billCycleDay") else "ManualSet",
        "currency": account["currency"],
        "paymentTerm": account.get("paymentTerm"),
        "autoPay": account.get("autoPay", False),
        "invoiceDeliveryPrefsEmail": account.get("invoiceDeliveryPrefsEmail", False),
        "invoiceDeliveryPrefsPrint": account.get("invoiceDeliveryPrefsPrint", False),
        "additionalEmailAddresses": account.get("additionalEmailAddresses", []),
        "paymentGateway": account.get("paymentGateway"),
        "defaultPaymentMethodId": account.get("defaultPaymentMethodId"),
    }
    view["metrics"] = {
        "balance": account.get("balance", 0),
        "currency": account["currency"],
        "contractedMrr": _contracted_mrr(db, account["id"]),
        "creditBalance": 0,
        "totalInvoiceBalance": 0,
        "totalDebitMemoBalance": 0,
        "unappliedCreditMemoAmount": 0,
        "unappliedPaymentAmount": 0,
        "reservedPaymentAmount": 0,
    }
    view["success"] = True
    return view


def _contracted_mrr(db: sqlite3.Connection, account_id: str) -> float:
    """Sum of the latest versions' contracted MRR of the account's active subscriptions (Orders tables)."""
    exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'subscription_versions'")
    if exists.fetchone() is None:
        return 0
    total = 0.0
    rows = db.execute(
        "SELECT doc FROM subscription_versions WHERE account_id = ? AND is_latest = 1 AND status = 'Active'",
        (account_id,),
    )
    for row in rows:
        value = load(row["doc"]).get("contractedMrr")
        if isinstance(value, int | float):
            total += value
    return round(total, 2)


# -- handlers --------------------------------------------------------------------------------------


def _contact_fields(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    return dict(value) if isinstance(value, dict) else None


def create_account_handler(req: ZRequest) -> dict[str, Any]:
    body = req.json_object()
    validation.check(body, CREATE_ACCOUNT, RES_ACCOUNT, req.settings, custom_object="Account")
    if body.get("subscription") is not None:
        raise errors.business_rule(
            RES_ACCOUNT,
            "Creating a subscription with the account (the legacy 'subscription' option) is not supported "
            "here; create the account, then the subscription with POST /v1/orders.",
        )
    if body.get("billCycleDay") is None:
        raise errors.missing_field(RES_ACCOUNT, "billCycleDay")
    bill_to = _contact_fields(body, "billToContact")
    assert bill_to is not None  # required by CREATE_ACCOUNT
    fields = {k: v for k, v in body.items() if not validation.is_custom_name(k)}
    with req.store.transaction() as db:
        record = create_account(
            db,
            req.store,
            fields,
            custom_fields=validation.custom_values(body),
            bill_to=bill_to,
            sold_to=_contact_fields(body, "soldToContact"),
            ship_to=_contact_fields(body, "shipToContact"),
            sold_to_same_as_bill_to=bool(body.get("soldToSameAsBillTo")),
            ship_to_same_as_bill_to=bool(body.get("shipToSameAsBillTo")),
        )
    response = {
        "success": True,
        "accountId": record["id"],
        "accountNumber": record["accountNumber"],
        "billToContactId": record["billToId"],
        "soldToContactId": record["soldToId"],
    }
    if record.get("shipToId"):
        response["shipToContactId"] = record["shipToId"]
    return response


def get_account_handler(req: ZRequest) -> dict[str, Any]:
    with req.store.read() as db:
        return detail_view(db, require_account(db, req.params["account_key"]))


def update_account_handler(req: ZRequest) -> dict[str, Any]:
    body = req.json_object()
    validation.check(body, UPDATE_ACCOUNT, RES_ACCOUNT, req.settings, custom_object="Account")
    settings = req.settings
    with req.store.transaction() as db:
        account = require_account(db, req.params["account_key"])
        for key in ACCOUNT_FIELDS:
            if key in body and key != "accountNumber":
                if body[key] is None:
                    account.pop(key, None)
                else:
                    account[key] = body[key]
        if body.get("parentId") and get_account(db, body["parentId"]) is None:
            raise errors.invalid_value(RES_ACCOUNT, f"The parent account '{body['parentId']}' does not exist.")
        if body.get("parentId") == account["id"]:
            raise errors.business_rule(RES_ACCOUNT, "An account cannot be its own parent.")
        account.setdefault("customFields", {}).update(validation.custom_values(body))
        for role, column in (("billTo", "billToId"), ("soldTo", "soldToId"), ("shipTo", "shipToId")):
            contact_id = body.get(f"{role}ContactId")
            if contact_id:
                contact = contacts.get_contact(db, contact_id)
                if contact is None or contact.get("accountId") != account["id"]:
                    raise errors.invalid_value(
                        RES_CONTACT,
                        f"The contact '{contact_id}' does not belong to account {account['accountNumber']}.",
                    )
                account[column] = contact_id
            changes = _contact_fields(body, f"{role}Contact")
            if changes is None:
                continue
            current = contacts.get_contact(db, account[column]) if account.get(column) else None
            if current is None or (role == "soldTo" and account.get(column) == account.get("billToId")):
                # A shared or missing contact becomes a contact of its own, so the other role keeps its data.
                contacts.check_address(changes, settings, bill_to=role == "billTo", where=f"{role}Contact")
                account[column] = contacts.insert_contact(
                    db, account["id"], changes, req.store.next_number(db, "contact")
                )["id"]
                continue
            contacts.apply_contact_update(current, changes)
            contacts.check_address(current, settings, bill_to=role == "billTo", where=f"{role}Contact")
            contacts.save_contact(db, current)
        save_account(db, account)
    return {"success": True}
