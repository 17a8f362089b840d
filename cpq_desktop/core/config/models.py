"""Typed profiles and app settings.

A *profile* is a named pair of one Salesforce org and one Zuora tenant plus the connector options that
shape how CPQ data becomes Zuora orders. Secrets are never part of these models: they live in the OS
keyring (see :mod:`cpq_desktop.core.secrets`), keyed by the profile's stable ``id``.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Model(BaseModel):
    # A hand-edited typo should be reported, not silently dropped on the next save.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _https_root(value: str, what: str) -> str:
    """Normalise a base URL to ``https://host[:port]``; only the scheme and authority are meaningful."""
    text = value.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme != "https":
        raise ValueError(f"{what} must use https:// (got {value!r})")
    if not parts.hostname:
        raise ValueError(f"{what} needs a host name (got {value!r})")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{what} must be just the scheme and host, like https://example.com (got {value!r})")
    return f"https://{parts.netloc}"


class SalesforceEnvironment(StrEnum):
    """Where the OAuth login happens (the *login host*; API calls go to the returned instance URL)."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"
    MY_DOMAIN = "my_domain"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return _SALESFORCE_ENVIRONMENT_LABELS[self]


_SALESFORCE_ENVIRONMENT_LABELS = {
    SalesforceEnvironment.PRODUCTION: "Production (login.salesforce.com)",
    SalesforceEnvironment.SANDBOX: "Sandbox (test.salesforce.com)",
    SalesforceEnvironment.MY_DOMAIN: "My Domain URL",
    SalesforceEnvironment.CUSTOM: "Custom URL",
}

SALESFORCE_LOGIN_URLS = {
    SalesforceEnvironment.PRODUCTION: "https://login.salesforce.com",
    SalesforceEnvironment.SANDBOX: "https://test.salesforce.com",
}


class SalesforceAuthMethod(StrEnum):
    BROWSER_PKCE = "browser_pkce"
    PASSWORD = "password"
    JWT_BEARER = "jwt_bearer"

    @property
    def label(self) -> str:
        return _SALESFORCE_AUTH_LABELS[self]


_SALESFORCE_AUTH_LABELS = {
    SalesforceAuthMethod.BROWSER_PKCE: "Log in with browser (OAuth + PKCE)",
    SalesforceAuthMethod.PASSWORD: "Username + password + security token (legacy)",
    SalesforceAuthMethod.JWT_BEARER: "JWT bearer with a certificate (headless runs)",
}


class SalesforceSettings(_Model):
    environment: SalesforceEnvironment = SalesforceEnvironment.PRODUCTION
    my_domain: str | None = Field(
        default=None,
        description="My Domain name (acme) or URL (https://acme.my.salesforce.com); used when environment is my_domain",
    )
    custom_url: str | None = Field(default=None, description="login host used when environment is custom")
    auth_method: SalesforceAuthMethod = SalesforceAuthMethod.BROWSER_PKCE
    client_id: str = Field(default="", description="consumer key of the connected app / external client app")
    username: str = ""
    callback_port: int = Field(
        default=7171, ge=1024, le=65535, description="loopback port of the browser login's redirect"
    )
    ca_file: Path | None = Field(
        default=None, description="extra CA certificates to trust (a TLS-inspecting proxy, the sandbox)"
    )

    @field_validator("my_domain")
    @classmethod
    def _normalise_my_domain(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        text = value.strip()
        # A bare name ("acme", "acme--uat.sandbox", "acme.develop") is completed to its My Domain host.
        if "://" not in text and "salesforce" not in text and "force.com" not in text:
            text = f"{text.rstrip('.')}.my.salesforce.com"
        return _https_root(text, "The My Domain URL")

    @field_validator("custom_url")
    @classmethod
    def _normalise_custom_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return _https_root(value, "The custom Salesforce URL")

    @model_validator(mode="after")
    def _environment_has_its_url(self) -> SalesforceSettings:
        if self.environment is SalesforceEnvironment.MY_DOMAIN and self.my_domain is None:
            raise ValueError("Salesforce environment 'My Domain URL' needs the My Domain name or URL")
        if self.environment is SalesforceEnvironment.CUSTOM and self.custom_url is None:
            raise ValueError("Salesforce environment 'Custom URL' needs the URL")
        return self

    @property
    def login_url(self) -> str:
        """The host that serves ``/services/oauth2/authorize`` and ``/services/oauth2/token``."""
        if self.environment is SalesforceEnvironment.MY_DOMAIN:
            assert self.my_domain is not None  # guaranteed by the model validator
            return self.my_domain
        if self.environment is SalesforceEnvironment.CUSTOM:
            assert self.custom_url is not None
            return self.custom_url
        return SALESFORCE_LOGIN_URLS[self.environment]


class ZuoraEnvironment(StrEnum):
    """The Zuora REST environments (zuora-api.md §1.1) plus a custom base URL."""

    US_PRODUCTION_CLOUD_2 = "us_production_cloud_2"
    US_PRODUCTION_CLOUD_1 = "us_production_cloud_1"
    US_API_SANDBOX_CLOUD_2 = "us_api_sandbox_cloud_2"
    US_API_SANDBOX_CLOUD_1 = "us_api_sandbox_cloud_1"
    US_CENTRAL_SANDBOX = "us_central_sandbox"
    EU_PRODUCTION = "eu_production"
    EU_API_SANDBOX = "eu_api_sandbox"
    EU_CENTRAL_SANDBOX = "eu_central_sandbox"
    APAC_PRODUCTION = "apac_production"
    APAC_CENTRAL_SANDBOX = "apac_central_sandbox"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return _ZUORA_ENVIRONMENT_LABELS[self]


_ZUORA_ENVIRONMENT_LABELS = {
    ZuoraEnvironment.US_PRODUCTION_CLOUD_2: "US Production, Cloud 2",
    ZuoraEnvironment.US_PRODUCTION_CLOUD_1: "US Production, Cloud 1",
    ZuoraEnvironment.US_API_SANDBOX_CLOUD_2: "US API Sandbox, Cloud 2",
    ZuoraEnvironment.US_API_SANDBOX_CLOUD_1: "US API Sandbox, Cloud 1",
    ZuoraEnvironment.US_CENTRAL_SANDBOX: "US Developer & Central Sandbox",
    ZuoraEnvironment.EU_PRODUCTION: "EU Production",
    ZuoraEnvironment.EU_API_SANDBOX: "EU API Sandbox",
    ZuoraEnvironment.EU_CENTRAL_SANDBOX: "EU Developer & Central Sandbox",
    ZuoraEnvironment.APAC_PRODUCTION: "APAC Production",
    ZuoraEnvironment.APAC_CENTRAL_SANDBOX: "APAC Developer & Central Sandbox",
    ZuoraEnvironment.CUSTOM: "Custom base URL",
}

ZUORA_REST_BASE_URLS = {
    ZuoraEnvironment.US_PRODUCTION_CLOUD_2: "https://rest.zuora.com",
    ZuoraEnvironment.US_PRODUCTION_CLOUD_1: "https://rest.na.zuora.com",
    ZuoraEnvironment.US_API_SANDBOX_CLOUD_2: "https://rest.apisandbox.zuora.com",
    ZuoraEnvironment.US_API_SANDBOX_CLOUD_1: "https://rest.sandbox.na.zuora.com",
    ZuoraEnvironment.US_CENTRAL_SANDBOX: "https://rest.test.zuora.com",
    ZuoraEnvironment.EU_PRODUCTION: "https://rest.eu.zuora.com",
    ZuoraEnvironment.EU_API_SANDBOX: "https://rest.sandbox.eu.zuora.com",
    ZuoraEnvironment.EU_CENTRAL_SANDBOX: "https://rest.test.eu.zuora.com",
    ZuoraEnvironment.APAC_PRODUCTION: "https://rest.ap.zuora.com",
    ZuoraEnvironment.APAC_CENTRAL_SANDBOX: "https://rest.test.ap.zuora.com",
}


class ZuoraSettings(_Model):
    environment: ZuoraEnvironment = ZuoraEnvironment.US_PRODUCTION_CLOUD_2
    custom_base_url: str | None = Field(default=None, description="REST root used when environment is custom")
    client_id: str = Field(default="", description="OAuth client id; each tenant has its own")
    tenant_id: str = Field(default="", description="numeric tenant id, checked against the token's scope")
    entity_id: str | None = Field(
        default=None, description="multi-entity tenants only: the entity UUID sent as Zuora-Entity-Ids"
    )
    ca_file: Path | None = None

    @field_validator("custom_base_url")
    @classmethod
    def _normalise_custom_base_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return _https_root(value, "The custom Zuora base URL")

    @field_validator("tenant_id")
    @classmethod
    def _tenant_id_is_numeric(cls, value: str) -> str:
        text = value.strip()
        if text and not text.isdigit():
            raise ValueError(f"The Zuora tenant id is a number, like 12270 (got {value!r})")
        return text

    @field_validator("entity_id")
    @classmethod
    def _entity_id_is_uuid(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        text = value.strip()
        try:
            parsed = uuid.UUID(text)
        except ValueError:
            raise ValueError(f"The Zuora entity id is a 36-character UUID with hyphens (got {value!r})") from None
        return str(parsed)

    @model_validator(mode="after")
    def _custom_has_its_url(self) -> ZuoraSettings:
        if self.environment is ZuoraEnvironment.CUSTOM and self.custom_base_url is None:
            raise ValueError("Zuora environment 'Custom base URL' needs the URL")
        return self

    @property
    def base_url(self) -> str:
        """The REST root every ``/v1`` path and ``/oauth/token`` is appended to."""
        if self.environment is ZuoraEnvironment.CUSTOM:
            assert self.custom_base_url is not None  # guaranteed by the model validator
            return self.custom_base_url
        return ZUORA_REST_BASE_URLS[self.environment]


class ConnectorOptions(_Model):
    """The behaviour switches of Zuora's Billing Connector for Salesforce CPQ (connector-spec.md §1.2)."""

    sync_opportunity_fields: bool = Field(
        default=False, description="read Opportunity fields so they can be mapped onto the Zuora order"
    )
    use_list_price_base: bool = Field(
        default=False,
        description="Salesforce prices cover the whole term: recurring charges get List Price Base "
        "'Per Specific Months'",
    )
    use_subscription_start_date: bool = Field(
        default=True,
        description="Zuora subscription start date from the SF subscription (off: from the SF contract)",
    )
    amend_subscriptions: bool = Field(
        default=True, description="turn CPQ amendments into order actions on the existing subscription"
    )
    increment_tier_upper_bound: bool = Field(
        default=False, description="keep usage tier upper bounds for decimal units (connector-spec.md §2.6)"
    )
    subscription_term_in_days: bool = Field(
        default=False, description="create terms in days instead of months (partial months)"
    )
    trigger_dates_on_order: bool = Field(
        default=False,
        description="send contract effective, service activation and customer acceptance dates from the "
        "Order (off: contract effective date only)",
    )

    @model_validator(mode="after")
    def _term_in_days_excludes_list_price_base(self) -> ConnectorOptions:
        if self.subscription_term_in_days and self.use_list_price_base:
            raise ValueError("'Subscription term in days' cannot be combined with 'Use list price base'; turn one off")
        return self


class WriteBackSettings(_Model):
    """Optional write-back of Zuora keys and sync status to Salesforce (connector-spec §4.4).

    Each field names the Salesforce field that receives the value; an empty name skips that value.
    """

    enabled: bool = Field(default=False, description="write Zuora keys and sync status back to Salesforce")
    account_number_field: str = Field(default="Zuora_Account_Number__c", description="on Account")
    subscription_number_field: str = Field(
        default="Zuora_Subscription_Number__c", description="on SBQQ__Subscription__c"
    )
    order_number_field: str = Field(default="Zuora_Order_Number__c", description="on Order")
    status_field: str = Field(default="Zuora_Sync_Status__c", description="on Order: Synced or Failed")
    time_field: str = Field(default="Zuora_Sync_Time__c", description="on Order: when it was synced")
    error_field: str = Field(default="Zuora_Sync_Error__c", description="on Order: why it failed")


def _new_profile_id() -> str:
    return uuid.uuid4().hex


class Profile(_Model):
    id: str = Field(default_factory=_new_profile_id, description="stable key for the keyring and run history")
    name: str = Field(min_length=1, max_length=80)
    salesforce: SalesforceSettings = Field(default_factory=SalesforceSettings)
    zuora: ZuoraSettings = Field(default_factory=ZuoraSettings)
    options: ConnectorOptions = Field(default_factory=ConnectorOptions)
    write_back: WriteBackSettings = Field(default_factory=WriteBackSettings)

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        text = value.strip()
        if not text:
            raise ValueError("A profile needs a name")
        return text

    @field_validator("id")
    @classmethod
    def _id_is_a_plain_token(cls, value: str) -> str:
        # The id becomes part of keyring entries and folder names: keep it to safe characters.
        if not value or not all(c.isascii() and (c.isalnum() or c in "-_") for c in value):
            raise ValueError(f"A profile id may only hold letters, digits, '-' and '_' (got {value!r})")
        return value


LogLevel = Literal["DEBUG", "INFO", "WARNING"]


class AppSettings(_Model):
    log_level: LogLevel = Field(default="INFO", description="level of the app log file")


CONFIG_SCHEMA_VERSION = 1


class AppConfig(_Model):
    """Everything in ``config.json``: the profiles, which one is active, and the app settings."""

    schema_version: Literal[1] = 1
    active_profile_id: str | None = None
    profiles: list[Profile] = Field(default_factory=list)
    settings: AppSettings = Field(default_factory=AppSettings)

    @model_validator(mode="after")
    def _profiles_are_consistent(self) -> AppConfig:
        ids = [p.id for p in self.profiles]
        if len(set(ids)) != len(ids):
            raise ValueError("two profiles share the same id")
        names = [p.name.casefold() for p in self.profiles]
        if len(set(names)) != len(names):
            raise ValueError("two profiles share the same name")
        if self.active_profile_id is not None and self.active_profile_id not in ids:
            raise ValueError(f"the active profile {self.active_profile_id!r} does not exist")
        return self

    def active_profile(self) -> Profile | None:
        for profile in self.profiles:
            if profile.id == self.active_profile_id:
                return profile
        return None

    def profile_named(self, name: str) -> Profile | None:
        wanted = name.strip().casefold()
        for profile in self.profiles:
            if profile.name.casefold() == wanted:
                return profile
        return None
