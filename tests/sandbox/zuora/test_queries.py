"""Object Query and ZOQL as a connector uses them to find what it already created (zuora-api.md §4.4, §9 item 7)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
import requests

WSDL = {"X-Zuora-WSDL-Version": "133"}


def make_accounts(zuora: requests.Session, prefix: str, count: int, **extra: Any) -> list[dict[str, Any]]:
    created = []
    for index in range(count):
        body = {
            "name": f"{prefix} Customer {index}",
            "crmId": f"{prefix}{index:03d}",
            "currency": "USD",
            "billCycleDay": 1,
            "billToContact": {"firstName": "Quinn", "lastName": f"Q{index}", "country": "US", "state": "TX"},
            **extra,
        }
        response = zuora.post("/v1/accounts", json=body)
        assert response.status_code == 200, response.text
        created.append(response.json())
    return created


@pytest.fixture(scope="module")
def prefix() -> str:
    return f"Q{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def accounts(zuora_session_factory: Callable[[], requests.Session], prefix: str) -> list[dict[str, Any]]:
    with zuora_session_factory() as session:
        return make_accounts(session, prefix, 5)


def test_find_account_by_crm_id(zuora: requests.Session, accounts: list[dict[str, Any]], prefix: str) -> None:
    response = zuora.get("/object-query/accounts", params={"filter[]": f"crmid.EQ:{prefix}002", "pageSize": 10})
    assert response.status_code == 200
    body = response.json()
    assert "success" not in body
    [record] = body["data"]
    assert record["id"] == accounts[2]["accountId"]
    assert record["accountNumber"] == accounts[2]["accountNumber"]
    assert record["crmId"] == f"{prefix}002"
    assert record["billToId"] == accounts[2]["billToContactId"]
    assert "nextPage" not in body
    assert "parentId" not in record  # null fields are left out by default
    with_nulls = zuora.get(
        "/object-query/accounts", params={"filter[]": f"CrmId.EQ:{prefix}002", "includeNullFields": "true"}
    ).json()
    assert with_nulls["data"][0]["parentId"] is None
    nothing = zuora.get("/object-query/accounts", params={"filter[]": "crmid.EQ:no-such-crm-id"}).json()
    assert nothing == {"data": []}


def test_in_filter_paging_fields_and_expand(
    zuora: requests.Session, accounts: list[dict[str, Any]], prefix: str
) -> None:
    wanted = [f"{prefix}000", f"{prefix}003", f"{prefix}004"]
    response = zuora.get(
        "/object-query/accounts",
        params={"filter[]": f"crmid.IN:[{','.join(wanted)}]", "pageSize": 2, "fields[]": "id,crmId,name"},
    )
    first = response.json()
    assert len(first["data"]) == 2
    assert set(first["data"][0]) == {"id", "crmId", "name"}
    second = zuora.get(
        "/object-query/accounts",
        params={"filter[]": f"crmid.IN:[{','.join(wanted)}]", "pageSize": 2, "cursor": first["nextPage"]},
    ).json()
    assert "nextPage" not in second
    assert sorted(r["crmId"] for r in first["data"] + second["data"]) == wanted

    starts = zuora.get(
        "/object-query/accounts",
        params=[
            ("filter[]", f"crmid.SW:{prefix}"),
            ("filter[]", "billcycleday.EQ:1"),
            ("expand[]", "billto"),
            ("expand[]", "soldto"),
            ("sort[]", "crmid.DESC"),
            ("pageSize", "99"),
        ],
    ).json()
    assert [r["crmId"] for r in starts["data"]] == [f"{prefix}{i:03d}" for i in range(4, -1, -1)]
    record = starts["data"][0]
    assert record["billTo"]["country"] == "United States"
    assert record["billTo"]["state"] == "TX"
    assert record["soldTo"]["id"] == accounts[4]["soldToContactId"]

    single = zuora.get(f"/object-query/accounts/{accounts[1]['accountNumber']}").json()
    assert single["id"] == accounts[1]["accountId"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"filter[]": "notes.EQ:x"}, "notes"),
        ({"filter[]": "crmid.XX:1"}, "crmid.XX"),
        ({"filter[]": "crmid.IN:1,2"}, "IN"),
        ({"pageSize": "100"}, "pageSize"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"expand[]": "everything"}, "everything"),
    ],
)
def test_bad_object_query_parameters(zuora: requests.Session, params: dict[str, str], fragment: str) -> None:
    response = zuora.get("/object-query/accounts", params=params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"reasons", "requestId"}
    assert body["reasons"][0]["code"] % 100 == 27
    assert fragment in body["reasons"][0]["message"]


def test_contacts_and_product_rate_plans(zuora: requests.Session, accounts: list[dict[str, Any]]) -> None:
    contacts = zuora.get("/object-query/contacts", params={"filter[]": f"accountid.EQ:{accounts[0]['accountId']}"})
    found = contacts.json()["data"]
    # No soldToSameAsBillTo on these accounts: the sold-to contact is a separate copy of the bill-to.
    assert {c["id"] for c in found} == {accounts[0]["billToContactId"], accounts[0]["soldToContactId"]}
    assert all(c["country"] == "United States" and c["lastName"] == "Q0" for c in found)

    product = zuora.post(
        "/v1/object/product",
        json={"Name": "OQ Product", "EffectiveStartDate": "2024-01-01", "EffectiveEndDate": "2034-01-01"},
    ).json()["Id"]
    ext = f"OQ-{uuid.uuid4().hex[:8]}"
    plan = zuora.post(
        "/v1/object/product-rate-plan",
        json={"Name": "OQ Plan", "ProductId": product, "ExternalRatePlanIds": [ext], "ExternalIdSourceSystem": "SFDC"},
        headers=WSDL,
    ).json()["Id"]
    tiers = [
        {"Currency": "USD", "StartingUnit": 1, "EndingUnit": 10, "Price": 5.0, "PriceFormat": "Per Unit"},
        {"Currency": "USD", "StartingUnit": 11, "Price": 4.0, "PriceFormat": "Per Unit"},
    ]
    zuora.post(
        "/v1/object/product-rate-plan-charge",
        json={
            "ProductRatePlanId": plan,
            "Name": "Volume seats",
            "ChargeType": "Recurring",
            "ChargeModel": "Volume Pricing",
            "BillCycleType": "DefaultFromCustomer",
            "BillingPeriod": "Month",
            "TriggerEvent": "ContractEffective",
            "UOM": "Seat",
            "UseDiscountSpecificAccountingCode": False,
            "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": tiers},
        },
    ).raise_for_status()
    number = zuora.get(f"/v1/product-rate-plans/{plan}").json()["productRatePlanNumber"]
    found = zuora.get(
        "/object-query/product-rate-plans",
        params=[
            ("filter[]", f"productrateplannumber.EQ:{number}"),
            ("expand[]", "externalproductrateplans"),
            ("expand[]", "productrateplancharges"),
            ("expand[]", "productrateplancharges.productrateplanchargetiers"),
        ],
    ).json()
    [record] = found["data"]
    assert record["id"] == plan
    assert record["externalProductRatePlans"][0]["externalProductRatePlanId"] == ext
    [charge] = record["productRatePlanCharges"]
    assert charge["chargeModel"] == "Volume Pricing"
    assert [t["price"] for t in charge["productRatePlanChargeTiers"]] == [5.0, 4.0]


def zoql(zuora: requests.Session, query: str, **conf: Any) -> requests.Response:
    body: dict[str, Any] = {"queryString": query}
    if conf:
        body["conf"] = conf
    return zuora.post("/v1/action/query", json=body)


def test_zoql_finds_accounts_and_pages_with_query_more(
    zuora: requests.Session, accounts: list[dict[str, Any]], prefix: str
) -> None:
    response = zoql(
        zuora, f"select Id, AccountNumber, Name, CrmId, Status, ParentId from Account where CrmId = '{prefix}001'"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["size"] == 1
    assert body["done"] is True
    assert body["records"] == [
        {
            "Id": accounts[1]["accountId"],
            "AccountNumber": accounts[1]["accountNumber"],
            "Name": f"{prefix} Customer 1",
            "CrmId": f"{prefix}001",
            "Status": "Active",
        }
    ]
    where = " or ".join(f"CrmId = '{prefix}{i:03d}'" for i in range(5))
    first = zoql(zuora, f"select Id, CrmId from Account where {where}", batchSize=2).json()
    assert (first["size"], first["done"], len(first["records"])) == (5, False, 2)
    seen = [r["CrmId"] for r in first["records"]]
    locator = first["queryLocator"]
    while True:
        more = zuora.post("/v1/action/queryMore", json={"queryLocator": locator}).json()
        seen += [r["CrmId"] for r in more["records"]]
        if more["done"]:
            break
        locator = more["queryLocator"]
    assert sorted(seen) == [f"{prefix}{i:03d}" for i in range(5)]
    expired = zuora.post("/v1/action/queryMore", json={"queryLocator": locator})
    assert expired.status_code == 400
    assert expired.json()["FaultCode"] == "INVALID_VALUE"


def test_zoql_escapes_and_one_time_spelling(zuora: requests.Session, prefix: str) -> None:
    [created] = make_accounts(zuora, f"{prefix}esc", 1)
    zuora.put(f"/v1/accounts/{created['accountId']}", json={"name": "San Francisco's Finest \\ Co"}).raise_for_status()
    body = zoql(zuora, "select Id from Account where Name = 'San Francisco\\'s Finest \\\\ Co'").json()
    assert {"Id": created["accountId"]} in body["records"]
    like = zoql(zuora, "select Id, Name from Account where Name like 'San Francisco%' and Status = 'Active'").json()
    assert any(r["Id"] == created["accountId"] for r in like["records"])
    product = zuora.post(
        "/v1/object/product",
        json={"Name": "ZOQL Product", "EffectiveStartDate": "2024-01-01", "EffectiveEndDate": "2034-01-01"},
    ).json()["Id"]
    plan = zuora.post("/v1/object/product-rate-plan", json={"Name": "ZOQL Plan", "ProductId": product}).json()["Id"]
    zuora.post(
        "/v1/object/product-rate-plan-charge",
        json={
            "ProductRatePlanId": plan,
            "Name": "Setup",
            "ChargeType": "OneTime",
            "ChargeModel": "Flat Fee Pricing",
            "BillCycleType": "DefaultFromCustomer",
            "BillingPeriod": "Month",
            "TriggerEvent": "ContractEffective",
            "UseDiscountSpecificAccountingCode": False,
            "ProductRatePlanChargeTierData": {"ProductRatePlanChargeTier": [{"Currency": "USD", "Price": 99}]},
        },
    ).raise_for_status()
    charges = zoql(
        zuora, f"select Id, Name, ChargeType from ProductRatePlanCharge where ProductRatePlanId = '{plan}'"
    ).json()
    assert charges["records"][0]["ChargeType"] == "One-Time"


@pytest.mark.parametrize(
    ("query", "fault"),
    [
        ("SELECT Id FROM Account", "MALFORMED_QUERY"),
        ("select * from Account", "MALFORMED_QUERY"),
        ("select Id from Account where (Name = 'x')", "MALFORMED_QUERY"),
        ("select Id from Account where Name = 'unterminated", "MALFORMED_QUERY"),
        ("select Id from Account order by Name", "MALFORMED_QUERY"),
        ("select Nope from Account", "INVALID_FIELD"),
        ("select Id from Order", "INVALID_TYPE"),
    ],
)
def test_zoql_errors(zuora: requests.Session, query: str, fault: str) -> None:
    response = zoql(zuora, query)
    assert response.status_code == 400
    assert response.json()["FaultCode"] == fault
    assert response.json()["FaultMessage"]


def test_subscriptions_created_by_an_order_are_queryable(
    zuora: requests.Session, ordered_subscription: dict[str, Any]
) -> None:
    number = ordered_subscription["subscriptionNumber"]
    account_number = ordered_subscription["accountNumber"]
    plan = ordered_subscription["planId"]
    order_item_id = ordered_subscription["externallyManagedPlanId"]

    found = zuora.get(
        "/object-query/subscriptions",
        params=[
            ("filter[]", f"name.EQ:{number}"),
            ("expand[]", "rateplans"),
            ("expand[]", "rateplans.rateplancharges"),
        ],
    ).json()["data"]
    [subscription] = found
    assert subscription["status"] == "Active"
    assert subscription["isLatestVersion"] is True
    [rate_plan] = subscription["ratePlans"]
    assert rate_plan["externallyManagedPlanId"] == order_item_id
    assert rate_plan["productRatePlanId"] == plan
    [rate_plan_charge] = rate_plan["ratePlanCharges"]
    assert rate_plan_charge["quantity"] == 5
    assert rate_plan_charge["chargeModel"] == "Per Unit Pricing"
    assert rate_plan_charge["chargeNumber"].startswith("C-")

    by_anchor = zoql(
        zuora,
        f"select Id, SubscriptionId, ProductRatePlanId from RatePlan where ExternallyManagedPlanId = '{order_item_id}'",
    ).json()
    assert by_anchor["records"] == [
        {"Id": rate_plan["id"], "SubscriptionId": subscription["id"], "ProductRatePlanId": plan}
    ]
    account = zuora.get(f"/v1/accounts/{account_number}").json()
    assert account["metrics"]["contractedMrr"] == 45.0
    expanded = zuora.get(f"/object-query/accounts/{account_number}", params={"expand[]": "subscriptions"}).json()
    assert [s["name"] for s in expanded["subscriptions"]] == [number]


def test_reference_lookups_by_crm_id(zuora: requests.Session, zuora_models: ModuleType) -> None:
    """The two lookups of zuora-api.md §4.4, verbatim, find an account made from the §4.1 example."""
    created = zuora.post(
        "/v1/accounts",
        json={
            "name": "Acme Corporation",
            "accountNumber": f"ACME-{uuid.uuid4().hex[:10]}",
            "crmId": "0015g00000XyZ12AAB",
            "currency": "USD",
            "billCycleDay": 1,
            "autoPay": False,
            "paymentTerm": "Net 30",
            "invoiceDeliveryPrefsEmail": True,
            "billToContact": {
                "firstName": "Amy",
                "lastName": "Lawrence",
                "workEmail": "amy.lawrence@acme.example",
                "address1": "1051 E Hillsdale Blvd",
                "city": "Foster City",
                "state": "CA",
                "zipCode": "94404",
                "country": "United States",
            },
            "soldToSameAsBillTo": True,
        },
    ).json()
    # Other tests of the session may have created accounts with the same CRM id: page through all.
    found: list[dict[str, Any]] = []
    params: dict[str, str] = {"filter[]": "crmid.EQ:0015g00000XyZ12AAB", "pageSize": "10"}
    while True:
        page = zuora.get("/object-query/accounts", params=params).json()
        # Custom fields are legal extra keys on the wire but not in the SDK schema (§8.2).
        zuora_models.QueryAccountsResponse.model_validate(
            {**page, "data": [{k: v for k, v in r.items() if not k.endswith("__c")} for r in page["data"]]}
        )
        found += page["data"]
        if "nextPage" not in page:
            break
        params["cursor"] = page["nextPage"]
    assert all(r["crmId"] == "0015g00000XyZ12AAB" for r in found)
    record = next(r for r in found if r["id"] == created["accountId"])
    assert (record["paymentTerm"], record["autoPay"], record["status"]) == ("Net 30", False, "Active")

    request = {
        "queryString": "select Id, AccountNumber, Name, CrmId, Status from Account where CrmId = '0015g00000XyZ12AAB'"
    }
    zuora_models.ProxyActionqueryRequest.model_validate(request)
    answer = zuora.post("/v1/action/query", json=request).json()
    zuora_models.ProxyActionqueryResponse.model_validate(answer)
    assert {
        "Id": created["accountId"],
        "AccountNumber": created["accountNumber"],
        "Name": "Acme Corporation",
        "CrmId": "0015g00000XyZ12AAB",
        "Status": "Active",
    } in answer["records"]
    assert answer["size"] == len(found)

    missing = zuora.post("/v1/action/query", json={"conf": {"batchSize": 10}})
    assert missing.status_code == 400
    assert missing.json()["FaultCode"] == "MISSING_REQUIRED_VALUE"
    assert "queryString" in missing.json()["FaultMessage"]
    missing_locator = zuora.post("/v1/action/queryMore", json={})
    assert missing_locator.status_code == 400
    assert missing_locator.json()["FaultCode"] == "MISSING_REQUIRED_VALUE"


def test_orders_are_found_by_number_in_batches(zuora: requests.Session, ordered_subscription: dict[str, Any]) -> None:
    listed = zuora.get("/v1/orders", params={"pageSize": 5}).json()["orders"]
    numbers = [o["orderNumber"] for o in listed]
    assert numbers, "the ordered_subscription fixture created at least one order"
    wanted = [*numbers, "NO-SUCH-ORDER"]
    found = zuora.get(
        "/object-query/orders",
        params={"filter[]": f"ordernumber.IN:[{','.join(wanted)}]", "pageSize": 99},
    ).json()["data"]
    assert sorted(o["orderNumber"] for o in found) == sorted(numbers)
    assert all(o["status"] and o["accountId"] and o["orderDate"] for o in found)
    one = zuora.get(f"/object-query/orders/{numbers[0]}", params={"expand[]": "account"}).json()
    assert one["orderNumber"] == numbers[0]
    assert one["account"]["id"] == one["accountId"]
    missing = zuora.get("/object-query/orders/NO-SUCH-ORDER")
    assert missing.status_code == 404
