"""Fixtures: an emulated org served in-process on a free loopback port, and real clients connected to it.

``sf_org`` is one org per test module (tests add the records they need through ``org.store``);
``sf_client(org)`` is an unmodified simple-salesforce ``Salesforce`` on a session that trusts the
sandbox CA and ignores the machine's proxy and CA-bundle environment (salesforce-api.md §1.4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from simple_salesforce.api import Salesforce

from cpq_desktop.sandbox.salesforce.generator import GeneratedSummary
from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.tls import SandboxTLS, create_tls

API_VERSION = "59.0"
CPQ_ORDERS = 40
CPQ_SEED = 7


@pytest.fixture(scope="session")
def sf_tls(tmp_path_factory: pytest.TempPathFactory) -> SandboxTLS:
    return create_tls(tmp_path_factory.mktemp("sf-tls"))


def https_session(ca_file: Path) -> requests.Session:
    """A session that trusts only the sandbox CA; ``trust_env = False`` so REQUESTS_CA_BUNDLE can't override it."""
    session = requests.Session()
    session.verify = str(ca_file)
    session.trust_env = False
    return session


def password_token(org: SalesforceOrg, session: requests.Session) -> str:
    """An access token from the OAuth username-password grant."""
    creds = org.credentials()
    response = session.post(
        f"{org.url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
            "username": creds["username"],
            "password": creds["password"] + creds["security_token"],
        },
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def connect(org: SalesforceOrg, tls: SandboxTLS, **kwargs: object) -> Salesforce:
    """A simple-salesforce client with a fresh session token (``auth_type == "direct"``)."""
    session = https_session(tls.ca_file)
    return Salesforce(
        instance_url=org.url,
        session_id=password_token(org, session),
        session=session,
        version=API_VERSION,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def sf_org(tmp_path_factory: pytest.TempPathFactory, sf_tls: SandboxTLS) -> Iterator[SalesforceOrg]:
    org = SalesforceOrg(tmp_path_factory.mktemp("sf-org"), sf_tls)
    org.start()
    try:
        yield org
    finally:
        org.stop()


@dataclass(frozen=True)
class CpqOrg:
    org: SalesforceOrg
    summary: GeneratedSummary


@pytest.fixture(scope="module")
def sf_cpq_org(tmp_path_factory: pytest.TempPathFactory, sf_tls: SandboxTLS) -> Iterator[CpqOrg]:
    """An org filled by the data generator (every showcase deal plus a mix), one per test module."""
    org = SalesforceOrg(tmp_path_factory.mktemp("sf-cpq-org"), sf_tls)
    summary = org.generate(orders=CPQ_ORDERS, seed=CPQ_SEED)
    assert summary is not None
    org.start()
    try:
        yield CpqOrg(org, summary)
    finally:
        org.stop()


@pytest.fixture
def sf_client(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> Callable[..., Salesforce]:
    """``sf_client(**kwargs)`` → a new simple-salesforce client logged in to the module's org."""

    def make(**kwargs: object) -> Salesforce:
        return connect(sf_org, sf_tls, **kwargs)

    return make


@pytest.fixture(autouse=True)
def _reset_org_knobs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Faults and limits a test turns on never leak into the next test of the module."""
    yield
    if "sf_org" in request.fixturenames:
        org: SalesforceOrg = request.getfixturevalue("sf_org")
    elif "sf_cpq_org" in request.fixturenames:
        org = request.getfixturevalue("sf_cpq_org").org
    else:
        return
    org.set_faults(latency_ms=0, jitter_ms=0, error_share=0, drop_share=0, lost_response_share=0)
    used, _ = org.api_usage()
    org.set_daily_api_limit(5_000_000, used=used)
    org.fail_next_queries(0)
    org.set_refresh_token_rotation(False)
