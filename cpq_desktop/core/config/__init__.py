"""Profiles, app settings and where they are stored."""

from cpq_desktop.core.config.models import (
    CONFIG_SCHEMA_VERSION,
    SALESFORCE_LOGIN_URLS,
    ZUORA_REST_BASE_URLS,
    AppConfig,
    AppSettings,
    ConnectorOptions,
    Profile,
    SalesforceAuthMethod,
    SalesforceEnvironment,
    SalesforceSettings,
    ZuoraEnvironment,
    ZuoraSettings,
)
from cpq_desktop.core.config.store import ConfigCorruptError, ConfigError, ConfigStore, ConfigTooNewError

__all__ = [
    "CONFIG_SCHEMA_VERSION",
    "SALESFORCE_LOGIN_URLS",
    "ZUORA_REST_BASE_URLS",
    "AppConfig",
    "AppSettings",
    "ConfigCorruptError",
    "ConfigError",
    "ConfigStore",
    "ConfigTooNewError",
    "ConnectorOptions",
    "Profile",
    "SalesforceAuthMethod",
    "SalesforceEnvironment",
    "SalesforceSettings",
    "ZuoraEnvironment",
    "ZuoraSettings",
]
