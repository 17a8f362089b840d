"""The base of every CPQ graph model: typed fields read from a Salesforce REST record, with the record kept.

Typed fields are what the connector's own logic reads (ids, dates, quantities). The raw record — the
dict Salesforce returned, with parent relationships nested under their relationship names — stays on
the model so a mapping row can read any field path the extraction selected (``SBQQ__Quote__r.Name``).

Dates: a Salesforce ``date`` (``2024-01-31``) becomes a :class:`datetime.date` by parsing the text; it is
never a timestamp, so no time zone can move it. The raw record keeps the original string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

from cpq_desktop.core.mapping.records import resolve_path


class SfRecord(BaseModel):
    """One Salesforce record. Subclasses declare typed fields with the API name as alias."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    SOBJECT: ClassVar[str] = ""

    id: str = Field(alias="Id")
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> Self:
        """The typed record of ``raw`` (a REST record dict); raises pydantic's ValidationError if malformed."""
        record = dict(raw)
        return cls.model_validate({**record, "raw": record})

    def value(self, path: str) -> Any:
        """The raw value at a field path (``Name``, ``Account.Parent.Name``); ``None`` through an empty lookup."""
        return resolve_path(self.raw, path)

    @property
    def label(self) -> str:
        """``Order 8015g00000AbCdEAAA``: how messages name the record."""
        return f"{self.SOBJECT} {self.id}"
