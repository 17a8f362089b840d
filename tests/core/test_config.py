"""Profiles and settings: what an admin saves comes back, and a bad file is never silently lost."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import pytest
from pydantic import ValidationError

from cpq_desktop.core.config import (
    AppConfig,
    AppSettings,
    ConfigCorruptError,
    ConfigStore,
    ConfigTooNewError,
    ConnectorOptions,
    Profile,
    SalesforceAuthMethod,
    SalesforceEnvironment,
    SalesforceSettings,
    ZuoraEnvironment,
    ZuoraSettings,
    paths,
)
from cpq_desktop.core.config.sandbox import (
    SandboxInfoError,
    load_sandbox_info,
    sandbox_profile,
)


def _full_config() -> AppConfig:
    production = Profile(
        name="ACME production",
        salesforce=SalesforceSettings(
            environment=SalesforceEnvironment.MY_DOMAIN,
            my_domain="acme",
            auth_method=SalesforceAuthMethod.JWT_BEARER,
            client_id="3MVG9consumerkey",
            username="integration@acme.com",
            callback_port=1717,
        ),
        zuora=ZuoraSettings(
            environment=ZuoraEnvironment.EU_PRODUCTION,
            client_id="zuora-client",
            tenant_id="12270",
            entity_id="11E643F4-A3EE-8BAD-B061-0025904C57D6",
        ),
        options=ConnectorOptions(use_list_price_base=True, trigger_dates_on_order=True),
    )
    staging = Profile(
        name="Staging (local)",
        salesforce=SalesforceSettings(
            environment=SalesforceEnvironment.CUSTOM,
            custom_url="https://127.0.0.1:8444/",
            ca_file=Path("/tmp/ca.pem"),
        ),
        zuora=ZuoraSettings(environment=ZuoraEnvironment.CUSTOM, custom_base_url="127.0.0.1:8555"),
    )
    return AppConfig(
        active_profile_id=production.id,
        profiles=[production, staging],
        settings=AppSettings(log_level="DEBUG"),
    )


def test_config_round_trips_through_the_platformdirs_config_dir(isolated_dirs: Path) -> None:
    config = _full_config()
    store = ConfigStore()
    store.save(config)

    assert store.path == paths.config_file()
    assert store.path.is_relative_to(isolated_dirs)
    loaded = ConfigStore().load()
    assert loaded == config
    assert loaded.active_profile() == config.profiles[0]
    assert json.loads(store.path.read_text(encoding="utf-8"))["schema_version"] == 1


def test_urls_are_normalised_and_derived_per_environment() -> None:
    config = _full_config()
    production, staging = config.profiles
    assert production.salesforce.login_url == "https://acme.my.salesforce.com"
    assert production.zuora.base_url == "https://rest.eu.zuora.com"
    assert production.zuora.entity_id == "11e643f4-a3ee-8bad-b061-0025904c57d6"
    assert staging.salesforce.login_url == "https://127.0.0.1:8444"
    assert staging.zuora.base_url == "https://127.0.0.1:8555"
    assert SalesforceSettings(environment=SalesforceEnvironment.SANDBOX).login_url == "https://test.salesforce.com"
    assert SalesforceSettings().auth_method is SalesforceAuthMethod.BROWSER_PKCE


@pytest.mark.parametrize(
    ("typed", "login_url"),
    [
        ("acme", "https://acme.my.salesforce.com"),
        ("acme--uat.sandbox", "https://acme--uat.sandbox.my.salesforce.com"),
        ("acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        ("https://acme.my.salesforce.com/", "https://acme.my.salesforce.com"),
    ],
)
def test_my_domain_accepts_a_name_or_a_url(typed: str, login_url: str) -> None:
    settings = SalesforceSettings(environment=SalesforceEnvironment.MY_DOMAIN, my_domain=typed)
    assert settings.login_url == login_url


@pytest.mark.parametrize("choices", [SalesforceEnvironment, SalesforceAuthMethod, ZuoraEnvironment])
def test_every_choice_has_a_distinct_label_for_the_connections_tab(choices: type[StrEnum]) -> None:
    labels = [choice.label for choice in choices]  # type: ignore[attr-defined]
    assert all(labels)
    assert len(set(labels)) == len(labels)


def test_every_zuora_environment_has_a_rest_url() -> None:
    urls = {
        env: ZuoraSettings(environment=env, custom_base_url="https://z.example").base_url for env in ZuoraEnvironment
    }
    assert len(set(urls.values())) == len(ZuoraEnvironment)
    assert urls[ZuoraEnvironment.US_API_SANDBOX_CLOUD_2] == "https://rest.apisandbox.zuora.com"
    assert all(env.label for env in ZuoraEnvironment)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SalesforceSettings(environment=SalesforceEnvironment.CUSTOM), "needs the URL"),
        (lambda: SalesforceSettings(environment=SalesforceEnvironment.MY_DOMAIN), "My Domain"),
        (lambda: SalesforceSettings(custom_url="http://login.example.com"), "https://"),
        (lambda: ZuoraSettings(environment=ZuoraEnvironment.CUSTOM), "needs the URL"),
        (lambda: ZuoraSettings(tenant_id="acme"), "tenant id is a number"),
        (lambda: ZuoraSettings(entity_id="not-a-uuid"), "UUID"),
        (lambda: ConnectorOptions(subscription_term_in_days=True, use_list_price_base=True), "cannot be combined"),
        (lambda: Profile(name="   "), "needs a name"),
    ],
)
def test_invalid_values_are_refused_with_a_clear_message(build: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        build()  # type: ignore[operator]


def test_duplicate_profile_names_are_refused() -> None:
    with pytest.raises(ValidationError, match="same name"):
        AppConfig(profiles=[Profile(name="Prod"), Profile(name="prod")])


def test_missing_file_means_empty_config() -> None:
    config = ConfigStore().load()
    assert config.profiles == []
    assert config.active_profile() is None


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"schema_version": 1, "profiles": [', "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"profiles": []}', "schema_version"),
        ('{"schema_version": 1, "profiles": [{"name": ""}]}', "invalid"),
        ('{"schema_version": 1, "settings": {"log_level": "LOUD"}}', "settings.log_level"),
    ],
)
def test_corrupt_file_gives_a_clear_error_and_is_backed_up(content: str, reason: str) -> None:
    store = ConfigStore()
    _write(store.path, content)

    with pytest.raises(ConfigCorruptError, match=reason) as caught:
        store.load()

    backup = caught.value.backup
    assert backup is not None
    assert backup.read_text(encoding="utf-8") == content
    assert str(backup) in str(caught.value)
    assert str(store.path) in str(caught.value)


def test_reading_the_same_bad_file_again_keeps_one_backup() -> None:
    store = ConfigStore()
    _write(store.path, "{ broken")
    for _ in range(3):
        with pytest.raises(ConfigCorruptError):
            store.load()
    assert len(list(store.path.parent.glob("config.json.corrupt-*"))) == 1

    _write(store.path, "{ broken differently")
    with pytest.raises(ConfigCorruptError):
        store.load()
    assert len(list(store.path.parent.glob("config.json.corrupt-*"))) == 2


def test_newer_version_file_is_kept_and_not_overwritten_by_a_later_save() -> None:
    store = ConfigStore()
    newer = json.dumps({"schema_version": 7, "profiles": [{"name": "from the future"}]})
    _write(store.path, newer)

    config, error = store.load_or_default()
    assert isinstance(error, ConfigTooNewError)
    assert "newer version" in str(error)
    assert config == AppConfig()
    assert error.backup is not None

    store.save(AppConfig(profiles=[Profile(name="new start")]))
    assert error.backup.read_text(encoding="utf-8") == newer
    assert store.load().profiles[0].name == "new start"


def test_save_is_atomic_and_leaves_no_temporary_files() -> None:
    store = ConfigStore()
    store.save(_full_config())
    store.save(AppConfig())
    assert [p.name for p in store.path.parent.iterdir()] == ["config.json"]
    assert store.load() == AppConfig()


def test_sandbox_json_becomes_a_profile_with_custom_urls_and_the_ca(tmp_path: Path) -> None:
    info = {
        "salesforce_url": "https://127.0.0.1:40001",
        "zuora_url": "https://127.0.0.1:40002",
        "ca_file": str(tmp_path / "ca.pem"),
        "credentials": {
            "salesforce": {
                "username": "admin@sandbox.example",
                "client_id": "sandbox-app",
                "redirect_uri": "http://localhost:1717/OauthRedirect",
            }
        },
    }
    (tmp_path / "sandbox.json").write_text(json.dumps(info), encoding="utf-8")

    profile = sandbox_profile(load_sandbox_info(tmp_path))
    assert profile.salesforce.login_url == "https://127.0.0.1:40001"
    assert profile.zuora.base_url == "https://127.0.0.1:40002"
    assert profile.salesforce.ca_file == profile.zuora.ca_file == tmp_path / "ca.pem"
    assert profile.salesforce.username == "admin@sandbox.example"
    assert profile.salesforce.callback_port == 1717
    # it is storable like any profile
    assert AppConfig.model_validate_json(AppConfig(profiles=[profile]).model_dump_json()).profiles == [profile]


def test_missing_sandbox_json_says_so(tmp_path: Path) -> None:
    with pytest.raises(SandboxInfoError, match="is the sandbox running"):
        load_sandbox_info(tmp_path)
