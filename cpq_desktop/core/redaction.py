"""Scrub secrets from text before it is written anywhere (app log, debug logs, error dialogs).

Two layers:

- *registered secrets*: exact values the app knows are secret (a password typed in, a token read from the
  keyring). :mod:`cpq_desktop.core.secrets` registers every value it reads or writes.
- *token-shaped values*: anything that looks like a credential whatever its origin: ``Bearer`` headers,
  ``access_token`` / ``refresh_token`` / ``client_secret`` / ``password`` / ``sessionId`` fields in
  JSON, form or query strings, SOAP ``<sessionId>`` elements, Salesforce session ids (``00D...!...``),
  JWTs and PEM private keys.

:class:`Redactor` is small and reusable; :data:`default_redactor` is the process-wide one the logging
setup and the secrets module share.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Callable
from urllib.parse import quote, quote_plus

MASK = "[REDACTED]"

# Field names whose values are credentials, in JSON, form bodies, query strings, reprs and headers. A
# name *ending* in one of these counts too (new_password, zuora_client_secret, X-Api-Key), so a field
# nobody listed here is still masked when its name says what it holds.
_SECRET_KEYS = (
    r"[\w.-]*?(?:secret|password|passwd|token|session[_-]?id|private[_-]?key|api[_-]?key|access[_-]?key|assertion"
    r"|code_verifier|authorization|x-sfdc-session)|sid"
)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM private keys, whatever their type.
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL),
        MASK,
    ),
    # SOAP / XML elements: <sessionId>..</sessionId>, <sf:password>..</sf:password>
    (
        re.compile(
            rf"(<(?:\w+:)?(?:{_SECRET_KEYS})\b[^>]*>)[^<]*(</(?:\w+:)?(?:{_SECRET_KEYS})>)",
            re.IGNORECASE,
        ),
        rf"\1{MASK}\2",
    ),
    # "key": "value" (JSON, Python reprs with either quote style)
    (
        re.compile(rf"""(["'](?:{_SECRET_KEYS})["']\s*:\s*)(["'])(?:\\.|(?!\2).)*\2""", re.IGNORECASE),
        rf"\1\2{MASK}\2",
    ),
    # An Authorization header's credential, whatever it looks like.
    (
        re.compile(r"""(\bAuthorization["']?\s*[:=]\s*["']?(?:Bearer|Basic|OAuth)\s+)[^\s"',;]+""", re.IGNORECASE),
        rf"\1{MASK}",
    ),
    # "Bearer xyz", "Basic xyz", "OAuth xyz" elsewhere: a credential has a digit or is long, which keeps
    # prose such as "OAuth client" or "basic information" readable.
    (
        re.compile(
            r"\b(Bearer|Basic|OAuth)\s+(?:(?=[A-Za-z0-9\-._~+/!]*\d)[A-Za-z0-9\-._~+/!]{8,}|[A-Za-z0-9\-._~+/!]{20,})=*",
            re.IGNORECASE,
        ),
        rf"\1 {MASK}",
    ),
    # key=value in form bodies, query strings and log text ("password=hunter2&", "client_secret: abc")
    (
        re.compile(
            rf"""(?<![\w-])((?:{_SECRET_KEYS})\s*[=:]\s*)"""
            # not an already-masked or quoted value, nor an auth scheme the pattern above handled
            rf"""(?!["'\s{{\[<])(?!(?:Bearer|Basic|OAuth)\s)[^\s&,;"'<>}}\]]+""",
            re.IGNORECASE,
        ),
        rf"\1{MASK}",
    ),
    # Salesforce session ids / access tokens: 15 or 18 char org id starting 00D, "!", then the token.
    (re.compile(r"\b00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?![A-Za-z0-9._\-]+"), MASK),
    # JWTs (three base64url parts, the first two JSON objects starting with '{"')
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), MASK),
)

# The patterns built on _SECRET_KEYS cost most (a lazy name prefix tried at every quote and word start), yet
# match only text holding one of these words, so they are skipped on text without any (most of a sync's
# request bodies). The words are looked for as IGNORECASE would match them: the non-ASCII letters re
# equates with ASCII ones (dotted/dotless i, long s; the Kelvin sign lower-cases to k) are folded first.
_KEY_WORDS = (
    "secret",
    "passw",
    "token",
    "session",
    "private",
    "api",
    "access",
    "assertion",
    "code_verifier",
    "authorization",
    "sid",
)
_KEYED_PATTERNS = frozenset(pattern for pattern, _ in _PATTERNS if _SECRET_KEYS in pattern.pattern)
_FOLD_TO_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def _folded(text: str) -> str:
    if not text.isascii() and ("\u0130" in text or "\u0131" in text or "\u017f" in text):
        text = text.translate(_FOLD_TO_ASCII)
    return text.lower()


# What text must hold for a pattern not built on the key words to match (its literal parts, as IGNORECASE
# would see them): a pattern is tried only on text that has it. Most of a sync's log lines hold none, and
# the debug log is written for every request.
_CREDENTIAL_WORDS = ("bearer", "basic", "oauth")
_NEEDS: dict[re.Pattern[str], Callable[[str, str], bool]] = {
    _PATTERNS[0][0]: lambda text, folded: "PRIVATE KEY" in text,
    _PATTERNS[3][0]: lambda text, folded: "authorization" in folded,
    _PATTERNS[4][0]: lambda text, folded: any(word in folded for word in _CREDENTIAL_WORDS),
    _PATTERNS[6][0]: lambda text, folded: "00D" in text and "!" in text,
    _PATTERNS[7][0]: lambda text, folded: "eyJ" in text,
}


# Shorter values are too likely to occur in ordinary text ("on", "1234") to be masked on sight.
MIN_REGISTERED_LENGTH = 4


class Redactor:
    """Masks registered secret values and token-shaped values in text. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._ordered: tuple[str, ...] = ()

    def register(self, secret: str | None) -> None:
        """Remember a secret value so it is masked wherever it appears, raw or URL-encoded."""
        if not secret or len(secret) < MIN_REGISTERED_LENGTH:
            return
        variants = {secret, quote(secret, safe=""), quote_plus(secret)}
        with self._lock:
            self._secrets.update(variants)
            # Longest first, so a secret that contains another one is masked whole.
            self._ordered = tuple(sorted(self._secrets, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._ordered:
            if secret in text:
                text = text.replace(secret, MASK)
        folded = _folded(text)
        keyed = any(word in folded for word in _KEY_WORDS)
        for pattern, replacement in _PATTERNS:
            if pattern in _KEYED_PATTERNS:
                if not keyed:
                    continue
            elif not _NEEDS[pattern](text, folded):
                continue
            text = pattern.sub(replacement, text)
        return text

    def redact_record(self, record: logging.LogRecord) -> None:
        """Render the record's message, traceback and stack now, redacted, so no handler sees the raw text.

        Idempotent: a record that went through here keeps ``args`` empty and its texts already masked.
        """
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # A malformed %-format call: keep what we have rather than losing the record.
            message = f"{record.msg} {record.args!r}"
        record.msg = self.redact(message)
        record.args = ()
        if record.exc_info and record.exc_info[0] is not None:
            if not record.exc_text:
                record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            # The traceback text is fixed now; keeping exc_info would let a formatter re-render it raw.
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)


class RedactionFilter(logging.Filter):
    """A handler filter: attach it to any handler that writes outside the process."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor if redactor is not None else default_redactor

    def filter(self, record: logging.LogRecord) -> bool:
        self.redactor.redact_record(record)
        return True


default_redactor = Redactor()


def register_secret(secret: str | None) -> None:
    """Register a value with the process-wide redactor."""
    default_redactor.register(secret)


def redact(text: str) -> str:
    """Mask secrets in ``text`` with the process-wide redactor."""
    return default_redactor.redact(text)
