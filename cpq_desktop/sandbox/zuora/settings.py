"""Tenant settings: what a Zuora admin configures, persisted in the tenant's database.

Defaults model a tenant prepared for the CPQ connector: Orders and Order Line Items on, the connector's
custom fields defined (connector-spec.md §1.4), no activation/acceptance dates required, and the
``Zuora-Version`` a never-upgraded tenant answers with when a request sends none (zuora-api.md §1.4).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

CUSTOM_FIELD_TYPES = ("text", "picklist", "number", "date", "boolean")


@dataclass(frozen=True)
class CustomFieldDef:
    """One custom field of an object, as ``GET /v1/describe/{object}`` lists it."""

    name: str
    label: str
    type: str = "text"
    maxlength: int = 255
    indexed: bool = True
    options: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["options"] = list(self.options)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CustomFieldDef:
        name = str(data["name"])
        if not name.endswith("__c"):
            raise ValueError(f"custom field name {name!r} must end with '__c'")
        kind = str(data.get("type", "text"))
        if kind not in CUSTOM_FIELD_TYPES:
            raise ValueError(f"custom field type {kind!r} is not one of {', '.join(CUSTOM_FIELD_TYPES)}")
        return cls(
            name=name,
            label=str(data.get("label") or name.removesuffix("__c")),
            type=kind,
            maxlength=int(data.get("maxlength", 255)),
            indexed=bool(data.get("indexed", True)),
            options=tuple(str(o) for o in data.get("options", ())),
        )


def connector_custom_fields() -> dict[str, list[CustomFieldDef]]:
    """The custom fields the Billing Connector for Salesforce CPQ needs (connector-spec.md §1.4)."""
    return {
        "Contact": [
            CustomFieldDef("crmId__c", "crmId"),
            CustomFieldDef("crmOrderId__c", "crmOrderId"),
        ],
        "Subscription": [CustomFieldDef("SFDC_Contract__c", "Contract ID")],
    }


# Objects whose custom fields the tenant can define (the objects the Orders API and catalog carry).
CUSTOMIZABLE_OBJECTS = (
    "Account",
    "Contact",
    "Order",
    "OrderAction",
    "OrderLineItem",
    "Subscription",
    "RatePlan",
    "RatePlanCharge",
    "Product",
    "ProductRatePlan",
    "ProductRatePlanCharge",
)


@dataclass
class TenantSettings:
    """Everything about the tenant a test or the control API may change at run time."""

    tenant_id: int = 12270
    entity_id: str = "11e643f4-a3ee-8bad-b061-0025904c57d6"
    default_version: str = "186.0"
    default_currency: str = "USD"
    currencies: tuple[str, ...] = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY")
    orders_enabled: bool = True
    order_line_items_enabled: bool = True
    multi_currency_enabled: bool = True
    flexible_billing_attributes_enabled: bool = True
    require_service_activation: bool = False
    require_customer_acceptance: bool = False
    # Tax-enabled tenants refuse a bill-to contact without country and state (connector-spec.md §2.1).
    bill_to_requires_country_and_state: bool = True
    token_ttl_seconds: int = 3599
    # Fault knob: the share of authenticated calls whose token is found expired (and revoked) at once,
    # so a client's "401 -> new token -> retry once" path gets exercised at random.
    token_expiry_share: float = 0.0
    # Concurrency pools of zuora-api.md §7.3 (Default, High-volume transactions, Object Query).
    concurrency_default: int = 40
    concurrency_high_volume: int = 200
    concurrency_object_query: int = 80
    retry_after_seconds: int = 120
    # A request that takes longer gets a 504 from the gateway although its work completes (§3.1).
    gateway_timeout_seconds: float = 120.0
    rate_limit_per_minute: int = 50_000
    custom_fields: dict[str, list[CustomFieldDef]] = field(default_factory=connector_custom_fields)

    def custom_field_names(self, obj: str) -> set[str]:
        return {f.name for f in self.custom_fields.get(obj, [])}

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["currencies"] = list(self.currencies)
        data["custom_fields"] = {obj: [d.to_json() for d in defs] for obj, defs in self.custom_fields.items()}
        return data

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update (from a test or the control API); unknown names are refused."""
        known = {f.name: f for f in fields(self)}
        unknown = set(changes) - set(known)
        if unknown:
            raise ValueError(f"unknown tenant settings: {', '.join(sorted(unknown))}")
        staged = TenantSettings(**{f.name: getattr(self, f.name) for f in fields(self)})
        for name, value in changes.items():
            setattr(staged, name, _coerce(name, value, getattr(self, name)))
        staged._validate()
        for name in changes:
            setattr(self, name, getattr(staged, name))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TenantSettings:
        settings = cls()
        known = {f.name for f in fields(cls)}
        settings.update({k: v for k, v in data.items() if k in known})
        return settings

    def _validate(self) -> None:
        from cpq_desktop.sandbox.zuora.versions import ZuoraVersion

        ZuoraVersion.parse(self.default_version)
        for name in ("concurrency_default", "concurrency_high_volume", "concurrency_object_query"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not 0.0 <= self.token_expiry_share <= 1.0:
            raise ValueError("token_expiry_share must be between 0 and 1")
        if self.gateway_timeout_seconds <= 0:
            raise ValueError("gateway_timeout_seconds must be positive")
        if self.token_ttl_seconds < 1:
            raise ValueError("token_ttl_seconds must be at least 1")
        if self.default_currency not in self.currencies:
            raise ValueError(f"default_currency {self.default_currency} is not in currencies")
        unknown_objects = set(self.custom_fields) - set(CUSTOMIZABLE_OBJECTS)
        if unknown_objects:
            raise ValueError(f"custom fields on unknown objects: {', '.join(sorted(unknown_objects))}")


def _coerce(name: str, value: Any, current: Any) -> Any:
    if name == "custom_fields":
        return {
            str(obj): [d if isinstance(d, CustomFieldDef) else CustomFieldDef.from_json(d) for d in defs]
            for obj, defs in dict(value).items()
        }
    if name == "currencies":
        return tuple(str(c) for c in value)
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value
    if isinstance(current, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number")
        return float(value)
    if isinstance(current, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an integer")
        return value
    if isinstance(current, str):
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a string")
        return value
    return value
