"""The redactor's fast path (skip the key-name patterns on text without a key word) masks exactly what the
full set of patterns masks: debug logs of big syncs go through it for every request and response body."""

from __future__ import annotations

import json
import random

import pytest

from cpq_desktop.core import redaction
from cpq_desktop.core.redaction import MASK, Redactor


def _every_pattern(text: str) -> str:
    for pattern, replacement in redaction._PATTERNS:
        text = pattern.sub(replacement, text)
    return text


KEYS = [
    "password",
    "PASSWORD",
    "new_password",
    "client_secret",
    "access_token",
    "refresh_Token",
    "sessionId",
    "session-id",
    "sid",
    "X-Api-Key",
    "api_key",
    "private_key",
    "accessKey",
    "assertion",
    "code_verifier",
    "Authorization",
    "x-sfdc-session",
    # letters re's IGNORECASE treats as ASCII ones: long s, dotless and dotted capital i, Kelvin sign
    "pa\u017fsword",
    "\u017f\u0130d",
    "ap\u0131_key",
    "to\u212aen",
    "orderNumber",
    "crmId__c",
    "name",
]
VALUES = ["hunter22", "abc def", 'q"uote', "00D5g000004ABCD!AQ4AQ.abcdef", "Bearer xyz123", "1234", ""]


def _texts() -> list[str]:
    rng = random.Random(7)
    texts = []
    for key in KEYS:
        for value in VALUES:
            texts.append(json.dumps({key: value, "other": "x"}))
            texts.append(f"{key}={value}&next=1")
            texts.append(f"<{key}>{value}</{key}>")
            texts.append(f"{key}: {value}")
            texts.append(repr({key: value}))
    words = [
        *KEYS,
        *VALUES,
        "{",
        "}",
        '"',
        ":",
        "=",
        " ",
        "&",
        "<",
        ">",
        "/",
        ",",
        "Bearer ",
        "eyJhbGciOi.eyJzdWIi.sig",
    ]
    for _ in range(2000):
        texts.append("".join(rng.choice(words) for _ in range(rng.randint(1, 12))))
    return texts


def test_the_fast_path_masks_exactly_what_every_pattern_masks() -> None:
    redactor = Redactor()
    for text in _texts():
        assert redactor.redact(text) == _every_pattern(text), text


@pytest.mark.parametrize(
    "body",
    [
        {"subscriptions": [{"orderActions": [{"type": "CreateSubscription"}]}], "orderDate": "2026-01-31"},
        {"basicInfo": {"accountNumber": "A00000001", "name": "Acme"}},
    ],
)
def test_ordinary_bodies_pass_unchanged(body: dict[str, object]) -> None:
    text = json.dumps(body)
    assert Redactor().redact(text) == text


def test_key_words_in_unusual_letters_are_still_masked() -> None:
    masked = Redactor().redact(
        json.dumps({"pa\u017fsword": "hunter22", "\u017f\u0130d": "abcd1234"}, ensure_ascii=False)
    )
    assert "hunter22" not in masked
    assert "abcd1234" not in masked
    assert masked.count(MASK) == 2
