"""``GET /v1/describe`` and ``/v1/describe/{object}``: the objects and fields of the tenant as XML,
custom fields included (zuora-api.md §6, §9 item 9)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

from cpq_desktop.sandbox.zuora import errors
from cpq_desktop.sandbox.zuora.routing import xml_response
from cpq_desktop.sandbox.zuora.settings import CustomFieldDef

if TYPE_CHECKING:
    from cpq_desktop.sandbox.zuora.routing import Router, ZRequest

# name, label, type, required on create, createable, updateable, maxlength (None = not text)
FieldRow = tuple[str, str, str, bool, bool, bool, int | None]

_AUDIT: list[FieldRow] = [
    ("Id", "ID", "text", False, False, False, 32),
    ("CreatedById", "Created By ID", "text", False, False, False, 32),
    ("CreatedDate", "Created Date", "datetime", False, False, False, None),
    ("UpdatedById", "Updated By ID", "text", False, False, False, 32),
    ("UpdatedDate", "Updated Date", "datetime", False, False, False, None),
]

STANDARD_FIELDS: dict[str, tuple[str, list[FieldRow]]] = {
    "Account": (
        "Account",
        [
            ("AccountNumber", "Account Number", "text", False, True, False, 70),
            ("Name", "Account Name", "text", True, True, True, 255),
            ("CrmId", "CRM Account ID", "text", False, True, True, 100),
            ("Currency", "Currency", "picklist", True, True, False, None),
            ("BillCycleDay", "Bill Cycle Day", "integer", True, True, True, None),
            ("PaymentTerm", "Payment Term", "text", False, True, True, 100),
            ("AutoPay", "Auto Pay", "boolean", False, True, True, None),
            ("Status", "Status", "picklist", False, False, True, None),
            ("Batch", "Batch", "picklist", False, True, True, None),
            ("Balance", "Account Balance", "decimal", False, False, False, None),
            ("BillToId", "Bill To Contact ID", "text", False, True, True, 32),
            ("SoldToId", "Sold To Contact ID", "text", False, True, True, 32),
            ("ParentId", "Parent Account ID", "text", False, True, True, 32),
            ("Notes", "Notes", "text", False, True, True, 65535),
            ("SalesRepName", "Sales Rep", "text", False, True, True, 50),
            ("PurchaseOrderNumber", "Purchase Order Number", "text", False, True, True, 100),
        ],
    ),
    "Contact": (
        "Contact",
        [
            ("AccountId", "Account ID", "text", True, True, False, 32),
            ("FirstName", "First Name", "text", True, True, True, 100),
            ("LastName", "Last Name", "text", True, True, True, 100),
            ("Address1", "Address 1", "text", False, True, True, 255),
            ("Address2", "Address 2", "text", False, True, True, 255),
            ("City", "City", "text", False, True, True, 100),
            ("State", "State/Province", "text", False, True, True, 100),
            ("PostalCode", "Postal Code", "text", False, True, True, 20),
            ("Country", "Country", "text", False, True, True, 64),
            ("County", "County", "text", False, True, True, 100),
            ("WorkEmail", "Work Email", "text", False, True, True, 80),
            ("PersonalEmail", "Personal Email", "text", False, True, True, 80),
            ("WorkPhone", "Work Phone", "text", False, True, True, 40),
            ("MobilePhone", "Mobile Phone", "text", False, True, True, 40),
            ("NickName", "Nickname", "text", False, True, True, 100),
        ],
    ),
    "Subscription": (
        "Subscription",
        [
            ("Name", "Subscription Number", "text", False, True, False, 100),
            ("AccountId", "Account ID", "text", True, True, False, 32),
            ("InvoiceOwnerId", "Invoice Owner ID", "text", False, True, False, 32),
            ("Status", "Status", "picklist", False, False, False, None),
            ("Version", "Version", "integer", False, False, False, None),
            ("TermType", "Term Type", "picklist", True, True, True, None),
            ("TermStartDate", "Term Start Date", "date", False, True, True, None),
            ("TermEndDate", "Term End Date", "date", False, False, False, None),
            ("InitialTerm", "Initial Term", "integer", False, True, True, None),
            ("RenewalTerm", "Renewal Term", "integer", False, True, True, None),
            ("AutoRenew", "Auto Renew", "boolean", False, True, True, None),
            ("ContractEffectiveDate", "Contract Effective Date", "date", True, True, True, None),
            ("ServiceActivationDate", "Service Activation Date", "date", False, True, True, None),
            ("ContractAcceptanceDate", "Customer Acceptance Date", "date", False, True, True, None),
            ("Notes", "Notes", "text", False, True, True, 1000),
        ],
    ),
    "RatePlan": (
        "Rate Plan",
        [
            ("Name", "Name", "text", False, False, False, 255),
            ("SubscriptionId", "Subscription ID", "text", False, False, False, 32),
            ("ProductRatePlanId", "Product Rate Plan ID", "text", True, True, False, 32),
            ("ExternallyManagedPlanId", "Externally Managed Plan ID", "text", False, True, True, 100),
            ("SubscriptionRatePlanNumber", "Subscription Rate Plan Number", "text", False, True, False, 50),
        ],
    ),
    "RatePlanCharge": (
        "Rate Plan Charge",
        [
            ("Name", "Name", "text", False, False, False, 100),
            ("ChargeNumber", "Charge Number", "text", False, True, False, 50),
            ("RatePlanId", "Rate Plan ID", "text", False, False, False, 32),
            ("ProductRatePlanChargeId", "Product Rate Plan Charge ID", "text", True, True, False, 32),
            ("Quantity", "Quantity", "decimal", False, True, True, None),
            ("Price", "Price", "decimal", False, True, True, None),
            ("ChargeModel", "Charge Model", "picklist", False, False, False, None),
            ("ChargeType", "Charge Type", "picklist", False, False, False, None),
        ],
    ),
    "Order": (
        "Order",
        [
            ("OrderNumber", "Order Number", "text", False, True, False, 100),
            ("OrderDate", "Order Date", "date", True, True, True, None),
            ("Description", "Description", "text", False, True, True, 500),
            ("Status", "Status", "picklist", False, False, False, None),
        ],
    ),
    "OrderAction": (
        "Order Action",
        [
            ("Type", "Type", "picklist", True, True, False, None),
            ("Sequence", "Sequence", "integer", False, False, False, None),
        ],
    ),
    "OrderLineItem": (
        "Order Line Item",
        [
            ("ItemName", "Item Name", "text", True, True, True, 255),
            ("ItemType", "Item Type", "picklist", False, True, True, None),
            ("Quantity", "Quantity", "decimal", False, True, True, None),
            ("ListPricePerUnit", "List Price Per Unit", "decimal", False, True, True, None),
        ],
    ),
    "Product": (
        "Product",
        [
            ("Name", "Name", "text", True, True, True, 100),
            ("SKU", "SKU", "text", False, True, True, 50),
            ("ProductNumber", "Product Number", "text", False, True, True, 100),
            ("Category", "Category", "picklist", False, True, True, None),
            ("Description", "Description", "text", False, True, True, 500),
            ("EffectiveStartDate", "Effective Start Date", "date", True, True, True, None),
            ("EffectiveEndDate", "Effective End Date", "date", True, True, True, None),
        ],
    ),
    "ProductRatePlan": (
        "Product Rate Plan",
        [
            ("Name", "Name", "text", True, True, True, 255),
            ("ProductId", "Product ID", "text", True, True, True, 32),
            ("ProductRatePlanNumber", "Product Rate Plan Number", "text", False, True, True, 100),
            ("Description", "Description", "text", False, True, True, 500),
            ("EffectiveStartDate", "Effective Start Date", "date", False, True, True, None),
            ("EffectiveEndDate", "Effective End Date", "date", False, True, True, None),
            ("ExternalIdSourceSystem", "External ID Source System", "text", False, True, True, 100),
        ],
    ),
    "ProductRatePlanCharge": (
        "Product Rate Plan Charge",
        [
            ("Name", "Name", "text", True, True, True, 100),
            ("ProductRatePlanId", "Product Rate Plan ID", "text", True, True, False, 32),
            ("ChargeModel", "Charge Model", "picklist", True, True, True, None),
            ("ChargeType", "Charge Type", "picklist", True, True, False, None),
            ("BillingPeriod", "Billing Period", "picklist", True, True, True, None),
            ("BillCycleType", "Bill Cycle Type", "picklist", True, True, True, None),
            ("TriggerEvent", "Trigger Event", "picklist", True, True, True, None),
            ("UOM", "Unit of Measure", "text", False, True, True, 25),
            ("DefaultQuantity", "Default Quantity", "decimal", False, True, True, None),
            ("ProductRatePlanChargeNumber", "Product Rate Plan Charge Number", "text", False, True, True, 100),
        ],
    ),
}

_CUSTOM_TYPES = {"text": "text", "picklist": "picklist", "number": "decimal", "date": "date", "boolean": "boolean"}


def register(router: Router) -> None:
    router.add("GET", "/v1/describe", describe_all)
    router.add("GET", "/v1/describe/{object_name}", describe_object)


def _base(req: ZRequest) -> str:
    return f"{str(req.raw.host_url).rstrip('/')}/v1/describe"


def describe_all(req: ZRequest) -> Response:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<objects>"]
    for name, (label, _) in STANDARD_FIELDS.items():
        lines.append(
            f'  <object href="{escape(_base(req))}/{name}"><name>{name}</name><label>{escape(label)}</label></object>'
        )
    lines.append("</objects>")
    return xml_response("\n".join(lines) + "\n")


def _field_xml(row: FieldRow, *, custom: bool, options: tuple[str, ...] = ()) -> str:
    name, label, kind, required, createable, updateable, maxlength = row
    parts = [
        "    <field>",
        f"      <name>{escape(name)}</name>",
        f"      <label>{escape(label)}</label>",
        "      <selectable>true</selectable>",
        f"      <createable>{str(createable).lower()}</createable>",
        f"      <updateable>{str(updateable).lower()}</updateable>",
        "      <filterable>true</filterable>",
        f"      <custom>{str(custom).lower()}</custom>",
        f"      <maxlength>{maxlength}</maxlength>" if maxlength is not None else "      <maxlength/>",
        f"      <required>{str(required).lower()}</required>",
        f"      <type>{kind}</type>",
    ]
    if options:
        parts.append("      <options>" + "".join(f"<option>{escape(o)}</option>" for o in options) + "</options>")
    parts.append("      <contexts><context>soap</context><context>export</context></contexts>")
    parts.append("    </field>")
    return "\n".join(parts)


def _custom_row(definition: CustomFieldDef) -> FieldRow:
    kind = _CUSTOM_TYPES.get(definition.type, "text")
    maxlength = definition.maxlength if kind in ("text", "picklist") else None
    return (definition.name, definition.label, kind, False, True, True, maxlength)


def describe_object(req: ZRequest) -> Response:
    requested = req.params["object_name"]
    match = next((n for n in STANDARD_FIELDS if n.lower() == requested.lower()), None)
    if match is None:
        raise errors.not_found(errors.RES_GENERIC, f"Object '{requested}' does not exist or cannot be described.")
    label, rows = STANDARD_FIELDS[match]
    fields = [_field_xml(r, custom=False) for r in [*_AUDIT, *rows]]
    for definition in req.settings.custom_fields.get(match, []):
        fields.append(_field_xml(_custom_row(definition), custom=True, options=definition.options))
    related = ""
    base = escape(_base(req))
    if match == "Account":
        related = (
            "  <related-objects>\n"
            f'    <object href="{base}/Contact"><name>BillToContact</name><label>Bill To</label></object>\n'
            f'    <object href="{base}/Contact"><name>SoldToContact</name><label>Sold To</label></object>\n'
            "  </related-objects>\n"
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<object href="{escape(_base(req))}/{match}">\n'
        f"  <name>{match}</name>\n"
        f"  <label>{escape(label)}</label>\n"
        "  <fields>\n" + "\n".join(fields) + "\n  </fields>\n" + related + "</object>\n"
    )
    return xml_response(xml)
