"""Conversions between API values (JSON), SQLite column values and the wire format of each Salesforce field type."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from . import ids
from .errors import SalesforceApiError
from .schema import NUMBER_TYPES, TEXT_TYPES, FieldDef

_DATETIME_INPUT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE
)
_DATE_INPUT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT_MAX = 2**31 - 1


def sql_type(fdef: FieldDef) -> str:
    if fdef.type in ("int", "boolean"):
        return "INTEGER"
    if fdef.type in NUMBER_TYPES:
        return "REAL"
    return "TEXT"


def format_datetime(moment: datetime) -> str:
    """The wire form of a datetime: UTC, milliseconds, offset without a colon (``2024-01-15T10:00:00.000+0000``)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime | None:
    """A timezone-aware datetime from ISO-8601 text (``Z``, ``+00:00`` or ``+0000`` offsets; none means UTC)."""
    match = _DATETIME_INPUT.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, UTC)
    except ValueError:
        return None
    if offset and offset.upper() != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        delta_minutes = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        moment -= timedelta(minutes=delta_minutes)
    return moment


def parse_date(text: str) -> date | None:
    if not _DATE_INPUT.match(text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _json_token(value: object) -> str:
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, int):
        return "VALUE_NUMBER_INT"
    if isinstance(value, float):
        return "VALUE_NUMBER_FLOAT"
    if isinstance(value, str):
        return "VALUE_STRING"
    return "START_ARRAY" if isinstance(value, list | tuple) else "START_OBJECT"


def _deserialize_error(fdef: FieldDef, value: object) -> SalesforceApiError:
    kind = {"datetime": "dateTime", "int": "int", "boolean": "boolean", "date": "date"}.get(fdef.type, "double")
    if fdef.type in TEXT_TYPES or fdef.type in ("id", "reference"):
        kind = "String"
    token = _json_token(value)
    shown = f" {value}" if token.startswith("VALUE_") else ""
    return SalesforceApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from {token} value{shown} or request may be missing a required "
        f"field: {fdef.name} takes a JSON {_expected(fdef)}",
        [fdef.name],
    )


def _expected(fdef: FieldDef) -> str:
    return {
        "boolean": "true or false",
        "int": "integer",
        "date": "string like 2024-01-31",
        "datetime": "string like 2024-01-31T17:05:09.000+0000",
    }.get(fdef.type, "number" if fdef.type in NUMBER_TYPES else "string")


def to_db(fdef: FieldDef, value: object, reference_prefixes: frozenset[str] = frozenset()) -> object:
    """Validate an API value for ``fdef`` and convert it to its column value; raises the error the API returns."""
    if value is None or value == "":
        # An empty string clears a field of any type, as on the real API.
        return None
    kind = fdef.type
    if kind in TEXT_TYPES:
        return _to_text(fdef, value)
    if kind in ("id", "reference"):
        return _to_id(fdef, value, reference_prefixes)
    if kind in NUMBER_TYPES:
        return _to_number(fdef, value)
    if kind == "boolean":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return int(value.lower() == "true")
        raise _deserialize_error(fdef, value)
    if not isinstance(value, str):
        raise _deserialize_error(fdef, value)
    converted = _date_text(value) if kind == "date" else _datetime_text(value)
    if converted is None:
        raise _deserialize_error(fdef, value)
    return converted


def _to_text(fdef: FieldDef, value: object) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, int | float):
        # JSON numbers are accepted into text fields, as the real API's deserializer does.
        value = str(value)
    if not isinstance(value, str):
        raise _deserialize_error(fdef, value)
    if fdef.length and len(value) > fdef.length:
        raise SalesforceApiError(
            400,
            "STRING_TOO_LONG",
            f"{fdef.label}: data value too large: {value[:40]}{'...' if len(value) > 40 else ''} "
            f"(max length={fdef.length})",
            [fdef.name],
        )
    return value


def _to_id(fdef: FieldDef, value: object, reference_prefixes: frozenset[str]) -> str:
    if not isinstance(value, str):
        raise _deserialize_error(fdef, value)
    record_id = ids.normalize(value)
    if record_id is None:
        raise SalesforceApiError(400, "MALFORMED_ID", f"{fdef.label}: id value of incorrect type: {value}", [fdef.name])
    if reference_prefixes and record_id[:3] not in reference_prefixes:
        raise SalesforceApiError(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            f"field integrity exception: unknown (id value of incorrect type: {value})",
            [fdef.name],
        )
    return record_id


def _to_number(fdef: FieldDef, value: object) -> float | int:
    number: float
    if isinstance(value, bool):
        raise _deserialize_error(fdef, value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise _deserialize_error(fdef, value) from None
    else:
        raise _deserialize_error(fdef, value)
    if number != number or number in (float("inf"), float("-inf")):
        raise _deserialize_error(fdef, value)
    if fdef.type == "int":
        if number != int(number):
            raise _deserialize_error(fdef, value)
        if abs(number) > _INT_MAX:
            raise SalesforceApiError(
                400,
                "JSON_PARSER_ERROR",
                f"Numeric value ({value}) out of range of int for field {fdef.name}: "
                f"use a whole number between -{_INT_MAX} and {_INT_MAX}",
                [fdef.name],
            )
        return int(number)
    if fdef.precision and abs(number) >= 10.0 ** (fdef.precision - fdef.scale):
        raise SalesforceApiError(
            400,
            "NUMBER_OUTSIDE_VALID_RANGE",
            f"{fdef.label}: value outside of valid range on numeric field: {value} "
            f"(at most {fdef.precision - fdef.scale} digits before the decimal point)",
            [fdef.name],
        )
    return number


# Bulk loads repeat the same dates and timestamps many times over, hence the caches.
@lru_cache(maxsize=8192)
def _date_text(text: str) -> str | None:
    parsed = parse_date(text)
    if parsed is None:
        moment = parse_datetime(text)
        return None if moment is None else moment.date().isoformat()
    return parsed.isoformat()


@lru_cache(maxsize=8192)
def _datetime_text(text: str) -> str | None:
    moment = parse_datetime(text)
    return None if moment is None else format_datetime(moment)


def from_db(fdef: FieldDef, value: object) -> object:
    """The JSON value of a column value, typed as the real API returns it."""
    if value is None:
        return None
    kind = fdef.type
    if kind == "boolean":
        return bool(value)
    if kind == "int":
        return int(value)  # type: ignore[call-overload]
    if kind in NUMBER_TYPES:
        return float(value)  # type: ignore[arg-type]
    return value
