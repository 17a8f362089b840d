"""SOQL against the emulated org: every query's expected answer is computed in Python from the rows the test
inserted, never by running SQL. Errors are checked for the real API's code, HTTP status and message shape."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cpq_desktop.sandbox.salesforce.errors import SalesforceApiError
from cpq_desktop.sandbox.salesforce.schema import FieldDef
from cpq_desktop.sandbox.salesforce.store import OrgStore

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@dataclass
class Org:
    store: OrgStore
    accounts: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    deleted_account: dict[str, Any] = field(default_factory=dict)
    deleted_order: dict[str, Any] = field(default_factory=dict)

    def by_id(self, rows: list[dict[str, Any]], record_id: str | None) -> dict[str, Any] | None:
        return next((r for r in rows if r["Id"] == record_id), None)

    @property
    def live_accounts(self) -> list[dict[str, Any]]:
        return [a for a in self.accounts if a is not self.deleted_account]

    @property
    def live_orders(self) -> list[dict[str, Any]]:
        return [o for o in self.orders if o is not self.deleted_order]

    @property
    def live_items(self) -> list[dict[str, Any]]:
        return [i for i in self.items if i["OrderId"] != self.deleted_order["Id"]]


def _insert(store: OrgStore, sobject: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row, new_id in zip(rows, store.insert_many(sobject, rows), strict=True):
        row["Id"] = new_id
    return rows


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    store = OrgStore(tmp_path_factory.mktemp("soql") / "org.db", clock=lambda: NOW)
    data = Org(store)
    names = ["Acme Corp", "acme labs", "Beta_Industries", "Gamma 100%", "Delta", "Epsilon", "Zeta", "Eta", "Theta"]
    countries = ["US", "DE", None, "US", "FR", None, "US", "DE", None]
    data.accounts = _insert(
        store,
        "Account",
        [
            {"Name": n, "BillingCountry": c, "Type": "Customer - Direct" if i % 2 else None}
            for i, (n, c) in enumerate(zip(names, countries, strict=True))
        ],
    )
    # Three levels of parents: 5, 6, 7 → 0; 8 → 5.
    for child, parent in ((5, 0), (6, 0), (7, 0), (8, 5)):
        store.update("Account", data.accounts[child]["Id"], {"ParentId": data.accounts[parent]["Id"]})
        data.accounts[child]["ParentId"] = data.accounts[parent]["Id"]
    for a in data.accounts:
        a.setdefault("ParentId", None)
    data.deleted_account = _insert(store, "Account", [{"Name": "Iota (deleted)", "BillingCountry": "US"}])[0]
    data.accounts.append(data.deleted_account)
    data.deleted_account["ParentId"] = None
    data.deleted_account["Type"] = None

    data.products = _insert(
        store,
        "Product2",
        [
            {"Name": "Seats", "ProductCode": "SKU-A", "Family": "Software", "IsActive": True},
            {"Name": "API Calls", "ProductCode": "SKU-B", "Family": "Usage", "IsActive": True},
            {"Name": "Onboarding", "ProductCode": "SKU-C", "Family": "Services", "IsActive": False},
            {"Name": "support plan", "ProductCode": "SKU-D", "Family": "Support", "IsActive": True},
        ],
    )
    pricebook = store.insert("Pricebook2", {"Name": "Standard Price Book", "IsActive": True})
    entries = _insert(
        store,
        "PricebookEntry",
        [
            {"Pricebook2Id": pricebook, "Product2Id": p["Id"], "UnitPrice": 10.0 * (n + 1)}
            for n, p in enumerate(data.products)
        ],
    )
    data.contracts = _insert(
        store,
        "Contract",
        [
            {
                "AccountId": data.accounts[0]["Id"],
                "ContractTerm": 12,
                "StartDate": "2024-01-01",
                "SBQQ__Evergreen__c": False,
            },
            {
                "AccountId": data.accounts[1]["Id"],
                "ContractTerm": 24,
                "StartDate": "2023-07-01",
                "SBQQ__Evergreen__c": True,
            },
            {
                "AccountId": data.accounts[2]["Id"],
                "ContractTerm": None,
                "StartDate": "2024-03-01",
                "SBQQ__Evergreen__c": False,
            },
        ],
    )
    effective = [TODAY - timedelta(days=d) for d in (0, 1, 2, 10, 29, 30, 31, 45, 60, 100, 200, 400)] + [
        TODAY + timedelta(days=d) for d in (1, 5, 20)
    ]
    quote_types = ["Quote", "Amendment", "Renewal"]
    data.quotes = _insert(
        store,
        "SBQQ__Quote__c",
        [
            {
                "SBQQ__Account__c": data.accounts[i % 8]["Id"],
                "SBQQ__Type__c": quote_types[i % 3],
                "SBQQ__StartDate__c": effective[i].isoformat(),
                "SBQQ__SubscriptionTerm__c": 12.0,
            }
            for i in range(10)
        ],
    )
    order_rows = []
    for i, day in enumerate(effective):
        activated = i % 2 == 0
        order_rows.append(
            {
                "AccountId": data.accounts[i % 8]["Id"],
                "EffectiveDate": day.isoformat(),
                "Status": "Activated" if activated else "Draft",
                "ActivatedDate": (datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)).strftime(
                    "%Y-%m-%dT%H:%M:%S.000+0000"
                )
                if activated
                else None,
                "Type": ["New", "Amendment", "Renewal"][i % 3],
                "SBQQ__Quote__c": data.quotes[i]["Id"] if i < 10 else None,
                "SBQQ__Contracted__c": i % 3 == 0,
                "ContractId": data.contracts[i % 3]["Id"] if i < 6 else None,
                "Description": None if i % 4 else f"order {i}",
            }
        )
    data.orders = _insert(store, "Order", order_rows)
    item_rows = []
    for i, order in enumerate(data.orders[:13]):
        for k in range(i % 4 + 1):
            product = (i + k) % 4
            item_rows.append(
                {
                    "OrderId": order["Id"],
                    "PricebookEntryId": entries[product]["Id"],
                    "Quantity": float([5, -2, 12, 1][k] * (1 if i % 5 else 2)),
                    "UnitPrice": 10.0 + i + k,
                    "SBQQ__ChargeType__c": [None, "Recurring", "Usage", "One-Time"][product],
                    "_product": data.products[product],
                }
            )
    data.items = _insert(store, "OrderItem", [{k: v for k, v in r.items() if k != "_product"} for r in item_rows])
    for row, source in zip(data.items, item_rows, strict=True):
        row["_product"] = source["_product"]
    subscription_rows = [
        {
            "SBQQ__Contract__c": data.contracts[0]["Id"],
            "SBQQ__Product__c": data.products[p]["Id"],
            "SBQQ__Quantity__c": q,
            "SBQQ__Account__c": data.accounts[0]["Id"],
        }
        for p, q in ((0, 10.0), (1, 5.0), (0, -3.0))
    ] + [
        {
            "SBQQ__Contract__c": data.contracts[1]["Id"],
            "SBQQ__Product__c": data.products[3]["Id"],
            "SBQQ__Quantity__c": 1.0,
            "SBQQ__Account__c": data.accounts[1]["Id"],
        }
    ]
    data.subscriptions = _insert(store, "SBQQ__Subscription__c", subscription_rows)
    data.deleted_order = data.orders[14]
    store.delete("Account", data.deleted_account["Id"])
    store.delete("Order", data.deleted_order["Id"])
    yield data
    store.close()


def plain(value: Any) -> Any:
    """Records without ``attributes``, so that expectations can be written as plain dicts."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "attributes"}
    return value


def run(org: Org, soql: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
    result = org.store.query(soql, include_deleted=include_deleted)
    assert result.total_size == len(result.records)
    return plain(result.records)  # type: ignore[no-any-return]


def ids_of(rows: list[dict[str, Any]]) -> list[str]:
    return [r["Id"] for r in rows]


# --- field lists, names, types ----------------------------------------------------------------------------------


def test_select_fields_in_describe_casing_whatever_the_query_casing(org: Org) -> None:
    records = run(org, "select id, NAME, billingcountry from ACCOUNT order by id")
    assert records == [
        {"Id": a["Id"], "Name": a["Name"], "BillingCountry": a["BillingCountry"]} for a in org.live_accounts
    ]


def test_records_carry_type_and_url_attributes(org: Org) -> None:
    result = org.store.query("SELECT Id FROM Order ORDER BY Id LIMIT 1", api_version="58.0")
    first = org.live_orders[0]["Id"]
    assert result.records == [
        {"attributes": {"type": "Order", "url": f"/services/data/v58.0/sobjects/Order/{first}"}, "Id": first}
    ]


def test_values_are_typed_as_the_api_returns_them(org: Org) -> None:
    order = org.live_orders[0]
    [record] = run(
        org,
        "SELECT Id, EffectiveDate, ActivatedDate, SBQQ__Contracted__c, CreatedDate, Description FROM Order "
        f"WHERE Id = '{order['Id']}'",
    )
    assert record == {
        "Id": order["Id"],
        "EffectiveDate": order["EffectiveDate"],
        "ActivatedDate": order["ActivatedDate"],
        "SBQQ__Contracted__c": True,
        "CreatedDate": "2024-06-15T12:00:00.000+0000",
        "Description": "order 0",
    }
    [contract] = run(org, f"SELECT ContractTerm FROM Contract WHERE Id = '{org.contracts[0]['Id']}'")
    assert contract == {"ContractTerm": 12}
    assert isinstance(contract["ContractTerm"], int)
    [item] = run(org, f"SELECT Quantity, TotalPrice FROM OrderItem WHERE Id = '{org.items[0]['Id']}'")
    assert item == {
        "Quantity": org.items[0]["Quantity"],
        "TotalPrice": org.items[0]["Quantity"] * org.items[0]["UnitPrice"],
    }
    assert isinstance(item["Quantity"], float)


def test_object_alias_prefixes_field_paths(org: Org) -> None:
    records = run(org, "SELECT a.Name, a.Parent.Name FROM Account a WHERE a.ParentId != null ORDER BY a.Name")
    expected = sorted(
        (
            {"Name": a["Name"], "Parent": {"Name": org.by_id(org.accounts, a["ParentId"])["Name"]}}  # type: ignore[index]
            for a in org.live_accounts
            if a["ParentId"]
        ),
        key=lambda r: r["Name"].lower(),
    )
    assert records == expected


def test_fields_standard_expands_to_every_standard_field(org: Org) -> None:
    [record] = run(org, f"SELECT FIELDS(STANDARD) FROM Product2 WHERE Id = '{org.products[0]['Id']}'")
    described = [f.name for f in org.store.schema.get("Product2").iter_fields() if not f.custom]  # type: ignore[union-attr]
    assert list(record) == described
    assert record["ProductCode"] == "SKU-A"


# --- parent relationships ---------------------------------------------------------------------------------------


def test_parent_path_nests_the_parent_record_under_its_relationship_name(org: Org) -> None:
    result = org.store.query("SELECT Id, Account.Name FROM Order ORDER BY Id")
    for record, order in zip(result.records, org.live_orders, strict=True):
        account = org.by_id(org.accounts, order["AccountId"])
        assert account is not None
        assert record["Account"] == {
            "attributes": {"type": "Account", "url": f"/services/data/v59.0/sobjects/Account/{account['Id']}"},
            "Name": account["Name"],
        }


def test_two_level_parent_path(org: Org) -> None:
    records = run(org, "SELECT Id, Order.Account.Name FROM OrderItem ORDER BY Id")
    expected = []
    for item in org.live_items:
        order = org.by_id(org.orders, item["OrderId"])
        account = org.by_id(org.accounts, order["AccountId"])  # type: ignore[index]
        expected.append({"Id": item["Id"], "Order": {"Account": {"Name": account["Name"]}}})  # type: ignore[index]
    assert records == expected


def test_missing_parent_is_null_at_the_level_where_the_chain_breaks(org: Org) -> None:
    records = run(org, "SELECT Name, Parent.Name, Parent.Parent.Name FROM Account ORDER BY Id")
    expected = []
    for a in org.live_accounts:
        parent = org.by_id(org.accounts, a["ParentId"])
        if parent is None:
            expected.append({"Name": a["Name"], "Parent": None})
            continue
        grand = org.by_id(org.accounts, parent["ParentId"])
        expected.append(
            {
                "Name": a["Name"],
                "Parent": {"Name": parent["Name"], "Parent": None if grand is None else {"Name": grand["Name"]}},
            }
        )
    assert records == expected
    assert any(r["Parent"] and r["Parent"]["Parent"] for r in records)


def test_parent_paths_reach_five_levels_and_no_further(org: Org) -> None:
    five = "Parent.Parent.Parent.Parent.Parent.Name"
    records = run(org, f"SELECT Id, {five} FROM Account WHERE Id = '{org.accounts[0]['Id']}'")
    assert records == [{"Id": org.accounts[0]["Id"], "Parent": None}]
    with pytest.raises(SalesforceApiError) as caught:
        org.store.query(f"SELECT Id, Parent.{five} FROM Account")
    assert caught.value.error_code == "MALFORMED_QUERY"
    assert "more than 5 levels away from the root entity object" in caught.value.message


def test_custom_relationship_path_with_r_suffix(org: Org) -> None:
    records = run(
        org, "SELECT Id, SBQQ__Quote__r.SBQQ__Type__c, SBQQ__Quote__r.SBQQ__StartDate__c FROM Order ORDER BY Id"
    )
    expected = []
    for order in org.live_orders:
        quote = org.by_id(org.quotes, order["SBQQ__Quote__c"])
        expected.append(
            {
                "Id": order["Id"],
                "SBQQ__Quote__r": None
                if quote is None
                else {"SBQQ__Type__c": quote["SBQQ__Type__c"], "SBQQ__StartDate__c": quote["SBQQ__StartDate__c"]},
            }
        )
    assert records == expected
    assert any(r["SBQQ__Quote__r"] is None for r in records)


def test_filter_on_parent_field(org: Org) -> None:
    records = run(org, "SELECT Id FROM Order WHERE Account.Name = 'ACME CORP' ORDER BY Id")
    assert ids_of(records) == [o["Id"] for o in org.live_orders if o["AccountId"] == org.accounts[0]["Id"]]


def test_order_by_parent_field(org: Org) -> None:
    records = run(org, "SELECT Id, Account.Name FROM Order ORDER BY Account.Name DESC, Id")
    expected = sorted(
        org.live_orders,
        key=lambda o: (org.by_id(org.accounts, o["AccountId"])["Name"].lower(), o["Id"]),  # type: ignore[index]
    )
    expected.sort(key=lambda o: org.by_id(org.accounts, o["AccountId"])["Name"].lower(), reverse=True)  # type: ignore[index]
    assert ids_of(records) == [o["Id"] for o in expected]


# --- child subqueries -------------------------------------------------------------------------------------------


def test_child_subquery_nests_a_query_result_or_null(org: Org) -> None:
    records = run(org, "SELECT Id, (SELECT Id, Quantity FROM OrderItems) FROM Order ORDER BY Id")
    for record, order in zip(records, org.live_orders, strict=True):
        children = [{"Id": i["Id"], "Quantity": i["Quantity"]} for i in org.items if i["OrderId"] == order["Id"]]
        if children:
            assert record["OrderItems"] == {"totalSize": len(children), "done": True, "records": children}
        else:
            assert record["OrderItems"] is None


def test_child_subquery_where_order_by_limit(org: Org) -> None:
    records = run(
        org,
        "SELECT Id, (SELECT Quantity FROM OrderItems WHERE Quantity > 0 ORDER BY Quantity DESC LIMIT 2) "
        "FROM Order ORDER BY Id",
    )
    for record, order in zip(records, org.live_orders, strict=True):
        quantities = sorted(
            (i["Quantity"] for i in org.items if i["OrderId"] == order["Id"] and i["Quantity"] > 0), reverse=True
        )[:2]
        expected = (
            None
            if not quantities
            else {"totalSize": len(quantities), "done": True, "records": [{"Quantity": q} for q in quantities]}
        )
        assert record["OrderItems"] == expected


def test_child_subquery_with_parent_path_and_custom_relationship(org: Org) -> None:
    records = run(
        org,
        "SELECT Id, (SELECT SBQQ__Quantity__c, SBQQ__Product__r.ProductCode FROM SBQQ__Subscriptions__r) "
        "FROM Contract ORDER BY Id",
    )
    for record, contract in zip(records, org.contracts, strict=True):
        subs = [
            {
                "SBQQ__Quantity__c": s["SBQQ__Quantity__c"],
                "SBQQ__Product__r": {"ProductCode": org.by_id(org.products, s["SBQQ__Product__c"])["ProductCode"]},
            }  # type: ignore[index]
            for s in org.subscriptions
            if s["SBQQ__Contract__c"] == contract["Id"]
        ]
        assert record["SBQQ__Subscriptions__r"] == (
            {"totalSize": len(subs), "done": True, "records": subs} if subs else None
        )


def test_child_records_carry_their_own_attributes(org: Org) -> None:
    order = org.live_orders[0]
    result = org.store.query(f"SELECT (SELECT Id FROM OrderItems) FROM Order WHERE Id = '{order['Id']}'")
    child = result.records[0]["OrderItems"]["records"][0]
    assert child["attributes"] == {"type": "OrderItem", "url": f"/services/data/v59.0/sobjects/OrderItem/{child['Id']}"}


def test_child_subquery_relationship_name_is_case_insensitive(org: Org) -> None:
    records = run(org, "SELECT Id, (SELECT Id FROM orderitems) FROM Order ORDER BY Id LIMIT 1")
    assert "OrderItems" in records[0]


# --- WHERE ------------------------------------------------------------------------------------------------------


def test_string_equality_is_case_insensitive(org: Org) -> None:
    assert ids_of(run(org, "SELECT Id FROM Account WHERE Name = 'DELTA'")) == [org.accounts[4]["Id"]]


def test_not_equal_keeps_rows_where_the_field_is_null(org: Org) -> None:
    records = run(org, "SELECT Id FROM Account WHERE BillingCountry != 'US' ORDER BY Id")
    assert ids_of(records) == [a["Id"] for a in org.live_accounts if a["BillingCountry"] != "US"]
    assert any(a["BillingCountry"] is None for a in org.live_accounts if a["Id"] in ids_of(records))


def test_ne_operator_spelled_with_angle_brackets(org: Org) -> None:
    records = run(org, "SELECT Id FROM Account WHERE BillingCountry <> 'US' ORDER BY Id")
    assert ids_of(records) == [a["Id"] for a in org.live_accounts if a["BillingCountry"] != "US"]


@pytest.mark.parametrize(
    ("op", "check"),
    [
        ("<", lambda q: q < 5),
        ("<=", lambda q: q <= 5),
        (">", lambda q: q > 5),
        (">=", lambda q: q >= 5),
        ("=", lambda q: q == 5),
    ],
)
def test_number_comparisons(org: Org, op: str, check: Callable[[float], bool]) -> None:
    records = run(org, f"SELECT Id FROM OrderItem WHERE Quantity {op} 5 ORDER BY Id")
    assert ids_of(records) == [i["Id"] for i in org.live_items if check(i["Quantity"])]


def test_negative_and_decimal_number_literals(org: Org) -> None:
    records = run(org, "SELECT Id FROM OrderItem WHERE Quantity < -1.5 ORDER BY Id")
    assert ids_of(records) == [i["Id"] for i in org.live_items if i["Quantity"] < -1.5]
    assert records


def test_huge_number_literals_compare_without_overflow(org: Org) -> None:
    assert run(org, "SELECT Id FROM OrderItem WHERE Quantity > 99999999999999999999999") == []
    assert len(run(org, "SELECT Id FROM Contract WHERE ContractTerm < 99999999999999999999999")) == 2


def test_and_or_not_with_parentheses(org: Org) -> None:
    records = run(
        org,
        "SELECT Id FROM Order WHERE (Status = 'Activated' AND Type = 'New') OR (NOT Status = 'Activated' "
        "AND Type = 'Renewal') ORDER BY Id",
    )
    expected = [
        o["Id"]
        for o in org.live_orders
        if (o["Status"] == "Activated" and o["Type"] == "New")
        or (o["Status"] != "Activated" and o["Type"] == "Renewal")
    ]
    assert ids_of(records) == expected


def test_not_of_a_comparison_on_null_field_is_true(org: Org) -> None:
    records = run(org, "SELECT Id FROM Order WHERE NOT Description = 'order 0' ORDER BY Id")
    assert ids_of(records) == [o["Id"] for o in org.live_orders if o["Description"] != "order 0"]


def test_like_is_case_insensitive_with_percent_wildcard(org: Org) -> None:
    records = run(org, "SELECT Name FROM Account WHERE Name LIKE 'ACME%' ORDER BY Name")
    assert records == [{"Name": "Acme Corp"}, {"Name": "acme labs"}]


def test_like_underscore_matches_one_character(org: Org) -> None:
    records = run(org, "SELECT Name FROM Account WHERE Name LIKE '_ta' ORDER BY Name")
    assert records == [{"Name": a["Name"]} for a in org.live_accounts if re.fullmatch(r".ta", a["Name"], re.I)]


def test_like_escaped_wildcards_match_literally(org: Org) -> None:
    assert run(org, r"SELECT Name FROM Account WHERE Name LIKE '%\_%'") == [{"Name": "Beta_Industries"}]
    assert run(org, r"SELECT Name FROM Account WHERE Name LIKE '%100\%'") == [{"Name": "Gamma 100%"}]


def test_in_list_of_strings(org: Org) -> None:
    records = run(org, "SELECT Id FROM Account WHERE BillingCountry IN ('de', 'FR') ORDER BY Id")
    assert ids_of(records) == [a["Id"] for a in org.live_accounts if a["BillingCountry"] in ("DE", "FR")]


def test_not_in_list_keeps_null_fields(org: Org) -> None:
    records = run(org, "SELECT Id FROM Account WHERE BillingCountry NOT IN ('US', 'DE') ORDER BY Id")
    assert ids_of(records) == [a["Id"] for a in org.live_accounts if a["BillingCountry"] not in ("US", "DE")]


def test_in_list_with_null(org: Org) -> None:
    records = run(org, "SELECT Id FROM Account WHERE BillingCountry IN ('FR', null) ORDER BY Id")
    assert ids_of(records) == [a["Id"] for a in org.live_accounts if a["BillingCountry"] in ("FR", None)]


def test_in_list_of_ids_accepts_15_character_ids(org: Org) -> None:
    wanted = [org.orders[0]["Id"], org.orders[3]["Id"]]
    records = run(org, f"SELECT Id FROM Order WHERE Id IN ('{wanted[0][:15]}', '{wanted[1]}') ORDER BY Id")
    assert ids_of(records) == wanted


def test_reference_field_equality_with_15_character_id(org: Org) -> None:
    account = org.accounts[1]["Id"]
    records = run(org, f"SELECT Id FROM Order WHERE AccountId = '{account[:15]}' ORDER BY Id")
    assert ids_of(records) == [o["Id"] for o in org.live_orders if o["AccountId"] == account]


def test_semi_join_subquery(org: Org) -> None:
    records = run(
        org, "SELECT Id FROM Order WHERE Id IN (SELECT OrderId FROM OrderItem WHERE Quantity >= 12) ORDER BY Id"
    )
    wanted = {i["OrderId"] for i in org.live_items if i["Quantity"] >= 12}
    assert ids_of(records) == [o["Id"] for o in org.live_orders if o["Id"] in wanted]


def test_anti_join_subquery(org: Org) -> None:
    records = run(org, "SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Order) ORDER BY Id")
    with_orders = {o["AccountId"] for o in org.live_orders}
    assert ids_of(records) == [a["Id"] for a in org.live_accounts if a["Id"] not in with_orders]
    assert records


def test_semi_join_on_a_reference_field(org: Org) -> None:
    records = run(
        org,
        "SELECT Id FROM OrderItem WHERE OrderId IN (SELECT Id FROM Order WHERE Status = 'Draft') ORDER BY Id",
    )
    drafts = {o["Id"] for o in org.live_orders if o["Status"] == "Draft"}
    assert ids_of(records) == [i["Id"] for i in org.live_items if i["OrderId"] in drafts]


def test_null_equality_and_inequality(org: Org) -> None:
    nulls = run(org, "SELECT Id FROM Order WHERE SBQQ__Quote__c = null ORDER BY Id")
    assert ids_of(nulls) == [o["Id"] for o in org.live_orders if o["SBQQ__Quote__c"] is None]
    set_ = run(org, "SELECT Id FROM Order WHERE SBQQ__Quote__c != NULL ORDER BY Id")
    assert ids_of(set_) == [o["Id"] for o in org.live_orders if o["SBQQ__Quote__c"] is not None]


def test_boolean_literals(org: Org) -> None:
    records = run(org, "SELECT Id FROM Order WHERE SBQQ__Contracted__c = TRUE ORDER BY Id")
    assert ids_of(records) == [o["Id"] for o in org.live_orders if o["SBQQ__Contracted__c"]]
    records = run(org, "SELECT Id FROM Product2 WHERE IsActive = false")
    assert ids_of(records) == [org.products[2]["Id"]]


def test_null_on_a_checkbox_means_false(org: Org) -> None:
    assert ids_of(run(org, "SELECT Id FROM Product2 WHERE IsActive = null")) == [org.products[2]["Id"]]
    assert ids_of(run(org, "SELECT Id FROM Product2 WHERE IsActive != null ORDER BY Id")) == [
        p["Id"] for p in org.products if p["IsActive"]
    ]


def test_date_literal_comparison(org: Org) -> None:
    records = run(
        org, "SELECT Id FROM Order WHERE EffectiveDate >= 2024-05-16 AND EffectiveDate < 2024-06-15 ORDER BY Id"
    )
    assert ids_of(records) == [o["Id"] for o in org.live_orders if "2024-05-16" <= o["EffectiveDate"] < "2024-06-15"]


@pytest.mark.parametrize("literal", ["2024-06-05T00:00:00Z", "2024-06-05T02:00:00+02:00", "2024-06-04T19:00:00-05:00"])
def test_datetime_literals_with_any_offset(org: Org, literal: str) -> None:
    records = run(org, f"SELECT Id FROM Order WHERE ActivatedDate > {literal} ORDER BY Id")
    cutoff = datetime(2024, 6, 5, tzinfo=UTC)
    expected = [
        o["Id"]
        for o in org.live_orders
        if o["ActivatedDate"] and datetime.strptime(o["ActivatedDate"], "%Y-%m-%dT%H:%M:%S.000%z") > cutoff
    ]
    assert ids_of(records) == expected
    assert expected


def _in_range(day: str, start: date, end: date) -> bool:
    return start <= date.fromisoformat(day) < end


@pytest.mark.parametrize(
    ("literal", "start", "end"),
    [
        ("TODAY", TODAY, TODAY + timedelta(days=1)),
        ("YESTERDAY", TODAY - timedelta(days=1), TODAY),
        ("TOMORROW", TODAY + timedelta(days=1), TODAY + timedelta(days=2)),
        ("LAST_N_DAYS:30", TODAY - timedelta(days=30), TODAY + timedelta(days=1)),
        ("NEXT_N_DAYS:7", TODAY + timedelta(days=1), TODAY + timedelta(days=8)),
        ("THIS_MONTH", date(2024, 6, 1), date(2024, 7, 1)),
        ("LAST_MONTH", date(2024, 5, 1), date(2024, 6, 1)),
        ("THIS_YEAR", date(2024, 1, 1), date(2025, 1, 1)),
        ("LAST_YEAR", date(2023, 1, 1), date(2024, 1, 1)),
        ("THIS_QUARTER", date(2024, 4, 1), date(2024, 7, 1)),
        ("N_DAYS_AGO:10", TODAY - timedelta(days=10), TODAY - timedelta(days=9)),
        ("THIS_WEEK", date(2024, 6, 9), date(2024, 6, 16)),
        ("LAST_N_MONTHS:2", date(2024, 4, 1), date(2024, 6, 1)),
        ("LAST_90_DAYS", TODAY - timedelta(days=90), TODAY + timedelta(days=1)),
        ("NEXT_N_DAYS:20", TODAY + timedelta(days=1), TODAY + timedelta(days=21)),
        ("THIS_FISCAL_YEAR", date(2024, 1, 1), date(2025, 1, 1)),
        ("N_FISCAL_QUARTERS_AGO:1", date(2024, 1, 1), date(2024, 4, 1)),
    ],
)
def test_relative_date_literals_on_a_date_field(org: Org, literal: str, start: date, end: date) -> None:
    records = run(org, f"SELECT Id FROM Order WHERE EffectiveDate = {literal} ORDER BY Id")
    assert ids_of(records) == [o["Id"] for o in org.live_orders if _in_range(o["EffectiveDate"], start, end)]


def test_relative_date_literal_bounds_with_other_operators(org: Org) -> None:
    after = run(org, "SELECT Id FROM Order WHERE EffectiveDate > LAST_N_DAYS:30 ORDER BY Id")
    assert ids_of(after) == [o["Id"] for o in org.live_orders if date.fromisoformat(o["EffectiveDate"]) > TODAY]
    before = run(org, "SELECT Id FROM Order WHERE EffectiveDate < LAST_N_DAYS:30 ORDER BY Id")
    assert ids_of(before) == [
        o["Id"] for o in org.live_orders if date.fromisoformat(o["EffectiveDate"]) < TODAY - timedelta(days=30)
    ]


def test_relative_date_literal_on_a_datetime_field(org: Org) -> None:
    records = run(org, "SELECT Id FROM Order WHERE ActivatedDate = LAST_N_DAYS:7 ORDER BY Id")
    start = datetime(2024, 6, 8, tzinfo=UTC)
    end = datetime(2024, 6, 16, tzinfo=UTC)
    expected = [
        o["Id"]
        for o in org.live_orders
        if o["ActivatedDate"] and start <= datetime.strptime(o["ActivatedDate"], "%Y-%m-%dT%H:%M:%S.000%z") < end
    ]
    assert ids_of(records) == expected
    assert expected


def test_created_date_against_the_org_clock(org: Org) -> None:
    assert len(run(org, "SELECT Id FROM Account WHERE CreatedDate = TODAY")) == len(org.live_accounts)
    assert run(org, "SELECT Id FROM Account WHERE CreatedDate = YESTERDAY") == []


# --- ORDER BY, LIMIT, OFFSET ------------------------------------------------------------------------------------


def test_order_by_text_is_case_insensitive(org: Org) -> None:
    records = run(org, "SELECT Name FROM Account ORDER BY Name")
    assert [r["Name"] for r in records] == sorted((a["Name"] for a in org.live_accounts), key=str.lower)


def test_order_by_desc(org: Org) -> None:
    records = run(org, "SELECT Name FROM Account ORDER BY Name DESC")
    assert [r["Name"] for r in records] == sorted((a["Name"] for a in org.live_accounts), key=str.lower, reverse=True)


def test_order_by_nulls_first_and_last(org: Org) -> None:
    first = run(org, "SELECT Id, BillingCountry FROM Account ORDER BY BillingCountry ASC NULLS FIRST, Id")
    last = run(org, "SELECT Id, BillingCountry FROM Account ORDER BY BillingCountry DESC NULLS LAST, Id")
    nulls = [a["Id"] for a in org.live_accounts if a["BillingCountry"] is None]
    assert ids_of(first)[: len(nulls)] == nulls
    assert ids_of(last)[-len(nulls) :] == nulls
    countries_desc = [r["BillingCountry"] for r in last if r["BillingCountry"]]
    assert countries_desc == sorted(countries_desc, reverse=True)


def test_multiple_order_by_keys(org: Org) -> None:
    records = run(org, "SELECT Id FROM OrderItem ORDER BY Quantity DESC, UnitPrice ASC")
    expected = sorted(org.live_items, key=lambda i: (-i["Quantity"], i["UnitPrice"]))
    assert ids_of(records) == [i["Id"] for i in expected]


def test_limit_and_offset(org: Org) -> None:
    everything = [a["Id"] for a in org.live_accounts]
    assert ids_of(run(org, "SELECT Id FROM Account ORDER BY Id LIMIT 3")) == everything[:3]
    assert ids_of(run(org, "SELECT Id FROM Account ORDER BY Id LIMIT 3 OFFSET 2")) == everything[2:5]
    assert ids_of(run(org, "SELECT Id FROM Account ORDER BY Id OFFSET 7")) == everything[7:]


# --- COUNT and aggregates ---------------------------------------------------------------------------------------


def test_count_returns_total_size_and_no_records(org: Org) -> None:
    result = org.store.query("SELECT COUNT() FROM Order")
    assert (result.total_size, result.records) == (len(org.live_orders), [])
    assert result.to_json() == {"totalSize": len(org.live_orders), "done": True, "records": []}


def test_count_with_where(org: Org) -> None:
    result = org.store.query("SELECT COUNT() FROM OrderItem WHERE Quantity > 0 AND Order.Status = 'Activated'")
    activated = {o["Id"] for o in org.live_orders if o["Status"] == "Activated"}
    assert result.total_size == sum(1 for i in org.live_items if i["Quantity"] > 0 and i["OrderId"] in activated)


def test_count_field_counts_non_null_values(org: Org) -> None:
    records = org.store.query("SELECT COUNT(Id), COUNT(BillingCountry) FROM Account").records
    assert records == [
        {
            "attributes": {"type": "AggregateResult"},
            "expr0": len(org.live_accounts),
            "expr1": sum(1 for a in org.live_accounts if a["BillingCountry"]),
        }
    ]


def test_group_by_with_expr_aliases(org: Org) -> None:
    records = run(org, "SELECT OrderId, COUNT(Id), SUM(Quantity) FROM OrderItem GROUP BY OrderId ORDER BY OrderId")
    expected = []
    for order in org.live_orders:
        items = [i for i in org.live_items if i["OrderId"] == order["Id"]]
        if items:
            expected.append({"OrderId": order["Id"], "expr0": len(items), "expr1": sum(i["Quantity"] for i in items)})
    assert records == expected


def test_group_by_with_named_aliases_and_having(org: Org) -> None:
    records = run(
        org,
        "SELECT Status st, COUNT(Id) total FROM Order GROUP BY Status HAVING COUNT(Id) > 1 ORDER BY Status",
    )
    counts: dict[str, int] = {}
    for o in org.live_orders:
        counts[o["Status"]] = counts.get(o["Status"], 0) + 1
    assert records == [{"st": s, "total": n} for s, n in sorted(counts.items()) if n > 1]


def test_min_max_avg(org: Org) -> None:
    [record] = run(org, "SELECT MIN(Quantity), MAX(Quantity), AVG(UnitPrice) FROM OrderItem")
    quantities = [i["Quantity"] for i in org.live_items]
    prices = [i["UnitPrice"] for i in org.live_items]
    assert record == {
        "expr0": min(quantities),
        "expr1": max(quantities),
        "expr2": pytest.approx(sum(prices) / len(prices)),
    }


def test_group_by_parent_field_and_count_distinct(org: Org) -> None:
    records = run(
        org, "SELECT Order.Type, COUNT_DISTINCT(OrderId) FROM OrderItem GROUP BY Order.Type ORDER BY Order.Type"
    )
    by_type: dict[str, set[str]] = {}
    for i in org.live_items:
        order = org.by_id(org.orders, i["OrderId"])
        by_type.setdefault(order["Type"], set()).add(order["Id"])  # type: ignore[index]
    assert records == [{"Type": t, "expr0": len(ids)} for t, ids in sorted(by_type.items())]


def test_max_of_a_date_keeps_its_type(org: Org) -> None:
    [record] = run(org, "SELECT MAX(EffectiveDate) latest FROM Order")
    assert record == {"latest": max(o["EffectiveDate"] for o in org.live_orders)}


def test_group_by_date_functions(org: Org) -> None:
    records = run(
        org,
        "SELECT CALENDAR_YEAR(EffectiveDate) y, CALENDAR_MONTH(EffectiveDate), COUNT(Id) FROM Order "
        "GROUP BY CALENDAR_YEAR(EffectiveDate), CALENDAR_MONTH(EffectiveDate) "
        "ORDER BY CALENDAR_YEAR(EffectiveDate) DESC, CALENDAR_MONTH(EffectiveDate) DESC",
    )
    counts: dict[tuple[int, int], int] = {}
    for o in org.live_orders:
        day = date.fromisoformat(o["EffectiveDate"])
        counts[(day.year, day.month)] = counts.get((day.year, day.month), 0) + 1
    assert records == [{"y": y, "expr0": m, "expr1": n} for (y, m), n in sorted(counts.items(), reverse=True)]


def test_date_functions_in_where_and_having(org: Org) -> None:
    records = run(
        org,
        "SELECT Id FROM Order WHERE CALENDAR_YEAR(EffectiveDate) = 2024 AND DAY_IN_WEEK(EffectiveDate) = 1 ORDER BY Id",
    )
    sundays = [
        o["Id"]
        for o in org.live_orders
        if (d := date.fromisoformat(o["EffectiveDate"])).year == 2024 and d.isoweekday() == 7
    ]
    assert ids_of(records) == sundays
    assert sundays
    [row] = run(
        org,
        "SELECT DAY_ONLY(ActivatedDate) day, COUNT(Id) n FROM Order WHERE ActivatedDate != null "
        "GROUP BY DAY_ONLY(ActivatedDate) HAVING DAY_ONLY(ActivatedDate) = 2024-06-15",
    )
    assert row == {
        "day": "2024-06-15",
        "n": sum(1 for o in org.live_orders if (o["ActivatedDate"] or "")[:10] == "2024-06-15"),
    }


# --- queryAll ---------------------------------------------------------------------------------------------------


def test_query_all_returns_deleted_rows(org: Org) -> None:
    live = run(org, "SELECT Id, IsDeleted FROM Account ORDER BY Id")
    everything = run(org, "SELECT Id, IsDeleted FROM Account ORDER BY Id", include_deleted=True)
    assert org.deleted_account["Id"] not in ids_of(live)
    assert {"Id": org.deleted_account["Id"], "IsDeleted": True} in everything
    assert len(everything) == len(live) + 1


def test_query_all_filter_on_is_deleted(org: Org) -> None:
    records = run(org, "SELECT Id FROM Order WHERE IsDeleted = true", include_deleted=True)
    assert ids_of(records) == [org.deleted_order["Id"]]


# --- paging -----------------------------------------------------------------------------------------------------


def test_cursor_pages_match_the_full_result(org: Org) -> None:
    soql = "SELECT Id, Account.Name, (SELECT Id FROM OrderItems) FROM Order ORDER BY Id"
    cursor = org.store.open_query(soql)
    pages = cursor.page(0, 4) + cursor.page(4, 4) + cursor.page(8, 100)
    assert pages == org.store.query(soql).records
    assert cursor.total_size == len(org.live_orders)


def test_cursor_flat_columns_for_csv(org: Org) -> None:
    cursor = org.store.open_query("SELECT Id, Account.Name, SBQQ__Quote__r.SBQQ__Type__c FROM Order ORDER BY Id")
    assert cursor.columns == ["Id", "Account.Name", "SBQQ__Quote__r.SBQQ__Type__c"]
    first = org.live_orders[0]
    assert cursor.flat_page(0, 1) == [
        [
            first["Id"],
            org.by_id(org.accounts, first["AccountId"])["Name"],  # type: ignore[index]
            org.by_id(org.quotes, first["SBQQ__Quote__c"])["SBQQ__Type__c"],
        ]  # type: ignore[index]
    ]


def test_multi_line_query(org: Org) -> None:
    records = run(org, "SELECT Id\n  FROM Product2\n  WHERE ProductCode = 'sku-b'")
    assert ids_of(records) == [org.products[1]["Id"]]


# --- errors -----------------------------------------------------------------------------------------------------

ERROR_CASES = [
    (
        "SELECT Id FROM Account WHERE CreatedDate > 2024-01-01T00:00:00.000Z",
        "MALFORMED_QUERY",
        (1, 54),
        "unexpected token",
    ),
    ("SELECT Id FROM Account WHERE CreatedDate > 2024-01-01T00:00:00", "MALFORMED_QUERY", (1, 54), "unexpected token"),
    ("SELEC Id FROM Account", "MALFORMED_QUERY", (1, 1), "unexpected token: SELEC"),
    ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY", (1, 29), "unexpected token: <EOF>"),
    ("SELECT FROM Account", "MALFORMED_QUERY", (1, 20), "unexpected token: <EOF>"),
    ("SELECT Id FROM Account WHERE Name = 'abc", "MALFORMED_QUERY", (1, 37), "mismatched character"),
    (
        "SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Phone = 'c'",
        "MALFORMED_QUERY",
        (1, 56),
        "unexpected token: OR",
    ),
    ("SELECT Id FROM Account LIMIT 1.5", "MALFORMED_QUERY", (1, 30), "unexpected token: 1.5"),
    ("SELECT Id, COUNT() FROM Account", "MALFORMED_QUERY", (1, 8), "COUNT() must be the only element"),
    ("SELECT Name, COUNT(Id) FROM Account", "MALFORMED_QUERY", (1, 8), "Field must be grouped or aggregated: Name"),
    (
        "SELECT Id FROM Order WHERE EffectiveDate = LAST_N_FORTNIGHTS:2",
        "MALFORMED_QUERY",
        (1, 44),
        "unexpected token: LAST_N_FORTNIGHTS:2",
    ),
    ("SELECT Id FROM Order WHERE EffectiveDate = LAST_N_DAYS", "MALFORMED_QUERY", (1, 44), "LAST_N_DAYS:30"),
    ("SELECT Id, id FROM Account", "MALFORMED_QUERY", (1, 12), "duplicate field selected: id"),
    (
        "SELECT Id, (SELECT Id, (SELECT Id FROM OrderItems) FROM Orders) FROM Account",
        "MALFORMED_QUERY",
        (1, 24),
        "Nesting",
    ),
    ("SELECT FIELDS(ALL) FROM Account", "MALFORMED_QUERY", (1, 8), "LIMIT of at most 200"),
    ("SELECT Id FROM Account WHERE Name = 'a\\q'", "MALFORMED_QUERY", (1, 37), "Illegal character sequence"),
    ("SELECT Id FROM Account WHERE COUNT(Id) > 1", "MALFORMED_QUERY", (1, 30), "Aggregate functions"),
    ("SELECT Id FROM Account WHERE Id IN (SELECT Name FROM Account)", "MALFORMED_QUERY", (1, 44), "only select id"),
    (
        "SELECT Nope FROM Account",
        "INVALID_FIELD",
        (1, 8),
        "No such column 'Nope' on entity 'Account'. If you are "
        "attempting to use a custom field, be sure to append the '__c' after the custom field name.",
    ),
    ("SELECT Id FROM Account WHERE Nope__c = 'x'", "INVALID_FIELD", (1, 30), "No such column 'Nope__c'"),
    ("SELECT Id, Owner.Nope FROM Account", "INVALID_FIELD", (1, 12), "No such column 'Nope' on entity 'User'"),
    (
        "SELECT Id, Accountz.Name FROM Order",
        "INVALID_FIELD",
        (1, 12),
        "Didn't understand relationship 'Accountz' in field path. If you are attempting to use a custom relationship, "
        "be sure to append the '__r'",
    ),
    ("SELECT SBQQ__Quote__c.Name FROM Order", "INVALID_FIELD", (1, 8), "Didn't understand relationship"),
    (
        "SELECT Id FROM Account WHERE CreatedDate > 2024-01-01",
        "INVALID_FIELD",
        (1, 44),
        "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in "
        "quotes",
    ),
    (
        "SELECT Id FROM Order WHERE EffectiveDate > 2024-01-01T00:00:00Z",
        "INVALID_FIELD",
        (1, 44),
        "must be of type date and should not be enclosed in quotes",
    ),
    ("SELECT Id FROM OrderItem WHERE Quantity = '5'", "INVALID_FIELD", (1, 43), "must be of type double"),
    (
        "SELECT Id FROM Account WHERE Name = 5",
        "INVALID_FIELD",
        (1, 37),
        "must be of type string and should be enclosed in quotes",
    ),
    ("SELECT Id FROM Product2 WHERE IsActive = 'true'", "INVALID_FIELD", (1, 42), "must be of type boolean"),
    ("SELECT SUM(Name) FROM Account", "INVALID_FIELD", (1, 12), "field Name does not support aggregate operator SUM"),
    ("SELECT Quantity, COUNT(Id) FROM OrderItem GROUP BY Quantity", "INVALID_FIELD", (1, 52), "can not be grouped"),
    (
        "SELECT Id FROM Accountx",
        "INVALID_TYPE",
        (1, 16),
        "sObject type 'Accountx' is not supported. If you are "
        "attempting to use a custom object, be sure to append the '__c' after the entity name.",
    ),
    ("SELECT Id FROM SBQQ__Quote", "INVALID_TYPE", (1, 16), "sObject type 'SBQQ__Quote' is not supported"),
    (
        "SELECT Id, (SELECT Id FROM LineItems) FROM Order",
        "INVALID_TYPE",
        (1, 28),
        "Didn't understand relationship 'LineItems' in FROM part of query call.",
    ),
    (
        "SELECT Id FROM Order WHERE Id = 'not-an-id'",
        "INVALID_QUERY_FILTER_OPERATOR",
        (1, 33),
        "invalid ID field: not-an-id",
    ),
    (
        "SELECT Id FROM OrderItem WHERE Quantity LIKE '5%'",
        "INVALID_QUERY_FILTER_OPERATOR",
        (1, 46),
        "invalid operator on double field",
    ),
    (
        "SELECT Id FROM Product2 WHERE IsActive > false",
        "INVALID_QUERY_FILTER_OPERATOR",
        (1, 42),
        "invalid operator on boolean field",
    ),
]


@pytest.mark.parametrize(("soql", "code", "pos", "detail"), ERROR_CASES, ids=[c[0][:60] for c in ERROR_CASES])
def test_query_errors_have_the_real_shape(org: Org, soql: str, code: str, pos: tuple[int, int], detail: str) -> None:
    with pytest.raises(SalesforceApiError) as caught:
        org.store.query(soql)
    error = caught.value
    assert (error.status, error.error_code) == (400, code)
    [body] = error.body()
    assert body["errorCode"] == code
    row, column = pos
    lines = body["message"].split("\n")
    assert lines[0] == ""
    excerpt, caret = lines[1], lines[2]
    assert caret.strip() == "^"
    start = column - 1 - caret.index("^")
    assert soql.split("\n")[row - 1][start : start + len(excerpt)] == excerpt
    assert lines[3] == f"ERROR at Row:{row}:Column:{column}"
    assert detail in lines[4]


def test_error_quotes_four_tokens_either_side_of_the_culprit(org: Org) -> None:
    soql = "SELECT Id, Name, Phone, Website, Nope__c, Type, Industry, ParentId, OwnerId FROM Account"
    with pytest.raises(SalesforceApiError) as caught:
        org.store.query(soql)
    assert caught.value.message.split("\n")[1:4] == [
        "Phone, Website, Nope__c, Type, Industry",
        "                ^",
        "ERROR at Row:1:Column:34",
    ]


def test_error_on_a_later_line_names_that_row(org: Org) -> None:
    with pytest.raises(SalesforceApiError) as caught:
        org.store.query("SELECT Id\nFROM Account\nWHERE Nope__c = 1")
    assert caught.value.message.split("\n")[1:4] == ["WHERE Nope__c = 1", "      ^", "ERROR at Row:3:Column:7"]


def test_currency_field_is_unknown_on_a_single_currency_org(tmp_path: Path) -> None:
    with OrgStore(tmp_path / "single.db", multi_currency=False) as store:
        with pytest.raises(SalesforceApiError) as caught:
            store.query("SELECT Id, CurrencyIsoCode FROM Order")
        assert caught.value.error_code == "INVALID_FIELD"
        assert "No such column 'CurrencyIsoCode' on entity 'Order'" in caught.value.message
    with OrgStore(tmp_path / "multi.db") as store:
        assert store.query("SELECT Id, CurrencyIsoCode FROM Order").total_size == 0


def test_offset_beyond_2000_is_out_of_range(org: Org) -> None:
    with pytest.raises(SalesforceApiError) as caught:
        org.store.query("SELECT Id FROM Account OFFSET 2001")
    assert (caught.value.status, caught.value.error_code) == (400, "NUMBER_OUTSIDE_VALID_RANGE")


@pytest.mark.parametrize("soql", ["", "   ", None])
def test_missing_query_is_malformed(org: Org, soql: Any) -> None:
    with pytest.raises(SalesforceApiError) as caught:
        org.store.query(soql)
    assert caught.value.error_code == "MALFORMED_QUERY"


def test_errors_leave_the_store_usable(org: Org) -> None:
    before = org.store.query("SELECT COUNT() FROM Account").total_size
    for soql, *_ in ERROR_CASES:
        with pytest.raises(SalesforceApiError):
            org.store.query(soql)
    assert org.store.query("SELECT COUNT() FROM Account").total_size == before


# --- custom fields ----------------------------------------------------------------------------------------------


def test_custom_field_added_at_run_time_is_queryable_and_filterable(tmp_path: Path) -> None:
    with OrgStore(tmp_path / "custom.db") as store:
        account = store.insert("Account", {"Name": "Acme"})
        store.add_custom_field("Account", FieldDef("Region__c", "picklist", picklist=("EMEA", "AMER"), length=255))
        store.update("Account", account, {"region__c": "EMEA"})
        store.insert("Account", {"Name": "Other"})
        assert plain(store.query("SELECT Name, Region__c FROM Account WHERE Region__c = 'emea'").records) == [
            {"Name": "Acme", "Region__c": "EMEA"}
        ]


def test_string_escapes_in_literals(tmp_path: Path) -> None:
    with OrgStore(tmp_path / "escapes.db") as store:
        for name in ("O'Brien", "back\\slash", "Café", "50%_off"):
            store.insert("Account", {"Name": name})
        assert plain(store.query(r"SELECT Name FROM Account WHERE Name = 'O\'Brien'").records) == [{"Name": "O'Brien"}]
        assert plain(store.query(r"SELECT Name FROM Account WHERE Name = 'back\\slash'").records) == [
            {"Name": "back\\slash"}
        ]
        assert plain(store.query(r"SELECT Name FROM Account WHERE Name = 'Caf\u00e9'").records) == [{"Name": "Café"}]
        assert plain(store.query(r"SELECT Name FROM Account WHERE Name LIKE '%\\%'").records) == [
            {"Name": "back\\slash"}
        ]
        assert plain(store.query(r"SELECT Name FROM Account WHERE Name LIKE '50\%\_%'").records) == [
            {"Name": "50%_off"}
        ]


SYNC_ORDERS_SOQL = """SELECT Id, OrderNumber, Type, Status, EffectiveDate, EndDate, ActivatedDate, AccountId,
       OpportunityId, ContractId, Pricebook2Id, TotalAmount, BillToContactId, ShipToContactId, SBQQ__Quote__c,
       SBQQ__Contracted__c,
       SBQQ__Quote__r.SBQQ__Type__c, SBQQ__Quote__r.SBQQ__StartDate__c, SBQQ__Quote__r.SBQQ__EndDate__c,
       SBQQ__Quote__r.SBQQ__SubscriptionTerm__c, SBQQ__Quote__r.SBQQ__MasterContract__c,
       Opportunity.SBQQ__AmendedContract__c, Opportunity.SBQQ__RenewedContract__c, Opportunity.CloseDate, SystemModstamp
FROM Order WHERE Status = 'Activated' AND SystemModstamp > 2024-01-01T00:00:00Z ORDER BY SystemModstamp"""

SYNC_LINES_SOQL = """SELECT Id, OrderId, OrderItemNumber, Product2Id, Product2.ProductCode, PricebookEntryId,
       Quantity, UnitPrice, ListPrice, TotalPrice, ServiceDate, EndDate, SBQQ__ChargeType__c, SBQQ__BillingType__c,
       SBQQ__BillingFrequency__c,
       SBQQ__SubscriptionPricing__c, SBQQ__SubscriptionTerm__c, SBQQ__DefaultSubscriptionTerm__c,
       SBQQ__ProrateMultiplier__c, SBQQ__QuoteLine__c, SBQQ__Subscription__c, SBQQ__RevisedOrderProduct__c,
       SBQQ__ContractAction__c, SBQQ__Status__c, SBQQ__OrderedQuantity__c, SBQQ__Asset__c, SBQQ__RequiredBy__c,
       SBQQ__SegmentIndex__c, SBQQ__SegmentKey__c
FROM OrderItem WHERE OrderId IN ({ids}) ORDER BY OrderId, OrderItemNumber"""


def test_the_sync_queries_of_the_reference_run_as_written(org: Org) -> None:
    orders = run(org, SYNC_ORDERS_SOQL)
    activated = [o for o in org.live_orders if o["Status"] == "Activated"]
    assert sorted(ids_of(orders)) == sorted(o["Id"] for o in activated)
    first = next(r for r in orders if r["Id"] == activated[0]["Id"])
    quote = org.by_id(org.quotes, activated[0]["SBQQ__Quote__c"])
    assert quote is not None
    assert first["SBQQ__Quote__r"] == {
        "SBQQ__Type__c": quote["SBQQ__Type__c"],
        "SBQQ__StartDate__c": quote["SBQQ__StartDate__c"],
        "SBQQ__EndDate__c": None,
        "SBQQ__SubscriptionTerm__c": 12.0,
        "SBQQ__MasterContract__c": None,
    }
    assert first["Opportunity"] is None
    assert list(first)[:4] == ["Id", "OrderNumber", "Type", "Status"]
    wanted = [o["Id"] for o in activated[:3]]
    lines = run(org, SYNC_LINES_SOQL.format(ids=", ".join(f"'{i}'" for i in wanted)))
    expected = sorted((i for i in org.items if i["OrderId"] in wanted), key=lambda i: (i["OrderId"], i["Id"]))
    assert [(r["Id"], r["Quantity"], r["Product2"]["ProductCode"]) for r in lines] == [
        (i["Id"], i["Quantity"], i["_product"]["ProductCode"]) for i in expected
    ]


def test_optional_clauses_the_api_accepts(org: Org) -> None:
    everything = ids_of(run(org, "SELECT Id FROM Account ORDER BY Id"))
    assert ids_of(run(org, "SELECT Id FROM Account USING SCOPE everything ORDER BY Id")) == everything
    assert ids_of(run(org, "SELECT Id FROM Account USING SCOPE Mine ORDER BY Id")) == everything
    assert ids_of(run(org, "SELECT Id FROM Account WITH SECURITY_ENFORCED ORDER BY Id")) == everything
    assert ids_of(run(org, "SELECT Id FROM Account ORDER BY Id LIMIT 2 FOR VIEW")) == everything[:2]
    assert ids_of(run(org, "SELECT Id FROM Account a WHERE a.Name = 'Delta' FOR REFERENCE")) == [org.accounts[4]["Id"]]


def test_scope_mine_keeps_only_records_the_integration_user_owns(tmp_path: Path) -> None:
    with OrgStore(tmp_path / "mine.db") as store:
        other = store.insert_many("User", [{"LastName": "Other", "Username": "o@x.example", "Email": "o@x.example"}])[0]
        mine = store.insert("Account", {"Name": "Mine"})
        store.insert_many("Account", [{"Name": "Theirs", "OwnerId": other}])
        assert ids_of(plain(store.query("SELECT Id FROM Account USING SCOPE mine").records)) == [mine]


@pytest.mark.parametrize(
    ("soql", "detail"),
    [
        ("SELECT Id FROM Account USING SCOPE team", "USING SCOPE team is not available"),
        ("SELECT Id FROM Account WITH USER_MODE", "unexpected token: USER_MODE"),
        ("SELECT Id FROM Account FOR UPDATE", "FOR UPDATE is not allowed"),
        ("SELECT Id FROM Pricebook2 USING SCOPE mine", "needs an object with an owner"),
    ],
)
def test_unsupported_optional_clauses_are_malformed(org: Org, soql: str, detail: str) -> None:
    with pytest.raises(SalesforceApiError) as caught:
        org.store.query(soql)
    assert caught.value.error_code == "MALFORMED_QUERY"
    assert detail in caught.value.message


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM Account WHERE " + "NOT " * 60 + "Name = 'a'", "QUERY_TOO_COMPLICATED"),
        ("SELECT Id FROM Account WHERE " + " AND ".join(["Name = 'a'"] * 1200), "QUERY_TOO_COMPLICATED"),
        ("SELECT Id FROM Account WHERE Name = '" + "x" * 100_000 + "'", "MALFORMED_QUERY"),
    ],
    ids=["deep NOT", "long AND", "too long"],
)
def test_oversized_queries_get_an_error_not_a_crash(org: Org, soql: str, code: str) -> None:
    # SQLite caps expression depth where Salesforce caps query complexity; either way the caller gets a 400.
    with pytest.raises(SalesforceApiError) as caught:
        org.store.query(soql)
    assert (caught.value.status, caught.value.error_code) == (400, code)
    assert org.store.query("SELECT COUNT() FROM Account").total_size == len(org.live_accounts)


def test_a_cursor_is_a_snapshot_of_the_matching_rows(tmp_path: Path) -> None:
    with OrgStore(tmp_path / "snapshot.db") as store:
        first = store.insert_many("Account", [{"Name": f"A{n:02d}"} for n in range(10)])
        cursor = store.open_query("SELECT Id, Name FROM Account ORDER BY Name")
        store.insert("Account", {"Name": "A00 (added after the query)"})
        store.update("Account", first[7], {"Name": "A07 renamed"})
        pages = cursor.page(0, 4) + cursor.page(4, 4) + cursor.page(8, 4)
        assert cursor.total_size == 10
        assert [r["Id"] for r in pages] == first
        assert pages[7]["Name"] == "A07 renamed"
