"""The object pairs a mapping has sections for, and the Zuora fields each pair can fill.

The pairs are those of connector-spec §5.2 (where custom fields can be mapped), plus the few pairs the
§2 default tables need that §5.2 does not list (usage catalog plans, usage tiers). For each pair the
registry knows the Zuora *targets* the planner understands: their kind (to catch type mismatches), which
ones a Zuora request cannot do without, and which standard targets an admin may map on pairs where
§5.2 only allows custom-field targets.

Target names are the Zuora REST request names (zuora-api §3–§5): camelCase for Orders and Accounts,
PascalCase for the catalog CRUD endpoints. ``/`` nests (``taxInfo/VATId``). A name ending in ``__c``
is a Zuora custom field; the planner puts it where that API wants custom fields. A few targets are
*logical* (``price``, ``quantity``, ``triggerDates/ContractEffective`` …): the planner turns them into
the request shape, which depends on the charge model or is a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TargetKind(StrEnum):
    """What a target holds, as far as type checks against Salesforce field types go."""

    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    OBJECT = "object"
    LIST = "list"


@dataclass(frozen=True)
class TargetField:
    name: str
    kind: TargetKind = TargetKind.STRING
    required: bool = False
    description: str = ""
    # not a request field as named: the planner turns it into the request's shape
    logical: bool = False
    # the values Zuora accepts, where it takes a fixed set (Orders and catalog CRUD spell them differently)
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ObjectPair:
    """One Salesforce object -> Zuora object pair; a mapping has one section of rows per pair."""

    id: str
    source_object: str
    target_object: str
    spec: str
    targets: tuple[TargetField, ...]
    # connector-spec §5.2: may an admin add rows whose target is a Zuora *standard* field?
    standard_targets: bool
    # standard targets an admin may map even where `standard_targets` is False (§5.1 special names)
    special_targets: frozenset[str] = frozenset()
    # pairs outside §5.2 take no custom-field rows; their defaults can only be overridden
    custom_fields: bool = True
    # a connector option (connector-spec §1.2) that must be on for the section to be used
    requires_option: str | None = None

    @property
    def label(self) -> str:
        return f"{self.source_object} → {self.target_object}"

    def target(self, name: str) -> TargetField | None:
        for target in self.targets:
            if target.name == name:
                return target
        return None


_STR, _NUM, _INT, _BOOL, _DATE, _OBJ, _LIST = (
    TargetKind.STRING,
    TargetKind.NUMBER,
    TargetKind.INTEGER,
    TargetKind.BOOLEAN,
    TargetKind.DATE,
    TargetKind.OBJECT,
    TargetKind.LIST,
)


def _t(
    name: str,
    kind: TargetKind = _STR,
    required: bool = False,
    description: str = "",
    *,
    logical: bool = False,
    choices: tuple[str, ...] = (),
) -> TargetField:
    return TargetField(name, kind, required, description, logical, choices)


# zuora-api §3.5 (Orders spellings) and §5.1 (catalog CRUD spellings)
BILL_CYCLE_TYPES = (
    "DefaultFromCustomer",
    "SpecificDayofMonth",
    "SubscriptionStartDay",
    "ChargeTriggerDay",
    "SpecificDayofWeek",
    "TermStartDay",
    "TermEndDay",
)
ORDERS_BILLING_PERIODS = (
    "Month",
    "Quarter",
    "Semi_Annual",
    "Annual",
    "Eighteen_Months",
    "Two_Years",
    "Three_Years",
    "Five_Years",
    "Specific_Months",
    "Subscription_Term",
    "Week",
    "Specific_Weeks",
    "Specific_Days",
)
ORDERS_LIST_PRICE_BASES = (
    "Per_Billing_Period",
    "Per_Month",
    "Per_Week",
    "Per_Year",
    "Per_Specific_Months",
    "Per_Validity_Period",
)
CRUD_BILLING_PERIODS = (
    "Month",
    "Quarter",
    "Annual",
    "Semi-Annual",
    "Specific Months",
    "Subscription Term",
    "Week",
    "Specific Weeks",
    "Specific Days",
)
CRUD_CHARGE_MODELS = (
    "Flat Fee Pricing",
    "Per Unit Pricing",
    "Tiered Pricing",
    "Volume Pricing",
    "Overage Pricing",
    "Tiered with Overage Pricing",
    "Discount-Fixed Amount",
    "Discount-Percentage",
    "Delivery Pricing",
    "Calculated",
    "MultiAttributePricing",
    "PreratedPerUnit",
    "PreratedPricing",
    "HighWatermarkVolumePricing",
    "HighWatermarkTieredPricing",
)
CRUD_LIST_PRICE_BASES = (
    "Per Billing Period",
    "Per Month",
    "Per Week",
    "Per Year",
    "Per Specific Months",
    "Per Validity Period",
)
TRIGGER_EVENTS = ("ContractEffective", "ServiceActivation", "CustomerAcceptance")
TAX_MODES = ("TaxInclusive", "TaxExclusive")


_CONTACT_TARGETS = (
    _t("firstName", required=True),
    _t("lastName", required=True),
    *(
        _t(name)
        for name in (
            "address1",
            "address2",
            "city",
            "state",
            "postalCode",
            "country",
            "county",
            "taxRegion",
            "workEmail",
            "personalEmail",
            "workPhone",
            "homePhone",
            "mobilePhone",
            "otherPhone",
            "otherPhoneType",
            "fax",
            "nickname",
            "contactDescription",
        )
    ),
)

ACCOUNT = ObjectPair(
    id="Account->Account",
    source_object="Account",
    target_object="Zuora Account",
    spec="connector-spec §2.1",
    standard_targets=True,
    targets=(
        _t("name", required=True),
        _t("accountNumber"),
        _t("crmId", description="the Salesforce Account Id; the key that links the two accounts"),
        _t("currency", required=True),
        _t("billCycleDay", _INT, required=True),
        _t("billToContact", _OBJ, required=True, description="contact object (Orders: postalCode; Accounts: zipCode)"),
        _t("soldToContact", _OBJ),
        _t("notes"),
        _t("salesRep"),
        _t("autoPay", _BOOL),
        _t("parentId"),
        _t("paymentTerm"),
        _t("batch"),
        _t("invoiceTemplateId"),
        _t("communicationProfileId"),
        _t("purchaseOrderNumber"),
        _t("customerServiceRepName"),
        _t("additionalEmailAddresses"),
        _t("invoiceDeliveryPrefsEmail", _BOOL),
        _t("invoiceDeliveryPrefsPrint", _BOOL),
        _t("allowInvoiceEdit", _BOOL),
        _t("sequenceSetId"),
        _t("taxInfo", _OBJ),
        *(
            _t(f"taxInfo/{name}", _DATE if name.endswith("Date") else _STR)
            for name in (
                "VATId",
                "companyCode",
                "exemptCertificateId",
                "exemptCertificateType",
                "exemptDescription",
                "exemptEffectiveDate",
                "exemptEntityUseCode",
                "exemptExpirationDate",
                "exemptIssuingJurisdiction",
                "exemptStatus",
            )
        ),
    ),
)

CONTACT = ObjectPair(
    id="Contact->Contact",
    source_object="Contact",
    target_object="Zuora Contact",
    spec="connector-spec §2.2",
    standard_targets=True,
    targets=_CONTACT_TARGETS,
)

ORDER = ObjectPair(
    id="Order->Order",
    source_object="Order",
    target_object="Zuora Order",
    spec="connector-spec §2.3",
    standard_targets=False,
    targets=(
        _t("orderNumber"),
        _t("existingAccountNumber", required=True),
        _t("description"),
        _t("orderDate", _DATE, required=True),
        _t("status", choices=("Draft", "Pending", "Completed", "Scheduled", "Executing", "Failed")),
        _t("category", choices=("NewSales", "Return")),
        _t("reasonCode"),
    ),
)

OPPORTUNITY = ObjectPair(
    id="Opportunity->Order",
    source_object="Opportunity",
    target_object="Zuora Order",
    spec="connector-spec §5.2",
    standard_targets=False,
    requires_option="sync_opportunity_fields",
    targets=(_t("customFields", _OBJ, description="the order's custom fields; map each as Foo__c"),),
)

SUBSCRIPTION_RATE_PLAN = ObjectPair(
    id="OrderItem->SubscriptionRatePlan",
    source_object="OrderItem",
    target_object="Zuora Subscription Rate Plan",
    spec="connector-spec §2.4",
    standard_targets=False,
    targets=(
        _t("externallyManagedPlanId", required=True, description="the amendment anchor (connector-spec §4.3)"),
        _t("externalCatalogPlanId", required=True),
        _t("productRatePlanId"),
        _t("productRatePlanNumber"),
        _t("subscriptionRatePlanNumber"),
    ),
)

ORDER_LINE_ITEM = ObjectPair(
    id="OrderItem->OrderLineItem",
    source_object="OrderItem",
    target_object="Zuora Order Line Item",
    spec="connector-spec §2.7",
    standard_targets=False,
    special_targets=frozenset({"itemState"}),
    targets=(
        _t("itemName", required=True),
        _t("itemState", choices=("Executing", "Booked", "SentToBilling", "Complete", "Canceled")),
        _t("quantity", _NUM),
        _t("productCode"),
        _t("productRatePlanChargeId"),
        _t("transactionStartDate", _DATE),
        _t("transactionEndDate", _DATE),
        _t("itemType", choices=("Product", "Fee", "Services", "Prepayment")),
        _t("purchaseOrderNumber"),
        _t("itemCategory", choices=("Sales", "Return")),
        _t("description"),
        _t("billTargetDate", _DATE),
        _t("listPricePerUnit", _NUM),
        _t("amountPerUnit", _NUM),
        _t(
            "invoiceOwnerAccountNumber",
            logical=True,
            description="an order line item is billed to its order's account, so the planner "
            "uses this as the order's existingAccountNumber",
        ),
        _t("ownerAccountNumber"),
        _t("billTo"),
        _t("soldTo"),
        _t("shipTo"),
        _t("UOM"),
        _t("currency"),
        _t("taxCode"),
        _t("taxMode"),
        _t("paymentTerm"),
        _t("invoiceGroupNumber"),
        _t("relatedSubscriptionNumber"),
    ),
)

SUBSCRIPTION = ObjectPair(
    id="SBQQ__Subscription__c->Subscription",
    source_object="SBQQ__Subscription__c",
    target_object="Zuora Subscription",
    spec="connector-spec §2.4",
    standard_targets=False,
    special_targets=frozenset({"invoiceGroupNumber"}),
    targets=(
        _t("subscriptionNumber"),
        _t("terms/initialTerm/termType", required=True, choices=("TERMED", "EVERGREEN")),
        _t("terms/initialTerm/period", _INT),
        _t("terms/initialTerm/periodType", choices=("Day", "Week", "Month", "Year")),
        _t("terms/initialTerm/startDate", _DATE),
        _t("terms/initialTerm/endDate", _DATE),
        _t("terms/renewalSetting", choices=("RENEW_WITH_SPECIFIC_TERM", "RENEW_TO_EVERGREEN")),
        _t("terms/renewalTerms", _LIST),
        _t("terms/autoRenew", _BOOL),
        _t("triggerDates/ContractEffective", _DATE, logical=True, description="sent as a triggerDates[] entry"),
        _t("triggerDates/ServiceActivation", _DATE, logical=True, description="sent as a triggerDates[] entry"),
        _t("triggerDates/CustomerAcceptance", _DATE, logical=True, description="sent as a triggerDates[] entry"),
        _t("currency"),
        _t("subscriptionOwnerAccountNumber"),
        _t("invoiceOwnerAccountNumber"),
        _t("billToContactId"),
        _t("soldToContactId"),
        _t("paymentTerm"),
        _t("quote/QuoteNumber__QT"),
        _t("quote/QuoteBusinessType__QT"),
        _t("quote/QuoteType__QT"),
        _t("quote/OpportunityName__QT"),
        _t("quote/OpportunityCloseDate__QT", _DATE),
        _t("invoiceGroupNumber"),
        _t("notes"),
    ),
)

SUBSCRIPTION_CHARGE = ObjectPair(
    id="SBQQ__Subscription__c->SubscriptionRatePlanCharge",
    source_object="SBQQ__Subscription__c",
    target_object="Zuora Subscription Rate Plan Charge",
    spec="connector-spec §2.4",
    standard_targets=False,
    special_targets=frozenset({"price", "billingPeriod"}),
    targets=(
        _t("price", _NUM, logical=True, description="the list price, placed under the charge model's pricing key"),
        _t("quantity", _NUM, logical=True, description="placed under the charge model's pricing key"),
        _t(
            "billingPeriod",
            logical=True,
            description="sent as billing.billingPeriod (Orders spelling)",
            choices=ORDERS_BILLING_PERIODS,
        ),
        _t("billCycleType", logical=True, description="sent as billing.billCycleType", choices=BILL_CYCLE_TYPES),
        _t("billCycleDay", _INT, logical=True, description="sent as billing.billCycleDay"),
        _t(
            "billingTiming",
            logical=True,
            description="sent as billing.billingTiming",
            choices=("IN_ADVANCE", "IN_ARREARS"),
        ),
        _t(
            "listPriceBase",
            logical=True,
            description="placed under the charge model's pricing key",
            choices=ORDERS_LIST_PRICE_BASES,
        ),
        _t("specificListPriceBase", _INT, logical=True, description="placed under the charge model's pricing key"),
        _t("chargeNumber"),
        _t("description"),
    ),
)

USAGE_RATE_PLAN = ObjectPair(
    id="SBQQ__OrderItemConsumptionSchedule__c->SubscriptionRatePlan",
    source_object="SBQQ__OrderItemConsumptionSchedule__c",
    target_object="Zuora Subscription Rate Plan (usage)",
    spec="connector-spec §2.5",
    standard_targets=False,
    targets=(
        _t("externallyManagedPlanId", required=True, description="the amendment anchor for usage plans"),
        _t("externalCatalogPlanId", required=True),
        _t("tiers", _LIST, logical=True, description="the charge's tiers, one per consumption rate (§2.5, §2.6)"),
    ),
)

USAGE_TIER = ObjectPair(
    id="SBQQ__OrderItemConsumptionRate__c->ChargeTier",
    source_object="SBQQ__OrderItemConsumptionRate__c",
    target_object="Zuora Charge Tier",
    spec="connector-spec §2.5",
    standard_targets=False,
    custom_fields=False,
    targets=(
        _t("tier", _INT, required=True),
        _t("startingUnit", _NUM, required=True),
        _t("endingUnit", _NUM),
        _t("price", _NUM, required=True),
        _t("priceFormat", required=True, choices=("FlatFee", "PerUnit")),
        _t("cap", _NUM, logical=True, description="the tier cap, sent only with the charge-modifier permission"),
    ),
)

_EFFECTIVE_DATES = (_t("EffectiveStartDate", _DATE, required=True), _t("EffectiveEndDate", _DATE, required=True))

PRODUCT = ObjectPair(
    id="Product2->Product",
    source_object="Product2",
    target_object="Zuora Product",
    spec="connector-spec §2.8",
    standard_targets=True,
    targets=(
        _t("Name", required=True),
        _t("SKU", description="with the plan's external id, the key that finds an existing product"),
        *_EFFECTIVE_DATES,
        _t("Description"),
        _t("Category", choices=("Base Products", "Add On Services", "Miscellaneous Products")),
        _t("ProductNumber"),
        _t("AllowFeatureChanges", _BOOL),
    ),
)

_PLAN_TARGETS = (
    _t("Name", required=True),
    _t("ExternalRatePlanIds", description="the existence key: Product2.Id or ProductConsumptionSchedule.Id"),
    _t("ExternalIdSourceSystem"),
    _t("ActiveCurrencies", _LIST),
    *_EFFECTIVE_DATES,
    _t("Description"),
    _t("ProductRatePlanNumber"),
    _t("Grade", _INT),
)

PRODUCT_RATE_PLAN = ObjectPair(
    id="Product2->ProductRatePlan",
    source_object="Product2",
    target_object="Zuora Product Rate Plan",
    spec="connector-spec §2.8",
    standard_targets=True,
    targets=_PLAN_TARGETS,
)

_CHARGE_TARGETS = (
    _t("Name", required=True),
    _t("ChargeModel", required=True, choices=CRUD_CHARGE_MODELS),
    _t("ChargeType", required=True, choices=("OneTime", "Recurring", "Usage")),
    _t("BillCycleType", required=True, choices=BILL_CYCLE_TYPES),
    _t("BillingPeriod", required=True, choices=CRUD_BILLING_PERIODS),
    _t("TriggerEvent", required=True, choices=TRIGGER_EVENTS),
    _t("UOM"),
    _t("DefaultQuantity", _NUM),
    _t("BillingTiming", choices=("In Advance", "In Arrears")),
    _t(
        "BillingPeriodAlignment",
        choices=("AlignToCharge", "AlignToSubscriptionStart", "AlignToTermStart", "AlignToTermEnd"),
    ),
    _t("ListPriceBase", choices=CRUD_LIST_PRICE_BASES),
    _t("SpecificListPriceBase", _INT),
    _t("EndDateCondition", choices=("SubscriptionEnd", "FixedPeriod", "OneTime")),
    _t("Description"),
    _t("TaxCode"),
    _t("TaxMode", choices=TAX_MODES),
    _t("Taxable", _BOOL),
    _t("AccountingCode"),
    _t("DeferredRevenueAccount"),
    _t("RecognizedRevenueAccount"),
    _t("RevenueRecognitionRuleName"),
    _t("ProductRatePlanChargeTierData", _OBJ),
    _t("ProductRatePlanChargeNumber"),
    _t("EffectiveStartDate", _DATE, logical=True, description="not a charge field; a charge lives as long as its plan"),
    _t("EffectiveEndDate", _DATE, logical=True, description="not a charge field; a charge lives as long as its plan"),
)

PRODUCT_RATE_PLAN_CHARGE = ObjectPair(
    id="Product2->ProductRatePlanCharge",
    source_object="Product2",
    target_object="Zuora Product Rate Plan Charge",
    spec="connector-spec §2.8",
    standard_targets=True,
    targets=_CHARGE_TARGETS,
)

USAGE_PRODUCT_RATE_PLAN = ObjectPair(
    id="ProductConsumptionSchedule->ProductRatePlan",
    source_object="ProductConsumptionSchedule",
    target_object="Zuora Product Rate Plan (usage)",
    spec="connector-spec §2.8",
    standard_targets=True,
    custom_fields=False,
    targets=_PLAN_TARGETS,
)

USAGE_PRODUCT_RATE_PLAN_CHARGE = ObjectPair(
    id="ProductConsumptionSchedule->ProductRatePlanCharge",
    source_object="ProductConsumptionSchedule",
    target_object="Zuora Product Rate Plan Charge (usage)",
    spec="connector-spec §2.8",
    standard_targets=True,
    custom_fields=False,
    targets=(
        *_CHARGE_TARGETS,
        _t("currency", logical=True, description="the currency of the charge's tier data (one per schedule)"),
    ),
)

PAIRS: dict[str, ObjectPair] = {
    pair.id: pair
    for pair in (
        ACCOUNT,
        CONTACT,
        ORDER,
        OPPORTUNITY,
        SUBSCRIPTION,
        SUBSCRIPTION_RATE_PLAN,
        SUBSCRIPTION_CHARGE,
        ORDER_LINE_ITEM,
        USAGE_RATE_PLAN,
        USAGE_TIER,
        PRODUCT,
        PRODUCT_RATE_PLAN,
        PRODUCT_RATE_PLAN_CHARGE,
        USAGE_PRODUCT_RATE_PLAN,
        USAGE_PRODUCT_RATE_PLAN_CHARGE,
    )
}
