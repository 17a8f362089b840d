"""Which fields each extraction query selects: what the connector's logic needs plus what the mapping reads.

Parents travel as relationship paths of the query that reaches them (an order brings its account, its
opportunity, quote, contract, bill-to and ship-to contacts; an order product brings its product and its
CPQ subscription), so they cost no query of their own. A mapping section rooted at such a parent gets
its paths prefixed (``Name`` of the Product2 section becomes ``Product2.Name`` in the order product query),
and the parent's nested record then reads exactly as if it had been queried on its own.

Paths the mapping marks optional, and the connector's own optional fields, are kept only when describe
says the org has them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.extract.describe import OrgDescribe
from cpq_desktop.core.extract.soql import check_identifier
from cpq_desktop.core.mapping.apply import source_fields
from cpq_desktop.core.mapping.effective import EffectiveMapping

ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country")

ACCOUNT_FIELDS = (
    "Id",
    "Name",
    "AccountNumber",
    "ParentId",
    "OwnerId",
    "Description",
    *(f"Billing{p}" for p in ADDRESS_PARTS),
    *(f"Shipping{p}" for p in ADDRESS_PARTS),
)
CONTACT_FIELDS = (
    "Id",
    "AccountId",
    "FirstName",
    "LastName",
    "Email",
    "Phone",
    "MobilePhone",
    *(f"Mailing{p}" for p in ADDRESS_PARTS),
)
OPPORTUNITY_FIELDS = (
    "Id",
    "AccountId",
    "CloseDate",
    "SBQQ__AmendedContract__c",
    "SBQQ__RenewedContract__c",
    "SBQQ__Renewal__c",
)
QUOTE_FIELDS = (
    "Id",
    "Name",
    "SBQQ__Type__c",
    "SBQQ__StartDate__c",
    "SBQQ__EndDate__c",
    "SBQQ__SubscriptionTerm__c",
    "SBQQ__MasterContract__c",
)
CONTRACT_FIELDS = (
    "Id",
    "AccountId",
    "ContractNumber",
    "Status",
    "StartDate",
    "EndDate",
    "SBQQ__Order__c",
    "SBQQ__Quote__c",
    "SBQQ__Evergreen__c",
)
ORDER_FIELDS = (
    "Id",
    "OrderNumber",
    "Type",
    "Status",
    "AccountId",
    "OpportunityId",
    "ContractId",
    "Pricebook2Id",
    "SBQQ__Quote__c",
    "EffectiveDate",
    "EndDate",
    "ActivatedDate",
    "CustomerAuthorizedDate",
    "CompanyAuthorizedDate",
    "BillToContactId",
    "ShipToContactId",
    "SBQQ__PaymentTerm__c",
    "Description",
    "SystemModstamp",
    *(f"Billing{p}" for p in ADDRESS_PARTS),
    *(f"Shipping{p}" for p in ADDRESS_PARTS),
)
PRODUCT_FIELDS = (
    "Id",
    "Name",
    "ProductCode",
    "IsActive",
    "SBQQ__ChargeType__c",
    "SBQQ__BillingType__c",
    "SBQQ__BillingFrequency__c",
    "SBQQ__PricingMethod__c",
    "SBQQ__SubscriptionPricing__c",
    "SBQQ__SubscriptionType__c",
    "SBQQ__HasConsumptionSchedule__c",
)
SUBSCRIPTION_FIELDS = (
    "Id",
    "Name",
    "SBQQ__Quantity__c",
    "SBQQ__NetPrice__c",
    "SBQQ__StartDate__c",
    "SBQQ__EndDate__c",
    "SBQQ__TerminatedDate__c",
    "SBQQ__RevisedSubscription__c",
    "SBQQ__OrderProduct__c",
    "SBQQ__Contract__c",
    "SBQQ__Product__c",
    "SBQQ__SubscriptionType__c",
    "SBQQ__ChargeType__c",
    "SBQQ__BillingFrequency__c",
)
ITEM_FIELDS = (
    "Id",
    "OrderId",
    "OrderItemNumber",
    "Product2Id",
    "PricebookEntryId",
    "Quantity",
    "UnitPrice",
    "ListPrice",
    "TotalPrice",
    "ServiceDate",
    "EndDate",
    "Description",
    "SBQQ__ChargeType__c",
    "SBQQ__BillingType__c",
    "SBQQ__BillingFrequency__c",
    "SBQQ__SubscriptionPricing__c",
    "SBQQ__SubscriptionType__c",
    "SBQQ__SubscriptionTerm__c",
    "SBQQ__ProrateMultiplier__c",
    "SBQQ__Subscription__c",
    "SBQQ__RevisedOrderProduct__c",
    "SBQQ__ContractAction__c",
    "SBQQ__Contract__c",
    "SBQQ__QuoteLine__c",
    "SBQQ__RequiredBy__c",
    "SBQQ__SegmentIndex__c",
    "SBQQ__SegmentKey__c",
    "SBQQ__TerminatedDate__c",
    "PricebookEntry.UnitPrice",
    "SBQQ__QuoteLine__r.SBQQ__RenewedSubscription__c",
    "SBQQ__QuoteLine__r.SBQQ__UpgradedSubscription__c",
)
ITEM_SCHEDULE_FIELDS = (
    "Id",
    "Name",
    "SBQQ__OrderItem__c",
    "SBQQ__ConsumptionSchedule__c",
    "SBQQ__Type__c",
    "SBQQ__RatingMethod__c",
    "SBQQ__BillingTerm__c",
    "SBQQ__BillingTermUnit__c",
    "SBQQ__UnitOfMeasure__c",
)
ITEM_RATE_FIELDS = (
    "Id",
    "SBQQ__OrderItemConsumptionSchedule__c",
    "SBQQ__LowerBound__c",
    "SBQQ__UpperBound__c",
    "SBQQ__Price__c",
    "SBQQ__PricingMethod__c",
    "SBQQ__ProcessingOrder__c",
)
SCHEDULE_FIELDS = ("Id", "Name", "Type", "RatingMethod", "BillingTerm", "BillingTermUnit", "UnitOfMeasure", "IsActive")
PRODUCT_SCHEDULE_FIELDS = ("Id", "ProductId", "ConsumptionScheduleId")
PRICEBOOK_ENTRY_FIELDS = ("Id", "Product2Id", "Pricebook2Id", "UnitPrice", "IsActive", "UseStandardPrice")
ORGANIZATION_FIELDS = ("Id", "Name", "IsSandbox", "DefaultCurrencyIsoCode")
RATE_FIELDS = ("Id", "ConsumptionScheduleId", "LowerBound", "UpperBound", "Price", "PricingMethod", "ProcessingOrder")

# Fields only some orgs have: multi-currency, and the optional lookups of connector-spec §1.4.
CURRENCY = "CurrencyIsoCode"
ORDER_OPTIONAL = (CURRENCY, "InvoiceOwner__c", "SubscriptionOwner__c")

# Mapping sections by the object they are rooted at (connector-spec §5.2 pairs).
ACCOUNT_PAIRS = ("Account->Account",)
CONTACT_PAIRS = ("Contact->Contact",)
ORDER_PAIRS = ("Order->Order",)
OPPORTUNITY_PAIRS = ("Opportunity->Order",)
SUBSCRIPTION_PAIRS = ("SBQQ__Subscription__c->Subscription", "SBQQ__Subscription__c->SubscriptionRatePlanCharge")
ITEM_PAIRS = ("OrderItem->SubscriptionRatePlan", "OrderItem->OrderLineItem")
ITEM_SCHEDULE_PAIRS = ("SBQQ__OrderItemConsumptionSchedule__c->SubscriptionRatePlan",)
ITEM_RATE_PAIRS = ("SBQQ__OrderItemConsumptionRate__c->ChargeTier",)
PRODUCT_PAIRS = ("Product2->Product", "Product2->ProductRatePlan", "Product2->ProductRatePlanCharge")
PRODUCT_SCHEDULE_PAIRS = (
    "ProductConsumptionSchedule->ProductRatePlan",
    "ProductConsumptionSchedule->ProductRatePlanCharge",
)


@dataclass(frozen=True)
class Wanted:
    """A path a query may select; ``optional`` paths are dropped when the org lacks them."""

    path: str
    optional: bool = False


def _wanted(paths: Iterable[str], optional: bool = False) -> list[Wanted]:
    return [Wanted(p, optional) for p in paths]


def _prefixed(prefix: str, wanted: Iterable[Wanted], optional: bool = False) -> list[Wanted]:
    return [Wanted(prefix + w.path, w.optional or optional) for w in wanted]


@dataclass(frozen=True)
class SelectPlan:
    """The SELECT lists of every extraction query (already checked against describe)."""

    order: tuple[str, ...]
    item: tuple[str, ...]
    item_schedule: tuple[str, ...]
    item_rate: tuple[str, ...]
    account: tuple[str, ...]
    contact: tuple[str, ...]
    product_schedule: tuple[str, ...]
    rate: tuple[str, ...]
    pricebook_entry: tuple[str, ...]
    # Relationship prefixes of the order query whose nested records are accounts / contacts.
    order_account_prefixes: tuple[str, ...]
    order_contact_prefixes: tuple[str, ...]
    # Per parent kind (account, contact, ...): its paths relative to itself, to cut a nested copy down to
    # the same shape wherever the parent was reached from.
    shapes: dict[str, tuple[str, ...]]
    # Paths whose field the org lacks (optional ones, left out): shown in the extraction summary.
    left_out: tuple[str, ...]


class FieldPlanner:
    """Builds a :class:`SelectPlan` for a mapping and connector options."""

    def __init__(self, mapping: EffectiveMapping, options: ConnectorOptions, describe: OrgDescribe) -> None:
        self.mapping = mapping
        self.options = options
        self.describe = describe
        self._left_out: list[str] = []

    def _mapped(self, pairs: Iterable[str]) -> list[Wanted]:
        wanted: list[Wanted] = []
        for pair_id in pairs:
            found = source_fields(self.mapping.rows(pair_id, self.options), options=self.options)
            wanted += _wanted(sorted(found.required))
            wanted += _wanted(sorted(found.optional), optional=True)
        return wanted

    def _finish(self, root: str, wanted: Iterable[Wanted]) -> tuple[str, ...]:
        """Checked, de-duplicated paths (case-insensitively, first spelling wins) with the ``Id`` of every
        relationship they walk through, so an empty lookup reads the same in REST and Bulk results."""
        result: dict[str, str] = {}
        for item in wanted:
            path = check_identifier(item.path)
            if item.optional and self.describe.resolve(root, path) is None:
                self._left_out.append(f"{root}.{path}")
                continue
            hops = path.split(".")[:-1]
            for depth in range(1, len(hops) + 1):
                id_path = ".".join(hops[:depth]) + ".Id"
                result.setdefault(id_path.lower(), id_path)
            result.setdefault(path.lower(), path)
        return tuple(result.values())

    def plan(self) -> SelectPlan:
        account = [*_wanted(ACCOUNT_FIELDS), Wanted(CURRENCY, True), *self._mapped(ACCOUNT_PAIRS)]
        contact = [*_wanted(CONTACT_FIELDS), *self._mapped(CONTACT_PAIRS)]
        opportunity = [*_wanted(OPPORTUNITY_FIELDS), *self._mapped(OPPORTUNITY_PAIRS)]
        contract = _wanted(CONTRACT_FIELDS)
        account_prefixes = ("Account.", "Account.Parent.", "InvoiceOwner__r.", "SubscriptionOwner__r.")
        contact_prefixes = ("BillToContact.", "ShipToContact.")
        order = [
            *_wanted(ORDER_FIELDS),
            *_wanted(ORDER_OPTIONAL, optional=True),
            *self._mapped(ORDER_PAIRS),
            *_prefixed("Account.", account),
            *_prefixed("Account.Parent.", account),
            *_prefixed("InvoiceOwner__r.", account, optional=True),
            *_prefixed("SubscriptionOwner__r.", account, optional=True),
            *_prefixed("BillToContact.", contact),
            *_prefixed("ShipToContact.", contact),
            *_prefixed("Opportunity.", opportunity),
            *_prefixed("SBQQ__Quote__r.", _wanted(QUOTE_FIELDS)),
            *_prefixed("Contract.", contract),
            *_prefixed("Opportunity.SBQQ__AmendedContract__r.", contract),
            *_prefixed("Opportunity.SBQQ__RenewedContract__r.", contract),
        ]
        product = [*_wanted(PRODUCT_FIELDS), *self._mapped(PRODUCT_PAIRS)]
        subscription = [*_wanted(SUBSCRIPTION_FIELDS), Wanted(CURRENCY, True), *self._mapped(SUBSCRIPTION_PAIRS)]
        item = [
            *_wanted(ITEM_FIELDS),
            Wanted(CURRENCY, True),
            *self._mapped(ITEM_PAIRS),
            *_prefixed("Product2.", product),
            *_prefixed("SBQQ__Subscription__r.", subscription),
        ]
        item_schedule = [*_wanted(ITEM_SCHEDULE_FIELDS), Wanted(CURRENCY, True), *self._mapped(ITEM_SCHEDULE_PAIRS)]
        item_rate = [*_wanted(ITEM_RATE_FIELDS), *self._mapped(ITEM_RATE_PAIRS)]
        schedule = [*_wanted(SCHEDULE_FIELDS), Wanted(CURRENCY, True)]
        product_schedule = [
            *_wanted(PRODUCT_SCHEDULE_FIELDS),
            *_prefixed("ConsumptionSchedule.", schedule),
            *self._mapped(PRODUCT_SCHEDULE_PAIRS),
        ]
        rate = [*_wanted(RATE_FIELDS), Wanted(CURRENCY, True)]
        order_select = self._finish("Order", order)
        shapes = {
            "Account": self._finish("Account", account),
            "Contact": self._finish("Contact", contact),
            "Opportunity": self._finish("Opportunity", opportunity),
            "SBQQ__Quote__c": self._finish("SBQQ__Quote__c", _wanted(QUOTE_FIELDS)),
            "Contract": self._finish("Contract", contract),
            "Product2": self._finish("Product2", product),
            "SBQQ__Subscription__c": self._finish("SBQQ__Subscription__c", subscription),
            "ConsumptionSchedule": self._finish("ConsumptionSchedule", schedule),
        }
        return SelectPlan(
            order=order_select,
            item=self._finish("OrderItem", item),
            item_schedule=self._finish("SBQQ__OrderItemConsumptionSchedule__c", item_schedule),
            item_rate=self._finish("SBQQ__OrderItemConsumptionRate__c", item_rate),
            account=self._finish("Account", account),
            contact=self._finish("Contact", contact),
            product_schedule=self._finish("ProductConsumptionSchedule", product_schedule),
            rate=self._finish("ConsumptionRate", rate),
            pricebook_entry=self._finish(
                "PricebookEntry", [*_wanted(PRICEBOOK_ENTRY_FIELDS), Wanted(CURRENCY, optional=True)]
            ),
            order_account_prefixes=_kept(order_select, account_prefixes),
            order_contact_prefixes=_kept(order_select, contact_prefixes),
            shapes=shapes,
            left_out=tuple(dict.fromkeys(self._left_out)),
        )


def _kept(select: tuple[str, ...], prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """The relationship prefixes whose records the query selects (an optional lookup may be left out)."""
    chosen = {path.lower() for path in select}
    return tuple(p for p in prefixes if f"{p}Id".lower() in chosen)
