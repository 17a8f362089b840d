"""The app log is written to the platformdirs log dir, and no secret ever reaches it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpq_desktop.core import logging_setup, redaction
from cpq_desktop.core.config import paths
from cpq_desktop.core.redaction import MASK, RedactionFilter, Redactor, register_secret

SECRET = "s3cr3t-Zuora-client-secret"


@pytest.fixture
def app_log() -> Iterator[logging_setup.AppLogging]:
    installed = logging_setup.configure_logging(logging.DEBUG)
    yield installed
    installed.close()


def _read(app_log: logging_setup.AppLogging) -> str:
    app_log.handler.flush()
    return app_log.log_file.read_text(encoding="utf-8")


def test_log_file_lives_in_the_user_log_dir(app_log: logging_setup.AppLogging, isolated_dirs: Path) -> None:
    logging.getLogger("cpq_desktop.test").info("hello %s", "log")
    assert app_log.log_file.parent == paths.log_dir()
    assert app_log.log_file.is_relative_to(isolated_dirs)
    assert "hello log" in _read(app_log)


@pytest.mark.expect_logged_errors
def test_a_registered_secret_logged_at_any_level_never_reaches_the_file(
    app_log: logging_setup.AppLogging,
) -> None:
    register_secret(SECRET)
    log = logging.getLogger("cpq_desktop.sync")
    for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL):
        log.log(level, "level %s with secret %s", logging.getLevelName(level), SECRET)
    log.info(f"f-string with the secret {SECRET}")
    try:
        raise RuntimeError(f"token exchange failed for {SECRET}")
    except RuntimeError:
        log.exception("while connecting")

    text = _read(app_log)
    assert SECRET not in text
    assert text.count(MASK) == 7
    assert "CRITICAL" in text
    assert "RuntimeError: token exchange failed for [REDACTED]" in text


def test_token_shaped_values_are_masked_without_registration(app_log: logging_setup.AppLogging) -> None:
    log = logging.getLogger("urllib3.connectionpool")
    log.debug("headers {'Authorization': 'Bearer ya29.a0AfH6SMBx'}")
    log.debug('body {"access_token": "00Dxx0000001gPL!AR8AQJXg5oj8j", "instance_url": "https://acme"}')
    log.debug("form grant_type=password&username=u@x.com&password=Passw0rdTok3n&client_id=abc")
    log.debug("soap <sessionId>00Dxx0000001gPLEAY!AQ4AQFbaz</sessionId>")

    text = _read(app_log)
    for leaked in ("ya29.a0AfH6SMBx", "AR8AQJXg5oj8j", "Passw0rdTok3n", "AQ4AQFbaz"):
        assert leaked not in text
    assert "username=u@x.com" in text
    assert "https://acme" in text


def test_handlers_added_later_also_only_see_redacted_records(app_log: logging_setup.AppLogging) -> None:
    register_secret(SECRET)
    stream = io.StringIO()
    late = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(late)
    try:
        logging.getLogger("cpq_desktop.debuglog").info("secret=%s", SECRET)
    finally:
        root.removeHandler(late)
    assert SECRET not in stream.getvalue()
    assert MASK in stream.getvalue()


def test_close_restores_the_previous_logging_state() -> None:
    factory = logging.getLogRecordFactory()
    installed = logging_setup.configure_logging()
    installed.close()
    assert logging.getLogRecordFactory() is factory
    assert installed.handler not in logging.getLogger().handlers


@pytest.mark.parametrize(
    ("text", "kept", "leaked"),
    [
        ("Authorization: Bearer abc.def-ghi", "Bearer", "abc.def-ghi"),
        ('{"refresh_token": "5Aep86\\"x", "scope": "api"}', '"scope": "api"', "5Aep86"),
        ("{'client_secret': 'zz-top', 'client_id': 'id-1'}", "id-1", "zz-top"),
        ("https://x/cb?code=1&access_token=qwerty&state=s", "state=s", "qwerty"),
        ("<sf:sessionId>00Dabc!xyz</sf:sessionId>", "<sf:sessionId>", "00Dabc!xyz"),
        ("session 00D5e000000IZ3ZEAW!AQ0AQH.jrQ_z end", "session", "AQ0AQH"),
        ("assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln", "assertion=", "eyJpc3MiOiJ4In0"),
        ("-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----", MASK, "MIIEvQ"),
        ("password: hunter22, user: bob", "user: bob", "hunter22"),
        ("new_password=n3w-pass&confirm=1", "confirm=1", "n3w-pass"),
        ("X-Api-Key: k3y-value", "X-Api-Key", "k3y-value"),
        ('{"zuora_client_secret": "zs-1", "token_type": "Bearer"}', '"token_type": "Bearer"', "zs-1"),
        ("apiSecretAccessKey=legacy-key Idempotency-Key: abc-1", "Idempotency-Key: abc-1", "legacy-key"),
        ('{"code": 53100020, "message": "Invalid value"}', '"code": 53100020', "[REDACTED]"),
    ],
)
def test_redactor_masks_token_shapes(text: str, kept: str, leaked: str) -> None:
    result = Redactor().redact(text)
    assert leaked not in result
    assert kept in result


@pytest.mark.parametrize(
    "text",
    [
        "Zuora refused the OAuth client id 'abc' or its secret",
        "basic information is missing",
        "WWW-Authenticate: Basic realm=Zuora API, Bearer realm=Zuora API",
    ],
)
def test_redactor_leaves_prose_about_auth_schemes_readable(text: str) -> None:
    assert Redactor().redact(text) == text


def test_redactor_masks_url_encoded_registered_secrets_and_ignores_tiny_ones() -> None:
    redactor = Redactor()
    redactor.register("p@ss w/rd+1")
    redactor.register("on")
    assert redactor.redact("password%3Dp%40ss%20w%2Frd%2B1 and p%40ss+w%2Frd%2B1").count("p%40ss") == 0
    assert redactor.redact("turned on") == "turned on"


def test_redaction_filter_is_reusable_for_other_handlers() -> None:
    redactor = Redactor()
    redactor.register("debug-run-secret")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %s", ("debug-run-secret",), None)
    assert RedactionFilter(redactor).filter(record)
    assert record.getMessage() == f"value {MASK}"


@pytest.mark.parametrize(
    "text",
    [
        "AUTHORIZATION: BEARER abc123def",
        "baſic dXNlcjpwYXNzd29yZDEyMw==",  # long s: IGNORECASE reads it as "basic"
        "Authorızation: OAuth 00D5e000000IZ3ZEAW!AQ0AQH.jrQ_z",  # dotless i
        "jwt eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln in prose",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEvQ\n-----END RSA PRIVATE KEY-----",
        '{"orderNumber": "O-1", "subscriptions": [{"subscriptionNumber": "A-S1"}]}',
    ],
)
def test_skipping_patterns_text_cannot_match_masks_the_same_as_trying_every_pattern(text: str) -> None:
    everything = text
    for pattern, replacement in redaction._PATTERNS:
        everything = pattern.sub(replacement, everything)
    assert Redactor().redact(text) == everything
