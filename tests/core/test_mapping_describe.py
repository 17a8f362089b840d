"""Mappings checked against describe metadata, in the JSON shape of ``/sobjects/{T}/describe``.

The describes come from the sandbox org's schema (the same JSON its REST endpoint serves), edited per
test to play an org with other fields, field-level security or permissions.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.mapping import MappingFile, describe_dir_lookup, validate_file, validate_mapping
from cpq_desktop.sandbox.salesforce.describe import describe_sobject
from cpq_desktop.sandbox.salesforce.schema import build_schema

Describes = dict[str, dict[str, Any]]


def _org(*, multi_currency: bool = True) -> Describes:
    schema = build_schema(multi_currency=multi_currency)
    return {obj.name: describe_sobject(schema, obj.name) for obj in schema}


@pytest.fixture(scope="module")
def org() -> Describes:
    return _org()


def _lookup(describes: Describes) -> Callable[[str], Mapping[str, Any] | None]:
    return describes.get


def _add_field(describes: Describes, sobject: str, name: str, sf_type: str, **extra: Any) -> None:
    template = copy.deepcopy(next(f for f in describes[sobject]["fields"] if f["name"] == "Name"))
    template.update(name=name, label=name, type=sf_type, custom=name.endswith("__c"), **extra)
    describes[sobject]["fields"].append(template)


def _field(describes: Describes, sobject: str, name: str) -> dict[str, Any]:
    return next(f for f in describes[sobject]["fields"] if f["name"] == name)


def _mapping(sections: dict[str, list[dict[str, Any]]]) -> MappingFile:
    return MappingFile.model_validate({"schema_version": 1, "sections": sections})


@pytest.mark.parametrize("multi_currency", [True, False])
def test_the_default_mapping_fits_the_sandbox_org(multi_currency: bool) -> None:
    describes = _org(multi_currency=multi_currency)
    assert validate_mapping(MappingFile(), _lookup(describes)) == []
    for flag in ("use_list_price_base", "trigger_dates_on_order", "sync_opportunity_fields"):
        options = ConnectorOptions.model_validate({flag: True})
        assert validate_mapping(MappingFile(), _lookup(describes), options=options) == []


def test_unknown_fields_and_relationships_say_what_to_fix(org: Describes) -> None:
    mapping = _mapping(
        {
            "Account->Account": [
                {"target": "notes", "source": "Descripton"},
                {"target": "Region__c", "source": "Owner.Rgion"},
                {"target": "Owner__c", "source": "OwnerId.Name"},
                {"target": "Parent__c", "source": "Parnt.Name"},
            ]
        }
    )
    messages = [str(p) for p in validate_mapping(mapping, _lookup(org))]
    assert messages == [
        "Account->Account row 1 ('notes'): Account has no field 'Descripton' (source 'Descripton') (did you mean "
        "'Description'?), or field-level security hides it from the integration user; check the spelling and "
        "the user's field access",
        "Account->Account row 2 ('Region__c'): User has no field 'Rgion' (source 'Owner.Rgion'), or field-level "
        "security hides it from the integration user; check the spelling and the user's field access",
        "Account->Account row 3 ('Owner__c'): Account has no relationship 'OwnerId' (source 'OwnerId.Name'); "
        "'OwnerId' is the lookup's Id — write 'Owner.<field>' to read the parent's fields",
        "Account->Account row 4 ('Parent__c'): Account has no relationship 'Parnt' (source 'Parnt.Name') "
        "(did you mean 'Parent'?)",
    ]


def test_type_mismatches_between_salesforce_fields_and_zuora_targets(org: Describes) -> None:
    describes = copy.deepcopy(org)
    _add_field(describes, "Account", "Billing_Day__c", "string")
    _add_field(describes, "Account", "Tax_Exempt__c", "string")
    mapping = _mapping(
        {
            "Account->Account": [
                {"target": "billCycleDay", "source": "Billing_Day__c"},
                {"target": "autoPay", "source": "Tax_Exempt__c"},
                {"target": "taxInfo/VATId", "source": "Name"},
            ],
            "Order->Order": [
                {"target": "orderDate", "source": "ActivatedDate"},
                {"target": "Activated__c", "source": "ActivatedDate", "date_format": "%Y-%m-%d"},
            ],
            "OrderItem->OrderLineItem": [
                {"target": "quantity", "source": "Description"},
                {"target": "itemState", "source": "Description", "value_map": {"values": {"Done": "SentToBilling"}}},
            ],
        }
    )
    messages = [str(p) for p in validate_mapping(mapping, _lookup(describes))]
    assert messages == [
        "Account->Account row 1 ('billCycleDay'): Zuora expects a whole number for 'billCycleDay', but "
        "Account.Billing_Day__c is a Salesforce string field; map a matching field or add a value_map",
        "Account->Account row 2 ('autoPay'): Zuora expects true or false for 'autoPay', but Account.Tax_Exempt__c "
        "is a Salesforce string field; map a matching field or add a value_map",
        "Order->Order row 1 ('orderDate'): Order.ActivatedDate is a date-time but Zuora wants a date for "
        '\'orderDate\'; add "date_format": "%Y-%m-%d" (the date is taken in the time-stamp\'s own offset)',
        "OrderItem->OrderLineItem row 1 ('quantity'): Zuora expects a number for 'quantity', but "
        "OrderItem.Description is a Salesforce textarea field; map a matching field or add a value_map",
    ]


def test_unreadable_objects_and_fields(org: Describes) -> None:
    describes = copy.deepcopy(org)
    describes["Contact"]["queryable"] = False
    _field(describes, "Account", "Description")["deprecatedAndHidden"] = True
    del describes["SBQQ__OrderItemConsumptionRate__c"]  # package not installed / object not shared
    problems = [str(p) for p in validate_mapping(MappingFile(), _lookup(describes))]
    assert problems == [
        "Account->Account default row ('notes' ← Description): Account.Description is deprecated and hidden and "
        "can no longer be read; map another field",
        "Contact->Contact default row ('crmId__c' ← Id): the integration user cannot query Contact (its describe "
        "says queryable: false); give the user read access to Contact",
        "SBQQ__OrderItemConsumptionRate__c->ChargeTier default row ('tier' ← derived:tier_number): Salesforce "
        "object SBQQ__OrderItemConsumptionRate__c is not in this org, or the integration user cannot see it; "
        "install or share SBQQ__OrderItemConsumptionRate__c, or remove the rows that read it",
    ]


def test_optional_sources_may_be_missing_from_the_org(org: Describes) -> None:
    describes = copy.deepcopy(org)
    mapping = _mapping({"Account->Account": [{"target": "Segment__c", "source": "Segment__c", "optional": True}]})
    assert validate_mapping(mapping, _lookup(describes)) == []
    mapping = _mapping({"Account->Account": [{"target": "Segment__c", "source": "Segment__c"}]})
    (problem,) = validate_mapping(mapping, _lookup(describes))
    assert "Account has no field 'Segment__c'" in problem.message


def test_required_targets_left_unmapped_are_reported_with_describe_too(org: Describes) -> None:
    mapping = _mapping(
        {
            "Account->Account": [{"target": "billToContact", "omit": True}],
            "Product2->ProductRatePlanCharge": [
                {"target": "ChargeType", "source": "SBQQ__ChargeType__c", "when": "use_list_price_base"}
            ],
        }
    )
    messages = [str(p) for p in validate_mapping(mapping, _lookup(org))]
    assert messages == [
        "Account->Account: the required Zuora field 'billToContact' is not mapped, so every Zuora Account would be "
        "rejected; give your row for 'billToContact' a source, or remove it to use the default",
        "Product2->ProductRatePlanCharge: the required Zuora field 'ChargeType' is not mapped, so every Zuora "
        "Product Rate Plan Charge would be rejected; give your row for 'ChargeType' a source, or remove it to use "
        "the default",
    ]
    # under options where the conditional row applies, the charge type is mapped
    with_option = validate_mapping(mapping, _lookup(org), options=ConnectorOptions(use_list_price_base=True))
    assert [p.where for p in with_option] == ["Account->Account"]


def test_validate_file_with_describe_saved_to_a_folder(tmp_path: Path, org: Describes) -> None:
    for name in ("Account", "User"):
        (tmp_path / f"{name}.json").write_text(json.dumps(org[name]), encoding="utf-8")
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(
        json.dumps(
            {"schema_version": 1, "sections": {"Account->Account": [{"target": "Owner__c", "source": "Owner.Email"}]}}
        ),
        encoding="utf-8",
    )
    problems = validate_file(mapping_file, describe_dir_lookup(tmp_path))
    # only Account and User were saved: every other section's object is reported missing, Account's rows fit
    assert not [p for p in problems if p.where.startswith("Account->Account")]
    assert any(p.message.startswith("Salesforce object Contact is not in this org") for p in problems)
