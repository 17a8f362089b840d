"""Bad input never crashes the org or corrupts its data: every case answers with the real error shape."""

from __future__ import annotations

import sqlite3

import pytest
import requests

from cpq_desktop.sandbox.salesforce.app import MAX_BODY_BYTES
from cpq_desktop.sandbox.salesforce.server import DATABASE_FILE, SalesforceOrg
from cpq_desktop.sandbox.tls import SandboxTLS

from .conftest import API_VERSION, https_session, password_token


class Client:
    """Raw HTTPS calls with a bearer token, so that tests can send what simple-salesforce never would."""

    def __init__(self, org: SalesforceOrg, tls: SandboxTLS) -> None:
        self.org = org
        self.session = https_session(tls.ca_file)
        self.auth = {"Authorization": f"Bearer {password_token(org, self.session)}"}
        self.base = f"{org.url}/services/data/v{API_VERSION}"

    def call(self, method: str, path: str, **kwargs: object) -> requests.Response:
        headers = {**self.auth, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return self.session.request(method, self.base + path, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def seeded(sf_org: SalesforceOrg) -> list[str]:
    return sf_org.store.insert_many("Account", [{"Name": f"Keep {i}"} for i in range(5)])


@pytest.fixture
def client(sf_org: SalesforceOrg, sf_tls: SandboxTLS, seeded: list[str]) -> Client:
    return Client(sf_org, sf_tls)


def _error(response: requests.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    body = response.json()
    assert isinstance(body, list), body
    assert body[0]["errorCode"] == code, body
    assert body[0]["message"]
    return dict(body[0])


def _assert_intact(client: Client, seeded: list[str]) -> None:
    names = client.call(
        "GET", "/query", params={"q": "SELECT Id, Name FROM Account WHERE Name LIKE 'Keep%' ORDER BY Name"}
    )
    assert [r["Name"] for r in names.json()["records"]] == [f"Keep {i}" for i in range(5)]
    with sqlite3.connect(client.org.data_dir / DATABASE_FILE) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT", "MALFORMED_QUERY"),
        ("SELECT Id FROM", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = 'unterminated", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account LIMIT -1", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account; DROP TABLE Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = '\x00'' OR 1=1", "MALFORMED_QUERY"),
        ("SELECT Id, (SELECT Id FROM (SELECT Id FROM Account)) FROM Account", "MALFORMED_QUERY"),
        ("SELECT " + "Id, " * 5000 + "Id FROM Account", "MALFORMED_QUERY"),
        ("SELECT Nope FROM Account", "INVALID_FIELD"),
        ("SELECT Owner.Nope FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Nope", "INVALID_TYPE"),
        ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD"),
    ],
)
def test_bad_soql_is_a_400_with_the_real_code(client: Client, seeded: list[str], soql: str, code: str) -> None:
    response = client.call("GET", "/query", params={"q": soql})
    assert response.status_code in (400, 414)
    if response.status_code == 400:
        _error(response, 400, code)
    _assert_intact(client, seeded)


def test_missing_query_and_bad_locators(client: Client) -> None:
    _error(client.call("GET", "/query"), 400, "MALFORMED_QUERY")
    _error(client.call("GET", "/query/01gNOPE"), 400, "INVALID_QUERY_LOCATOR")
    _error(client.call("GET", "/query/01g000000000000AAA-99999999"), 400, "INVALID_QUERY_LOCATOR")
    ok = client.call("GET", "/query", params={"q": "SELECT Id FROM Account"}, headers={"Sforce-Query-Options": "x"})
    assert ok.status_code == 200  # an unreadable batch size falls back to the default


@pytest.mark.parametrize(
    "body",
    [b"{", b"[1, 2]", b"null", b"\xff\xfe", b"", b'{"Name": }', b'"Acme"', b'{"Name": "x", "NumberOfEmployees": NaN}'],
)
def test_bad_json_bodies(client: Client, seeded: list[str], body: bytes) -> None:
    response = client.call("POST", "/sobjects/Account/", data=body, headers={"Content-Type": "application/json"})
    _error(response, 400, "JSON_PARSER_ERROR")
    _assert_intact(client, seeded)


def test_unknown_objects_and_fields(client: Client, seeded: list[str]) -> None:
    _error(client.call("GET", "/sobjects/Nope__c/describe"), 404, "NOT_FOUND")
    _error(client.call("POST", "/sobjects/Nope__c", json={"Name": "x"}), 404, "NOT_FOUND")
    _error(client.call("POST", "/sobjects/Account", json={"Nope__c": "x"}), 400, "INVALID_FIELD")
    _error(client.call("GET", f"/sobjects/Account/{seeded[0]}", params={"fields": "Name,Nope"}), 400, "INVALID_FIELD")
    _error(client.call("PATCH", f"/sobjects/Account/{seeded[0]}", json={"Nope": 1}), 400, "INVALID_FIELD")
    _error(client.call("GET", "/sobjects/Account/Nope__c/x"), 404, "NOT_FOUND")  # not an external id field
    _assert_intact(client, seeded)


def test_invalid_ids(client: Client, seeded: list[str]) -> None:
    _error(client.call("GET", "/sobjects/Account/xyz"), 404, "NOT_FOUND")
    bad_checksum = seeded[0][:15] + "ZZZ"
    _error(client.call("GET", f"/sobjects/Account/{bad_checksum}"), 404, "NOT_FOUND")
    contact_shaped = "003" + seeded[0][3:]
    _error(client.call("GET", f"/sobjects/Account/{contact_shaped}"), 400, "MALFORMED_ID")
    _error(client.call("PATCH", f"/sobjects/Account/{contact_shaped}", json={"Name": "x"}), 400, "MALFORMED_ID")
    _error(client.call("DELETE", "/sobjects/Account/%00%00"), 404, "NOT_FOUND")
    _assert_intact(client, seeded)


def test_wrong_values_and_read_only_fields(client: Client, seeded: list[str]) -> None:
    response = client.call("PATCH", f"/sobjects/Account/{seeded[0]}", json={"Name": "Changed", "CreatedDate": "x"})
    assert response.status_code == 400
    response = client.call("POST", "/sobjects/Account", json={"Name": {"nested": True}})
    assert response.status_code == 400
    assert isinstance(response.json(), list)
    _assert_intact(client, seeded)  # the half-valid PATCH changed nothing


def test_oversized_body_is_refused_and_the_server_keeps_serving(
    client: Client, seeded: list[str], sf_tls: SandboxTLS
) -> None:
    big = b'{"Name": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    response = client.call("POST", "/sobjects/Account", data=big, headers={"Content-Type": "application/json"})
    _error(response, 413, "REQUEST_ENTITY_TOO_LARGE")
    _assert_intact(Client(client.org, sf_tls), seeded)


def test_collections_bad_shapes(client: Client, seeded: list[str]) -> None:
    _error(client.call("POST", "/composite/sobjects", json={"records": "x"}), 400, "JSON_PARSER_ERROR")
    _error(client.call("POST", "/composite/sobjects", json=[1]), 400, "JSON_PARSER_ERROR")
    too_many = {"records": [{"attributes": {"type": "Account"}, "Name": "x"}] * 201}
    _error(client.call("POST", "/composite/sobjects", json=too_many), 400, "EXCEEDED_ID_LIMIT")
    mixed = client.call(
        "POST",
        "/composite/sobjects",
        json={
            "allOrNone": True,
            "records": [{"attributes": {"type": "Account"}, "Name": "Only if all"}, {"Name": "no type"}],
        },
    ).json()
    assert [r["success"] for r in mixed] == [False, False]
    assert mixed[1]["errors"][0]["statusCode"] == "INVALID_TYPE"
    _error(
        client.call("DELETE", "/composite/sobjects", params={"ids": ",".join(["x"] * 201)}), 400, "EXCEEDED_ID_LIMIT"
    )
    deleted = client.call("DELETE", "/composite/sobjects", params={"ids": "garbage"}).json()
    assert deleted[0]["errors"][0]["statusCode"] == "MALFORMED_ID"
    _assert_intact(client, seeded)


def test_bulk_jobs_bad_requests(client: Client) -> None:
    _error(
        client.call("POST", "/jobs/query", json={"operation": "delete", "query": "SELECT Id FROM Account"}),
        400,
        "INVALIDJOB",
    )
    _error(client.call("POST", "/jobs/query", json={"operation": "query"}), 400, "INVALIDJOB")
    sub = {"operation": "query", "query": "SELECT Id, (SELECT Id FROM Contacts) FROM Account"}
    _error(client.call("POST", "/jobs/query", json=sub), 400, "INVALIDJOB")
    _error(client.call("POST", "/jobs/query", json={"operation": "query", "query": "SELEC"}), 400, "MALFORMED_QUERY")
    _error(client.call("GET", "/jobs/query/750000000000000AAA"), 404, "NOT_FOUND")
    job = client.call("POST", "/jobs/query", json={"operation": "query", "query": "SELECT Id FROM Account"}).json()
    _error(client.call("GET", f"/jobs/query/{job['id']}/results", params={"locator": "!!"}), 400, "INVALIDREQUEST")
    _error(client.call("GET", f"/jobs/query/{job['id']}/results", params={"maxRecords": "-1"}), 400, "INVALIDREQUEST")


def test_routing_errors(client: Client) -> None:
    _error(client.call("PUT", "/sobjects/Account"), 405, "METHOD_NOT_ALLOWED")
    _error(client.call("GET", "/no/such/resource"), 404, "NOT_FOUND")
    old = client.session.get(f"{client.org.url}/services/data/v12.0/limits", headers=client.auth)
    _error(old, 404, "NOT_FOUND")
    unauthenticated = client.session.get(f"{client.base}/limits")
    _error(unauthenticated, 401, "INVALID_SESSION_ID")
    assert client.session.get(f"{client.org.url}/__sandbox/state").status_code == 404  # no control key


def test_login_endpoints_with_garbage(client: Client) -> None:
    url = client.org.url
    soap = client.session.post(f"{url}/services/Soap/u/59.0", data=b"<not-xml", headers={"Content-Type": "text/xml"})
    assert soap.status_code == 500
    assert "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in soap.text
    token = client.session.post(
        f"{url}/services/oauth2/token", data=b"\xff\xfe=\x00", headers={"Authorization": "Basic !!"}
    )
    assert token.status_code == 400
    assert token.json()["error"] == "unsupported_grant_type"
    code = client.session.post(
        f"{url}/services/oauth2/token",
        data={"grant_type": "authorization_code", "code": "nope", "client_id": client.org.credentials()["client_id"]},
    )
    assert code.json() == {"error": "invalid_grant", "error_description": "expired authorization code"}
    authorize = client.session.get(f"{url}/services/oauth2/authorize", params={"client_id": "<script>"})
    assert authorize.status_code == 400
    assert "<script>" not in authorize.text


@pytest.mark.expect_logged_errors
def test_an_internal_failure_is_a_logged_500_and_the_org_keeps_serving(
    client: Client, seeded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated defect in the store")

    monkeypatch.setattr(client.org.store, "get", broken)
    _error(client.call("GET", f"/sobjects/Account/{seeded[0]}"), 500, "UNKNOWN_EXCEPTION")
    monkeypatch.undo()
    assert client.call("GET", f"/sobjects/Account/{seeded[0]}").json()["Name"] == "Keep 0"
