"""The generated org's product catalog: one or more products for every charge model of connector-spec §2.8.

Prices are list prices for a product's whole default term, in USD; other currencies are derived with
fixed rates so every product has a price book entry in every currency the org trades in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from cpq_desktop.sandbox.salesforce.generator.context import GenContext
from cpq_desktop.sandbox.salesforce.generator.dates import ANCHOR_DATE, at_time

CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "JPY")
CORPORATE_CURRENCY = "USD"
# Units of a currency per USD; JPY has no minor unit, so its prices are whole numbers.
FX_RATES: dict[str, float] = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 150.0}
PARTNER_DISCOUNT = 15.0  # percent below list in the partner price book


class ChargeModel(StrEnum):
    """Rows of the charge model table in connector-spec §2.8."""

    ONE_TIME_FLAT_FEE = "One-time / Flat Fee"
    ONE_TIME_PER_UNIT = "One-time / Per Unit"
    RECURRING_FLAT_FEE = "Recurring / Flat Fee"
    RECURRING_PER_UNIT = "Recurring / Per Unit"
    USAGE_FLAT_FEE = "Usage / Flat Fee"
    USAGE_PER_UNIT = "Usage / Per Unit"
    USAGE_VOLUME = "Usage / Volume"
    USAGE_TIERED = "Usage / Tiered"


@dataclass(frozen=True)
class RateDef:
    lower: int
    upper: int | None  # exclusive, None = open-ended (Salesforce convention)
    price_usd: float
    pricing_method: str  # PerUnit | FlatFee


@dataclass(frozen=True)
class ScheduleDef:
    key: str
    name: str
    type: str  # Range (volume) | Slab (tiered)
    unit_of_measure: str
    rates: tuple[RateDef, ...]
    description: str


@dataclass(frozen=True)
class ProductDef:
    key: str
    name: str
    code: str
    family: str
    charge_model: ChargeModel
    charge_type: str
    pricing_method: str
    list_price_usd: float
    billing_type: str | None = None
    billing_frequency: str | None = None
    subscription_pricing: str | None = None
    subscription_type: str | None = None
    subscription_term: int | None = None
    unit_of_measure: str = "Each"
    description: str = ""
    schedules: tuple[ScheduleDef, ...] = ()
    is_active: bool = True
    is_component: bool = False
    asset_conversion: str | None = None
    taxable: bool = True
    mdq_dimension: str | None = None
    bundle_components: tuple[str, ...] = field(default=())

    @property
    def is_subscription(self) -> bool:
        """CPQ contracts these lines into SBQQ__Subscription__c records (recurring and usage charges)."""
        return self.charge_type in ("Recurring", "Usage") and self.subscription_pricing is not None

    @property
    def is_evergreen(self) -> bool:
        return self.subscription_type == "Evergreen"


STORAGE_VOLUME = ScheduleDef(
    key="storage",
    name="Storage Volume Pricing",
    type="Range",
    unit_of_measure="GB",
    rates=(
        RateDef(0, 1000, 0.10, "PerUnit"),
        RateDef(1000, 10000, 0.08, "PerUnit"),
        RateDef(10000, None, 0.05, "PerUnit"),
    ),
    description="Volume pricing: the whole month's GB are priced at the rate of the band they reach.",
)
SMS_TIERED = ScheduleDef(
    key="sms",
    name="SMS Tiered Pricing",
    type="Slab",
    unit_of_measure="Message",
    rates=(
        RateDef(0, 10000, 100.0, "FlatFee"),
        RateDef(10000, 100000, 0.009, "PerUnit"),
        RateDef(100000, None, 0.006, "PerUnit"),
    ),
    description="Tiered pricing: a flat fee for the first 10,000 messages, then per message by slab.",
)
PIPELINE_ROWS = ScheduleDef(
    key="pipeline_rows",
    name="Pipeline Rows Volume Pricing",
    type="Range",
    unit_of_measure="Million Rows",
    rates=(
        RateDef(0, 50, 40.0, "PerUnit"),
        RateDef(50, 500, 30.0, "PerUnit"),
        RateDef(500, None, 20.0, "PerUnit"),
    ),
    description="Rows processed per month, volume pricing.",
)
PIPELINE_EGRESS = ScheduleDef(
    key="pipeline_egress",
    name="Pipeline Egress Tiered Pricing",
    type="Slab",
    unit_of_measure="GB",
    rates=(
        RateDef(0, 100, 0.0, "PerUnit"),
        RateDef(100, 1000, 0.12, "PerUnit"),
        RateDef(1000, None, 0.09, "PerUnit"),
    ),
    description="Data leaving the platform per month; the first 100 GB are free.",
)

PRODUCTS: tuple[ProductDef, ...] = (
    ProductDef(
        key="implementation",
        name="Implementation Services",
        code="PS-IMPL-001",
        family="Services",
        charge_model=ChargeModel.ONE_TIME_FLAT_FEE,
        charge_type="One-Time",
        pricing_method="Block",
        list_price_usd=15000.0,
        description="Fixed-fee onboarding project, delivered once.",
        asset_conversion="One per quote line",
    ),
    ProductDef(
        key="appliance",
        name="Edge Appliance",
        code="HW-EDGE-100",
        family="Hardware",
        charge_model=ChargeModel.ONE_TIME_PER_UNIT,
        charge_type="One-Time",
        pricing_method="List",
        list_price_usd=2400.0,
        description="Rack-mounted edge gateway, priced per unit.",
        asset_conversion="One per unit",
    ),
    ProductDef(
        key="training",
        name="Training Credits",
        code="PS-TRN-010",
        family="Services",
        charge_model=ChargeModel.ONE_TIME_PER_UNIT,
        charge_type="One-Time",
        pricing_method="List",
        list_price_usd=500.0,
        unit_of_measure="Credit",
        description="Instructor-led training, one credit per attendee-day.",
        asset_conversion="One per quote line",
        taxable=False,
    ),
    ProductDef(
        key="platform",
        name="Platform Edition",
        code="SUB-PLAT-ENT",
        family="Software",
        charge_model=ChargeModel.RECURRING_FLAT_FEE,
        charge_type="Recurring",
        pricing_method="Block",
        list_price_usd=36000.0,
        billing_type="Advance",
        billing_frequency="Annual",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        description="Enterprise platform licence, flat annual fee.",
    ),
    ProductDef(
        key="seats",
        name="User Seats",
        code="SUB-SEAT-STD",
        family="Software",
        charge_model=ChargeModel.RECURRING_PER_UNIT,
        charge_type="Recurring",
        pricing_method="List",
        list_price_usd=600.0,
        billing_type="Advance",
        billing_frequency="Monthly",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        unit_of_measure="Seat",
        description="Named user licence, priced per seat per year.",
    ),
    ProductDef(
        key="support",
        name="Premium Support",
        code="SUB-SUP-PRM",
        family="Support",
        charge_model=ChargeModel.RECURRING_FLAT_FEE,
        charge_type="Recurring",
        pricing_method="Block",
        list_price_usd=8000.0,
        billing_type="Advance",
        billing_frequency="Quarterly",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        description="24x7 support with a named engineer, billed quarterly.",
    ),
    ProductDef(
        key="burst",
        name="Dedicated Burst Capacity",
        code="USG-BURST-BLK",
        family="Usage",
        charge_model=ChargeModel.USAGE_FLAT_FEE,
        charge_type="Usage",
        pricing_method="Block",
        list_price_usd=250.0,
        billing_type="Arrears",
        billing_frequency="Monthly",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        unit_of_measure="Block",
        description="Reserved burst capacity, a flat fee for each month it is used.",
    ),
    ProductDef(
        key="api_calls",
        name="API Calls",
        code="USG-API-1K",
        family="Usage",
        charge_model=ChargeModel.USAGE_PER_UNIT,
        charge_type="Usage",
        pricing_method="List",
        list_price_usd=0.5,
        billing_type="Arrears",
        billing_frequency="Monthly",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        unit_of_measure="1K Calls",
        description="Metered API traffic, per thousand calls.",
    ),
    ProductDef(
        key="storage",
        name="Data Storage",
        code="USG-STOR-GB",
        family="Usage",
        charge_model=ChargeModel.USAGE_VOLUME,
        charge_type="Usage",
        pricing_method="List",
        list_price_usd=0.0,
        billing_type="Arrears",
        billing_frequency="Monthly",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        unit_of_measure="GB",
        schedules=(STORAGE_VOLUME,),
        description="Stored data, rated monthly by volume band.",
    ),
    ProductDef(
        key="sms",
        name="SMS Messaging",
        code="USG-SMS-MSG",
        family="Usage",
        charge_model=ChargeModel.USAGE_TIERED,
        charge_type="Usage",
        pricing_method="List",
        list_price_usd=0.0,
        billing_type="Arrears",
        billing_frequency="Monthly",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        unit_of_measure="Message",
        schedules=(SMS_TIERED,),
        description="Outbound SMS, rated monthly by tier.",
    ),
    ProductDef(
        key="pipeline",
        name="Data Pipeline",
        code="USG-PIPE-DUAL",
        family="Usage",
        charge_model=ChargeModel.USAGE_VOLUME,
        charge_type="Usage",
        pricing_method="List",
        list_price_usd=0.0,
        billing_type="Arrears",
        billing_frequency="Monthly",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        unit_of_measure="Million Rows",
        schedules=(PIPELINE_ROWS, PIPELINE_EGRESS),
        description="Managed pipelines with two usage charges: rows processed (volume) and egress (tiered).",
    ),
    ProductDef(
        key="hosting",
        name="Managed Hosting",
        code="SUB-HOST-EVG",
        family="Software",
        charge_model=ChargeModel.RECURRING_PER_UNIT,
        charge_type="Recurring",
        pricing_method="List",
        list_price_usd=150.0,
        billing_type="Advance",
        billing_frequency="Monthly",
        subscription_pricing="Fixed Price",
        subscription_type="Evergreen",
        subscription_term=1,
        unit_of_measure="Node",
        description="Month-to-month hosting per node, runs until cancelled.",
    ),
    ProductDef(
        key="mdq_seats",
        name="Enterprise Seats (Multi-Year)",
        code="SUB-SEAT-MDQ",
        family="Software",
        charge_model=ChargeModel.RECURRING_PER_UNIT,
        charge_type="Recurring",
        pricing_method="List",
        list_price_usd=540.0,
        billing_type="Advance",
        billing_frequency="Annual",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        unit_of_measure="Seat",
        mdq_dimension="Year",
        description="Seats quoted by year (multi-dimensional quoting), ramping over a three-year deal.",
    ),
    ProductDef(
        key="bundle",
        name="Growth Bundle",
        code="BND-GROWTH",
        family="Software",
        charge_model=ChargeModel.RECURRING_FLAT_FEE,
        charge_type="Recurring",
        pricing_method="Block",
        list_price_usd=24000.0,
        billing_type="Advance",
        billing_frequency="Annual",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        description="Platform, analytics and a sandbox environment sold together.",
        bundle_components=("bundle_analytics", "bundle_sandbox"),
    ),
    ProductDef(
        key="bundle_analytics",
        name="Analytics Add-on",
        code="BND-GROWTH-ANL",
        family="Software",
        charge_model=ChargeModel.RECURRING_PER_UNIT,
        charge_type="Recurring",
        pricing_method="List",
        list_price_usd=1200.0,
        billing_type="Advance",
        billing_frequency="Annual",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        is_component=True,
        description="Dashboards and reporting; included in the Growth Bundle.",
    ),
    ProductDef(
        key="bundle_sandbox",
        name="Sandbox Environment",
        code="BND-GROWTH-SBX",
        family="Software",
        charge_model=ChargeModel.RECURRING_PER_UNIT,
        charge_type="Recurring",
        pricing_method="List",
        list_price_usd=3000.0,
        billing_type="Advance",
        billing_frequency="Annual",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        unit_of_measure="Environment",
        is_component=True,
        description="A full-copy test environment; included in the Growth Bundle.",
    ),
    ProductDef(
        key="legacy",
        name="Legacy Starter Plan",
        code="SUB-LEG-STR",
        family="Software",
        charge_model=ChargeModel.RECURRING_FLAT_FEE,
        charge_type="Recurring",
        pricing_method="Block",
        list_price_usd=1200.0,
        billing_type="Advance",
        billing_frequency="Semiannual",
        subscription_pricing="Fixed Price",
        subscription_type="Renewable",
        subscription_term=12,
        description="Retired plan kept for existing customers; no longer sold.",
        is_active=False,
    ),
)

PRODUCTS_BY_KEY: dict[str, ProductDef] = {product.key: product for product in PRODUCTS}


def convert(amount_usd: float, currency: str) -> float:
    """A list price in ``currency``: whole yen, cents elsewhere (sub-cent usage rates keep 4 decimals)."""
    value = amount_usd * FX_RATES[currency]
    if currency == "JPY" and value >= 1:
        return float(round(value))
    return round(value, 2) if value >= 1 else round(value, 4)


def round_money(amount: float, currency: str) -> float:
    """An amount rounded to the currency's minor unit."""
    return float(round(amount)) if currency == "JPY" else round(amount, 2)


def add_catalog(ctx: GenContext) -> None:
    """Price books, products, price book entries in every currency, and consumption schedules with rates."""
    created = at_time(ANCHOR_DATE - timedelta(days=2200), 9, 0)
    catalog = ctx.catalog
    catalog.pricebooks["standard"] = ctx.add(
        "Pricebook2",
        {"Name": "Standard Price Book", "IsActive": True, "IsStandard": True, "Description": "List prices"},
        at=created,
    )
    catalog.pricebooks["partner"] = ctx.add(
        "Pricebook2",
        {
            "Name": "Partner Price Book",
            "IsActive": True,
            "IsStandard": False,
            "Description": f"Resellers: {PARTNER_DISCOUNT:g}% below list",
        },
        at=created,
    )
    for product in PRODUCTS:
        catalog.products[product.key] = ctx.add(
            "Product2",
            {
                "Name": product.name,
                "ProductCode": product.code,
                "StockKeepingUnit": product.code,
                "Family": product.family,
                "IsActive": product.is_active,
                "Description": product.description,
                "QuantityUnitOfMeasure": product.unit_of_measure,
                "CurrencyIsoCode": CORPORATE_CURRENCY,
                "SBQQ__ChargeType__c": product.charge_type,
                "SBQQ__BillingType__c": product.billing_type,
                "SBQQ__BillingFrequency__c": product.billing_frequency,
                "SBQQ__PricingMethod__c": product.pricing_method,
                "SBQQ__SubscriptionPricing__c": product.subscription_pricing,
                "SBQQ__SubscriptionType__c": product.subscription_type,
                "SBQQ__SubscriptionTerm__c": float(product.subscription_term) if product.subscription_term else None,
                "SBQQ__SubscriptionBase__c": "List" if product.is_subscription else None,
                "SBQQ__HasConsumptionSchedule__c": bool(product.schedules),
                "SBQQ__AssetConversion__c": product.asset_conversion,
                "SBQQ__Component__c": product.is_component,
                "SBQQ__NonDiscountable__c": product.is_component,
                "SBQQ__Taxable__c": product.taxable,
                "TaxMode__c": "TaxExclusive" if product.taxable else None,
                # Names from Zuora's default chart of accounts; one-time products keep the connector's default.
                "Z_Accounting_Code__c": "Subscription Revenue" if product.is_subscription else None,
                "Z_Deferred_Revenue_Account__c": "Deferred Revenue" if product.charge_type == "Recurring" else None,
                "Z_Recognized_Revenue_Account__c": "Subscription Revenue" if product.is_subscription else None,
            },
            at=created,
        )
    for pricebook, discount in (("standard", 0.0), ("partner", PARTNER_DISCOUNT)):
        for product in PRODUCTS:
            for currency in ctx.currencies:
                price = round_money(convert(product.list_price_usd, currency) * (1 - discount / 100.0), currency)
                if product.list_price_usd < 1:
                    price = convert(product.list_price_usd * (1 - discount / 100.0), currency)
                entry = ctx.add(
                    "PricebookEntry",
                    {
                        "Pricebook2Id": catalog.pricebooks[pricebook],
                        "Product2Id": catalog.products[product.key],
                        "UnitPrice": price,
                        "IsActive": product.is_active,
                        "UseStandardPrice": False,
                        "CurrencyIsoCode": currency,
                    },
                    at=created,
                )
                catalog.entries[(pricebook, product.key, currency)] = (entry, price)
    schedules = {schedule.key: schedule for product in PRODUCTS for schedule in product.schedules}
    for schedule in schedules.values():
        for currency in ctx.currencies:
            schedule_ref = ctx.add(
                "ConsumptionSchedule",
                {
                    "Name": f"{schedule.name} ({currency})" if len(ctx.currencies) > 1 else schedule.name,
                    "IsActive": True,
                    "Type": schedule.type,
                    "RatingMethod": "Tier",
                    "BillingTerm": 1,
                    "BillingTermUnit": "Month",
                    "UnitOfMeasure": schedule.unit_of_measure,
                    "Description": schedule.description,
                    "CurrencyIsoCode": currency,
                    "NumberOfRates": len(schedule.rates),
                },
                at=created,
            )
            catalog.schedules[(schedule.key, currency)] = schedule_ref
            for processing_order, rate in enumerate(schedule.rates, start=1):
                ctx.add(
                    "ConsumptionRate",
                    {
                        "ConsumptionScheduleId": schedule_ref,
                        "LowerBound": float(rate.lower),
                        "UpperBound": float(rate.upper) if rate.upper is not None else None,
                        "Price": convert(rate.price_usd, currency),
                        "PricingMethod": rate.pricing_method,
                        "ProcessingOrder": processing_order,
                        "CurrencyIsoCode": currency,
                    },
                    at=created,
                )
    for product in PRODUCTS:
        for schedule in product.schedules:
            for currency in ctx.currencies:
                catalog.product_schedules[(product.key, schedule.key, currency)] = ctx.add(
                    "ProductConsumptionSchedule",
                    {
                        "ProductId": catalog.products[product.key],
                        "ConsumptionScheduleId": catalog.schedules[(schedule.key, currency)],
                    },
                    at=created,
                )
