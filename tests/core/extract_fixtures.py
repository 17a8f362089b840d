"""Fixtures for the extraction tests: generated sandbox orgs served over TLS, and core connections to them.

``big_org`` is the 1,000-order scope: the generator's 1,000 new-business deals come with amendments and
renewals (about 1,450 orders); all but the first 1,000 in sync order are marked synced, so the "not yet
synced" scope is exactly 1,000 orders. It is generated once per session (about two seconds).
``small_org`` is a fresh 40-deal org per module, for tests that change or break data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cpq_desktop.core.salesforce.connection import SalesforceConnection, make_http_session
from cpq_desktop.core.salesforce.oauth import SalesforceTokens, TokenEndpoint
from cpq_desktop.sandbox.salesforce.generator import GeneratedSummary
from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.salesforce.store import OrgStore
from cpq_desktop.sandbox.tls import SandboxTLS, create_tls

BIG_DEALS = 1000
SCOPE_ORDERS = 1000
SMALL_DEALS = 40
SEED = 11


@dataclass(frozen=True)
class ExtractOrg:
    org: SalesforceOrg
    summary: GeneratedSummary
    tls: SandboxTLS

    def connect(self) -> SalesforceConnection:
        """A fresh connection (its own API call counter), logged in with the password grant."""
        return connect(self.org, self.tls)

    def rows(self, sql: str, params: tuple[object, ...] = ()) -> list[dict[str, Any]]:
        """Rows straight from the org's database: expectations computed independently of the API."""
        return rows(self.org.store, sql, params)


def rows(store: OrgStore, sql: str, params: tuple[object, ...] = ()) -> list[dict[str, Any]]:
    with store.lock:
        cursor = store.connection.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def connect(org: SalesforceOrg, tls: SandboxTLS) -> SalesforceConnection:
    session = make_http_session(tls.ca_file)
    creds = org.credentials()
    endpoint = TokenEndpoint(org.url, session)

    def login(_: SalesforceTokens | None = None) -> SalesforceTokens:
        return endpoint.password(
            creds["username"], creds["password"], creds["security_token"], creds["client_id"], creds["client_secret"]
        )

    return SalesforceConnection(login(), login, session)


def sync_order(org: ExtractOrg | OrgStore) -> list[str]:
    """Activated order ids in the order a sync processes them (effective date, order number)."""
    store = org.org.store if isinstance(org, ExtractOrg) else org
    found = rows(
        store,
        "SELECT Id FROM \"Order\" WHERE Status = 'Activated' AND IsDeleted = 0 ORDER BY EffectiveDate, OrderNumber, Id",
    )
    return [r["Id"] for r in found]


@pytest.fixture(scope="session")
def extract_tls(tmp_path_factory: pytest.TempPathFactory) -> SandboxTLS:
    return create_tls(tmp_path_factory.mktemp("extract-tls"))


def _serve(path: Path, tls: SandboxTLS, deals: int) -> tuple[SalesforceOrg, GeneratedSummary]:
    org = SalesforceOrg(path, tls)
    summary = org.generate(orders=deals, seed=SEED)
    assert summary is not None
    return org, summary


@pytest.fixture(scope="session")
def big_org(tmp_path_factory: pytest.TempPathFactory, extract_tls: SandboxTLS) -> Iterator[ExtractOrg]:
    org, summary = _serve(tmp_path_factory.mktemp("extract-big"), extract_tls, BIG_DEALS)
    store = org.store
    with store.lock, store.transaction():
        for order_id in sync_order(store)[SCOPE_ORDERS:]:
            store.update("Order", order_id, {"Zuora_Sync_Status__c": "Synced"})
    org.start()
    try:
        yield ExtractOrg(org, summary, extract_tls)
    finally:
        org.stop()


@pytest.fixture(scope="module")
def small_org(tmp_path_factory: pytest.TempPathFactory, extract_tls: SandboxTLS) -> Iterator[ExtractOrg]:
    org, summary = _serve(tmp_path_factory.mktemp("extract-small"), extract_tls, SMALL_DEALS)
    org.start()
    try:
        yield ExtractOrg(org, summary, extract_tls)
    finally:
        org.stop()
