"""No secret or token of the sandboxes ends up in a run's files or its exported zip.

The run log is fed what a sync feeds it, for real: a password and a browser (PKCE) login to the sandbox
org, SOQL sent through simple-salesforce, Zuora calls made by :class:`ZuoraClient` with
``on_exchange=run_log.exchange`` (OAuth token, writes, reads, a rejected write), Python logging from
inside the run, and what careless code might log (token answers, Authorization headers, form bodies).
Then every file of the run and of the zip is searched for each secret, raw, URL-encoded and JSON-escaped.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

import pytest

from cpq_desktop.core.extract import Extractor, UnsyncedScope
from cpq_desktop.core.redaction import MASK
from cpq_desktop.core.runlog import RunLog, export_run
from cpq_desktop.core.salesforce.connection import SalesforceConnection, make_http_session
from cpq_desktop.core.salesforce.oauth import SalesforceTokens, TokenEndpoint, browser_login
from cpq_desktop.core.sync.plan import RecordRef
from cpq_desktop.core.sync.results import RecordResult, RecordStatus, RunSummary, ZuoraKeys, new_run_id, utc_now
from cpq_desktop.core.zuora.client import Exchange, ZuoraClient, ZuoraConnection
from cpq_desktop.core.zuora.errors import ZuoraApiError
from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.tls import SandboxTLS, create_tls
from cpq_desktop.sandbox.zuora.server import ZuoraTenant

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> SandboxTLS:
    return create_tls(tmp_path_factory.mktemp("runlog-secrets-tls"))


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory, tls: SandboxTLS) -> Iterator[SalesforceOrg]:
    org = SalesforceOrg(tmp_path_factory.mktemp("runlog-secrets-sf"), tls)
    org.generate(orders=3, seed=5)
    org.start()
    yield org
    org.stop()


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory, tls: SandboxTLS) -> Iterator[ZuoraTenant]:
    tenant = ZuoraTenant(tmp_path_factory.mktemp("runlog-secrets-zuora"), tls)
    tenant.start()
    yield tenant
    tenant.stop()


def _browser_login(org: SalesforceOrg, endpoint: TokenEndpoint) -> SalesforceTokens:
    """The PKCE web-server flow, with this function doing what the admin does in the browser."""
    creds = org.credentials()
    browser = make_http_session(Path(org.tls.ca_file))

    def open_browser(url: str) -> None:
        page = browser.get(url, timeout=10)
        form = {name: html.unescape(value) for name, value in _HIDDEN.findall(page.text)}
        form.update(username=creds["username"], pw=creds["password"], action="allow")
        assert browser.post(url.split("?")[0], data=form, timeout=10).status_code == 200

    return browser_login(endpoint, creds["client_id"], open_browser, port=0, timeout_s=20)


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}


def _run_files(folder: Path, exported: Path) -> dict[str, str]:
    texts = {path.name: path.read_bytes().decode("utf-8-sig") for path in folder.iterdir()}
    with zipfile.ZipFile(exported) as archive:
        texts.update({f"zip:{name}": archive.read(name).decode("utf-8-sig") for name in archive.namelist()})
    return texts


def test_no_secret_or_token_reaches_any_file_of_a_run(org: SalesforceOrg, tenant: ZuoraTenant, tmp_path: Path) -> None:
    sf = org.credentials()
    zuora = tenant.credentials()
    endpoint = TokenEndpoint(org.url, make_http_session(Path(org.tls.ca_file)))

    # What the profile holds (keyring) is passed to the run; tokens minted during the run are not.
    run_log = RunLog.open(
        new_run_id(),
        profile="sandbox",
        scope="orders not yet synced",
        secrets=[sf["password"], sf["security_token"], sf["client_secret"], zuora["client_secret"]],
    )
    started = utc_now()

    password_tokens = endpoint.password(
        sf["username"], sf["password"], sf["security_token"], sf["client_id"], sf["client_secret"]
    )
    browser_tokens = _browser_login(org, endpoint)
    assert browser_tokens.refresh_token
    run_log.add_secret(browser_tokens.refresh_token)  # the app stores it in the keyring and registers it
    log = logging.getLogger("cpq_desktop.core.salesforce")
    # Careless code: the token answer, the header sent, the form posted.
    run_log.event(
        "login",
        "Salesforce login",
        answer={
            "access_token": password_tokens.access_token,
            "refresh_token": browser_tokens.refresh_token,
            "instance_url": password_tokens.instance_url,
        },
    )
    log.info("GET /services/data with Authorization: Bearer %s", browser_tokens.access_token)
    log.info(
        "posted %s",
        urlencode(
            {
                "grant_type": "password",
                "username": sf["username"],
                "password": sf["password"] + sf["security_token"],
                "client_secret": sf["client_secret"],
            }
        ),
    )
    log.info("session %s for %s", password_tokens.access_token, password_tokens.instance_url)

    salesforce = SalesforceConnection(
        browser_tokens,
        lambda old: endpoint.refresh(old.refresh_token or "", sf["client_id"]),
        make_http_session(Path(org.tls.ca_file)),
    )
    query = "SELECT Id, Name, BillingCountry FROM Account ORDER BY Name LIMIT 10"
    began = time.monotonic()
    accounts = salesforce.call(lambda client: client.query(query))
    run_log.soql(query, len(accounts["records"]), time.monotonic() - began, object="Account")
    assert accounts["records"]
    # The extraction's own SOQL reaches the run log through logging (structured "soql" events).
    extracted = Extractor(salesforce).extract(UnsyncedScope())
    assert extracted.graph.scope_order_ids

    zuora_token = make_http_session(Path(tenant.tls.ca_file)).post(
        f"{tenant.url}/oauth/token",
        data={
            "client_id": zuora["client_id"],
            "client_secret": zuora["client_secret"],
            "grant_type": "client_credentials",
        },
        timeout=10,
    )
    token_answer: dict[str, Any] = zuora_token.json()
    run_log.exchange(
        Exchange(
            method="POST",
            path="/oauth/token",
            attempt=1,
            status=zuora_token.status_code,
            duration_s=zuora_token.elapsed.total_seconds(),
            request_body=f"client_id={zuora['client_id']}&client_secret={quote_plus(zuora['client_secret'])}",
            response_body=token_answer,
            request_id=None,
        )
    )
    logging.getLogger("urllib3").warning("Authorization: Bearer %s rejected once", token_answer["access_token"])

    connection = ZuoraConnection(
        base_url=tenant.url,
        client_id=zuora["client_id"],
        client_secret=zuora["client_secret"],
        ca_file=Path(tenant.tls.ca_file),
    )
    crm_id = uuid.uuid4().hex[:18]
    with ZuoraClient(connection, on_exchange=run_log.exchange) as client:
        created = client.post(
            "/v1/accounts",
            {
                "name": f"Secret test {crm_id}",
                "currency": "USD",
                "crmId": crm_id,
                "billCycleDay": 1,
                "billToContact": {
                    "firstName": "Ada",
                    "lastName": "Lovelace",
                    "country": "United States",
                    "state": "CA",
                },
            },
            idempotency_key=f"t-{crm_id}",
        )
        number = created.body["accountNumber"]
        client.get(f"/v1/accounts/{number}")
        client.get("/object-query/accounts", params={"filter[]": f"crmId.EQ:{crm_id}"})
        with pytest.raises(ZuoraApiError):
            client.post("/v1/accounts", {"name": "no currency"}, idempotency_key=f"bad-{crm_id}")

    results = [
        RecordResult(
            record=RecordRef(object="Account", id=accounts["records"][0]["Id"], label=accounts["records"][0]["Name"]),
            status=RecordStatus.CREATED,
            zuora=ZuoraKeys(account_number=number),
            started_at=started,
            finished_at=utc_now(),
        ),
        RecordResult(
            record=RecordRef(object="Account", id="001000000000000AAA"),
            status=RecordStatus.FAILED,
            error_class="Zuora rejected the request",
            message=f"login as {sf['username']} with {sf['password']} failed",
        ),
    ]
    for result in results:
        run_log.result(result)
    run_log.close(
        RunSummary.from_results(
            run_id=run_log.run_id,
            profile="sandbox",
            scope="orders not yet synced",
            started_at=started,
            results=results,
            salesforce_calls=salesforce.api_calls,
            zuora_calls=3,
        )
    )
    exported = export_run(run_log.run_id, tmp_path / "support.zip")

    secrets = {
        "Salesforce password": sf["password"],
        "Salesforce security token": sf["security_token"],
        "Salesforce password + security token": sf["password"] + sf["security_token"],
        "connected app client secret": sf["client_secret"],
        "Salesforce access token (password login)": password_tokens.access_token,
        "Salesforce access token (browser login)": browser_tokens.access_token,
        "Salesforce refresh token": browser_tokens.refresh_token,
        "Zuora client secret": zuora["client_secret"],
        "Zuora access token": token_answer["access_token"],
    }
    texts = _run_files(run_log.folder, exported)
    names = ["results.csv", "run.jsonl", "run.log", "summary.json"]
    assert sorted(texts) == sorted([*names, *(f"zip:{run_log.run_id}/{name}" for name in names)])
    for file_name, text in texts.items():
        for what, secret in secrets.items():
            for form in _forms(secret):
                assert form not in text, f"the {what} is in {file_name}"

    # The log still says what happened: the masks are where the secrets were, the rest is readable.
    jsonl = texts["run.jsonl"]
    assert jsonl.count(MASK) >= 8
    assert number in jsonl
    assert query in jsonl
    soql = [event for event in map(json.loads, jsonl.splitlines()) if event["kind"] == "soql"]
    by_object = {event.get("object") for event in soql}
    assert {"Account", "Order", "OrderItem"} <= by_object
    assert all(event["query"].startswith("SELECT ") and event["rows"] >= 0 for event in soql)
    assert any(event["object"] == "Order" and event["rows"] > 0 for event in soql)
    assert '"path":"/v1/accounts"' in jsonl
    assert f'"params":{{"filter[]":"crmId.EQ:{crm_id}"}}' in jsonl
    assert f"GET /object-query/accounts?filter[]=crmId.EQ:{crm_id} → HTTP 200" in texts["run.log"]
    assert '"status":400' in jsonl
    assert f"Secret test {crm_id}" in texts["run.log"]
    assert f"Zuora login with client id {zuora['client_id']}: the token is valid for" in texts["run.log"]
    assert number in texts["results.csv"]
    assert sf["username"] in texts["results.csv"]
    for line in jsonl.splitlines():
        json.loads(line)
