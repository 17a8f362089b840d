"""Every Zuora target the mapping knows is a real field of the request body it ends up in.

The field names are read from the zuora-sdk model sources (their ``__properties`` lists) without
importing the SDK, which takes ~15 s.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from functools import cache
from pathlib import Path

import pytest

from cpq_desktop.core.mapping import PAIRS, default_mapping

# pair -> the SDK model (module file) of the request body its targets belong to
BODY_MODELS = {
    "Account->Account": ("order_create_account",),
    "Contact->Contact": ("order_create_account_contact",),
    "Order->Order": ("create_order_request",),
    "Opportunity->Order": ("create_order_request",),
    "SBQQ__Subscription__c->Subscription": ("create_order_create_subscription", "create_order_subscription"),
    "OrderItem->SubscriptionRatePlan": ("create_order_rate_plan_override",),
    "SBQQ__OrderItemConsumptionSchedule__c->SubscriptionRatePlan": ("create_order_rate_plan_override",),
    "SBQQ__Subscription__c->SubscriptionRatePlanCharge": ("charge_override",),
    "OrderItem->OrderLineItem": ("create_order_order_line_item",),
    "SBQQ__OrderItemConsumptionRate__c->ChargeTier": ("charge_tier",),
    "Product2->Product": ("create_product_request",),
    "Product2->ProductRatePlan": ("create_product_rate_plan_request",),
    "Product2->ProductRatePlanCharge": ("create_product_rate_plan_charge_request",),
    "ProductConsumptionSchedule->ProductRatePlan": ("create_product_rate_plan_request",),
    "ProductConsumptionSchedule->ProductRatePlanCharge": ("create_product_rate_plan_charge_request",),
}
# nested containers -> the model of their children
NESTED_MODELS = {
    "terms": "order_action_create_subscription_terms",
    "initialTerm": "initial_term",
    "quote": "quote_object_fields",
    "taxInfo": "tax_info",
}


@cache
def _properties(module: str) -> frozenset[str]:
    spec = importlib.util.find_spec("zuora_sdk")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("zuora-sdk is not installed (pip install -e '.[test]')")
    source = (Path(spec.submodule_search_locations[0]) / "models" / f"{module}.py").read_text(encoding="utf-8")
    match = re.search(r"__properties: ClassVar\[List\[str\]\] = (\[.*?\])", source)
    assert match, f"no __properties in zuora_sdk/models/{module}.py"
    return frozenset(ast.literal_eval(match.group(1)))


def _is_field(modules: tuple[str, ...], path: str) -> bool:
    head, _, rest = path.partition("/")
    if not any(head in _properties(m) for m in modules):
        return False
    return not rest or _is_field((NESTED_MODELS[head],), rest)


def test_every_pair_has_its_body_model() -> None:
    assert set(BODY_MODELS) == set(PAIRS)


@pytest.mark.parametrize("pair_id", list(PAIRS))
def test_known_targets_are_fields_of_the_zuora_request_body(pair_id: str) -> None:
    modules = BODY_MODELS[pair_id]
    wrong = [t.name for t in PAIRS[pair_id].targets if not t.logical and not _is_field(modules, t.name)]
    assert not wrong, f"{pair_id}: not fields of {modules}: {wrong}"


def test_default_rows_fill_real_fields_or_declared_logical_targets() -> None:
    for pair_id, rows in default_mapping().sections.items():
        pair = PAIRS[pair_id]
        for row in rows:
            if row.is_custom_target:
                continue
            assert pair.target(row.target) is not None, f"{pair_id}: default target {row.target!r} is not declared"
