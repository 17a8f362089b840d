"""Fixtures for the Orders API tests: a catalog built through the CRUD API and the reference's bodies.

The reference's example bodies (zuora-api.md §3.6, §3.7, §3.11, §3.12) name ids from a real tenant
(``8ad08c0f…`` charges, account ``A00000214``, subscription ``A-S00000129``). :class:`Examples` hands
out deep copies with those ids replaced by the ones this tenant generated, and order numbers made
unique, because the tenant is shared by the whole session.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from cpq_desktop.sandbox.zuora.server import ZuoraTenant

API_VERSION = "2025-08-12"
WSDL = {"X-Zuora-WSDL-Version": "133"}

# Ids as the reference writes them.
REF_PLAN_ID = "8ad08c0f7f54e6b5017f6af6b0fa5b44"
REF_SEATS_CHARGE = "8ad08c0f7f54e6b5017f6af6b11b5b46"
REF_SETUP_CHARGE = "8ad08c0f7f54e6b5017f6af6b13c5b48"
REF_ADDON_CHARGE = "8ad08c0f7f54e6b5017f6af6b1aa5b50"
REF_ADDON_PLAN_NUMBER = "PRP-00000180"
REF_EXTERNAL_PLAN = "SFDC-PROD-0001"
REF_ACCOUNT = "A00000214"
REF_SUBSCRIPTION = "A-S00000129"
REF_RATE_PLAN_B = "f94fb5249a496ecf5dc6f2710b912d0d"
REF_RATE_PLAN_REMOVE = "f94f5a88a8a96ecf5e06f6643b2b737f"
REF_CHARGE_NUMBER = "C-00000595"
REF_ORDER_NUMBER = "SF-Q-00012345"

EXAMPLE_A: dict[str, Any] = {
    "orderDate": "2025-03-01",
    "orderNumber": REF_ORDER_NUMBER,
    "description": "Salesforce CPQ quote Q-00012345 (opportunity 0065g00000ABCDE)",
    "customFields": {"SFQuoteId__c": "a0q5g000001AbCdAAK"},
    "newAccount": {
        "name": "Acme Corporation",
        "crmId": "0015g00000XyZ12AAB",
        "currency": "USD",
        "billCycleDay": 1,
        "autoPay": False,
        "paymentTerm": "Net 30",
        "invoiceDeliveryPrefsEmail": True,
        "customFields": {"SFAccountId__c": "0015g00000XyZ12AAB"},
        "billToContact": {
            "firstName": "Amy",
            "lastName": "Lawrence",
            "workEmail": "amy.lawrence@acme.example",
            "address1": "1051 E Hillsdale Blvd",
            "city": "Foster City",
            "state": "CA",
            "postalCode": "94404",
            "country": "United States",
        },
        "soldToContact": {
            "firstName": "Bella",
            "lastName": "Lawrence",
            "workEmail": "bella.lawrence@acme.example",
            "country": "United States",
            "state": "CA",
        },
    },
    "subscriptions": [
        {
            "customFields": {"SFContractId__c": "8005g000001QwErAAK"},
            "orderActions": [
                {
                    "type": "CreateSubscription",
                    "triggerDates": [
                        {"name": "ContractEffective", "triggerDate": "2025-03-01"},
                        {"name": "ServiceActivation", "triggerDate": "2025-03-01"},
                        {"name": "CustomerAcceptance", "triggerDate": "2025-03-01"},
                    ],
                    "createSubscription": {
                        "terms": {
                            "initialTerm": {
                                "startDate": "2025-03-01",
                                "period": 12,
                                "periodType": "Month",
                                "termType": "TERMED",
                            },
                            "renewalSetting": "RENEW_WITH_SPECIFIC_TERM",
                            "renewalTerms": [{"period": 12, "periodType": "Month"}],
                            "autoRenew": True,
                        },
                        "notes": "Created from Salesforce CPQ",
                        "subscribeToRatePlans": [
                            {
                                "productRatePlanId": REF_PLAN_ID,
                                "uniqueToken": "QL-0001",
                                "chargeOverrides": [
                                    {
                                        "productRatePlanChargeId": REF_SEATS_CHARGE,
                                        "uniqueToken": "QLC-0001",
                                        "pricing": {"recurringPerUnit": {"quantity": 25, "listPrice": 40.0}},
                                    },
                                    {
                                        "productRatePlanChargeId": REF_SETUP_CHARGE,
                                        "uniqueToken": "QLC-0002",
                                        "pricing": {"oneTimeFlatFee": {"listPrice": 1500.0}},
                                    },
                                ],
                            }
                        ],
                    },
                }
            ],
        }
    ],
    "processingOptions": {"runBilling": False, "collectPayment": False},
}

_ALL_DATES = [
    {"name": "ContractEffective", "triggerDate": "2025-06-15"},
    {"name": "ServiceActivation", "triggerDate": "2025-06-15"},
    {"name": "CustomerAcceptance", "triggerDate": "2025-06-15"},
]
EXAMPLE_B: dict[str, Any] = {
    "orderDate": "2025-06-15",
    "existingAccountNumber": REF_ACCOUNT,
    "description": "Salesforce CPQ amendment quote Q-00012999: seats 25 -> 30",
    "subscriptions": [
        {
            "subscriptionNumber": REF_SUBSCRIPTION,
            "orderActions": [
                {
                    "type": "UpdateProduct",
                    "triggerDates": _ALL_DATES,
                    "updateProduct": {
                        "ratePlanId": REF_RATE_PLAN_B,
                        "chargeUpdates": [
                            {"chargeNumber": REF_CHARGE_NUMBER, "pricing": {"recurringPerUnit": {"quantity": 30}}}
                        ],
                    },
                }
            ],
        }
    ],
    "processingOptions": {"runBilling": False, "collectPayment": False},
}

_CE = [{"name": "ContractEffective", "triggerDate": "2025-09-01"}]
# §3.6 compact actions, in the order a test can apply them to one subscription.
COMPACT_ACTIONS: dict[str, dict[str, Any]] = {
    "AddProduct": {
        "type": "AddProduct",
        "triggerDates": _CE,
        "addProduct": {
            "productRatePlanNumber": REF_ADDON_PLAN_NUMBER,
            "uniqueToken": "QL-0003",
            "chargeOverrides": [
                {"productRatePlanChargeId": REF_ADDON_CHARGE, "pricing": {"recurringFlatFee": {"listPrice": 99.0}}}
            ],
        },
    },
    "RemoveProduct": {
        "type": "RemoveProduct",
        "triggerDates": _CE,
        "removeProduct": {"ratePlanId": REF_RATE_PLAN_REMOVE},
    },
    "TermsAndConditions": {
        "type": "TermsAndConditions",
        "triggerDates": _CE,
        "termsAndConditions": {
            "autoRenew": False,
            "lastTerm": {"termType": "TERMED", "period": 24, "periodType": "Month"},
            "renewalSetting": "RENEW_WITH_SPECIFIC_TERM",
            "renewalTerms": [{"period": 12, "periodType": "Month"}],
            "paymentTerm": "Net 45",
        },
    },
    "RenewSubscription": {"type": "RenewSubscription", "triggerDates": _CE, "renewSubscription": {}},
    "Suspend": {
        "type": "Suspend",
        "triggerDates": _CE,
        "suspend": {"suspendPolicy": "SpecificDate", "suspendSpecificDate": "2025-09-15"},
    },
    "Resume": {
        "type": "Resume",
        "triggerDates": _CE,
        "resume": {"resumePolicy": "SpecificDate", "resumeSpecificDate": "2025-10-15", "extendsTerm": True},
    },
    "CancelSubscription": {
        "type": "CancelSubscription",
        "triggerDates": _CE,
        "cancelSubscription": {"cancellationPolicy": "SpecificDate", "cancellationEffectiveDate": "2025-09-30"},
    },
}

EVERGREEN_EXAMPLE: dict[str, Any] = {
    "orderDate": "2025-09-01",
    "existingAccountNumber": REF_ACCOUNT,
    "subscriptions": [
        {
            "orderActions": [
                {
                    "type": "CreateSubscription",
                    "createSubscription": {
                        "terms": {"initialTerm": {"termType": "EVERGREEN"}},
                        "subscribeToRatePlans": [
                            {
                                "externalCatalogPlanId": REF_EXTERNAL_PLAN,
                                "chargeOverrides": [
                                    {
                                        "productRatePlanChargeId": REF_SEATS_CHARGE,
                                        "pricing": {"recurringVolume": {"quantity": 10}},
                                    }
                                ],
                            }
                        ],
                    },
                }
            ]
        }
    ],
}

LINE_ITEM_EXAMPLE: dict[str, Any] = {
    "orderDate": "2025-09-01",
    "existingAccountNumber": REF_ACCOUNT,
    "orderLineItems": [
        {
            "itemName": "Onboarding services",
            "itemType": "Services",
            "productRatePlanChargeId": REF_SETUP_CHARGE,
            "quantity": 1,
            "listPricePerUnit": 1500,
            "transactionStartDate": "2025-09-01",
            "transactionEndDate": "2025-09-01",
            "billTargetDate": "2025-09-01",
            "itemState": "SentToBilling",
            "relatedSubscriptionNumber": REF_SUBSCRIPTION,
        }
    ],
    "processingOptions": {"runBilling": True, "billingOptions": {"targetDate": "2025-09-01"}},
}


def compact_body(action: str) -> dict[str, Any]:
    """A §3.6 compact example: one action on the reference subscription."""
    return {
        "orderDate": "2025-09-01",
        "existingAccountNumber": REF_ACCOUNT,
        "subscriptions": [{"subscriptionNumber": REF_SUBSCRIPTION, "orderActions": [COMPACT_ACTIONS[action]]}],
    }


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


class ZuoraClient(requests.Session):
    """A client session bound to the tenant, as a real integration would configure ``requests``."""

    def __init__(self, tenant: ZuoraTenant, version: str = API_VERSION) -> None:
        super().__init__()
        self.base_url = tenant.url
        self.verify = str(tenant.tls.ca_file)
        self.trust_env = False  # the machine's REQUESTS_CA_BUNDLE would override verify
        token = self.post("/oauth/token", data={**tenant.credentials(), "grant_type": "client_credentials"})
        token.raise_for_status()
        self.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        self.headers["Zuora-Version"] = version

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if isinstance(url, str) and url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.request(method, path, **kwargs)
        assert response.status_code in (200, 202), (response.status_code, response.text)
        body: dict[str, Any] = response.json()
        assert body.get("success") is True, body
        return body


@dataclass
class Catalog:
    """The plans the tests order from, and the reference ids mapped onto them."""

    seats_plan: str
    seats_charge: str
    setup_charge: str
    addon_plan_number: str
    addon_charge: str
    volume_external_id: str
    volume_charge: str
    usage_plan: str
    usage_charge: str
    ids: dict[str, str] = field(default_factory=dict)


def _created(response: requests.Response) -> str:
    body = response.json()
    assert response.status_code == 200, response.text
    assert body.get("Success") is True, response.text
    return str(body["Id"])


def _tiers(currency: str, *rows: tuple[float, float | None, float, str]) -> dict[str, Any]:
    return {
        "ProductRatePlanChargeTier": [
            {"Currency": currency, "StartingUnit": s, "EndingUnit": e, "Price": p, "PriceFormat": f}
            for s, e, p, f in rows
        ]
    }


def _charge(client: ZuoraClient, plan_id: str, name: str, **fields: Any) -> str:
    body = {
        "ProductRatePlanId": plan_id,
        "Name": name,
        "BillCycleType": "DefaultFromCustomer",
        "BillingPeriod": "Month",
        "TriggerEvent": "ContractEffective",
        "UseDiscountSpecificAccountingCode": False,
        **fields,
    }
    return _created(client.post("/v1/object/product-rate-plan-charge", json=body, headers=WSDL))


def _plan(client: ZuoraClient, product_id: str, name: str, **fields: Any) -> str:
    body = {"Name": name, "ProductId": product_id, "EffectiveStartDate": "2020-01-01", "EffectiveEndDate": "2040-01-01"}
    return _created(client.post("/v1/object/product-rate-plan", json={**body, **fields}, headers=WSDL))


@pytest.fixture(scope="session")
def orders_client(zuora_tenant: ZuoraTenant) -> Iterator[ZuoraClient]:
    with ZuoraClient(zuora_tenant) as client:
        yield client


@pytest.fixture(scope="session")
def catalog(orders_client: ZuoraClient) -> Catalog:
    return build_catalog(orders_client)


def build_catalog(client: ZuoraClient) -> Catalog:
    """The products the tests order from, created through the CRUD API as an admin would."""
    tag = uuid.uuid4().hex[:6].upper()
    product = _created(
        client.post(
            "/v1/object/product",
            json={"Name": f"Platform {tag}", "EffectiveStartDate": "2020-01-01", "EffectiveEndDate": "2040-01-01"},
        )
    )
    seats_plan = _plan(client, product, "Seats")
    seats = _charge(
        client,
        seats_plan,
        "Platform Seats",
        ChargeType="Recurring",
        ChargeModel="Per Unit Pricing",
        BillingPeriod="Annual",
        BillingTiming="In Advance",
        UOM="Each",
        DefaultQuantity=1,
        ProductRatePlanChargeTierData={
            "ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 480.0}, {"Currency": "EUR", "Price": 440.0}]
        },
    )
    setup = _charge(
        client,
        seats_plan,
        "Implementation Fee",
        ChargeType="OneTime",
        ChargeModel="Flat Fee Pricing",
        ProductRatePlanChargeTierData={"ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 1500.0}]},
    )
    addon_number = f"PRP-ADDON-{tag}"
    addon_plan = _plan(client, product, "Premium Support", ProductRatePlanNumber=addon_number)
    addon = _charge(
        client,
        addon_plan,
        "Support",
        ChargeType="Recurring",
        ChargeModel="Flat Fee Pricing",
        ProductRatePlanChargeTierData={"ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 120.0}]},
    )
    external = f"SFDC-PROD-{tag}"
    volume_plan = _plan(client, product, "Storage", ExternalIdSourceSystem="SFDC", ExternalRatePlanIds=[external])
    volume = _charge(
        client,
        volume_plan,
        "Storage Blocks",
        ChargeType="Recurring",
        ChargeModel="Volume Pricing",
        UOM="Each",
        ProductRatePlanChargeTierData=_tiers("USD", (1, 10, 10.0, "Per Unit"), (11, None, 8.0, "Per Unit")),
    )
    usage_plan = _plan(client, product, "API")
    usage = _charge(
        client,
        usage_plan,
        "API Calls",
        ChargeType="Usage",
        ChargeModel="Tiered Pricing",
        UOM="Each",
        ProductRatePlanChargeTierData=_tiers("USD", (0, 1000, 0.10, "Per Unit"), (1000, None, 0.05, "Per Unit")),
    )
    ids = {
        REF_PLAN_ID: seats_plan,
        REF_SEATS_CHARGE: seats,
        REF_SETUP_CHARGE: setup,
        REF_ADDON_CHARGE: addon,
        REF_ADDON_PLAN_NUMBER: addon_number,
        REF_EXTERNAL_PLAN: external,
    }
    return Catalog(seats_plan, seats, setup, addon_number, addon, external, volume, usage_plan, usage, ids)


@dataclass
class Subscribed:
    """What example A created: the ids later examples refer to."""

    account_number: str
    subscription_number: str
    rate_plan_id: str
    seats_charge_number: str
    order_number: str
    response: dict[str, Any]


class Examples:
    """The reference's bodies with this tenant's ids."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def _swap(self, body: dict[str, Any], extra: dict[str, str]) -> dict[str, Any]:
        text = json.dumps(body)
        for ref, real in {**self.catalog.ids, **extra}.items():
            text = text.replace(f'"{ref}"', f'"{real}"')
        data: dict[str, Any] = json.loads(text)
        return data

    def a(self) -> dict[str, Any]:
        return self._swap(copy.deepcopy(EXAMPLE_A), {REF_ORDER_NUMBER: unique("SF-Q")})

    def for_subscription(self, body: dict[str, Any], sub: Subscribed, **extra: str) -> dict[str, Any]:
        mapping = {
            REF_ACCOUNT: sub.account_number,
            REF_SUBSCRIPTION: sub.subscription_number,
            REF_RATE_PLAN_B: sub.rate_plan_id,
            REF_RATE_PLAN_REMOVE: sub.rate_plan_id,
            REF_CHARGE_NUMBER: sub.seats_charge_number,
            **extra,
        }
        return self._swap(copy.deepcopy(body), mapping)

    def b(self, sub: Subscribed) -> dict[str, Any]:
        return self.for_subscription(EXAMPLE_B, sub)

    def compact(self, action: str, sub: Subscribed, **extra: str) -> dict[str, Any]:
        return self.for_subscription(compact_body(action), sub, **extra)

    def evergreen(self, sub: Subscribed) -> dict[str, Any]:
        return self.for_subscription(EVERGREEN_EXAMPLE, sub, **{REF_SEATS_CHARGE: self.catalog.volume_charge})

    def line_items(self, sub: Subscribed) -> dict[str, Any]:
        return self.for_subscription(LINE_ITEM_EXAMPLE, sub)


@pytest.fixture(scope="session")
def examples(catalog: Catalog) -> Examples:
    return Examples(catalog)


def subscribe(client: ZuoraClient, examples: Examples) -> Subscribed:
    body = examples.a()
    created = client.ok("POST", "/v1/orders", json=body)
    number = created["subscriptions"][0]["subscriptionNumber"]
    sub = client.ok("GET", f"/v1/subscriptions/{number}")
    plan = sub["ratePlans"][0]
    seats = next(c for c in plan["ratePlanCharges"] if c["productRatePlanChargeId"] == examples.catalog.seats_charge)
    return Subscribed(created["accountNumber"], number, plan["id"], seats["number"], body["orderNumber"], created)


@pytest.fixture
def subscribed(orders_client: ZuoraClient, examples: Examples) -> Subscribed:
    """A fresh account and subscription made by example A."""
    return subscribe(orders_client, examples)
