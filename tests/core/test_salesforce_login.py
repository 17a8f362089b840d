"""Logging in to Salesforce as the desktop app does, against the sandbox org over TLS."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cpq_desktop.core.config.models import (
    AppConfig,
    Profile,
    SalesforceAuthMethod,
    SalesforceEnvironment,
    SalesforceSettings,
    ZuoraEnvironment,
    ZuoraSettings,
)
from cpq_desktop.core.config.store import ConfigStore
from cpq_desktop.core.planning.connections import LoginFailedError, open_profile
from cpq_desktop.core.salesforce.connection import SalesforceConnection, make_http_session
from cpq_desktop.core.salesforce.oauth import SalesforceLoginError, SalesforceTokens, TokenEndpoint, browser_login
from cpq_desktop.core.secrets import SecretKind, SecretStore
from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.tls import create_tls

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SalesforceOrg]:
    data_dir = tmp_path_factory.mktemp("sf-login")
    org = SalesforceOrg(data_dir / "salesforce", create_tls(data_dir))
    org.generate(orders=3, seed=5)
    org.start()
    yield org
    org.stop()


@pytest.fixture
def endpoint(org: SalesforceOrg) -> TokenEndpoint:
    return TokenEndpoint(org.url, make_http_session(Path(org.tls.ca_file)))


class Browser:
    """What the admin does in the system browser: open the page, type the login, press a button."""

    def __init__(self, org: SalesforceOrg, button: str = "allow") -> None:
        self.session = make_http_session(Path(org.tls.ca_file))
        self.credentials = org.credentials()
        self.button = button
        self.pages: list[str] = []

    def __call__(self, url: str) -> None:
        page = self.session.get(url, timeout=10)
        self.pages.append(page.text)
        form = {name: html.unescape(value) for name, value in _HIDDEN.findall(page.text)}
        form.update(username=self.credentials["username"], pw=self.credentials["password"], action=self.button)
        # The redirect goes to the app's plain-http loopback listener; requests follows it like a browser.
        answer = self.session.post(url.split("?")[0], data=form, timeout=10)
        assert answer.status_code == 200


def test_browser_login_with_pkce_then_api_calls_and_renewal(org: SalesforceOrg, endpoint: TokenEndpoint) -> None:
    browser = Browser(org)
    tokens = browser_login(endpoint, org.credentials()["client_id"], browser, port=0, timeout_s=20)
    assert "Log in to the sandbox org" in browser.pages[0]
    assert tokens.instance_url == org.url
    assert tokens.refresh_token
    assert tokens.org_id == org.credentials()["organization_id"]

    renewed: list[SalesforceTokens] = []
    connection = SalesforceConnection(
        tokens,
        renew=lambda old: endpoint.refresh(old.refresh_token or "", org.credentials()["client_id"]),
        session=make_http_session(Path(org.tls.ca_file)),
        on_tokens_changed=renewed.append,
    )
    count = connection.call(lambda sf: sf.query("SELECT COUNT() FROM Order")["totalSize"])
    assert count > 0
    org.expire_current_token()
    assert connection.call(lambda sf: sf.query("SELECT COUNT() FROM Order")["totalSize"]) == count
    assert len(renewed) == 1
    assert renewed[0].access_token != tokens.access_token
    # Three API calls reached the org (one was answered 401); logins are not API calls.
    assert connection.api_calls == 3


def test_denied_browser_login_says_so(org: SalesforceOrg, endpoint: TokenEndpoint) -> None:
    with pytest.raises(SalesforceLoginError, match="refused the browser login"):
        browser_login(endpoint, org.credentials()["client_id"], Browser(org, button="deny"), port=0, timeout_s=20)


def test_wrong_password_and_unknown_client_get_plain_explanations(org: SalesforceOrg, endpoint: TokenEndpoint) -> None:
    creds = org.credentials()
    with pytest.raises(SalesforceLoginError, match="username, password or security token is wrong") as wrong:
        endpoint.password(creds["username"], "wrong", "", creds["client_id"], creds["client_secret"])
    assert creds["password"] not in str(wrong.value)
    with pytest.raises(SalesforceLoginError, match="client id"):
        endpoint.password(creds["username"], creds["password"], creds["security_token"], "nope", "nope")


def test_revoked_refresh_token_asks_for_a_new_login(org: SalesforceOrg, endpoint: TokenEndpoint) -> None:
    tokens = browser_login(endpoint, org.credentials()["client_id"], Browser(org), port=0, timeout_s=20)
    assert tokens.refresh_token is not None
    endpoint.revoke(tokens.refresh_token)
    with pytest.raises(SalesforceLoginError, match="log in again"):
        endpoint.refresh(tokens.refresh_token, org.credentials()["client_id"])


def test_unreachable_login_host_says_where_it_tried() -> None:
    endpoint = TokenEndpoint("https://127.0.0.1:9", requests.Session(), timeout_s=2)
    with pytest.raises(SalesforceLoginError, match=r"Could not reach Salesforce at https://127\.0\.0\.1:9"):
        endpoint.password("u", "p", "", "c", "s")


def _rsa_key() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def test_legacy_password_login_goes_through_soap(org: SalesforceOrg, endpoint: TokenEndpoint) -> None:
    creds = org.credentials()
    tokens = endpoint.soap_password(creds["username"], creds["password"], creds["security_token"])
    assert tokens.instance_url == org.url
    with pytest.raises(SalesforceLoginError, match="refused the password login") as refused:
        endpoint.soap_password(creds["username"], "wrong", creds["security_token"])
    assert creds["security_token"] not in str(refused.value)


def test_jwt_login_is_signed_with_the_apps_key(org: SalesforceOrg, endpoint: TokenEndpoint) -> None:
    creds = org.credentials()
    private, public = _rsa_key()
    other_private, _ = _rsa_key()
    org.set_jwt_certificate(public)
    try:
        tokens = endpoint.jwt_bearer(creds["client_id"], creds["username"], private)
        assert tokens.instance_url == org.url
        with pytest.raises(SalesforceLoginError, match="refused the login"):
            endpoint.jwt_bearer(creds["client_id"], creds["username"], other_private)
        with pytest.raises(SalesforceLoginError, match="cannot sign"):
            endpoint.jwt_bearer(creds["client_id"], creds["username"], "not a key")
    finally:
        org.set_jwt_certificate(None)


@pytest.mark.parametrize("method", [SalesforceAuthMethod.PASSWORD, SalesforceAuthMethod.JWT_BEARER])
def test_saved_profiles_log_in_headless(org: SalesforceOrg, method: SalesforceAuthMethod) -> None:
    creds = org.credentials()
    profile = Profile(
        name=f"Headless {method.value}",
        salesforce=SalesforceSettings(
            environment=SalesforceEnvironment.CUSTOM,
            custom_url=org.url,
            auth_method=method,
            client_id=creds["client_id"],
            username=creds["username"],
            ca_file=Path(org.tls.ca_file),
        ),
        zuora=ZuoraSettings(environment=ZuoraEnvironment.CUSTOM, custom_base_url="https://127.0.0.1:9", client_id="c"),
    )
    ConfigStore().save(AppConfig(profiles=[profile]))
    secrets = SecretStore()
    secrets.set(profile.id, SecretKind.ZUORA_CLIENT_SECRET, "unused-here")
    private, public = _rsa_key()
    if method is SalesforceAuthMethod.PASSWORD:
        secrets.set(profile.id, SecretKind.SALESFORCE_PASSWORD, creds["password"])
        secrets.set(profile.id, SecretKind.SALESFORCE_SECURITY_TOKEN, creds["security_token"])
    else:
        secrets.set(profile.id, SecretKind.SALESFORCE_PRIVATE_KEY, private)
        org.set_jwt_certificate(public)
    try:
        connections = open_profile(profile.name)
        try:
            assert connections.salesforce.call(lambda sf: sf.query("SELECT COUNT() FROM Account")["totalSize"]) > 0
        finally:
            connections.close()
        if method is SalesforceAuthMethod.PASSWORD:
            secrets.set(profile.id, SecretKind.SALESFORCE_PASSWORD, "wrong")
            with pytest.raises(LoginFailedError, match="Headless password"):
                open_profile(profile.name)
    finally:
        org.set_jwt_certificate(None)
