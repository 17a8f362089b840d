"""A generated CPQ org and an empty Zuora tenant running side by side, with logged-in clients and a
ledger: what the planning and sync tests run against."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cpq_desktop.core.salesforce.connection import SalesforceConnection, make_http_session
from cpq_desktop.core.salesforce.oauth import TokenEndpoint
from cpq_desktop.core.sync.ledger import Ledger
from cpq_desktop.core.zuora.client import ZuoraClient, ZuoraConnection
from cpq_desktop.sandbox.salesforce.generator import GeneratedSummary
from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.tls import create_tls
from cpq_desktop.sandbox.zuora.server import ZuoraTenant


def connect(org: SalesforceOrg, tenant: ZuoraTenant, ca_file: Path) -> tuple[SalesforceConnection, ZuoraClient]:
    creds = org.credentials()
    endpoint = TokenEndpoint(org.url, make_http_session(ca_file))
    tokens = endpoint.password(
        creds["username"], creds["password"], creds["security_token"], creds["client_id"], creds["client_secret"]
    )
    salesforce = SalesforceConnection(tokens, lambda stale: stale, make_http_session(ca_file))
    zuora_creds = tenant.credentials()
    zuora = ZuoraClient(
        ZuoraConnection(
            base_url=tenant.url,
            client_id=zuora_creds["client_id"],
            client_secret=zuora_creds["client_secret"],
            ca_file=ca_file,
        )
    )
    return salesforce, zuora


@dataclass
class BothSandboxes:
    org: SalesforceOrg
    tenant: ZuoraTenant
    summary: GeneratedSummary
    salesforce: SalesforceConnection
    zuora: ZuoraClient
    ledger: Ledger


@contextmanager
def both_sandboxes(data: Path, *, orders: int = 40, seed: int = 7) -> Iterator[BothSandboxes]:
    """An org of ``orders`` generated orders (``seed``) and a fresh tenant under ``data``, stopped after."""
    tls = create_tls(data)
    org = SalesforceOrg(data / "salesforce", tls)
    summary = org.generate(orders=orders, seed=seed)
    assert summary is not None
    tenant = ZuoraTenant(data / "zuora", tls)
    org.start()
    tenant.start()
    salesforce, zuora = connect(org, tenant, tls.ca_file)
    ledger = Ledger(data / "ledger.sqlite")
    try:
        yield BothSandboxes(org, tenant, summary, salesforce, zuora, ledger)
    finally:
        ledger.close()
        zuora.close()
        tenant.stop()
        org.stop()
