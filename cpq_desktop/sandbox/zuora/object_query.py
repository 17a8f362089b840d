"""Object Query: ``GET /object-query/<objects>`` with ``filter[]``, ``sort[]``, paging, ``fields[]``
and ``expand[]`` (zuora-api.md §4.4, §5.3, §9 item 7).

Field names in parameters are case-insensitive; filters are ANDed; ``IN:[a,b]`` and ``.EQ:null`` work;
``pageSize`` is 1-99 (default 10) and ``nextPage`` is an opaque cursor. Null fields are left out
unless ``includeNullFields=true``. Subscriptions are read from the Orders engine's tables.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cpq_desktop.sandbox.zuora import account_records, contacts, errors
from cpq_desktop.sandbox.zuora import catalog_records as cr
from cpq_desktop.sandbox.zuora.errors import RES_OBJECT_QUERY, ApiError
from cpq_desktop.sandbox.zuora.records import load
from cpq_desktop.sandbox.zuora.versions import OBJECT_QUERY_ERRORS

if TYPE_CHECKING:
    from cpq_desktop.sandbox.zuora.routing import Router, ZRequest

MAX_PAGE_SIZE = 99
DEFAULT_PAGE_SIZE = 10
OPERATORS = ("EQ", "NE", "LT", "GT", "LE", "GE", "SW", "IN")

Record = dict[str, Any]
Expander = Callable[[sqlite3.Connection, Record], Any]


@dataclass(frozen=True)
class ObjectType:
    path: str
    custom_object: str
    filterable: frozenset[str]
    load_all: Callable[[sqlite3.Connection], list[Record]]
    load_one: Callable[[sqlite3.Connection, str], Record | None]
    # expand name (lower-case, dotted for nested) -> (record key, loader)
    expands: dict[str, tuple[str, Expander]] = field(default_factory=dict)


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# -- record shapes ---------------------------------------------------------------------------------


def account_record(account: Record) -> Record:
    record = {
        "id": account["id"],
        "accountNumber": account["accountNumber"],
        "name": account["name"],
        "crmId": account.get("crmId"),
        "currency": account["currency"],
        "status": account.get("status", "Active"),
        "billCycleDay": account.get("billCycleDay", 0),
        "bcdSettingOption": "AutoSet" if not account.get("billCycleDay") else "ManualSet",
        "billToId": account.get("billToId"),
        "soldToId": account.get("soldToId"),
        "shipToId": account.get("shipToId"),
        "paymentTerm": account.get("paymentTerm"),
        "autoPay": account.get("autoPay", False),
        "balance": account.get("balance", 0),
        "batch": account.get("batch", "Batch1"),
        "notes": account.get("notes"),
        "salesRepName": account.get("salesRep"),
        "customerServiceRepName": account.get("customerServiceRepName"),
        "parentId": account.get("parentId"),
        "purchaseOrderNumber": account.get("purchaseOrderNumber"),
        "invoiceTemplateId": account.get("invoiceTemplateId"),
        "communicationProfileId": account.get("communicationProfileId"),
        "sequenceSetId": account.get("sequenceSetId"),
        "defaultPaymentMethodId": account.get("defaultPaymentMethodId"),
        "invoiceDeliveryPrefsEmail": account.get("invoiceDeliveryPrefsEmail", False),
        "invoiceDeliveryPrefsPrint": account.get("invoiceDeliveryPrefsPrint", False),
        "additionalEmailAddresses": ",".join(account.get("additionalEmailAddresses") or []) or None,
        "partnerAccount": account.get("partnerAccount", False),
        "createdDate": account.get("createdDate"),
        "updatedDate": account.get("updatedDate"),
    }
    record.update(account.get("customFields", {}))
    return record


def _table_exists(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def subscription_docs(db: sqlite3.Connection, where: str = "", args: tuple[Any, ...] = ()) -> list[Record]:
    if not _table_exists(db, "subscription_versions"):
        return []
    rows = db.execute(f"SELECT doc, is_latest FROM subscription_versions {where} ORDER BY rowid", args)
    return [{**load(r["doc"]), "_isLatest": bool(r["is_latest"])} for r in rows]


def _public(doc: Record) -> Record:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def subscription_record(doc: Record) -> Record:
    """An Orders-engine subscription version (``GET /v1/subscriptions`` shape) in Object Query shape."""
    record = {k: v for k, v in _public(doc).items() if not isinstance(v, list | dict)}
    for source, target in _SUBSCRIPTION_RENAMES.items():
        if source in record:
            record[target] = record.pop(source)
    for stamp in ("createdDate", "updatedDate"):
        if isinstance(record.get(stamp), str) and " " in record[stamp]:
            record[stamp] = record[stamp].replace(" ", "T") + "+00:00"
    record["isLatestVersion"] = doc.get("_isLatest", True)
    for key, value in (doc.get("customFields") or {}).items():
        record[key] = value
    return record


# GET /v1/subscriptions spelling -> Object Query (ExpandedSubscription / ExpandedRatePlanCharge) spelling.
_SUBSCRIPTION_RENAMES = {
    "subscriptionNumber": "name",
    "invoiceOwnerAccountId": "invoiceOwnerId",
    "customerAcceptanceDate": "contractAcceptanceDate",
    "invoiceSeparately": "isInvoiceSeparate",
    "createTime": "createdDate",
    "updateTime": "updatedDate",
}
_CHARGE_RENAMES = {"number": "chargeNumber", "type": "chargeType", "model": "chargeModel"}
_CRUD_CHARGE_MODEL = {read: crud for crud, read in cr.CHARGE_MODELS.items()}


def rate_plan_record(doc: Record, plan: Record) -> Record:
    record = {k: v for k, v in _public(plan).items() if not isinstance(v, list | dict)}
    record["name"] = plan.get("ratePlanName", plan.get("name"))
    record["subscriptionId"] = doc.get("id")
    record.pop("ratePlanName", None)
    for key, value in (plan.get("customFields") or {}).items():
        record[key] = value
    return record


def rate_plan_charge_record(plan: Record, charge: Record) -> Record:
    record = {k: v for k, v in _public(charge).items() if not isinstance(v, list | dict)}
    record["ratePlanId"] = plan.get("id")
    for source, target in _CHARGE_RENAMES.items():
        if source in record:
            record[target] = record.pop(source)
    if record.get("chargeModel") in _CRUD_CHARGE_MODEL:
        record["chargeModel"] = _CRUD_CHARGE_MODEL[record["chargeModel"]]
    for key, value in (charge.get("customFields") or {}).items():
        record[key] = value
    return record


# The fields of ExpandedSubscription / ExpandedRatePlan / ExpandedRatePlanCharge (zuora-sdk), so Object
# Query answers what a real tenant answers rather than every key of the Orders engine's documents.
_SUBSCRIPTION_FIELDS = _names(
    "id accountId autoRenew billToContactId cMRR cancelReason cancelledDate communicationProfileId "
    "contractAcceptanceDate contractEffectiveDate createdDate currency currentTerm currentTermPeriodType "
    "externallyManagedBy initialTerm initialTermPeriodType invoiceGroupNumber invoiceOwnerId invoiceTemplateId "
    "isInvoiceSeparate isLatestVersion lastBookingDate name notes orderId originalCreatedDate originalId "
    "paymentTerm previousSubscriptionId renewalSetting renewalTerm renewalTermPeriodType revision sequenceSetId "
    "serviceActivationDate shipToContactId soldToContactId status subscriptionEndDate subscriptionStartDate "
    "termEndDate termStartDate termType updatedDate version"
)
_RATE_PLAN_FIELDS = _names(
    "id createdDate externallyManagedPlanId invoiceOwnerId name originalRatePlanId productId productRatePlanId "
    "subscriptionId subscriptionOwnerId subscriptionRatePlanNumber updatedDate"
)
_RATE_PLAN_CHARGE_FIELDS = _names(
    "id applyDiscountTo billCycleDay billCycleType billingPeriod billingPeriodAlignment billingTiming chargeModel "
    "chargeNumber chargeType chargedThroughDate createdDate dMRC dTCV description discountLevel effectiveEndDate "
    "effectiveStartDate endDateCondition isLastSegment isPrepaid listPriceBase mRR name numberOfPeriods "
    "originalId originalListPrice priceChangeOption priceIncreasePercentage processedThroughDate "
    "productRatePlanChargeId quantity ratePlanId salesPrice segment specificBillingPeriod specificEndDate "
    "specificListPriceBase tCV taxable triggerDate triggerEvent uOM upToPeriods upToPeriodsType updatedDate "
    "version weeklyBillCycleDay"
)
_OBJECT_QUERY_RENAMES = {
    "contractedMrr": "cMRR",
    "price": "salesPrice",
    "mrr": "mRR",
    "tcv": "tCV",
    "dmrc": "dMRC",
    "dtcv": "dTCV",
    "uom": "uOM",
    "originalChargeId": "originalId",
    "specificTriggerDate": "triggerDate",
}


def _expanded(record: Record, allowed: frozenset[str]) -> Record:
    """Keep the fields of the SDK's Expanded* model (plus custom fields and bookkeeping keys)."""
    out: Record = {}
    for key, value in record.items():
        key = _OBJECT_QUERY_RENAMES.get(key, key)
        if key in ("dMRC", "dTCV") and isinstance(value, str):
            # The subscription read API sends delta amounts as decimal strings; Object Query as numbers.
            value = float(value)
        if key in allowed or key.startswith("_") or key.endswith(("__c", "__QT", "__NS")):
            out[key] = value
    return out


def _plan_record(plan: Record) -> Record:
    return {
        "id": plan["Id"],
        "productId": plan["ProductId"],
        "name": plan["Name"],
        "description": plan.get("Description"),
        "effectiveStartDate": plan.get("EffectiveStartDate"),
        "effectiveEndDate": plan.get("EffectiveEndDate"),
        "productRatePlanNumber": plan.get("ProductRatePlanNumber"),
        "grade": plan.get("Grade"),
        "state": cr.status_for(plan.get("EffectiveStartDate"), plan.get("EffectiveEndDate")),
        "createdDate": plan.get("CreatedDate"),
        "updatedDate": plan.get("UpdatedDate"),
        **plan.get("CustomFields", {}),
    }


def _charge_record(charge: Record) -> Record:
    record: Record = {"id": charge["Id"], "productRatePlanId": charge["ProductRatePlanId"]}
    for key, value in charge.items():
        if key in ("Id", "ProductRatePlanId", "Tiers", "CustomFields"):
            continue
        record[key[0].lower() + key[1:]] = value
    record.update(charge.get("CustomFields", {}))
    return record


def _tier_record(charge: Record, tier: Record) -> Record:
    return {
        "productRatePlanChargeId": charge["Id"],
        "tier": tier.get("Tier"),
        "currency": tier.get("Currency"),
        "startingUnit": tier.get("StartingUnit"),
        "endingUnit": tier.get("EndingUnit"),
        "price": tier.get("Price"),
        "priceFormat": tier.get("PriceFormat"),
        "discountAmount": tier.get("DiscountAmount"),
        "discountPercentage": tier.get("DiscountPercentage"),
        "isDefault": True,
        "active": True,
    }


def _product_record(product: Record) -> Record:
    return {
        "id": product["Id"],
        "name": product["Name"],
        "sKU": product["SKU"],
        "productNumber": product.get("ProductNumber"),
        "category": product.get("Category"),
        "description": product.get("Description"),
        "effectiveStartDate": product.get("EffectiveStartDate"),
        "effectiveEndDate": product.get("EffectiveEndDate"),
        "allowFeatureChanges": product.get("AllowFeatureChanges", False),
        "createdDate": product.get("CreatedDate"),
        "updatedDate": product.get("UpdatedDate"),
        **product.get("CustomFields", {}),
    }


# -- loaders ---------------------------------------------------------------------------------------


def _contacts_of(db: sqlite3.Connection, record: Record, column: str) -> Record | None:
    contact_id = record.get(column)
    contact = contacts.get_contact(db, contact_id) if contact_id else None
    return None if contact is None else contacts.object_query_view(contact)


def _all_contacts(db: sqlite3.Connection) -> list[Record]:
    return [contacts.object_query_view(load(r["data"])) for r in db.execute("SELECT data FROM contacts ORDER BY seq")]


def _one_contact(db: sqlite3.Connection, key: str) -> Record | None:
    contact = contacts.get_contact(db, key)
    return None if contact is None else contacts.object_query_view(contact)


def _one_account(db: sqlite3.Connection, key: str) -> Record | None:
    account = account_records.find_account(db, key)
    return None if account is None else account_record(account)


def _all_subscriptions(db: sqlite3.Connection) -> list[Record]:
    return [_with_doc(d) for d in subscription_docs(db)]


def _with_doc(doc: Record) -> Record:
    record = _expanded(subscription_record(doc), _SUBSCRIPTION_FIELDS)
    record["_doc"] = doc
    return record


def _one_subscription(db: sqlite3.Connection, key: str) -> Record | None:
    docs = subscription_docs(db, "WHERE id = ?", (key,)) or subscription_docs(
        db, "WHERE number = ? AND is_latest = 1", (key,)
    )
    return _with_doc(docs[0]) if docs else None


def _account_subscriptions(db: sqlite3.Connection, record: Record) -> list[Record]:
    docs = subscription_docs(db, "WHERE account_id = ? AND is_latest = 1", (record["id"],))
    return [_with_doc(d) for d in docs]


def _rate_plans(db: sqlite3.Connection, record: Record) -> list[Record]:
    doc = record.get("_doc") or {}
    out = []
    for plan in doc.get("ratePlans", []):
        rp = _expanded(rate_plan_record(doc, plan), _RATE_PLAN_FIELDS)
        rp["_plan"] = plan
        out.append(rp)
    return out


def _rate_plan_charges(db: sqlite3.Connection, record: Record) -> list[Record]:
    plan = record.get("_plan") or {}
    return [
        _expanded(rate_plan_charge_record(plan, c), _RATE_PLAN_CHARGE_FIELDS) for c in plan.get("ratePlanCharges", [])
    ]


def _all_plans(db: sqlite3.Connection) -> list[Record]:
    return [_plan_record(p) for p in cr.all_plans(db)]


def _one_plan(db: sqlite3.Connection, key: str) -> Record | None:
    plan = cr.get_plan(db, key) or cr.plan_by_number(db, key)
    return None if plan is None else _plan_record(plan)


def _plan_charges(db: sqlite3.Connection, record: Record) -> list[Record]:
    out = []
    for charge in cr.charges_of_plan(db, record["id"]):
        item = _charge_record(charge)
        item["_charge"] = charge
        out.append(item)
    return out


def _charge_tiers(db: sqlite3.Connection, record: Record) -> list[Record]:
    charge = record.get("_charge") or cr.get_charge(db, record["id"]) or {}
    return [_tier_record(charge, t) for t in charge.get("Tiers", [])]


def _external_plans(db: sqlite3.Connection, record: Record) -> list[Record]:
    plan = cr.get_plan(db, record["id"]) or {}
    return [
        {
            "externalProductRatePlanId": ext,
            "externalIdSourceSystem": plan.get("ExternalIdSourceSystem"),
            "ratePlanId": record["id"],
        }
        for ext in plan.get("ExternalRatePlanIds") or []
    ]


def _plan_product(db: sqlite3.Connection, record: Record) -> Record | None:
    product = cr.get_product_by_id(db, record["productId"])
    return None if product is None else _product_record(product)


def _one_product(db: sqlite3.Connection, key: str) -> Record | None:
    product = cr.get_product(db, key)
    return None if product is None else _product_record(product)


def _one_charge(db: sqlite3.Connection, key: str) -> Record | None:
    charge = cr.get_charge(db, key) or cr.charge_by_number(db, key)
    return None if charge is None else _charge_record(charge)


def _order_record(row: sqlite3.Row) -> Record:
    doc = load(row["doc"])
    return {
        "id": row["id"],
        "orderNumber": doc["orderNumber"],
        "orderDate": doc.get("orderDate"),
        "status": doc.get("status"),
        "category": doc.get("category"),
        "description": doc.get("description"),
        "accountId": row["account_id"],
        "currency": doc.get("currency"),
        "createdDate": doc.get("createdDate"),
        "updatedDate": doc.get("updatedDate"),
    }


def _orders(db: sqlite3.Connection, where: str = "", args: tuple[Any, ...] = ()) -> list[Record]:
    if not _table_exists(db, "orders"):
        return []
    rows = db.execute(f"SELECT id, account_id, doc FROM orders {where} ORDER BY rowid", args)
    return [_order_record(r) for r in rows]


def _one_order(db: sqlite3.Connection, key: str) -> Record | None:
    found = _orders(db, "WHERE id = ? OR number = ?", (key, key))
    return found[0] if found else None


def _empty(db: sqlite3.Connection, record: Record) -> list[Record]:
    """Billing objects (payments, invoices…) the emulator never creates: always an empty list."""
    return []


OBJECTS: dict[str, ObjectType] = {
    "accounts": ObjectType(
        "accounts",
        "Account",
        _names(
            "id updateddate accountnumber balance batch billcycleday billtoid communicationprofileid crmid currency "
            "defaultpaymentmethodid invoicetemplateid lastinvoicedate name parentid shiptoid soldtoid status"
        ),
        lambda db: [account_record(a) for a in account_records.all_accounts(db)],
        _one_account,
        {
            "billto": ("billTo", lambda db, r: _contacts_of(db, r, "billToId")),
            "soldto": ("soldTo", lambda db, r: _contacts_of(db, r, "soldToId")),
            "shipto": ("shipTo", lambda db, r: _contacts_of(db, r, "shipToId")),
            "defaultpaymentmethod": ("defaultPaymentMethod", lambda db, r: None),
            "subscriptions": ("subscriptions", _account_subscriptions),
            "subscriptions.rateplans": ("ratePlans", _rate_plans),
            "subscriptions.rateplans.rateplancharges": ("ratePlanCharges", _rate_plan_charges),
            **{
                name: (key, _empty)
                for name, key in (
                    ("payments", "payments"),
                    ("refunds", "refunds"),
                    ("creditmemos", "creditMemos"),
                    ("debitmemos", "debitMemos"),
                    ("invoices", "invoices"),
                    ("usages", "usages"),
                    ("paymentmethods", "paymentMethods"),
                )
            },
        },
    ),
    "contacts": ObjectType(
        "contacts",
        "Contact",
        _names(
            "id updateddate createddate accountid firstname lastname workemail personalemail country state city "
            "postalcode"
        ),
        _all_contacts,
        _one_contact,
        {"account": ("account", lambda db, r: _one_account(db, r["accountId"]))},
    ),
    "subscriptions": ObjectType(
        "subscriptions",
        "Subscription",
        _names(
            "id updateddate createddate accountid invoiceownerid name status version islatestversion termtype "
            "originalid"
        ),
        _all_subscriptions,
        _one_subscription,
        {
            "account": ("account", lambda db, r: _one_account(db, r["accountId"])),
            "invoiceowner": ("invoiceOwner", lambda db, r: _one_account(db, r.get("invoiceOwnerId") or "")),
            "rateplans": ("ratePlans", _rate_plans),
            "rateplans.rateplancharges": ("ratePlanCharges", _rate_plan_charges),
        },
    ),
    # Orders are queried by number in batches (``ordernumber.IN:[…]``) to tell which are already in Zuora.
    "orders": ObjectType(
        "orders",
        "Order",
        _names("id updateddate createddate ordernumber orderdate status accountid category"),
        _orders,
        _one_order,
        {"account": ("account", lambda db, r: _one_account(db, r["accountId"]))},
    ),
    "product-rate-plans": ObjectType(
        "product-rate-plans",
        "ProductRatePlan",
        _names("id updateddate productid name effectivestartdate effectiveenddate productrateplannumber"),
        _all_plans,
        _one_plan,
        {
            "externalproductrateplans": ("externalProductRatePlans", _external_plans),
            "productrateplancharges": ("productRatePlanCharges", _plan_charges),
            "productrateplancharges.productrateplanchargetiers": ("productRatePlanChargeTiers", _charge_tiers),
            "product": ("product", _plan_product),
        },
    ),
    "products": ObjectType(
        "products",
        "Product",
        _names("id updateddate name effectiveenddate effectivestartdate sku productnumber category"),
        lambda db: [_product_record(p) for p in cr.all_products(db)],
        _one_product,
        {
            "productrateplans": (
                "productRatePlans",
                lambda db, r: [_plan_record(p) for p in cr.plans_of_product(db, r["id"])],
            )
        },
    ),
    "product-rate-plan-charges": ObjectType(
        "product-rate-plan-charges",
        "ProductRatePlanCharge",
        _names(
            "id updateddate billcycleday chargemodel chargetype isprepaid productrateplanchargenumber productrateplanid"
        ),
        lambda db: [{**_charge_record(c), "_charge": c} for c in cr.all_charges(db)],
        _one_charge,
        {"productrateplanchargetiers": ("productRatePlanChargeTiers", _charge_tiers)},
    ),
}


def register(router: Router) -> None:
    for name, kind in OBJECTS.items():
        router.add("GET", f"/object-query/{name}", _list_handler(kind))
        router.add("GET", f"/object-query/{name}/{{key}}", _one_handler(kind))


# -- parameters ------------------------------------------------------------------------------------


def _bad_param(req: ZRequest, message: str) -> ApiError:
    category = 27 if req.version.at_least(OBJECT_QUERY_ERRORS) else 20
    return ApiError([(errors.code(RES_OBJECT_QUERY, category), message)])


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    values: tuple[str | None, ...]


def parse_filter(req: ZRequest, kind: ObjectType, text: str) -> Condition:
    name, dot, rest = text.partition(".")
    op, colon, value = rest.partition(":")
    op = op.upper()
    if not dot or not colon or op not in OPERATORS:
        raise _bad_param(req, f"Invalid filter '{text}'. Use field.OPERATOR:value with one of {', '.join(OPERATORS)}.")
    field_name = name.strip().lower()
    custom = {c.name.lower() for c in req.settings.custom_fields.get(kind.custom_object, []) if c.indexed}
    if field_name not in kind.filterable and field_name not in custom:
        raise _bad_param(
            req,
            f"The field '{name}' cannot be used in a filter on {kind.path}. "
            f"Filterable fields: {', '.join(sorted(kind.filterable))} and indexed custom fields.",
        )
    if op == "IN":
        if not (value.startswith("[") and value.endswith("]")):
            raise _bad_param(req, f"The IN filter '{text}' needs a list like IN:[a,b].")
        values: tuple[str | None, ...] = tuple(v.strip() for v in value[1:-1].split(",") if v.strip())
    else:
        values = (None if value.lower() == "null" else value,)
    return Condition(field_name, op, values)


def _lookup(record: Record, field_name: str) -> Any:
    for key, value in record.items():
        if key.lower() == field_name:
            return value
    return None


def _compare(actual: Any, wanted: str) -> int | None:
    """-1/0/1 comparing ``actual`` to the filter text ``wanted`` (numbers, booleans, text), None if n/a."""
    if isinstance(actual, bool):
        return (actual > (wanted.lower() == "true")) - (actual < (wanted.lower() == "true"))
    if isinstance(actual, int | float):
        try:
            number = float(wanted)
        except ValueError:
            return None
        return (actual > number) - (actual < number)
    if isinstance(actual, str):
        return (actual > wanted) - (actual < wanted)
    return None


def matches(record: Record, cond: Condition) -> bool:
    actual = _lookup(record, cond.field)
    if cond.op == "IN":
        return any(_compare(actual, v) == 0 for v in cond.values if v is not None)
    wanted = cond.values[0]
    if wanted is None:
        is_null = actual is None or actual == ""
        return is_null if cond.op == "EQ" else not is_null if cond.op == "NE" else False
    if actual is None:
        return cond.op == "NE"
    if cond.op == "SW":
        return isinstance(actual, str) and actual.startswith(wanted)
    result = _compare(actual, wanted)
    if result is None:
        return False
    return {
        "EQ": result == 0,
        "NE": result != 0,
        "LT": result < 0,
        "GT": result > 0,
        "LE": result <= 0,
        "GE": result >= 0,
    }[cond.op]


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def _decode_cursor(req: ZRequest, cursor: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = int(data["offset"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise _bad_param(req, "The cursor is not valid; use the nextPage value of the previous response.") from None
    if offset < 0:
        raise _bad_param(req, "The cursor is not valid; use the nextPage value of the previous response.")
    return offset


def _split_list(values: list[str]) -> list[str]:
    return [v.strip().lower() for item in values for v in item.split(",") if v.strip()]


@dataclass
class Shape:
    """What to return: expansions and per-object field selections, null handling."""

    expands: list[str]
    fields: dict[str, set[str]]
    include_nulls: bool


def _shape(req: ZRequest, kind: ObjectType) -> Shape:
    expands = _split_list(req.query.getlist("expand[]"))
    for name in expands:
        if name not in kind.expands:
            raise _bad_param(
                req, f"'{name}' cannot be expanded on {kind.path}. Use one of: {', '.join(sorted(kind.expands))}."
            )
    fields: dict[str, set[str]] = {}
    for param in req.query:
        if param == "fields[]":
            fields[""] = set(_split_list(req.query.getlist(param)))
        elif param.endswith(".fields[]"):
            fields[param[: -len(".fields[]")].lower()] = set(_split_list(req.query.getlist(param)))
    return Shape(expands, fields, req.query.get("includeNullFields", "").lower() == "true")


def _render(db: sqlite3.Connection, kind: ObjectType, record: Record, shape: Shape, prefix: str = "") -> Record:
    out = {k: v for k, v in record.items() if not k.startswith("_")}
    selection = shape.fields.get(prefix.rsplit(".", 1)[-1] if prefix else "")
    if selection:
        out = {k: v for k, v in out.items() if k.lower() in selection}
    if not shape.include_nulls:
        out = {k: v for k, v in out.items() if v is not None}
    for name in shape.expands:
        parent = name.rpartition(".")[0]
        if parent != prefix:
            continue
        key, loader = kind.expands[name]
        value = loader(db, record)
        child_prefix = name
        if isinstance(value, list):
            out[key] = [_render(db, kind, item, shape, child_prefix) for item in value]
        elif isinstance(value, dict):
            out[key] = _render(db, kind, value, shape, child_prefix)
        else:
            out[key] = value
    return out


def _sort_key(name: str) -> Callable[[Record], tuple[bool, float, str]]:
    """Nulls last; numbers by value, everything else by text."""

    def key(record: Record) -> tuple[bool, float, str]:
        value = _lookup(record, name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return False, float(value), ""
        return value is None, 0.0, "" if value is None else str(value)

    return key


def _list_handler(kind: ObjectType) -> Callable[[ZRequest], Record]:
    def handler(req: ZRequest) -> Record:
        conditions = [parse_filter(req, kind, f) for f in req.query.getlist("filter[]")]
        try:
            page_size = int(req.query.get("pageSize", str(DEFAULT_PAGE_SIZE)))
        except ValueError:
            raise _bad_param(req, "pageSize must be a whole number between 1 and 99.") from None
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise _bad_param(req, f"pageSize must be between 1 and {MAX_PAGE_SIZE}.")
        offset = _decode_cursor(req, req.query["cursor"]) if req.query.get("cursor") else 0
        shape = _shape(req, kind)
        sorts = _split_list(req.query.getlist("sort[]"))
        with req.store.read() as db:
            records = [r for r in kind.load_all(db) if all(matches(r, c) for c in conditions)]
            for spec in reversed(sorts):
                name, _, direction = spec.partition(".")
                if direction not in ("", "asc", "desc"):
                    raise _bad_param(req, f"Invalid sort '{spec}'. Use field.ASC or field.DESC.")
                records.sort(key=_sort_key(name), reverse=direction == "desc")
            page = records[offset : offset + page_size]
            body: Record = {"data": [_render(db, kind, r, shape) for r in page]}
        if offset + page_size < len(records):
            body["nextPage"] = _encode_cursor(offset + page_size)
        return body

    handler.__name__ = f"query_{kind.path.replace('-', '_')}"
    return handler


def _one_handler(kind: ObjectType) -> Callable[[ZRequest], Record]:
    def handler(req: ZRequest) -> Record:
        shape = _shape(req, kind)
        with req.store.read() as db:
            record = kind.load_one(db, req.params["key"])
            if record is None:
                raise errors.not_found(
                    RES_OBJECT_QUERY, f"No {kind.custom_object} found with key '{req.params['key']}'."
                )
            return _render(db, kind, record, shape)

    handler.__name__ = f"get_{kind.path.replace('-', '_')}"
    return handler
