"""Bad specs: one clear error each, naming the file, the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from xl_crm.cli.app import app
from xl_crm.errors import SpecError, TemplateNotFoundError
from xl_crm.specs import load_spec

FIXTURES = Path(__file__).parent / "fixtures" / "specs"
BASE = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def only_problem(path: Path):
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert len(info.value.problems) == 1, str(info.value)
    return info.value.first


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def test_unknown_type(tmp_path):
    path = write(tmp_path, BASE.replace("type: choice", "type: choise"))
    p = only_problem(path)
    assert p.file == str(path)
    assert p.line == line_of(path, "type: choise")
    assert p.key == "sheets.people.fields.level.type"
    assert "unknown field type 'choise'; did you mean 'choice'?" in p.message


def test_duplicate_field_id(tmp_path):
    path = write(tmp_path, BASE.replace("id: level", "id: person_id"))
    p = only_problem(path)
    assert p.message == "duplicate field id 'person_id' in sheet 'people'"
    assert p.line == line_of(path, "label: {zh: 级别") - 1


def test_reference_to_missing_sheet(tmp_path):
    text = BASE.replace(
        "    key: person_id\n",
        "    key: person_id\n    references:\n      - {field: person_id, to: teams.team_id}\n",
    )
    path = write(tmp_path, text)
    p = only_problem(path)
    assert p.key == "sheets.people.references[0].to"
    assert p.message.startswith("reference to a missing sheet 'teams'")
    assert p.line == line_of(path, "to: teams.team_id")


def test_bad_yaml(tmp_path):
    path = write(
        tmp_path, BASE.replace("title: {zh: 最小模板, en: Minimal}", "title: {zh: 最小模板")
    )
    p = only_problem(path)
    assert p.message.startswith("invalid YAML")
    assert p.line is not None


def test_unknown_key_is_a_typo(tmp_path):
    path = write(tmp_path, BASE.replace("required: true", "requird: true"))
    p = only_problem(path)
    assert p.message.startswith("unknown key 'requird'")
    assert p.line == line_of(path, "requird")


def test_duplicate_yaml_key(tmp_path):
    path = write(tmp_path, BASE.replace("max_length: 10", "max_length: 10\n        max_length: 12"))
    p = only_problem(path)
    assert "duplicate key 'max_length'" in p.message


def test_bad_rule_expression_is_refused_not_run(tmp_path):
    text = BASE.replace(
        "    key: person_id\n",
        "    key: person_id\n    rules:\n      - id: evil\n        check: __import__('os')\n",
    )
    p = only_problem(write(tmp_path, text))
    assert p.key == "sheets.people.rules.evil.check"
    assert "Call is not allowed" in p.message


def test_extends_with_remove_and_override():
    spec = load_spec(FIXTURES / "child.yaml")
    people = spec.sheet("people")
    assert people.field_ids() == ["person_id", "phone"]
    assert people.field("person_id").max_length == 12
    assert people.field("person_id").unique  # inherited


def test_extends_missing_parent(tmp_path):
    path = write(tmp_path, "name: x\nextends: nowhere\ntitle: X\nsheets: []\n")
    p = only_problem(path)
    assert p.key == "extends" and "no template called 'nowhere'" in p.message


def test_unknown_template_name():
    with pytest.raises(TemplateNotFoundError, match="no template called 'shop'"):
        load_spec("shop")


def test_check_command_reports_and_exits_1(tmp_path):
    path = write(tmp_path, BASE.replace("type: choice", "type: choise"))
    result = CliRunner().invoke(app, ["template", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{line_of(path, 'type: choise')}" in result.output
    ok = CliRunner().invoke(app, ["template", "check", str(FIXTURES / "minimal.yaml")])
    assert ok.exit_code == 0 and "ok:" in ok.output


def test_unknown_rule_in_severity_map(tmp_path):
    path = write(tmp_path, BASE + "severity: {unknown-column: error, emial: warning}\n")
    p = only_problem(path)
    assert p.key == "severity.emial" and p.message.startswith("unknown rule 'emial'")
