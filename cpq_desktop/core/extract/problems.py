"""What can go wrong while reading Salesforce: per record (reported, the rest goes on) or for the whole run."""

from __future__ import annotations

from pydantic import BaseModel


class ExtractionError(Exception):
    """The extraction cannot go on at all (a query Salesforce rejects, the API limit, no connection).
    The message says what happened and what to do."""


class ExtractionCancelled(ExtractionError):
    """The admin stopped the sync while Salesforce was being read; nothing was planned or written."""


class ExtractionProblem(BaseModel):
    """One record that could not be read or is inconsistent; the message says what to fix in Salesforce."""

    sobject: str
    record_id: str | None = None
    message: str

    def __str__(self) -> str:
        return self.message
