"""OAuth and login flows of the sandbox org, driven the way a browser, the app and simple-salesforce drive them."""

from __future__ import annotations

import base64
import hashlib
import secrets
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession
from simple_salesforce.login import SalesforceLogin

from cpq_desktop.sandbox.salesforce.server import SalesforceOrg
from cpq_desktop.sandbox.tls import SandboxTLS

from .conftest import API_VERSION, https_session

REDIRECT = "http://localhost:53682/OauthRedirect"


class _FormParser(HTMLParser):
    """Collects the inputs of the page's form, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "input" and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")
        elif tag == "button" and values.get("name"):
            self.buttons[values.get("value", "")] = values["name"]


def _pkce() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _browser_login(
    org: SalesforceOrg,
    session: requests.Session,
    challenge: str,
    *,
    state: str = "st4te",
    action: str = "allow",
    password: str | None = None,
) -> requests.Response:
    """GET the authorize page, fill the form like a user and press a button; returns the (unfollowed) answer."""
    creds = org.credentials()
    page = session.get(
        f"{org.url}/services/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": creds["client_id"],
            "redirect_uri": REDIRECT,
            "scope": "api refresh_token",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        timeout=10,
    )
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    form = _FormParser()
    form.feed(page.text)
    assert form.action == "/services/oauth2/authorize"
    data = dict(form.fields)
    data["username"] = creds["username"]
    data["pw"] = creds["password"] if password is None else password
    data[form.buttons[action]] = action
    return session.post(f"{org.url}{form.action}", data=data, allow_redirects=False, timeout=10)


def _exchange(org: SalesforceOrg, session: requests.Session, code: str, verifier: str) -> requests.Response:
    return session.post(
        f"{org.url}/services/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": org.credentials()["client_id"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        timeout=10,
    )


def _code_from(response: requests.Response, state: str = "st4te") -> str:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == [state]
    return query["code"][0]


def _refresh(org: SalesforceOrg, session: requests.Session, refresh_token: str) -> requests.Response:
    return session.post(
        f"{org.url}/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": org.credentials()["client_id"],
        },
        timeout=10,
    )


def _client(org: SalesforceOrg, session: requests.Session, token: str) -> Salesforce:
    return Salesforce(instance_url=org.url, session_id=token, session=session, version=API_VERSION)


def _pkce_tokens(org: SalesforceOrg, session: requests.Session) -> dict[str, Any]:
    verifier, challenge = _pkce()
    answer = _exchange(org, session, _code_from(_browser_login(org, session, challenge)), verifier)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_pkce_web_server_flow_end_to_end(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    tokens = _pkce_tokens(sf_org, session)

    assert set(tokens) >= {"access_token", "refresh_token", "signature", "scope", "instance_url", "id", "issued_at"}
    assert "expires_in" not in tokens
    assert tokens["token_type"] == "Bearer"
    assert tokens["instance_url"] == sf_org.url  # no trailing slash
    assert tokens["issued_at"].isdigit()
    creds = sf_org.credentials()
    assert tokens["id"].endswith(f"/id/{creds['organization_id']}/{sf_org.user.user_id}")
    sf = _client(sf_org, session, tokens["access_token"])
    assert sf.limits()["DailyApiRequests"]["Max"] > 0
    identity = session.get(tokens["id"], headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10)
    assert identity.json()["username"] == creds["username"]
    userinfo = session.get(
        f"{sf_org.url}/services/oauth2/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.json()["preferred_username"] == creds["username"]


def test_any_loopback_port_is_accepted_for_the_registered_callback(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    _, challenge = _pkce()
    answer = _browser_login(sf_org, session, challenge)
    assert urlsplit(answer.headers["Location"]).port == 53682


def test_code_is_single_use_and_needs_the_right_verifier(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    verifier, challenge = _pkce()
    code = _code_from(_browser_login(sf_org, session, challenge))
    wrong = _exchange(sf_org, session, code, _pkce()[0])
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}

    code = _code_from(_browser_login(sf_org, session, challenge))
    assert _exchange(sf_org, session, code, verifier).status_code == 200
    reused = _exchange(sf_org, session, code, verifier)
    assert reused.status_code == 400
    assert reused.json()["error_description"] == "expired authorization code"


def test_deny_redirects_with_access_denied(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    answer = _browser_login(sf_org, session, _pkce()[1], action="deny", state="s2")
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["s2"]
    assert "code" not in query


def test_wrong_password_shows_the_page_again_with_an_error(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    answer = _browser_login(sf_org, session, _pkce()[1], password="not-the-password")
    assert answer.status_code == 200
    assert 'role="alert"' in answer.text
    assert "check your username and password" in answer.text


def test_unknown_client_or_unregistered_redirect_get_an_error_page_not_a_redirect(
    sf_org: SalesforceOrg, sf_tls: SandboxTLS
) -> None:
    session = https_session(sf_tls.ca_file)
    creds = sf_org.credentials()
    base = {"response_type": "code", "redirect_uri": REDIRECT, "client_id": creds["client_id"]}
    for params in (
        {**base, "client_id": "nope"},
        {**base, "redirect_uri": "https://evil.example/OauthRedirect"},
        {**base, "redirect_uri": "http://localhost:1717/Elsewhere"},
    ):
        page = session.get(f"{sf_org.url}/services/oauth2/authorize", params=params, allow_redirects=False)
        assert page.status_code == 400
        assert "Location" not in page.headers


def test_refresh_without_rotation_keeps_the_refresh_token(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    tokens = _pkce_tokens(sf_org, session)
    first = _refresh(sf_org, session, tokens["refresh_token"])
    assert first.status_code == 200
    assert "refresh_token" not in first.json()
    second = _refresh(sf_org, session, tokens["refresh_token"])
    assert second.status_code == 200
    assert first.json()["access_token"] != second.json()["access_token"]
    assert _client(sf_org, session, second.json()["access_token"]).limits()


def test_refresh_with_rotation_issues_a_new_refresh_token_and_retires_the_old(
    sf_org: SalesforceOrg, sf_tls: SandboxTLS
) -> None:
    session = https_session(sf_tls.ca_file)
    tokens = _pkce_tokens(sf_org, session)
    sf_org.set_refresh_token_rotation(True)
    rotated = _refresh(sf_org, session, tokens["refresh_token"])
    assert rotated.status_code == 200
    new_refresh = rotated.json()["refresh_token"]
    assert new_refresh != tokens["refresh_token"]
    stale = _refresh(sf_org, session, tokens["refresh_token"])
    assert stale.status_code == 400
    assert stale.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}
    assert _refresh(sf_org, session, new_refresh).status_code == 200


def test_revoke_ends_the_refresh_token_and_its_sessions(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    tokens = _pkce_tokens(sf_org, session)
    sf = _client(sf_org, session, tokens["access_token"])
    sf.limits()
    revoke = session.post(f"{sf_org.url}/services/oauth2/revoke", data={"token": tokens["refresh_token"]})
    assert revoke.status_code == 200
    with pytest.raises(SalesforceExpiredSession) as raised:
        sf.limits()
    assert raised.value.content == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    assert _refresh(sf_org, session, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    again = session.post(f"{sf_org.url}/services/oauth2/revoke", data={"token": tokens["refresh_token"]})
    assert again.status_code == 400


def test_password_grant_checks_secret_and_security_token(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    creds = sf_org.credentials()
    form = {
        "grant_type": "password",
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "username": creds["username"],
        "password": creds["password"] + creds["security_token"],
    }
    ok = session.post(f"{sf_org.url}/services/oauth2/token", data=form)
    assert ok.status_code == 200
    assert "refresh_token" not in ok.json()
    no_token = session.post(f"{sf_org.url}/services/oauth2/token", data={**form, "password": creds["password"]})
    assert no_token.json() == {"error": "invalid_grant", "error_description": "authentication failure"}
    bad_secret = session.post(f"{sf_org.url}/services/oauth2/token", data={**form, "client_secret": "x"})
    assert bad_secret.json()["error"] == "invalid_client"
    unknown = session.post(f"{sf_org.url}/services/oauth2/token", data={**form, "grant_type": "magic"})
    assert unknown.json()["error"] == "unsupported_grant_type"


def test_soap_login_gives_a_working_session(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    creds = sf_org.credentials()
    session_id, instance = SalesforceLogin(
        username=creds["username"],
        password=creds["password"],
        security_token=creds["security_token"],
        scratch_url=sf_org.url,
        session=session,
    )
    assert instance == sf_org.url.removeprefix("https://")
    sf = Salesforce(session_id=session_id, instance=instance, session=session, version=API_VERSION)
    assert "DailyApiRequests" in sf.limits()


def test_soap_login_failure_is_the_real_fault(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    creds = sf_org.credentials()
    with pytest.raises(SalesforceAuthenticationFailed) as raised:
        SalesforceLogin(
            username=creds["username"],
            password="wrong",
            security_token=creds["security_token"],
            scratch_url=sf_org.url,
            session=https_session(sf_tls.ca_file),
        )
    assert raised.value.code == "INVALID_LOGIN"
    assert "Invalid username, password, security token" in raised.value.auth_message


class _LoopbackAdapter(requests.adapters.HTTPAdapter):
    """Sends simple-salesforce's hard-coded test.salesforce.com login to the sandbox (salesforce-api.md §1.5 C)."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        assert request.url is not None
        request.url = request.url.replace("https://test.salesforce.com", self.target, 1)
        return super().send(request, **kwargs)


def test_password_session_logs_in_again_once_after_the_token_expires(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    session = https_session(sf_tls.ca_file)
    session.mount("https://test.salesforce.com", _LoopbackAdapter(sf_org.url))
    creds = sf_org.credentials()
    sf = Salesforce(
        username=creds["username"],
        password=creds["password"],
        security_token=creds["security_token"],
        domain="test",
        session=session,
        version=API_VERSION,
    )
    first_session = sf.session_id
    sf.limits()
    assert sf_org.expire_current_token() >= 1
    # simple-salesforce sees 401 INVALID_SESSION_ID, logs in again over SOAP and retries transparently.
    assert "DailyApiRequests" in sf.limits()
    assert sf.session_id != first_session
    account = sf.Account.create({"Name": "After re-login"})
    sf_org.expire_current_token()
    assert sf.Account.get(account["id"])["Name"] == "After re-login"


def test_direct_session_gets_expired_session_error_once_the_token_expires(
    sf_org: SalesforceOrg, sf_tls: SandboxTLS
) -> None:
    session = https_session(sf_tls.ca_file)
    tokens = _pkce_tokens(sf_org, session)
    sf = _client(sf_org, session, tokens["access_token"])
    sf_org.expire_current_token()
    with pytest.raises(SalesforceExpiredSession):
        sf.limits()
    # The refresh token survives: refreshing yields a session that works again.
    fresh = _refresh(sf_org, session, tokens["refresh_token"]).json()["access_token"]
    assert _client(sf_org, session, fresh).limits()


def _rsa_key_pair() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

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


def test_jwt_bearer_login_through_simple_salesforce(sf_org: SalesforceOrg, sf_tls: SandboxTLS) -> None:
    import jwt

    private, public = _rsa_key_pair()
    sf_org.set_jwt_certificate(public)
    try:
        session = https_session(sf_tls.ca_file)
        session.mount("https://test.salesforce.com", _LoopbackAdapter(sf_org.url))
        creds = sf_org.credentials()
        sf = Salesforce(
            username=creds["username"],
            consumer_key=creds["client_id"],
            privatekey=private,
            domain="test",
            session=session,
            version=API_VERSION,
        )
        assert "DailyApiRequests" in sf.limits()

        other_private, _ = _rsa_key_pair()
        claims = {"iss": creds["client_id"], "sub": creds["username"], "aud": sf_org.url, "exp": 4_000_000_000}
        token_url = f"{sf_org.url}/services/oauth2/token"

        def exchange(assertion: str) -> dict[str, str]:
            form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
            return dict(session.post(token_url, data=form, timeout=10).json())

        assert "access_token" in exchange(jwt.encode(claims, private, algorithm="RS256"))
        assert (
            exchange(jwt.encode(claims, other_private, algorithm="RS256"))["error_description"] == "invalid assertion"
        )
        expired = exchange(jwt.encode({**claims, "exp": 1_000}, private, algorithm="RS256"))
        assert expired["error"] == "invalid_grant"
        assert exchange(jwt.encode({**claims, "iss": "x"}, private, algorithm="RS256"))["error"] == "invalid_client_id"
        assert exchange("not-a-jwt")["error"] == "invalid_grant"
    finally:
        sf_org.set_jwt_certificate(None)
