"""``cpq-desktop mapping export-default`` and ``mapping validate``, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cpq_desktop.cli import main
from cpq_desktop.core.config import AppConfig, ConfigStore, ConnectorOptions, Profile
from cpq_desktop.core.mapping import default_mapping_text


def _write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_export_default_then_validate_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "default-mapping.json"
    assert main(["mapping", "export-default", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == default_mapping_text()
    assert main(["mapping", "validate", str(target)]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [f"Wrote the default mapping to {target}", f"{target}: the mapping is valid"]
    assert out.err == ""


def test_export_default_into_a_folder_that_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert main(["mapping", "export-default", str(blocker / "mapping.json")]) == 1
    assert capsys.readouterr().err.startswith(f"cpq-desktop: cannot write {blocker / 'mapping.json'}:")


def test_an_invalid_file_exits_1_with_one_line_per_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(
        tmp_path / "mine.json",
        {
            "schema_version": 1,
            "sections": {
                "Account->Account": [
                    {"target": "nmae", "source": "Name"},
                    {"target": "billCycleDay", "constant": "first"},
                ]
            },
        },
    )
    assert main(["mapping", "validate", str(path)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}: Account->Account row 1 ('nmae'): 'nmae' is not a Zuora Account field")
    assert lines[1] == (
        f"{path}: Account->Account row 2 ('billCycleDay'): Zuora expects a whole number for 'billCycleDay', "
        'but the constant is "first"'
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        (json.dumps({"schema_version": 9, "sections": {}}), "was written by a newer version"),
        (
            json.dumps({"schema_version": 1, "sections": {"Account->Account": [{"target": "name", "src": "Name"}]}}),
            "unknown key 'src'",
        ),
    ],
)
def test_bad_files_give_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert main(["mapping", "validate", str(path)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert expected in line


def test_validate_under_a_profiles_connector_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ConfigStore().save(
        AppConfig(
            profiles=[
                Profile(name="Prod", options=ConnectorOptions(sync_opportunity_fields=False)),
                Profile(name="EU", options=ConnectorOptions(sync_opportunity_fields=True)),
            ]
        )
    )
    path = _write(
        tmp_path / "opportunity.json",
        {"schema_version": 1, "sections": {"Opportunity->Order": [{"target": "Stage__c", "source": "StageName"}]}},
    )
    assert main(["mapping", "validate", str(path)]) == 0
    assert main(["mapping", "validate", str(path), "--profile", "eu", "--offline"]) == 0
    capsys.readouterr()
    assert main(["mapping", "validate", str(path), "--profile", "Prod", "--offline"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "used only with the connector option 'sync_opportunity_fields' on" in line
    assert main(["mapping", "validate", str(path), "--profile", "Test", "--offline"]) == 1
    assert capsys.readouterr().err == "cpq-desktop: there is no profile named 'Test' (profiles: 'Prod', 'EU')\n"


def test_validate_against_saved_describe_metadata(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cpq_desktop.sandbox.salesforce.describe import describe_sobject
    from cpq_desktop.sandbox.salesforce.schema import build_schema

    schema = build_schema()
    describes = tmp_path / "describe"
    describes.mkdir()
    for obj in schema:
        (describes / f"{obj.name}.json").write_text(json.dumps(describe_sobject(schema, obj.name)), encoding="utf-8")
    path = _write(
        tmp_path / "mine.json",
        {"schema_version": 1, "sections": {"Account->Account": [{"target": "notes", "source": "Descripton"}]}},
    )
    assert main(["mapping", "validate", str(path), "--describe-dir", str(describes)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "Account has no field 'Descripton' (source 'Descripton') (did you mean 'Description'?)" in line


def test_mapping_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["mapping"])
    assert exited.value.code == 1
    assert "the following arguments are required: SUBCOMMAND" in capsys.readouterr().err


def test_validate_against_the_live_org_of_a_sandbox(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cpq_desktop.sandbox.runner import Sandbox, SandboxOptions

    sandbox = Sandbox(tmp_path / "sandbox", SandboxOptions(orders=1))
    sandbox.start()
    try:
        good = _write(
            tmp_path / "good.json",
            {"schema_version": 1, "sections": {"Account->Account": [{"target": "notes", "source": "Description"}]}},
        )
        bad = _write(
            tmp_path / "bad.json",
            {"schema_version": 1, "sections": {"Account->Account": [{"target": "notes", "source": "Descripton"}]}},
        )
        assert main(["mapping", "validate", str(good), "--sandbox", str(tmp_path / "sandbox")]) == 0
        capsys.readouterr()
        assert main(["mapping", "validate", str(bad), "--sandbox", str(tmp_path / "sandbox")]) == 1
        (line,) = capsys.readouterr().err.splitlines()
        assert "Account has no field 'Descripton'" in line
        assert main(["mapping", "validate", str(good), "--sandbox", str(tmp_path / "nowhere")]) == 1
    finally:
        sandbox.stop()
