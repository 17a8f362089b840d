"""Repeating a read after a transient failure: extraction only reads, so a repeat is always safe."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError

Runner = Callable[[Callable[[Salesforce], Any]], Any]
T = TypeVar("T")


class RetryingCall:
    """``SalesforceConnection.call`` that repeats a read after a transient failure (a dropped connection,
    a lost response, a 5xx answer), waiting ``backoff_s``, then twice that, between attempts. Extraction
    only reads, so repeating a call is always safe."""

    def __init__(self, run: Runner, *, retries: int = 2, backoff_s: float = 0.5) -> None:
        self._run = run
        self.retries = retries
        self.backoff_s = backoff_s

    def __call__(self, operation: Callable[[Salesforce], T]) -> T:
        attempt = 0
        while True:
            try:
                result: T = self._run(operation)
                return result
            except (requests.ConnectionError, requests.Timeout):
                if attempt >= self.retries:
                    raise
            except SalesforceError as exc:
                if attempt >= self.retries or not isinstance(exc.status, int) or exc.status < 500:
                    raise
            time.sleep(self.backoff_s * 2**attempt)
            attempt += 1
