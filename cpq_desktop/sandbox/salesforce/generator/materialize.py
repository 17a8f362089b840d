"""Write a :class:`RecordBuffer` to an :class:`OrgStore`: one bulk insert per object, then the lookups that
pointed forward (cycles and self-references) in one bulk update per field.
"""

from __future__ import annotations

from typing import Any

from cpq_desktop.sandbox.salesforce.generator.records import RecordBuffer, Ref
from cpq_desktop.sandbox.salesforce.store import OrgStore, quote_ident

# Parents before children wherever the graph allows; the remaining back-edges are resolved afterwards.
INSERT_ORDER: tuple[str, ...] = (
    "User",
    "Account",
    "Contact",
    "Pricebook2",
    "Product2",
    "PricebookEntry",
    "ConsumptionSchedule",
    "ConsumptionRate",
    "ProductConsumptionSchedule",
    "Opportunity",
    "SBQQ__Quote__c",
    "Order",
    "Contract",
    "SBQQ__QuoteLine__c",
    "OrderItem",
    "SBQQ__Subscription__c",
    "SBQQ__OrderItemConsumptionSchedule__c",
    "SBQQ__OrderItemConsumptionRate__c",
)


def write_buffer(store: OrgStore, buffer: RecordBuffer) -> dict[Ref, str]:
    """Insert every buffered row; returns the id each :class:`Ref` received."""
    unknown = set(buffer.rows) - set(INSERT_ORDER)
    if unknown:
        raise ValueError(f"no insert order for generated objects: {', '.join(sorted(unknown))}")
    # A single-currency org has no CurrencyIsoCode fields; its generated rows are all in the corporate currency.
    skipped = frozenset() if store.multi_currency else frozenset({"CurrencyIsoCode"})
    resolved: dict[Ref, str] = {}
    # (sobject, field) -> [(row index, target)]
    deferred: dict[tuple[str, str], list[tuple[int, Ref]]] = {}
    for sobject in INSERT_ORDER:
        rows = buffer.rows.get(sobject)
        if not rows:
            continue
        # Values the store would fill in anyway: leaving them out spares it a conversion per field.
        implied = _implied_values(store, sobject)
        prepared: list[dict[str, Any]] = []
        for index, row in enumerate(rows):
            values: dict[str, Any] = {}
            for name, value in row.items():
                if value is None or name in skipped or (name in implied and implied[name] == value):
                    continue
                if isinstance(value, Ref):
                    target = resolved.get(value)
                    if target is None:
                        deferred.setdefault((sobject, name), []).append((index, value))
                        continue
                    values[name] = target
                else:
                    values[name] = value
            prepared.append(values)
        for index, record_id in enumerate(store.insert_many(sobject, prepared)):
            resolved[Ref(sobject, index)] = record_id
    with store.lock:
        connection = store.connection
        for (sobject, name), pending in deferred.items():
            obj = store.object_def(sobject)
            column = obj.field(name)
            if column is None:
                raise ValueError(f"{sobject}.{name} is not in the org schema")
            connection.executemany(
                f"UPDATE {quote_ident(obj.name)} SET {quote_ident(column.name)} = ? WHERE Id = ?",
                [(resolved[target], resolved[Ref(sobject, index)]) for index, target in pending],
            )
    return resolved


def _implied_values(store: OrgStore, sobject: str) -> dict[str, Any]:
    """Field values a new record of ``sobject`` gets without being told: unticked checkboxes, the creator."""
    obj = store.object_def(sobject)
    implied: dict[str, Any] = {
        field.name: False for field in obj.iter_fields() if field.type == "boolean" and not field.default_value
    }
    implied["CreatedById"] = store.default_user_id
    implied["LastModifiedById"] = store.default_user_id
    return implied
