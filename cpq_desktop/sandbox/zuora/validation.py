"""Request-body checks for the account, contact and catalog endpoints, reported as Zuora reasons.

Each endpoint declares its keys as a ``dict[str, Spec]``. :func:`check` walks a body, collects every
problem (missing required key: category 22, unknown key: 21, wrong type or value: 20) and raises one
:class:`ApiError` listing them all, the way Zuora lists several ``reasons``. Top-level custom fields
(``Foo__c``) are checked against the tenant's definitions for the object.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cpq_desktop.sandbox.zuora.errors import ApiError, code
from cpq_desktop.sandbox.zuora.settings import CustomFieldDef, TenantSettings

MAX_AMOUNT = 9_999_999_999_999.99
MAX_REASONS = 20
# Zuora-managed integration fields (NetSuite, Quotes) behave like custom fields nobody declared.
MANAGED_SUFFIXES = ("__NS", "__QT")


@dataclass(frozen=True)
class Spec:
    """One key: its kind (str, int, num, bool, date, obj, list, strs, any) and constraints."""

    kind: str
    required: bool = False
    max_len: int | None = None
    min_len: int = 0
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    fields: Mapping[str, Spec] | None = None
    custom_object: str | None = None


def text(max_len: int | None = None, *, required: bool = False, min_len: int = 0, enum: tuple[str, ...] = ()) -> Spec:
    return Spec("str", required=required, max_len=max_len, min_len=min_len, enum=enum)


def integer(*, required: bool = False, minimum: float | None = None, maximum: float | None = None) -> Spec:
    return Spec("int", required=required, minimum=minimum, maximum=maximum)


def number(*, required: bool = False, minimum: float | None = None) -> Spec:
    return Spec("num", required=required, minimum=minimum)


def boolean(*, required: bool = False) -> Spec:
    return Spec("bool", required=required)


def date(*, required: bool = False) -> Spec:
    return Spec("date", required=required)


def obj(fields: Mapping[str, Spec], *, required: bool = False, custom_object: str | None = None) -> Spec:
    return Spec("obj", required=required, fields=fields, custom_object=custom_object)


def objects(fields: Mapping[str, Spec], *, required: bool = False) -> Spec:
    return Spec("list", required=required, fields=fields)


def strings(*, required: bool = False) -> Spec:
    return Spec("strs", required=required)


ANY = Spec("any")

_KIND_TEXT = {
    "str": "a string",
    "int": "an integer",
    "num": "a number",
    "bool": "true or false",
    "date": "a date in the format YYYY-MM-DD",
    "obj": "an object",
    "list": "an array of objects",
    "strs": "an array of strings",
}


def parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def is_custom_name(key: str) -> bool:
    return key.endswith("__c") or key.endswith(MANAGED_SUFFIXES)


class Checker:
    def __init__(self, resource: int, settings: TenantSettings) -> None:
        self.resource = resource
        self.settings = settings
        self.reasons: list[tuple[int, str]] = []

    def add(self, category: int, message: str) -> None:
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append((code(self.resource, category), message))

    def walk(self, body: Mapping[str, Any], fields: Mapping[str, Spec], path: str, custom_object: str | None) -> None:
        where = f" (in {path})" if path else ""
        for key, required in fields.items():
            if required.required and (body.get(key) is None or body.get(key) == ""):
                self.add(22, f"'{key}' may not be empty{where}")
        for key, value in body.items():
            spec = fields.get(key)
            if spec is None:
                if custom_object is not None and is_custom_name(key):
                    self.custom(custom_object, key, value, where)
                else:
                    self.add(21, f"Field '{key}' is not recognised{where}")
                continue
            if value is None:
                continue
            self.value(key, value, spec, f"{path}.{key}" if path else key, where)

    def value(self, key: str, value: Any, spec: Spec, path: str, where: str) -> None:
        kind = spec.kind
        if kind == "any":
            return
        if not _is_kind(value, kind):
            self.add(20, f"'{key}' value should be {_KIND_TEXT[kind]}{where}")
            return
        if kind == "str":
            if spec.max_len is not None and len(value) > spec.max_len:
                self.add(20, f"'{key}' must be at most {spec.max_len} characters long{where}")
            elif len(value) < spec.min_len:
                self.add(20, f"'{key}' must be at least {spec.min_len} characters long{where}")
            if spec.enum and value not in spec.enum:
                self.add(20, f"'{key}' value should be one of: {', '.join(spec.enum)}{where}")
        elif kind in ("int", "num"):
            low, high = spec.minimum, spec.maximum
            if abs(value) > MAX_AMOUNT or (low is not None and value < low) or (high is not None and value > high):
                bounds = f" (allowed: {low if low is not None else '…'} to {high if high is not None else '…'})"
                self.add(20, f"'{key}' value {value} is out of range{bounds}{where}")
        elif kind == "obj":
            assert spec.fields is not None
            self.walk(value, spec.fields, path, spec.custom_object)
        elif kind == "list":
            assert spec.fields is not None
            for index, item in enumerate(value):
                self.walk(item, spec.fields, f"{path}[{index}]", spec.custom_object)

    def custom(self, obj_name: str, key: str, value: Any, where: str) -> None:
        if key.endswith(MANAGED_SUFFIXES):
            return
        definition = next((d for d in self.settings.custom_fields.get(obj_name, []) if d.name == key), None)
        if definition is None:
            self.add(
                21,
                f"Custom field '{key}' is not defined on the {obj_name} object{where}. "
                "Create it in the tenant (custom field settings) or remove it from the request.",
            )
            return
        if value is None:
            return
        problem = custom_value_problem(definition, value)
        if problem:
            self.add(20, f"Custom field '{key}' {problem}{where}")


def check(
    body: Mapping[str, Any],
    fields: Mapping[str, Spec],
    resource: int,
    settings: TenantSettings,
    *,
    custom_object: str | None = None,
) -> None:
    """Raise one :class:`ApiError` with every problem of ``body``; return quietly if it is fine."""
    checker = Checker(resource, settings)
    checker.walk(body, fields, "", custom_object)
    if checker.reasons:
        # Missing required fields first: that is the problem a client should fix first.
        checker.reasons.sort(key=lambda r: {22: 0, 21: 1}.get(r[0] % 100, 2))
        raise ApiError(checker.reasons, crud_code=_crud_code(checker.reasons[0][0] % 100))


def _crud_code(category: int) -> str:
    return {22: "MISSING_REQUIRED_VALUE", 21: "INVALID_FIELD"}.get(category, "INVALID_VALUE")


def custom_value_problem(definition: CustomFieldDef, value: Any) -> str | None:
    kind = definition.type
    if kind == "number":
        if isinstance(value, bool):
            return "must be a number"
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return "must be a number"
            return None
        return None if isinstance(value, int | float) else "must be a number"
    if kind == "boolean":
        return None if isinstance(value, bool) or value in ("true", "false") else "must be true or false"
    if kind == "date":
        return None if parse_date(value) else "must be a date (YYYY-MM-DD)"
    if not isinstance(value, str):
        return "must be a string"
    if len(value) > definition.maxlength:
        return f"must be at most {definition.maxlength} characters long"
    if kind == "picklist" and definition.options and value not in definition.options:
        return f"must be one of: {', '.join(definition.options)}"
    return None


def custom_values(body: Mapping[str, Any]) -> dict[str, Any]:
    """The top-level custom fields of a body (``Foo__c`` and managed ``__NS``/``__QT`` keys)."""
    return {k: v for k, v in body.items() if is_custom_name(k)}


def _is_kind(value: Any, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "num":
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "date":
        return parse_date(value) is not None
    if kind == "obj":
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if kind == "strs":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return True
