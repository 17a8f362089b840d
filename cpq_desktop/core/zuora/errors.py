"""What can go wrong talking to Zuora, classified by what the caller should do about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ZuoraReason:
    """One entry of a v1 error body's ``reasons`` list (the code is an 8-digit integer on the wire)."""

    code: int | str
    message: str

    @property
    def category(self) -> int | None:
        """The two-digit error category (zuora-api.md §7.1): 20 invalid value, 30 business rule, 70 limit…"""
        text = str(self.code)
        return int(text[-2:]) if text.isdigit() and len(text) == 8 else None


class ZuoraError(Exception):
    """Base class; the message says what happened and what to do, never a secret or token."""


class ZuoraAuthError(ZuoraError):
    """The OAuth client id or secret was refused, or a renewed token was refused again."""


class ZuoraConnectionError(ZuoraError):
    """The tenant could not be reached (DNS, TLS, refused, timed out) after all retries."""


class ZuoraOutcomeUnknown(ZuoraError):
    """A write was sent but no answer came back, and it was not safe to send it again.

    The caller must look the result up in Zuora (by order number, CRM id…) before writing again.
    """


@dataclass
class ZuoraApiError(ZuoraError):
    """Zuora answered with an error: a business error (fails the record) or retries ran out."""

    status: int
    method: str
    path: str
    reasons: list[ZuoraReason] = field(default_factory=list)
    request_id: str | None = None
    body: Any = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @property
    def retryable(self) -> bool:
        """True for transient failures (limits, lock contention, server errors); False for business errors."""
        if self.status in (409, 429) or self.status >= 500:
            return True
        return any(r.category in (50, 61, 70) for r in self.reasons)

    def __str__(self) -> str:
        detail = "; ".join(f"{r.message} (code {r.code})" for r in self.reasons) or "no details in the answer"
        where = f"{self.method} {self.path}"
        ref = f" [Zuora-Request-Id {self.request_id}]" if self.request_id else ""
        return f"Zuora refused {where} with HTTP {self.status}: {detail}{ref}"


def reasons_from_body(body: Any) -> list[ZuoraReason]:
    """Read the error entries of any of Zuora's error body families (zuora-api.md §7.1)."""
    if not isinstance(body, dict):
        return []
    reasons = body.get("reasons")
    if isinstance(reasons, list):
        return [
            ZuoraReason(code=r.get("code", ""), message=str(r.get("message", "")))
            for r in reasons
            if isinstance(r, dict)
        ]
    crud_errors = body.get("Errors")
    if isinstance(crud_errors, list):
        return [
            ZuoraReason(code=e.get("Code", ""), message=str(e.get("Message", "")))
            for e in crud_errors
            if isinstance(e, dict)
        ]
    if "FaultCode" in body:
        return [ZuoraReason(code=str(body["FaultCode"]), message=str(body.get("FaultMessage", "")))]
    if "message" in body:
        return [ZuoraReason(code=body.get("code", ""), message=str(body["message"]))]
    return []
