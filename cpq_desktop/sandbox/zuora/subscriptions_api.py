"""Reading subscriptions back: ``GET /v1/subscriptions/{key}``, ``.../versions/{version}`` and by account.

A key is a subscription number (latest version) or the id of any version (that version). Every custom
field the tenant defines on Subscription, RatePlan and RatePlanCharge is present, ``null`` when unset,
as Zuora answers (zuora-api.md §6).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from cpq_desktop.sandbox.zuora import account_records, errors, validation
from cpq_desktop.sandbox.zuora.errors import RES_ACCOUNT
from cpq_desktop.sandbox.zuora.orders_schema import RES_SUBSCRIPTION
from cpq_desktop.sandbox.zuora.settings import TenantSettings
from cpq_desktop.sandbox.zuora.subscriptions import SCHEMA, StoredSubscription, SubscriptionBook, not_found, public
from cpq_desktop.sandbox.zuora.validation import Spec, obj, objects, text

if TYPE_CHECKING:
    from cpq_desktop.sandbox.zuora.routing import Router, ZRequest

# UpdateSubscriptionCustomFieldsRequest (zuora-api.md §6: custom fields without a new order).
UPDATE_CUSTOM_FIELDS: dict[str, Spec] = {
    "customFields": obj({}, custom_object="Subscription"),
    "ratePlans": objects(
        {
            "ratePlanId": text(32, required=True),
            "customFields": obj({}, custom_object="RatePlan"),
            "charges": objects(
                {"chargeNumber": text(50, required=True), "customFields": obj({}, custom_object="RatePlanCharge")}
            ),
        }
    ),
}

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 40


def register(router: Router) -> None:
    router.add_schema(SCHEMA)
    router.add("GET", "/v1/subscriptions/accounts/{account_key}", list_for_account_handler)
    router.add("GET", "/v1/subscriptions/{key}", get_subscription_handler)
    router.add("GET", "/v1/subscriptions/{key}/versions/{version}", get_version_handler)
    router.add("PUT", "/v1/subscriptions/{key}/customFields", update_custom_fields_handler)
    router.add("PUT", "/v1/subscriptions/{key}/versions/{version}/customFields", update_custom_fields_handler)


def view(stored: StoredSubscription, settings: TenantSettings, names: dict[str, str]) -> dict[str, Any]:
    """The wire form of one stored version, with the tenant's custom fields filled in.

    ``names`` maps account ids to their current names: an account renamed after the order shows its
    new name here, as it does on Zuora.
    """
    doc = public(stored.doc)
    for id_key, name_key in (("accountId", "accountName"), ("invoiceOwnerAccountId", "invoiceOwnerAccountName")):
        doc[name_key] = names.get(doc[id_key], doc[name_key])
    defaults = _custom_defaults(settings)
    out = {**defaults["Subscription"], **doc}
    out["ratePlans"] = [
        {
            **defaults["RatePlan"],
            **rp,
            "ratePlanCharges": [{**defaults["RatePlanCharge"], **c} for c in rp["ratePlanCharges"]],
        }
        for rp in doc["ratePlans"]
    ]
    out["isLatestVersion"] = bool(stored.doc.get("isLatestVersion"))
    return out


def account_names(db: sqlite3.Connection, subscriptions: list[StoredSubscription]) -> dict[str, str]:
    ids = {s.doc[k] for s in subscriptions for k in ("accountId", "invoiceOwnerAccountId")}
    names = {}
    for account_id in ids:
        account = account_records.get_account(db, account_id)
        if account is not None:
            names[account_id] = account["name"]
    return names


def _custom_defaults(settings: TenantSettings) -> dict[str, dict[str, None]]:
    return {
        obj: dict.fromkeys(settings.custom_field_names(obj)) for obj in ("Subscription", "RatePlan", "RatePlanCharge")
    }


def _find(book: SubscriptionBook, key: str) -> StoredSubscription:
    stored = book.latest(key) or book.by_id(key)
    if stored is None:
        raise not_found(key)
    if stored.doc.get("subscriptionNumber") == key:
        return stored
    # Looked up by the id of an older version: say whether it is still the latest.
    latest = book.latest(stored.number)
    stored.doc["isLatestVersion"] = latest is not None and latest.id == stored.id
    return stored


def get_subscription_handler(req: ZRequest) -> dict[str, Any]:
    with req.store.read() as db:
        stored = _find(SubscriptionBook(db), req.params["key"])
        names = account_names(db, [stored])
    return {**view(stored, req.settings, names), "success": True}


def get_version_handler(req: ZRequest) -> dict[str, Any]:
    key, raw_version = req.params["key"], req.params["version"]
    if not raw_version.isdigit():
        raise errors.invalid_value(RES_SUBSCRIPTION, f"The version '{raw_version}' must be a whole number such as 1.")
    with req.store.read() as db:
        book = SubscriptionBook(db)
        number = key if book.exists(key) else _find(book, key).number
        stored = book.version(number, int(raw_version))
        latest = book.latest(number)
        if stored is None:
            raise errors.not_found(RES_SUBSCRIPTION, f"Subscription '{key}' has no version {raw_version}.")
        names = account_names(db, [stored])
    stored.doc["isLatestVersion"] = latest is not None and latest.id == stored.id
    return {**view(stored, req.settings, names), "success": True}


def list_for_account_handler(req: ZRequest) -> dict[str, Any]:
    key = req.params["account_key"]
    page = _positive(req.query.get("page", "1"), "page")
    size = min(_positive(req.query.get("pageSize", str(DEFAULT_PAGE_SIZE)), "pageSize"), MAX_PAGE_SIZE)
    with req.store.read() as db:
        account = account_records.find_account(db, key)
        if account is None:
            raise errors.not_found(RES_ACCOUNT, f"Cannot find entity by key: '{key}'.")
        subscriptions = SubscriptionBook(db).for_account(account["id"])
        chunk = subscriptions[(page - 1) * size : page * size]
        names = account_names(db, chunk)
    body: dict[str, Any] = {"subscriptions": [view(s, req.settings, names) for s in chunk], "success": True}
    if page * size < len(subscriptions):
        body["nextPage"] = f"{req.raw.host_url.rstrip('/')}{req.path}?page={page + 1}&pageSize={size}"
    return body


def _positive(raw: str, name: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise errors.invalid_value(RES_SUBSCRIPTION, f"'{name}' must be a whole number of at least 1, not '{raw}'.")
    return int(raw)


def update_custom_fields_handler(req: ZRequest) -> dict[str, Any]:
    """Set custom fields of a subscription version, its rate plans and charges, without a new version."""
    body = req.json_object()
    validation.check(body, UPDATE_CUSTOM_FIELDS, RES_SUBSCRIPTION, req.settings)
    key, raw_version = req.params["key"], req.params.get("version")
    if raw_version is not None and not raw_version.isdigit():
        raise errors.invalid_value(RES_SUBSCRIPTION, f"The version '{raw_version}' must be a whole number such as 1.")
    with req.store.transaction() as db:
        book = SubscriptionBook(db)
        stored = book.latest(key) if raw_version is None else book.version(key, int(raw_version))
        if stored is None:
            raise not_found(key if raw_version is None else f"{key}' version '{raw_version}")
        doc = stored.doc
        doc.update(body.get("customFields") or {})
        for index, change in enumerate(body.get("ratePlans") or []):
            rate_plan = _rate_plan_of(book, doc, change["ratePlanId"], index)
            rate_plan.update(change.get("customFields") or {})
            for charge_change in change.get("charges") or []:
                charge = next(
                    (c for c in rate_plan["ratePlanCharges"] if c["number"] == charge_change["chargeNumber"]), None
                )
                if charge is None:
                    raise errors.not_found(
                        RES_SUBSCRIPTION,
                        f"No charge '{charge_change['chargeNumber']}' in rate plan '{change['ratePlanId']}' "
                        f"(in ratePlans[{index}]).",
                    )
                charge.update(charge_change.get("customFields") or {})
        book.replace(stored)
    return {"success": True}


def _rate_plan_of(book: SubscriptionBook, doc: dict[str, Any], rate_plan_id: str, index: int) -> dict[str, Any]:
    """A rate plan of this version, by its own id or the id it had in any other version."""
    owner = book.rate_plan_owner(rate_plan_id)
    original = owner[1] if owner is not None and owner[0] == doc["subscriptionNumber"] else None
    for rate_plan in doc["ratePlans"]:
        if rate_plan["id"] == rate_plan_id or rate_plan["originalRatePlanId"] == original:
            found: dict[str, Any] = rate_plan
            return found
    raise errors.not_found(
        RES_SUBSCRIPTION,
        f"The rate plan '{rate_plan_id}' is not part of subscription '{doc['subscriptionNumber']}' "
        f"(in ratePlans[{index}]).",
    )
