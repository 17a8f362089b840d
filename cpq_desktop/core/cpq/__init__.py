"""The Salesforce CPQ graph a sync reads: typed records (raw REST record kept) and the amendment-chain helpers.

- :mod:`.records` — the base record (typed fields plus the raw dict a mapping reads);
- :mod:`.models` — Organization, Account, Contact, Product, price book entries, schedules, Opportunity,
  Quote, Contract, Order, OrderItem, CPQ Subscription, order item consumption schedules and rates;
- :mod:`.graph` — every record of an extraction by id, and salesforce-api.md §4.4's chain resolution.
"""

from cpq_desktop.core.cpq.graph import CpqGraph
from cpq_desktop.core.cpq.models import (
    Account,
    ConsumptionRate,
    ConsumptionSchedule,
    Contact,
    Contract,
    Opportunity,
    Order,
    OrderItem,
    OrderItemConsumptionRate,
    OrderItemConsumptionSchedule,
    Organization,
    PricebookEntry,
    Product,
    ProductConsumptionSchedule,
    Quote,
    Subscription,
)
from cpq_desktop.core.cpq.records import SfRecord

__all__ = [
    "Account",
    "ConsumptionRate",
    "ConsumptionSchedule",
    "Contact",
    "Contract",
    "CpqGraph",
    "Opportunity",
    "Order",
    "OrderItem",
    "OrderItemConsumptionRate",
    "OrderItemConsumptionSchedule",
    "Organization",
    "PricebookEntry",
    "Product",
    "ProductConsumptionSchedule",
    "Quote",
    "SfRecord",
    "Subscription",
]
