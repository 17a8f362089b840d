"""Deterministic generator of a realistic Salesforce CPQ org for the sandbox.

``generate_org(store, orders=N, seed=S)`` fills an empty :class:`~..store.OrgStore` with a product catalog
covering every charge model the connector maps, accounts and contacts, and N new-business orders with
their quotes, contracts and subscriptions, plus amendments and renewals in a fixed proportion. The same
seed gives the same rows, ids and dates (all relative to :data:`ANCHOR_DATE`).
"""

from cpq_desktop.sandbox.salesforce.generator.catalog import ChargeModel
from cpq_desktop.sandbox.salesforce.generator.dates import ANCHOR_DATE
from cpq_desktop.sandbox.salesforce.generator.org import (
    GeneratedSummary,
    OrgNotEmptyError,
    PlannedOrg,
    Showcase,
    generate_org,
    plan_org,
)

__all__ = [
    "ANCHOR_DATE",
    "ChargeModel",
    "GeneratedSummary",
    "OrgNotEmptyError",
    "PlannedOrg",
    "Showcase",
    "generate_org",
    "plan_org",
]
