"""The mapping file: versioned JSON, one section of rows per object pair, readable and diffable.

```json
{
  "schema_version": 1,
  "sections": {
    "Account->Account": [
      {"target": "name", "source": "Name"},
      {"target": "billCycleDay", "constant": 1},
      {"target": "Region__c", "source": "Owner.UserRole.Name"},
      {"target": "billingPeriod", "source": "SBQQ__BillingFrequency__c",
       "value_map": {"values": {"Monthly": "Month"}, "unmatched": "keep"}, "default": "Month"},
      {"target": "price", "source": "Per_Period_Price__c", "fallback": "SBQQ__NetPrice__c"}
    ]
  }
}
```

A row fills one Zuora *target* from exactly one of:

- ``source``: a Salesforce field of the section's object or a relationship path to a parent's field
  (``SBQQ__Product__r.ProductCode``), or ``derived:<name>``, a value the connector computes (see
  :mod:`cpq_desktop.core.mapping.derivations`);
- ``constant``: a fixed JSON value;
- ``omit``: ``true`` — the target is deliberately not sent (a default the spec lists as "not sent",
  or an admin switching a default off).

``fallback`` names a second field read when the source is blank; ``default`` is the value sent when
both are blank. ``when`` makes a row depend on a connector option (connector-spec §1.2): ``"trigger_dates_on_order"``
or ``"!trigger_dates_on_order"``. ``spec`` and ``why`` say where a default row comes from.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, model_validator

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.mapping.pairs import PAIRS

SCHEMA_VERSION: Literal[1] = 1
DERIVED_PREFIX = "derived:"

Scalar = StrictStr | StrictBool | StrictInt | StrictFloat

_IDENT = r"[A-Za-z][A-Za-z0-9_]*"
FIELD_PATH_RE = re.compile(rf"^{_IDENT}(\.{_IDENT})*$")
TARGET_RE = re.compile(rf"^{_IDENT}(/{_IDENT})*$")
DERIVED_RE = re.compile(rf"^{DERIVED_PREFIX}[a-z][a-z0-9_]*$")
OPTION_NAMES = frozenset(ConnectorOptions.model_fields)
ZUORA_CUSTOM_SUFFIX = "__c"


class SourceKind(StrEnum):
    FIELD = "field"
    DERIVED = "derived"
    CONSTANT = "constant"
    OMIT = "omit"


class _Strict(BaseModel):
    # A misspelt key in a hand-edited mapping must be reported, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueMap(_Strict):
    """Translate Salesforce picklist values into Zuora values (billing frequency -> billing period …)."""

    values: dict[str, Scalar] = Field(min_length=1)
    unmatched: Literal["error", "keep", "default"] = Field(
        default="error",
        description="a value not in `values`: fail the record, send it unchanged, or send `default`",
    )
    default: Scalar | None = None

    @model_validator(mode="after")
    def _default_goes_with_unmatched_default(self) -> ValueMap:
        if self.unmatched == "default" and self.default is None:
            raise ValueError("'unmatched' is \"default\" but no 'default' value is given")
        if self.unmatched != "default" and self.default is not None:
            raise ValueError("'default' is only used when 'unmatched' is \"default\"; set that or drop 'default'")
        return self


class MappingRow(_Strict):
    target: Annotated[str, Field(description="Zuora field: REST name, nested with '/', custom fields end __c")]
    source: str | None = Field(default=None, description="Salesforce field or relationship path, or derived:<name>")
    constant: Scalar | None = None
    omit: StrictBool = False
    when: str | None = Field(default=None, description="connector option the row depends on; '!' negates")
    fallback: str | None = Field(
        default=None,
        description="a second Salesforce field or path read when the source is blank (a custom 'price' "
        "field falling back to SBQQ__NetPrice__c, connector-spec §5.1)",
    )
    default: Scalar | None = Field(default=None, description="value sent when the source (and fallback) is blank")
    value_map: ValueMap | None = None
    date_format: str | None = Field(
        default=None, description="strftime pattern for a date or date-time source (Zuora wants %Y-%m-%d)"
    )
    optional: StrictBool = Field(
        default=False,
        description="the source field may not exist in every org (CurrencyIsoCode, custom lookups); "
        "when it is absent the target is not sent",
    )
    spec: list[str] = Field(default_factory=list, description="where a default row comes from")
    why: str | None = None

    @model_validator(mode="after")
    def _check_shape(self) -> MappingRow:
        if not TARGET_RE.match(self.target):
            raise ValueError(
                f"target {self.target!r} is not a Zuora field name: use letters, digits and '_', "
                "with '/' for nested fields (taxInfo/VATId)"
            )
        given = [
            name
            for name, present in (
                ("source", self.source is not None),
                ("constant", self.constant is not None),
                ("omit", self.omit),
            )
            if present
        ]
        if len(given) != 1:
            raise ValueError(
                f"row for {self.target!r} needs exactly one of 'source', 'constant' or 'omit: true' "
                f"(it has {', '.join(given) if given else 'none'})"
            )
        if self.source is not None and not (FIELD_PATH_RE.match(self.source) or DERIVED_RE.match(self.source)):
            raise ValueError(
                f"source {self.source!r} is neither a Salesforce field or relationship path "
                "(Name, SBQQ__Product__r.ProductCode) nor derived:<name>"
            )
        if self.fallback is not None and not FIELD_PATH_RE.match(self.fallback):
            raise ValueError(f"fallback {self.fallback!r} is not a Salesforce field or relationship path")
        if self.when is not None and self.when.removeprefix("!") not in OPTION_NAMES:
            raise ValueError(
                f"'when' names {self.when!r}, which is not a connector option; use one of "
                f"{', '.join(sorted(OPTION_NAMES))} (prefix '!' for off)"
            )
        if self.source is None and (self.value_map or self.date_format or self.fallback or self.default is not None):
            raise ValueError(f"row for {self.target!r}: value_map, date_format, fallback and default need a 'source'")
        return self

    @property
    def kind(self) -> SourceKind:
        if self.omit:
            return SourceKind.OMIT
        if self.source is None:
            return SourceKind.CONSTANT
        return SourceKind.DERIVED if self.source.startswith(DERIVED_PREFIX) else SourceKind.FIELD

    @property
    def derivation(self) -> str | None:
        """The derivation's name for a ``derived:`` row."""
        if self.source is not None and self.source.startswith(DERIVED_PREFIX):
            return self.source.removeprefix(DERIVED_PREFIX)
        return None

    @property
    def field_path(self) -> str | None:
        """The Salesforce field or relationship path for a field row."""
        return self.source if self.kind is SourceKind.FIELD else None

    @property
    def is_custom_target(self) -> bool:
        return self.target.endswith(ZUORA_CUSTOM_SUFFIX)

    @property
    def key(self) -> tuple[str, str | None]:
        """What an override row replaces: the target, under the same option condition."""
        return (self.target, self.when)

    def applies(self, options: ConnectorOptions) -> bool:
        if self.when is None:
            return True
        wanted = not self.when.startswith("!")
        return bool(getattr(options, self.when.removeprefix("!"))) is wanted

    def describe_source(self) -> str:
        """The row's source in words, for lists and messages."""
        if self.kind is SourceKind.OMIT:
            return "(not sent)"
        if self.kind is SourceKind.CONSTANT:
            return f"constant {self.constant!r}"
        assert self.source is not None
        return self.source


class MappingFile(_Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    description: str | None = None
    sections: dict[str, list[MappingRow]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sections_are_known_pairs(self) -> MappingFile:
        unknown = [name for name in self.sections if name not in PAIRS]
        if unknown:
            raise ValueError(
                f"unknown object pair {', '.join(repr(n) for n in unknown)}; the sections a mapping can have "
                f"are {', '.join(PAIRS)}"
            )
        return self

    def rows(self, pair_id: str) -> list[MappingRow]:
        return list(self.sections.get(pair_id, ()))
