"""REST resources beyond the §6 checklist: collections, external ids, replication, paging, Bulk job lifecycle,
injected faults and the control API — through simple-salesforce where the app uses it, raw HTTPS elsewhere.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)
from simple_salesforce.login import SalesforceLogin

from cpq_desktop.sandbox.faults import FaultSettings
from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.tls import SandboxTLS

from .conftest import API_VERSION, connect, https_session, password_token


@pytest.fixture
def sf(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> Salesforce:
    return connect(sf_org, sf_tls)


def _auth(org: SalesforceOrg, session: requests.Session) -> dict[str, str]:
    return {"Authorization": f"Bearer {password_token(org, session)}"}


def test_versions_and_resource_map(sf_org: SalesforceOrg, sf_tls: SandboxTLS, sf: Salesforce) -> None:
    versions = https_session(sf_tls.ca_file).get(f"{sf_org.url}/services/data/", timeout=10).json()
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    resources = sf.restful("")
    assert resources["sobjects"] == f"/services/data/v{API_VERSION}/sobjects"
    assert resources["query"] == f"/services/data/v{API_VERSION}/query"


def test_get_selected_fields_and_delete_by_external_id(sf: Salesforce) -> None:
    account = sf.Account.create({"Name": "Fields", "Phone": "1", "Zuora_Account_Number__c": "A-FIELDS"})["id"]
    record = sf.Account.get(account, params={"fields": "Name,Phone"})
    assert list(record) == ["attributes", "Name", "Phone"]
    assert sf.Account.get_by_custom_id("Zuora_Account_Number__c", "a-fields")["Id"] == account  # case-insensitive
    response = sf.restful("sobjects/Account/Zuora_Account_Number__c/A-FIELDS", method="DELETE")
    assert response is None
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get(account)


def test_upsert_matching_several_records_is_300_with_their_urls(sf_org: SalesforceOrg, sf: Salesforce) -> None:
    twins = sf_org.store.insert_many(
        "Account", [{"Name": "Twin", "Zuora_Account_Number__c": "A-TWIN"} for _ in range(2)]
    )
    with pytest.raises(SalesforceMoreThanOneRecord) as raised:
        sf.Account.upsert("Zuora_Account_Number__c/A-TWIN", {"Name": "Which one?"})
    assert sorted(raised.value.content) == sorted(
        f"/services/data/v{API_VERSION}/sobjects/Account/{twin}" for twin in twins
    )
    assert {sf.Account.get(t)["Name"] for t in twins} == {"Twin"}


def test_upsert_update_only_and_by_id(sf_org: SalesforceOrg, sf_tls: SandboxTLS, sf: Salesforce) -> None:
    session = https_session(sf_tls.ca_file)
    url = f"{sf_org.url}/services/data/v{API_VERSION}/sobjects/Account/Zuora_Account_Number__c/A-NEVER"
    response = session.patch(url, params={"updateOnly": "true"}, json={"Name": "x"}, headers=_auth(sf_org, session))
    assert response.status_code == 404
    assert sf.query("SELECT Id FROM Account WHERE Zuora_Account_Number__c = 'A-NEVER'")["totalSize"] == 0
    account = sf.Account.create({"Name": "By id"})["id"]
    assert sf.Account.upsert(f"Id/{account}", {"Name": "By id, updated"}) == 200
    assert sf.Account.get(account)["Name"] == "By id, updated"
    old_api = f"{sf_org.url}/services/data/v45.0/sobjects/Account/Id/{account}"
    assert session.patch(old_api, json={"Phone": "2"}, headers=_auth(sf_org, session)).status_code == 204


def test_collections_create_retrieve_upsert_delete(sf: Salesforce) -> None:
    created = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Account"}, "Name": "Coll 1"},
                {"attributes": {"type": "Contact"}, "LastName": "Coll"},
                {"attributes": {"type": "Account"}},  # Name is required
            ],
        },
    )
    assert [r["success"] for r in created] == [True, True, False]
    assert created[2]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    account, contact = created[0]["id"], created[1]["id"]

    fetched = sf.restful(
        "composite/sobjects/Account", params={"ids": f"{account},{contact[:3]}8d0zzzzzzzzzAAA", "fields": "Id,Name"}
    )
    assert fetched[0]["Name"] == "Coll 1"
    assert fetched[1] is None

    upserted = sf.restful(
        "composite/sobjects/Account/Zuora_Account_Number__c",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Account"}, "Name": "U", "Zuora_Account_Number__c": "A-COLL"}]},
    )
    assert upserted[0]["created"] is True
    again = sf.restful(
        "composite/sobjects/Account/Zuora_Account_Number__c",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Account"}, "Name": "U2", "Zuora_Account_Number__c": "A-COLL"}]},
    )
    assert again[0] == {"id": upserted[0]["id"], "success": True, "errors": [], "created": False}

    removed = sf.restful("composite/sobjects", method="DELETE", params={"ids": f"{account},{contact}"})
    assert [r["success"] for r in removed] == [True, True]
    gone = sf.query(f"SELECT Id FROM Account WHERE Id = '{account}'", include_deleted=True)["records"]
    assert len(gone) == 1


def test_collections_all_or_none_create_leaves_nothing_behind(sf: Salesforce) -> None:
    result = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Account"}, "Name": "Atomic 1"},
                {"attributes": {"type": "Account"}, "Name": "Atomic 2", "Id": "001000000000001AAA"},
            ],
        },
    )
    assert result[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.query("SELECT Id FROM Account WHERE Name LIKE 'Atomic%'")["totalSize"] == 0


def test_pages_count_child_rows_toward_the_batch(sf_org: SalesforceOrg, sf: Salesforce) -> None:
    parents = sf_org.store.insert_many("Account", [{"Name": f"Parent {i}"} for i in range(3)])
    sf_org.store.insert_many(
        "Contact", [{"LastName": f"Child {i}", "AccountId": parent} for parent in parents for i in range(150)]
    )
    soql = "SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Name LIKE 'Parent %' ORDER BY Name"
    page = sf.query(soql, headers={"Sforce-Query-Options": "batchSize=200"})
    sizes = [len(page["records"])]
    while not page["done"]:
        page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
        sizes.append(len(page["records"]))
    assert sizes == [1, 1, 1]  # 150 child rows each: two parents would exceed 200 rows
    assert page["totalSize"] == 3


def test_updated_and_deleted_replication(sf: Salesforce) -> None:
    start = datetime.now(UTC) - timedelta(minutes=5)
    changed = sf.Account.create({"Name": "Replicated"})["id"]
    removed = sf.Account.create({"Name": "Replicated, then deleted"})["id"]
    sf.Account.delete(removed)
    end = datetime.now(UTC) + timedelta(minutes=1)
    assert changed in sf.Account.updated(start, end)["ids"]
    deleted = sf.Account.deleted(start, end)
    assert removed in [d["id"] for d in deleted["deletedRecords"]]
    with pytest.raises(SalesforceMalformedRequest):
        sf.Account.updated(start - timedelta(days=40), end)


def test_bulk_job_lifecycle(sf_org: SalesforceOrg, sf_tls: SandboxTLS, sf: Salesforce) -> None:
    session = https_session(sf_tls.ca_file)
    auth = _auth(sf_org, session)
    base = f"{sf_org.url}/services/data/v{API_VERSION}/jobs/query"
    body = {"operation": "query", "query": "SELECT Id, Name FROM Account", "columnDelimiter": "SEMICOLON"}
    aborted = session.post(base, json=body, headers=auth).json()
    state = session.patch(f"{base}/{aborted['id']}", json={"state": "Aborted"}, headers=auth).json()
    assert state["state"] == "Aborted"
    assert session.get(f"{base}/{aborted['id']}/results", headers=auth).status_code == 400

    job = session.post(base, json={**body, "lineEnding": "CRLF"}, headers=auth).json()
    results = session.get(f"{base}/{job['id']}/results", headers=auth)
    assert results.text.startswith("Id;Name\r\n")
    assert job["id"] in [j["id"] for j in session.get(base, headers=auth).json()["records"]]
    assert session.delete(f"{base}/{job['id']}", headers=auth).status_code == 204
    assert session.get(f"{base}/{job['id']}", headers=auth).status_code == 404
    other_version = f"{sf_org.url}/services/data/v58.0/jobs/query/{aborted['id']}/results"
    assert session.get(other_version, headers=auth).status_code == 409

    doomed = sf.Account.create({"Name": "Bulk sees deleted"})["id"]
    sf.Account.delete(doomed)
    csv_pages = list(sf.bulk2.Account.query_all(f"SELECT Id, IsDeleted FROM Account WHERE Id = '{doomed}'", wait=0))
    assert csv_pages == [f'"Id","IsDeleted"\n"{doomed}","true"\n'.replace('"', "")]


# -- faults ------------------------------------------------------------------------------------------------------


def test_injected_server_errors_carry_the_real_bodies(sf_org: SalesforceOrg, sf: Salesforce) -> None:
    sf_org.set_faults(error_share=1.0, error_statuses=[503])
    with pytest.raises(SalesforceGeneralError) as raised:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert raised.value.status == 503
    assert raised.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    sf_org.set_faults(error_statuses=[500])
    with pytest.raises(SalesforceGeneralError) as raised:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert raised.value.content[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    sf_org.set_faults(error_share=0.0, error_statuses=[500, 503])
    assert sf.query("SELECT Id FROM Account LIMIT 1")["done"] is True


def test_dropped_connections_and_lost_responses(sf_org: SalesforceOrg, sf: Salesforce) -> None:
    sf_org.set_faults(drop_share=1.0)
    with pytest.raises(requests.ConnectionError):
        sf.Account.create({"Name": "Never written"})
    sf_org.set_faults(drop_share=0.0, lost_response_share=1.0)
    with pytest.raises(requests.ConnectionError):
        sf.Account.create({"Name": "Written, answer lost"})
    sf_org.set_faults(lost_response_share=0.0)
    names = {r["Name"] for r in sf.query("SELECT Name FROM Account WHERE Name LIKE '%written%'")["records"]}
    assert names == {"Written, answer lost"}


def test_latency_is_added_per_request(sf_org: SalesforceOrg, sf: Salesforce) -> None:
    sf_org.set_faults(latency_ms=150)
    started = time.monotonic()
    sf.limits()
    assert time.monotonic() - started >= 0.15
    with pytest.raises(ValueError, match="error_share"):
        sf_org.set_faults(error_share=2)


def test_faults_configured_at_start(tmp_path_factory: pytest.TempPathFactory, sf_tls: SandboxTLS) -> None:
    org = SalesforceOrg(
        tmp_path_factory.mktemp("faulty"), sf_tls, faults=FaultSettings(error_share=1.0, error_statuses=(503,))
    )
    org.start()
    try:
        session = https_session(sf_tls.ca_file)
        assert session.get(f"{org.url}/services/data/", timeout=10).status_code == 503
    finally:
        org.stop()


def test_control_api_over_http(sf_org: SalesforceOrg, sf_tls: SandboxTLS, sf: Salesforce) -> None:
    session = https_session(sf_tls.ca_file)
    creds = sf_org.credentials()
    control = {creds["control_header"]: creds["control_key"]}
    state = session.post(f"{sf_org.url}/__sandbox/faults", json={"latency_ms": 5}, headers=control).json()
    assert state["faults"]["latency_ms"] == 5
    bad = session.post(f"{sf_org.url}/__sandbox/faults", json={"drop_share": "lots"}, headers=control)
    assert bad.status_code == 400
    wrong_key = session.post(
        f"{sf_org.url}/__sandbox/faults", json={"latency_ms": 900}, headers={**control, creds["control_header"]: "x"}
    )
    assert wrong_key.status_code == 404
    assert sf_org.faults.settings.latency_ms == 5

    used, _ = sf_org.api_usage()
    session.post(f"{sf_org.url}/__sandbox/limits", json={"daily_api_limit": used + 100}, headers=control)
    assert sf.limits()["DailyApiRequests"]["Max"] == used + 100

    session.post(f"{sf_org.url}/__sandbox/query-timeouts", json={"count": 1}, headers=control)
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Id FROM Account")

    session.post(f"{sf_org.url}/__sandbox/expire-sessions", headers=control)
    with pytest.raises(SalesforceExpiredSession):
        sf.limits()
    assert session.get(f"{sf_org.url}/__sandbox/state", headers=control).json()["faults"]["latency_ms"] == 5


def test_sosl_search_and_quick_search(sf_org: SalesforceOrg, sf: Salesforce) -> None:
    sf_org.store.insert_many("Account", [{"Name": "Searchable Widgets"}, {"Name": "Searchable Gadgets", "Phone": "9"}])
    found = sf.search("FIND {Searchable*} RETURNING Account(Id, Name WHERE Phone = '9' ORDER BY Name)")
    assert [r["Name"] for r in found["searchRecords"]] == ["Searchable Gadgets"]
    quick = sf.quick_search("Widgets")
    assert [r["attributes"]["type"] for r in quick["searchRecords"]] == ["Account"]
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.search("LOOK FOR {x}")
    assert raised.value.content[0]["errorCode"] == "MALFORMED_SEARCH"


def test_composite_with_references_and_all_or_none(sf_org: SalesforceOrg, sf: Salesforce) -> None:
    base = f"/services/data/v{API_VERSION}"
    used_before, _ = sf_org.api_usage()
    answer = sf.restful(
        "composite",
        method="POST",
        json={
            "compositeRequest": [
                {"method": "POST", "url": f"{base}/sobjects/Account", "referenceId": "acct", "body": {"Name": "Comp"}},
                {
                    "method": "POST",
                    "url": f"{base}/sobjects/Contact",
                    "referenceId": "person",
                    "body": {"LastName": "Comp", "AccountId": "@{acct.id}"},
                },
                {
                    "method": "GET",
                    "url": f"{base}/query?q=SELECT+Id,Account.Name+FROM+Contact+WHERE+Id='@{{person.id}}'",
                    "referenceId": "check",
                },
            ]
        },
    )["compositeResponse"]
    assert [r["httpStatusCode"] for r in answer] == [201, 201, 200]
    assert answer[0]["httpHeaders"]["Location"].endswith(answer[0]["body"]["id"])
    assert answer[2]["body"]["records"][0]["Account"]["Name"] == "Comp"
    used_after, _ = sf_org.api_usage()
    assert used_after == used_before + 1  # one API call for the whole composite request

    rolled = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {"method": "POST", "url": f"{base}/sobjects/Account", "referenceId": "ok", "body": {"Name": "Gone"}},
                {"method": "POST", "url": f"{base}/sobjects/Account", "referenceId": "bad", "body": {"Nope": 1}},
                {"method": "GET", "url": f"{base}/sobjects/Account/@{{ok.id}}", "referenceId": "later"},
            ],
        },
    )["compositeResponse"]
    assert [r["httpStatusCode"] for r in rolled] == [400, 400, 400]
    assert rolled[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert rolled[1]["body"][0]["errorCode"] == "INVALID_FIELD"
    assert sf.query("SELECT Id FROM Account WHERE Name = 'Gone'")["totalSize"] == 0


def test_concurrent_upserts_create_each_record_once(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    keys = [f"A-RACE-{i}" for i in range(10)]

    def worker(_: int) -> list[int]:
        client = connect(sf_org, sf_tls)
        return [client.Account.upsert(f"Zuora_Account_Number__c/{key}", {"Name": key}) for key in keys]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for result in pool.map(worker, range(8)) for status in result]
    assert statuses.count(201) == len(keys)
    assert statuses.count(200) == len(keys) * 7
    rows = connect(sf_org, sf_tls).query_all("SELECT Zuora_Account_Number__c FROM Account WHERE Name LIKE 'A-RACE-%'")
    assert sorted(r["Zuora_Account_Number__c"] for r in rows["records"]) == sorted(keys)


def test_no_content_answers_carry_no_body_or_content_type(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    auth = _auth(sf_org, session)
    base = f"{sf_org.url}/services/data/v{API_VERSION}/sobjects/Account"
    account = session.post(base, json={"Name": "No content"}, headers=auth).json()["id"]
    response = session.patch(f"{base}/{account}", json={"Phone": "3"}, headers=auth)
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_credentials_survive_a_restart_and_a_damaged_file_is_replaced(
    tmp_path_factory: pytest.TempPathFactory, sf_tls: SandboxTLS
) -> None:
    data_dir = tmp_path_factory.mktemp("credentials")
    first = SalesforceOrg(data_dir, sf_tls)
    password, client_id = first.user.password, first.connected_app.client_id
    first.stop()
    second = SalesforceOrg(data_dir, sf_tls)
    assert (second.user.password, second.connected_app.client_id) == (password, client_id)
    second.stop()
    (data_dir / "credentials.json").write_text("{damaged", encoding="utf-8")
    third = SalesforceOrg(data_dir, sf_tls)
    assert third.user.password != password
    assert oct((data_dir / "credentials.json").stat().st_mode & 0o777) == "0o600"
    third.stop()


def test_injected_failures_of_login_endpoints_keep_their_shapes(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    creds = sf_org.credentials()
    sf_org.set_faults(error_share=1.0, error_statuses=[503])
    token = session.post(f"{sf_org.url}/services/oauth2/token", data={"grant_type": "password"}, timeout=10)
    assert token.status_code == 503
    assert token.json()["error"] == "temporarily_unavailable"
    with pytest.raises(SalesforceAuthenticationFailed) as raised:
        SalesforceLogin(
            username=creds["username"],
            password=creds["password"],
            security_token=creds["security_token"],
            scratch_url=sf_org.url,
            session=session,
        )
    assert raised.value.code == "SERVER_UNAVAILABLE"
