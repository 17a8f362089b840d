"""Catalog CRUD: ``/v1/object/product``, ``product-rate-plan``, ``product-rate-plan-charge`` (zuora-api.md §5.1).

PascalCase bodies, ``{"Id", "Success"}`` replies, ``Errors[]{Code, Message}`` on 400. Unknown keys are
ignored unless ``rejectUnknownFields=true``; fields newer than the request's ``X-Zuora-WSDL-Version``
(default 79) count as unknown — so a client that forgets the header silently loses its external ids,
exactly as on a real tenant.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from cpq_desktop.sandbox.zuora import catalog_records as cr
from cpq_desktop.sandbox.zuora import errors, validation
from cpq_desktop.sandbox.zuora.errors import (
    RES_PRODUCT,
    RES_PRODUCT_RATE_PLAN,
    RES_PRODUCT_RATE_PLAN_CHARGE,
    ApiError,
)
from cpq_desktop.sandbox.zuora.records import now_stamp
from cpq_desktop.sandbox.zuora.routing import json_response
from cpq_desktop.sandbox.zuora.settings import TenantSettings
from cpq_desktop.sandbox.zuora.store import TenantStore, new_id
from cpq_desktop.sandbox.zuora.validation import ANY, Spec, boolean, integer, number, obj, objects, text

if TYPE_CHECKING:
    from cpq_desktop.sandbox.zuora.routing import Router, ZRequest

# Fields that exist only from a WSDL version on (zuora-api.md §1.2).
MIN_WSDL: dict[str, int] = {
    "ProductNumber": 133,
    "ProductRatePlanNumber": 133,
    "ProductRatePlanChargeNumber": 133,
    "ExternalIdSourceSystem": 130,
    "ExternalRatePlanIds": 130,
    "Grade": 116,
}

PRODUCT_FIELDS: dict[str, Spec] = {
    "Name": text(100, required=True, min_len=1),
    "EffectiveStartDate": validation.date(required=True),
    "EffectiveEndDate": validation.date(required=True),
    "SKU": text(50),
    "ProductNumber": text(100),
    "Category": text(enum=cr.PRODUCT_CATEGORIES),
    "Description": text(500),
    "AllowFeatureChanges": boolean(),
}

PLAN_FIELDS: dict[str, Spec] = {
    "Name": text(255, required=True, min_len=1),
    "ProductId": text(32, required=True),
    "Description": text(500),
    "EffectiveStartDate": validation.date(),
    "EffectiveEndDate": validation.date(),
    "ProductRatePlanNumber": text(100),
    "ActiveCurrencies": ANY,
    "ExternalIdSourceSystem": text(100),
    "ExternalRatePlanIds": ANY,
    "Grade": number(minimum=1),
}

TIER_FIELDS: dict[str, Spec] = {
    "Currency": text(3),
    "Price": number(),
    "StartingUnit": number(minimum=0),
    "EndingUnit": number(minimum=0),
    "PriceFormat": text(enum=tuple(cr.PRICE_FORMATS)),
    "DiscountAmount": number(minimum=0),
    "DiscountPercentage": number(minimum=0),
    "IsOveragePrice": boolean(),
    "MinimumAmount": number(),
    "MaximumAmount": number(),
}


def _enum(table: Mapping[str, str], *, required: bool = False) -> Spec:
    return text(required=required, enum=tuple(table))


CHARGE_FIELDS: dict[str, Spec] = {
    "ProductRatePlanId": text(32, required=True),
    "Name": text(100, required=True, min_len=1),
    "ChargeModel": _enum(cr.CHARGE_MODELS, required=True),
    "ChargeType": _enum(cr.CHARGE_TYPES, required=True),
    "BillCycleType": _enum(cr.BILL_CYCLE_TYPES, required=True),
    "BillingPeriod": _enum(cr.BILLING_PERIODS, required=True),
    "TriggerEvent": _enum(cr.TRIGGER_EVENTS, required=True),
    "ProductRatePlanChargeTierData": obj({"ProductRatePlanChargeTier": objects(TIER_FIELDS)}, required=True),
    "UseDiscountSpecificAccountingCode": boolean(required=True),
    "UOM": text(25),
    "DefaultQuantity": number(minimum=0),
    "BillingTiming": _enum(cr.BILLING_TIMINGS),
    "BillingPeriodAlignment": _enum(cr.BILLING_PERIOD_ALIGNMENTS),
    "BillCycleDay": integer(minimum=0, maximum=31),
    "WeeklyBillCycleDay": text(enum=("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")),
    "ListPriceBase": _enum(cr.LIST_PRICE_BASES),
    "SpecificListPriceBase": integer(minimum=1, maximum=200),
    "SpecificBillingPeriod": integer(minimum=1),
    "EndDateCondition": _enum(cr.END_DATE_CONDITIONS),
    "UpToPeriods": integer(minimum=0),
    "UpToPeriodsType": _enum(cr.UP_TO_PERIODS_TYPES),
    "Description": text(500),
    "ProductRatePlanChargeNumber": text(100),
    "TaxCode": text(64),
    "TaxMode": _enum(cr.TAX_MODES),
    "Taxable": boolean(),
    "RevenueRecognitionRuleName": text(),
    "RevRecCode": text(70),
    "AccountingCode": text(100),
    "DeferredRevenueAccount": text(100),
    "RecognizedRevenueAccount": text(100),
    "MinQuantity": number(minimum=0),
    "MaxQuantity": number(minimum=0),
    "IncludedUnits": number(minimum=0),
    "PriceChangeOption": text(enum=("NoChange", "SpecificPercentageValue", "UseLatestProductCatalogPricing")),
    "PriceIncreasePercentage": number(minimum=-100),
    "UseTenantDefaultForPriceChange": boolean(),
    "DiscountLevel": _enum(cr.DISCOUNT_LEVELS),
    "ApplyDiscountTo": _enum(cr.APPLY_DISCOUNT_TO),
    "IsStackedDiscount": boolean(),
    "LegacyRevenueReporting": boolean(),
    "OverageCalculationOption": text(enum=("EndOfSmoothingPeriod", "PerBillingPeriod")),
    "OverageUnusedUnitsCreditOption": text(enum=("NoCredit", "CreditBySpecificRate")),
    "SmoothingModel": text(enum=("RollingWindow", "Rollover")),
    "NumberOfPeriod": integer(minimum=1),
    "RatingGroup": text(enum=("ByBillingPeriod", "ByUsageStartDate", "ByUsageRecord", "ByUsageUpload", "ByGroupId")),
    "UsageRecordRatingOption": text(enum=("EndOfBillingPeriod", "OnDemand")),
    "ChargeFunction": ANY,
    "ChargeModelConfiguration": ANY,
    "DeliverySchedule": ANY,
    "ExcludeItemBillingFromRevenueAccounting": boolean(),
    "ExcludeItemBookingFromRevenueAccounting": boolean(),
    "IsPrepaid": boolean(),
}


def register(router: Router) -> None:
    router.add_schema(cr.SCHEMA)
    for path, create, update, fetch, delete in (
        ("product", create_product, update_product, _fetcher(cr.get_product_by_id), delete_product),
        ("product-rate-plan", create_plan, update_plan, _fetcher(cr.get_plan), delete_plan),
        ("product-rate-plan-charge", create_charge, update_charge, _fetcher(cr.get_charge), delete_charge),
    ):
        router.add("POST", f"/v1/object/{path}", create)
        router.add("PUT", f"/v1/object/{path}/{{object_id}}", update)
        router.add("GET", f"/v1/object/{path}/{{object_id}}", fetch)
        router.add("DELETE", f"/v1/object/{path}/{{object_id}}", delete)


# -- body handling ---------------------------------------------------------------------------------


class _Unrecognised(Exception):
    pass


def _crud_body(
    req: ZRequest, fields: Mapping[str, Spec], resource: int, custom_object: str, *, update: bool
) -> dict[str, Any]:
    """The body with unknown and too-new fields dropped (or refused), then validated."""
    body = req.json_object()
    wsdl = req.wsdl_version
    custom = req.settings.custom_field_names(custom_object)
    known: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in body.items():
        supported = key in fields and wsdl >= MIN_WSDL.get(key, 0)
        if supported or key in custom or key.endswith(validation.MANAGED_SUFFIXES):
            known[key] = value
        else:
            unknown.append(key)
    if unknown and req.flag("rejectUnknownFields"):
        raise _Unrecognised()
    spec = {k: replace(v, required=False) for k, v in fields.items()} if update else fields
    validation.check(known, spec, resource, req.settings, custom_object=custom_object)
    return known


def _handle_unrecognised(handler: Callable[[ZRequest], Any]) -> Callable[[ZRequest], Any]:
    def wrapped(req: ZRequest) -> Any:
        try:
            return handler(req)
        except _Unrecognised:
            return json_response({"message": "Error - unrecognised fields"}, 400)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def _split_ids(value: Any, key: str, resource: int) -> list[str]:
    """``ExternalRatePlanIds`` / ``ActiveCurrencies``: a comma-separated string or an array (§5.1)."""
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [v.strip() for v in value]
    else:
        raise errors.invalid_value(resource, f"'{key}' must be a comma-separated string or an array of strings.")
    return [v for v in items if v]


def _custom(body: dict[str, Any]) -> dict[str, Any]:
    return validation.custom_values(body)


def _standard(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if not validation.is_custom_name(k)}


def _ok(record_id: str) -> dict[str, Any]:
    return {"Id": record_id, "Success": True}


def _check_dates(body: dict[str, Any], resource: int) -> None:
    start, end = body.get("EffectiveStartDate"), body.get("EffectiveEndDate")
    if start and end and end <= start:
        raise errors.invalid_value(resource, "EffectiveEndDate must be after EffectiveStartDate.")


# -- products --------------------------------------------------------------------------------------


def _unique(db: sqlite3.Connection, table: str, column: str, value: str, own_id: str | None) -> bool:
    row = db.execute(f"SELECT id FROM {table} WHERE {column} = ?", (value,)).fetchone()
    return row is None or row["id"] == own_id


@_handle_unrecognised
def create_product(req: ZRequest) -> dict[str, Any]:
    body = _crud_body(req, PRODUCT_FIELDS, RES_PRODUCT, "Product", update=False)
    _check_dates(body, RES_PRODUCT)
    store = req.store
    with store.transaction() as db:
        record = {**_standard(body), "Id": new_id(), "CustomFields": _custom(body)}
        record["SKU"] = _unique_number(
            db,
            store,
            body.get("SKU"),
            ("products", "sku", "SKU-", "sku"),
            RES_PRODUCT,
            "SKU number '{}' is in conflict with the system generated SKU.",
        )
        record["ProductNumber"] = _unique_number(
            db,
            store,
            body.get("ProductNumber"),
            ("products", "number", "PC-", "product-number"),
            RES_PRODUCT,
            "The product number '{}' is already used.",
        )
        _stamp(record, created=True)
        cr.insert_product(db, store.next_number(db, "product-seq"), record)
    return _ok(record["Id"])


@_handle_unrecognised
def update_product(req: ZRequest) -> dict[str, Any]:
    body = _crud_body(req, PRODUCT_FIELDS, RES_PRODUCT, "Product", update=True)
    with req.store.transaction() as db:
        record = _require(cr.get_product_by_id(db, req.params["object_id"]))
        record.update(_standard(body))
        record.setdefault("CustomFields", {}).update(_custom(body))
        _check_dates(record, RES_PRODUCT)
        for column, key in (("sku", "SKU"), ("number", "ProductNumber")):
            if record.get(key) and not _unique(db, "products", column, record[key], record["Id"]):
                raise errors.invalid_value(
                    RES_PRODUCT, f"The {key} '{record[key]}' is already used by another product."
                )
        _stamp(record)
        cr.save_product(db, record)
    return _ok(record["Id"])


def delete_product(req: ZRequest) -> dict[str, Any]:
    with req.store.transaction() as db:
        record = _require(cr.get_product_by_id(db, req.params["object_id"]))
        cr.delete_product(db, record["Id"])
    return {"id": record["Id"], "success": True}


# -- product rate plans ----------------------------------------------------------------------------


def _plan_fields(body: dict[str, Any], settings: TenantSettings) -> dict[str, Any]:
    fields = _standard(body)
    if "ExternalRatePlanIds" in fields:
        fields["ExternalRatePlanIds"] = _split_ids(
            fields["ExternalRatePlanIds"], "ExternalRatePlanIds", RES_PRODUCT_RATE_PLAN
        )
    if "ActiveCurrencies" in fields:
        currencies = _split_ids(fields["ActiveCurrencies"], "ActiveCurrencies", RES_PRODUCT_RATE_PLAN)
        unknown = [c for c in currencies if c not in settings.currencies]
        if unknown:
            raise errors.invalid_value(
                RES_PRODUCT_RATE_PLAN, f"Currency {', '.join(unknown)} is not enabled in this tenant."
            )
        fields["ActiveCurrencies"] = currencies
    return fields


@_handle_unrecognised
def create_plan(req: ZRequest) -> dict[str, Any]:
    body = _crud_body(req, PLAN_FIELDS, RES_PRODUCT_RATE_PLAN, "ProductRatePlan", update=False)
    fields = _plan_fields(body, req.settings)
    store = req.store
    with store.transaction() as db:
        product = cr.get_product_by_id(db, fields["ProductId"])
        if product is None:
            raise errors.invalid_value(RES_PRODUCT_RATE_PLAN, f"Invalid value for ProductId: '{fields['ProductId']}'.")
        fields.setdefault("EffectiveStartDate", product.get("EffectiveStartDate"))
        fields.setdefault("EffectiveEndDate", product.get("EffectiveEndDate"))
        _check_dates(fields, RES_PRODUCT_RATE_PLAN)
        if any(p["Name"] == fields["Name"] for p in cr.plans_of_product(db, product["Id"])):
            raise errors.invalid_value(
                RES_PRODUCT_RATE_PLAN, f"A rate plan named '{fields['Name']}' already exists in this product."
            )
        record = {**fields, "Id": new_id(), "CustomFields": _custom(body)}
        record.setdefault("ActiveCurrencies", [req.settings.default_currency])
        record["ProductRatePlanNumber"] = _unique_number(
            db,
            store,
            fields.get("ProductRatePlanNumber"),
            ("product_rate_plans", "number", "PRP-", "plan-number"),
            RES_PRODUCT_RATE_PLAN,
            "The rate plan number '{}' is already used.",
        )
        _stamp(record, created=True)
        cr.insert_plan(db, store.next_number(db, "plan-seq"), record)
    return _ok(record["Id"])


@_handle_unrecognised
def update_plan(req: ZRequest) -> dict[str, Any]:
    body = _crud_body(req, PLAN_FIELDS, RES_PRODUCT_RATE_PLAN, "ProductRatePlan", update=True)
    fields = _plan_fields(body, req.settings)
    with req.store.transaction() as db:
        record = _require(cr.get_plan(db, req.params["object_id"]))
        if "ProductId" in fields and cr.get_product_by_id(db, fields["ProductId"]) is None:
            raise errors.invalid_value(RES_PRODUCT_RATE_PLAN, f"Invalid value for ProductId: '{fields['ProductId']}'.")
        record.update(fields)
        record.setdefault("CustomFields", {}).update(_custom(body))
        _check_dates(record, RES_PRODUCT_RATE_PLAN)
        number_ = record.get("ProductRatePlanNumber")
        if number_ and not _unique(db, "product_rate_plans", "number", number_, record["Id"]):
            raise errors.invalid_value(RES_PRODUCT_RATE_PLAN, f"The rate plan number '{number_}' is already used.")
        _stamp(record)
        cr.save_plan(db, record)
    return _ok(record["Id"])


def delete_plan(req: ZRequest) -> dict[str, Any]:
    with req.store.transaction() as db:
        record = _require(cr.get_plan(db, req.params["object_id"]))
        cr.delete_plan(db, record["Id"])
    return {"id": record["Id"], "success": True}


# -- product rate plan charges ---------------------------------------------------------------------


def _tiers(charge: dict[str, Any], settings: TenantSettings, plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Check the tier data against the charge model and currencies; number the tiers per currency."""
    raw = (charge.get("ProductRatePlanChargeTierData") or {}).get("ProductRatePlanChargeTier") or []
    model = charge["ChargeModel"]
    res = RES_PRODUCT_RATE_PLAN_CHARGE
    by_currency: dict[str, list[dict[str, Any]]] = {}
    for tier in raw:
        currency = tier.get("Currency") or settings.default_currency
        if currency not in settings.currencies:
            raise errors.invalid_value(res, f"Currency {currency} is not enabled in this tenant.")
        by_currency.setdefault(currency, []).append(dict(tier, Currency=currency))
    if settings.default_currency not in by_currency:
        raise ApiError(
            [(errors.code(res, 22), f"Tier data missing required default currency: {settings.default_currency}")],
            crud_code="MISSING_REQUIRED_VALUE",
        )
    active = plan.get("ActiveCurrencies") or []
    missing_active = [c for c in active if c not in by_currency]
    if missing_active:
        raise ApiError(
            [(errors.code(res, 22), f"Tier data missing required currency: {', '.join(missing_active)}")],
            crud_code="MISSING_REQUIRED_VALUE",
        )
    out: list[dict[str, Any]] = []
    for currency, tiers in by_currency.items():
        if model in cr.TIERED_MODELS:
            _check_tier_ranges(currency, [t for t in tiers if not t.get("IsOveragePrice")], res)
        elif len(tiers) != 1:
            raise errors.invalid_value(res, f"A {model} charge takes exactly one price per currency ({currency}).")
        for index, tier in enumerate(tiers, start=1):
            if model in cr.DISCOUNT_MODELS:
                key = "DiscountPercentage" if model == "Discount-Percentage" else "DiscountAmount"
                if tier.get(key) is None:
                    raise errors.missing_field(res, key)
            elif tier.get("Price") is None:
                raise ApiError(
                    [(errors.code(res, 22), f"Price is required for {currency} tier {index}.")],
                    crud_code="MISSING_REQUIRED_VALUE",
                )
            tier.setdefault("PriceFormat", "Per Unit" if model in cr.UNIT_MODELS else "Flat Fee")
            out.append({"Tier": index, **tier})
    return out


def _check_tier_ranges(currency: str, tiers: list[dict[str, Any]], res: int) -> None:
    previous_end: float | None = None
    for index, tier in enumerate(tiers, start=1):
        start = tier.get("StartingUnit")
        end = tier.get("EndingUnit")
        if start is None:
            raise errors.missing_field(res, f"StartingUnit ({currency} tier {index})")
        if index == 1 and start not in (0, 1):
            raise errors.invalid_value(res, f"The first {currency} tier must start at 0 or 1.")
        if previous_end is not None and start not in (previous_end, previous_end + 1):
            raise errors.invalid_value(
                res, f"{currency} tier {index} must start where tier {index - 1} ends ({previous_end:g})."
            )
        if end is None and index != len(tiers):
            raise errors.missing_field(res, f"EndingUnit ({currency} tier {index})")
        if end is not None and end <= start:
            raise errors.invalid_value(res, f"{currency} tier {index}: EndingUnit must be above StartingUnit.")
        previous_end = end


def _check_charge_rules(charge: dict[str, Any]) -> None:
    res = RES_PRODUCT_RATE_PLAN_CHARGE
    if charge["ChargeModel"] in cr.UNIT_MODELS and not charge.get("UOM"):
        raise errors.missing_field(res, "UOM")
    if charge["ChargeType"] == "OneTime" and charge["ChargeModel"] in (
        "Overage Pricing",
        "Tiered with Overage Pricing",
    ):
        raise errors.invalid_value(res, f"A one-time charge cannot use {charge['ChargeModel']}.")
    if charge["ChargeType"] != "Usage" and charge["ChargeModel"] in ("Overage Pricing", "Tiered with Overage Pricing"):
        raise errors.invalid_value(res, f"{charge['ChargeModel']} is only available for usage charges.")
    if charge.get("ListPriceBase") == "Per Specific Months" and not charge.get("SpecificListPriceBase"):
        raise errors.missing_field(res, "SpecificListPriceBase")
    if charge.get("BillingPeriod") in ("Specific Months", "Specific Weeks", "Specific Days") and not charge.get(
        "SpecificBillingPeriod"
    ):
        raise errors.missing_field(res, "SpecificBillingPeriod")
    if charge.get("EndDateCondition") == "FixedPeriod" and not (
        charge.get("UpToPeriods") and charge.get("UpToPeriodsType")
    ):
        raise errors.missing_field(res, "UpToPeriods")


@_handle_unrecognised
def create_charge(req: ZRequest) -> dict[str, Any]:
    body = _crud_body(req, CHARGE_FIELDS, RES_PRODUCT_RATE_PLAN_CHARGE, "ProductRatePlanCharge", update=False)
    fields = _standard(body)
    res = RES_PRODUCT_RATE_PLAN_CHARGE
    store = req.store
    with store.transaction() as db:
        plan = cr.get_plan(db, fields["ProductRatePlanId"])
        if plan is None:
            raise errors.invalid_value(res, f"Invalid value for ProductRatePlanId: '{fields['ProductRatePlanId']}'.")
        _check_charge_rules(fields)
        if any(c["Name"] == fields["Name"] for c in cr.charges_of_plan(db, plan["Id"])):
            raise errors.invalid_value(res, f"A charge named '{fields['Name']}' already exists in this rate plan.")
        record = {k: v for k, v in fields.items() if k != "ProductRatePlanChargeTierData"}
        record["Tiers"] = _tiers(fields, req.settings, plan)
        record.setdefault("EndDateCondition", "SubscriptionEnd")
        if record["ChargeType"] != "OneTime":
            record.setdefault("BillingTiming", "In Advance")
        record["Id"] = new_id()
        record["CustomFields"] = _custom(body)
        record["ProductRatePlanChargeNumber"] = _unique_number(
            db,
            store,
            fields.get("ProductRatePlanChargeNumber"),
            ("product_rate_plan_charges", "number", "PRPC-", "charge-number"),
            res,
            "The charge number '{}' is already used.",
        )
        _stamp(record, created=True)
        cr.insert_charge(db, store.next_number(db, "charge-seq"), record)
    return _ok(record["Id"])


@_handle_unrecognised
def update_charge(req: ZRequest) -> dict[str, Any]:
    body = _crud_body(req, CHARGE_FIELDS, RES_PRODUCT_RATE_PLAN_CHARGE, "ProductRatePlanCharge", update=True)
    fields = _standard(body)
    res = RES_PRODUCT_RATE_PLAN_CHARGE
    with req.store.transaction() as db:
        record = _require(cr.get_charge(db, req.params["object_id"]))
        plan_id = fields.get("ProductRatePlanId", record["ProductRatePlanId"])
        plan = cr.get_plan(db, plan_id)
        if plan is None:
            raise errors.invalid_value(res, f"Invalid value for ProductRatePlanId: '{plan_id}'.")
        tier_data = fields.pop("ProductRatePlanChargeTierData", None)
        record.update(fields)
        _check_charge_rules(record)
        if tier_data is not None:
            record["Tiers"] = _tiers({**record, "ProductRatePlanChargeTierData": tier_data}, req.settings, plan)
        record.setdefault("CustomFields", {}).update(_custom(body))
        number_ = record.get("ProductRatePlanChargeNumber")
        if number_ and not _unique(db, "product_rate_plan_charges", "number", number_, record["Id"]):
            raise errors.invalid_value(res, f"The charge number '{number_}' is already used.")
        _stamp(record)
        cr.save_charge(db, record)
    return _ok(record["Id"])


def delete_charge(req: ZRequest) -> dict[str, Any]:
    with req.store.transaction() as db:
        record = _require(cr.get_charge(db, req.params["object_id"]))
        cr.delete_charge(db, record["Id"])
    return {"id": record["Id"], "success": True}


# -- shared ----------------------------------------------------------------------------------------


def _require(record: dict[str, Any] | None) -> dict[str, Any]:
    if record is None:
        raise errors.not_found(errors.RES_GENERIC, "No such record.")
    return record


def _stamp(record: dict[str, Any], *, created: bool = False) -> None:
    stamp = now_stamp()
    if created:
        record["CreatedDate"] = stamp
    record["UpdatedDate"] = stamp


def _unique_number(
    db: sqlite3.Connection,
    store: TenantStore,
    given: Any,
    numbering: tuple[str, str, str, str],
    resource: int,
    taken_message: str,
) -> str:
    """The number the client gave, or the next free one of ``numbering`` (table, column, prefix, counter);
    a given number already in use is refused with ``taken_message`` (``{}`` is the number)."""
    table, column, prefix, counter = numbering
    number = str(given) if given else _next_free(db, store, table, column, prefix, counter)
    if not _unique(db, table, column, number, None):
        raise errors.invalid_value(resource, taken_message.format(number))
    return number


def _next_free(db: sqlite3.Connection, store: TenantStore, table: str, column: str, prefix: str, counter: str) -> str:
    while True:
        candidate = f"{prefix}{store.next_number(db, counter):08d}"
        if db.execute(f"SELECT 1 FROM {table} WHERE {column} = ?", (candidate,)).fetchone() is None:
            return candidate


def crud_view(record: dict[str, Any], fields_param: str | None) -> dict[str, Any]:
    """A record as ``GET /v1/object/<type>/{id}`` returns it (PascalCase, custom fields top-level)."""
    view = {k: v for k, v in record.items() if k not in ("CustomFields", "Tiers")}
    for key in ("ExternalRatePlanIds", "ActiveCurrencies"):
        if isinstance(view.get(key), list):
            view[key] = ",".join(view[key])
    view.update(record.get("CustomFields", {}))
    if fields_param:
        wanted = {f.strip().lower() for f in fields_param.split(",") if f.strip()}
        view = {k: v for k, v in view.items() if k.lower() in wanted or k == "Id"}
    return view


def _fetcher(lookup: Callable[[sqlite3.Connection, str], dict[str, Any] | None]) -> Callable[[ZRequest], Response]:
    def fetch(req: ZRequest) -> Response:
        with req.store.read() as db:
            record = lookup(db, req.params["object_id"])
        if record is None:
            return json_response({"done": True, "records": [], "size": 0}, 404)
        return json_response(crud_view(record, req.query.get("fields")))

    return fetch
