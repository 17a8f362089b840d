"""The shape of an Orders API request body, declared for the tenant's body checker (:mod:`validation`).

The accepted keys are the ones of the zuora-sdk 3.21 request models (zuora-api.md §3, §8.1), so every
body the SDK can express is accepted and a misspelt key (``qty``, ``zipCode`` in an Orders contact) is
refused with a category-21 error. Keys the emulator does not interpret are accepted as ``ANY``.
Types, lengths, required keys and enum values are checked from here; rules that need the tenant's
data (accounts, catalog, subscriptions) live in the order engine.
"""

from __future__ import annotations

from cpq_desktop.sandbox.zuora.validation import (
    ANY,
    Spec,
    boolean,
    date,
    integer,
    number,
    obj,
    objects,
    strings,
    text,
)

# Resource codes (first six digits of an error code) for the objects of an order, laid out like
# Zuora's (zuora-api.md §7.1: 531003 is Subscription.termType).
RES_ORDER = 530000
RES_ORDER_ACTION = 530100
RES_ORDER_LINE_ITEM = 530200
RES_ASYNC_JOB = 530300
RES_SUBSCRIPTION = 531000
RES_RATE_PLAN = 531100
RES_RATE_PLAN_CHARGE = 531200

Fields = dict[str, Spec]


def s(max_len: int | None = None, *, req: bool = False, enum: tuple[str, ...] = ()) -> Spec:
    return text(max_len, required=req, enum=enum)


def i(*, req: bool = False, lo: float | None = None, hi: float | None = None) -> Spec:
    return integer(required=req, minimum=lo, maximum=hi)


def n(*, req: bool = False, lo: float | None = None) -> Spec:
    return number(required=req, minimum=lo)


def b() -> Spec:
    return boolean()


def d(*, req: bool = False) -> Spec:
    return date(required=req)


def o(fields: Fields, *, req: bool = False) -> Spec:
    return obj(fields, required=req)


def lo(fields: Fields, *, req: bool = False) -> Spec:
    return objects(fields, required=req)


def strs() -> Spec:
    return strings()


def cf(object_name: str) -> Spec:
    """A ``customFields`` container: only the tenant's custom fields of ``object_name`` are allowed."""
    return obj({}, custom_object=object_name)


def schema(fields: Fields, passthrough: str = "") -> Fields:
    """An object's keys; ``passthrough`` names keys the SDK models have that are accepted as given."""
    return {**fields, **dict.fromkeys(passthrough.split(), ANY)}


# -- enums (zuora-api.md §3.5 and the SDK enum modules) --------------------------------------------

TERM_TYPES = ("TERMED", "EVERGREEN")
PERIOD_TYPES = ("Day", "Week", "Month", "Year")
RENEWAL_SETTINGS = ("RENEW_WITH_SPECIFIC_TERM", "RENEW_TO_EVERGREEN")
TRIGGER_NAMES = ("ContractEffective", "ServiceActivation", "CustomerAcceptance")
ACTION_TYPES = (
    "CreateSubscription",
    "TermsAndConditions",
    "AddProduct",
    "UpdateProduct",
    "RemoveProduct",
    "RenewSubscription",
    "CancelSubscription",
    "OwnerTransfer",
    "Suspend",
    "Resume",
    "ChangePlan",
)
CANCELLATION_POLICIES = ("EndOfCurrentTerm", "EndOfLastInvoicePeriod", "SpecificDate")
SUSPEND_POLICIES = ("Today", "EndOfLastInvoicePeriod", "FixedPeriodsFromToday", "SpecificDate")
RESUME_POLICIES = ("Today", "FixedPeriodsFromSuspendDate", "FixedPeriodsFromToday", "SpecificDate", "SuspendDate")
PRICE_CHANGE_OPTIONS = ("NoChange", "SpecificPercentageValue", "UseLatestProductCatalogPricing")
LIST_PRICE_BASES = (
    "Per_Billing_Period",
    "Per_Month",
    "Per_Week",
    "Per_Year",
    "Per_Specific_Months",
    "Per_Validity_Period",
)
BILLING_PERIODS = (
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
BILL_CYCLE_TYPES = (
    "DefaultFromCustomer",
    "SpecificDayofMonth",
    "SubscriptionStartDay",
    "ChargeTriggerDay",
    "SpecificDayofWeek",
    "TermStartDay",
    "TermEndDay",
)
BILLING_TIMINGS = ("IN_ADVANCE", "IN_ARREARS")
ALIGNMENTS = ("AlignToCharge", "AlignToSubscriptionStart", "AlignToTermStart", "AlignToTermEnd")
END_DATE_CONDITIONS = ("Subscription_End", "Fixed_Period", "Specific_End_Date", "One_Time")
UP_TO_PERIODS_TYPES = ("Days", "Weeks", "Months", "Years", "Billing_Periods")
TRIGGER_EVENTS = ("ContractEffective", "ServiceActivation", "CustomerAcceptance", "SpecificDate")
PRICE_FORMATS = ("FlatFee", "PerUnit")
APPLY_DISCOUNT_TO = (
    "ONETIME",
    "RECURRING",
    "USAGE",
    "ONETIMERECURRING",
    "ONETIMEUSAGE",
    "RECURRINGUSAGE",
    "ONETIMERECURRINGUSAGE",
)
DISCOUNT_LEVELS = ("rateplan", "subscription", "account")
ORDER_CATEGORIES = ("NewSales", "Return")
ORDER_STATUSES = ("Draft", "Pending", "Completed", "Scheduled", "Executing", "Failed")
ITEM_CATEGORIES = ("Sales", "Return")
ITEM_STATES = ("Executing", "Booked", "SentToBilling", "Complete", "Cancelled")
BILLING_RULES = ("TriggerWithoutFulfillment", "TriggerAsFulfillmentOccurs")
INLINE_DISCOUNT_TYPES = ("Percentage", "FixedAmount", "None")

# -- contacts and accounts -------------------------------------------------------------------------

CONTACT = schema(
    {
        "firstName": s(100, req=True),
        "lastName": s(100, req=True),
        "address1": s(255),
        "address2": s(255),
        "city": s(100),
        "state": s(100),
        "postalCode": s(20),
        "country": s(64),
        "county": s(32),
        "taxRegion": s(32),
        "workEmail": s(80),
        "personalEmail": s(80),
        "workPhone": s(40),
        "homePhone": s(40),
        "mobilePhone": s(40),
        "otherPhone": s(40),
        "otherPhoneType": s(),
        "fax": s(40),
        "nickname": s(100),
        "contactDescription": s(100),
    },
)

NEW_ACCOUNT = schema(
    {
        "name": s(255, req=True),
        "currency": s(3, req=True),
        "billCycleDay": i(req=True, lo=0, hi=31),
        "billToContact": o(CONTACT, req=True),
        "soldToContact": o(CONTACT),
        "shipToContact": o(CONTACT),
        "soldToSameAsBillTo": b(),
        "shipToSameAsBillTo": b(),
        "accountNumber": s(70),
        "crmId": s(100),
        "autoPay": b(),
        "paymentTerm": s(),
        "invoiceDeliveryPrefsEmail": b(),
        "invoiceDeliveryPrefsPrint": b(),
        "batch": s(),
        "salesRep": s(50),
        "customerServiceRepName": s(50),
        "notes": s(65535),
        "purchaseOrderNumber": s(100),
        "parentId": s(32),
        "invoiceTemplateId": s(32),
        "communicationProfileId": s(32),
        "paymentGateway": s(40),
        "sequenceSetId": s(32),
        "additionalEmailAddresses": s(1200),
        "allowInvoiceEdit": b(),
        "partnerAccount": b(),
        "customFields": cf("Account"),
    },
    passthrough="associateCommitmentNumber creditCard creditMemoTemplateId debitMemoTemplateId "
    "hpmCreditCardPaymentMethodId paymentMethod taxInfo",
)

# -- pricing ---------------------------------------------------------------------------------------

TIER = schema(
    {
        "tier": i(req=True, lo=1),
        "startingUnit": n(req=True, lo=0),
        "endingUnit": n(lo=0),
        "price": n(req=True),
        "priceFormat": s(enum=PRICE_FORMATS, req=True),
        "originalListPrice": n(),
    },
)

_CHANGE = {"priceChangeOption": s(enum=PRICE_CHANGE_OPTIONS), "priceIncreasePercentage": n(lo=-100)}


def _pricing(fields: Fields, passthrough: str = "") -> Fields:
    return schema(fields, passthrough)


_BASE = {"listPriceBase": s(enum=LIST_PRICE_BASES), "specificListPriceBase": i(lo=1, hi=200)}
RECURRING_FLAT_FEE = _pricing({**_CHANGE, **_BASE, "listPrice": n(), "originalListPrice": n()})
RECURRING_PER_UNIT = _pricing(
    {**_CHANGE, **_BASE, "listPrice": n(), "originalListPrice": n(), "quantity": n(lo=0), "uom": s()},
)
RECURRING_TIERED = _pricing({**_CHANGE, **_BASE, "quantity": n(lo=0), "tiers": lo(TIER), "uom": s()})
RECURRING_VOLUME = _pricing({**_CHANGE, **_BASE, "quantity": n(lo=0), "tiers": lo(TIER), "uom": s()})
ONE_TIME_FLAT_FEE = _pricing({"listPrice": n(req=True), "originalListPrice": n()})
ONE_TIME_PER_UNIT = _pricing({"listPrice": n(), "originalListPrice": n(), "quantity": n(lo=0), "uom": s()})
ONE_TIME_TIERED = _pricing({"quantity": n(lo=0), "tiers": lo(TIER), "uom": s()})
ONE_TIME_VOLUME = _pricing({"quantity": n(lo=0), "tiers": lo(TIER), "uom": s()})
USAGE_FLAT_FEE = _pricing({**_CHANGE, "listPrice": n(), "originalListPrice": n()})
USAGE_PER_UNIT = _pricing(
    {**_CHANGE, "listPrice": n(), "originalListPrice": n(), "uom": s()},
    passthrough="ratingGroup",
)
USAGE_OVERAGE = _pricing(
    {**_CHANGE, "includedUnits": n(lo=0), "overagePrice": n(), "numberOfPeriods": i(lo=1), "originalListPrice": n()},
    passthrough="overageUnusedUnitsCreditOption unusedUnitsCreditRates",
)
USAGE_TIERED = _pricing({**_CHANGE, "tiers": lo(TIER), "uom": s()}, passthrough="ratingGroup")
USAGE_TIERED_WITH_OVERAGE = _pricing(
    {**_CHANGE, "tiers": lo(TIER), "overagePrice": n(), "numberOfPeriods": i(lo=1), "originalListPrice": n()},
    passthrough="overageUnusedUnitsCreditOption unusedUnitsCreditRates",
)
USAGE_VOLUME = _pricing({**_CHANGE, "tiers": lo(TIER), "uom": s()}, passthrough="ratingGroup")
DISCOUNT = _pricing(
    {
        "applyDiscountTo": s(enum=APPLY_DISCOUNT_TO),
        "discountAmount": n(),
        "discountPercentage": n(lo=0),
        "discountLevel": s(enum=DISCOUNT_LEVELS),
        "priceChangeOption": s(enum=PRICE_CHANGE_OPTIONS),
    },
    passthrough="originalDiscountAmount originalListDiscountAmount originalDiscountPercentage "
    "originalListDiscountPercentage discountClass applyToBillingPeriodPartially discountApplyDetails",
)

PRICING_OVERRIDE = schema(
    {
        "recurringFlatFee": o(RECURRING_FLAT_FEE),
        "recurringPerUnit": o(RECURRING_PER_UNIT),
        "recurringTiered": o(RECURRING_TIERED),
        "recurringVolume": o(RECURRING_VOLUME),
        "oneTimeFlatFee": o(ONE_TIME_FLAT_FEE),
        "oneTimePerUnit": o(ONE_TIME_PER_UNIT),
        "oneTimeTiered": o(ONE_TIME_TIERED),
        "oneTimeVolume": o(ONE_TIME_VOLUME),
        "usageFlatFee": o(USAGE_FLAT_FEE),
        "usagePerUnit": o(USAGE_PER_UNIT),
        "usageOverage": o(USAGE_OVERAGE),
        "usageTiered": o(USAGE_TIERED),
        "usageTieredWithOverage": o(USAGE_TIERED_WITH_OVERAGE),
        "usageVolume": o(USAGE_VOLUME),
        "discount": o(DISCOUNT),
    },
    passthrough="chargeModelData recurringDelivery recurringCalculated",
)

_UPDATE_CHANGE = {**_CHANGE, "originalListPrice": n()}
PRICING_UPDATE = schema(
    {
        "recurringFlatFee": o(_pricing({**_UPDATE_CHANGE, "listPrice": n()})),
        "recurringPerUnit": o(_pricing({**_UPDATE_CHANGE, "listPrice": n(), "quantity": n(lo=0)})),
        "recurringTiered": o(_pricing({**_CHANGE, "quantity": n(lo=0), "tiers": lo(TIER)})),
        "recurringVolume": o(_pricing({**_CHANGE, "quantity": n(lo=0), "tiers": lo(TIER)})),
        "usageFlatFee": o(USAGE_FLAT_FEE),
        "usagePerUnit": o(USAGE_PER_UNIT),
        "usageOverage": o(USAGE_OVERAGE),
        "usageTiered": o(USAGE_TIERED),
        "usageTieredWithOverage": o(USAGE_TIERED_WITH_OVERAGE),
        "usageVolume": o(USAGE_VOLUME),
        "discount": o(DISCOUNT),
    },
    passthrough="chargeModelData recurringDeliveryBased",
)

BILLING = schema(
    {
        "billCycleDay": i(lo=0, hi=31),
        "billCycleType": s(enum=BILL_CYCLE_TYPES),
        "billingPeriod": s(enum=BILLING_PERIODS),
        "billingPeriodAlignment": s(enum=ALIGNMENTS),
        "billingTiming": s(enum=BILLING_TIMINGS),
        "specificBillingPeriod": i(lo=1),
        "weeklyBillCycleDay": s(),
    },
)

END_CONDITIONS = schema(
    {
        "endDateCondition": s(enum=END_DATE_CONDITIONS),
        "endDatePolicy": s(),
        "specificEndDate": d(),
        "upToPeriods": i(lo=1),
        "upToPeriodsType": s(enum=UP_TO_PERIODS_TYPES),
    },
)

TRIGGER_PARAMS = schema(
    {"triggerEvent": s(enum=TRIGGER_EVENTS), "specificTriggerDate": d()},
    passthrough="startDatePolicy periodsAfterChargeStart startPeriodsType",
)

CHARGE_OVERRIDE = schema(
    {
        "productRatePlanChargeId": s(32, req=True),
        "productRatePlanChargeNumber": s(100),
        "chargeNumber": s(50),
        "uniqueToken": s(50),
        "description": s(500),
        "customFields": cf("RatePlanCharge"),
        "pricing": o(PRICING_OVERRIDE),
        "billing": o(BILLING),
        "endDate": o(END_CONDITIONS),
        "startDate": o(TRIGGER_PARAMS),
        "taxCode": s(64),
        "taxMode": s(),
        "taxable": b(),
        "name": s(100),
    },
    passthrough=" ".join(
        [
            "accountReceivableAccountingCode adjustmentLiabilityAccountingCode adjustmentRevenueAccountingCode",
            "contractAssetAccountingCode contractLiabilityAccountingCode contractRecognizedRevenueAccountingCode",
            "deferredRevenueAccountingCode recognizedRevenueAccountingCode unBilledReceivablesAccountingCode",
            "productCategory productClass productFamily productLine chargeModel chargeType",
            "revenueRecognitionTiming revenueAmortizationMethod isChargeLevelMinCommit commitmentType",
            "prepaymentUnitType prepaidOperationType isCommitted chargeFunction prepaidUom drawdownUom",
            "prepaidTotalQuantity isPrepaid creditOption drawdownRate excludeItemBillingFromRevenueAccounting",
            "excludeItemBookingFromRevenueAccounting isAllocationEligible isRollover isUnbilled prepaidQuantity",
            "prorationOption ratingPropertiesOverride revRecCode revRecTriggerCondition",
            "revenueRecognitionRuleName rolloverApply rolloverPeriods rolloverPeriodLength",
            "chargeLevelMinCommitmentAmount estimatedStartDate upsellOriginChargeNumber parentChargeNumber",
            "parentUniqueToken isBillable validityPeriodType commitmentLevel drawdownScope vpAlignment",
            "vpAnchorDate vpProrationOption validityPeriodAlignment validityPeriodAnchorDate",
            "validityPeriodProrationOption specificValidityPeriodLength rolloverPeriodType",
            "rolloverFundPriority rolloverEndDateType rolloverEndDate fundSupportAccountHierarchy",
            "drawdownPriority clearingExistingRolloverPeriodType clearingExistingRolloverPeriodLength",
            "pricingAttributes negotiatedPriceTable",
        ]
    ),
)

_PLAN_KEYS = {
    "productRatePlanId": s(32),
    "productRatePlanNumber": s(100),
    "externalCatalogPlanId": s(255),
    "externallyManagedPlanId": s(255),
    "chargeOverrides": lo(CHARGE_OVERRIDE),
    "uniqueToken": s(50),
    "customFields": cf("RatePlan"),
    "subscriptionRatePlanNumber": s(50),
    "ratePlanName": s(255),
    "isFromExternalCatalog": b(),
}
_PLAN_PASSTHROUGH = "subscriptionProductFeatures clearingExistingFeatures isAddingSubsetCharges"
RATE_PLAN_OVERRIDE = schema(_PLAN_KEYS, _PLAN_PASSTHROUGH)
SUBSCRIBE_TO_PRODUCT = schema(_PLAN_KEYS, _PLAN_PASSTHROUGH)
ADD_PRODUCT = schema(_PLAN_KEYS, _PLAN_PASSTHROUGH + " ratePlanOverrides")

CHARGE_UPDATE = schema(
    {
        "chargeNumber": s(50),
        "uniqueToken": s(50),
        "productRatePlanChargeId": s(32),
        "productRatePlanChargeNumber": s(100),
        "pricing": o(PRICING_UPDATE),
        "description": s(500),
        "customFields": cf("RatePlanCharge"),
        "clearingCustomFields": strs(),
        "effectiveDate": o(TRIGGER_PARAMS),
        "billing": o(schema({"billingPeriodAlignment": s(enum=ALIGNMENTS)})),
        "estimatedStartDate": d(),
    },
    passthrough="prepaidQuantity pricingAttributes negotiatedPriceTable",
)

_PLAN_REF = {
    "ratePlanId": s(32),
    "subscriptionRatePlanNumber": s(50),
    "uniqueToken": s(50),
    "externalCatalogPlanId": s(255),
    "productRatePlanNumber": s(100),
}

UPDATE_PRODUCT = schema(
    {
        **_PLAN_REF,
        "chargeUpdates": lo(CHARGE_UPDATE),
        "customFields": cf("RatePlan"),
        "clearingCustomFields": strs(),
        "specificUpdateDate": d(),
    },
    passthrough="chargeOverrides chargeRemovals clearingExistingFeatures subscriptionProductFeatures "
    "isAddingSubsetCharges",
)

CHARGE_REMOVE = schema(
    {
        "chargeNumber": s(50),
        "productRatePlanChargeId": s(32),
        "productRatePlanNumber": s(100),
        "uniqueToken": s(50),
        "customFields": cf("RatePlanCharge"),
    },
)

REMOVE_PRODUCT = schema(
    {**_PLAN_REF, "productRatePlanId": s(32), "customFields": cf("RatePlan"), "chargeUpdates": lo(CHARGE_REMOVE)},
)

RENEWAL_TERM = schema({"period": i(lo=0), "periodType": s(enum=PERIOD_TYPES)})
INITIAL_TERM = schema(
    {
        "termType": s(enum=TERM_TYPES, req=True),
        "period": i(lo=0),
        "periodType": s(enum=PERIOD_TYPES),
        "startDate": d(),
        "endDate": d(),
    },
)
LAST_TERM = schema(dict(INITIAL_TERM))
TERMS = schema(
    {
        "initialTerm": o(INITIAL_TERM, req=True),
        "renewalSetting": s(enum=RENEWAL_SETTINGS),
        "renewalTerms": lo(RENEWAL_TERM),
        "autoRenew": b(),
    },
)

_CONTACT_REFS = {
    "billToContactId": s(32),
    "soldToContactId": s(32),
    "shipToContactId": s(32),
    "billToContact": o(CONTACT),
    "soldToContact": o(CONTACT),
    "shipToContact": o(CONTACT),
}
_SUB_ATTRS = {
    "paymentTerm": s(),
    "invoiceTemplateId": s(32),
    "sequenceSetId": s(32),
    "communicationProfileId": s(32),
    "invoiceGroupNumber": s(255),
}
_CLEARING = (
    "clearingExistingBillToContact clearingExistingInvoiceGroupNumber clearingExistingInvoiceTemplate "
    "clearingExistingPaymentTerm clearingExistingSequenceSet clearingExistingSoldToContact "
    "clearingExistingShipToContact clearingExistingCommunicationProfile"
)

CREATE_SUBSCRIPTION = schema(
    {
        "terms": o(TERMS),
        "subscribeToRatePlans": lo(RATE_PLAN_OVERRIDE),
        "subscribeToProducts": lo(SUBSCRIBE_TO_PRODUCT),
        "subscriptionNumber": s(100),
        "subscriptionOwnerAccountNumber": s(70),
        "invoiceOwnerAccountNumber": s(70),
        "newSubscriptionOwnerAccount": o(NEW_ACCOUNT),
        "notes": s(1000),
        "invoiceSeparately": b(),
        "currency": s(3),
        "uniqueToken": s(50),
        **_CONTACT_REFS,
        **_SUB_ATTRS,
    },
)

TERMS_AND_CONDITIONS = schema(
    {
        "autoRenew": b(),
        "lastTerm": o(LAST_TERM),
        "renewalSetting": s(enum=RENEWAL_SETTINGS),
        "renewalTerms": lo(RENEWAL_TERM),
        "invoiceSeparately": b(),
        "scheduledCancelDate": d(),
        "scheduledSuspendDate": d(),
        "scheduledResumeDate": d(),
        **_CONTACT_REFS,
        **_SUB_ATTRS,
    },
    passthrough=_CLEARING + " termIncreaseToNewContractLine clearingScheduledCancelDate clearingScheduledSuspendDate "
    "clearingScheduledResumeDate",
)

RENEW_SUBSCRIPTION = schema({**_CONTACT_REFS, **_SUB_ATTRS}, passthrough=_CLEARING)

CANCEL_SUBSCRIPTION = schema(
    {"cancellationPolicy": s(enum=CANCELLATION_POLICIES, req=True), "cancellationEffectiveDate": d()},
)

OWNER_TRANSFER = schema(
    {
        "destinationAccountNumber": s(70),
        "destinationInvoiceAccountNumber": s(70),
        **_CONTACT_REFS,
        **_SUB_ATTRS,
    },
    passthrough=_CLEARING + " paymentProfile",
)

SUSPEND = schema(
    {
        "suspendPolicy": s(enum=SUSPEND_POLICIES, req=True),
        "suspendPeriods": i(lo=1),
        "suspendPeriodsType": s(enum=PERIOD_TYPES),
        "suspendSpecificDate": d(),
    },
)

RESUME = schema(
    {
        "resumePolicy": s(enum=RESUME_POLICIES, req=True),
        "resumePeriods": i(lo=1),
        "resumePeriodsType": s(enum=PERIOD_TYPES),
        "resumeSpecificDate": d(),
        "extendsTerm": b(),
    },
)

CHANGE_PLAN = schema(
    {
        "newProductRatePlan": o(schema(_PLAN_KEYS, _PLAN_PASSTHROUGH), req=True),
        "ratePlanId": s(32),
        "productRatePlanId": s(32),
        "productRatePlanNumber": s(100),
        "subscriptionRatePlanNumber": s(50),
        "externalCatalogPlanId": s(255),
        "effectivePolicy": s(enum=("EffectiveImmediately", "EffectiveEndOfBillingPeriod", "SpecificDate")),
        "subType": s(enum=("Upgrade", "Downgrade", "Crossgrade", "PlanChanged")),
        "resetBcd": b(),
    }
)

TRIGGER_DATE = schema({"name": s(enum=TRIGGER_NAMES, req=True), "triggerDate": d(req=True)})

ORDER_ACTION = schema(
    {
        "type": s(enum=ACTION_TYPES, req=True),
        "triggerDates": lo(TRIGGER_DATE),
        "customFields": cf("OrderAction"),
        "changeReason": s(255),
        "createSubscription": o(CREATE_SUBSCRIPTION),
        "addProduct": o(ADD_PRODUCT),
        "updateProduct": o(UPDATE_PRODUCT),
        "removeProduct": o(REMOVE_PRODUCT),
        "termsAndConditions": o(TERMS_AND_CONDITIONS),
        "renewSubscription": o(RENEW_SUBSCRIPTION),
        "cancelSubscription": o(CANCEL_SUBSCRIPTION),
        "ownerTransfer": o(OWNER_TRANSFER),
        "suspend": o(SUSPEND),
        "resume": o(RESUME),
        "changePlan": o(CHANGE_PLAN),
    },
)

# Body key of each action type (zuora-api.md §3.5).
ACTION_BODY_KEYS: dict[str, str] = {t: t[0].lower() + t[1:] for t in ACTION_TYPES}

QUOTE = schema(
    {
        "OpportunityCloseDate__QT": d(),
        "OpportunityName__QT": s(100),
        "QuoteBusinessType__QT": s(32),
        "QuoteNumber__QT": s(32),
        "QuoteType__QT": s(32),
    },
)

ORDER_SUBSCRIPTION = schema(
    {
        "orderActions": lo(ORDER_ACTION, req=True),
        "subscriptionNumber": s(100),
        "customFields": cf("Subscription"),
        "clearingCustomFields": strs(),
        "notes": s(1000),
        "quote": o(QUOTE),
    },
    passthrough="ramp",
)

ORDER_LINE_ITEM = schema(
    {
        "itemName": s(255),
        "itemType": s(),
        "itemNumber": s(100),
        "productRatePlanChargeId": s(32),
        "productCode": s(100),
        "quantity": n(lo=0),
        "listPricePerUnit": n(),
        "amountPerUnit": n(),
        "inlineDiscountType": s(enum=INLINE_DISCOUNT_TYPES),
        "inlineDiscountPerUnit": n(),
        "UOM": s(),
        "description": s(500),
        "transactionStartDate": d(),
        "transactionEndDate": d(),
        "billTargetDate": d(),
        "itemState": s(enum=ITEM_STATES),
        "itemCategory": s(enum=ITEM_CATEGORIES),
        "billingRule": s(enum=BILLING_RULES),
        "ownerAccountNumber": s(70),
        "relatedSubscriptionNumber": s(100),
        "uniqueToken": s(50),
        "purchaseOrderNumber": s(100),
        "currency": s(3),
        "paymentTerm": s(),
        "taxCode": s(64),
        "taxMode": s(),
        "customFields": cf("OrderLineItem"),
    },
    passthrough=" ".join(
        [
            "accountingCode adjustmentLiabilityAccountingCode adjustmentRevenueAccountingCode",
            "invoiceTemplateId communicationProfileId billTo billingSchedule contractAssetAccountingCode",
            "contractLiabilityAccountingCode contractRecognizedRevenueAccountingCode",
            "deferredRevenueAccountingCode excludeItemBillingFromRevenueAccounting",
            "excludeItemBookingFromRevenueAccounting invoiceGroupNumber isAllocationEligible isUnbilled",
            "originalOrderLineItemNumber originalOrderNumber recognizedRevenueAccountingCode",
            "revenueRecognitionRule sequenceSetId soldTo shipTo unbilledReceivablesAccountingCode",
            "prepaidQuantity prepaidUom drawdownPriority prepaymentUnitType drawdownScope",
            "fundSupportAccountHierarchy validityPeriodType specificValidityPeriodLength numberOfValidityPeriods",
        ]
    ),
)

BILLING_OPTIONS = schema(
    {"targetDate": d(), "documentDate": d(), "generateDraftInvoice": b(), "creditMemoReasonCode": s()},
    passthrough="chargeTypeToExclude",
)

_PROCESSING = {
    "runBilling": b(),
    "collectPayment": b(),
    "billingOptions": o(BILLING_OPTIONS),
    "applyCredit": b(),
    "applyCreditBalance": b(),
}
PROCESSING_OPTIONS = schema(
    {**_PROCESSING, "allowPaymentFailure": b(), "refund": b(), "writeOff": b(), "refundAmount": n()},
    passthrough="applicationOrder electronicPaymentOptions refundReasonCode reAssociation writeOffBehavior",
)
ASYNC_PROCESSING_OPTIONS = schema(_PROCESSING, passthrough="applicationOrder electronicPaymentOptions")

_ORDER_KEYS = {
    "orderDate": d(req=True),
    "orderNumber": s(100),
    "existingAccountNumber": s(70),
    "newAccount": o(NEW_ACCOUNT),
    "description": s(500),
    "category": s(enum=ORDER_CATEGORIES),
    "reasonCode": s(255),
    "customFields": cf("Order"),
    "subscriptions": lo(ORDER_SUBSCRIPTION),
    "orderLineItems": lo(ORDER_LINE_ITEM),
}
CREATE_ORDER = schema(
    {**_ORDER_KEYS, "status": s(enum=ORDER_STATUSES), "processingOptions": o(PROCESSING_OPTIONS)},
    passthrough="schedulingOptions commitments",
)
CREATE_ORDER_ASYNC = schema(
    {
        **_ORDER_KEYS,
        "processingOptions": o(ASYNC_PROCESSING_OPTIONS),
        "externallyManagedBy": s(enum=("Amazon", "Apple", "Google", "Roku")),
    },
)
