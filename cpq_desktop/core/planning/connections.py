"""Logging in to both sides without a window, for headless plans: the built-in sandbox or a saved profile.

A profile logs in to Salesforce with what its keyring holds: the refresh token of a browser login, the
password (and security token) of a username-password login, or the private key of a JWT bearer login.
Zuora always logs in with the profile's OAuth client and the client secret from the keyring. Nothing
secret is ever printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.config.models import Profile, SalesforceAuthMethod
from cpq_desktop.core.config.sandbox import SANDBOX_PROFILE_NAME, SandboxInfoError, load_sandbox_info
from cpq_desktop.core.config.store import ConfigError, ConfigStore
from cpq_desktop.core.salesforce.connection import SalesforceConnection, make_http_session
from cpq_desktop.core.salesforce.oauth import SalesforceLoginError, SalesforceTokens, TokenEndpoint
from cpq_desktop.core.secrets import SecretKind, SecretStore, SecretStoreError
from cpq_desktop.core.zuora.client import ZuoraClient, ZuoraConnection


class ConnectionSetupError(Exception):
    """The connections cannot be set up from what was given (a configuration problem); says what to fix."""


class LoginFailedError(Exception):
    """A login was refused or the server cannot be reached; says which side and why."""


@dataclass
class Connections:
    profile: str
    salesforce: SalesforceConnection
    zuora: ZuoraClient
    options: ConnectorOptions

    def close(self) -> None:
        self.zuora.close()
        self.salesforce.http.close()


def _text(values: dict[str, object], key: str) -> str:
    value = values.get(key)
    return value if isinstance(value, str) else ""


def open_sandbox(sandbox_dir: Path) -> Connections:
    """Both sides of a running sandbox, from ``DIR/sandbox.json``."""
    try:
        info = load_sandbox_info(sandbox_dir)
    except SandboxInfoError as exc:
        raise ConnectionSetupError(str(exc)) from None
    login = info.credentials.get("salesforce", {})
    endpoint = TokenEndpoint(info.salesforce_url, make_http_session(info.ca_file))
    try:
        tokens = endpoint.password(
            _text(login, "username"),
            _text(login, "password"),
            _text(login, "security_token"),
            _text(login, "client_id"),
            _text(login, "client_secret"),
        )
    except (SalesforceLoginError, OSError) as exc:
        raise LoginFailedError(f"cannot log in to the sandbox org at {info.salesforce_url}: {exc}") from None

    def renew(stale: SalesforceTokens) -> SalesforceTokens:
        return endpoint.password(
            _text(login, "username"),
            _text(login, "password"),
            _text(login, "security_token"),
            _text(login, "client_id"),
            _text(login, "client_secret"),
        )

    zuora_login = info.credentials.get("zuora", {})
    zuora = ZuoraClient(
        ZuoraConnection(
            base_url=info.zuora_url,
            client_id=_text(zuora_login, "client_id"),
            client_secret=_text(zuora_login, "client_secret"),
            ca_file=info.ca_file,
        )
    )
    salesforce = SalesforceConnection(tokens, renew, make_http_session(info.ca_file))
    return Connections(SANDBOX_PROFILE_NAME, salesforce, zuora, ConnectorOptions())


def _secret(store: SecretStore, profile: Profile, kind: SecretKind) -> str:
    try:
        value = store.get(profile.id, kind)
    except SecretStoreError as exc:
        raise ConnectionSetupError(str(exc)) from None
    if not value:
        raise ConnectionSetupError(
            f"profile {profile.name!r} has no {kind.label} in the keyring; open the app's Connections view and "
            "log in (or enter it) once"
        )
    return value


def open_profile(name: str, store: SecretStore | None = None) -> Connections:
    """Both sides of the saved profile ``name``, logged in with the secrets in the keyring."""
    try:
        config = ConfigStore().load()
    except ConfigError as exc:
        raise ConnectionSetupError(str(exc)) from None
    profile = config.profile_named(name)
    if profile is None:
        known = ", ".join(repr(p.name) for p in config.profiles) or "none yet"
        raise ConnectionSetupError(f"there is no profile named {name!r} (profiles: {known})")
    secrets = store if store is not None else SecretStore()
    sf = profile.salesforce
    endpoint = TokenEndpoint(sf.login_url, make_http_session(sf.ca_file))
    if sf.auth_method is SalesforceAuthMethod.BROWSER_PKCE:
        refresh = _secret(secrets, profile, SecretKind.SALESFORCE_REFRESH_TOKEN)

        def login() -> SalesforceTokens:
            return endpoint.refresh(refresh, sf.client_id)

    elif sf.auth_method is SalesforceAuthMethod.PASSWORD:
        password = _secret(secrets, profile, SecretKind.SALESFORCE_PASSWORD)
        token = secrets.get(profile.id, SecretKind.SALESFORCE_SECURITY_TOKEN) or ""

        def login() -> SalesforceTokens:
            return endpoint.soap_password(sf.username, password, token)

    else:
        private_key = _secret(secrets, profile, SecretKind.SALESFORCE_PRIVATE_KEY)

        def login() -> SalesforceTokens:
            return endpoint.jwt_bearer(sf.client_id, sf.username, private_key)

    try:
        tokens = login()
    except (SalesforceLoginError, OSError) as exc:
        raise LoginFailedError(f"cannot log in to Salesforce for profile {name!r}: {exc}") from None
    zuora = ZuoraClient(
        ZuoraConnection(
            base_url=profile.zuora.base_url,
            client_id=profile.zuora.client_id,
            client_secret=_secret(secrets, profile, SecretKind.ZUORA_CLIENT_SECRET),
            ca_file=profile.zuora.ca_file,
            entity_id=profile.zuora.entity_id,
        )
    )
    salesforce = SalesforceConnection(tokens, lambda stale: login(), make_http_session(sf.ca_file))
    return Connections(profile.name, salesforce, zuora, profile.options)
