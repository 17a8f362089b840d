"""The zuora-sdk request models made strict (zuora-api.md §8.2), and validation of planned requests with them.

The SDK's models skip validation out of the box; :func:`strict_models` undoes that once per process
(importing and rebuilding takes a while, so only tests that call it pay). :func:`validate_request`
checks one planned request against the model of its endpoint, after swapping the plan's placeholders
for realistic values (a 32-character id, an account number).
"""

from __future__ import annotations

import inspect
import sys
import typing
from functools import cache
from types import ModuleType
from typing import Any

from cpq_desktop.core.sync.plan import PlanStep, placeholders_in, resolve_body

# endpoint (method, path prefix) -> request model
_MODELS = (
    ("POST", "/v1/async/orders", "CreateOrderAsyncRequest"),
    ("POST", "/v1/orders", "CreateOrderRequest"),
    ("POST", "/v1/accounts", "CreateAccountRequest"),
    ("POST", "/v1/contacts", "CreateContactRequest"),
    ("PUT", "/v1/accounts/", "UpdateAccountRequest"),
    ("PUT", "/v1/contacts/", "UpdateContactRequest"),
    ("POST", "/v1/object/product-rate-plan-charge", "CreateProductRatePlanChargeRequest"),
    ("POST", "/v1/object/product-rate-plan", "CreateProductRatePlanRequest"),
    ("POST", "/v1/object/product", "CreateProductRequest"),
)
# bodies where custom fields are top-level properties (not in the SDK schema)
_TOP_LEVEL_CUSTOM = {"CreateAccountRequest", "UpdateAccountRequest", "CreateContactRequest", "UpdateContactRequest"}
_SAMPLE_OUTPUTS = {
    "Id": "8ad08c0f7f54e6b5017f6af6b0fa5b44",
    "accountId": "8ad087d2909293cb0190964171da0999",
    "accountNumber": "A00000214",
    "billToContactId": "8ad087d2909293cb019096417222099b",
    "soldToContactId": "8ad087d2909293cb01909641723e099e",
    "id": "8ad087d2909293cb01909641723e0aaa",
}


def _make_strict(models: ModuleType) -> None:
    from pydantic import BaseModel

    classes = [
        c for c in vars(models).values() if inspect.isclass(c) and issubclass(c, BaseModel) and c is not BaseModel
    ]
    for cls in classes:
        for attr in ("__init__", "__setattr__"):
            if attr in cls.__dict__:
                delattr(cls, attr)
        cls.__pydantic_custom_init__ = False
        cls.model_config["extra"] = "forbid"

    def children(cls: type[BaseModel]) -> list[type[BaseModel]]:
        found: list[type[BaseModel]] = []

        def walk(annotation: Any) -> None:
            for arg in typing.get_args(annotation) or ():
                walk(arg)
            if inspect.isclass(annotation) and issubclass(annotation, BaseModel) and annotation is not BaseModel:
                found.append(annotation)

        for field in cls.model_fields.values():
            walk(field.annotation)
        return found

    done: set[type[BaseModel]] = set()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))

    def rebuild(cls: type[BaseModel], stack: tuple[type[BaseModel], ...] = ()) -> None:
        if cls in done or cls in stack:
            return
        for child in children(cls):
            rebuild(child, (*stack, cls))
        cls.model_rebuild(force=True)  # leaves first, so nested schemas pick up strict children
        done.add(cls)

    for cls in classes:
        rebuild(cls)


@cache
def strict_models() -> ModuleType:
    """``zuora_sdk.models`` with strict validation and ``extra="forbid"`` (once per process)."""
    import zuora_sdk.models as models

    _make_strict(models)
    return models


def model_name(method: str, path: str) -> str:
    for want_method, prefix, name in _MODELS:
        if method == want_method and path.startswith(prefix):
            return name
    raise AssertionError(f"no SDK request model known for {method} {path}")


def sample_body(step: PlanStep) -> dict[str, Any]:
    """The step's body with its placeholders replaced by realistic values."""
    outputs = {p.step_id: dict(_SAMPLE_OUTPUTS) for p in placeholders_in(step.request.body)}
    resolved: dict[str, Any] = resolve_body(step.request.body, outputs)
    return resolved


def validate_request(models: ModuleType, step: PlanStep) -> None:
    """Raise pydantic's ValidationError when the step's request does not fit its endpoint's SDK model."""
    name = model_name(step.request.method, step.request.path)
    body = sample_body(step)
    if name in _TOP_LEVEL_CUSTOM:
        body = {k: v for k, v in body.items() if not k.endswith("__c")}
    getattr(models, name).model_validate(body)
