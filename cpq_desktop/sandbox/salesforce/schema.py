"""Declarative schema of the emulated CPQ org: objects, fields, types, picklists and relationships.

The field lists follow salesforce-api.md §4.2/§4.3 plus the optional custom fields of connector-spec.md §1.4 and the
write-back fields the app can fill. ``build_schema()`` returns a fresh, mutable :class:`Schema` per org so that custom
fields added at run time (``Schema.add_field``) stay local to that org. Lookups are case-insensitive everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

# Salesforce field types the emulator supports, with the SOAP type describe pairs them with.
SOAP_TYPES: dict[str, str] = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "string": "xsd:string",
    "textarea": "xsd:string",
    "email": "xsd:string",
    "phone": "xsd:string",
    "url": "xsd:string",
    "picklist": "xsd:string",
    "multipicklist": "xsd:string",
    "boolean": "xsd:boolean",
    "currency": "xsd:double",
    "double": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}
TEXT_TYPES = frozenset({"string", "textarea", "email", "phone", "url", "picklist", "multipicklist"})
NUMBER_TYPES = frozenset({"currency", "double", "percent", "int"})
ID_TYPES = frozenset({"id", "reference"})

CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD")


@dataclass(frozen=True)
class FieldDef:
    """One field of an sObject, with the attributes describe reports."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    unique: bool = False
    custom: bool = False
    picklist: tuple[str, ...] = ()
    default_picklist: str | None = None
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    child_relationship_name: str | None = None
    cascade_delete: bool = False
    precision: int = 0
    scale: int = 0
    auto_number: str | None = None
    calculated: bool = False
    name_field: bool = False
    default_value: bool | None = None
    defaulted_on_create: bool = False
    multi_currency_only: bool = False
    # The lower-case name every lookup uses; computed once because the store reads it per value written.
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.type not in SOAP_TYPES:
            raise ValueError(f"field {self.name}: unsupported type {self.type!r}")
        if not self.label:
            object.__setattr__(self, "label", label_for(self.name))
        object.__setattr__(self, "key", self.name.lower())

    @property
    def soap_type(self) -> str:
        return SOAP_TYPES[self.type]

    @property
    def required_on_create(self) -> bool:
        return self.createable and not self.nillable and not self.defaulted_on_create

    def to_json(self) -> dict[str, object]:
        """A JSON-safe form, as persisted for custom fields added at run time."""
        return {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "length": self.length,
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "external_id": self.external_id,
            "unique": self.unique,
            "picklist": list(self.picklist),
            "reference_to": list(self.reference_to),
            "relationship_name": self.relationship_name,
            "child_relationship_name": self.child_relationship_name,
            "precision": self.precision,
            "scale": self.scale,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> FieldDef:
        def text(key: str) -> str:
            value = data.get(key)
            return value if isinstance(value, str) else ""

        def opt_text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        def number(key: str) -> int:
            value = data.get(key)
            return value if isinstance(value, int) else 0

        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key)
            return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

        return cls(
            name=text("name"),
            type=text("type"),
            label=text("label"),
            length=number("length"),
            nillable=data.get("nillable", True) is not False,
            createable=data.get("createable", True) is not False,
            updateable=data.get("updateable", True) is not False,
            external_id=data.get("external_id") is True,
            unique=data.get("unique") is True,
            custom=True,
            picklist=strings("picklist"),
            reference_to=strings("reference_to"),
            relationship_name=opt_text("relationship_name"),
            child_relationship_name=opt_text("child_relationship_name"),
            precision=number("precision"),
            scale=number("scale"),
        )


@dataclass(frozen=True)
class ChildRelationship:
    child_object: str
    field: str
    relationship_name: str | None
    cascade_delete: bool


@dataclass
class ObjectDef:
    """One sObject: its name, label, key prefix and fields in describe order."""

    name: str
    label: str
    label_plural: str
    key_prefix: str = ""
    custom: bool = False
    fields: dict[str, FieldDef] = field(default_factory=dict)
    # Compound Name fields (Contact.Name) derived from these parts, joined by a space.
    name_parts: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.name.lower()

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name.lower())

    def iter_fields(self) -> Iterator[FieldDef]:
        return iter(self.fields.values())

    def parent_relationship(self, name: str) -> FieldDef | None:
        """The reference field whose relationship name is ``name`` (case-insensitive)."""
        lowered = name.lower()
        for f in self.fields.values():
            if f.relationship_name and f.relationship_name.lower() == lowered:
                return f
        return None


class Schema:
    """The objects of one org, looked up case-insensitively, with child relationships derived from the lookups."""

    def __init__(self, objects: Iterable[ObjectDef]) -> None:
        self._objects: dict[str, ObjectDef] = {o.key: o for o in objects}

    def __iter__(self) -> Iterator[ObjectDef]:
        return iter(self._objects.values())

    def get(self, name: str) -> ObjectDef | None:
        return self._objects.get(name.lower())

    def by_prefix(self, prefix: str) -> ObjectDef | None:
        for obj in self._objects.values():
            if obj.key_prefix == prefix:
                return obj
        return None

    def child_relationships(self, parent: str) -> list[ChildRelationship]:
        """Every lookup that points at ``parent``, in schema order (describe's ``childRelationships``)."""
        parent_key = parent.lower()
        result = []
        for obj in self._objects.values():
            for f in obj.fields.values():
                if f.type == "reference" and any(t.lower() == parent_key for t in f.reference_to):
                    result.append(ChildRelationship(obj.name, f.name, f.child_relationship_name, f.cascade_delete))
        return result

    def child_relationship(self, parent: str, relationship_name: str) -> ChildRelationship | None:
        lowered = relationship_name.lower()
        for rel in self.child_relationships(parent):
            if rel.relationship_name and rel.relationship_name.lower() == lowered:
                return rel
        return None

    def add_field(self, sobject: str, fdef: FieldDef) -> FieldDef:
        """Add a custom field to ``sobject``; returns the definition as stored (marked custom)."""
        obj = self.get(sobject)
        if obj is None:
            raise KeyError(sobject)
        stored = replace(fdef, custom=True)
        obj.fields[stored.key] = stored
        return stored


_LABEL_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+")


def label_for(api_name: str) -> str:
    """A readable label from an API name: ``SBQQ__SubscriptionTerm__c`` → ``Subscription Term``."""
    core = re.sub(r"^SBQQ__", "", api_name)
    core = re.sub(r"__[cr]$", "", core)
    if core.endswith("Id") and len(core) > 2:
        core = core[:-2] + " ID"
    words = []
    for part in core.split("_"):
        words.extend(_LABEL_WORDS.findall(part))
    return " ".join(words) if words else api_name


# --- field builders -------------------------------------------------------------------------------------------


def _custom(name: str) -> bool:
    return name.endswith("__c")


def text(name: str, length: int = 255, *, required: bool = False, external_id: bool = False, **kw: object) -> FieldDef:
    return FieldDef(
        name,
        "string",
        length=length,
        nillable=not required,
        external_id=external_id,
        custom=_custom(name),
        **kw,  # type: ignore[arg-type]
    )


def typed(name: str, ftype: str, *, required: bool = False, **kw: object) -> FieldDef:
    length = {"textarea": 32000, "email": 80, "phone": 40, "url": 255}.get(ftype, 0)
    return FieldDef(name, ftype, length=length, nillable=not required, custom=_custom(name), **kw)  # type: ignore[arg-type]


def num(name: str, ftype: str = "double", *, precision: int = 18, scale: int = 2, required: bool = False) -> FieldDef:
    if ftype == "int":
        precision, scale = 0, 0
    return FieldDef(name, ftype, nillable=not required, precision=precision, scale=scale, custom=_custom(name))


def boolean(name: str, default: bool = False, **kw: object) -> FieldDef:
    return FieldDef(
        name,
        "boolean",
        nillable=False,
        default_value=default,
        defaulted_on_create=True,
        custom=_custom(name),
        **kw,  # type: ignore[arg-type]
    )


def pick(name: str, values: Iterable[str], *, required: bool = False, default: str | None = None) -> FieldDef:
    return FieldDef(
        name,
        "picklist",
        length=255,
        nillable=not required,
        picklist=tuple(values),
        default_picklist=default,
        defaulted_on_create=default is not None,
        custom=_custom(name),
    )


def ref(
    name: str,
    to: str | tuple[str, ...],
    *,
    rel: str | None = None,
    child: str | None = None,
    required: bool = False,
    cascade: bool = False,
    createable: bool = True,
    updateable: bool = True,
) -> FieldDef:
    """A lookup. The relationship name defaults to the Salesforce convention (``AccountId`` → ``Account``)."""
    if rel is None:
        rel = name[:-3] + "__r" if name.endswith("__c") else (name[:-2] if name.endswith("Id") else name)
    return FieldDef(
        name,
        "reference",
        length=18,
        nillable=not required,
        reference_to=(to,) if isinstance(to, str) else to,
        relationship_name=rel,
        child_relationship_name=child,
        cascade_delete=cascade,
        createable=createable,
        updateable=updateable,
        custom=_custom(name),
    )


def readonly(fdef: FieldDef) -> FieldDef:
    return replace(fdef, createable=False, updateable=False)


def auto_number(name: str, fmt: str, label: str = "") -> FieldDef:
    """An auto-number text field; ``fmt`` is a ``str.format`` pattern applied to the record's sequence number."""
    return FieldDef(
        name,
        "string",
        label=label,
        length=30,
        nillable=False,
        createable=False,
        updateable=False,
        auto_number=fmt,
        defaulted_on_create=True,
        custom=_custom(name),
        name_field=name == "Name",
    )


def name_field(length: int = 255, *, required: bool = True) -> FieldDef:
    return FieldDef("Name", "string", length=length, nillable=not required, name_field=True)


def currency_iso_code() -> FieldDef:
    return FieldDef(
        "CurrencyIsoCode",
        "picklist",
        label="Currency ISO Code",
        length=3,
        nillable=False,
        picklist=CURRENCIES,
        default_picklist="USD",
        defaulted_on_create=True,
        multi_currency_only=True,
    )


def address(prefix: str, *, codes: bool = True) -> list[FieldDef]:
    fields = [
        typed(f"{prefix}Street", "textarea"),
        text(f"{prefix}City", 40),
        text(f"{prefix}State", 80),
        text(f"{prefix}PostalCode", 20),
        text(f"{prefix}Country", 80),
    ]
    if codes:
        fields += [text(f"{prefix}StateCode", 10), text(f"{prefix}CountryCode", 10)]
    return fields


def system_fields() -> list[FieldDef]:
    return [
        FieldDef("Id", "id", label="Record ID", length=18, nillable=False, createable=False, updateable=False),
        readonly(boolean("IsDeleted", label="Deleted")),
        FieldDef(
            "CreatedDate", "datetime", nillable=False, createable=False, updateable=False, defaulted_on_create=True
        ),
        readonly(ref("CreatedById", "User", required=True)),
        FieldDef(
            "LastModifiedDate", "datetime", nillable=False, createable=False, updateable=False, defaulted_on_create=True
        ),
        readonly(ref("LastModifiedById", "User", required=True)),
        FieldDef(
            "SystemModstamp", "datetime", nillable=False, createable=False, updateable=False, defaulted_on_create=True
        ),
    ]


# --- picklist values (§4.3) ---------------------------------------------------------------------------------------

CHARGE_TYPES = ("One-Time", "Recurring", "Usage")
BILLING_TYPES = ("Advance", "Arrears")
BILLING_FREQUENCIES = ("Monthly", "Quarterly", "Semiannual", "Annual", "Invoice Plan")
SUBSCRIPTION_TYPES = ("Renewable", "One-time", "Evergreen")
SUBSCRIPTION_PRICING = ("Fixed Price", "Percent Of Total")
PRICING_METHODS = ("List", "Cost", "Block", "Percent Of Total")
QUOTE_TYPES = ("Quote", "Amendment", "Renewal", "Re-Quote")
QUOTE_STATUSES = ("Draft", "In Review", "Approved", "Denied", "Presented", "Accepted", "Rejected")
ORDER_TYPES = ("New", "Amendment", "Renewal")
ORDER_STATUSES = ("Draft", "Activated")
CONTRACT_ACTIONS = ("New", "Quantity Increase", "Quantity Decrease", "Product Swap", "Renew", "Cancel")
CONTRACT_STATUSES = ("Draft", "In Approval Process", "Activated")
CONTRACTING_METHODS = ("By Subscription End Date", "Single Contract")
PAYMENT_TERMS = ("Due on Receipt", "Net 15", "Net 30", "Net 45", "Net 60", "Net 90")
ZUORA_OLI_STATES = ("Executing", "Booked", "SentToBilling", "Complete", "Cancelled")
ZUORA_SYNC_STATUSES = ("Pending", "Synced", "Failed", "Skipped")
TAX_MODES = ("TaxExclusive", "TaxInclusive")
OPPORTUNITY_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
ACCOUNT_TYPES = (
    "Prospect",
    "Customer - Direct",
    "Customer - Channel",
    "Channel Partner / Reseller",
    "Partner",
    "Other",
)
OPPORTUNITY_TYPES = ("New Business", "Existing Business", "Renewal", "Amendment")
PRODUCT_FAMILIES = ("Software", "Hardware", "Services", "Usage", "Support")


def _obj(name: str, label: str, plural: str, fields: list[FieldDef], **kw: object) -> ObjectDef:
    obj = ObjectDef(name=name, label=label, label_plural=plural, custom=name.endswith("__c"), **kw)  # type: ignore[arg-type]
    id_field, *others = system_fields()
    for f in [replace(id_field, label=f"{label} ID"), *others, *fields]:
        if f.key in obj.fields:
            raise ValueError(f"{name}.{f.name} declared twice")
        obj.fields[f.key] = f
    return obj


def _objects() -> list[ObjectDef]:
    owner = ref("OwnerId", "User")
    return [
        _obj(
            "Organization",
            "Organization",
            "Organizations",
            [
                name_field(80),
                readonly(boolean("IsSandbox")),
                readonly(text("InstanceName", 5)),
                readonly(pick("OrganizationType", ("Developer Edition", "Enterprise Edition", "Unlimited Edition"))),
                readonly(text("NamespacePrefix", 15)),
                readonly(typed("TrialExpirationDate", "datetime")),
                pick("DefaultLocaleSidKey", ("en_US", "en_GB", "de_DE", "fr_FR")),
                pick("LanguageLocaleKey", ("en_US", "de", "fr")),
                pick("TimeZoneSidKey", ("GMT", "America/Los_Angeles", "America/New_York", "Europe/London")),
                pick("DefaultCurrencyIsoCode", CURRENCIES),
            ],
        ),
        _obj(
            "User",
            "User",
            "Users",
            [
                readonly(FieldDef("Name", "string", length=121, name_field=True)),
                text("FirstName", 40),
                text("LastName", 80, required=True),
                text("Username", 80, required=True, unique=True),
                typed("Email", "email", required=True),
                text("Alias", 8),
                boolean("IsActive", True),
                pick("TimeZoneSidKey", ("GMT", "America/Los_Angeles", "America/New_York", "Europe/London")),
            ],
            name_parts=("FirstName", "LastName"),
        ),
        _obj(
            "Account",
            "Account",
            "Accounts",
            [
                name_field(255),
                text("AccountNumber", 40),
                ref("ParentId", "Account", child="ChildAccounts"),
                owner,
                currency_iso_code(),
                pick("Type", ACCOUNT_TYPES),
                pick("Industry", ("Technology", "Manufacturing", "Finance", "Healthcare", "Retail", "Education")),
                *address("Billing"),
                *address("Shipping"),
                typed("Phone", "phone"),
                typed("Website", "url"),
                typed("Description", "textarea"),
                text("Zuora_Account_Number__c", 50, external_id=True),
                text("Zuora_Account_Id__c", 32),
                pick("Zuora_Sync_Status__c", ZUORA_SYNC_STATUSES),
                typed("Zuora_Sync_Time__c", "datetime"),
            ],
        ),
        _obj(
            "Contact",
            "Contact",
            "Contacts",
            [
                ref("AccountId", "Account", child="Contacts"),
                readonly(FieldDef("Name", "string", length=121, name_field=True)),
                text("FirstName", 40),
                text("LastName", 80, required=True),
                typed("Email", "email"),
                typed("Phone", "phone"),
                typed("MobilePhone", "phone"),
                text("Title", 128),
                *address("Mailing", codes=False),
                owner,
                currency_iso_code(),
            ],
            name_parts=("FirstName", "LastName"),
        ),
        _obj(
            "Pricebook2",
            "Price Book",
            "Price Books",
            [
                name_field(255),
                boolean("IsActive"),
                readonly(boolean("IsStandard")),
                typed("Description", "textarea"),
            ],
        ),
        _obj(
            "Product2",
            "Product",
            "Products",
            [
                name_field(255),
                text("ProductCode", 255, external_id=True),
                pick("Family", PRODUCT_FAMILIES),
                boolean("IsActive"),
                typed("Description", "textarea"),
                text("QuantityUnitOfMeasure", 255),
                text("StockKeepingUnit", 180, external_id=True),
                currency_iso_code(),
                pick("SBQQ__ChargeType__c", CHARGE_TYPES),
                pick("SBQQ__BillingType__c", BILLING_TYPES),
                pick("SBQQ__BillingFrequency__c", BILLING_FREQUENCIES),
                pick("SBQQ__PricingMethod__c", PRICING_METHODS, default="List"),
                pick("SBQQ__SubscriptionPricing__c", SUBSCRIPTION_PRICING),
                pick("SBQQ__SubscriptionType__c", SUBSCRIPTION_TYPES),
                num("SBQQ__SubscriptionTerm__c", "double", precision=5, scale=0),
                pick("SBQQ__SubscriptionBase__c", ("List", "Regular", "Customer", "Net")),
                boolean("SBQQ__HasConsumptionSchedule__c"),
                pick("SBQQ__AssetConversion__c", ("One per quote line", "One per unit")),
                boolean("SBQQ__Component__c"),
                boolean("SBQQ__NonDiscountable__c"),
                boolean("SBQQ__Taxable__c"),
                pick("TaxMode__c", TAX_MODES),
                text("Z_Accounting_Code__c", 100),
                text("Z_Deferred_Revenue_Account__c", 100),
                text("Z_Recognized_Revenue_Account__c", 100),
                text("Zuora_Product_Id__c", 32),
                text("Zuora_Product_Rate_Plan_Id__c", 32),
            ],
        ),
        _obj(
            "PricebookEntry",
            "Price Book Entry",
            "Price Book Entries",
            [
                readonly(FieldDef("Name", "string", length=255, name_field=True)),
                ref("Pricebook2Id", "Pricebook2", child="PricebookEntries", required=True, updateable=False),
                ref("Product2Id", "Product2", child="PricebookEntries", required=True, updateable=False),
                num("UnitPrice", "currency", required=True),
                boolean("IsActive"),
                boolean("UseStandardPrice"),
                readonly(text("ProductCode", 255)),
                currency_iso_code(),
            ],
        ),
        _obj(
            "Opportunity",
            "Opportunity",
            "Opportunities",
            [
                ref("AccountId", "Account", child="Opportunities"),
                name_field(120),
                pick("StageName", OPPORTUNITY_STAGES, required=True),
                typed("CloseDate", "date", required=True),
                pick("Type", OPPORTUNITY_TYPES),
                num("Amount", "currency"),
                num("Probability", "percent", precision=3, scale=0),
                currency_iso_code(),
                ref("Pricebook2Id", "Pricebook2", child="Opportunities"),
                owner,
                readonly(boolean("IsClosed")),
                readonly(boolean("IsWon")),
                ref("SBQQ__PrimaryQuote__c", "SBQQ__Quote__c"),
                ref("SBQQ__AmendedContract__c", "Contract", child="SBQQ__AmendmentOpportunities__r"),
                ref("SBQQ__RenewedContract__c", "Contract", child="SBQQ__RenewalOpportunities__r"),
                boolean("SBQQ__Renewal__c"),
                boolean("SBQQ__Contracted__c"),
                boolean("SBQQ__Ordered__c"),
                text("SBQQ__OrderGroupID__c", 255),
            ],
        ),
        _obj(
            "Contract",
            "Contract",
            "Contracts",
            [
                ref("AccountId", "Account", child="Contracts", required=True),
                readonly(auto_number("ContractNumber", "{:08d}", "Contract Number")),
                text("Name", 80),
                pick("Status", CONTRACT_STATUSES, required=True, default="Draft"),
                typed("StartDate", "date"),
                readonly(typed("EndDate", "date")),
                num("ContractTerm", "int"),
                ref("Pricebook2Id", "Pricebook2", child="Contracts"),
                currency_iso_code(),
                owner,
                typed("Description", "textarea"),
                ref("SBQQ__Opportunity__c", "Opportunity", child="SBQQ__Contracts__r"),
                ref("SBQQ__Order__c", "Order", child="SBQQ__Contracts__r"),
                ref("SBQQ__Quote__c", "SBQQ__Quote__c", child="SBQQ__Contracts__r"),
                boolean("SBQQ__RenewalForecast__c"),
                boolean("SBQQ__RenewalQuoted__c"),
                ref("SBQQ__RenewalOpportunity__c", "Opportunity"),
                num("SBQQ__RenewalTerm__c", "double", precision=5, scale=0),
                text("SBQQ__RenewalPricebookId__c", 18),
                num("SBQQ__RenewalUpliftRate__c", "percent", precision=5, scale=2),
                typed("SBQQ__AmendmentStartDate__c", "date"),
                pick("SBQQ__AmendmentRenewalBehavior__c", ("Latest End Date", "Earliest End Date")),
                readonly(boolean("SBQQ__ActiveContract__c")),
                boolean("SBQQ__Evergreen__c"),
                boolean("SBQQ__SubscriptionQuantitiesCombined__c"),
            ],
        ),
        _obj(
            "SBQQ__Quote__c",
            "Quote",
            "Quotes",
            [
                auto_number("Name", "Q-{:05d}", "Quote Number"),
                ref("SBQQ__Account__c", "Account", child="SBQQ__Quotes__r"),
                ref("SBQQ__Opportunity2__c", "Opportunity", child="SBQQ__Quotes2__r"),
                pick("SBQQ__Type__c", QUOTE_TYPES, default="Quote"),
                pick("SBQQ__Status__c", QUOTE_STATUSES, default="Draft"),
                boolean("SBQQ__Primary__c"),
                boolean("SBQQ__Ordered__c"),
                typed("SBQQ__StartDate__c", "date"),
                typed("SBQQ__EndDate__c", "date"),
                num("SBQQ__SubscriptionTerm__c", "double", precision=5, scale=0),
                ref("SBQQ__MasterContract__c", "Contract", child="SBQQ__AmendmentQuotes__r"),
                ref("SBQQ__PriceBook__c", "Pricebook2", child="SBQQ__Quotes__r"),
                text("SBQQ__PricebookId__c", 18),
                ref("SBQQ__PrimaryContact__c", "Contact", child="SBQQ__Quotes__r"),
                pick("SBQQ__PaymentTerms__c", PAYMENT_TERMS),
                pick("SBQQ__BillingFrequency__c", BILLING_FREQUENCIES),
                text("SBQQ__BillingName__c", 255),
                text("SBQQ__BillingStreet__c", 255),
                text("SBQQ__BillingCity__c", 255),
                text("SBQQ__BillingState__c", 255),
                text("SBQQ__BillingPostalCode__c", 255),
                text("SBQQ__BillingCountry__c", 255),
                readonly(num("SBQQ__NetAmount__c", "currency")),
                currency_iso_code(),
            ],
        ),
        _obj(
            "SBQQ__QuoteLine__c",
            "Quote Line",
            "Quote Lines",
            [
                auto_number("Name", "QL-{:07d}", "Line Name"),
                ref("SBQQ__Quote__c", "SBQQ__Quote__c", child="SBQQ__LineItems__r", required=True, cascade=True),
                ref("SBQQ__Product__c", "Product2", child="SBQQ__QuoteLines__r", required=True),
                text("SBQQ__PricebookEntryId__c", 18),
                num("SBQQ__Quantity__c", "double"),
                num("SBQQ__PriorQuantity__c", "double"),
                num("SBQQ__EffectiveQuantity__c", "double"),
                num("SBQQ__ListPrice__c", "currency"),
                num("SBQQ__CustomerPrice__c", "currency"),
                num("SBQQ__NetPrice__c", "currency"),
                num("SBQQ__NetTotal__c", "currency"),
                num("SBQQ__ProratedListPrice__c", "currency"),
                num("SBQQ__ProrateMultiplier__c", "double", precision=18, scale=4),
                typed("SBQQ__StartDate__c", "date"),
                typed("SBQQ__EndDate__c", "date"),
                typed("SBQQ__EffectiveStartDate__c", "date"),
                typed("SBQQ__EffectiveEndDate__c", "date"),
                num("SBQQ__SubscriptionTerm__c", "double", precision=5, scale=0),
                num("SBQQ__DefaultSubscriptionTerm__c", "double", precision=5, scale=0),
                pick("SBQQ__SubscriptionPricing__c", SUBSCRIPTION_PRICING),
                pick("SBQQ__ChargeType__c", CHARGE_TYPES),
                pick("SBQQ__BillingType__c", BILLING_TYPES),
                pick("SBQQ__BillingFrequency__c", BILLING_FREQUENCIES),
                pick("SBQQ__PricingMethod__c", PRICING_METHODS),
                pick("SBQQ__SubscriptionType__c", SUBSCRIPTION_TYPES),
                boolean("SBQQ__Existing__c"),
                ref("SBQQ__UpgradedSubscription__c", "SBQQ__Subscription__c"),
                ref("SBQQ__RenewedSubscription__c", "SBQQ__Subscription__c"),
                boolean("SBQQ__Renewal__c"),
                ref("SBQQ__RequiredBy__c", "SBQQ__QuoteLine__c"),
                boolean("SBQQ__Bundled__c"),
                num("SBQQ__SegmentIndex__c", "double", precision=18, scale=0),
                text("SBQQ__SegmentKey__c", 255),
                text("SBQQ__SegmentLabel__c", 255),
                currency_iso_code(),
            ],
        ),
        _obj(
            "Order",
            "Order",
            "Orders",
            [
                ref("AccountId", "Account", child="Orders", required=True),
                ref("OpportunityId", "Opportunity", child="Orders"),
                ref("ContractId", "Contract", child="Orders"),
                ref("Pricebook2Id", "Pricebook2", child="Orders"),
                auto_number("OrderNumber", "{:08d}", "Order Number"),
                text("Name", 80),
                pick("Type", ORDER_TYPES),
                pick("Status", ORDER_STATUSES, required=True, default="Draft"),
                readonly(pick("StatusCode", ("Draft", "Activated"))),
                typed("EffectiveDate", "date", required=True),
                typed("EndDate", "date"),
                typed("ActivatedDate", "datetime"),
                typed("CustomerAuthorizedDate", "date"),
                typed("CompanyAuthorizedDate", "date"),
                readonly(num("TotalAmount", "currency")),
                currency_iso_code(),
                ref("BillToContactId", "Contact"),
                ref("ShipToContactId", "Contact"),
                *address("Billing"),
                *address("Shipping"),
                text("PoNumber", 80),
                typed("Description", "textarea"),
                boolean("IsReductionOrder"),
                ref("OriginalOrderId", "Order"),
                owner,
                ref("SBQQ__Quote__c", "SBQQ__Quote__c", child="SBQQ__Orders__r"),
                boolean("SBQQ__Contracted__c"),
                pick("SBQQ__ContractingMethod__c", CONTRACTING_METHODS),
                pick("SBQQ__PaymentTerm__c", PAYMENT_TERMS),
                num("SBQQ__RenewalTerm__c", "double", precision=5, scale=0),
                num("SBQQ__RenewalUpliftRate__c", "percent", precision=5, scale=2),
                num("SBQQ__TaxAmount__c", "currency"),
                num("SBQQ__OrderBookings__c", "currency"),
                ref("InvoiceOwner__c", "Account", child="InvoiceOwnedOrders__r"),
                ref("SubscriptionOwner__c", "Account", child="SubscriptionOwnedOrders__r"),
                text("Zuora_Order_Number__c", 50, external_id=True),
                pick("Zuora_Sync_Status__c", ZUORA_SYNC_STATUSES),
                typed("Zuora_Sync_Time__c", "datetime"),
                typed("Zuora_Sync_Error__c", "textarea"),
            ],
        ),
        _obj(
            "OrderItem",
            "Order Product",
            "Order Products",
            [
                ref("OrderId", "Order", child="OrderItems", required=True, cascade=True, updateable=False),
                ref("Product2Id", "Product2", child="OrderItems"),
                ref("PricebookEntryId", "PricebookEntry", child="OrderItems", required=True, updateable=False),
                auto_number("OrderItemNumber", "{:010d}", "Order Product Number"),
                num("Quantity", "double", required=True),
                num("UnitPrice", "currency", required=True),
                readonly(num("ListPrice", "currency")),
                readonly(num("TotalPrice", "currency")),
                typed("ServiceDate", "date"),
                typed("EndDate", "date"),
                typed("Description", "textarea"),
                ref("OriginalOrderItemId", "OrderItem"),
                readonly(num("AvailableQuantity", "double")),
                ref("SBQQ__QuoteLine__c", "SBQQ__QuoteLine__c", child="SBQQ__OrderProducts__r"),
                ref("SBQQ__Subscription__c", "SBQQ__Subscription__c", child="SBQQ__OrderProducts__r"),
                text("SBQQ__Asset__c", 18),
                ref("SBQQ__RevisedOrderProduct__c", "OrderItem", child="SBQQ__RevisionOrderProducts__r"),
                pick("SBQQ__ContractAction__c", CONTRACT_ACTIONS),
                boolean("SBQQ__Activated__c"),
                pick("SBQQ__Status__c", ORDER_STATUSES, default="Draft"),
                boolean("SBQQ__Contracted__c"),
                ref("SBQQ__Contract__c", "Contract", child="SBQQ__OrderProducts__r"),
                pick("SBQQ__ChargeType__c", CHARGE_TYPES),
                pick("SBQQ__BillingType__c", BILLING_TYPES),
                pick("SBQQ__BillingFrequency__c", BILLING_FREQUENCIES),
                pick("SBQQ__SubscriptionPricing__c", SUBSCRIPTION_PRICING),
                num("SBQQ__SubscriptionTerm__c", "double", precision=5, scale=0),
                num("SBQQ__DefaultSubscriptionTerm__c", "double", precision=5, scale=0),
                num("SBQQ__ProrateMultiplier__c", "double", precision=18, scale=4),
                num("SBQQ__OrderedQuantity__c", "double"),
                num("SBQQ__QuotedQuantity__c", "double"),
                num("SBQQ__QuotedListPrice__c", "currency"),
                pick("SBQQ__SubscriptionType__c", SUBSCRIPTION_TYPES),
                pick("SBQQ__ProductSubscriptionType__c", SUBSCRIPTION_TYPES),
                typed("SBQQ__TerminatedDate__c", "date"),
                ref("SBQQ__RequiredBy__c", "OrderItem"),
                ref("SBQQ__BundleRoot__c", "OrderItem"),
                text("SBQQ__PriceDimension__c", 18),
                pick("SBQQ__DimensionType__c", ("Month", "Quarter", "Year", "One Time", "Custom")),
                num("SBQQ__SegmentIndex__c", "double", precision=18, scale=0),
                text("SBQQ__SegmentKey__c", 255),
                text("SBQQ__SegmentLabel__c", 255),
                num("SBQQ__TotalAmount__c", "currency"),
                num("SBQQ__TaxAmount__c", "currency"),
                num("SBQQ__UnproratedNetPrice__c", "currency"),
                currency_iso_code(),
                pick("Zuora_Status__c", ZUORA_OLI_STATES),
                text("Zuora_Charge_Number__c", 50),
                text("Zuora_Rate_Plan_Id__c", 32),
            ],
        ),
        _obj(
            "SBQQ__Subscription__c",
            "Subscription",
            "Subscriptions",
            [
                auto_number("Name", "SUB-{:07d}", "Subscription #"),
                ref("SBQQ__Account__c", "Account", child="SBQQ__Subscriptions__r"),
                ref("SBQQ__Contract__c", "Contract", child="SBQQ__Subscriptions__r"),
                readonly(text("SBQQ__ContractNumber__c", 30)),
                ref("SBQQ__Product__c", "Product2", child="SBQQ__Subscriptions__r", required=True),
                readonly(text("SBQQ__ProductName__c", 255)),
                num("SBQQ__Quantity__c", "double", required=True),
                num("SBQQ__RenewalQuantity__c", "double"),
                num("SBQQ__NetPrice__c", "currency"),
                num("SBQQ__ListPrice__c", "currency"),
                num("SBQQ__CustomerPrice__c", "currency"),
                num("SBQQ__RegularPrice__c", "currency"),
                num("SBQQ__RenewalPrice__c", "currency"),
                num("SBQQ__ProrateMultiplier__c", "double", precision=18, scale=4),
                typed("SBQQ__StartDate__c", "date"),
                typed("SBQQ__EndDate__c", "date"),
                typed("SBQQ__SubscriptionStartDate__c", "date"),
                typed("SBQQ__SubscriptionEndDate__c", "date"),
                typed("SBQQ__TerminatedDate__c", "date"),
                ref("SBQQ__RevisedSubscription__c", "SBQQ__Subscription__c", child="SBQQ__Revisions__r"),
                ref("SBQQ__QuoteLine__c", "SBQQ__QuoteLine__c"),
                ref("SBQQ__OriginalQuoteLine__c", "SBQQ__QuoteLine__c"),
                ref("SBQQ__OrderProduct__c", "OrderItem"),
                text("SBQQ__RootId__c", 18),
                text("SBQQ__RequiredById__c", 18),
                pick("SBQQ__ChargeType__c", CHARGE_TYPES),
                pick("SBQQ__BillingType__c", BILLING_TYPES),
                pick("SBQQ__BillingFrequency__c", (*BILLING_FREQUENCIES, "Usage")),
                pick("SBQQ__SubscriptionType__c", SUBSCRIPTION_TYPES),
                pick("SBQQ__ProductSubscriptionType__c", SUBSCRIPTION_TYPES),
                pick("SBQQ__PricingMethod__c", PRICING_METHODS),
                boolean("SBQQ__Bundled__c"),
                currency_iso_code(),
                text("PO_Number__c", 80),
                num("Zuora_Price__c", "currency"),
                text("Zuora_Subscription_Number__c", 50, external_id=True),
                pick("Zuora_Sync_Status__c", ZUORA_SYNC_STATUSES),
            ],
        ),
        _obj(
            "ConsumptionSchedule",
            "Consumption Schedule",
            "Consumption Schedules",
            [
                name_field(80),
                boolean("IsActive"),
                pick("Type", ("Range", "Slab"), required=True),
                pick("RatingMethod", ("Tier",), required=True, default="Tier"),
                num("BillingTerm", "int", required=True),
                pick("BillingTermUnit", ("Month", "Quarter", "Year"), required=True),
                text("UnitOfMeasure", 255),
                text("MatchingAttribute", 255),
                typed("Description", "textarea"),
                currency_iso_code(),
                readonly(num("NumberOfRates", "int")),
            ],
        ),
        _obj(
            "ConsumptionRate",
            "Consumption Rate",
            "Consumption Rates",
            [
                ref(
                    "ConsumptionScheduleId",
                    "ConsumptionSchedule",
                    child="ConsumptionRates",
                    required=True,
                    cascade=True,
                    updateable=False,
                ),
                num("LowerBound", "double", required=True),
                num("UpperBound", "double"),
                num("Price", "currency", required=True),
                pick("PricingMethod", ("PerUnit", "FlatFee"), required=True),
                num("ProcessingOrder", "int", required=True),
                typed("Description", "textarea"),
                currency_iso_code(),
            ],
        ),
        _obj(
            "ProductConsumptionSchedule",
            "Product Consumption Schedule",
            "Product Consumption Schedules",
            [
                ref("ProductId", "Product2", child="ProductConsumptionSchedules", required=True, updateable=False),
                ref(
                    "ConsumptionScheduleId",
                    "ConsumptionSchedule",
                    child="ProductConsumptionSchedules",
                    required=True,
                    updateable=False,
                ),
            ],
        ),
        _obj(
            "SBQQ__OrderItemConsumptionSchedule__c",
            "Order Item Consumption Schedule",
            "Order Item Consumption Schedules",
            [
                auto_number("Name", "OICS-{:07d}", "Order Item Consumption Schedule Name"),
                ref(
                    "SBQQ__OrderItem__c",
                    "OrderItem",
                    child="SBQQ__OrderItemConsumptionSchedules__r",
                    required=True,
                    cascade=True,
                ),
                ref("SBQQ__ConsumptionSchedule__c", "ConsumptionSchedule"),
                pick("SBQQ__Type__c", ("Range", "Slab")),
                pick("SBQQ__RatingMethod__c", ("Tier",)),
                num("SBQQ__BillingTerm__c", "double", precision=5, scale=0),
                pick("SBQQ__BillingTermUnit__c", ("Month", "Quarter", "Year")),
                text("SBQQ__UnitOfMeasure__c", 255),
                text("SBQQ__MatchingAttribute__c", 255),
                typed("SBQQ__Description__c", "textarea"),
                currency_iso_code(),
            ],
        ),
        _obj(
            "SBQQ__OrderItemConsumptionRate__c",
            "Order Item Consumption Rate",
            "Order Item Consumption Rates",
            [
                auto_number("Name", "OICR-{:07d}", "Order Item Consumption Rate Name"),
                ref(
                    "SBQQ__OrderItemConsumptionSchedule__c",
                    "SBQQ__OrderItemConsumptionSchedule__c",
                    child="SBQQ__OrderItemConsumptionRates__r",
                    required=True,
                    cascade=True,
                ),
                num("SBQQ__LowerBound__c", "double"),
                num("SBQQ__UpperBound__c", "double"),
                num("SBQQ__Price__c", "currency"),
                pick("SBQQ__PricingMethod__c", ("PerUnit", "FlatFee")),
                num("SBQQ__ProcessingOrder__c", "double", precision=18, scale=0),
                typed("SBQQ__Description__c", "textarea"),
                num("Cap__c", "double"),
                currency_iso_code(),
            ],
        ),
    ]


def build_schema(*, multi_currency: bool = True) -> Schema:
    """A fresh schema of the CPQ org. ``multi_currency=False`` drops every ``CurrencyIsoCode`` field."""
    objects = _objects()
    if not multi_currency:
        for obj in objects:
            obj.fields = {k: f for k, f in obj.fields.items() if not f.multi_currency_only}
    return Schema(objects)
