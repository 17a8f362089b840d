"""Zuora's error vocabulary: 8-digit codes, categories, and the body shape of each API family.

A v1 code is a 6-digit resource code (the object/field) followed by a 2-digit category; the category
decides the HTTP status on ``Zuora-Version`` >= 2024-05-20 and older versions answer HTTP 200 with
``success: false`` (zuora-api.md §7.1). Handlers raise :class:`ApiError`; the app renders it in the
shape of the route's family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

# Category -> HTTP status (zuora-api.md §7.1 table).
CATEGORY_STATUS: dict[int, int] = {
    10: 403,
    11: 401,
    20: 400,
    21: 400,
    22: 400,
    23: 400,
    27: 400,
    30: 400,
    40: 404,
    45: 405,
    50: 409,
    60: 500,
    61: 500,
    70: 429,
    90: 400,
    99: 500,
}

# Resource codes (first six digits) used by the emulator. 500000 = unknown object/field, generic.
RES_GENERIC = 500000
RES_ACCOUNT = 500200
RES_CONTACT = 500300
RES_PRODUCT = 510100
RES_PRODUCT_RATE_PLAN = 510200
RES_PRODUCT_RATE_PLAN_CHARGE = 510300
RES_OBJECT_QUERY = 500600
RES_IDEMPOTENCY = 500700

CONCURRENCY_MESSAGE = (
    "The total number of concurrent requests has exceeded the limit allowed by the system. "
    "Please resubmit your request later."
)
LOCK_MESSAGE = "The object is being modified by another process. Please retry the request later."


class Family(Enum):
    """Which error shape a route speaks (zuora-api.md §7.1)."""

    V1 = "v1"
    CRUD = "crud"
    ACTION = "action"
    OBJECT_QUERY = "object-query"
    OAUTH = "oauth"
    CONTROL = "control"


def code(resource: int, category: int) -> int:
    return resource * 100 + category


@dataclass
class ApiError(Exception):
    """An error answer. ``reasons`` are ``(code, message)``; the first reason's category sets the status.

    ``crud_code`` is the SOAP-style code (``INVALID_VALUE``…) used by ``/v1/object/*`` and ZOQL routes.
    ``status`` forces an HTTP status regardless of version (gateway-level errors such as 429).
    """

    reasons: list[tuple[int, str]]
    crud_code: str = "INVALID_VALUE"
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.reasons[0][1] if self.reasons else "error")

    @classmethod
    def of(cls, resource: int, category: int, message: str, *, crud_code: str = "INVALID_VALUE") -> ApiError:
        return cls([(code(resource, category), message)], crud_code=crud_code)

    @property
    def category(self) -> int:
        return self.reasons[0][0] % 100 if self.reasons else 60

    @property
    def message(self) -> str:
        return "; ".join(m for _, m in self.reasons)


def invalid_value(resource: int, message: str) -> ApiError:
    return ApiError.of(resource, 20, message, crud_code="INVALID_VALUE")


def missing_field(resource: int, name: str) -> ApiError:
    return ApiError.of(resource, 22, f"'{name}' may not be empty", crud_code="MISSING_REQUIRED_VALUE")


def business_rule(resource: int, message: str) -> ApiError:
    return ApiError.of(resource, 30, message, crud_code="INVALID_VALUE")


def not_found(resource: int, message: str) -> ApiError:
    return ApiError.of(resource, 40, message, crud_code="INVALID_ID")


def malformed(message: str) -> ApiError:
    return ApiError.of(RES_GENERIC, 90, message, crud_code="MALFORMED_QUERY")


def v1_body(err: ApiError, process_id: str, request_id: str) -> dict[str, Any]:
    return {
        "success": False,
        "processId": process_id,
        "reasons": [{"code": c, "message": m} for c, m in err.reasons],
        "requestId": request_id,
    }


def crud_body(err: ApiError) -> dict[str, Any]:
    return {"Errors": [{"Code": err.crud_code, "Message": m} for _, m in err.reasons], "Success": False}


def action_body(err: ApiError) -> dict[str, Any]:
    return {"FaultCode": err.crud_code, "FaultMessage": err.message}


def object_query_body(err: ApiError, request_id: str) -> dict[str, Any]:
    return {"reasons": [{"code": c, "message": m} for c, m in err.reasons], "requestId": request_id}
