"""The Salesforce REST error envelope, raised by the store and the SOQL engine and rendered by the HTTP layer."""

from __future__ import annotations

from typing import Any


class SalesforceApiError(Exception):
    """An error the real API would answer with ``status`` and ``[{"message", "errorCode", "fields"}]``."""

    def __init__(self, status: int, error_code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        """The JSON body of the error response: always a list, as the real API sends it."""
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            entry["fields"] = list(self.fields)
        return [entry]

    def collection_error(self) -> dict[str, Any]:
        """The error as it appears inside sObject Collections results (``statusCode``, not ``errorCode``)."""
        return {"statusCode": self.error_code, "message": self.message, "fields": list(self.fields or [])}


def not_found() -> SalesforceApiError:
    return SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")


def entity_is_deleted() -> SalesforceApiError:
    return SalesforceApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
