"""The shipped default mapping reproduces every row of connector-spec §2.1–§2.8.

The test reads the spec's markdown tables themselves, so a row added to the spec and missing from the
defaults (or a default citing a row the spec no longer has) fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cpq_desktop.core.config import ConnectorOptions
from cpq_desktop.core.mapping import (
    DERIVATIONS,
    PAIRS,
    SourceKind,
    apply_rows,
    default_mapping,
    default_mapping_text,
    export_default,
    mapping_to_json,
    validate_file,
    validate_mapping,
)
from cpq_desktop.core.mapping.model import MappingFile

SPEC = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "connector-spec.md"
LEVEL_PAIRS = {
    "Product": "Product2->Product",
    "PRP": "Product2->ProductRatePlan",
    "PRPC": "Product2->ProductRatePlanCharge",
}


def _normalise(cell: str) -> str:
    cell = cell.replace("`", "").replace("**", "").replace("[inferred]", "")
    return re.sub(r"\s+", " ", cell).strip()


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _spec_tables() -> list[tuple[str, list[str], list[list[str]]]]:
    """(section, header, rows) for every markdown table in §2.1–§2.8."""
    if not SPEC.exists():
        pytest.skip(f"connector-spec.md is not at {SPEC} (the shared reference folder is not checked out)")
    text = SPEC.read_text(encoding="utf-8")
    body = text[text.index("### 2.1 ") : text.index("## 3. ")]
    lines = body.splitlines()
    tables: list[tuple[str, list[str], list[list[str]]]] = []
    section = ""
    index = 0
    while index < len(lines):
        if match := re.match(r"### (2\.\d)", lines[index]):
            section = match.group(1)
        if lines[index].startswith("|") and index + 1 < len(lines) and re.match(r"^\|\s*-", lines[index + 1]):
            header = _cells(lines[index])
            rows = []
            index += 2
            while index < len(lines) and lines[index].startswith("|"):
                rows.append(_cells(lines[index]))
                index += 1
            tables.append((section, header, rows))
            continue
        index += 1
    return tables


def _cited() -> dict[str, set[str]]:
    """connector-spec reference -> the pair ids of the default rows that cite it."""
    cited: dict[str, set[str]] = {}
    for pair_id, rows in default_mapping().sections.items():
        for row in rows:
            for ref in row.spec:
                cited.setdefault(_normalise(ref), set()).add(pair_id)
    return cited


def _mapping_tables() -> list[tuple[str, list[str], list[list[str]]]]:
    return [t for t in _spec_tables() if "Salesforce set-up" not in t[1]]


def test_spec_section_2_has_the_tables_this_test_walks() -> None:
    sections = {section for section, _, _ in _mapping_tables()}
    assert sections == {"2.1", "2.2", "2.3", "2.4", "2.5", "2.7", "2.8"}  # §2.6 is prose, handled by §2.5 rows
    assert sum(len(rows) for _, _, rows in _mapping_tables()) >= 100


def test_every_row_of_the_spec_tables_has_a_default_row_citing_it() -> None:
    cited = _cited()
    missing = []
    for section, header, rows in _mapping_tables():
        # the Zuora side of a row: the last column whose header names Zuora (REST name where the spec has one)
        key_column = max(i for i, name in enumerate(header) if name.startswith("Zuora"))
        level_column = header.index("Zuora level") if "Zuora level" in header else None
        for cells in rows:
            ref = f"connector-spec §{section}: {_normalise(cells[key_column])}"
            pairs = cited.get(ref)
            if not pairs:
                missing.append(ref)
                continue
            if level_column is not None:
                # "Product, PRP, PRPC" rows need a default row on each level
                levels = {LEVEL_PAIRS[level.strip()] for level in cells[level_column].split(",")}
                assert levels <= pairs, f"{ref} is cited on {sorted(pairs)}, not on every level {sorted(levels)}"
    assert not missing, "spec rows without a default mapping row:\n" + "\n".join(missing)


def test_every_default_row_cites_a_row_the_spec_has() -> None:
    refs = set()
    for section, header, rows in _mapping_tables():
        key_column = max(i for i, name in enumerate(header) if name.startswith("Zuora"))
        refs.update(f"connector-spec §{section}: {_normalise(cells[key_column])}" for cells in rows)
    for pair_id, rows in default_mapping().sections.items():
        for row in rows:
            assert row.spec, f"{pair_id} default row {row.target!r} does not say where it comes from"
            assert row.why, f"{pair_id} default row {row.target!r} has no 'why'"
            for ref in row.spec:
                if ref.startswith("connector-spec §") and ": " in ref:
                    assert _normalise(ref) in refs, f"{pair_id} row {row.target!r} cites {ref!r}, not in the spec"


def _product(pricing_method: str, charge_type: str) -> dict[str, object]:
    return {
        "attributes": {"type": "Product2"},
        "Id": "01t000000000001AAA",
        "Name": "Seats",
        "ProductCode": "SEATS",
        "SBQQ__PricingMethod__c": pricing_method,
        "SBQQ__ChargeType__c": charge_type,
        "SBQQ__BillingFrequency__c": "Monthly",
        "SBQQ__BillingType__c": "Advance" if charge_type == "Recurring" else None,
        "SBQQ__Taxable__c": False,
        "QuantityUnitOfMeasure": None,
        "SBQQ__TaxCode__c": None,
    }


CHARGE_MODELS = {
    "Flat Fee": "Flat Fee Pricing",
    "Per Unit": "Per Unit Pricing",
    "Volume": "Volume Pricing",
    "Tiered": "Tiered Pricing",
}
CHARGE_TYPES = {"One-time": "OneTime", "Recurring": "Recurring", "Usage": "Usage"}


def test_charge_model_matrix_of_section_2_8_follows_from_the_default_value_maps() -> None:
    (matrix,) = [t for t in _spec_tables() if "Salesforce set-up" in t[1]]
    options = ConnectorOptions()
    checked = 0
    for charge_type, model, setup in matrix[2]:
        if match := re.search(r"Pricing ?Method\S*\s*=\s*(\w+), \S*Charge ?Type\S*\s*=\s*([\w-]+)", setup):
            record = _product(match.group(1), match.group(2))
            rows = default_mapping().rows("Product2->ProductRatePlanCharge")
            mapped = apply_rows(rows, record, pair_id="Product2->ProductRatePlanCharge", options=options)
        elif match := re.search(r"Consumption Schedule \(Type = (\w+)\)", setup):
            record = {
                "attributes": {"type": "ProductConsumptionSchedule"},
                "Id": "0Pc1",
                "CurrencyIsoCode": "USD",
                "ConsumptionSchedule": {"Name": "API calls", "Type": match.group(1), "UnitOfMeasure": "Call"},
                "Product": {"SBQQ__BillingFrequency__c": "Monthly", "SBQQ__Taxable__c": True, "SBQQ__TaxCode__c": None},
            }
            pair_id = "ProductConsumptionSchedule->ProductRatePlanCharge"
            rows = [r for r in default_mapping().rows(pair_id) if r.kind is not SourceKind.DERIVED]
            mapped = apply_rows(rows, record, pair_id=pair_id, options=options)
        else:
            continue  # "Usage / Flat Fee": the spec itself says its set-up text is a doc error
        assert mapped["ChargeType"] == CHARGE_TYPES[charge_type], setup
        assert mapped["ChargeModel"] == CHARGE_MODELS[model], setup
        checked += 1
    assert checked == 7


def test_default_mapping_is_valid_and_fills_every_required_target_under_any_options() -> None:
    assert validate_mapping(MappingFile()) == []
    for flag in ConnectorOptions.model_fields:
        options = ConnectorOptions.model_validate(
            {flag: True} if flag != "subscription_term_in_days" else {flag: True, "use_list_price_base": False}
        )
        assert validate_mapping(MappingFile(), options=options) == [], flag


def test_default_mapping_has_a_section_per_pair_and_names_only_known_derivations() -> None:
    mapping = default_mapping()
    assert list(mapping.sections) == list(PAIRS)
    for pair_id, rows in mapping.sections.items():
        for row in rows:
            if row.kind is SourceKind.DERIVED:
                derivation = DERIVATIONS.get(row.derivation or "")
                assert derivation is not None, (pair_id, row.target)
                assert pair_id in derivation.pairs, (pair_id, row.target)
    used = {row.derivation for rows in mapping.sections.values() for row in rows} - {None}
    assert {d.name for d in DERIVATIONS} == used, "every derivation in the registry is used by a default row"
    assert all(d.description.endswith((".", ")")) for d in DERIVATIONS)


def test_export_default_writes_the_shipped_resource_and_it_round_trips(tmp_path: Path) -> None:
    target = tmp_path / "exported" / "default.json"
    target.parent.mkdir()
    export_default(target)
    text = target.read_text(encoding="utf-8")
    assert text == default_mapping_text()
    assert json.loads(text)["schema_version"] == 1
    assert validate_file(target) == []
    reloaded = MappingFile.model_validate_json(text)
    assert reloaded == default_mapping()
    assert sum(len(rows) for rows in reloaded.sections.values()) >= 130


def test_the_resource_is_written_in_the_format_the_app_saves_mappings_in() -> None:
    # so an admin's saved mapping and the exported defaults diff line by line
    assert mapping_to_json(default_mapping()) == default_mapping_text()
