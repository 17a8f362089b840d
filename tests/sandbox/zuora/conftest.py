"""Fixtures for the Zuora sandbox tests: one tenant per session, real HTTPS clients against it.

- ``zuora_tenant``: a :class:`ZuoraTenant` on a free loopback port (session scoped; tests that change
  faults or settings restore them through ``zuora_knobs``).
- ``zuora``: an authenticated ``requests.Session`` (``verify`` = sandbox CA, ``trust_env`` off, bearer
  token, ``Zuora-Version: 2025-08-12``) whose paths are relative to the tenant URL.
- ``zuora_anon``: the same without a token, for OAuth and 401 tests.
- ``ordered_subscription``: one subscription created by a real order on a catalog built via CRUD.
- ``zuora_models``: the zuora-sdk models made strict (zuora-api.md §8.2). Importing and rebuilding them
  takes ~30 s, so it is lazy: only tests that ask for it pay, once per session.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from cpq_desktop.sandbox.tls import create_tls
from cpq_desktop.sandbox.zuora.server import ZuoraTenant
from tests.zuora_sdk_strict import strict_models

API_VERSION = "2025-08-12"

# Custom fields the reference's example bodies use (zuora-api.md §3.11, §4.1), defined on the session
# tenant next to the connector's defaults so the examples can be sent as they are.
REFERENCE_EXAMPLE_FIELDS = {
    "Account": [{"name": "SFAccountId__c", "label": "SF Account Id"}],
    "Order": [{"name": "SFQuoteId__c", "label": "SF Quote Id"}],
    "Subscription": [{"name": "SFContractId__c", "label": "SF Contract Id"}],
}


class TenantSession(requests.Session):
    """A ``requests.Session`` bound to one tenant: ``session.get("/v1/accounts/A1")``."""

    def __init__(self, base_url: str, ca_file: Path) -> None:
        super().__init__()
        self.base_url = base_url
        self.verify = str(ca_file)
        # The machine sets REQUESTS_CA_BUNDLE, which would override verify (measured-here.md).
        self.trust_env = False

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if isinstance(url, str) and url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)

    def authenticate(self, credentials: dict[str, str]) -> dict[str, Any]:
        # /oauth/token refuses requests that carry an Authorization header (zuora-api.md §1.2).
        self.headers.pop("Authorization", None)
        response = self.post(
            "/oauth/token",
            data={**credentials, "grant_type": "client_credentials"},
        )
        response.raise_for_status()
        token: dict[str, Any] = response.json()
        self.headers["Authorization"] = f"Bearer {token['access_token']}"
        return token


@pytest.fixture(scope="session")
def zuora_tenant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZuoraTenant]:
    data_dir = tmp_path_factory.mktemp("zuora-tenant")
    tls = create_tls(data_dir)
    tenant = ZuoraTenant(data_dir / "zuora", tls)
    custom_fields = tenant.settings.to_json()["custom_fields"]
    for obj, defs in REFERENCE_EXAMPLE_FIELDS.items():
        custom_fields.setdefault(obj, []).extend(defs)
    tenant.update_settings(custom_fields=custom_fields)
    tenant.start()
    try:
        yield tenant
    finally:
        tenant.stop()


@pytest.fixture
def zuora_knobs(zuora_tenant: ZuoraTenant) -> Iterator[ZuoraTenant]:
    """The session tenant, with faults and settings put back as they were after the test."""
    settings = zuora_tenant.settings.to_json()
    try:
        yield zuora_tenant
    finally:
        zuora_tenant.clear_faults()
        zuora_tenant.update_settings(**settings)


@pytest.fixture
def zuora_anon(zuora_tenant: ZuoraTenant) -> Iterator[TenantSession]:
    with TenantSession(zuora_tenant.url, zuora_tenant.tls.ca_file) as session:
        yield session


@pytest.fixture(scope="session")
def zuora_session_factory(zuora_tenant: ZuoraTenant) -> Callable[[], TenantSession]:
    """Build an authenticated session (for module-scoped fixtures that set up data); close it yourself."""

    def build() -> TenantSession:
        session = TenantSession(zuora_tenant.url, zuora_tenant.tls.ca_file)
        session.authenticate(zuora_tenant.credentials())
        session.headers["Zuora-Version"] = API_VERSION
        return session

    return build


@pytest.fixture
def zuora(zuora_session_factory: Callable[[], TenantSession]) -> Iterator[TenantSession]:
    with zuora_session_factory() as session:
        yield session


@pytest.fixture(scope="session")
def ordered_subscription(zuora_session_factory: Callable[[], TenantSession]) -> dict[str, Any]:
    """A catalog plan and one order creating a subscription on it (through the Orders API), shared read-only."""
    with zuora_session_factory() as zuora:
        zuora.headers["X-Zuora-WSDL-Version"] = "133"
        product = zuora.post(
            "/v1/object/product",
            json={"Name": "Sub Query Product", "EffectiveStartDate": "2024-01-01", "EffectiveEndDate": "2034-01-01"},
        ).json()["Id"]
        product2_id = f"01t{uuid.uuid4().hex[:12]}"
        plan = zuora.post(
            "/v1/object/product-rate-plan",
            json={"Name": "Seats plan", "ProductId": product, "ExternalRatePlanIds": product2_id},
        ).json()["Id"]
        charge = zuora.post(
            "/v1/object/product-rate-plan-charge",
            json={
                "ProductRatePlanId": plan,
                "Name": "Seats",
                "ChargeType": "Recurring",
                "ChargeModel": "Per Unit Pricing",
                "BillCycleType": "DefaultFromCustomer",
                "BillingPeriod": "Month",
                "TriggerEvent": "ContractEffective",
                "UOM": "Each",
                "UseDiscountSpecificAccountingCode": False,
                "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 10}]},
            },
        ).json()["Id"]
        order_item_id = f"802{uuid.uuid4().hex[:12]}"
        dates = [
            {"name": name, "triggerDate": "2025-03-01"}
            for name in ("ContractEffective", "ServiceActivation", "CustomerAcceptance")
        ]
        order = {
            "orderDate": "2025-03-01",
            "newAccount": {
                "name": "Subscriber",
                "currency": "USD",
                "billCycleDay": 1,
                "billToContact": {"firstName": "Sub", "lastName": "Scriber", "country": "US", "state": "CA"},
            },
            "subscriptions": [
                {
                    "orderActions": [
                        {
                            "type": "CreateSubscription",
                            "triggerDates": dates,
                            "createSubscription": {
                                "terms": {
                                    "initialTerm": {
                                        "termType": "TERMED",
                                        "period": 12,
                                        "periodType": "Month",
                                        "startDate": "2025-03-01",
                                    },
                                    "renewalSetting": "RENEW_WITH_SPECIFIC_TERM",
                                    "renewalTerms": [{"period": 12, "periodType": "Month"}],
                                },
                                "subscribeToRatePlans": [
                                    {
                                        "externalCatalogPlanId": product2_id,
                                        "externallyManagedPlanId": order_item_id,
                                        "chargeOverrides": [
                                            {
                                                "productRatePlanChargeId": charge,
                                                "pricing": {"recurringPerUnit": {"quantity": 5, "listPrice": 9.0}},
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
        created = zuora.post("/v1/orders", json=order)
        assert created.status_code == 200, created.text
        reply = created.json()
    return {
        "subscriptionNumber": reply["subscriptions"][0]["subscriptionNumber"],
        "accountNumber": reply["accountNumber"],
        "planId": plan,
        "chargeId": charge,
        "externallyManagedPlanId": order_item_id,
    }


@pytest.fixture(scope="session")
def zuora_models() -> ModuleType:
    """``zuora_sdk.models`` with strict validation and ``extra="forbid"``.

    Strip top-level ``*__c`` keys before validating account/contact/CRUD bodies (custom fields are
    legal top-level properties there, but not in the SDK schema).
    """
    return strict_models()
