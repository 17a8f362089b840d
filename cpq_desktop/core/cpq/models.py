"""Typed models of the Salesforce CPQ records a billing sync reads (salesforce-api.md §4.1–§4.2).

Field names are Pythonic; each alias is the Salesforce API name. Only what the connector's own logic
needs is typed; everything a mapping reads stays reachable through :attr:`SfRecord.raw`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field, field_validator

from cpq_desktop.core.cpq.records import SfRecord


def _decimal(value: Any) -> Any:
    # JSON numbers arrive as floats; go through their shortest repr so 19.99 stays 19.99.
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


class _DecimalFields(SfRecord):
    @field_validator("*", mode="before")
    @classmethod
    def _floats_to_decimal(cls, value: Any) -> Any:
        return _decimal(value)


class Account(SfRecord):
    SOBJECT: ClassVar[str] = "Account"

    name: str | None = Field(default=None, alias="Name")
    account_number: str | None = Field(default=None, alias="AccountNumber")
    parent_id: str | None = Field(default=None, alias="ParentId")
    owner_id: str | None = Field(default=None, alias="OwnerId")
    currency: str | None = Field(default=None, alias="CurrencyIsoCode")
    billing_street: str | None = Field(default=None, alias="BillingStreet")
    billing_city: str | None = Field(default=None, alias="BillingCity")
    billing_state: str | None = Field(default=None, alias="BillingState")
    billing_postal_code: str | None = Field(default=None, alias="BillingPostalCode")
    billing_country: str | None = Field(default=None, alias="BillingCountry")
    shipping_street: str | None = Field(default=None, alias="ShippingStreet")
    shipping_city: str | None = Field(default=None, alias="ShippingCity")
    shipping_state: str | None = Field(default=None, alias="ShippingState")
    shipping_postal_code: str | None = Field(default=None, alias="ShippingPostalCode")
    shipping_country: str | None = Field(default=None, alias="ShippingCountry")

    @property
    def has_billing_address(self) -> bool:
        """Zuora's connector needs at least country and state of the billing address (connector-spec §2.1)."""
        return bool(self.billing_country and self.billing_state)

    @property
    def has_shipping_address(self) -> bool:
        return any((self.shipping_street, self.shipping_city, self.shipping_country))


class Contact(SfRecord):
    SOBJECT: ClassVar[str] = "Contact"

    account_id: str | None = Field(default=None, alias="AccountId")
    first_name: str | None = Field(default=None, alias="FirstName")
    last_name: str | None = Field(default=None, alias="LastName")
    email: str | None = Field(default=None, alias="Email")


class Product(SfRecord):
    SOBJECT: ClassVar[str] = "Product2"

    name: str | None = Field(default=None, alias="Name")
    product_code: str | None = Field(default=None, alias="ProductCode")
    is_active: bool | None = Field(default=None, alias="IsActive")
    charge_type: str | None = Field(default=None, alias="SBQQ__ChargeType__c")
    billing_type: str | None = Field(default=None, alias="SBQQ__BillingType__c")
    billing_frequency: str | None = Field(default=None, alias="SBQQ__BillingFrequency__c")
    pricing_method: str | None = Field(default=None, alias="SBQQ__PricingMethod__c")
    subscription_pricing: str | None = Field(default=None, alias="SBQQ__SubscriptionPricing__c")
    subscription_type: str | None = Field(default=None, alias="SBQQ__SubscriptionType__c")
    has_consumption_schedule: bool | None = Field(default=None, alias="SBQQ__HasConsumptionSchedule__c")

    @property
    def is_usage(self) -> bool:
        return self.charge_type == "Usage" or bool(self.has_consumption_schedule)


class PricebookEntry(_DecimalFields):
    """A product's price in one price book and currency (the catalog's currencies and list prices, §2.8)."""

    SOBJECT: ClassVar[str] = "PricebookEntry"

    product_id: str = Field(alias="Product2Id")
    pricebook_id: str | None = Field(default=None, alias="Pricebook2Id")
    unit_price: Decimal | None = Field(default=None, alias="UnitPrice")
    is_active: bool | None = Field(default=None, alias="IsActive")
    currency: str | None = Field(default=None, alias="CurrencyIsoCode")


class Organization(SfRecord):
    """The org itself: its corporate currency is the default of records without a currency."""

    SOBJECT: ClassVar[str] = "Organization"

    name: str | None = Field(default=None, alias="Name")
    default_currency: str | None = Field(default=None, alias="DefaultCurrencyIsoCode")
    is_sandbox: bool | None = Field(default=None, alias="IsSandbox")


class ConsumptionSchedule(SfRecord):
    SOBJECT: ClassVar[str] = "ConsumptionSchedule"

    name: str | None = Field(default=None, alias="Name")
    type: str | None = Field(default=None, alias="Type")
    unit_of_measure: str | None = Field(default=None, alias="UnitOfMeasure")
    billing_term: int | None = Field(default=None, alias="BillingTerm")
    billing_term_unit: str | None = Field(default=None, alias="BillingTermUnit")
    currency: str | None = Field(default=None, alias="CurrencyIsoCode")


class ConsumptionRate(_DecimalFields):
    SOBJECT: ClassVar[str] = "ConsumptionRate"

    schedule_id: str = Field(alias="ConsumptionScheduleId")
    lower_bound: Decimal | None = Field(default=None, alias="LowerBound")
    upper_bound: Decimal | None = Field(default=None, alias="UpperBound")
    price: Decimal | None = Field(default=None, alias="Price")
    pricing_method: str | None = Field(default=None, alias="PricingMethod")
    processing_order: int | None = Field(default=None, alias="ProcessingOrder")


class ProductConsumptionSchedule(SfRecord):
    """The link of a product to a consumption schedule: its id keys the usage rate plan in Zuora (§2.8)."""

    SOBJECT: ClassVar[str] = "ProductConsumptionSchedule"

    product_id: str = Field(alias="ProductId")
    schedule_id: str = Field(alias="ConsumptionScheduleId")


class Opportunity(SfRecord):
    SOBJECT: ClassVar[str] = "Opportunity"

    account_id: str | None = Field(default=None, alias="AccountId")
    close_date: date | None = Field(default=None, alias="CloseDate")
    amended_contract_id: str | None = Field(default=None, alias="SBQQ__AmendedContract__c")
    renewed_contract_id: str | None = Field(default=None, alias="SBQQ__RenewedContract__c")
    is_renewal: bool | None = Field(default=None, alias="SBQQ__Renewal__c")


class Quote(SfRecord):
    SOBJECT: ClassVar[str] = "SBQQ__Quote__c"

    name: str | None = Field(default=None, alias="Name")
    type: str | None = Field(default=None, alias="SBQQ__Type__c")
    start_date: date | None = Field(default=None, alias="SBQQ__StartDate__c")
    end_date: date | None = Field(default=None, alias="SBQQ__EndDate__c")
    subscription_term: float | None = Field(default=None, alias="SBQQ__SubscriptionTerm__c")
    master_contract_id: str | None = Field(default=None, alias="SBQQ__MasterContract__c")


class Contract(SfRecord):
    SOBJECT: ClassVar[str] = "Contract"

    account_id: str | None = Field(default=None, alias="AccountId")
    contract_number: str | None = Field(default=None, alias="ContractNumber")
    status: str | None = Field(default=None, alias="Status")
    start_date: date | None = Field(default=None, alias="StartDate")
    end_date: date | None = Field(default=None, alias="EndDate")
    order_id: str | None = Field(default=None, alias="SBQQ__Order__c")
    quote_id: str | None = Field(default=None, alias="SBQQ__Quote__c")
    evergreen: bool | None = Field(default=None, alias="SBQQ__Evergreen__c")


class Order(SfRecord):
    SOBJECT: ClassVar[str] = "Order"

    order_number: str = Field(alias="OrderNumber")
    type: str | None = Field(default=None, alias="Type")
    status: str | None = Field(default=None, alias="Status")
    account_id: str = Field(alias="AccountId")
    opportunity_id: str | None = Field(default=None, alias="OpportunityId")
    contract_id: str | None = Field(default=None, alias="ContractId")
    quote_id: str | None = Field(default=None, alias="SBQQ__Quote__c")
    effective_date: date | None = Field(default=None, alias="EffectiveDate")
    end_date: date | None = Field(default=None, alias="EndDate")
    activated_date: datetime | None = Field(default=None, alias="ActivatedDate")
    currency: str | None = Field(default=None, alias="CurrencyIsoCode")
    bill_to_contact_id: str | None = Field(default=None, alias="BillToContactId")
    ship_to_contact_id: str | None = Field(default=None, alias="ShipToContactId")
    invoice_owner_id: str | None = Field(default=None, alias="InvoiceOwner__c")
    subscription_owner_id: str | None = Field(default=None, alias="SubscriptionOwner__c")
    system_modstamp: datetime | None = Field(default=None, alias="SystemModstamp")

    @property
    def label(self) -> str:
        return f"Order {self.order_number} ({self.id})"


class OrderItem(_DecimalFields):
    SOBJECT: ClassVar[str] = "OrderItem"

    order_id: str = Field(alias="OrderId")
    order_item_number: str | None = Field(default=None, alias="OrderItemNumber")
    product_id: str | None = Field(default=None, alias="Product2Id")
    pricebook_entry_id: str | None = Field(default=None, alias="PricebookEntryId")
    quantity: Decimal = Field(alias="Quantity")
    unit_price: Decimal | None = Field(default=None, alias="UnitPrice")
    list_price: Decimal | None = Field(default=None, alias="ListPrice")
    total_price: Decimal | None = Field(default=None, alias="TotalPrice")
    service_date: date | None = Field(default=None, alias="ServiceDate")
    end_date: date | None = Field(default=None, alias="EndDate")
    charge_type: str | None = Field(default=None, alias="SBQQ__ChargeType__c")
    billing_type: str | None = Field(default=None, alias="SBQQ__BillingType__c")
    billing_frequency: str | None = Field(default=None, alias="SBQQ__BillingFrequency__c")
    subscription_pricing: str | None = Field(default=None, alias="SBQQ__SubscriptionPricing__c")
    subscription_type: str | None = Field(default=None, alias="SBQQ__SubscriptionType__c")
    subscription_term: Decimal | None = Field(default=None, alias="SBQQ__SubscriptionTerm__c")
    subscription_id: str | None = Field(default=None, alias="SBQQ__Subscription__c")
    revised_order_product_id: str | None = Field(default=None, alias="SBQQ__RevisedOrderProduct__c")
    contract_action: str | None = Field(default=None, alias="SBQQ__ContractAction__c")
    contract_id: str | None = Field(default=None, alias="SBQQ__Contract__c")
    quote_line_id: str | None = Field(default=None, alias="SBQQ__QuoteLine__c")
    required_by_id: str | None = Field(default=None, alias="SBQQ__RequiredBy__c")
    segment_index: Decimal | None = Field(default=None, alias="SBQQ__SegmentIndex__c")
    segment_key: str | None = Field(default=None, alias="SBQQ__SegmentKey__c")
    terminated_date: date | None = Field(default=None, alias="SBQQ__TerminatedDate__c")
    currency: str | None = Field(default=None, alias="CurrencyIsoCode")

    @property
    def label(self) -> str:
        return f"OrderItem {self.order_item_number or ''} ({self.id})".replace("  ", " ")

    @property
    def first_order_product_id(self) -> str:
        """The chain's first order product: ``SBQQ__RevisedOrderProduct__c`` always points there (§4.4)."""
        return self.revised_order_product_id or self.id

    @property
    def is_revision(self) -> bool:
        return self.revised_order_product_id is not None

    @property
    def is_usage(self) -> bool:
        return self.charge_type == "Usage"

    @property
    def renewed_subscription_id(self) -> str | None:
        """The subscription a renewal line continues (its quote line's ``SBQQ__RenewedSubscription__c``)."""
        quote_line = self.raw.get("SBQQ__QuoteLine__r")
        return quote_line.get("SBQQ__RenewedSubscription__c") if isinstance(quote_line, dict) else None


class Subscription(_DecimalFields):
    SOBJECT: ClassVar[str] = "SBQQ__Subscription__c"

    name: str | None = Field(default=None, alias="Name")
    quantity: Decimal | None = Field(default=None, alias="SBQQ__Quantity__c")
    net_price: Decimal | None = Field(default=None, alias="SBQQ__NetPrice__c")
    start_date: date | None = Field(default=None, alias="SBQQ__StartDate__c")
    end_date: date | None = Field(default=None, alias="SBQQ__EndDate__c")
    terminated_date: date | None = Field(default=None, alias="SBQQ__TerminatedDate__c")
    revised_subscription_id: str | None = Field(default=None, alias="SBQQ__RevisedSubscription__c")
    order_product_id: str | None = Field(default=None, alias="SBQQ__OrderProduct__c")
    contract_id: str | None = Field(default=None, alias="SBQQ__Contract__c")
    product_id: str | None = Field(default=None, alias="SBQQ__Product__c")
    subscription_type: str | None = Field(default=None, alias="SBQQ__SubscriptionType__c")
    charge_type: str | None = Field(default=None, alias="SBQQ__ChargeType__c")
    billing_frequency: str | None = Field(default=None, alias="SBQQ__BillingFrequency__c")

    @property
    def is_evergreen(self) -> bool:
        return self.subscription_type == "Evergreen"


class OrderItemConsumptionRate(_DecimalFields):
    SOBJECT: ClassVar[str] = "SBQQ__OrderItemConsumptionRate__c"

    schedule_id: str = Field(alias="SBQQ__OrderItemConsumptionSchedule__c")
    lower_bound: Decimal | None = Field(default=None, alias="SBQQ__LowerBound__c")
    upper_bound: Decimal | None = Field(default=None, alias="SBQQ__UpperBound__c")
    price: Decimal | None = Field(default=None, alias="SBQQ__Price__c")
    pricing_method: str | None = Field(default=None, alias="SBQQ__PricingMethod__c")
    processing_order: Decimal | None = Field(default=None, alias="SBQQ__ProcessingOrder__c")


class OrderItemConsumptionSchedule(SfRecord):
    """CPQ's order-level copy of a product's consumption schedule; its rates are the usage tiers (§2.5)."""

    SOBJECT: ClassVar[str] = "SBQQ__OrderItemConsumptionSchedule__c"

    order_item_id: str = Field(alias="SBQQ__OrderItem__c")
    schedule_id: str | None = Field(default=None, alias="SBQQ__ConsumptionSchedule__c")
    type: str | None = Field(default=None, alias="SBQQ__Type__c")
    unit_of_measure: str | None = Field(default=None, alias="SBQQ__UnitOfMeasure__c")
    currency: str | None = Field(default=None, alias="CurrencyIsoCode")
    rates: tuple[OrderItemConsumptionRate, ...] = ()
