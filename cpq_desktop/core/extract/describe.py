"""Describe metadata, fetched only when needed and kept for the life of the connection.

Extraction asks describe two things: does the org have a field that only some orgs have (``CurrencyIsoCode``
without multi-currency, the ``InvoiceOwner__c`` lookup the admin may not have created), and — for Bulk API
results, which are CSV text — what type each selected field is. Relationship hops of the CPQ data model
are known statically, so walking ``SBQQ__OrderProduct__r.Order.CurrencyIsoCode`` describes only ``Order``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceResourceNotFound

from cpq_desktop.core.extract.problems import ExtractionError
from cpq_desktop.core.extract.retry import RetryingCall
from cpq_desktop.core.salesforce.connection import SalesforceConnection

# (object, relationship name lower-cased) -> the object the relationship points at (salesforce-api.md §4.1)
KNOWN_RELATIONSHIPS: dict[tuple[str, str], str] = {
    ("Account", "parent"): "Account",
    ("Account", "owner"): "User",
    ("Contact", "account"): "Account",
    ("Opportunity", "account"): "Account",
    ("Opportunity", "sbqq__amendedcontract__r"): "Contract",
    ("Opportunity", "sbqq__renewedcontract__r"): "Contract",
    ("Opportunity", "sbqq__primaryquote__r"): "SBQQ__Quote__c",
    ("Opportunity", "pricebook2"): "Pricebook2",
    ("Contract", "account"): "Account",
    ("Contract", "sbqq__order__r"): "Order",
    ("Contract", "sbqq__quote__r"): "SBQQ__Quote__c",
    ("Contract", "sbqq__opportunity__r"): "Opportunity",
    ("SBQQ__Quote__c", "sbqq__account__r"): "Account",
    ("SBQQ__Quote__c", "sbqq__opportunity2__r"): "Opportunity",
    ("SBQQ__Quote__c", "sbqq__mastercontract__r"): "Contract",
    ("SBQQ__Quote__c", "sbqq__primarycontact__r"): "Contact",
    ("SBQQ__QuoteLine__c", "sbqq__quote__r"): "SBQQ__Quote__c",
    ("SBQQ__QuoteLine__c", "sbqq__product__r"): "Product2",
    ("Order", "account"): "Account",
    ("Order", "opportunity"): "Opportunity",
    ("Order", "contract"): "Contract",
    ("Order", "pricebook2"): "Pricebook2",
    ("Order", "billtocontact"): "Contact",
    ("Order", "shiptocontact"): "Contact",
    ("Order", "sbqq__quote__r"): "SBQQ__Quote__c",
    ("Order", "originalorder"): "Order",
    ("OrderItem", "order"): "Order",
    ("OrderItem", "product2"): "Product2",
    ("OrderItem", "pricebookentry"): "PricebookEntry",
    ("OrderItem", "sbqq__quoteline__r"): "SBQQ__QuoteLine__c",
    ("OrderItem", "sbqq__subscription__r"): "SBQQ__Subscription__c",
    ("OrderItem", "sbqq__revisedorderproduct__r"): "OrderItem",
    ("OrderItem", "sbqq__requiredby__r"): "OrderItem",
    ("OrderItem", "sbqq__contract__r"): "Contract",
    ("PricebookEntry", "product2"): "Product2",
    ("PricebookEntry", "pricebook2"): "Pricebook2",
    ("SBQQ__Subscription__c", "sbqq__account__r"): "Account",
    ("SBQQ__Subscription__c", "sbqq__contract__r"): "Contract",
    ("SBQQ__Subscription__c", "sbqq__product__r"): "Product2",
    ("SBQQ__Subscription__c", "sbqq__orderproduct__r"): "OrderItem",
    ("SBQQ__Subscription__c", "sbqq__quoteline__r"): "SBQQ__QuoteLine__c",
    ("SBQQ__Subscription__c", "sbqq__revisedsubscription__r"): "SBQQ__Subscription__c",
    ("ProductConsumptionSchedule", "product"): "Product2",
    ("ProductConsumptionSchedule", "consumptionschedule"): "ConsumptionSchedule",
    ("ConsumptionRate", "consumptionschedule"): "ConsumptionSchedule",
    ("SBQQ__OrderItemConsumptionSchedule__c", "sbqq__orderitem__r"): "OrderItem",
    ("SBQQ__OrderItemConsumptionSchedule__c", "sbqq__consumptionschedule__r"): "ConsumptionSchedule",
    ("SBQQ__OrderItemConsumptionRate__c", "sbqq__orderitemconsumptionschedule__r"): (
        "SBQQ__OrderItemConsumptionSchedule__c"
    ),
}

# With multi-currency on, Salesforce adds CurrencyIsoCode to every object that holds money or prices; one
# describe (of Order) answers for all of them.
CURRENCY_FIELD = "currencyisocode"
CURRENCY_OBJECTS = frozenset(
    {
        "Account",
        "Contact",
        "Opportunity",
        "Contract",
        "Order",
        "OrderItem",
        "Product2",
        "PricebookEntry",
        "SBQQ__Quote__c",
        "SBQQ__QuoteLine__c",
        "SBQQ__Subscription__c",
        "ConsumptionSchedule",
        "ConsumptionRate",
        "SBQQ__OrderItemConsumptionSchedule__c",
        "SBQQ__OrderItemConsumptionRate__c",
    }
)

Runner = Callable[[Callable[[Salesforce], Any]], Any]


class OrgDescribe:
    """sObject describes of one org, each fetched at most once (``run`` is ``SalesforceConnection.call``)."""

    def __init__(self, run: Runner) -> None:
        self._run = run
        self._describes: dict[str, dict[str, dict[str, Any]] | None] = {}

    @property
    def described(self) -> list[str]:
        return sorted(self._describes)

    def fields(self, sobject: str) -> Mapping[str, dict[str, Any]] | None:
        """Lower-cased field name -> field describe; ``None`` if the org has no such object (or can't see it)."""
        if sobject not in self._describes:
            try:
                body = self._run(lambda sf: getattr(sf, sobject).describe())
            except SalesforceResourceNotFound:
                self._describes[sobject] = None
            except requests.RequestException as exc:
                raise ExtractionError(
                    f"Salesforce could not be reached ({type(exc).__name__}) to describe {sobject}. Check the "
                    "network connection and the instance URL of the profile, then run the sync again."
                ) from None
            except SalesforceError as exc:
                raise ExtractionError(
                    f"Salesforce could not describe {sobject} ({type(exc).__name__}); the fields to read cannot be "
                    "chosen without it. Check the connection and run the sync again."
                ) from None
            else:
                self._describes[sobject] = {f["name"].lower(): f for f in body.get("fields", [])}
        return self._describes[sobject]

    def relationship_target(self, sobject: str, relationship: str) -> str | None:
        known = KNOWN_RELATIONSHIPS.get((sobject, relationship.lower()))
        if known is not None:
            return known
        for field in (self.fields(sobject) or {}).values():
            if (field.get("relationshipName") or "").lower() == relationship.lower():
                targets = field.get("referenceTo") or []
                return str(targets[0]) if targets else None
        return None

    def resolve(self, root: str, path: str) -> tuple[str, dict[str, Any]] | None:
        """``(object, field describe)`` of the field a path ends at, or ``None`` if the org lacks a hop or the
        field (or the integration user cannot see it)."""
        *hops, name = path.split(".")
        current = root
        for hop in hops:
            target = self.relationship_target(current, hop)
            if target is None:
                return None
            current = target
        if name.lower() == CURRENCY_FIELD and current in CURRENCY_OBJECTS:
            currency = (self.fields("Order") or {}).get(CURRENCY_FIELD)
            return (current, currency) if currency is not None else None
        found = (self.fields(current) or {}).get(name.lower())
        return (current, found) if found is not None else None


_BY_CONNECTION: weakref.WeakKeyDictionary[SalesforceConnection, OrgDescribe] = weakref.WeakKeyDictionary()


def describe_for(connection: SalesforceConnection) -> OrgDescribe:
    """The describe cache of a connection: an org is described once per connection, not once per sync."""
    found = _BY_CONNECTION.get(connection)
    if found is None:
        found = _BY_CONNECTION[connection] = OrgDescribe(RetryingCall(connection.call))
    return found
