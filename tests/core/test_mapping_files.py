"""Mapping files: bad input gives one clear message per problem; profile files round-trip and override."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cpq_desktop.core.config import ConnectorOptions, Profile
from cpq_desktop.core.config.paths import config_dir
from cpq_desktop.core.mapping import (
    MappingFile,
    MappingFileError,
    Origin,
    default_mapping,
    effective_mapping,
    load_profile_mapping,
    mapping_path,
    mapping_to_json,
    merge,
    parse_mapping,
    save_profile_mapping,
    validate_file,
    validate_mapping,
)


def _problems(document: Any) -> list[str]:
    text = document if isinstance(document, str) else json.dumps(document)
    mapping, problems = parse_mapping(text)
    assert mapping is None
    return [str(p) for p in problems]


def _file(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"schema_version": 1, "sections": rows}


def test_malformed_json_is_one_message_with_line_and_column() -> None:
    (message,) = _problems('{"schema_version": 1,\n "sections": {\n  "Account->Account": [}\n}')
    assert message.startswith("file: is not valid JSON (line 3, column 24")
    assert "export a fresh file" in message


def test_a_newer_schema_version_says_the_file_comes_from_a_newer_version() -> None:
    (message,) = _problems({"schema_version": 2, "sections": {"Account->Account": [{"anything": "new"}]}})
    assert "written by a newer version of CPQ Billing Connector Desktop" in message
    assert "mapping schema 2; this version reads schema 1" in message


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"sections": {}}, 'file: has no "schema_version"'),
        ({"schema_version": "1"}, 'schema_version: should be a whole number like 1 (got "1")'),
        ({"schema_version": 0}, "schema_version: 0 is not a mapping schema this app ever wrote"),
        ([1, 2], "file: should hold one JSON object"),
    ],
)
def test_missing_or_odd_schema_versions(document: Any, expected: str) -> None:
    (message,) = _problems(document)
    assert message.startswith(expected)


def test_unknown_keys_are_named_with_the_keys_allowed() -> None:
    messages = _problems(
        {
            "schema_version": 1,
            "sectons": {},
            "sections": {"Account->Account": [{"target": "name", "sourse": "Name", "source": "Name"}]},
        }
    )
    assert messages == [
        "Account->Account row 1 ('name') › sourse: unknown key 'sourse'; the keys allowed here are target, source, "
        "constant, omit, when, fallback, default, value_map, date_format, optional, spec, why",
        "sectons: unknown key 'sectons'; the keys allowed here are schema_version, description, sections",
    ]


def test_wrong_types_give_one_message_each() -> None:
    messages = _problems(
        _file(
            {
                "Account->Account": [
                    {"target": "name", "source": 5},
                    {"target": "notes", "constant": [1, 2]},
                    {"target": "autoPay", "constant": True, "optional": "yes"},
                    {"target": "name", "source": "Name", "value_map": {"values": {}, "unmatched": "drop"}},
                ],
                "Order->Order": "orderNumber",
            }
        )
    )
    assert messages == [
        "Account->Account row 1 ('name') › source: should be text in double quotes (got 5)",
        "Account->Account row 2 ('notes') › constant: should be one text, number or true/false value (got [1, 2])",
        "Account->Account row 3 ('autoPay') › optional: should be true or false (got \"yes\")",
        "Account->Account row 4 ('name') › value_map.values: should not be empty (got {})",
        "Account->Account row 4 ('name') › value_map.unmatched: should be 'error', 'keep' or 'default' (got \"drop\")",
        'sections › Order->Order: should be a JSON list ([…]) (got "orderNumber")',
    ]


def test_unknown_object_pairs_and_malformed_rows() -> None:
    messages = _problems(
        _file(
            {
                "Acount->Account": [],
                "Account->Account": [
                    {"target": "name"},
                    {"target": "bad target", "source": "Name"},
                    {"target": "notes", "source": "Description", "when": "amend"},
                    {"target": "notes", "source": "Owner..Name"},
                ],
            }
        )
    )
    assert messages[0].startswith("sections: unknown object pair 'Acount->Account' (did you mean 'Account->Account'?)")
    assert messages[1:] == [
        "Account->Account row 1 ('name'): row for 'name' needs exactly one of 'source', 'constant' or 'omit: true' "
        "(it has none)",
        "Account->Account row 2 ('bad target'): target 'bad target' is not a Zuora field name: use letters, digits "
        "and '_', with '/' for nested fields (taxInfo/VATId)",
        "Account->Account row 3 ('notes'): 'when' names 'amend', which is not a connector option; use one of "
        "amend_subscriptions, increment_tier_upper_bound, subscription_term_in_days, sync_opportunity_fields, "
        "trigger_dates_on_order, use_list_price_base, use_subscription_start_date (prefix '!' for off)",
        "Account->Account row 4 ('notes'): source 'Owner..Name' is neither a Salesforce field or relationship path "
        "(Name, SBQQ__Product__r.ProductCode) nor derived:<name>",
    ]


def test_rows_that_parse_but_mean_nothing_useful() -> None:
    mapping, problems = parse_mapping(
        json.dumps(
            _file(
                {
                    "Order->Order": [
                        {"target": "orderDate", "omit": True},
                        {"target": "reasonCode", "source": "Description"},
                        {"target": "Channel__c", "source": "derived:chanel"},
                    ],
                    "Account->Account": [
                        {"target": "nmae", "source": "Name"},
                        {"target": "billCycleDay", "constant": "1"},
                        {"target": "Region__c", "source": "Region__c"},
                        {"target": "Region__c", "source": "Territory__c", "when": "use_list_price_base"},
                    ],
                    "SBQQ__OrderItemConsumptionRate__c->ChargeTier": [{"target": "Cap__c", "source": "Cap__c"}],
                    "Opportunity->Order": [{"target": "Stage__c", "source": "StageName"}],
                }
            )
        )
    )
    assert mapping is not None
    assert problems == []
    messages = [str(p) for p in validate_mapping(mapping, options=ConnectorOptions())]
    assert messages == [
        "Order->Order row 2 ('reasonCode'): connector-spec §5.2 lets Order → Zuora Order rows fill only Zuora custom "
        "fields (…__c); 'reasonCode' is a standard field. Map it to a custom field instead.",
        "Order->Order row 3 ('Channel__c'): there is no derived value 'chanel'; the derived values are listed in "
        "the mapping editor and in the default mapping",
        "Account->Account row 1 ('nmae'): 'nmae' is not a Zuora Account field this app knows (did you mean 'name'?). "
        "Zuora custom fields end in __c; standard fields are written as in the Zuora REST API (name, "
        "accountNumber, crmId, currency, billCycleDay, billToContact, soldToContact, notes…)",
        "Account->Account row 2 ('billCycleDay'): Zuora expects a whole number for 'billCycleDay', but the constant "
        'is "1"',
        "Account->Account row 4 ('Region__c'): row 3 already fills 'Region__c' under the same condition; keep one, "
        "or give each row a different 'when'",
        "SBQQ__OrderItemConsumptionRate__c->ChargeTier row 1 ('Cap__c'): SBQQ__OrderItemConsumptionRate__c → Zuora "
        "Charge Tier takes no custom-field rows (it is not a pair of connector-spec §5.2); only its default rows "
        "can be overridden (cap, endingUnit, price, priceFormat, startingUnit, tier)",
        "Opportunity->Order: these rows are used only with the connector option 'sync_opportunity_fields' on, and "
        "it is off in this profile; turn it on or remove the rows",
        "Order->Order: the required Zuora field 'orderDate' is not mapped, so every Zuora Order would be rejected; "
        "give your row for 'orderDate' a source, or remove it to use the default",
    ]


def test_validate_file_reports_unreadable_paths(tmp_path: Path) -> None:
    (problem,) = validate_file(tmp_path / "missing.json")
    assert problem.where.endswith("missing.json")
    assert "cannot be read: No such file or directory" in problem.message


def test_profile_mapping_round_trips_and_overrides_defaults() -> None:
    profile = Profile(name="Production")
    assert load_profile_mapping(profile) == MappingFile()
    mine = MappingFile.model_validate(
        _file(
            {
                "Account->Account": [
                    {"target": "billCycleDay", "source": "Billing_Day__c", "default": 1, "why": "finance asked"},
                    {"target": "taxInfo/VATId", "source": "VAT_Number__c"},
                ],
                "SBQQ__Subscription__c->SubscriptionRatePlanCharge": [
                    {"target": "price", "source": "Per_Period_Price__c", "fallback": "SBQQ__NetPrice__c"}
                ],
            }
        )
    )
    path = save_profile_mapping(profile, mine)
    assert path == config_dir() / "mappings" / f"{profile.id}.json" == mapping_path(profile.id)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # the atomic write left no temp file
    text = path.read_text(encoding="utf-8")
    assert text == mapping_to_json(mine)
    assert text.startswith('{\n  "schema_version": 1,\n  "sections": {\n    "Account->Account": [\n')
    assert '"spec"' not in text  # unset keys stay out of the admin's file
    assert load_profile_mapping(profile) == mine

    effective = effective_mapping(profile)
    account = {e.row.target: e for e in effective.entries("Account->Account")}
    assert account["billCycleDay"].origin is Origin.OVERRIDDEN
    assert account["billCycleDay"].replaced == tuple(
        r for r in default_mapping().rows("Account->Account") if r.target == "billCycleDay"
    )
    assert account["taxInfo/VATId"].origin is Origin.CUSTOM
    assert account["name"].origin is Origin.DEFAULT
    targets = [e.row.target for e in effective.entries("Account->Account")]
    assert targets.index("billCycleDay") == 4  # an override keeps the default row's place
    charge = {e.row.target: e.origin for e in effective.entries("SBQQ__Subscription__c->SubscriptionRatePlanCharge")}
    assert charge["price"] is Origin.OVERRIDDEN
    assert effective_mapping().entries("Account->Account")[4].row.constant == 1


def test_one_override_row_replaces_every_default_row_of_its_target() -> None:
    mine = MappingFile.model_validate(
        _file(
            {"SBQQ__Subscription__c->Subscription": [{"target": "terms/initialTerm/startDate", "source": "Go_Live__c"}]}
        )
    )
    profile = Profile(name="Staging")
    save_profile_mapping(profile, mine)
    effective = effective_mapping(profile)
    rows = [
        r for r in effective.rows("SBQQ__Subscription__c->Subscription") if r.target == "terms/initialTerm/startDate"
    ]
    assert [r.source for r in rows] == ["Go_Live__c"]  # both option-dependent defaults are replaced
    assert validate_mapping(mine) == []


def test_a_broken_profile_file_lists_its_problems() -> None:
    profile = Profile(name="Broken")
    path = mapping_path(profile)
    path.parent.mkdir(parents=True)
    path.write_text('{"schema_version": 1, "sections": {"Account->Account": [{"target": "name"}]}}', encoding="utf-8")
    with pytest.raises(MappingFileError) as caught:
        effective_mapping(profile)
    assert str(caught.value) == (
        f"The mapping file {path} cannot be used:\n"
        "  Account->Account row 1 ('name'): row for 'name' needs exactly one of 'source', 'constant' or "
        "'omit: true' (it has none)"
    )


def test_profile_ids_that_are_not_safe_file_names_are_refused() -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        mapping_path("../elsewhere")


def test_opportunity_rows_apply_only_with_sync_opportunity_fields_on() -> None:
    mine = MappingFile.model_validate(_file({"Opportunity->Order": [{"target": "Stage__c", "source": "StageName"}]}))
    effective = merge(mine)
    opportunity = {"attributes": {"type": "Opportunity"}, "Id": "006000000000001AAA", "StageName": "Closed Won"}
    assert effective.apply("Opportunity->Order", opportunity, options=ConnectorOptions()) == {}
    on = ConnectorOptions(sync_opportunity_fields=True)
    assert effective.apply("Opportunity->Order", opportunity, options=on) == {"Stage__c": "Closed Won"}


def test_nested_targets_are_checked_field_by_field() -> None:
    mapping = MappingFile.model_validate(
        _file(
            {
                "Account->Account": [
                    {"target": "taxInfo/VATId", "source": "VAT__c"},
                    {"target": "taxInfo/VatID", "source": "VAT__c"},
                    {"target": "taxInfo/exemptEffectiveDate", "constant": "2024-02-30"},
                ]
            }
        )
    )
    messages = [str(p) for p in validate_mapping(mapping)]
    assert len(messages) == 2
    assert messages[0].startswith(
        "Account->Account row 2 ('taxInfo/VatID'): 'taxInfo/VatID' is not a Zuora Account field this app knows "
        "(did you mean 'taxInfo/VATId'?)"
    )
    assert messages[1] == (
        "Account->Account row 3 ('taxInfo/exemptEffectiveDate'): Zuora expects a date (YYYY-MM-DD) for "
        "'taxInfo/exemptEffectiveDate', but the constant is \"2024-02-30\""
    )


def test_enumerated_zuora_values_catch_the_orders_versus_catalog_spellings() -> None:
    mapping = MappingFile.model_validate(
        _file(
            {
                "SBQQ__Subscription__c->SubscriptionRatePlanCharge": [
                    {
                        "target": "billingPeriod",
                        "source": "SBQQ__BillingFrequency__c",
                        "value_map": {"values": {"Monthly": "Month", "Semiannual": "Semi-Annual"}},
                    }
                ],
                "Product2->ProductRatePlanCharge": [{"target": "ChargeType", "constant": "One-Time"}],
            }
        )
    )
    messages = [p.message for p in validate_mapping(mapping)]
    assert len(messages) == 2
    assert messages[0].startswith("Zuora accepts Month, Quarter, Semi_Annual, ")
    assert messages[0].endswith("'billingPeriod'; \"Semi-Annual\" is not one of them (did you mean 'Semi_Annual'?)")
    assert messages[1] == (
        "Zuora accepts OneTime, Recurring, Usage for 'ChargeType'; \"One-Time\" is not one of them "
        "(did you mean 'OneTime'?)"
    )
