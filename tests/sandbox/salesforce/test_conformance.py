"""The fidelity checklist of salesforce-api.md §6, items 1-10, driven through the unmodified simple-salesforce client.

Item 7 (OAuth: authorize → loopback redirect → PKCE token, refresh with and without rotation, revoke → 401) is
covered end to end in ``test_oauth.py``; the rest is here, one test (or a few) per item, named after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from cpq_desktop.sandbox.salesforce.ids import checksum
from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.tls import SandboxTLS

from .conftest import API_VERSION, CpqOrg, connect, https_session, password_token

_LIMIT_INFO = re.compile(r"[^-]?api-usage=(?P<used>\d+)/(?P<tot>\d+)")  # simple-salesforce's own pattern


@pytest.fixture
def sf(sf_cpq_org: CpqOrg, sf_tls: SandboxTLS) -> Salesforce:
    return connect(sf_cpq_org.org, sf_tls)


def _raw(org: SalesforceOrg, tls: SandboxTLS) -> tuple[requests.Session, dict[str, str]]:
    session = https_session(tls.ca_file)
    return session, {"Authorization": f"Bearer {password_token(org, session)}"}


# -- 1. TLS on 127.0.0.1 with a test CA ------------------------------------------------------------------------


def test_1_tls_on_loopback_trusted_only_through_the_sandbox_ca(sf_cpq_org: CpqOrg, sf_tls: SandboxTLS) -> None:
    org = sf_cpq_org.org
    assert org.url.startswith("https://127.0.0.1:")
    trusted = https_session(sf_tls.ca_file)
    assert trusted.get(f"{org.url}/services/data/", timeout=10).status_code == 200
    # The certificate names localhost too.
    assert trusted.get(f"{org.url.replace('127.0.0.1', 'localhost')}/services/data/", timeout=10).ok
    untrusted = requests.Session()
    untrusted.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        untrusted.get(f"{org.url}/services/data/", timeout=10)


# -- 2. describe, queries, paging, relationships, COUNT(), queryAll -----------------------------------------------


def test_2_describe_global_and_per_object(sf: Salesforce) -> None:
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Account", "Order", "OrderItem", "SBQQ__Quote__c", "SBQQ__Subscription__c", "ConsumptionSchedule"} <= names
    order = sf.Order.describe()
    fields = {f["name"]: f for f in order["fields"]}
    assert fields["SBQQ__Quote__c"]["referenceTo"] == ["SBQQ__Quote__c"]
    assert fields["SBQQ__Quote__c"]["relationshipName"] == "SBQQ__Quote__r"
    assert any(r["relationshipName"] == "OrderItems" for r in order["childRelationships"])
    assert sf.Order.metadata()["objectDescribe"]["name"] == "Order"  # GET …/sobjects/Order/ (trailing slash)


def test_2_query_all_follows_at_least_three_pages_of_200(sf_cpq_org: CpqOrg, sf: Salesforce) -> None:
    store = sf_cpq_org.org.store
    store.insert_many("Contact", [{"LastName": f"Pager {i:04d}"} for i in range(450)])
    soql = "SELECT Id, LastName FROM Contact WHERE LastName LIKE 'Pager%' ORDER BY LastName"
    batch = {"Sforce-Query-Options": "batchSize=200"}

    page = sf.query(soql, headers=batch)
    pages, names = 1, [r["LastName"] for r in page["records"]]
    assert page["totalSize"] == 450
    assert len(page["records"]) == 200
    while not page["done"]:
        assert page["nextRecordsUrl"].startswith(f"/services/data/v{API_VERSION}/query/01g")
        page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
        pages += 1
        names += [r["LastName"] for r in page["records"]]
    assert pages == 3
    assert names == [f"Pager {i:04d}" for i in range(450)]

    everything = sf.query_all(soql, headers=batch)
    assert everything["totalSize"] == 450
    assert [r["LastName"] for r in everything["records"]] == names


def test_2_parent_paths_are_nested_objects_or_null(sf_cpq_org: CpqOrg, sf: Salesforce) -> None:
    result = sf.query_all("SELECT Id, Name, Parent.Name, Owner.Name FROM Account ORDER BY Name")
    with_parent = [r for r in result["records"] if r["Parent"] is not None]
    without_parent = [r for r in result["records"] if r["Parent"] is None]
    assert with_parent, "the generated org has child accounts"
    assert without_parent
    child = with_parent[0]
    parent = sf.Account.get(sf.Account.get(child["Id"])["ParentId"])
    assert child["Parent"]["Name"] == parent["Name"]
    assert child["Parent"]["attributes"]["type"] == "Account"

    showcase = sf_cpq_org.summary.showcase("amendment-quantity-increase").records
    order = sf.query(
        f"SELECT Id, SBQQ__Quote__r.SBQQ__Type__c, Opportunity.SBQQ__AmendedContract__c FROM Order "
        f"WHERE Id = '{showcase['amendment_order']}'"
    )["records"][0]
    assert order["SBQQ__Quote__r"]["SBQQ__Type__c"] == "Amendment"
    assert order["Opportunity"]["SBQQ__AmendedContract__c"] == showcase["contract"]


def test_2_child_subquery_and_count(sf_cpq_org: CpqOrg, sf: Salesforce) -> None:
    order_id = sf_cpq_org.summary.showcase("new-subscriptions").records["order"]
    record = sf.query(
        f"SELECT Id, (SELECT Id, Quantity FROM OrderItems ORDER BY Id) FROM Order WHERE Id = '{order_id}'"
    )["records"][0]
    lines = sf.query(f"SELECT Id FROM OrderItem WHERE OrderId = '{order_id}' ORDER BY Id")["records"]
    assert record["OrderItems"]["totalSize"] == len(lines) > 1
    assert record["OrderItems"]["done"] is True
    assert [r["Id"] for r in record["OrderItems"]["records"]] == [r["Id"] for r in lines]

    counted = sf.query("SELECT COUNT() FROM Order")
    assert counted["totalSize"] == sf_cpq_org.summary.counts["Order"]
    assert counted["records"] == []


def test_2_query_all_returns_deleted_rows(sf: Salesforce) -> None:
    doomed = sf.Account.create({"Name": "Recycle bin candidate"})["id"]
    sf.Account.delete(doomed)
    soql = f"SELECT Id, IsDeleted FROM Account WHERE Id = '{doomed}'"
    assert sf.query(soql)["totalSize"] == 0
    deleted = sf.query(soql, include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in deleted] == [(doomed, True)]


# -- 3. error envelopes and their exceptions ----------------------------------------------------------------------


def _error_code(exc: pytest.ExceptionInfo[Exception]) -> str:
    content = exc.value.content  # type: ignore[attr-defined]
    assert isinstance(content, list), "REST errors are a JSON list"
    return str(content[0]["errorCode"])


def test_3_query_errors(sf: Salesforce) -> None:
    cases = {
        "SELEC Id FROM Account": "MALFORMED_QUERY",
        "SELECT Nope__c FROM Account": "INVALID_FIELD",
        "SELECT Id FROM Accountx": "INVALID_TYPE",
    }
    for soql, code in cases.items():
        with pytest.raises(SalesforceMalformedRequest) as raised:
            sf.query(soql)
        assert _error_code(raised) == code, soql


def test_3_currency_iso_code_is_an_invalid_field_in_a_single_currency_org(
    tmp_path_factory: pytest.TempPathFactory, sf_tls: SandboxTLS
) -> None:
    org = SalesforceOrg(tmp_path_factory.mktemp("single-currency"), sf_tls, multi_currency=False)
    org.start()
    try:
        sf = connect(org, sf_tls)
        with pytest.raises(SalesforceMalformedRequest) as raised:
            sf.query("SELECT Id, CurrencyIsoCode FROM Order")
        assert _error_code(raised) == "INVALID_FIELD"
        assert "CurrencyIsoCode" not in {f["name"] for f in sf.Order.describe()["fields"]}
    finally:
        org.stop()


def test_3_not_found(sf: Salesforce) -> None:
    missing = "001" + "8d0" + "zzzzzzzzz"
    with pytest.raises(SalesforceResourceNotFound) as raised:
        sf.Account.get(missing + checksum(missing))
    assert _error_code(raised) == "NOT_FOUND"
    with pytest.raises(SalesforceResourceNotFound):
        sf.NoSuchObject__c.describe()


def test_3_invalid_session_is_a_json_list(sf_cpq_org: CpqOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    sf = Salesforce(instance_url=sf_cpq_org.org.url, session_id="00Dbogus!token", session=session, version=API_VERSION)
    with pytest.raises(SalesforceExpiredSession) as raised:
        sf.query("SELECT Id FROM Account")
    assert raised.value.content == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_3_daily_limit_exhausted_is_refused(sf_cpq_org: CpqOrg, sf: Salesforce) -> None:
    org = sf_cpq_org.org
    used, _ = org.api_usage()
    org.set_daily_api_limit(used + 1)
    sf.query("SELECT Id FROM Account LIMIT 1")
    with pytest.raises(SalesforceRefusedRequest) as raised:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert raised.value.content == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def test_3_query_timeout(sf_cpq_org: CpqOrg, sf: Salesforce) -> None:
    sf_cpq_org.org.fail_next_queries(1)
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.query("SELECT Id FROM Order")
    assert _error_code(raised) == "QUERY_TIMEOUT"
    assert sf.query("SELECT Id FROM Order LIMIT 1")["totalSize"] == 1


# -- 4. Sforce-Limit-Info counts down; /limits agrees -------------------------------------------------------------


def test_4_limit_info_on_every_authenticated_response(sf_cpq_org: CpqOrg, sf_tls: SandboxTLS) -> None:
    org = sf_cpq_org.org
    session, auth = _raw(org, sf_tls)
    base = f"{org.url}/services/data/v{API_VERSION}"
    seen = []
    for path in ("/limits", "/sobjects/Account/describe", "/query?q=SELECT+Id+FROM+Account+LIMIT+1", "/query?q=bad"):
        response = session.get(base + path, headers=auth, timeout=10)
        assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
        match = _LIMIT_INFO.match(response.headers["Sforce-Limit-Info"])
        assert match, response.headers["Sforce-Limit-Info"]
        seen.append(int(match["used"]))
        if path == "/limits":
            daily = response.json()["DailyApiRequests"]
            assert daily["Max"] == int(match["tot"])
            assert daily["Remaining"] == daily["Max"] - int(match["used"])
    assert seen == list(range(seen[0], seen[0] + 4))  # counting down the allowance, errors included
    assert "Sforce-Limit-Info" not in session.get(f"{org.url}/services/data/", timeout=10).headers


def test_4_simple_salesforce_reads_api_usage(sf: Salesforce) -> None:
    sf.query("SELECT Id FROM Account LIMIT 1")
    first = sf.api_usage["api-usage"]
    sf.query("SELECT Id FROM Account LIMIT 1")
    assert sf.api_usage["api-usage"].used == first.used + 1
    assert sf.limits()["DailyApiRequests"]["Remaining"] == first.total - sf.api_usage["api-usage"].used


# -- 5. writes -----------------------------------------------------------------------------------------------------


def test_5_update_is_204_and_collections_update_both_ways(sf: Salesforce) -> None:
    first = sf.Account.create({"Name": "Collections A"})["id"]
    second = sf.Account.create({"Name": "Collections B"})["id"]
    assert sf.Account.update(first, {"Phone": "+1 415 555 0100"}) == 204

    partial = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Account"}, "id": first, "Zuora_Account_Number__c": "A00000001"},
                {"attributes": {"type": "Account"}, "id": second, "NoSuchField__c": "x"},
            ],
        },
    )
    assert partial[0] == {"id": first, "success": True, "errors": []}
    assert partial[1]["success"] is False
    assert partial[1]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert "errorCode" not in partial[1]["errors"][0]
    assert sf.Account.get(first)["Zuora_Account_Number__c"] == "A00000001"

    rolled_back = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Account"}, "id": first, "Zuora_Account_Number__c": "A00000002"},
                {"attributes": {"type": "Account"}, "id": second, "NoSuchField__c": "x"},
            ],
        },
    )
    assert [r["success"] for r in rolled_back] == [False, False]
    assert rolled_back[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert rolled_back[1]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert sf.Account.get(first)["Zuora_Account_Number__c"] == "A00000001"  # nothing was written


def test_5_upsert_by_external_id_creates_then_updates(sf: Salesforce) -> None:
    assert sf.Account.upsert("Zuora_Account_Number__c/A-UPSERT-1", {"Name": "Upserted"}) == 201
    assert sf.Account.upsert("Zuora_Account_Number__c/A-UPSERT-1", {"Name": "Upserted again"}) == 200
    found = sf.Account.get_by_custom_id("Zuora_Account_Number__c", "A-UPSERT-1")
    assert found["Name"] == "Upserted again"
    matches = sf.query("SELECT Id FROM Account WHERE Zuora_Account_Number__c = 'A-UPSERT-1'")
    assert matches["totalSize"] == 1


# -- 6. ids, case-insensitive names, stable custom prefixes -------------------------------------------------------


def test_6_ids_are_18_characters_and_15_are_accepted(sf: Salesforce) -> None:
    new_id = sf.Account.create({"Name": "Id checks"})["id"]
    assert len(new_id) == 18
    assert new_id[15:] == checksum(new_id[:15])
    assert sf.Account.get(new_id[:15])["Id"] == new_id
    assert sf.query(f"SELECT Id FROM Account WHERE Id = '{new_id[:15]}'")["records"][0]["Id"] == new_id


def test_6_object_and_field_names_are_case_insensitive(sf: Salesforce) -> None:
    new_id = sf.Account.create({"Name": "Case checks"})["id"]
    record = sf.query(f"select id, NAME from ACCOUNT where iD = '{new_id}'")["records"][0]
    assert record["attributes"]["type"] == "Account"
    assert record["Name"] == "Case checks"  # describe casing in the answer
    assert sf.account.get(new_id)["Name"] == "Case checks"
    assert sf.ACCOUNT.update(new_id, {"phone": "1"}) == 204


def test_6_custom_object_prefixes_survive_a_restart(
    tmp_path_factory: pytest.TempPathFactory, sf_tls: SandboxTLS
) -> None:
    data_dir = tmp_path_factory.mktemp("restart")
    prefixes = []
    for _ in range(2):
        org = SalesforceOrg(data_dir, sf_tls)
        org.start()
        try:
            sf = connect(org, sf_tls)
            prefixes.append({o["name"]: o["keyPrefix"] for o in sf.describe()["sobjects"] if o["custom"]})
            if len(prefixes) == 1:
                quote_id = sf.SBQQ__Quote__c.create({})["id"]
            else:
                assert sf.SBQQ__Quote__c.get(quote_id)["Id"] == quote_id  # the data survived too
        finally:
            org.stop()
    assert prefixes[0] == prefixes[1]
    assert prefixes[0]["SBQQ__Quote__c"].startswith("a")
    assert quote_id.startswith(prefixes[0]["SBQQ__Quote__c"])


# -- 8. trailing-slash variants ---------------------------------------------------------------------------------


def test_8_every_route_answers_with_and_without_a_trailing_slash(sf_cpq_org: CpqOrg, sf_tls: SandboxTLS) -> None:
    org = sf_cpq_org.org
    session, auth = _raw(org, sf_tls)
    account = session.post(
        f"{org.url}/services/data/v{API_VERSION}/sobjects/Account", json={"Name": "Slash"}, headers=auth
    ).json()["id"]
    base = f"{org.url}/services/data/v{API_VERSION}"
    for path in (
        "",
        "/sobjects",
        "/sobjects/Account",
        "/sobjects/Account/describe",
        f"/sobjects/Account/{account}",
        "/limits",
        "/query?q=SELECT+Id+FROM+Account+LIMIT+2",
        "/queryAll?q=SELECT+Id+FROM+Account+LIMIT+2",
    ):
        route, _, query = path.partition("?")
        suffix = f"?{query}" if query else ""
        bare = session.get(f"{base}{route}{suffix}", headers=auth, timeout=10)
        slashed = session.get(f"{base}{route}/{suffix}", headers=auth, timeout=10)
        assert bare.status_code == slashed.status_code == 200, path
        if "limits" not in path:
            assert bare.json() == slashed.json(), path


# -- 9. Bulk API 2.0 query with several result pages ---------------------------------------------------------------


def test_9_bulk2_query_pages_with_locator(sf_cpq_org: CpqOrg, sf: Salesforce, sf_tls: SandboxTLS) -> None:
    total = sf.query("SELECT COUNT() FROM OrderItem")["totalSize"]
    pages = list(
        sf.bulk2.OrderItem.query("SELECT Id, Quantity, Order.OrderNumber FROM OrderItem", max_records=40, wait=0)
    )
    assert len(pages) == -(-total // 40) >= 2
    header = pages[0].splitlines()[0]
    assert header == "Id,Quantity,Order.OrderNumber"
    rows = [line for page in pages for line in page.splitlines()[1:]]
    assert len(rows) == total
    assert len({row.split(",")[0] for row in rows}) == total

    # The headers simple-salesforce relies on, seen raw: a count per page and a final "null" locator.
    org = sf_cpq_org.org
    session, auth = _raw(org, sf_tls)
    base = f"{org.url}/services/data/v{API_VERSION}/jobs/query"
    job = session.post(base, json={"operation": "query", "query": "SELECT Id FROM OrderItem"}, headers=auth).json()
    assert job["state"] == "UploadComplete"
    assert session.get(f"{base}/{job['id']}", headers=auth).json()["state"] == "JobComplete"
    first = session.get(f"{base}/{job['id']}/results", params={"maxRecords": total - 1}, headers=auth)
    assert first.headers["Sforce-NumberOfRecords"] == str(total - 1)
    assert first.headers["Sforce-Locator"] not in ("", "null")
    last = session.get(
        f"{base}/{job['id']}/results",
        params={"maxRecords": total, "locator": first.headers["Sforce-Locator"]},
        headers=auth,
    )
    assert last.headers["Sforce-NumberOfRecords"] == "1"
    assert last.headers["Sforce-Locator"] == "null"


# -- 10. a CPQ fixture org ---------------------------------------------------------------------------------------


def test_10_amendments_revise_the_first_order_products_and_renewals_follow(sf_cpq_org: CpqOrg, sf: Salesforce) -> None:
    chain = sf_cpq_org.summary.showcase("amendment-chain").records
    orders = sf.query_all(
        f"SELECT Id, Type, SBQQ__Quote__r.SBQQ__Type__c, EffectiveDate FROM Order "
        f"WHERE AccountId = '{chain['account']}' ORDER BY EffectiveDate, CreatedDate"
    )["records"]
    assert [o["Type"] for o in orders] == ["New", "Amendment", "Amendment", "Renewal"]
    assert orders[-1]["SBQQ__Quote__r"]["SBQQ__Type__c"] == "Renewal"
    original = {r["Id"] for r in sf.query(f"SELECT Id FROM OrderItem WHERE OrderId = '{orders[0]['Id']}'")["records"]}
    second_amendment = sf.query(
        "SELECT Id, Quantity, SBQQ__RevisedOrderProduct__c FROM OrderItem "
        f"WHERE OrderId = '{orders[2]['Id']}' AND SBQQ__RevisedOrderProduct__c != null"
    )["records"]
    assert second_amendment
    assert {r["SBQQ__RevisedOrderProduct__c"] for r in second_amendment} & original  # stacked on the first
    decrease = sf.query(
        f"SELECT Quantity FROM OrderItem WHERE OrderId IN ('{orders[1]['Id']}', '{orders[2]['Id']}') AND Quantity < 0"
    )
    assert decrease["totalSize"] >= 1  # a reduction or cancellation is a negative delta
    renewal_opportunity = sf.query(
        f"SELECT Opportunity.SBQQ__RenewedContract__c FROM Order WHERE Id = '{orders[-1]['Id']}'"
    )["records"][0]["Opportunity"]
    assert renewal_opportunity["SBQQ__RenewedContract__c"] == chain["contract"]


def test_10_usage_mdq_bundle_and_multi_currency(sf_cpq_org: CpqOrg, sf: Salesforce) -> None:
    showcases = sf_cpq_org.summary
    usage_item = showcases.showcase("multi-schedule-usage").records["usage_item"]
    schedules = sf.query(
        "SELECT Id, SBQQ__Type__c, "
        "(SELECT SBQQ__LowerBound__c, SBQQ__Price__c FROM SBQQ__OrderItemConsumptionRates__r) "
        f"FROM SBQQ__OrderItemConsumptionSchedule__c WHERE SBQQ__OrderItem__c = '{usage_item}'"
    )["records"]
    assert len(schedules) == 2
    assert all(s["SBQQ__OrderItemConsumptionRates__r"]["totalSize"] >= 1 for s in schedules)

    mdq_order = showcases.showcase("mdq-ramp").records["order"]
    segments = sf.query(
        f"SELECT SBQQ__SegmentIndex__c FROM OrderItem WHERE OrderId = '{mdq_order}' AND SBQQ__SegmentIndex__c != null"
    )["records"]
    assert sorted(s["SBQQ__SegmentIndex__c"] for s in segments) == [1, 2, 3]

    bundle_item = showcases.showcase("bundle").records["bundle_item"]
    components = sf.query(f"SELECT Id, UnitPrice FROM OrderItem WHERE SBQQ__RequiredBy__c = '{bundle_item}'")
    assert components["totalSize"] == 2

    currencies = sf.query("SELECT CurrencyIsoCode, COUNT(Id) n FROM Order GROUP BY CurrencyIsoCode")["records"]
    assert {"USD", "EUR", "JPY"} <= {c["CurrencyIsoCode"] for c in currencies}


def test_client_factory_fixture_connects(sf_client: Callable[..., Salesforce]) -> None:
    assert sf_client().query("SELECT COUNT() FROM Organization")["totalSize"] == 1


def test_other_client_calls_the_app_makes(sf_cpq_org: CpqOrg, sf_tls: SandboxTLS) -> None:
    sf = connect(sf_cpq_org.org, sf_tls, parse_float=Decimal)
    assert sf.is_sandbox() is True
    prices = sf.query("SELECT UnitPrice FROM OrderItem WHERE UnitPrice != null LIMIT 5")["records"]
    assert all(isinstance(p["UnitPrice"], Decimal) for p in prices)
    streamed = list(sf.query_all_iter("SELECT Id FROM Order", headers={"Sforce-Query-Options": "batchSize=200"}))
    assert len(streamed) == sf_cpq_org.summary.counts["Order"]
    assert sf.oauth2("userinfo")["organization_id"] == sf_cpq_org.org.credentials()["organization_id"]
