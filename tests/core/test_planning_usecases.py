"""End-to-end dry runs over both sandboxes: one per use case of connector-spec §3 (3.1–3.13) and the
stacked second amendment, with the planned request bodies checked field by field against hand-written
expectations (the generator's showcase deals, seed 7), every body checked against the strict zuora-sdk
models, a dry run leaving both sandboxes untouched, and a re-plan after the data reached Zuora planning
no duplicate writes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.extract import AccountScope, Extractor, OrderScope, Scope, UnsyncedScope
from cpq_desktop.core.mapping import MappingFile, MappingRow, merge
from cpq_desktop.core.planning import RecordGraph, graph_from_cpq, plan_graph, plan_sync
from cpq_desktop.core.planning.context import ZuoraState
from cpq_desktop.core.salesforce.connection import SalesforceConnection
from cpq_desktop.core.sync.plan import ErrorClass, PlanStep, StepKind, SyncPlan, resolve_body
from cpq_desktop.core.zuora.client import ZuoraClient
from cpq_desktop.core.zuora.lookups import ZuoraAccount, ZuoraLookups
from cpq_desktop.sandbox.salesforce.generator import GeneratedSummary
from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.zuora.server import ZuoraTenant
from tests.core.both_sandboxes import both_sandboxes
from tests.zuora_sdk_strict import strict_models, validate_request

TRIGGER = "ContractEffective"


@dataclass
class Env:
    org: SalesforceOrg
    tenant: ZuoraTenant
    summary: GeneratedSummary
    salesforce: SalesforceConnection
    zuora: ZuoraClient

    def records(self, showcase: str) -> dict[str, str]:
        return self.summary.showcase(showcase).records

    def plan(self, scope: Scope, **options: Any) -> SyncPlan:
        return plan_sync(self.salesforce, self.zuora, profile="test", scope=scope, options=ConnectorOptions(**options))

    def plan_account(self, showcase: str, **options: Any) -> SyncPlan:
        return self.plan(AccountScope(account_ids=(self.records(showcase)["account"],)), **options)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with both_sandboxes(tmp_path_factory.mktemp("planning")) as both:
        yield Env(both.org, both.tenant, both.summary, both.salesforce, both.zuora)


def order_step(plan: SyncPlan, order_id: str) -> PlanStep:
    return plan.step(f"order:{order_id}")


def subscription(body: dict[str, Any], number: str) -> dict[str, Any]:
    for entry in body["subscriptions"]:
        if entry.get("subscriptionNumber") == number:
            return entry
        for action in entry["orderActions"]:
            if action.get("createSubscription", {}).get("subscriptionNumber") == number:
                return entry
    raise AssertionError(f"no subscription {number} in the order")


def only_action(body: dict[str, Any], number: str) -> dict[str, Any]:
    actions = subscription(body, number)["orderActions"]
    assert len(actions) == 1, actions
    return actions[0]


def triggers(date: str) -> list[dict[str, str]]:
    return [{"name": TRIGGER, "triggerDate": date}]


def termed(start: str, end: str, months: int) -> dict[str, Any]:
    return {
        "initialTerm": {
            "termType": "TERMED",
            "startDate": start,
            "endDate": end,
            "period": months,
            "periodType": "Month",
        },
        "renewalSetting": "RENEW_WITH_SPECIFIC_TERM",
        "renewalTerms": [{"period": months, "periodType": "Month"}],
    }


# -- 3.1 / 3.12: a new order with several subscriptions, account and catalog created first ----------


def test_new_order_creates_account_catalog_and_one_subscription_per_cpq_subscription(env: Env) -> None:
    records = env.records("new-subscriptions")
    plan = env.plan_account("new-subscriptions")
    assert plan.problems == []
    assert plan.held_back == []
    # the account is created inside its first order (newAccount, zuora-api §3.3): no account or contact
    # step; the order's Bill To / Ship To Contacts (§2.2, preference 1) become the account's defaults
    assert plan.steps_of(StepKind.CREATE_ACCOUNT) == []
    assert plan.steps_of(StepKind.CREATE_CONTACT) == []
    # the flat catalog of §2.8: product by SKU, plan keyed by the Product2 Id, one charge
    product = plan.step("catalog:product:01t8d0000000004AAA").request
    assert (product.path, product.body) == (
        "/v1/object/product",
        {
            "Name": "Platform Edition",
            "SKU": "SUB-PLAT-ENT",
            "EffectiveStartDate": "2000-01-01",
            "EffectiveEndDate": "3000-01-01",
        },
    )
    rate_plan = plan.step("catalog:prp:01t8d0000000004AAA")
    assert rate_plan.request.body["ExternalRatePlanIds"] == ["01t8d0000000004AAA"]
    assert rate_plan.request.body["ProductId"] == "${catalog:product:01t8d0000000004AAA:Id}"
    assert rate_plan.depends_on == ["catalog:product:01t8d0000000004AAA"]
    charge = plan.step("catalog:prpc:01t8d0000000004AAA").request.body
    assert {
        k: charge[k] for k in ("ChargeModel", "ChargeType", "BillingPeriod", "BillingTiming", "TriggerEvent", "UOM")
    } == {
        "ChargeModel": "Flat Fee Pricing",
        "ChargeType": "Recurring",
        "BillingPeriod": "Annual",
        "BillingTiming": "In Advance",
        "TriggerEvent": "ContractEffective",
        "UOM": "Each",
    }
    # a price in every currency with a price book entry (orders override it; §2.8)
    assert charge["ProductRatePlanChargeTierData"] == {
        "ProductRatePlanChargeTier": [
            {"Currency": "EUR", "Price": 33120.0},
            {"Currency": "GBP", "Price": 28440.0},
            {"Currency": "JPY", "Price": 5400000.0},
            {"Currency": "USD", "Price": 36000.0},
        ]
    }
    assert rate_plan.request.body["ActiveCurrencies"] == ["EUR", "GBP", "JPY", "USD"]

    order = order_step(plan, records["order"])
    body = order.request.body
    assert (order.request.path, body["orderNumber"], body["orderDate"]) == ("/v1/orders", "00000001", "2025-03-01")
    assert "existingAccountNumber" not in body
    assert body["newAccount"] == {
        "name": "Sterling Foods plc",
        "crmId": records["account"],
        "currency": "USD",
        "billCycleDay": 1,
        "billToContact": {
            "firstName": "Sofia",
            "lastName": "Silva",
            "address1": "198 Harbour Road",
            "city": "San Francisco",
            "state": "California",
            "postalCode": "94105",
            "country": "United States",
            "workEmail": "sofiasilva@sterlingfoodsplc.example",
        },
        "soldToContact": {
            "firstName": "Mateo",
            "lastName": "Smith",
            "address1": "198 Harbour Road",
            "city": "San Francisco",
            "state": "California",
            "postalCode": "94105",
            "country": "United States",
            "workEmail": "mateosmith.buyer@sterlingfoodsplc.example",
            "mobilePhone": "+1 555 150 4622",
        },
        "notes": "Customer - Direct account managed from San Francisco.",
        "salesRep": "0058d0000000003AAA",
        "autoPay": False,
    }
    assert body["processingOptions"] == {"runBilling": False, "collectPayment": False}
    assert len(body["subscriptions"]) == 5  # one Zuora subscription per CPQ subscription
    seats = subscription(body, "SUB-0000002")
    assert seats["customFields"] == {"SFDC_Contract__c": records["contract"]}
    assert seats["quote"] == {"QuoteNumber__QT": "Q-00001", "QuoteBusinessType__QT": "Quote", "QuoteType__QT": "Quote"}
    assert seats["orderActions"] == [
        {
            "type": "CreateSubscription",
            "triggerDates": triggers("2025-03-01"),
            "createSubscription": {
                "subscriptionNumber": "SUB-0000002",
                "terms": termed("2025-03-01", "2026-03-01", 12),
                "currency": "USD",
                "paymentTerm": "Net 30",
                "subscribeToRatePlans": [
                    {
                        "externallyManagedPlanId": records["seats_item"],
                        "externalCatalogPlanId": "01t8d0000000005AAA",
                        "chargeOverrides": [
                            {
                                "productRatePlanChargeId": "${catalog:prpc:01t8d0000000005AAA:Id}",
                                "chargeNumber": "0000000002",
                                "pricing": {"recurringPerUnit": {"quantity": 50, "listPrice": 540}},
                            }
                        ],
                    }
                ],
            },
        }
    ]
    assert set(order.depends_on) >= {"catalog:prpc:01t8d0000000005AAA"}
    assert not any(d.startswith(("account:", "contact:")) for d in order.depends_on)
    assert order.lookup is not None
    assert order.lookup.value == "00000001"


def test_usage_subscription_sends_converted_tiers(env: Env) -> None:
    records = env.records("new-subscriptions")
    body = order_step(env.plan_account("new-subscriptions"), records["order"]).request.body
    storage = only_action(body, "SUB-0000004")["createSubscription"]["subscribeToRatePlans"]
    # SF 0–1000, 1000–10000, 10000– (upper bounds exclusive) → Zuora 0–999, 1000–9999, 10000– (§2.6)
    assert storage == [
        {
            "externallyManagedPlanId": "a038d0000000001AAA",
            "externalCatalogPlanId": "0o78d0000000001AAA",
            "chargeOverrides": [
                {
                    "productRatePlanChargeId": "${catalog:prpc:0o78d0000000001AAA:Id}",
                    "pricing": {
                        "usageVolume": {
                            "tiers": [
                                {
                                    "tier": 1,
                                    "price": 0.1,
                                    "priceFormat": "PerUnit",
                                    "startingUnit": 0,
                                    "endingUnit": 999,
                                },
                                {
                                    "tier": 2,
                                    "price": 0.08,
                                    "priceFormat": "PerUnit",
                                    "startingUnit": 1000,
                                    "endingUnit": 9999,
                                },
                                {"tier": 3, "price": 0.05, "priceFormat": "PerUnit", "startingUnit": 10000},
                            ]
                        }
                    },
                }
            ],
        }
    ]
    increment = order_step(env.plan_account("new-subscriptions", increment_tier_upper_bound=True), records["order"])
    tiers = only_action(increment.request.body, "SUB-0000004")["createSubscription"]["subscribeToRatePlans"][0]
    bounds = [
        (t["startingUnit"], t.get("endingUnit")) for t in tiers["chargeOverrides"][0]["pricing"]["usageVolume"]["tiers"]
    ]
    assert bounds == [(0, 1000), (1001, 10000), (10001, None)]


# -- 2.2: an order without contact lookups gets contacts from its addresses --------------------------


def test_order_addresses_become_contacts_only_when_not_the_accounts_default(env: Env) -> None:
    records = env.records("address-only-order")
    plan = env.plan_account("address-only-order")
    # the order's addresses are the account's: the account (created by the order) has them as its
    # default Bill To / Sold To (§2.1), so no contact is created and the subscriptions name none
    assert plan.steps_of(StepKind.CREATE_CONTACT) == []
    body = order_step(plan, records["order"]).request.body
    assert body["newAccount"]["billToContact"]["firstName"].endswith("_billTo")
    create = body["subscriptions"][0]["orderActions"][0]["createSubscription"]
    assert "billToContactId" not in create
    assert "soldToContactId" not in create

    # another billing address on the order creating the account: it becomes the account's Bill To
    graph = graph_for(env, "address-only-order")
    edit(graph, "Order", records["order"], BillingStreet="1 Other Street")
    body = order_step(plan_of(graph), records["order"]).request.body
    assert body["newAccount"]["billToContact"]["address1"] == "1 Other Street"
    assert "billToContactId" not in body["subscriptions"][0]["orderActions"][0]["createSubscription"]

    # the account already in Zuora: the order's own address is a new contact of that order (§2.2)
    order = graph.get("Order", records["order"])
    assert order is not None
    account = ZuoraAccount(
        "8ad0000000000000000000000000aaaa",
        "A00000999",
        str(order["AccountId"]),
        "x",
        "USD",
        None,
        None,
        None,
        "8ad0000000000000000000000000bbbb",
        "8ad0000000000000000000000000bbbb",
    )
    zuora = ZuoraState(accounts={account.crm_id: account})
    plan = plan_graph(graph, zuora, profile="test", scope="edited graph", options=ConnectorOptions())
    bill_to = plan.step(f"contact:{records['order']}:billTo")
    assert bill_to.request.body["accountId"] == account.id
    assert bill_to.request.body["crmOrderId__c"] == records["order"]
    assert bill_to.request.body["address1"] == "1 Other Street"
    assert bill_to.request.body["firstName"] == bill_to.request.body["lastName"]
    assert bill_to.request.body["firstName"].endswith("_billTo")
    body = order_step(plan, records["order"]).request.body
    assert body["existingAccountNumber"] == account.number
    create = body["subscriptions"][0]["orderActions"][0]["createSubscription"]
    assert create["billToContactId"] == f"${{contact:{records['order']}:billTo:id}}"


# -- 3.2: one-time products become order line items --------------------------------------------------


def test_one_time_products_become_order_line_items(env: Env) -> None:
    records = env.records("one-time-assets")
    plan = env.plan_account("one-time-assets")
    body = order_step(plan, records["order"]).request.body
    items = {item["itemName"]: item for item in body["orderLineItems"]}
    assert items["Edge Appliance"] == {
        "itemName": "Edge Appliance",
        "itemState": "SentToBilling",
        "quantity": 4,
        "productCode": "HW-EDGE-100",
        "productRatePlanChargeId": "${catalog:prpc:01t8d0000000002AAA:Id}",
        "transactionStartDate": "2025-04-01",
        "transactionEndDate": "2025-04-01",
        "itemType": "Product",
        "purchaseOrderNumber": records["order"],
        "itemCategory": "Sales",
        "description": items["Edge Appliance"]["description"],
        "billTargetDate": "2025-04-01",
        "listPricePerUnit": 1896,
        "amountPerUnit": 1896,
    }  # its Bill To / Ship To Contacts are the account's defaults (the order creates it): none is sent
    assert sorted(items) == ["Edge Appliance", "Implementation Services", "Training Credits"]
    assert plan.step("catalog:prpc:01t8d0000000002AAA").request.body["ChargeType"] == "OneTime"


# -- 3.3 / 3.4 / 3.5 / 3.7 and the stacked second amendment -------------------------------------


def test_amendment_chain_add_update_cancel_then_stacked_amendment_and_renewal(env: Env) -> None:
    records = env.records("amendment-chain")
    plan = env.plan_account("amendment-chain")
    assert plan.problems == []
    assert plan.held_back == []
    first = order_step(plan, records["amendment_order"])
    body = first.request.body
    assert body["orderDate"] == "2025-05-01"
    assert f"order:{records['order']}" in first.depends_on  # the original goes first
    # 3.3: the added product is a new subscription, not AddProduct
    added = only_action(body, "SUB-0000013")
    assert added["type"] == "CreateSubscription"
    assert added["createSubscription"]["subscribeToRatePlans"][0]["externallyManagedPlanId"] == records["burst_item"]
    assert added["triggerDates"] == triggers("2025-05-01")
    # 3.4: seats 100 → 120 on the rate plan anchored at the first order product
    assert only_action(body, "SUB-0000007") == {
        "type": "UpdateProduct",
        "triggerDates": triggers("2025-05-01"),
        "updateProduct": {
            "externalCatalogPlanId": "01t8d0000000005AAA",
            "chargeUpdates": [{"chargeNumber": "0000000010", "pricing": {"recurringPerUnit": {"quantity": 120}}}],
        },
    }
    assert any("quantity 100 → 120 on subscription SUB-0000007" in d for d in first.details)
    # 3.5: the support line set to 0 cancels its subscription on the amendment date
    assert only_action(body, "SUB-0000009") == {
        "type": "CancelSubscription",
        "triggerDates": triggers("2025-05-01"),
        "cancelSubscription": {"cancellationPolicy": "SpecificDate", "cancellationEffectiveDate": "2025-05-01"},
    }
    # the stacked second amendment: its revision points at the *first* order product; 120 → 90
    second = order_step(plan, records["second_amendment_order"])
    assert f"order:{records['amendment_order']}" in second.depends_on
    update = only_action(second.request.body, "SUB-0000007")
    assert update["triggerDates"] == triggers("2025-09-10")
    assert update["updateProduct"]["chargeUpdates"] == [
        {"chargeNumber": "0000000010", "pricing": {"recurringPerUnit": {"quantity": 90}}}
    ]
    # 3.7: the renewal renews each live subscription, with the uplifted price
    renewal = order_step(plan, records["renewal_order"]).request.body
    seats = subscription(renewal, "SUB-0000007")["orderActions"]
    assert seats == [
        {"type": "RenewSubscription", "triggerDates": triggers("2026-02-01"), "renewSubscription": {}},
        {
            "type": "UpdateProduct",
            "triggerDates": triggers("2026-02-01"),
            "updateProduct": {
                "externalCatalogPlanId": "01t8d0000000005AAA",
                "chargeUpdates": [
                    {"chargeNumber": "0000000010", "pricing": {"recurringPerUnit": {"listPrice": 598.5}}}
                ],
            },
        },
    ]
    # the co-termed add-on ran 9 months; its renewal runs 12, so its renewal term changes first
    assert [a["type"] for a in subscription(renewal, "SUB-0000013")["orderActions"]] == [
        "TermsAndConditions",
        "RenewSubscription",
        "UpdateProduct",
    ]
    terms = subscription(renewal, "SUB-0000013")["orderActions"][0]["termsAndConditions"]
    assert terms == {
        "renewalSetting": "RENEW_WITH_SPECIFIC_TERM",
        "renewalTerms": [{"period": 12, "periodType": "Month"}],
    }
    # the first order creates the account (newAccount): the others wait for it and take its number
    assert set(order_step(plan, records["renewal_order"]).depends_on) == {
        f"order:{records['order']}",
        f"order:{records['second_amendment_order']}",
    }
    renewed = {entry["subscriptionNumber"] for entry in renewal["subscriptions"]}
    assert "SUB-0000009" not in renewed  # the cancelled subscription is not renewed


def test_quantity_decrease_and_cancelled_line(env: Env) -> None:
    decrease = env.records("amendment-quantity-decrease")
    plan = env.plan_account("amendment-quantity-decrease")
    step = order_step(plan, decrease["amendment_order"])
    (action,) = [a for s in step.request.body["subscriptions"] for a in s["orderActions"]]
    assert action["type"] == "UpdateProduct"
    pricing = action["updateProduct"]["chargeUpdates"][0]["pricing"]["recurringPerUnit"]
    assert list(pricing) == ["quantity"]
    assert pricing["quantity"] > 0
    cancel = env.records("amendment-cancel-line")
    plan = env.plan_account("amendment-cancel-line")
    body = order_step(plan, cancel["amendment_order"]).request.body
    kinds = sorted(a["type"] for s in body["subscriptions"] for a in s["orderActions"])
    assert kinds == ["CancelSubscription"]
    termination = env.records("termination")
    body = order_step(env.plan_account("termination"), termination["amendment_order"]).request.body
    assert [a["type"] for s in body["subscriptions"] for a in s["orderActions"]] == ["CancelSubscription"] * 2


def test_quantity_increase_is_an_update_product(env: Env) -> None:
    records = env.records("amendment-quantity-increase")
    step = order_step(env.plan_account("amendment-quantity-increase"), records["amendment_order"])
    (entry,) = step.request.body["subscriptions"]
    (action,) = entry["orderActions"]
    assert action["type"] == "UpdateProduct"
    assert action["updateProduct"]["externalCatalogPlanId"] == "01t8d0000000005AAA"
    assert any(f"rate plan of OrderItem {records['seats_item']}" in d for d in step.details)


def test_add_product_amendment_creates_a_new_subscription(env: Env) -> None:
    records = env.records("amendment-add-product")
    body = order_step(env.plan_account("amendment-add-product"), records["amendment_order"]).request.body
    (entry,) = body["subscriptions"]
    (action,) = entry["orderActions"]
    assert action["type"] == "CreateSubscription"
    assert action["createSubscription"]["subscribeToRatePlans"][0]["externallyManagedPlanId"] == records["added_item"]


# -- 3.6 price change: debook and rebook -------------------------------------------------------------


def test_price_change_cancels_the_old_subscription_and_creates_a_new_one(env: Env) -> None:
    records = env.records("price-change")
    body = order_step(env.plan_account("price-change"), records["amendment_order"]).request.body
    assert only_action(body, "SUB-0000035") == {
        "type": "CancelSubscription",
        "triggerDates": triggers("2025-08-01"),
        "cancelSubscription": {"cancellationPolicy": "SpecificDate", "cancellationEffectiveDate": "2025-08-01"},
    }
    rebook = only_action(body, "SUB-0000038")["createSubscription"]
    assert rebook["terms"]["initialTerm"]["startDate"] == "2025-08-01"
    assert rebook["subscribeToRatePlans"][0]["chargeOverrides"][0]["pricing"] == {
        "recurringPerUnit": {"quantity": 50, "listPrice": 294.41}
    }


# -- 3.8 assets on amendment and renewal: brand-new order line items ------------------------------


def test_assets_on_amendment_and_renewal_are_new_line_items(env: Env) -> None:
    records = env.records("asset-amend-renew")
    plan = env.plan_account("asset-amend-renew")
    amendment = order_step(plan, records["amendment_order"]).request.body
    assert "subscriptions" not in amendment
    assert [(i["itemName"], i["quantity"]) for i in amendment["orderLineItems"]] == [
        ("Edge Appliance", 3),
        ("Training Credits", 5),
    ]
    renewal = order_step(plan, records["renewal_order"]).request.body
    assert [(i["itemName"], i["quantity"]) for i in renewal["orderLineItems"]] == [("Training Credits", 4)]
    assert [a["type"] for s in renewal["subscriptions"] for a in s["orderActions"]] == ["RenewSubscription"]


# -- 3.9 invoice owner change -------------------------------------------------------------------------


def test_invoice_owner_change_transfers_the_subscription(env: Env) -> None:
    records = env.records("invoice-owner-change")
    plan = env.plan_account("invoice-owner-change")
    step = order_step(plan, records["amendment_order"])
    actions = subscription(step.request.body, "SUB-0000047")["orderActions"]
    assert [a["type"] for a in actions] == ["UpdateProduct", "OwnerTransfer"]
    parent = records["parent_account"]
    assert actions[1]["ownerTransfer"] == {"destinationInvoiceAccountNumber": f"${{account:{parent}:accountNumber}}"}
    assert f"account:{parent}" in step.depends_on  # the new owner is created on the fly, without its orders
    assert plan.step(f"account:{parent}").request.body["crmId"] == parent
    # the child's parent account (connector-spec §2.1) is created first and linked by its Zuora id
    # the child itself is created by its first order (newAccount), which waits for the parent
    first = order_step(plan, records["order"])
    assert first.request.body["newAccount"]["parentId"] == f"${{account:{parent}:accountId}}"
    assert f"account:{parent}" in first.depends_on
    assert f"account:{records['account']}" not in {s.step_id for s in plan.steps}


# -- 3.10 co-termed add-on with a partial month and list price base ------------------------------


def test_coterm_partial_month_with_list_price_base_is_a_new_subscription(env: Env) -> None:
    records = env.records("coterm-partial-month")
    plan = env.plan_account("coterm-partial-month", use_list_price_base=True)
    original = order_step(plan, records["order"]).request.body
    seats = only_action(original, "SUB-0000050")["createSubscription"]["subscribeToRatePlans"][0]["chargeOverrides"][0]
    assert seats["pricing"] == {
        "recurringPerUnit": {
            "quantity": 60,
            "listPrice": 600,
            "listPriceBase": "Per_Specific_Months",
            "specificListPriceBase": 12,
        }
    }
    assert seats["billing"] == {"billCycleType": "ChargeTriggerDay"}
    body = order_step(plan, records["amendment_order"]).request.body
    (entry,) = body["subscriptions"]
    (action,) = entry["orderActions"]
    assert action["type"] == "CreateSubscription"
    override = action["createSubscription"]["subscribeToRatePlans"][0]["chargeOverrides"][0]
    assert override["pricing"] == {"recurringFlatFee": {"listPrice": 5000}}  # no list price base for a partial month
    assert action["triggerDates"] == triggers("2025-09-16")


# -- 3.11 evergreen, 3.12 termed ---------------------------------------------------------------------


def test_evergreen_subscription_and_its_amendment(env: Env) -> None:
    records = env.records("evergreen")
    plan = env.plan_account("evergreen")
    body = order_step(plan, records["order"]).request.body
    (entry,) = body["subscriptions"]
    create = entry["orderActions"][0]["createSubscription"]
    assert create["terms"] == {
        "initialTerm": {"termType": "EVERGREEN", "startDate": "2024-08-01"},
        "renewalSetting": "RENEW_TO_EVERGREEN",
    }
    amendment = order_step(plan, records["amendment_order"]).request.body
    (update,) = amendment["subscriptions"][0]["orderActions"]
    assert update["updateProduct"]["chargeUpdates"][0]["pricing"] == {"recurringPerUnit": {"quantity": 8}}


def test_termed_multi_year(env: Env) -> None:
    records = env.records("termed-multi-year")
    body = order_step(env.plan_account("termed-multi-year"), records["order"]).request.body
    terms = {
        entry["orderActions"][0]["createSubscription"]["terms"]["initialTerm"]["period"]
        for entry in body["subscriptions"]
    }
    assert terms == {36}
    renewal_terms = body["subscriptions"][0]["orderActions"][0]["createSubscription"]["terms"]["renewalTerms"]
    assert renewal_terms == [{"period": 36, "periodType": "Month"}]


# -- 3.13 ramps (MDQ): not supported, one clear message ----------------------------------------------


def test_mdq_ramp_order_is_refused_with_the_workaround(env: Env) -> None:
    records = env.records("mdq-ramp")
    plan = env.plan_account("mdq-ramp")
    (problem,) = plan.problems
    assert problem.record.id == records["order"]
    assert problem.error_class is ErrorClass.UNSUPPORTED
    assert "Order By Quote Line Group" in problem.message
    assert plan.steps_of(StepKind.CREATE_ORDER) == []


# -- bad records, held-back dependents ---------------------------------------------------------------


def test_missing_billing_address_fails_the_account_and_holds_its_orders(env: Env) -> None:
    records = env.records("missing-billing-address")
    plan = env.plan_account("missing-billing-address")
    (problem,) = plan.problems
    assert problem.error_class is ErrorClass.MISSING_BILLING_ADDRESS
    assert problem.record.id == records["account"]
    assert "Fill in the account's Billing Address" in problem.message
    (held,) = plan.held_back
    assert held.record.id == records["order"]
    assert held.blocked_by is not None
    assert held.blocked_by.id == records["account"]
    assert plan.steps == []


def test_amendment_whose_original_is_not_synced_is_held_back(env: Env) -> None:
    records = env.records("amendment-quantity-increase")
    plan = env.plan(OrderScope(order_ids=(records["amendment_order"],)))
    (held,) = plan.held_back
    assert held.record.id == records["amendment_order"]
    assert "not in Zuora yet" in held.reason
    assert "sync the original order first" in held.reason
    assert plan.steps_of(StepKind.CREATE_ORDER) == []


# -- every body fits the SDK; dates survive any time zone; a dry run writes nothing --------------


@pytest.fixture(scope="module")
def whole_org_plan(env: Env) -> SyncPlan:
    return env.plan(UnsyncedScope())


def test_every_planned_body_validates_against_the_strict_sdk_models(whole_org_plan: SyncPlan) -> None:
    models = strict_models()
    assert len(whole_org_plan.steps_of(StepKind.CREATE_ORDER)) >= 30
    kinds = {step.kind for step in whole_org_plan.steps}
    assert kinds >= {StepKind.CREATE_ACCOUNT, StepKind.CREATE_PRODUCT, StepKind.CREATE_ORDER}
    # accounts created inside their first order: the newAccount bodies are checked too
    assert any("newAccount" in step.request.body for step in whole_org_plan.steps_of(StepKind.CREATE_ORDER))
    for step in whole_org_plan.steps:
        validate_request(models, step)


def test_plan_is_the_same_under_far_apart_time_zones(env: Env, whole_org_plan: SyncPlan) -> None:
    original = os.environ.get("TZ")
    plans = []
    try:
        for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
            os.environ["TZ"] = zone
            time.tzset()
            plans.append(env.plan(UnsyncedScope()).model_dump(mode="json"))
    finally:
        if original is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = original
        time.tzset()
    assert plans[0] == plans[1] == whole_org_plan.model_dump(mode="json")
    first = next(s for s in whole_org_plan.steps if s.step_id == f"order:{env.records('new-subscriptions')['order']}")
    assert first.request.body["orderDate"] == "2025-03-01"


def _zuora_counts(env: Env) -> dict[str, int]:
    counts = {}
    for path in ("accounts", "products", "product-rate-plans", "subscriptions"):
        response = env.zuora.get(f"/object-query/{path}", params={"pageSize": 99})
        counts[path] = len(response.body.get("data") or [])
    return counts


def test_dry_run_changes_nothing_in_either_sandbox(env: Env) -> None:
    sf_counts = {
        name: env.salesforce.call(lambda sf, n=name: sf.query(f"SELECT COUNT() FROM {n}"))["totalSize"]
        for name in ("Order", "Account", "OrderItem", "SBQQ__Subscription__c")
    }
    statuses = env.salesforce.call(lambda sf: sf.query_all("SELECT Id, Zuora_Sync_Status__c FROM Order"))["records"]
    before = _zuora_counts(env)
    plan = env.plan(UnsyncedScope())
    assert plan.steps
    assert _zuora_counts(env) == before
    assert {
        name: env.salesforce.call(lambda sf, n=name: sf.query(f"SELECT COUNT() FROM {n}"))["totalSize"]
        for name in sf_counts
    } == sf_counts
    again = env.salesforce.call(lambda sf: sf.query_all("SELECT Id, Zuora_Sync_Status__c FROM Order"))["records"]
    assert again == statuses
    assert plan.zuora_lookup_calls < 10  # batched look-ups, not one per record


# -- once in Zuora, nothing is planned twice ----------------------------------------------------------


def _write(env: Env, plan: SyncPlan) -> None:
    """Send the plan's writes in order, as the executor would (a test stand-in for it)."""
    outputs: dict[str, dict[str, Any]] = {}
    for step in plan.steps:
        body = resolve_body(step.request.body, outputs)
        request = step.request
        answer = env.zuora.request(request.method, request.path, json=body, headers=request.headers).body
        outputs[step.step_id] = {
            "id": answer.get("id"),
            "Id": answer.get("Id"),
            "accountId": answer.get("accountId"),
            "accountNumber": answer.get("accountNumber"),
        }


def test_replanning_after_the_original_is_in_zuora_plans_no_duplicates(env: Env) -> None:
    records = env.records("amendment-quantity-increase")
    original = env.plan(OrderScope(order_ids=(records["order"],)))
    _write(env, original)
    again = env.plan(OrderScope(order_ids=(records["order"],)))
    assert again.steps == []
    assert [a.record.id for a in again.already_in_zuora] == [records["order"]]
    amendment = env.plan(AccountScope(account_ids=(records["account"],)))
    assert [s.kind for s in amendment.steps] == [StepKind.CREATE_ORDER]  # no account, no catalog again
    (step,) = amendment.steps
    (entry,) = step.request.body["subscriptions"]
    (action,) = entry["orderActions"]
    assert action["type"] == "UpdateProduct"
    assert set(action["updateProduct"]) == {"ratePlanId", "chargeUpdates"}  # found in Zuora by its anchor
    assert step.depends_on == []


def test_whole_org_plan_is_accepted_by_zuora_and_a_second_plan_writes_nothing(env: Env) -> None:
    plan = env.plan(UnsyncedScope())
    _write(env, plan)  # raises on the first request the Zuora sandbox refuses
    again = env.plan(UnsyncedScope())
    assert again.steps == []
    # finding everything again is batched: a handful of Object Query pages, not a call per order
    assert again.zuora_lookup_calls <= 10, again.zuora_lookup_calls
    assert len(again.already_in_zuora) == len(plan.steps_of(StepKind.CREATE_ORDER)) + len(
        [a for a in plan.already_in_zuora]
    )
    assert {p.record.id for p in again.problems} == {p.record.id for p in plan.problems}
    seats = env.zuora.get("/v1/subscriptions/SUB-0000007").body
    charges = [c for rp in seats["ratePlans"] for c in rp["ratePlanCharges"] if c["number"] == "0000000010"]
    assert charges[-1]["quantity"] == 90  # the stacked amendments applied: 100 → 120 → 90


# -- bad records, one clear message each (planned from a graph the test edits) -------------------------


def graph_for(env: Env, showcase: str, **options: Any) -> RecordGraph:
    extractor = Extractor(env.salesforce, options=ConnectorOptions(**options))
    extraction = extractor.extract(AccountScope(account_ids=(env.records(showcase)["account"],)))
    return graph_from_cpq(extraction.graph)


def edit(graph: RecordGraph, sobject: str, record_id: str, **changes: Any) -> None:
    record = graph.get(sobject, record_id)
    assert record is not None
    graph.add(sobject, [{**record, **changes}])


def plan_of(graph: RecordGraph, **options: Any) -> SyncPlan:
    """A plan of ``graph`` as if Zuora were empty (the module's tenant fills up as tests write to it)."""
    return plan_graph(graph, ZuoraState(), profile="test", scope="edited graph", options=ConnectorOptions(**options))


def test_blank_product_code_fails_the_order_with_one_message(env: Env) -> None:
    records = env.records("new-subscriptions")
    graph = graph_for(env, "new-subscriptions")
    edit(graph, "Product2", "01t8d0000000005AAA", ProductCode="  ")
    plan = plan_of(graph)
    (problem,) = plan.problems
    assert problem.record.id == records["order"]
    assert problem.error_class is ErrorClass.INVALID_REFERENCED_PRODUCTS
    assert "'User Seats' (01t8d0000000005AAA) has a blank Product Code" in problem.message
    assert plan.steps_of(StepKind.CREATE_ORDER) == []
    assert not [s for s in plan.steps if s.step_id.startswith("catalog:")]  # nothing half-planned is left


def test_missing_or_dangling_revised_order_product(env: Env) -> None:
    records = env.records("amendment-quantity-increase")
    graph = graph_for(env, "amendment-quantity-increase")
    (revision,) = [i for i in graph.items_of(records["amendment_order"]) if i.get("SBQQ__RevisedOrderProduct__c")]
    edit(graph, "OrderItem", revision["Id"], SBQQ__RevisedOrderProduct__c=None)
    plan = plan_of(graph)
    (problem,) = plan.problems
    assert problem.record.id == records["amendment_order"]
    assert problem.error_class is ErrorClass.MISSING_REVISED_ORDER_PRODUCT
    assert "Revised Order Product is empty" in problem.message
    assert [s.record.id for s in plan.steps_of(StepKind.CREATE_ORDER)] == [records["order"]]  # the rest goes on
    edit(graph, "OrderItem", revision["Id"], SBQQ__RevisedOrderProduct__c="8028d00000000ZZAAA")
    (problem,) = plan_of(graph).problems
    assert "revises order product 8028d00000000ZZAAA, which does not exist" in problem.message


def test_mixed_currencies_in_one_order(env: Env) -> None:
    records = env.records("usage-models")
    graph = graph_for(env, "usage-models")
    schedule = graph.schedules_of(records["volume_item"])[0]
    edit(graph, "SBQQ__OrderItemConsumptionSchedule__c", schedule["Id"], CurrencyIsoCode="GBP")
    (problem,) = plan_of(graph).problems
    assert problem.error_class is ErrorClass.MIXED_CURRENCIES
    assert f"consumption schedule {schedule['Id']}" in problem.message
    assert "is in EUR" in problem.message
    assert "in GBP" in problem.message


def test_subscription_product_without_a_cpq_subscription(env: Env) -> None:
    records = env.records("new-subscriptions")
    graph = graph_for(env, "new-subscriptions")
    edit(graph, "OrderItem", records["seats_item"], SBQQ__Subscription__c=None)
    (problem,) = plan_of(graph).problems
    assert problem.error_class is ErrorClass.NO_MATCHING_SUBSCRIPTION
    assert "Activate the order and tick Contracted" in problem.message


def test_lookups_are_batched_in_fifties(env: Env) -> None:
    lookups = ZuoraLookups(env.zuora)
    found = lookups.accounts_by_crm_id(f"001{n:015d}" for n in range(120))
    assert found == {}
    assert lookups.calls == 3


def _with_copies(graph: RecordGraph, item_id: str, copies: int) -> None:
    """``copies`` more lines like ``item_id`` in its order, each with its own CPQ subscription."""
    item = graph.get("OrderItem", item_id)
    assert item is not None
    subscription = graph.get("SBQQ__Subscription__c", item["SBQQ__Subscription__c"])
    assert subscription is not None
    for n in range(copies):
        sub_id, item_copy = f"a028d{n:010d}ZZZ", f"8028d{n:010d}ZZZ"
        graph.add(
            "SBQQ__Subscription__c",
            [{**subscription, "Id": sub_id, "Name": f"SUB-X{n:05d}", "SBQQ__OrderProduct__c": item_copy}],
        )
        graph.add(
            "OrderItem", [{**item, "Id": item_copy, "OrderItemNumber": f"X{n:09d}", "SBQQ__Subscription__c": sub_id}]
        )


def test_big_orders_go_async_and_are_split_at_the_orders_api_limits(env: Env) -> None:
    records = env.records("amendment-quantity-increase")
    graph = graph_for(env, "amendment-quantity-increase")
    _with_copies(graph, records["seats_item"], 59)
    step = plan_of(graph).step(f"order:{records['order']}")
    assert step.request.path == "/v1/async/orders"
    assert step.request.asynchronous
    assert len(step.request.body["subscriptions"]) == 60
    validate_request(strict_models(), step)
    _with_copies(graph, records["seats_item"], 320)
    plan = plan_of(graph)
    first, second = plan.step(f"order:{records['order']}"), plan.step(f"order:{records['order']}#2")
    assert [len(first.request.body["subscriptions"]), len(second.request.body["subscriptions"])] == [300, 21]
    assert second.request.body["orderNumber"] == f"{first.request.body['orderNumber']}-2"
    assert f"order:{records['order']}" in second.depends_on
    amendment = plan.step(f"order:{records['amendment_order']}")
    assert amendment.depends_on[-1].startswith(f"order:{records['order']}")


def test_trigger_dates_on_order_and_terms_in_days(env: Env) -> None:
    records = env.records("amendment-quantity-increase")
    graph = graph_for(env, "amendment-quantity-increase")
    plan = plan_of(graph, trigger_dates_on_order=True, subscription_term_in_days=True)
    create = order_step(plan, records["order"]).request.body["subscriptions"][0]["orderActions"][0]
    names = [t["name"] for t in create["triggerDates"]]
    assert names[0] == "ContractEffective"
    assert set(names) <= {"ContractEffective", "ServiceActivation", "CustomerAcceptance"}
    assert len(names) >= 2  # the order's authorised dates are sent too
    term = create["createSubscription"]["terms"]["initialTerm"]
    assert term["periodType"] == "Day"
    assert term["period"] in (365, 366)
    update = order_step(plan, records["amendment_order"]).request.body["subscriptions"][0]["orderActions"][0]
    assert [t["name"] for t in update["triggerDates"]] == names


def test_multi_currency_order_sends_its_currency(env: Env) -> None:
    records = env.records("multi-currency-jpy")
    graph = graph_for(env, "multi-currency-jpy")
    plan = plan_of(graph)
    body = plan.step(f"order:{records['order']}").request.body
    currencies = {s["orderActions"][0]["createSubscription"]["currency"] for s in body["subscriptions"]}
    assert currencies == {"JPY"}
    assert body["newAccount"]["currency"] == "JPY"
    charges = [s for s in plan.steps if s.kind is StepKind.CREATE_PRODUCT_RATE_PLAN_CHARGE]
    for charge in charges:
        tiers = charge.request.body["ProductRatePlanChargeTierData"]["ProductRatePlanChargeTier"]
        assert {"JPY", "USD"} <= {t["Currency"] for t in tiers}  # the order's and Zuora's default currency


def test_opportunity_fields_reach_the_order_when_the_option_is_on(env: Env) -> None:
    records = env.records("new-subscriptions")
    mapping = merge(
        MappingFile(sections={"Opportunity->Order": [MappingRow(target="OpportunityName__c", source="Name")]})
    )
    graph = graph_for(env, "new-subscriptions")
    off = plan_graph(graph, ZuoraState(), profile="t", scope="s", options=ConnectorOptions(), mapping=mapping)
    assert "customFields" not in off.step(f"order:{records['order']}").request.body
    extractor = Extractor(env.salesforce, mapping=mapping, options=ConnectorOptions(sync_opportunity_fields=True))
    extraction = extractor.extract(AccountScope(account_ids=(records["account"],)))
    graph = graph_from_cpq(extraction.graph)
    on = plan_graph(
        graph,
        ZuoraState(),
        profile="t",
        scope="s",
        options=ConnectorOptions(sync_opportunity_fields=True),
        mapping=mapping,
    )
    opportunity = graph.get("Opportunity", records["opportunity"])
    assert opportunity is not None
    body = on.step(f"order:{records['order']}").request.body
    assert body["customFields"] == {"OpportunityName__c": opportunity["Name"]}


def test_line_items_billed_to_an_invoice_owner_go_in_an_order_of_that_account(env: Env) -> None:
    records = env.records("one-time-assets")
    graph = graph_for(env, "one-time-assets")
    account = graph.get("Account", records["account"])
    assert account is not None
    graph.add("Account", [{**account, "Id": "0018d00000000ZZAAA", "Name": "Wayne Holdings", "ParentId": None}])
    edit(graph, "Order", records["order"], InvoiceOwner__c="0018d00000000ZZAAA")
    (problem,) = plan_of(graph).problems  # its Bill To Contact belongs to the order's account, not the owner
    assert problem.error_class is ErrorClass.CONTACT_OWNER_MISMATCH
    edit(graph, "Order", records["order"], BillToContactId=None)
    plan = plan_of(graph)
    assert plan.problems == []
    first, second = plan.step(f"order:{records['order']}"), plan.step(f"order:{records['order']}#2")
    assert "orderLineItems" not in first.request.body
    assert first.request.body["newAccount"]["crmId"] == records["account"]  # the order creates its account
    assert "existingAccountNumber" not in first.request.body
    invoice_owner = "${account:0018d00000000ZZAAA:accountNumber}"
    create = first.request.body["subscriptions"][0]["orderActions"][0]["createSubscription"]
    assert create["invoiceOwnerAccountNumber"] == invoice_owner
    assert second.request.body["existingAccountNumber"] == invoice_owner
    assert second.request.body["orderNumber"] == "00000002-2"
    assert len(second.request.body["orderLineItems"]) == 3
    assert "account:0018d00000000ZZAAA" in second.depends_on
